//! Stores a Kick login in the OS keyring as the app keeps one (app
//! credentials and a user token set), for start-up benchmarks of Kick mode:
//! the app then starts by restoring that session (`e2e/bench/startup.js`).
//! Needs a keyring (Secret Service); run it inside the benchmark's D-Bus
//! session. The values are made up: the Kick it points at is not reachable.
//!
//!     cargo run --release -p kickstand-core --example store_session

use kickstand_core::kick_api::token::{TokenKind, TokenSet};
use kickstand_core::kick_api::Secret;
use kickstand_core::secrets::{self, KeyringStore, SecretStore};

fn main() {
    let store = KeyringStore::default();
    let now = chrono::Utc::now();
    store
        .set(
            secrets::CLIENT_ID,
            &Secret::new("01BENCHCLIENTID0000000000"),
        )
        .expect("keyring: client id");
    store
        .set(secrets::CLIENT_SECRET, &Secret::new("bench-client-secret"))
        .expect("keyring: client secret");
    secrets::save_tokens(
        &store,
        &TokenSet {
            kind: TokenKind::User,
            access_token: Secret::new("bench-access-token"),
            refresh_token: Some(Secret::new("bench-refresh-token")),
            expires_at: Some(now + chrono::Duration::hours(2)),
            granted_at: Some(now - chrono::Duration::days(1)),
            scopes: vec!["user:read".into(), "channel:read".into()],
        },
    )
    .expect("keyring: tokens");
    println!("stored");
}
