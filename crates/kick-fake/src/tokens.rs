//! Issued access tokens and the bearer check every API route runs.

use crate::reply::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::distributions::Alphanumeric;
use rand::Rng;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    User,
    App,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::User => "user",
            TokenKind::App => "app",
        }
    }
}

/// What the fake knows about one access token.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub kind: TokenKind,
    pub client_id: String,
    /// The user a user token acts for.
    pub user_id: Option<u64>,
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub expires_at: u64,
    pub revoked: bool,
}

impl TokenInfo {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
    pub fn is_active(&self) -> bool {
        !self.revoked && self.expires_at > now_secs()
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// An opaque token shaped like Kick's (about 48 base64-looking characters, not a JWT).
pub fn opaque_token() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(48)
        .map(char::from)
        .collect::<String>()
        .to_uppercase()
}

#[derive(Default, Debug)]
pub struct Tokens {
    pub access: HashMap<String, TokenInfo>,
}

impl Tokens {
    pub fn issue(
        &mut self,
        kind: TokenKind,
        client_id: &str,
        user_id: Option<u64>,
        scopes: Vec<String>,
        ttl: Duration,
    ) -> String {
        let token = opaque_token();
        self.access.insert(
            token.clone(),
            TokenInfo {
                kind,
                client_id: client_id.to_owned(),
                user_id,
                scopes,
                expires_at: now_secs() + ttl.as_secs(),
                revoked: false,
            },
        );
        token
    }

    /// Makes every current access token expire now (fault injection).
    pub fn expire_all(&mut self) {
        let now = now_secs();
        for t in self.access.values_mut() {
            t.expires_at = t.expires_at.min(now);
        }
    }
}

/// The caller of an API route, after the bearer check.
#[derive(Clone, Debug)]
pub struct Caller(pub TokenInfo);

impl Caller {
    /// 403 unless the token carries `scope` (app tokens pass scope checks
    /// only for endpoints that accept app tokens; callers decide that).
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        if self.0.kind == TokenKind::User && !self.0.has_scope(scope) {
            return Err(ApiError::forbidden(format!(
                "Missing required scope: {scope}"
            )));
        }
        Ok(())
    }

    /// 403 for app tokens on user-token-only endpoints; returns the user id.
    pub fn require_user(&self) -> Result<u64, ApiError> {
        match (self.0.kind, self.0.user_id) {
            (TokenKind::User, Some(id)) => Ok(id),
            _ => Err(ApiError::forbidden(
                "This endpoint requires a user access token",
            )),
        }
    }

    /// Both checks at once: a user token with `scope`.
    pub fn user_with_scope(&self, scope: &str) -> Result<u64, ApiError> {
        let id = self.require_user()?;
        self.require_scope(scope)?;
        Ok(id)
    }

    pub fn user_id(&self) -> Option<u64> {
        self.0.user_id
    }

    pub fn is_app(&self) -> bool {
        self.0.kind == TokenKind::App
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(ApiError::unauthorized)?
            .trim();
        let world = state.world.lock().unwrap();
        match world.tokens.access.get(token) {
            Some(info) if info.is_active() => Ok(Caller(info.clone())),
            _ => Err(ApiError::unauthorized()),
        }
    }
}
