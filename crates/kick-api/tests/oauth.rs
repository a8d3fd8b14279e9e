//! OAuth 2.1 + PKCE, refresh, revoke and the request pipeline's retries,
//! against the fake over real HTTP on 127.0.0.1.

mod common;

use common::*;
use kick_api::{
    scopes, Error, KickClient, LoopbackListener, OAuthClient, Secret, TokenHint, TokenManager,
    TokenSet,
};
use kick_fake::{FakeConfig, FaultSettings, RunningFake};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SCOPES: &[&str] = &[scopes::USER_READ, scopes::CHANNEL_READ];

fn oauth(fake: &RunningFake, redirect: &str) -> OAuthClient {
    OAuthClient::new(
        &config(fake),
        fake.info.client_id.clone(),
        Secret::new(fake.info.client_secret.clone()),
        Some(redirect.to_owned()),
    )
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Plays the browser: opens the authorize URL (auto-approve) and returns the
/// redirect target the fake sends the browser to.
async fn browser_authorize(url: &str) -> url::Url {
    let resp = no_redirects().get(url).send().await.unwrap();
    assert!(
        resp.status().is_redirection(),
        "authorize should redirect: {}",
        resp.status()
    );
    let loc = resp.headers()["location"].to_str().unwrap();
    url::Url::parse(loc).unwrap()
}

fn query(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn approving_fake() -> RunningFake {
    fake_with(FakeConfig {
        auto_approve: true,
        world_tick: None,
        ..Default::default()
    })
    .await
}

/// A code for the streamer, obtained like a browser would, plus the request.
async fn code_for(fake: &RunningFake) -> (OAuthClient, kick_api::AuthorizationRequest, String) {
    let o = oauth(fake, &fake.info.redirect_uri);
    let req = o.authorize_url(SCOPES).unwrap();
    let back = browser_authorize(&req.url).await;
    assert_eq!(query(&back, "state").as_deref(), Some(req.state.expose()));
    let code = query(&back, "code").expect("code in the redirect");
    (o, req, code)
}

#[tokio::test]
async fn full_browser_login_through_the_loopback_listener() {
    let fake = approving_fake().await;
    let listener = LoopbackListener::bind(0, "/callback").await.unwrap();
    let redirect = listener.redirect_uri();
    assert!(redirect.starts_with("http://localhost:"));
    kick_fake::oauth::register_redirect_uri(&fake.state, &redirect);
    let o = oauth(&fake, &redirect);
    let tokens = listener
        .login(&o, SCOPES, Duration::from_secs(10), |url| {
            let url = url.to_owned();
            tokio::spawn(async move {
                let back = browser_authorize(&url).await;
                // The browser follows the redirect to our loopback listener.
                let page = reqwest::get(back.as_str()).await.unwrap();
                assert_eq!(page.status(), 200);
            });
        })
        .await
        .expect("login succeeds");
    assert!(tokens.refresh_token.is_some());
    assert!(tokens.has_scope(scopes::USER_READ));
    let client = KickClient::new(config(&fake), Arc::new(TokenManager::fixed(tokens)));
    assert_eq!(client.me().await.unwrap().name, "DemoStreamer");
    assert_eq!(fake.metrics()["token_authorization_code"], 1);
}

#[tokio::test]
async fn authorize_url_has_everything_kick_requires() {
    let fake = approving_fake().await;
    let o = oauth(&fake, &fake.info.redirect_uri);
    let req = o.authorize_url(SCOPES).unwrap();
    let url = url::Url::parse(&req.url).unwrap();
    assert_eq!(query(&url, "response_type").as_deref(), Some("code"));
    assert_eq!(
        query(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        query(&url, "client_id").as_deref(),
        Some(fake.info.client_id.as_str())
    );
    assert_eq!(
        query(&url, "scope").as_deref(),
        Some("user:read channel:read")
    );
    assert_eq!(
        query(&url, "code_challenge").unwrap(),
        kick_fake::oauth::s256(req.pkce_verifier.expose())
    );
    let other = o.authorize_url(SCOPES).unwrap();
    assert_ne!(other.state, req.state, "state is random per request");

    // The fake refuses a redirect URI that is not registered exactly.
    let bad = oauth(&fake, "http://localhost:1/elsewhere")
        .authorize_url(SCOPES)
        .unwrap();
    let resp = no_redirects().get(&bad.url).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    // ... and a plain-method challenge.
    let plain = req
        .url
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    assert_eq!(
        no_redirects().get(&plain).send().await.unwrap().status(),
        400
    );
}

#[tokio::test]
async fn pkce_wrong_verifier_reused_code_and_wrong_secret_are_rejected() {
    let fake = approving_fake().await;

    // Wrong verifier.
    let (o, _req, code) = code_for(&fake).await;
    let wrong = Secret::new("x".repeat(64));
    let err = o.exchange_code(&code, &wrong).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::OAuth {
                status: Some(400),
                ..
            }
        ),
        "{err:?}"
    );

    // Right verifier works once; the same code a second time fails.
    let (o, req, code) = code_for(&fake).await;
    o.exchange_code(&code, &req.pkce_verifier).await.unwrap();
    let err = o
        .exchange_code(&code, &req.pkce_verifier)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OAuth {
                status: Some(400),
                ..
            }
        ),
        "{err:?}"
    );

    // Wrong client secret.
    let (_, req, code) = code_for(&fake).await;
    let bad = OAuthClient::new(
        &config(&fake),
        fake.info.client_id.clone(),
        Secret::new("not-the-secret-at-all"),
        Some(fake.info.redirect_uri.clone()),
    );
    let err = bad
        .exchange_code(&code, &req.pkce_verifier)
        .await
        .unwrap_err();
    assert!(
        err.status().is_some_and(|s| s == 400 || s == 401),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains("not-the-secret-at-all"));
    assert!(!text.contains(req.pkce_verifier.expose()));
    assert!(!text.contains(&code));
}

#[tokio::test]
async fn wrong_state_at_the_loopback_is_refused_and_the_login_still_completes() {
    let listener = LoopbackListener::bind(0, "/callback").await.unwrap();
    let uri = listener.redirect_uri();
    let expected = Secret::new("the-right-state-value");
    let waiter = tokio::spawn(async move {
        listener
            .wait_for_code(&expected, Duration::from_secs(10))
            .await
    });
    // Any web page can make the browser hit the loopback: a forged callback
    // (wrong state, or a forged error) is refused and does not end the wait.
    for forged in [
        "code=abc&state=forged-state",
        "code=abc",
        "error=access_denied&state=forged",
    ] {
        let resp = reqwest::get(format!("{uri}?{forged}")).await.unwrap();
        assert_eq!(resp.status(), 400, "{forged}");
        assert!(resp.text().await.unwrap().contains("state mismatch"));
    }
    assert!(!waiter.is_finished(), "a forged callback ended the login");
    let resp = reqwest::get(format!("{uri}?code=the-code&state=the-right-state-value"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let code = waiter.await.unwrap().unwrap();
    assert_eq!(code.expose(), "the-code");
    // The listener is closed afterwards: exactly one callback is taken.
    assert!(reqwest::get(format!("{uri}?code=abc&state=x"))
        .await
        .is_err());
}

#[tokio::test]
async fn the_loopback_refuses_to_start_when_another_program_holds_ipv6() {
    // Another program on [::1]:port could receive the browser's redirect.
    let Ok(squatter) = std::net::TcpListener::bind("[::1]:0") else {
        eprintln!("no IPv6 loopback here: nothing to test");
        return;
    };
    let port = squatter.local_addr().unwrap().port();
    let err = LoopbackListener::bind(port, "/callback").await.unwrap_err();
    assert!(err.to_string().contains("[::1]"), "{err}");
    drop(squatter);
}

#[tokio::test]
async fn many_silent_connections_do_not_block_the_callback() {
    let listener = LoopbackListener::bind(0, "/callback").await.unwrap();
    let uri = listener.redirect_uri();
    let port = listener.port();
    let expected = Secret::new("s");
    let waiter = tokio::spawn(async move {
        listener
            .wait_for_code(&expected, Duration::from_secs(10))
            .await
    });
    // More silent connections than the listener reads at once.
    let mut idle = Vec::new();
    for _ in 0..(kick_api::loopback::MAX_READERS * 2) {
        idle.push(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap(),
        );
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The readers are bounded, so the real callback may have to retry.
    let mut ok = false;
    for _ in 0..50 {
        if let Ok(r) = reqwest::get(format!("{uri}?code=c&state=s")).await {
            ok = r.status() == 200;
            if ok {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        idle.pop();
    }
    assert!(ok, "the callback never got through");
    assert_eq!(waiter.await.unwrap().unwrap().expose(), "c");
}

#[tokio::test]
async fn refresh_rotates_and_old_tokens_follow_the_configured_policy() {
    for strict in [false, true] {
        let fake = fake_with(FakeConfig {
            auto_approve: true,
            strict_refresh: strict,
            world_tick: None,
            ..Default::default()
        })
        .await;
        let (o, req, code) = code_for(&fake).await;
        let first = o.exchange_code(&code, &req.pkce_verifier).await.unwrap();
        let r1 = first.refresh_token.clone().unwrap();
        let second = o.refresh(&r1).await.unwrap();
        let r2 = second.refresh_token.clone().unwrap();
        assert_ne!(r1, r2, "a refresh returns a NEW refresh token");
        assert_ne!(first.access_token, second.access_token);
        let reuse = o.refresh(&r1).await;
        assert_eq!(
            reuse.is_err(),
            strict,
            "strict={strict}: reuse of the old refresh token"
        );
        o.refresh(&r2)
            .await
            .expect("the newest refresh token works");
    }
}

fn recording_sink() -> (Arc<Mutex<Vec<TokenSet>>>, Arc<dyn kick_api::TokenSink>) {
    let saved = Arc::new(Mutex::new(Vec::<TokenSet>::new()));
    let s = saved.clone();
    let sink = move |t: &TokenSet| -> Result<(), String> {
        s.lock().unwrap().push(t.clone());
        Ok(())
    };
    (saved, Arc::new(sink))
}

async fn user_session(
    fake: &RunningFake,
) -> (KickClient, Arc<TokenManager>, Arc<Mutex<Vec<TokenSet>>>) {
    let (o, req, code) = code_for(fake).await;
    let tokens = o.exchange_code(&code, &req.pkce_verifier).await.unwrap();
    let (saved, sink) = recording_sink();
    let tm = Arc::new(TokenManager::user(o, tokens, sink));
    (KickClient::new(config(fake), tm.clone()), tm, saved)
}

#[tokio::test]
async fn fifty_concurrent_requests_on_an_expired_token_share_one_refresh() {
    let fake = approving_fake().await;
    let (client, tm, saved) = user_session(&fake).await;
    client.me().await.unwrap();
    let old_refresh = tm.snapshot().unwrap().refresh_token.unwrap();
    control(&fake, "/_fake/tokens/expire", serde_json::json!({})).await;

    let calls = (0..50).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.me().await })
    });
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    assert_eq!(ok, 50, "all 50 succeed after the refresh");
    assert_eq!(
        fake.metrics()["token_refresh"],
        1,
        "exactly one refresh at the fake"
    );
    assert_eq!(tm.renewals(), 1);
    // The new refresh token was stored before use.
    let saved = saved.lock().unwrap();
    assert_eq!(saved.len(), 1);
    let stored = saved[0].refresh_token.clone().unwrap();
    assert_ne!(stored, old_refresh);
    assert_eq!(tm.snapshot().unwrap().refresh_token.unwrap(), stored);
}

#[tokio::test]
async fn a_revoked_refresh_token_means_relogin() {
    let fake = approving_fake().await;
    let (client, _tm, _) = user_session(&fake).await;
    control(
        &fake,
        "/_fake/oauth/revoke-refresh-tokens",
        serde_json::json!({}),
    )
    .await;
    control(&fake, "/_fake/tokens/expire", serde_json::json!({})).await;
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, Error::ReloginRequired { .. }), "{err:?}");
}

#[tokio::test]
async fn revoke_and_introspect() {
    let fake = approving_fake().await;
    let (o, req, code) = code_for(&fake).await;
    let tokens = o.exchange_code(&code, &req.pkce_verifier).await.unwrap();
    let info = o.introspect(&tokens.access_token).await.unwrap();
    assert!(info.active);
    assert_eq!(info.token_type.as_deref(), Some("user"));
    assert_eq!(
        info.client_id.as_deref(),
        Some(fake.info.client_id.as_str())
    );
    o.revoke(&tokens.access_token, TokenHint::AccessToken)
        .await
        .unwrap();
    assert!(!o.introspect(&tokens.access_token).await.unwrap().active);
    let fixed = KickClient::new(config(&fake), Arc::new(TokenManager::fixed(tokens.clone())));
    // A fixed token cannot be renewed: the revoked token ends the session.
    let err = fixed.me().await.unwrap_err();
    assert!(matches!(err, Error::ReloginRequired { .. }), "{err:?}");
    let refresh = tokens.refresh_token.unwrap();
    o.revoke(&refresh, TokenHint::RefreshToken).await.unwrap();
    assert!(o.refresh(&refresh).await.is_err());
}

#[tokio::test]
async fn app_tokens_from_client_credentials() {
    let fake = approving_fake().await;
    let o = oauth(&fake, &fake.info.redirect_uri);
    let client = KickClient::new(config(&fake), Arc::new(TokenManager::app(o)));
    let channels = client
        .channels(kick_api::endpoints::channels::ChannelLookup::Slugs(&[
            "demostreamer",
        ]))
        .await
        .unwrap();
    assert_eq!(channels[0].slug, "demostreamer");
    assert_eq!(fake.metrics()["token_client_credentials"], 1);
    // An app token has no own user: Kick refuses.
    assert!(client.me().await.is_err());
}

#[tokio::test]
async fn rate_limit_storms_back_off_then_succeed_or_fail_clearly() {
    let fake = fake().await;
    let c = user_client(&fake, &[scopes::USER_READ]);

    fake.set_faults(FaultSettings {
        next_429: 3,
        ..Default::default()
    });
    c.me().await.expect("succeeds after three 429s");
    assert_eq!(fake.metrics()["injected_429"], 3);

    fake.set_faults(FaultSettings {
        next_500: 2,
        ..Default::default()
    });
    c.me().await.expect("a GET survives two 500s");

    fake.set_faults(FaultSettings {
        rate_429: 1.0,
        ..Default::default()
    });
    let err = c.me().await.unwrap_err();
    match &err {
        Error::RateLimited { attempts, .. } => assert_eq!(*attempts, fast_retry().max_attempts),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("rate limiting"));

    fake.set_faults(FaultSettings {
        rate_500: 1.0,
        ..Default::default()
    });
    let err = c.me().await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");

    // Retry-After is honoured (capped by the policy).
    fake.set_faults(FaultSettings {
        next_429: 1,
        retry_after_secs: Some(1),
        ..Default::default()
    });
    let t = Instant::now();
    c.me().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn errors_never_carry_secrets() {
    let fake = approving_fake().await;
    let (o, req, code) = code_for(&fake).await;
    let tokens = o.exchange_code(&code, &req.pkce_verifier).await.unwrap();
    let access = tokens.access_token.expose().to_owned();
    let refresh = tokens.refresh_token.as_ref().unwrap().expose().to_owned();
    let dbg = format!("{tokens:?} {o:?}");
    assert!(!dbg.contains(&access) && !dbg.contains(&refresh));
    assert!(!dbg.contains(&fake.info.client_secret));
    control(
        &fake,
        "/_fake/oauth/revoke-refresh-tokens",
        serde_json::json!({}),
    )
    .await;
    let err = o
        .refresh(tokens.refresh_token.as_ref().unwrap())
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(&refresh) && !text.contains(&fake.info.client_secret));
}
