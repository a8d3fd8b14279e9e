//! OAuth 2.1 against Kick's id host: authorization URL with PKCE (S256) and
//! `state`, code exchange, client-credentials app tokens, refresh, revoke and
//! introspection. Kick requires the client secret on every grant, sent in the
//! form body.
//!
//! (Skeleton: bodies are filled in by the OAuth work of issue #2.)

use crate::auth::TokenSet;
use crate::config::KickConfig;
use crate::error::Result;
use crate::secret::Secret;

/// Kick's scopes (API.md §2.6).
pub mod scopes {
    pub const USER_READ: &str = "user:read";
    pub const CHANNEL_READ: &str = "channel:read";
    pub const CHANNEL_WRITE: &str = "channel:write";
    pub const CHANNEL_REWARDS_READ: &str = "channel:rewards:read";
    pub const CHANNEL_REWARDS_WRITE: &str = "channel:rewards:write";
    pub const CHAT_WRITE: &str = "chat:write";
    pub const STREAMKEY_READ: &str = "streamkey:read";
    pub const EVENTS_SUBSCRIBE: &str = "events:subscribe";
    pub const MODERATION_BAN: &str = "moderation:ban";
    pub const MODERATION_CHAT_MESSAGE_MANAGE: &str = "moderation:chat_message:manage";
    pub const KICKS_READ: &str = "kicks:read";

    pub const ALL: &[&str] = &[
        USER_READ,
        CHANNEL_READ,
        CHANNEL_WRITE,
        CHANNEL_REWARDS_READ,
        CHANNEL_REWARDS_WRITE,
        CHAT_WRITE,
        STREAMKEY_READ,
        EVENTS_SUBSCRIBE,
        MODERATION_BAN,
        MODERATION_CHAT_MESSAGE_MANAGE,
        KICKS_READ,
    ];
}

/// The app credentials and the registered redirect URI.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub(crate) oauth_base: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) http: reqwest::Client,
}

/// A prepared authorization request. Keep `state` and `pkce_verifier` in
/// memory until the callback arrives; send the user to `url`.
#[derive(Debug)]
pub struct AuthorizationRequest {
    pub url: String,
    pub state: Secret,
    pub pkce_verifier: Secret,
}

/// Which kind of token is being revoked (Kick's `token_hint_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenHint {
    AccessToken,
    RefreshToken,
}

/// Token introspection result (`data` of `/oauth/token/introspect`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(default)]
    pub client_id: Option<String>,
    /// `"app"` or `"user"`.
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    /// Expiry, unix seconds.
    #[serde(default)]
    pub exp: Option<i64>,
}

impl OAuthClient {
    pub fn new(
        config: &KickConfig,
        client_id: impl Into<String>,
        client_secret: Secret,
        redirect_uri: Option<String>,
    ) -> Self {
        OAuthClient {
            oauth_base: config.oauth_base.clone(),
            client_id: client_id.into(),
            client_secret,
            redirect_uri,
            http: crate::http::build_http(config),
        }
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn redirect_uri(&self) -> Option<&str> {
        self.redirect_uri.as_deref()
    }

    /// Builds the authorize URL with a fresh PKCE verifier and `state`.
    pub fn authorize_url(&self, _scopes: &[&str]) -> Result<AuthorizationRequest> {
        unimplemented!("OAuth authorize_url")
    }

    /// Exchanges an authorization code (with its PKCE verifier) for user tokens.
    pub async fn exchange_code(&self, _code: &str, _verifier: &Secret) -> Result<TokenSet> {
        unimplemented!("OAuth exchange_code")
    }

    /// Gets an app access token (client-credentials grant).
    pub async fn client_credentials(&self) -> Result<TokenSet> {
        unimplemented!("OAuth client_credentials")
    }

    /// Refreshes user tokens; the answer carries a NEW refresh token.
    pub async fn refresh(&self, _refresh_token: &Secret) -> Result<TokenSet> {
        unimplemented!("OAuth refresh")
    }

    /// Revokes a token.
    pub async fn revoke(&self, _token: &Secret, _hint: TokenHint) -> Result<()> {
        unimplemented!("OAuth revoke")
    }

    /// Introspects a token (the current id-host endpoint).
    pub async fn introspect(&self, _token: &Secret) -> Result<Introspection> {
        unimplemented!("OAuth introspect")
    }
}
