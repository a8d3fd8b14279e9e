//! Errors with a stable machine code ([`ObsError::code`]) and a message a
//! streamer can act on (`Display`). No error ever carries the stream key, the
//! ingest URL or the password: they are built only from our own words, OBS's
//! status codes, and OBS's `comment`s (scrubbed of secrets where a request
//! carried one).

use serde::Serialize;
use std::fmt;

/// What we were waiting for when time ran out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The TCP connection.
    Connect,
    /// The WebSocket upgrade.
    Handshake,
    /// OBS's `Hello`.
    Hello,
    /// OBS's answer to our `Identify` (the password check).
    Identify,
    /// The answer to a request of this type.
    Request(String),
    /// The stream output to report started.
    StreamStart,
    /// The stream output to report stopped.
    StreamStop,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Connect => f.write_str("connecting"),
            Stage::Handshake => f.write_str("opening the WebSocket"),
            Stage::Hello => f.write_str("waiting for OBS to greet"),
            Stage::Identify => f.write_str("logging in"),
            Stage::Request(r) => write!(f, "waiting for the answer to {r}"),
            Stage::StreamStart => f.write_str("waiting for the stream to start"),
            Stage::StreamStop => f.write_str("waiting for the stream to stop"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ObsError {
    #[error(
        "OBS is not running (nothing answers on {addr}). Start OBS; Kickstand connects by itself."
    )]
    NotRunning { addr: String },

    #[error("OBS is running, but its WebSocket server is off or on another port than {port}. In OBS open Tools → WebSocket Server Settings, tick “Enable WebSocket server” and check the port.")]
    ServerOff { port: u16 },

    #[error("OBS asks for a WebSocket password. Copy it from OBS → Tools → WebSocket Server Settings → Show Connect Info into Kickstand's OBS settings.")]
    PasswordRequired,

    #[error("OBS refused the WebSocket password. Copy it again from OBS → Tools → WebSocket Server Settings → Show Connect Info.")]
    WrongPassword,

    #[error("This OBS speaks the old obs-websocket 4 protocol{}. Kickstand needs obs-websocket 5, which is built into OBS 28 and newer: update OBS.", version.as_deref().map(|v| format!(" (version {v})")).unwrap_or_default())]
    OldProtocol { version: Option<String> },

    #[error("OBS's WebSocket server speaks protocol version {server}, Kickstand speaks version 1. Update Kickstand or OBS.")]
    UnsupportedRpcVersion { server: u32 },

    #[error("Something other than OBS's WebSocket server answers on {addr} ({detail}). Check the port in OBS → Tools → WebSocket Server Settings.")]
    NotObsWebSocket { addr: String, detail: String },

    #[error("OBS disconnected Kickstand (the Kick button in its WebSocket session list). Press Connect in Kickstand's OBS panel to connect again.")]
    Kicked,

    #[error("OBS did not answer in time ({stage}).")]
    Timeout { stage: Stage },

    #[error("The connection to OBS was lost.")]
    ConnectionLost,

    #[error("Kickstand is not connected to OBS.")]
    NotConnected,

    #[error("OBS is streaming. End the stream before changing OBS's stream settings.")]
    StreamActive,

    #[error("OBS could not start the stream: it stopped again right away. Check that OBS is set up for Kick (the key may be stale) and look at OBS's log.")]
    StreamDidNotStart,

    #[error("OBS refused {request}: {}.", comment.as_deref().unwrap_or(crate::protocol::status::name(*code)))]
    Refused {
        request: String,
        code: u16,
        comment: Option<String>,
    },

    #[error("Could not talk to OBS at {addr}: {detail}.")]
    Network { addr: String, detail: String },

    #[error("OBS sent something Kickstand did not understand ({detail}).")]
    Protocol { detail: String },

    #[error("{0}")]
    InvalidInput(String),
}

impl ObsError {
    /// A stable machine code for the UI and tests.
    pub fn code(&self) -> &'static str {
        match self {
            ObsError::NotRunning { .. } => "obs_not_running",
            ObsError::ServerOff { .. } => "obs_server_off",
            ObsError::PasswordRequired => "obs_password_required",
            ObsError::WrongPassword => "obs_wrong_password",
            ObsError::OldProtocol { .. } => "obs_old_protocol",
            ObsError::UnsupportedRpcVersion { .. } => "obs_unsupported_rpc",
            ObsError::NotObsWebSocket { .. } => "obs_not_websocket",
            ObsError::Kicked => "obs_kicked",
            ObsError::Timeout { .. } => "obs_timeout",
            ObsError::ConnectionLost => "obs_connection_lost",
            ObsError::NotConnected => "obs_not_connected",
            ObsError::StreamActive => "obs_stream_active",
            ObsError::StreamDidNotStart => "obs_stream_did_not_start",
            ObsError::Refused { .. } => "obs_refused",
            ObsError::Network { .. } => "obs_network",
            ObsError::Protocol { .. } => "obs_protocol",
            ObsError::InvalidInput(_) => "obs_invalid_input",
        }
    }

    /// Whether connecting again later may help without the streamer changing
    /// anything (OBS may start, its server may be turned on). A wrong
    /// password, an old OBS or a kick from OBS's session list is not retried.
    pub fn is_retryable(&self) -> bool {
        !matches!(
            self,
            ObsError::PasswordRequired
                | ObsError::WrongPassword
                | ObsError::OldProtocol { .. }
                | ObsError::UnsupportedRpcVersion { .. }
                | ObsError::Kicked
                | ObsError::InvalidInput(_)
        )
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }
}

/// The serialisable form of an error for the UI: `{code, message}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
}

impl From<&ObsError> for ErrorInfo {
    fn from(e: &ObsError) -> Self {
        e.info()
    }
}

/// Replaces every occurrence of each secret in `text` (for OBS comments on
/// requests that carried one).
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s, "<redacted>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_for_streamers() {
        assert_eq!(
            ObsError::NotRunning {
                addr: "127.0.0.1:4455".into()
            }
            .to_string(),
            "OBS is not running (nothing answers on 127.0.0.1:4455). Start OBS; Kickstand connects by itself."
        );
        assert!(ObsError::WrongPassword
            .to_string()
            .contains("refused the WebSocket password"));
        assert_eq!(
            ObsError::OldProtocol {
                version: Some("4.9.1".into())
            }
            .to_string(),
            "This OBS speaks the old obs-websocket 4 protocol (version 4.9.1). Kickstand needs obs-websocket 5, which is built into OBS 28 and newer: update OBS."
        );
        assert_eq!(
            ObsError::Refused {
                request: "StopStream".into(),
                code: 501,
                comment: None
            }
            .to_string(),
            "OBS refused StopStream: OutputNotRunning."
        );
        assert_eq!(
            ObsError::Timeout {
                stage: Stage::Identify
            }
            .to_string(),
            "OBS did not answer in time (logging in)."
        );
        assert!(!ObsError::WrongPassword.is_retryable());
        assert!(ObsError::NotRunning {
            addr: String::new()
        }
        .is_retryable());
    }

    #[test]
    fn error_info_json_shape() {
        let j = serde_json::to_value(ObsError::WrongPassword.info()).unwrap();
        assert_eq!(j["code"], "obs_wrong_password");
        assert!(j["message"].as_str().unwrap().starts_with("OBS refused"));
    }

    #[test]
    fn scrub_removes_secrets() {
        assert_eq!(
            scrub("bad key sk_1 for rtmp://x", &["sk_1", "rtmp://x", ""]),
            "bad key <redacted> for <redacted>"
        );
    }
}
