//! The real OS keyring (Secret Service over D-Bus). `scripts/test.sh` runs
//! this file twice:
//! - `KICKSTAND_REAL_KEYRING=1` inside `dbus-run-session` with an unlocked
//!   gnome-keyring: secrets are stored, read back, survive a new store
//!   handle (a restart) and are deleted, for real;
//! - `KICKSTAND_NO_KEYRING=1` with no D-Bus session: the store reports a
//!   plain-words problem instead of failing obscurely or writing a file.
//!
//! Without either variable (a plain `cargo test` on a desktop) it does nothing,
//! so a developer's own keyring is never touched.

use kick_api::{Secret, TokenKind, TokenSet};
use kickstand_core::secrets::{self, KeyringStore, SecretStore, CLIENT_ID, CLIENT_SECRET};

fn service() -> String {
    format!("dev.kickstand.test.{}", std::process::id())
}

#[test]
fn real_keyring_round_trip() {
    if std::env::var("KICKSTAND_REAL_KEYRING").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set KICKSTAND_REAL_KEYRING=1 inside a D-Bus session (scripts/test.sh does)"
        );
        return;
    }
    let store = KeyringStore::new(service());
    let status = store.probe();
    assert!(
        status.available,
        "keyring unavailable: {:?}",
        status.message
    );

    store
        .set(CLIENT_ID, &Secret::new("01KTESTCLIENTID"))
        .unwrap();
    store
        .set(CLIENT_SECRET, &Secret::new("a-very-secret-value"))
        .unwrap();
    let tokens = TokenSet {
        kind: TokenKind::User,
        access_token: Secret::new("ACCESS-TOKEN-VALUE"),
        refresh_token: Some(Secret::new("REFRESH-TOKEN-VALUE")),
        expires_at: Some(chrono::Utc::now() + chrono::Duration::hours(2)),
        granted_at: None,
        scopes: vec!["user:read".into(), "channel:read".into()],
    };
    secrets::save_tokens(&store, &tokens).unwrap();

    // A new handle, as after a restart, reads what the daemon kept.
    let again = KeyringStore::new(service());
    assert_eq!(
        again.get(CLIENT_ID).unwrap().unwrap().expose(),
        "01KTESTCLIENTID"
    );
    assert_eq!(
        again.get(CLIENT_SECRET).unwrap().unwrap().expose(),
        "a-very-secret-value"
    );
    let back = secrets::load_tokens(&again).unwrap().expect("tokens kept");
    assert_eq!(back.access_token.expose(), "ACCESS-TOKEN-VALUE");
    assert_eq!(back.refresh_token.unwrap().expose(), "REFRESH-TOKEN-VALUE");
    assert_eq!(back.scopes, tokens.scopes);

    // Nothing of it in a plain file under the test's HOME / XDG dirs.
    for var in ["HOME", "XDG_CONFIG_HOME"] {
        if let Ok(dir) = std::env::var(var) {
            assert!(!grep_dir(std::path::Path::new(&dir), "a-very-secret-value"));
        }
    }

    again.delete(secrets::TOKENS).unwrap();
    again.delete(CLIENT_ID).unwrap();
    again.delete(CLIENT_SECRET).unwrap();
    assert!(again.get(CLIENT_ID).unwrap().is_none());
    assert!(secrets::load_tokens(&again).unwrap().is_none());
}

#[test]
fn no_keyring_is_reported_in_plain_words() {
    if std::env::var("KICKSTAND_NO_KEYRING").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set KICKSTAND_NO_KEYRING=1 without a D-Bus session (scripts/test.sh does)"
        );
        return;
    }
    let store = KeyringStore::new(service());
    let status = store.probe();
    assert!(!status.available);
    let msg = status.message.unwrap();
    assert!(msg.contains("gnome-keyring"), "{msg}");
    assert!(store.set(CLIENT_SECRET, &Secret::new("x")).is_err());
}

fn grep_dir(dir: &std::path::Path, needle: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let p = e.path();
        if p.is_dir() {
            grep_dir(&p, needle)
        } else {
            std::fs::read(&p)
                .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
        }
    })
}
