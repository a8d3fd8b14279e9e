//! The one error that crosses to the UI: a stable machine `code` and a
//! message a streamer understands. Never carries a token or secret.

use serde::{Deserialize, Serialize};
use specta::Type;

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input was rejected before sending (see `field`).
    InvalidInput,
    /// No client id/secret stored yet.
    NeedsCredentials,
    /// Not logged in.
    NotLoggedIn,
    /// The session ended (refresh token revoked/expired): log in again.
    ReloginRequired,
    /// Kick refused: the login lacks a permission (scope).
    MissingPermission,
    /// Kick did not find it (unknown channel, message, ...).
    NotFound,
    /// Kick is rate limiting; try again shortly.
    RateLimited,
    /// Kick had a server error or could not be reached.
    KickUnavailable,
    /// Kick answered something else we could not use.
    KickError,
    /// The OS keyring is not available (no Secret Service).
    KeyringUnavailable,
    /// The login in the browser failed or was denied.
    LoginFailed,
    /// The login was cancelled or timed out.
    LoginCancelled,
    /// Only possible in demo mode.
    DemoOnly,
    /// OBS is not reachable, refused, or could not do it (see the message).
    Obs,
    Internal,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// The input field at fault, for `invalid_input`.
    pub field: Option<ErrorField>,
}

/// The input a streamer typed that an error is about, so the window can show
/// the message on that field.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorField {
    // Channel editor
    Title,
    Category,
    Tags,
    // Connect screen
    ClientId,
    ClientSecret,
    // Watchlist
    Slug,
    // Chat
    Chatroom,
    Message,
    Reply,
    User,
    Duration,
    // Rewards
    RewardTitle,
    Cost,
    Description,
    BackgroundColor,
    Reward,
    Redemptions,
    // Webhooks and events
    Events,
    Url,
    // OBS
    ObsHost,
    ObsPort,
    ObsPassword,
    /// An input without a field of its own on screen.
    Other,
}

impl ErrorField {
    /// The field for a kick-api validation failure (kick-api names the
    /// field in words for its own messages).
    pub fn from_kick(field: &str) -> ErrorField {
        match field {
            "title" => ErrorField::Title,
            "category" => ErrorField::Category,
            "tags" => ErrorField::Tags,
            "message" => ErrorField::Message,
            "reply" | "message id" => ErrorField::Reply,
            "user" => ErrorField::User,
            "duration" => ErrorField::Duration,
            "cost" => ErrorField::Cost,
            "description" => ErrorField::Description,
            "background colour" => ErrorField::BackgroundColor,
            "reward" | "reward id" => ErrorField::Reward,
            "redemption ids" => ErrorField::Redemptions,
            "events" | "subscription ids" => ErrorField::Events,
            _ => ErrorField::Other,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn invalid(field: ErrorField, message: impl Into<String>) -> Self {
        AppError {
            code: ErrorCode::InvalidInput,
            message: message.into(),
            field: Some(field),
        }
    }

    /// The message's first sentence, without its full stop ("Kick is having
    /// trouble right now (server error 503)"), for a line that adds its own.
    pub fn headline(&self) -> &str {
        let first = self.message.split(". ").next().unwrap_or_default();
        first.trim_end_matches('.')
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

impl From<kick_api::Error> for AppError {
    fn from(e: kick_api::Error) -> Self {
        use kick_api::Error as E;
        match e {
            E::Validation { field, reason } => {
                AppError::invalid(ErrorField::from_kick(field), format!("{}: {reason}", capitalise(field)))
            }
            E::NotAuthenticated => AppError::new(ErrorCode::NotLoggedIn, "You are not logged in to Kick."),
            E::ReloginRequired { .. } | E::Unauthorized { .. } => AppError::new(
                ErrorCode::ReloginRequired,
                "Your Kick login has expired or was revoked. Please log in again.",
            ),
            E::RateLimited { .. } => AppError::new(
                ErrorCode::RateLimited,
                "Kick is limiting how fast we can ask. Kickstand will retry shortly.",
            ),
            E::Server { status, .. } => AppError::new(
                ErrorCode::KickUnavailable,
                format!("Kick is having trouble right now (server error {status}). Nothing was lost; try again in a moment."),
            ),
            E::Network { kind, .. } => AppError::new(ErrorCode::KickUnavailable, network_words(kind)),
            E::Forbidden { missing_scope: Some(scope), .. } => AppError::new(
                ErrorCode::MissingPermission,
                format!("Your Kick login lacks the \"{scope}\" permission this needs. Log out and log in again to grant it."),
            ),
            // No scope is missing (the login has it, or the call needs none):
            // Kick does not allow this action (a reward another app made,
            // ...). A new login changes nothing.
            E::Forbidden { message, .. } => AppError::new(
                ErrorCode::KickError,
                match sentence(&message) {
                    Some(why) => format!("Kick did not allow this: {why}"),
                    None => "Kick did not allow this, and gave no reason.".to_owned(),
                },
            ),
            E::Api { status: 404, .. } => AppError::new(ErrorCode::NotFound, "Kick could not find that."),
            E::Api { status, message, .. } => AppError::new(
                ErrorCode::KickError,
                format!("Kick rejected the request ({status}): {message}"),
            ),
            E::Decode { endpoint, path, .. } => AppError::new(
                ErrorCode::KickError,
                format!("Kick answered in an unexpected format ({endpoint}, field {path})."),
            ),
            // Kick's login server busy or failing is not a refused login: a
            // stored login is kept and retried (the restore, the poller).
            E::OAuth { status: Some(429), .. } => AppError::new(
                ErrorCode::RateLimited,
                "Kick's login server is limiting how fast we can ask. Try again in a moment.",
            ),
            E::OAuth { status: Some(status @ 500..=599), .. } => AppError::new(
                ErrorCode::KickUnavailable,
                format!("Kick's login server is having trouble (server error {status}). Try again in a moment."),
            ),
            E::OAuth { message, .. } => AppError::new(ErrorCode::LoginFailed, format!("Kick login failed: {message}")),
        }
    }
}

/// What a streamer reads when a request never got an answer from Kick.
fn network_words(kind: kick_api::NetworkKind) -> &'static str {
    use kick_api::NetworkKind as K;
    match kind {
        K::Timeout => "Kick did not answer in time. Check your internet connection; Kickstand will try again.",
        K::Refused => "Kick refused the connection. Kick may be down, or a firewall or proxy is blocking it.",
        K::Tls => "A secure connection to Kick could not be set up (TLS). A proxy, antivirus or a wrong system clock can cause this.",
        K::Dns => "Kick's address could not be found (DNS). Check your internet connection.",
        K::Other => "Kick could not be reached. Check your internet connection.",
    }
}

/// Kick's message as a sentence ("Only the app that created this reward
/// can change it."); `None` for an empty one.
fn sentence(message: &str) -> Option<String> {
    let m = message.trim();
    if m.is_empty() || m == kick_api::transport::NO_DETAILS {
        return None;
    }
    let m = capitalise(m);
    Some(if m.ends_with(['.', '!', '?']) {
        m
    } else {
        m + "."
    })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_message_field() {
        let e = AppError::invalid(ErrorField::Title, "Title is too long");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "invalid_input", "message": "Title is too long", "field": "title"})
        );
        let e: AppError = kick_api::Error::RateLimited {
            endpoint: "GET /x",
            status: 429,
            attempts: 5,
            retry_after: None,
        }
        .into();
        assert_eq!(serde_json::to_value(&e).unwrap()["code"], "rate_limited");
    }

    /// A 403 says "log in again" only when a new login can help: the login
    /// lacks the scope the call needs. Otherwise it says what Kick said.
    #[test]
    fn a_403_sends_to_login_only_for_a_missing_scope() {
        let missing: AppError = kick_api::Error::Forbidden {
            endpoint: "POST /public/v1/moderation/bans",
            message: "Missing required scope: moderation:ban".into(),
            missing_scope: Some(kick_api::scopes::MODERATION_BAN),
        }
        .into();
        assert_eq!(missing.code, ErrorCode::MissingPermission);
        assert_eq!(
            missing.message,
            "Your Kick login lacks the \"moderation:ban\" permission this needs. Log out and log in again to grant it."
        );
        let refused: AppError = kick_api::Error::Forbidden {
            endpoint: "POST /public/v1/moderation/bans",
            message: "not a moderator of this channel".into(),
            missing_scope: None,
        }
        .into();
        assert_eq!(refused.code, ErrorCode::KickError);
        assert_eq!(
            refused.message,
            "Kick did not allow this: Not a moderator of this channel."
        );
        let silent: AppError = kick_api::Error::Forbidden {
            endpoint: "GET /x",
            message: " ".into(),
            missing_scope: None,
        }
        .into();
        assert_eq!(
            silent.message,
            "Kick did not allow this, and gave no reason."
        );
        let empty_body: AppError = kick_api::Error::Forbidden {
            endpoint: "GET /x",
            message: kick_api::transport::NO_DETAILS.into(),
            missing_scope: None,
        }
        .into();
        assert_eq!(empty_body.message, silent.message);
    }

    #[tokio::test]
    async fn a_refused_connection_says_so() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let base = format!("http://127.0.0.1:{port}");
        let config =
            kick_api::KickConfig::new(base.clone(), base).with_retry(kick_api::RetryPolicy {
                max_attempts: 1,
                ..Default::default()
            });
        let e = kick_api::KickClient::anonymous(config)
            .public_key()
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            kick_api::Error::Network {
                kind: kick_api::NetworkKind::Refused,
                ..
            }
        ));
        let app = AppError::from(e);
        assert_eq!(app.code, ErrorCode::KickUnavailable);
        assert!(
            app.message.starts_with("Kick refused the connection"),
            "{}",
            app.message
        );
        assert_eq!(
            network_words(kick_api::NetworkKind::Tls),
            "A secure connection to Kick could not be set up (TLS). A proxy, antivirus or a wrong system clock can cause this."
        );
    }
}
