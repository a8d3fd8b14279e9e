//! Shared set-up for the integration tests: a real fake Kick on 127.0.0.1
//! and a client pointed at it.
#![allow(dead_code)]

use kick_api::{KickClient, KickConfig, RetryPolicy, Secret, TokenKind, TokenManager, TokenSet};
use kick_fake::{FakeConfig, RunningFake};
use std::sync::Arc;
use std::time::Duration;

pub async fn fake() -> RunningFake {
    fake_with(FakeConfig {
        world_tick: None,
        ..FakeConfig::default()
    })
    .await
}

pub async fn fake_with(config: FakeConfig) -> RunningFake {
    kick_fake::start(config).await.expect("fake Kick starts")
}

/// Fast retries so fault tests do not sleep for long.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(80),
        max_retry_after: Duration::from_secs(2),
    }
}

pub fn config(fake: &RunningFake) -> KickConfig {
    KickConfig::new(fake.oauth_base(), fake.api_base()).with_retry(fast_retry())
}

/// A client holding a fixed user token for the streamer with these scopes.
pub fn user_client(fake: &RunningFake, scopes: &[&str]) -> KickClient {
    let token = fake.mint_user_token(scopes);
    KickClient::new(
        config(fake),
        Arc::new(TokenManager::fixed(TokenSet {
            kind: TokenKind::User,
            access_token: Secret::new(token),
            refresh_token: None,
            expires_at: None,
            granted_at: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        })),
    )
}

/// A client holding a fixed app token.
pub fn app_client(fake: &RunningFake) -> KickClient {
    let token = fake.mint_app_token();
    KickClient::new(
        config(fake),
        Arc::new(TokenManager::fixed(TokenSet {
            kind: TokenKind::App,
            access_token: Secret::new(token),
            refresh_token: None,
            expires_at: None,
            granted_at: None,
            scopes: vec![],
        })),
    )
}

/// POSTs JSON to a control route of the fake.
pub async fn control(fake: &RunningFake, path: &str, body: serde_json::Value) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{}{}", fake.api_base(), path))
        .json(&body)
        .send()
        .await
        .expect("control route reachable")
        .json()
        .await
        .expect("control route answers JSON")
}

/// Raw GET with a bearer token (to see Kick's exact answer shape).
pub async fn raw_get(fake: &RunningFake, path: &str, token: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .get(format!("{}{}", fake.api_base(), path))
        .bearer_auth(token)
        .send()
        .await
        .expect("fake reachable");
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}
