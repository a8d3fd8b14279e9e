//! The fake on loopback is a server any local process (and, through DNS
//! rebinding, any web page) can reach: it checks the Host header, can run
//! without its control routes, closes its port on shutdown, stays bounded,
//! and ends a grant's refresh tokens after the configured lifetime.

use kick_fake::{FakeConfig, RunningFake};
use std::time::Duration;

async fn fake(cfg: FakeConfig) -> RunningFake {
    kick_fake::start(FakeConfig {
        world_tick: None,
        ..cfg
    })
    .await
    .unwrap()
}

/// A raw HTTP/1.1 GET with a chosen Host header; returns the status code.
async fn get_with_host(port: u16, path: &str, host: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn requests_for_another_host_are_refused() {
    let f = fake(FakeConfig::default()).await;
    let port = f.addr.port();
    let path = "/public/v1/public-key";
    assert_eq!(
        get_with_host(port, path, &format!("127.0.0.1:{port}")).await,
        200
    );
    assert_eq!(
        get_with_host(port, path, &format!("localhost:{port}")).await,
        200
    );
    // A page on evil.example whose name now resolves to 127.0.0.1.
    assert_eq!(
        get_with_host(port, path, &format!("evil.example:{port}")).await,
        403
    );
    assert_eq!(
        get_with_host(port, path, "127.0.0.1.evil.example").await,
        403
    );
    assert_eq!(
        get_with_host(port, "/_fake/metrics", "evil.example").await,
        403
    );
}

#[tokio::test]
async fn control_routes_can_be_turned_off() {
    let on = fake(FakeConfig::default()).await;
    let off = fake(FakeConfig {
        control_routes: false,
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    let st = |f: &RunningFake, p: &str| format!("{}{p}", f.api_base());
    assert_eq!(
        http.get(st(&on, "/_fake/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    for path in ["/_fake/metrics", "/_fake/channel", "/_fake/pusher/stats"] {
        let r = http.get(st(&off, path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = http
        .post(st(&off, "/_fake/stream/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The API itself still works.
    let r = http
        .get(st(&off, "/public/v1/public-key"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn shutdown_closes_the_port_even_while_shared() {
    let f = std::sync::Arc::new(fake(FakeConfig::default()).await);
    let port = f.addr.port();
    let holder = f.clone();
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok());
    f.shutdown();
    let mut closed = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(closed, "port {port} still accepts after shutdown");
    drop(holder);
}

#[tokio::test]
async fn chat_memory_is_bounded() {
    let f = fake(FakeConfig {
        max_chat_messages: 100,
        ..Default::default()
    })
    .await;
    let who = kick_fake::social::chatter(1);
    let first =
        kick_fake::social::post_message(&f.state, kick_fake::STREAMER_ID, &who, "first", None);
    for i in 0..500 {
        kick_fake::social::post_message(
            &f.state,
            kick_fake::STREAMER_ID,
            &who,
            &format!("m{i}"),
            None,
        );
    }
    let w = f.state.world.lock().unwrap();
    assert_eq!(w.social.messages.len(), 100);
    assert_eq!(w.social.message_order.len(), 100);
    assert!(!w.social.messages.contains_key(&first));
}

#[tokio::test]
async fn refresh_tokens_die_with_their_grant() {
    let f = fake(FakeConfig {
        auto_approve: true,
        refresh_token_lifetime: Some(Duration::from_millis(1500)),
        ..Default::default()
    })
    .await;
    // A grant by the code flow (as a browser would do it).
    let redirect = "http://localhost:53682/callback";
    let verifier = "v".repeat(64);
    let challenge = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()))
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(format!("{}/oauth/authorize", f.oauth_base()))
        .query(&[
            ("response_type", "code"),
            ("client_id", f.info.client_id.as_str()),
            ("redirect_uri", redirect),
            ("scope", "user:read"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = loc
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let token = |form: Vec<(&'static str, String)>| {
        let http = http.clone();
        let url = format!("{}/oauth/token", f.oauth_base());
        async move { http.post(url).form(&form).send().await.unwrap() }
    };
    let base = |grant: &str| -> Vec<(&'static str, String)> {
        vec![
            ("grant_type", grant.to_owned()),
            ("client_id", f.info.client_id.clone()),
            ("client_secret", f.info.client_secret.clone()),
        ]
    };
    let mut form = base("authorization_code");
    form.extend([
        ("code", code),
        ("redirect_uri", redirect.to_owned()),
        ("code_verifier", verifier.clone()),
    ]);
    let pair: serde_json::Value = token(form).await.json().await.unwrap();
    // Refreshing works within the lifetime and does not extend it.
    let mut form = base("refresh_token");
    form.push((
        "refresh_token",
        pair["refresh_token"].as_str().unwrap().to_owned(),
    ));
    let r = token(form).await;
    assert_eq!(r.status(), 200);
    let newer: serde_json::Value = r.json().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let mut form = base("refresh_token");
    form.push((
        "refresh_token",
        newer["refresh_token"].as_str().unwrap().to_owned(),
    ));
    let r = token(form).await;
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    assert!(body.contains("expired"), "{body}");
}
