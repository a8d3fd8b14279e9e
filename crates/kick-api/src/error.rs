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

/// Extracts a human message from a Kick error body: `message`, then
/// `error` + `error_description`, then the start of the raw text.
// `pub` (hidden) only so the fuzz targets in `fuzz/` can reach it.
#[doc(hidden)]
pub fn kick_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Shape {
        message: Option<serde_json::Value>,
        error: Option<serde_json::Value>,
        error_description: Option<String>,
    }
    fn as_text(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }
    if let Ok(s) = serde_json::from_slice::<Shape>(body) {
        if let Some(m) = s.message.as_ref().and_then(as_text) {
            return m;
        }
        if let Some(e) = s.error.as_ref().and_then(as_text) {
            return match s.error_description {
                Some(d) if !d.is_empty() => format!("{e}: {d}"),
                _ => e,
            };
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "no details given".to_owned();
    }
    let mut out: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kick_message_shapes() {
        assert_eq!(
            kick_message(br#"{"message":"Invalid request","data":null}"#),
            "Invalid request"
        );
        assert_eq!(
            kick_message(br#"{"error":"invalid_grant","error_description":"revoked"}"#),
            "invalid_grant: revoked"
        );
        assert_eq!(
            kick_message(br#"{"error":"Invalid request"}"#),
            "Invalid request"
        );
        assert_eq!(
            kick_message(b"<html>Bad gateway</html>"),
            "<html>Bad gateway</html>"
        );
        assert_eq!(kick_message(b""), "no details given");
    }
}
