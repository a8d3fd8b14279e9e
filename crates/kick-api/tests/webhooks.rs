//! Webhooks end to end: subscribe at the fake, receive its signed deliveries
//! on a real local HTTP receiver, verify them with the client's verifier.

mod common;

use axum::body::Bytes;
use axum::http::HeaderMap;
use common::*;
use kick_api::endpoints::events::EventSpec;
use kick_api::webhook::{WebhookError, WebhookEvent, WebhookVerifier};
use kick_api::{scopes, KickClient, UserId};
use kick_fake::{FakeConfig, RunningFake, WebhookKeyType, STREAMER_ID};
use std::time::Duration;
use tokio::sync::mpsc;

type Received = (HeaderMap, Bytes);

/// A local webhook receiver; `status` is what it answers.
async fn receiver(status: u16) -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |h: HeaderMap, b: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((h, b));
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    (url, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a delivery within 10 s")
        .unwrap()
}

async fn subscribed_fake(
    key: WebhookKeyType,
    status: u16,
) -> (RunningFake, mpsc::UnboundedReceiver<Received>, KickClient) {
    let fake = fake_with(FakeConfig {
        webhook_key: key,
        world_tick: None,
        ..Default::default()
    })
    .await;
    let (url, rx) = receiver(status).await;
    control(
        &fake,
        "/_fake/webhooks/target",
        serde_json::json!({"url": url}),
    )
    .await;
    let c = user_client(
        &fake,
        &[
            scopes::EVENTS_SUBSCRIBE,
            scopes::CHAT_WRITE,
            scopes::CHANNEL_WRITE,
        ],
    );
    let r = c
        .subscribe_events(
            None,
            &[
                EventSpec::v1("chat.message.sent"),
                EventSpec::v1("livestream.status.updated"),
            ],
        )
        .await
        .unwrap();
    assert!(r.iter().all(|x| x.outcome().is_ok()), "{r:?}");
    (fake, rx, c)
}

fn anon(fake: &RunningFake) -> KickClient {
    KickClient::anonymous(config(fake))
}

async fn chat(c: &KickClient, text: &str) {
    c.send_chat(&kick_api::endpoints::chat::ChatSend {
        sender: kick_api::endpoints::chat::ChatAs::User {
            broadcaster: UserId(STREAMER_ID),
        },
        content: text.into(),
        reply_to: None,
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn rsa_and_ed25519_deliveries_verify_and_forgeries_do_not() {
    for key in [WebhookKeyType::Rsa, WebhookKeyType::Ed25519] {
        let (fake, mut rx, c) = subscribed_fake(key, 200).await;
        let v = WebhookVerifier::fetch(anon(&fake)).await.unwrap();
        chat(&c, "signed hello").await;
        let (h, body) = next(&mut rx).await;
        let d = v.verify(&h, &body).await.expect("valid delivery");
        assert_eq!(d.event_type, "chat.message.sent");
        assert_eq!(d.version, "1");
        assert!(d.subscription_id.is_some());
        match WebhookEvent::parse(&d.event_type, &body).unwrap() {
            WebhookEvent::ChatMessageSent(m) => assert_eq!(m.content, "signed hello"),
            other => panic!("{other:?}"),
        }

        // The same delivery again: a duplicate.
        assert_eq!(
            v.verify(&h, &body).await.unwrap_err(),
            WebhookError::Duplicate
        );

        // Tampered body (re-serialised or edited): refused.
        let tampered = String::from_utf8_lossy(&body).replace("signed hello", "signed HELLO");
        let mut h2 = h.clone();
        h2.insert(
            "Kick-Event-Message-Id",
            "01JTAMPERED00000000000000A".parse().unwrap(),
        );
        assert_eq!(
            v.verify(&h2, tampered.as_bytes()).await.unwrap_err(),
            WebhookError::BadSignature
        );
        // Forged signature.
        let mut h3 = h.clone();
        h3.insert(
            "Kick-Event-Message-Id",
            "01JFORGED000000000000000AA".parse().unwrap(),
        );
        h3.insert(
            "Kick-Event-Signature",
            "AAAAAAAAAAAAAAAAAAAAAA==".parse().unwrap(),
        );
        assert_eq!(
            v.verify(&h3, &body).await.unwrap_err(),
            WebhookError::BadSignature
        );
        // Missing header.
        let mut h4 = h.clone();
        h4.remove("Kick-Event-Signature");
        assert!(matches!(
            v.verify(&h4, &body).await,
            Err(WebhookError::MissingHeader(_))
        ));
    }
}

#[tokio::test]
async fn stale_timestamps_are_refused() {
    let (fake, mut rx, c) = subscribed_fake(WebhookKeyType::Rsa, 200).await;
    chat(&c, "old news").await;
    let (h, body) = next(&mut rx).await;
    let future = chrono::Utc::now() + chrono::Duration::minutes(6);
    let v = WebhookVerifier::fetch(anon(&fake))
        .await
        .unwrap()
        .clock(move || future);
    assert_eq!(v.verify(&h, &body).await.unwrap_err(), WebhookError::Stale);
    // Within the window it passes.
    let soon = chrono::Utc::now() + chrono::Duration::minutes(4);
    let v = WebhookVerifier::fetch(anon(&fake))
        .await
        .unwrap()
        .clock(move || soon);
    v.verify(&h, &body).await.unwrap();
}

#[tokio::test]
async fn a_key_change_triggers_exactly_one_refetch() {
    let (fake_a, mut rx, c) = subscribed_fake(WebhookKeyType::Rsa, 200).await;
    // A verifier that holds another fake's key but fetches from fake A.
    let other = fake_with(FakeConfig {
        world_tick: None,
        ..Default::default()
    })
    .await;
    let wrong_pem = anon(&other).public_key().await.unwrap();
    let good_pem = anon(&fake_a).public_key().await.unwrap();
    assert_ne!(wrong_pem, good_pem);
    let v = WebhookVerifier::fetch(anon(&other)).await.unwrap();
    assert_eq!(v.key_fetches(), 1);
    chat(&c, "rotated").await;
    let (h, body) = next(&mut rx).await;
    // Fetching from `other` again cannot help: still refused, one refetch only.
    assert_eq!(
        v.verify(&h, &body).await.unwrap_err(),
        WebhookError::BadSignature
    );
    assert_eq!(v.key_fetches(), 2);
    assert_eq!(
        v.verify(&h, &body).await.unwrap_err(),
        WebhookError::BadSignature
    );
    assert_eq!(v.key_fetches(), 2, "refetching is rate limited");
    // A fixed-key verifier with the right key accepts it.
    WebhookVerifier::with_key(&good_pem)
        .unwrap()
        .verify(&h, &body)
        .await
        .unwrap();
}

#[tokio::test]
async fn subscriptions_follow_kicks_rules() {
    let fake = fake().await;
    let c = user_client(&fake, &[scopes::EVENTS_SUBSCRIBE]);
    let r = c
        .subscribe_events(
            None,
            &[
                EventSpec::v1("channel.followed"),
                EventSpec::v1("no.such.event"),
            ],
        )
        .await
        .unwrap();
    assert!(r[0].outcome().is_ok());
    assert!(r[1].outcome().is_err());
    let again = c
        .subscribe_events(None, &[EventSpec::v1("channel.followed")])
        .await
        .unwrap();
    assert!(again[0].outcome().unwrap_err().contains("exists"));
    let list = c.event_subscriptions(None).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].broadcaster_user_id, UserId(STREAMER_ID));
    assert_eq!(list[0].method, "webhook");

    // App token: broadcaster_user_id is required.
    let app = app_client(&fake);
    let err = app
        .subscribe_events(None, &[EventSpec::v1("channel.followed")])
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let ok = app
        .subscribe_events(Some(UserId(STREAMER_ID)), &[EventSpec::v1("kicks.gifted")])
        .await
        .unwrap();
    assert!(ok[0].outcome().is_ok());
    assert_eq!(
        app.event_subscriptions(Some(UserId(STREAMER_ID)))
            .await
            .unwrap()
            .len(),
        2
    );

    // Without the scope: 403.
    let no = user_client(&fake, &[scopes::USER_READ]);
    assert_eq!(
        no.subscribe_events(None, &[EventSpec::v1("channel.followed")])
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );

    let all = c.event_subscriptions(None).await.unwrap();
    let ids: Vec<_> = all.iter().map(|s| s.id.clone()).collect();
    c.unsubscribe_events(&ids).await.unwrap();
    assert!(c.event_subscriptions(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn duplicates_are_sent_and_failing_targets_get_unsubscribed() {
    let (fake, mut rx, c) = subscribed_fake(WebhookKeyType::Rsa, 200).await;
    control(
        &fake,
        "/_fake/webhooks/settings",
        serde_json::json!({"duplicate_next": 1}),
    )
    .await;
    chat(&c, "twice").await;
    let (h1, b1) = next(&mut rx).await;
    let (h2, b2) = next(&mut rx).await;
    assert_eq!(h1["Kick-Event-Message-Id"], h2["Kick-Event-Message-Id"]);
    assert_eq!(b1, b2);
    let v = WebhookVerifier::fetch(anon(&fake)).await.unwrap();
    v.verify(&h1, &b1).await.unwrap();
    assert_eq!(
        v.verify(&h2, &b2).await.unwrap_err(),
        WebhookError::Duplicate
    );

    // A receiver that keeps failing: Kick drops the subscription.
    let (bad_url, mut bad_rx) = receiver(500).await;
    control(
        &fake,
        "/_fake/webhooks/target",
        serde_json::json!({"url": bad_url}),
    )
    .await;
    control(
        &fake,
        "/_fake/webhooks/settings",
        serde_json::json!({"auto_unsubscribe_after": 3}),
    )
    .await;
    for i in 0..3 {
        chat(&c, &format!("fail {i}")).await;
        next(&mut bad_rx).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let subs = c.event_subscriptions(None).await.unwrap();
    assert!(
        subs.iter().all(|s| s.event != "chat.message.sent"),
        "{subs:?}"
    );
    assert!(fake.metrics()["webhooks_failed"].as_u64().unwrap() >= 3);
}
