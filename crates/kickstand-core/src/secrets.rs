//! Secrets at rest: the Kick app's client id and secret and the token set
//! live in the OS keyring (Secret Service on Linux), never in a file.
//! When no keyring is available the store says so in plain words; it does
//! not fall back to plain text.

use crate::dto::KeyringStatus;
use kick_api::{Secret, TokenKind, TokenSet};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

pub const SERVICE: &str = "dev.kickstand.app";
pub const CLIENT_ID: &str = "kick-client-id";
pub const CLIENT_SECRET: &str = "kick-client-secret";
pub const TOKENS: &str = "kick-tokens";
/// OBS's websocket password.
pub const OBS_PASSWORD: &str = "obs-websocket-password";

/// What to tell a streamer whose system has no usable keyring.
pub const KEYRING_HELP: &str = "Kickstand keeps your Kick login in the system keyring, \
but no keyring service answered. On Linux, install and unlock GNOME Keyring or KWallet \
(package gnome-keyring) and log in to a desktop session, then restart Kickstand. \
Demo mode works without it.";

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("{KEYRING_HELP} ({0})")]
    Unavailable(String),
    #[error("the keyring entry {0} is damaged")]
    Corrupt(&'static str),
}

/// Named secrets. Implemented by the OS keyring and, for tests and demo
/// mode, by memory.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<Secret>, StoreError>;
    fn set(&self, key: &str, value: &Secret) -> Result<(), StoreError>;
    fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// Whether the store works at all (one harmless read).
    fn probe(&self) -> KeyringStatus {
        match self.get("probe") {
            Ok(_) => KeyringStatus {
                available: true,
                message: None,
            },
            Err(e) => KeyringStatus {
                available: false,
                message: Some(e.to_string()),
            },
        }
    }
}

/// The OS keyring via the `keyring` crate.
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new(service: impl Into<String>) -> Self {
        KeyringStore {
            service: service.into(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(&self.service, key).map_err(|e| StoreError::Unavailable(short(&e)))
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

/// keyring's messages can be long D-Bus dumps; keep the first line.
fn short(e: &keyring::Error) -> String {
    let s = e.to_string();
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &str) -> Result<Option<Secret>, StoreError> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(StoreError::Unavailable(short(&e))),
        }
    }

    fn set(&self, key: &str, value: &Secret) -> Result<(), StoreError> {
        self.entry(key)?
            .set_password(value.expose())
            .map_err(|e| StoreError::Unavailable(short(&e)))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(StoreError::Unavailable(short(&e))),
        }
    }
}

/// Secrets in memory only (demo mode, tests).
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<String, Secret>>,
    /// When set, every call fails as an unavailable keyring does.
    pub broken: bool,
}

impl MemoryStore {
    pub fn broken() -> Self {
        MemoryStore {
            map: Mutex::default(),
            broken: true,
        }
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.broken {
            return Err(StoreError::Unavailable(
                "org.freedesktop.DBus.Error.ServiceUnknown (simulated)".into(),
            ));
        }
        Ok(())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Secret>, StoreError> {
        self.check()?;
        Ok(self.map.lock().unwrap().get(key).cloned())
    }
    fn set(&self, key: &str, value: &Secret) -> Result<(), StoreError> {
        self.check()?;
        self.map
            .lock()
            .unwrap()
            .insert(key.to_owned(), value.clone());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.check()?;
        self.map.lock().unwrap().remove(key);
        Ok(())
    }
}

/// The token set as stored in the keyring (one JSON value in one entry).
#[derive(Serialize, Deserialize)]
struct StoredTokens {
    access_token: String,
    refresh_token: Option<String>,
    /// Unix seconds.
    expires_at: Option<i64>,
    /// Unix seconds of the login (the grant), kept across refreshes.
    #[serde(default)]
    granted_at: Option<i64>,
    scopes: Vec<String>,
}

pub fn save_tokens(store: &dyn SecretStore, t: &TokenSet) -> Result<(), StoreError> {
    let stored = StoredTokens {
        access_token: t.access_token.expose().to_owned(),
        refresh_token: t.refresh_token.as_ref().map(|r| r.expose().to_owned()),
        expires_at: t.expires_at.map(|e| e.timestamp()),
        granted_at: t.granted_at.map(|e| e.timestamp()),
        scopes: t.scopes.clone(),
    };
    let json =
        Secret::new(serde_json::to_string(&stored).map_err(|_| StoreError::Corrupt(TOKENS))?);
    store.set(TOKENS, &json)
}

pub fn load_tokens(store: &dyn SecretStore) -> Result<Option<TokenSet>, StoreError> {
    let Some(json) = store.get(TOKENS)? else {
        return Ok(None);
    };
    let s: StoredTokens =
        serde_json::from_str(json.expose()).map_err(|_| StoreError::Corrupt(TOKENS))?;
    Ok(Some(TokenSet {
        kind: TokenKind::User,
        access_token: Secret::new(s.access_token),
        refresh_token: s.refresh_token.map(Secret::new),
        expires_at: s
            .expires_at
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
        granted_at: s
            .granted_at
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
        scopes: s.scopes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_through_a_store() {
        let store = MemoryStore::default();
        let t = TokenSet {
            kind: TokenKind::User,
            access_token: Secret::new("access-1"),
            refresh_token: Some(Secret::new("refresh-1")),
            expires_at: chrono::DateTime::from_timestamp(1_900_000_000, 0),
            granted_at: chrono::DateTime::from_timestamp(1_800_000_000, 0),
            scopes: vec!["user:read".into()],
        };
        save_tokens(&store, &t).unwrap();
        let back = load_tokens(&store).unwrap().unwrap();
        assert_eq!(back.access_token.expose(), "access-1");
        assert_eq!(back.refresh_token.unwrap().expose(), "refresh-1");
        assert_eq!(back.expires_at, t.expires_at);
        assert_eq!(back.granted_at, t.granted_at);
        assert_eq!(back.scopes, t.scopes);
    }

    #[test]
    fn broken_store_reports_unavailable_with_help() {
        let s = MemoryStore::broken();
        let st = s.probe();
        assert!(!st.available);
        assert!(st.message.unwrap().contains("gnome-keyring"));
    }
}
