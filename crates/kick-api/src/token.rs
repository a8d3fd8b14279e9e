//! Token types shared by the OAuth grants, the token manager and the
//! application: what a grant returns ([`TokenSet`]) and where new token sets
//! are persisted ([`TokenSink`]).

use chrono::{DateTime, Utc};
use kickstand_secret::Secret;
use std::time::Duration;

/// Whose token this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Authorization-code grant: acts for a user, has a refresh token.
    User,
    /// Client-credentials grant: acts for the app, no refresh token.
    App,
}

/// A set of tokens from one grant. `Debug` never shows the tokens.
#[derive(Clone, Debug)]
pub struct TokenSet {
    pub kind: TokenKind,
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// When the access token expires (from `expires_in`), if known.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the user authorized this grant (kept across refreshes). Kick's
    /// refresh tokens stop working about 30 days after it (API.md §2.3).
    pub granted_at: Option<DateTime<Utc>>,
    /// Granted scopes (space-separated `scope` split up).
    pub scopes: Vec<String>,
}

impl TokenSet {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    pub(crate) fn expires_within(&self, margin: Duration) -> bool {
        match self.expires_at {
            Some(at) => at - chrono::Duration::from_std(margin).unwrap_or_default() <= Utc::now(),
            None => false,
        }
    }
}

/// Persists token sets. Called with every new set before the new access
/// token is used, so a crash never loses the newest refresh token. It may
/// block (the OS keyring talks D-Bus): the manager calls it on the blocking
/// thread pool, never on an async worker.
pub trait TokenSink: Send + Sync + 'static {
    fn save(&self, tokens: &TokenSet) -> std::result::Result<(), String>;
}

/// A sink that keeps nothing (app tokens, tests).
pub struct NoopSink;

impl TokenSink for NoopSink {
    fn save(&self, _tokens: &TokenSet) -> std::result::Result<(), String> {
        Ok(())
    }
}

impl<F> TokenSink for F
where
    F: Fn(&TokenSet) -> std::result::Result<(), String> + Send + Sync + 'static,
{
    fn save(&self, tokens: &TokenSet) -> std::result::Result<(), String> {
        self(tokens)
    }
}
