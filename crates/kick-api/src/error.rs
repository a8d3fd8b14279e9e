//! The one error type of the Kick client. It keeps the endpoint, the HTTP
//! status and Kick's own message; it never holds a token or a secret.

use std::sync::Arc;
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

    /// 403: Kick did not allow the call. `missing_scope` is the scope the
    /// endpoint needs when the login's grant lacks it (or its grant is not
    /// known): then a new login that grants it helps. `None`: the login has
    /// the scope (or the call needs none, or it was made with an app token),
    /// so Kick refused for another reason (API.md §4.2 "missing scope / not
    /// allowed": a reward another app made, a channel the user does not
    /// moderate), and logging in again would change nothing.
    #[error("{endpoint}: Kick refused the call (403): {message}")]
    Forbidden {
        endpoint: &'static str,
        message: String,
        missing_scope: Option<&'static str>,
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

    /// Could not reach Kick (DNS, connect, TLS, timeout, reset). `source`
    /// is reqwest's error without its URL (a URL may carry a query).
    #[error("{endpoint}: could not reach Kick ({kind}): {}", chain(source))]
    Network {
        endpoint: &'static str,
        kind: NetworkKind,
        #[source]
        source: Arc<reqwest::Error>,
    },

    /// An OAuth grant, revoke or introspection failed.
    #[error("OAuth {operation} failed{}: {message}", status.map(|s| format!(" ({s})")).unwrap_or_default())]
    OAuth {
        operation: &'static str,
        status: Option<u16>,
        message: String,
    },
}

impl Error {
    /// HTTP status, when the error came from an HTTP answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::RateLimited { status, .. }
            | Error::Server { status, .. } => Some(*status),
            Error::Unauthorized { .. } => Some(401),
            Error::Forbidden { .. } => Some(403),
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

/// What kind of network failure kept a request from Kick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkKind {
    /// Kick did not answer in time (connect or whole request).
    Timeout,
    /// Nothing listens at Kick's address (connection refused).
    Refused,
    /// The TLS handshake failed (certificate, protocol, a proxy in between).
    Tls,
    /// Kick's host name could not be resolved.
    Dns,
    /// Anything else (a reset connection, a broken answer...).
    Other,
}

impl std::fmt::Display for NetworkKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NetworkKind::Timeout => "timed out",
            NetworkKind::Refused => "connection refused",
            NetworkKind::Tls => "TLS failed",
            NetworkKind::Dns => "DNS lookup failed",
            NetworkKind::Other => "connection failed",
        })
    }
}

/// An error and its causes in one line (reqwest's own message alone is
/// only "error sending request").
fn chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}
