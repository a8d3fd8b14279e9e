//! The one error type of the Kick client. It keeps the endpoint, the HTTP
//! status and Kick's own message; it never holds a token or a secret.

use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Our own check rejected the input before any request was sent.
    #[error("invalid {field}: {reason}")]
    Validation { field: &'static str, reason: String },

    /// Kick answered with a non-success status we do not handle specially.
    #[error("{endpoint}: Kick answered {status}: {message}")]
    Api {
        endpoint: &'static str,
        status: u16,
        message: String,
    },

    /// 401 that survived one token refresh.
    #[error("{endpoint}: Kick refused the access token (401): {message}")]
    Unauthorized {
        endpoint: &'static str,
        message: String,
    },

    /// 429 (or 5xx) after the bounded number of attempts.
    #[error("{endpoint}: Kick is rate limiting us (status {status}) after {attempts} attempts")]
    RateLimited {
        endpoint: &'static str,
        status: u16,
        attempts: u32,
        retry_after: Option<Duration>,
    },

    /// Kick kept failing with 5xx after the bounded number of attempts.
    #[error("{endpoint}: Kick had a server error ({status}) after {attempts} attempts: {message}")]
    Server {
        endpoint: &'static str,
        status: u16,
        attempts: u32,
        message: String,
    },

    /// The refresh token was rejected (revoked or expired): only a new login helps.
    #[error("the Kick session has ended and needs a new login: {reason}")]
    ReloginRequired { reason: String },

    /// No tokens at all (not logged in) for an endpoint that needs them.
    #[error("not logged in to Kick")]
    NotAuthenticated,

    /// Kick's answer did not have the shape we expect; `path` names the field.
    #[error("{endpoint}: unexpected answer from Kick at `{path}`: {message}")]
    Decode {
        endpoint: &'static str,
        path: String,
        message: String,
    },

    /// Could not reach Kick (DNS, connect, TLS, timeout, reset).
    #[error("{endpoint}: could not reach Kick: {message}")]
    Network {
        endpoint: &'static str,
        message: String,
    },

    /// An OAuth grant, revoke or introspection failed.
    #[error("OAuth {operation} failed{}: {message}", status.map(|s| format!(" ({s})")).unwrap_or_default())]
    OAuth {
        operation: &'static str,
        status: Option<u16>,
        message: String,
    },

    /// Persisting tokens failed (for example the OS keyring is locked).
    #[error("could not store the Kick tokens: {0}")]
    TokenStore(String),
}

impl Error {
    /// HTTP status, when the error came from an HTTP answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::RateLimited { status, .. }
            | Error::Server { status, .. } => Some(*status),
            Error::Unauthorized { .. } => Some(401),
            Error::OAuth { status, .. } => *status,
            _ => None,
        }
    }

    pub(crate) fn validation(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Validation {
            field,
            reason: reason.into(),
        }
    }
}
