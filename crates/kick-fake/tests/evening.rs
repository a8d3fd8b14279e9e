//! One action, every source: each real action at the fake goes out as the
//! socket events Kick sends (with their twins) and as exactly one signed
//! webhook with the §5.6 body; the webhook knobs (duplicates, delay,
//! reordering, bad signatures, stale timestamps) do what they say;
//! redemptions change state through the API; the demo evening plays every
//! kind at high speed and stops when the stream ends.

use axum::body::Bytes;
use axum::http::HeaderMap;
use kick_api::webhook::{WebhookError, WebhookEvent, WebhookVerifier};
use kick_fake::hub::Out;
use kick_fake::{FakeConfig, RunningFake, STREAMER_ID};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

type Received = (HeaderMap, Bytes);

const ALL_TYPES: &[&str] = &[
    "chat.message.sent",
    "channel.followed",
    "channel.subscription.renewal",
    "channel.subscription.gifts",
    "channel.subscription.new",
    "channel.reward.redemption.updated",
    "livestream.status.updated",
    "livestream.metadata.updated",
    "moderation.banned",
    "kicks.gifted",
];

async fn fake_with(c: FakeConfig) -> RunningFake {
    kick_fake::start(FakeConfig {
        world_tick: None,
        ..c
    })
    .await
    .unwrap()
}

async fn fake() -> RunningFake {
    fake_with(FakeConfig::default()).await
}

async fn control(fake: &RunningFake, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}{}", fake.api_base(), path))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn event(fake: &RunningFake, body: Value) -> Value {
    let r = control(fake, "/_fake/realtime/event", body.clone()).await;
    assert_eq!(r["ok"], true, "{body} -> {r}");
    r
}

/// A local webhook receiver answering 200.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |h: HeaderMap, b: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((h, b));
                axum::http::StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    (url, rx)
}

/// Points the fake's deliveries at a receiver and subscribes the app to
/// `types` for the streamer.
async fn subscribed(fake: &RunningFake, types: &[&str]) -> mpsc::UnboundedReceiver<Received> {
    let (url, rx) = receiver().await;
    assert_eq!(
        control(fake, "/_fake/webhooks/target", json!({"url": url})).await["ok"],
        true
    );
    let token = fake.mint_user_token(&["events:subscribe"]);
    let events: Vec<Value> = types
        .iter()
        .map(|t| json!({"name": t, "version": 1}))
        .collect();
    let r: Value = reqwest::Client::new()
        .post(format!(
            "{}/public/v1/events/subscriptions",
            fake.api_base()
        ))
        .bearer_auth(token)
        .json(&json!({"method": "webhook", "events": events}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for item in r["data"].as_array().unwrap() {
        assert!(item["subscription_id"].is_string(), "{item}");
    }
    rx
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a delivery within 5 s")
        .unwrap()
}

async fn quiet(rx: &mut mpsc::UnboundedReceiver<Received>, d: Duration) {
    if let Ok(Some((h, b))) = tokio::time::timeout(d, rx.recv()).await {
        panic!(
            "unexpected delivery {:?}: {}",
            h.get("Kick-Event-Type"),
            String::from_utf8_lossy(&b)
        );
    }
}

fn verifier(fake: &RunningFake) -> WebhookVerifier {
    WebhookVerifier::with_key(fake.state.webhook_keys.public_pem()).unwrap()
}

/// (channel, event name, data) as the hub publishes them to both transports.
#[derive(Debug, Clone)]
struct Pub {
    channel: String,
    event: String,
    data: Value,
}

fn socket(fake: &RunningFake) -> broadcast::Receiver<Out> {
    fake.state.realtime.out.subscribe()
}

/// Everything published until nothing came for `gap`.
async fn drain(rx: &mut broadcast::Receiver<Out>, gap: Duration) -> Vec<Pub> {
    let mut v = Vec::new();
    while let Ok(Ok(out)) = tokio::time::timeout(gap, rx.recv()).await {
        if let Out::Event(p) = out {
            v.push(Pub {
                channel: p.channel.clone(),
                event: p.event.clone(),
                data: serde_json::from_str(&p.data).unwrap(),
            });
        }
    }
    v
}

fn names(pubs: &[Pub]) -> Vec<String> {
    pubs.iter()
        .map(|p| format!("{}@{}", p.event, p.channel))
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

fn set(k: &[&str]) -> BTreeSet<String> {
    k.iter().map(|s| s.to_string()).collect()
}

const EVENT_USER: &[&str] = &[
    "is_anonymous",
    "user_id",
    "username",
    "is_verified",
    "profile_picture",
    "channel_slug",
    "identity",
];
const SLIM_USER: &[&str] = &[
    "user_id",
    "username",
    "is_verified",
    "profile_picture",
    "channel_slug",
];

/// The §5.6 field list of each body, with its users' shapes.
fn check_body(event_type: &str, body: &Value) {
    let top: &[&str] = match event_type {
        "chat.message.sent" => &[
            "message_id",
            "replies_to",
            "broadcaster",
            "sender",
            "content",
            "emotes",
            "created_at",
        ],
        "channel.followed" => &["broadcaster", "follower"],
        "channel.subscription.new" | "channel.subscription.renewal" => &[
            "broadcaster",
            "subscriber",
            "duration",
            "created_at",
            "expires_at",
        ],
        "channel.subscription.gifts" => &[
            "broadcaster",
            "gifter",
            "giftees",
            "created_at",
            "expires_at",
        ],
        "channel.reward.redemption.updated" => &[
            "id",
            "user_input",
            "status",
            "redeemed_at",
            "reward",
            "redeemer",
            "broadcaster",
        ],
        "livestream.status.updated" => {
            &["broadcaster", "is_live", "title", "started_at", "ended_at"]
        }
        "livestream.metadata.updated" => &["broadcaster", "metadata"],
        "moderation.banned" => &["broadcaster", "moderator", "banned_user", "metadata"],
        "kicks.gifted" => &["broadcaster", "sender", "gift", "created_at"],
        other => panic!("unexpected type {other}"),
    };
    assert_eq!(keys(body), set(top), "{event_type}: {body}");
    for (k, v) in body.as_object().unwrap() {
        let expect = match (event_type, k.as_str()) {
            ("kicks.gifted", "broadcaster" | "sender")
            | ("channel.reward.redemption.updated", "redeemer" | "broadcaster") => SLIM_USER,
            (
                _,
                "broadcaster" | "follower" | "subscriber" | "gifter" | "sender" | "moderator"
                | "banned_user",
            ) => EVENT_USER,
            _ => continue,
        };
        assert_eq!(keys(v), set(expect), "{event_type}.{k}: {v}");
    }
    if let Some(g) = body.get("giftees") {
        for u in g.as_array().unwrap() {
            assert_eq!(keys(u), set(EVENT_USER));
        }
    }
    match event_type {
        "kicks.gifted" => assert_eq!(
            keys(&body["gift"]),
            set(&[
                "amount",
                "name",
                "type",
                "tier",
                "message",
                "pinned_time_seconds"
            ])
        ),
        "channel.reward.redemption.updated" => assert_eq!(
            keys(&body["reward"]),
            set(&["id", "title", "cost", "description"])
        ),
        "livestream.metadata.updated" => {
            assert_eq!(
                keys(&body["metadata"]),
                set(&["title", "language", "has_mature_content", "category"])
            );
            assert_eq!(
                keys(&body["metadata"]["category"]),
                set(&["id", "name", "thumbnail"])
            );
        }
        "moderation.banned" => assert_eq!(
            keys(&body["metadata"]),
            set(&["reason", "created_at", "expires_at"])
        ),
        _ => {}
    }
    // And the client's typed parser takes it.
    WebhookEvent::parse(event_type, serde_json::to_vec(body).unwrap().as_slice())
        .unwrap_or_else(|e| panic!("{event_type}: {e}"));
}

/// One delivery: signed, the expected type, a §5.6 body.
async fn one_webhook(
    rx: &mut mpsc::UnboundedReceiver<Received>,
    v: &WebhookVerifier,
    event_type: &str,
) -> Value {
    let (h, body) = next(rx).await;
    let d = v.verify(&h, &body).await.expect("a valid signature");
    assert_eq!(d.event_type, event_type);
    assert!(d.subscription_id.is_some());
    let body: Value = serde_json::from_slice(&body).unwrap();
    check_body(event_type, &body);
    body
}

fn ts(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn every_action_goes_out_on_the_socket_and_as_one_signed_webhook() {
    let fake = fake().await;
    let mut hooks = subscribed(&fake, ALL_TYPES).await;
    let v = verifier(&fake);
    let mut sock = socket(&fake);
    let id = STREAMER_ID;
    let chatroom = fake.info.chatroom_id;
    let short = Duration::from_millis(120);

    // A follow: the follower goal moves (no name on the socket), the
    // webhook names the follower.
    let r = event(
        &fake,
        json!({"kind": "follow", "username": "newfan", "named": false}),
    )
    .await;
    let body = one_webhook(&mut hooks, &v, "channel.followed").await;
    let s = drain(&mut sock, short).await;
    assert_eq!(names(&s), [format!("GoalProgressUpdateEvent@channel_{id}")]);
    assert_eq!(s[0].data["type"], "followers");
    assert_eq!(s[0].data["current_value"], 1235);
    assert_eq!(body["follower"]["username"], "newfan");
    assert_eq!(body["follower"]["user_id"], r["user_id"]);
    assert_eq!(body["broadcaster"]["user_id"], id);
    let ch: Value = reqwest::get(format!("{}/_fake/channel", fake.api_base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ch["followers_count"], 1235);
    // The older named event on request.
    event(&fake, json!({"kind": "follow", "username": "oldschool"})).await;
    one_webhook(&mut hooks, &v, "channel.followed").await;
    let s = drain(&mut sock, short).await;
    assert_eq!(
        names(&s),
        [
            format!(r"App\Events\FollowersUpdated@channel.{id}"),
            format!("GoalProgressUpdateEvent@channel_{id}")
        ]
    );

    // A new sub and a resub, with twins; the same user id on both sources.
    let subs_before = ch["active_subscribers_count"].as_u64().unwrap();
    event(
        &fake,
        json!({"kind": "sub", "username": "newbie", "count": 1}),
    )
    .await;
    let body = one_webhook(&mut hooks, &v, "channel.subscription.new").await;
    let s = drain(&mut sock, short).await;
    assert_eq!(
        names(&s),
        [
            format!(r"App\Events\SubscriptionEvent@chatrooms.{chatroom}.v2"),
            format!(r"App\Events\ChannelSubscriptionEvent@channel.{id}"),
            format!(r"App\Events\NewSubscriberUpdatedEvent@channel.{id}"),
            format!(r"App\Events\ChatMessageSentEvent@chatrooms.{chatroom}"),
        ]
    );
    assert_eq!(body["duration"], 1);
    assert_eq!(body["subscriber"]["user_id"], s[1].data["user_ids"][0]);
    event(
        &fake,
        json!({"kind": "sub", "username": "veteran", "count": 6}),
    )
    .await;
    let body = one_webhook(&mut hooks, &v, "channel.subscription.renewal").await;
    let s = drain(&mut sock, short).await;
    assert_eq!(s.len(), 5, "{:?}", names(&s));
    assert_eq!(s[4].data["type"], "celebration");
    assert_eq!(body["duration"], 6);
    assert!(ts(&body["created_at"]) < ts(&body["expires_at"]));
    let ch: Value = reqwest::get(format!("{}/_fake/channel", fake.api_base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ch["active_subscribers_count"], subs_before + 1);

    // A gift bomb, then an anonymous one.
    event(
        &fake,
        json!({"kind": "gift", "username": "whale", "count": 3}),
    )
    .await;
    let body = one_webhook(&mut hooks, &v, "channel.subscription.gifts").await;
    let s = drain(&mut sock, short).await;
    assert_eq!(
        names(&s),
        [
            format!("GiftedSubscriptionsEvent@chatroom_{chatroom}"),
            format!(r"App\Events\GiftedSubscriptionsEvent@chatrooms.{chatroom}.v2"),
            format!(r"App\Events\LuckyUsersWhoGotGiftSubscriptionsEvent@channel.{id}"),
        ]
    );
    let giftees: Vec<&str> = body["giftees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["username"].as_str().unwrap())
        .collect();
    assert_eq!(json!(giftees), s[0].data["gifted_usernames"]);
    assert_eq!(body["gifter"]["username"], "whale");
    assert_eq!(s[0].data["gifter_username"], "whale");
    event(
        &fake,
        json!({"kind": "gift", "anonymous": true, "count": 2, "both_names": false}),
    )
    .await;
    let body = one_webhook(&mut hooks, &v, "channel.subscription.gifts").await;
    let s = drain(&mut sock, short).await;
    assert_eq!(s.len(), 2, "{:?}", names(&s));
    assert_eq!(body["gifter"]["is_anonymous"], true);
    assert!(body["gifter"]["user_id"].is_null() && body["gifter"]["username"].is_null());
    assert_eq!(body["giftees"].as_array().unwrap().len(), 2);
    assert_eq!(s[0].data["gifter_username"], "Anonymous");

    // KICKs: the same sender, gift and instant on both sources; the
    // transaction id only on the socket (Kick's webhook has none).
    let r = event(
        &fake,
        json!({"kind": "kicks", "username": "fan", "count": 500, "text": "that clutch"}),
    )
    .await;
    let body = one_webhook(&mut hooks, &v, "kicks.gifted").await;
    let s = drain(&mut sock, short).await;
    assert_eq!(
        names(&s),
        [
            format!("KicksGifted@channel_{id}"),
            format!("KicksLeaderboardUpdated@channel_{id}")
        ]
    );
    let k = &s[0].data;
    let fan_id = body["sender"]["user_id"].clone();
    assert_eq!(k["gift_transaction_id"], r["gift_transaction_id"]);
    assert_eq!(k["sender"]["id"], body["sender"]["user_id"]);
    assert_eq!(k["gift"]["name"], body["gift"]["name"]);
    assert_eq!(k["gift"]["amount"], 500);
    assert_eq!(body["gift"]["amount"], 500);
    assert_eq!(body["gift"]["message"], "that clutch");
    assert_eq!(k["message"], "that clutch");
    assert_eq!(
        body["gift"]["pinned_time_seconds"],
        k["gift"]["pinned_time"]
    );
    assert_eq!(
        ts(&k["created_at"]).timestamp_millis(),
        ts(&body["created_at"]).timestamp_millis()
    );

    // A redemption: pending, its id in the webhook only.
    let r = event(
        &fake,
        json!({"kind": "reward", "username": "fan", "text": "Song request", "input": "lo-fi"}),
    )
    .await;
    let body = one_webhook(&mut hooks, &v, "channel.reward.redemption.updated").await;
    let s = drain(&mut sock, short).await;
    assert_eq!(
        names(&s),
        [format!("RewardRedeemedEvent@chatroom_{chatroom}")]
    );
    assert!(s[0].data.get("id").is_none());
    assert_eq!(s[0].data["reward_title"], "Song request");
    assert_eq!(s[0].data["user_input"], "lo-fi");
    assert_eq!(s[0].data["user_id"], body["redeemer"]["user_id"]);
    assert_eq!(body["id"], r["id"]);
    assert_eq!(body["status"], "pending");
    assert_eq!(body["reward"]["title"], "Song request");

    // A timeout by a moderator: the socket's UserBannedEvent comes from the
    // same announcement as the webhook.
    event(
        &fake,
        json!({"kind": "timeout", "username": "troll", "count": 5, "moderator": "modmolly"}),
    )
    .await;
    let body = one_webhook(&mut hooks, &v, "moderation.banned").await;
    let s = drain(&mut sock, short).await;
    assert_eq!(
        names(&s),
        [format!(
            r"App\Events\UserBannedEvent@chatrooms.{chatroom}.v2"
        )]
    );
    assert_eq!(s[0].data["duration"], 5);
    assert_eq!(s[0].data["user"]["id"], body["banned_user"]["user_id"]);
    assert_eq!(body["moderator"]["username"], "modmolly");
    let m = &body["metadata"];
    assert_eq!(
        (ts(&m["expires_at"]) - ts(&m["created_at"])).num_minutes(),
        5
    );
    event(&fake, json!({"kind": "ban", "username": "troll2"})).await;
    let body = one_webhook(&mut hooks, &v, "moderation.banned").await;
    assert!(body["metadata"]["expires_at"].is_null());
    assert_eq!(drain(&mut sock, short).await[0].data["permanent"], true);

    // Live, a title change while live, a host, offline.
    event(&fake, json!({"kind": "live", "count": 40})).await;
    let body = one_webhook(&mut hooks, &v, "livestream.status.updated").await;
    assert_eq!(body["is_live"], true);
    assert!(body["ended_at"].is_null());
    let s = drain(&mut sock, short).await;
    assert_eq!(
        names(&s),
        [format!(r"App\Events\StreamerIsLive@channel.{id}")]
    );
    event(
        &fake,
        json!({"kind": "metadata", "text": "New title", "category_id": 15}),
    )
    .await;
    let body = one_webhook(&mut hooks, &v, "livestream.metadata.updated").await;
    assert_eq!(body["metadata"]["title"], "New title");
    assert_eq!(body["metadata"]["category"]["name"], "Just Chatting");
    let s = drain(&mut sock, short).await;
    assert_eq!(
        names(&s),
        [format!(r"App\Events\LivestreamUpdated@channel.{id}")]
    );
    assert_eq!(s[0].data["livestream"]["session_title"], "New title");
    event(
        &fake,
        json!({"kind": "host", "username": "raider", "count": 30, "text": "hi"}),
    )
    .await;
    let s = drain(&mut sock, short).await;
    assert_eq!(
        names(&s),
        [
            format!(r"App\Events\StreamHostEvent@chatrooms.{chatroom}.v2"),
            format!(r"App\Events\StreamHostedEvent@chatrooms.{chatroom}")
        ]
    );
    let ch: Value = reqwest::get(format!("{}/_fake/channel", fake.api_base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ch["viewer_count"], 70, "the raiders arrive");
    event(&fake, json!({"kind": "offline"})).await;
    let body = one_webhook(&mut hooks, &v, "livestream.status.updated").await;
    assert_eq!(body["is_live"], false);
    assert!(ts(&body["ended_at"]) >= ts(&body["started_at"]));
    let s = drain(&mut sock, short).await;
    assert_eq!(
        names(&s),
        [format!(r"App\Events\StopStreamBroadcast@channel.{id}")]
    );

    // A chat line.
    let r = event(
        &fake,
        json!({"kind": "chat", "username": "fan", "text": "hello"}),
    )
    .await;
    let body = one_webhook(&mut hooks, &v, "chat.message.sent").await;
    let s = drain(&mut sock, short).await;
    assert_eq!(s[0].data["id"], r["message_id"]);
    assert_eq!(body["message_id"], r["message_id"]);
    // One viewer, one id, whatever they do.
    assert_eq!(body["sender"]["user_id"], fan_id);
    assert_eq!(s[0].data["sender"]["id"], fan_id);

    // Nothing else was delivered (a host has no webhook; no duplicates).
    quiet(&mut hooks, Duration::from_millis(200)).await;
}

#[tokio::test]
async fn deliveries_go_only_to_subscribed_types() {
    let fake = fake().await;
    let mut hooks = subscribed(&fake, &["kicks.gifted"]).await;
    event(&fake, json!({"kind": "follow", "username": "a"})).await;
    event(&fake, json!({"kind": "sub", "username": "b"})).await;
    event(
        &fake,
        json!({"kind": "kicks", "username": "c", "count": 100}),
    )
    .await;
    let (h, _) = next(&mut hooks).await;
    assert_eq!(h["Kick-Event-Type"], "kicks.gifted");
    quiet(&mut hooks, Duration::from_millis(200)).await;
}

async fn follow(fake: &RunningFake, who: &str) {
    event(fake, json!({"kind": "follow", "username": who})).await;
}

fn follower(body: &Bytes) -> String {
    let v: Value = serde_json::from_slice(body).unwrap();
    v["follower"]["username"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn webhook_knobs_do_what_they_say() {
    let fake = fake().await;
    let mut hooks = subscribed(&fake, &["channel.followed"]).await;
    let v = verifier(&fake);
    let settings = |body: Value| control(&fake, "/_fake/webhooks/settings", body);

    // Duplicates: the same delivery twice (same message id, body, signature).
    settings(json!({"duplicate_next": 1})).await;
    follow(&fake, "dup").await;
    let (h1, b1) = next(&mut hooks).await;
    let (h2, b2) = next(&mut hooks).await;
    assert_eq!(h1["Kick-Event-Message-Id"], h2["Kick-Event-Message-Id"]);
    assert_eq!(b1, b2);
    v.verify(&h1, &b1).await.unwrap();
    assert_eq!(
        v.verify(&h2, &b2).await.unwrap_err(),
        WebhookError::Duplicate
    );

    // Bad signature on the next one only.
    settings(json!({"bad_signature_next": 1})).await;
    follow(&fake, "forged").await;
    follow(&fake, "fine").await;
    let (h, b) = next(&mut hooks).await;
    assert_eq!(follower(&b), "forged");
    assert_eq!(
        v.verify(&h, &b).await.unwrap_err(),
        WebhookError::BadSignature
    );
    let (h, b) = next(&mut hooks).await;
    v.verify(&h, &b).await.unwrap();

    // A stale timestamp (validly signed) on the next two.
    settings(json!({"stale_next": 2})).await;
    for who in ["old1", "old2", "fresh"] {
        follow(&fake, who).await;
    }
    for _ in 0..2 {
        let (h, b) = next(&mut hooks).await;
        assert_eq!(v.verify(&h, &b).await.unwrap_err(), WebhookError::Stale);
        let signed = kick_api::webhook::signed_bytes(
            h["Kick-Event-Message-Id"].to_str().unwrap(),
            h["Kick-Event-Message-Timestamp"].to_str().unwrap(),
            &b,
        );
        let lenient = WebhookVerifier::with_key(fake.state.webhook_keys.public_pem())
            .unwrap()
            .max_skew(Duration::from_secs(3600));
        lenient.verify(&h, &b).await.expect("signed all the same");
        assert!(!signed.is_empty());
    }
    let (h, b) = next(&mut hooks).await;
    assert_eq!(follower(&b), "fresh");
    v.verify(&h, &b).await.unwrap();

    // The next three are delivered in reverse order.
    settings(json!({"reorder_next": 3})).await;
    for who in ["r1", "r2", "r3", "r4"] {
        follow(&fake, who).await;
    }
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(follower(&next(&mut hooks).await.1));
    }
    assert_eq!(got, ["r3", "r2", "r1", "r4"]);

    // A short batch is let go after a moment.
    settings(json!({"reorder_next": 5})).await;
    follow(&fake, "s1").await;
    follow(&fake, "s2").await;
    let t = std::time::Instant::now();
    let got = [
        follower(&next(&mut hooks).await.1),
        follower(&next(&mut hooks).await.1),
    ];
    assert_eq!(got, ["s2", "s1"]);
    assert!(t.elapsed() < Duration::from_secs(3));

    // A delay.
    let r = settings(json!({"delay_ms": 400})).await;
    assert_eq!(r["delay_ms"], 400);
    let t = std::time::Instant::now();
    follow(&fake, "late").await;
    let (_, b) = next(&mut hooks).await;
    assert_eq!(follower(&b), "late");
    assert!(
        t.elapsed() >= Duration::from_millis(380),
        "{:?}",
        t.elapsed()
    );

    // Clamped, not trusted.
    let r = settings(
        json!({"delay_ms": 1u64 << 50, "reorder_next": 4_000_000_000u32,
                            "duplicate_next": 4_000_000_000u32}),
    )
    .await;
    assert_eq!(r["delay_ms"], 60_000);
    assert_eq!(r["reorder_next"], 1_000);
    assert_eq!(r["duplicate_next"], 10_000);
}

async fn api(fake: &RunningFake, token: &str, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", fake.api_base()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn thirty_redemptions_accepted_and_rejected_in_two_calls() {
    let fake = fake().await;
    let mut hooks = subscribed(&fake, &["channel.reward.redemption.updated"]).await;
    let v = verifier(&fake);
    let token = fake.mint_user_token(&["channel:rewards:write"]);

    let r = control(&fake, "/_fake/redemptions/new", json!({"count": 30})).await;
    let ids: Vec<String> = r["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 30);
    for _ in 0..30 {
        let b = one_webhook(&mut hooks, &v, "channel.reward.redemption.updated").await;
        assert_eq!(b["status"], "pending");
    }

    // One id fails on the next call with the reason asked for.
    let r = control(
        &fake,
        "/_fake/redemptions/fail",
        json!({"id": ids[3], "reason": "UNKNOWN"}),
    )
    .await;
    assert_eq!(r["ok"], true);
    let r = api(
        &fake,
        &token,
        "/public/v1/channels/rewards/redemptions/accept",
        json!({"ids": ids[..25]}),
    )
    .await;
    assert_eq!(r["data"], json!([{"id": ids[3], "reason": "UNKNOWN"}]));
    let r = api(
        &fake,
        &token,
        "/public/v1/channels/rewards/redemptions/reject",
        json!({"ids": ids[25..]}),
    )
    .await;
    assert_eq!(r["data"], json!([]));
    // Already accepted: Kick's NOT_PENDING; the one that failed goes through now.
    let r = api(
        &fake,
        &token,
        "/public/v1/channels/rewards/redemptions/accept",
        json!({"ids": [ids[0], ids[3]]}),
    )
    .await;
    assert_eq!(r["data"], json!([{"id": ids[0], "reason": "NOT_PENDING"}]));

    let mut accepted = BTreeSet::new();
    let mut rejected = BTreeSet::new();
    for _ in 0..30 {
        let b = one_webhook(&mut hooks, &v, "channel.reward.redemption.updated").await;
        let id = b["id"].as_str().unwrap().to_owned();
        match b["status"].as_str().unwrap() {
            "accepted" => assert!(accepted.insert(id)),
            "rejected" => assert!(rejected.insert(id)),
            other => panic!("{other}"),
        }
    }
    quiet(&mut hooks, Duration::from_millis(200)).await;
    assert_eq!(accepted, ids[..25].iter().cloned().collect());
    assert_eq!(rejected, ids[25..].iter().cloned().collect());

    // The API sees the new states.
    let listed: Value = reqwest::Client::new()
        .get(format!(
            "{}/public/v1/channels/rewards/redemptions?status=rejected",
            fake.api_base()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let n: usize = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["redemptions"].as_array().unwrap().len())
        .sum();
    assert_eq!(n, 5);
}

#[tokio::test]
async fn control_routes_clamp_what_they_take() {
    let fake = fake().await;
    let r = event(
        &fake,
        json!({"kind": "gift", "username": "whale", "count": 1u64 << 40}),
    )
    .await;
    assert_eq!(r["count"], 500);
    let r = event(
        &fake,
        json!({"kind": "kicks", "username": "x", "count": u64::MAX}),
    )
    .await;
    assert_eq!(r["amount"], 1_000_000);
    let long = "x".repeat(100_000);
    let r = event(&fake, json!({"kind": "follow", "username": long})).await;
    let id = r["user_id"].as_u64().unwrap();
    assert_eq!(fake.state.world.lock().unwrap().users[&id].name.len(), 25);
    let r = control(
        &fake,
        "/_fake/redemptions/new",
        json!({"count": 1u64 << 40}),
    )
    .await;
    assert_eq!(r["ids"].as_array().unwrap().len(), 500);
    let r = control(
        &fake,
        "/_fake/evening",
        json!({"speed": 1e12, "trickle_secs": [0.0, 1e9]}),
    )
    .await;
    assert_eq!(r["speed"], 1000.0);
    assert_eq!(r["trickle_secs"], json!([1.0, 3600.0]));
    // Redemptions stay bounded however many arrive.
    for _ in 0..12 {
        control(&fake, "/_fake/redemptions/new", json!({"count": 500})).await;
    }
    let all: Value = reqwest::get(format!("{}/_fake/redemptions", fake.api_base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["redemptions"].as_array().unwrap().len(), 5_000);
}

#[test]
fn viewer_counts_of_a_long_stream_stay_believable() {
    use rand::SeedableRng;
    let mut w = kick_fake::world::World::seeded(1);
    let start = chrono::Utc::now();
    w.set_live(STREAMER_ID, true, start, 48);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut c = w.channels[&STREAMER_ID].clone();
    let (mut lo, mut hi) = (u64::MAX, 0);
    // Six hours at a 5 s tick.
    for i in 0..(6 * 720) {
        let now = start + chrono::Duration::seconds(5 * i);
        c.viewer_count = kick_fake::world::drift_viewers(&c, now, &mut rng);
        if i > 120 {
            lo = lo.min(c.viewer_count);
            hi = hi.max(c.viewer_count);
        }
    }
    assert!(lo >= 45 && hi <= 110, "{lo}..{hi}");
    assert!(hi - lo >= 8, "it moves: {lo}..{hi}");
}

#[tokio::test]
async fn the_demo_evening_plays_every_kind_and_stops_when_offline() {
    let fake = fake_with(FakeConfig {
        evening: Some(kick_fake::EveningConfig {
            speed: 100.0,
            ..Default::default()
        }),
        ..Default::default()
    })
    .await;
    let mut hooks = subscribed(&fake, ALL_TYPES).await;
    let v = verifier(&fake);
    let mut sock = socket(&fake);
    let started = std::time::Instant::now();
    assert_eq!(
        control(&fake, "/_fake/stream/live", json!({"viewers": 50})).await["changed"],
        true
    );
    // The opening takes ~100 s of evening time: about a second here.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let pubs = drain(&mut sock, Duration::from_millis(50)).await;
    let mut types = Vec::new();
    let mut bodies = Vec::new();
    while let Ok(Some((h, b))) =
        tokio::time::timeout(Duration::from_millis(300), hooks.recv()).await
    {
        let d = v.verify(&h, &b).await.expect("signed");
        let body: Value = serde_json::from_slice(&b).unwrap();
        check_body(&d.event_type, &body);
        types.push(d.event_type.clone());
        bodies.push((d.event_type, body));
    }
    for t in ALL_TYPES {
        assert!(types.iter().any(|x| x == t), "no {t} in {types:?}");
    }
    let has = |ev: &str| pubs.iter().filter(|p| p.event == ev).count();
    assert!(has("GoalProgressUpdateEvent") >= 5);
    assert_eq!(
        has(r"App\Events\FollowersUpdated"),
        0,
        "follows are unnamed on the socket"
    );
    assert!(has(r"App\Events\SubscriptionEvent") >= 3);
    assert!(
        pubs.iter()
            .any(|p| p.event == r"App\Events\SubscriptionEvent"
                && p.data["months"].as_u64() > Some(1))
    );
    assert!(
        pubs.iter()
            .any(|p| p.event == "GiftedSubscriptionsEvent"
                && p.data["gifter_username"] == "Anonymous")
    );
    assert!(
        pubs.iter()
            .any(|p| p.event == "GiftedSubscriptionsEvent"
                && p.data["gifter_username"] != "Anonymous")
    );
    // Gifts of different sizes with messages (a 50-KICK "Hell Yeah" of the
    // trickle has no room for one).
    let amounts: BTreeSet<u64> = pubs
        .iter()
        .filter(|p| p.event == "KicksGifted" && p.data["message"] != "")
        .map(|p| p.data["gift"]["amount"].as_u64().unwrap())
        .collect();
    assert!(amounts.len() >= 3, "{amounts:?}");
    assert!(has("RewardRedeemedEvent") >= 2);
    assert!(has(r"App\Events\StreamHostEvent") >= 1);
    assert!(pubs
        .iter()
        .any(|p| p.event == r"App\Events\UserBannedEvent" && p.data["permanent"] == false));
    assert!(bodies
        .iter()
        .any(|(t, b)| t == "channel.subscription.gifts" && b["gifter"]["is_anonymous"] == true));
    assert!(bodies
        .iter()
        .any(|(t, b)| t == "channel.reward.redemption.updated" && b["status"] == "pending"));
    let played = fake.metrics()["evening_actions"].as_u64().unwrap();
    assert!(played >= 20, "{played}");

    // Offline: it stops at once, also over what would be minutes of trickle.
    control(&fake, "/_fake/stream/offline", json!({})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after = fake.metrics()["evening_actions"].as_u64().unwrap();
    drain(&mut sock, Duration::from_millis(50)).await;
    while tokio::time::timeout(Duration::from_millis(200), hooks.recv())
        .await
        .is_ok()
    {}
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(fake.metrics()["evening_actions"], after);
    let late = drain(&mut sock, Duration::from_millis(50)).await;
    assert!(late.is_empty(), "{:?}", names(&late));
    quiet(&mut hooks, Duration::from_millis(100)).await;

    // The next stream plays a new evening; switching it off stops it.
    control(&fake, "/_fake/stream/live", json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(fake.metrics()["evening_actions"].as_u64().unwrap() > after);
    let s = control(&fake, "/_fake/evening", json!({"on": false})).await;
    assert_eq!(s["on"], false);
    let frozen = fake.metrics()["evening_actions"].clone();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(fake.metrics()["evening_actions"], frozen);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn the_evening_is_off_unless_asked_for() {
    let fake = fake().await;
    let mut sock = socket(&fake);
    control(&fake, "/_fake/stream/live", json!({})).await;
    control(&fake, "/_fake/evening", json!({"speed": 200})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.metrics()["evening_actions"], 0);
    let pubs = drain(&mut sock, Duration::from_millis(50)).await;
    assert_eq!(
        names(&pubs).len(),
        1,
        "only the live event: {:?}",
        names(&pubs)
    );
    // Switched on while live: the evening starts.
    control(&fake, "/_fake/evening", json!({"on": true})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(fake.metrics()["evening_actions"].as_u64().unwrap() > 0);
}
