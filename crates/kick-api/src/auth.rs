//! Access tokens for the REST client: the current token set, silent refresh
//! (one refresh at a time, however many requests saw a 401), and a sink that
//! persists every new token set *before* it is used.

use crate::error::{Error, Result};
use crate::oauth::OAuthClient;
use crate::token::{NoopSink, TokenKind, TokenSet, TokenSink};
use kickstand_secret::Secret;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Holds the current tokens and renews them.
pub struct TokenManager {
    oauth: Option<OAuthClient>,
    kind: TokenKind,
    current: Mutex<Option<TokenSet>>,
    /// Serialises renewals: the first request to see a 401 refreshes, the
    /// others wait here and then reuse the new token.
    renew_gate: tokio::sync::Mutex<()>,
    sink: Arc<dyn TokenSink>,
    renewals: AtomicU64,
    /// Set by [`TokenManager::close`]: no renewal may save after it.
    closed: AtomicBool,
    /// Renew this long before `expires_at`.
    pub early_renewal: Duration,
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager")
            .field("kind", &self.kind)
            .field("renewals", &self.renewals.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl TokenManager {
    /// A user session from stored or freshly exchanged tokens.
    pub fn user(oauth: OAuthClient, tokens: TokenSet, sink: Arc<dyn TokenSink>) -> Self {
        Self::build(Some(oauth), TokenKind::User, Some(tokens), sink)
    }

    /// App tokens from the client-credentials grant, fetched on first use
    /// and fetched again when they expire or are refused.
    pub fn app(oauth: OAuthClient) -> Self {
        Self::build(Some(oauth), TokenKind::App, None, Arc::new(NoopSink))
    }

    /// A fixed token that cannot be renewed (tests, tools).
    pub fn fixed(tokens: TokenSet) -> Self {
        let kind = tokens.kind;
        Self::build(None, kind, Some(tokens), Arc::new(NoopSink))
    }

    fn build(
        oauth: Option<OAuthClient>,
        kind: TokenKind,
        tokens: Option<TokenSet>,
        sink: Arc<dyn TokenSink>,
    ) -> Self {
        TokenManager {
            oauth,
            kind,
            current: Mutex::new(tokens),
            renew_gate: tokio::sync::Mutex::new(()),
            sink,
            renewals: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            early_renewal: Duration::from_secs(60),
        }
    }

    /// A copy of the current token set, if any.
    pub fn snapshot(&self) -> Option<TokenSet> {
        self.current.lock().unwrap().clone()
    }

    /// How many renewals (refresh or client-credentials grants) this manager made.
    pub fn renewals(&self) -> u64 {
        self.renewals.load(Ordering::Relaxed)
    }

    /// Ends the session for good (logout): from now on nothing is renewed
    /// and nothing is saved. Waits for a renewal in flight to finish (it
    /// will not save), then hands back the newest token set so the caller
    /// can revoke it before deleting what is stored. Later requests fail
    /// with `NotAuthenticated`.
    pub async fn close(&self) -> Option<TokenSet> {
        self.closed.store(true, Ordering::SeqCst);
        let _gate = self.renew_gate.lock().await;
        self.current.lock().unwrap().take()
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// The access token to use now, renewed first if it is about to expire.
    pub async fn access_token(&self) -> Result<Secret> {
        if self.is_closed() {
            return Err(Error::NotAuthenticated);
        }
        let current = self.snapshot();
        match current {
            Some(t) if !t.expires_within(self.early_renewal) => Ok(t.access_token),
            Some(t) => self.renew(Some(&t.access_token)).await,
            None if self.kind == TokenKind::App && self.oauth.is_some() => self.renew(None).await,
            None => Err(Error::NotAuthenticated),
        }
    }

    /// Called after Kick refused `rejected` with 401. If another task already
    /// renewed it, returns that newer token without a second grant.
    pub async fn renew_after_401(&self, rejected: &Secret) -> Result<Secret> {
        self.renew(Some(rejected)).await
    }

    async fn renew(&self, stale: Option<&Secret>) -> Result<Secret> {
        let _gate = self.renew_gate.lock().await;
        if self.is_closed() {
            return Err(Error::NotAuthenticated);
        }
        // Someone else may have renewed while we waited for the gate.
        if let Some(cur) = self.snapshot() {
            let is_stale = stale.is_some_and(|s| s == &cur.access_token);
            if !is_stale && !cur.expires_within(self.early_renewal) {
                return Ok(cur.access_token);
            }
        }
        let oauth = self.oauth.as_ref().ok_or_else(|| Error::ReloginRequired {
            reason: "the access token expired and cannot be renewed".into(),
        })?;
        let mut fresh = match self.kind {
            TokenKind::App => oauth.client_credentials().await?,
            TokenKind::User => {
                let refresh = self
                    .snapshot()
                    .and_then(|t| t.refresh_token)
                    .ok_or(Error::NotAuthenticated)?;
                match oauth.refresh(&refresh).await {
                    Ok(t) => t,
                    Err(Error::OAuth {
                        status: Some(400 | 401),
                        message,
                        ..
                    }) => {
                        return Err(Error::ReloginRequired {
                            reason: format!("Kick refused the refresh token ({message})"),
                        })
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        if self.kind == TokenKind::User {
            // A refresh continues the grant: keep when it was authorized,
            // and its scopes when the answer names none (RFC 6749 §5.1: an
            // omitted scope is the one granted).
            let before = self.snapshot();
            if let Some(granted) = before.as_ref().and_then(|t| t.granted_at) {
                fresh.granted_at = Some(granted);
            }
            if fresh.scopes.is_empty() {
                if let Some(before) = before {
                    fresh.scopes = before.scopes;
                }
            }
        }
        self.renewals.fetch_add(1, Ordering::Relaxed);
        let access = fresh.access_token.clone();
        if self.is_closed() {
            // Logged out while Kick answered: never save. Keep the set only
            // so `close` can hand it back for revocation.
            *self.current.lock().unwrap() = Some(fresh);
            return Err(Error::NotAuthenticated);
        }
        // Persist the newest tokens before anyone uses them (on the blocking
        // pool: the keyring is D-Bus). A failing store must not end a
        // working session: keep going in memory, report it.
        let sink = self.sink.clone();
        let to_save = fresh.clone();
        let saved = tokio::task::spawn_blocking(move || sink.save(&to_save))
            .await
            .unwrap_or_else(|e| Err(format!("token store task failed: {e}")));
        if let Err(e) = saved {
            tracing::warn!(error = %e, "could not persist renewed Kick tokens");
        }
        *self.current.lock().unwrap() = Some(fresh);
        Ok(access)
    }
}
