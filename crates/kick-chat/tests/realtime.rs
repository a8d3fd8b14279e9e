//! The negotiated client against the fake's realtime service on 127.0.0.1:
//! descriptors, tokens, the Centrifugo socket and its faults, both
//! transports' events and twins, and cuts under load.

mod common;
use common::*;
use kick_chat::{spawn, ChatEvent, ConnectionState, Transport, TransportChoice};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn negotiation_picks_centrifugo_when_offered() {
    let fake = fake().await;
    let (h, mut rx) = spawn(config(&fake, TransportChoice::Auto));
    let (transport, fallback) = connected(&mut rx, &fake).await;
    assert_eq!(transport, Transport::Centrifugo);
    assert_eq!(fallback, None);
    let id = say(&fake, "hello [emote:37226:KEKW]");
    match next_where(&mut rx, "message", |e| matches!(e, ChatEvent::Message(_))).await {
        ChatEvent::Message(m) => {
            assert_eq!(m.id, id);
            assert_eq!(m.spans.len(), 2);
            assert_eq!(m.chatroom_id, fake.info.chatroom_id);
        }
        _ => unreachable!(),
    }
    // One client id for the global descriptor, the chat descriptor and the
    // token; both providers offered.
    let bodies = fake.state.negotiation.bodies.lock().unwrap().clone();
    let kinds: Vec<&str> = bodies.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["descriptor", "chat_descriptor", "token"]);
    let id0 = bodies[0].1["client"]["id"].as_str().unwrap();
    assert_eq!(bodies[1].1["client"]["id"], id0);
    assert_eq!(bodies[2].1["client_id"], id0);
    assert_eq!(
        bodies[0].1["capabilities"]["accepted_providers"],
        json!([{"provider": "pusher"}, {"provider": "centrifugo"}])
    );
    // All five channels and the predictions one.
    for ch in [
        format!("chatrooms.{}.v2", fake.info.chatroom_id),
        format!("chatrooms.{}", fake.info.chatroom_id),
        format!("chatroom_{}", fake.info.chatroom_id),
        format!("channel.{}", fake.info.channel_id),
        format!("channel_{}", fake.info.channel_id),
        format!("predictions-channel-{}", fake.info.channel_id),
    ] {
        assert_eq!(fake.state.realtime.subscribers(&ch), 1, "{ch}");
    }
    assert_eq!(h.stats.get(&h.stats.connects), 1);
}

/// A cut 500 ms after every (re)connect under 200 msg/s on Centrifugo, with
/// the latest messages replayed around each cut: every message once.
/// `KICK_CHAT_SOAK_SECS` / `KICK_CHAT_CUT_MS` lengthen it (default 4 s).
#[tokio::test]
async fn centrifugo_cuts_under_load_lose_nothing_and_give_no_duplicates() {
    let (secs, cut_ms) = soak_env();
    let fake = fake().await;
    let (cuts, ms) = soak(
        &fake,
        TransportChoice::Centrifugo,
        Duration::from_secs(secs),
        Duration::from_millis(cut_ms),
        200.0,
        500,
    )
    .await;
    assert!(cuts >= 2, "cuts: {cuts}");
    eprintln!("centrifugo soak: {cuts} cuts, reconnect ms {ms:?}");
}

#[tokio::test]
async fn negotiation_picks_pusher_when_only_pusher_is_offered() {
    let fake = fake().await;
    // Upper-case names and no `mode`, as in older shapes: still understood.
    control(
        &fake,
        "/_fake/realtime/descriptor",
        json!({"offer": ["pusher"], "upper_case": true, "mode": null}),
    )
    .await;
    let (_h, mut rx) = spawn(config(&fake, TransportChoice::Auto));
    let (transport, fallback) = connected(&mut rx, &fake).await;
    assert_eq!(transport, Transport::Pusher);
    assert_eq!(fallback, None, "the key came from the descriptor");
    let id = say(&fake, "over pusher");
    next_where(
        &mut rx,
        "message",
        |e| matches!(e, ChatEvent::Message(m) if m.id == id),
    )
    .await;
    // Pusher needs no token.
    assert_eq!(
        fake.state
            .negotiation
            .token_requests
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[tokio::test]
async fn a_forced_transport_is_the_only_one_offered() {
    let fake = fake().await;
    let (_h, mut rx) = spawn(config(&fake, TransportChoice::Pusher));
    assert_eq!(connected(&mut rx, &fake).await.0, Transport::Pusher);
    let bodies = fake.state.negotiation.bodies.lock().unwrap().clone();
    assert_eq!(
        bodies[0].1["capabilities"]["accepted_providers"],
        json!([{"provider": "pusher"}])
    );
}

#[tokio::test]
async fn a_failing_descriptor_falls_back_to_pusher_and_recovers() {
    for failure in ["503", "html403", "hang"] {
        let fake = fake().await;
        control(
            &fake,
            "/_fake/realtime/descriptor",
            json!({"fail": failure}),
        )
        .await;
        let mut cfg = config(&fake, TransportChoice::Auto);
        cfg.http_timeout = Duration::from_millis(300);
        let (h, mut rx) = spawn(cfg);
        let (transport, fallback) = connected(&mut rx, &fake).await;
        assert_eq!(transport, Transport::Pusher, "{failure}");
        let why = fallback.expect("on the fallback");
        match failure {
            "503" => assert!(why.contains("HTTP 503"), "{why}"),
            "html403" => assert!(why.contains("Cloudflare"), "{why}"),
            _ => assert!(why.contains("unreachable"), "{why}"),
        }
        let before = say(&fake, "before the switch");
        next_where(
            &mut rx,
            "message",
            |e| matches!(e, ChatEvent::Message(m) if m.id == before),
        )
        .await;
        // Kick answers again: the client switches to Centrifugo by itself.
        control(&fake, "/_fake/realtime/descriptor", json!({})).await;
        let (transport, fallback) = connected(&mut rx, &fake).await;
        assert_eq!(transport, Transport::Centrifugo, "{failure}");
        assert_eq!(fallback, None);
        // A history refill after the switch repeats the last line: shown once.
        control(&fake, "/_fake/realtime/replay", json!({"count": 5})).await;
        let after = say(&fake, "after the switch");
        let got = drain(&mut rx, Duration::from_millis(400)).await;
        let ids: Vec<&str> = got
            .iter()
            .filter_map(|e| match e {
                ChatEvent::Message(m) => Some(m.id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(ids, [after.as_str()], "{failure}");
        assert!(h.stats.get(&h.stats.duplicates) >= 1);
    }
}

#[tokio::test]
async fn a_provider_we_do_not_implement_is_said_plainly() {
    for (offer, words) in [(json!(["ably"]), "ably"), (json!([]), "no chat transport")] {
        let fake = fake().await;
        control(&fake, "/_fake/realtime/descriptor", json!({"offer": offer})).await;
        let (h, mut rx) = spawn(config(&fake, TransportChoice::Auto));
        match next_where(&mut rx, "stopped", |e| {
            matches!(e, ChatEvent::State(ConnectionState::Stopped { .. }))
        })
        .await
        {
            ChatEvent::State(ConnectionState::Stopped { reason }) => {
                assert!(reason.contains(words), "{reason}");
                assert!(reason.contains("does not support"), "{reason}");
            }
            _ => unreachable!(),
        }
        assert_eq!(h.stats.get(&h.stats.negotiations), 1, "no retry loop");
    }
}

#[tokio::test]
async fn a_refused_token_is_said_and_retried_then_pusher_meanwhile() {
    let fake = fake().await;
    control(&fake, "/_fake/realtime/token", json!({"fail": "403"})).await;
    let mut cfg = config(&fake, TransportChoice::Auto);
    cfg.fallback_after = 2;
    let (_h, mut rx) = spawn(cfg);
    let (_, reason) = next_reconnect(&mut rx).await;
    assert!(
        reason.contains("Kick refused the chat token (HTTP 403)"),
        "{reason}"
    );
    // After two refusals: Kick's old Pusher values, while asking again.
    let (transport, fallback) = connected(&mut rx, &fake).await;
    assert_eq!(transport, Transport::Pusher);
    assert!(fallback.unwrap().contains("refused the chat token"));
    control(&fake, "/_fake/realtime/token", json!({})).await;
    assert_eq!(connected(&mut rx, &fake).await.0, Transport::Centrifugo);
}

#[tokio::test]
async fn origin_kick_com_or_none_is_accepted_another_is_refused() {
    let fake = fake().await;
    for origin in [Some("https://kick.com"), None] {
        let mut cfg = config(&fake, TransportChoice::Centrifugo);
        cfg.origin = origin.map(str::to_owned);
        let (_h, mut rx) = spawn(cfg);
        assert_eq!(connected(&mut rx, &fake).await.0, Transport::Centrifugo);
    }
    let mut cfg = config(&fake, TransportChoice::Centrifugo);
    cfg.origin = Some("chrome-extension://abc".into());
    let (h, mut rx) = spawn(cfg);
    let (in_ms, reason) = next_reconnect(&mut rx).await;
    assert!(reason.contains("HTTP 403"), "{reason}");
    assert!(reason.contains("as a new client"), "{reason}");
    assert_eq!(in_ms, 1500, "the long wait, not a tight loop");
    assert_eq!(h.stats.get(&h.stats.connects), 0);
}

fn ok(v: &serde_json::Value) {
    assert_eq!(v["ok"], true, "{v}");
}

async fn centrifugo_client(
    fake: &kick_fake::RunningFake,
) -> (
    kick_chat::ChatHandle,
    tokio::sync::mpsc::Receiver<ChatEvent>,
) {
    let (h, mut rx) = spawn(config(fake, TransportChoice::Centrifugo));
    assert_eq!(connected(&mut rx, fake).await.0, Transport::Centrifugo);
    (h, rx)
}

fn ids_of(events: &[ChatEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Message(m) => Some(m.id.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_token_is_refreshed_mid_stream_without_losing_a_message() {
    let fake = fake_with(kick_fake::FakeConfig {
        realtime_token_ttl: Duration::from_secs(3),
        ..Default::default()
    })
    .await;
    // Grace after expiry is short: a missed refresh would close the socket.
    control(
        &fake,
        "/_fake/centrifugo/settings",
        json!({"expire_grace_ms": 800}),
    )
    .await;
    let (h, mut rx) = centrifugo_client(&fake).await;
    let mut sent = Vec::new();
    let mut got = Vec::new();
    for i in 0..50 {
        sent.push(say(&fake, &format!("line {i}")));
        got.extend(drain(&mut rx, Duration::from_millis(100)).await);
    }
    got.extend(drain(&mut rx, Duration::from_millis(300)).await);
    assert_eq!(ids_of(&got), sent, "every message, in order, once");
    // 5 s on 3 s tokens: refreshed (at ttl − 1 s, same client id), never reconnected.
    assert!(h.stats.get(&h.stats.refreshes) >= 2, "refreshes");
    assert_eq!(h.stats.get(&h.stats.connects), 1);
    assert_eq!(h.stats.get(&h.stats.reconnects), 0);
    let bodies = fake.state.negotiation.bodies.lock().unwrap().clone();
    let tokens: Vec<_> = bodies.iter().filter(|(k, _)| k == "token").collect();
    assert!(tokens.len() >= 3);
    assert!(tokens
        .iter()
        .all(|(_, b)| b["client_id"] == tokens[0].1["client_id"]));
}

#[tokio::test]
async fn a_refused_refresh_keeps_the_connection_until_expiry_then_reconnects() {
    let fake = fake_with(kick_fake::FakeConfig {
        realtime_token_ttl: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    control(
        &fake,
        "/_fake/centrifugo/settings",
        json!({"expire_grace_ms": 500}),
    )
    .await;
    control(
        &fake,
        "/_fake/realtime/token",
        json!({"ttl_secs": 2, "fail": "500", "refresh_only": true}),
    )
    .await;
    let t0 = tokio::time::Instant::now();
    let (h, mut rx) = centrifugo_client(&fake).await;
    // Kept while refreshes fail; the fake closes with 3005 after ttl + grace.
    let (in_ms, reason) = next_reconnect(&mut rx).await;
    let up = t0.elapsed();
    assert!(
        up >= Duration::from_millis(2300),
        "kept until expiry: {up:?}"
    );
    assert!(reason.contains("3005"), "{reason}");
    assert!(
        in_ms < 1500,
        "3005 reconnects with the normal backoff, not the long wait"
    );
    assert!(h.stats.get(&h.stats.refresh_failures) >= 1);
    // A new client with a new token.
    assert_eq!(connected(&mut rx, &fake).await.0, Transport::Centrifugo);
    assert_eq!(h.stats.get(&h.stats.negotiations), 2);
}

#[tokio::test]
async fn reconnect_codes_reconnect_and_terminal_codes_wait_long_as_a_new_client() {
    let fake = fake().await;
    let (h, mut rx) = centrifugo_client(&fake).await;
    for code in [3000u16, 3001, 3012, 4000] {
        ok(&control(
            &fake,
            "/_fake/centrifugo/close",
            json!({"code": code, "reason": "x"}),
        )
        .await);
        let (in_ms, reason) = next_reconnect(&mut rx).await;
        assert!(reason.contains(&code.to_string()), "{reason}");
        assert!(in_ms < 1500, "{code}: {in_ms}");
        assert!(!reason.contains("new client"), "{reason}");
        connected(&mut rx, &fake).await;
    }
    // The same through a `disconnect` push instead of a close frame.
    control(
        &fake,
        "/_fake/centrifugo/disconnect",
        json!({"code": 3001, "reason": "shutdown"}),
    )
    .await;
    let (in_ms, _) = next_reconnect(&mut rx).await;
    assert!(in_ms < 1500);
    connected(&mut rx, &fake).await;
    // Terminal: 5, 10, 20, 30 min in real life (1.5 s, 3 s here), new client id.
    for (code, wait) in [(3500u16, 1500u64), (3502, 1500)] {
        control(
            &fake,
            "/_fake/centrifugo/close",
            json!({"code": code, "reason": "no"}),
        )
        .await;
        let (in_ms, reason) = next_reconnect(&mut rx).await;
        assert_eq!(in_ms, wait, "{code}");
        assert!(reason.contains("as a new client"), "{reason}");
        connected(&mut rx, &fake).await;
    }
    assert_eq!(h.stats.get(&h.stats.reconnects), 7, "one wait per close");
    assert_eq!(h.stats.get(&h.stats.connects), 8);
}

/// A frame's events go to the receiver together; a frame that ends the
/// connection (here: messages, then a `disconnect` push, in one frame)
/// still delivers what came before the end, and before the reconnect.
#[tokio::test]
async fn messages_in_the_frame_that_ends_the_connection_still_arrive_first() {
    let fake = fake().await;
    let (h, mut rx) = centrifugo_client(&fake).await;
    let room = format!("chatrooms.{}.v2", fake.info.chatroom_id);
    let publication = |id: &str| {
        let data = json!({
            "id": id, "chatroom_id": fake.info.chatroom_id, "content": "last words",
            "type": "message", "created_at": "2026-12-07T20:00:00+00:00",
            "sender": {"id": 1, "username": "a", "slug": "a", "identity": {"color": "#fff", "badges": []}},
        });
        json!({"push": {"channel": room, "pub": {"data": {
            "event": "App\\Events\\ChatMessageEvent", "data": data.to_string(),
        }}}})
        .to_string()
    };
    let text = [
        publication("before-1"),
        publication("before-2"),
        json!({"push": {"disconnect": {"code": 3001, "reason": "shutdown"}}}).to_string(),
        publication("after"),
    ]
    .join("\n");
    ok(&control(&fake, "/_fake/centrifugo/raw", json!({ "text": text })).await);
    let mut seen = Vec::new();
    loop {
        let ev = next_where(&mut rx, "the messages, then the reconnect", |e| {
            reconnecting(e) || matches!(e, ChatEvent::Message(_))
        })
        .await;
        match ev {
            ChatEvent::Message(m) => seen.push(m.id),
            _ => break,
        }
    }
    assert_eq!(
        seen,
        ["before-1", "before-2"],
        "in order, before the reconnect; nothing after the end"
    );
    connected(&mut rx, &fake).await;
    assert_eq!(h.stats.get(&h.stats.messages), 2);
}

#[tokio::test]
async fn terminal_refusals_in_a_row_never_loop_tightly() {
    let fake = fake().await;
    // Every connection is refused its chat channel (error 103).
    let room = format!("chatrooms.{}.v2", fake.info.chatroom_id);
    control(
        &fake,
        "/_fake/centrifugo/settings",
        json!({"refuse_channels": [room]}),
    )
    .await;
    let (h, mut rx) = spawn(config(&fake, TransportChoice::Centrifugo));
    let (first, reason) = next_reconnect(&mut rx).await;
    assert!(reason.contains("103"), "{reason}");
    let (second, _) = next_reconnect(&mut rx).await;
    assert_eq!((first, second), (1500, 3000), "growing long waits");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        fake.state
            .realtime
            .centrifugo_total
            .load(std::sync::atomic::Ordering::Relaxed),
        2
    );
    assert_eq!(h.stats.get(&h.stats.connects), 0);
}

#[tokio::test]
async fn a_server_that_accepts_and_drops_gets_a_growing_backoff() {
    let fake = fake().await;
    let mut cfg = config(&fake, TransportChoice::Centrifugo);
    cfg.stable_after = Duration::from_secs(10);
    let (h, mut rx) = spawn(cfg);
    let mut waits = Vec::new();
    for _ in 0..4 {
        connected(&mut rx, &fake).await;
        control(&fake, "/_fake/centrifugo/drop", json!({})).await;
        waits.push(next_reconnect(&mut rx).await.0);
    }
    // 100·2^(n−1) ms ± 25 %: 75–125, 150–250, 300–500, 600–1000.
    for (i, w) in waits.iter().enumerate() {
        let base = 100u64 << i;
        assert!(
            *w >= base * 3 / 4 && *w <= base * 5 / 4,
            "wait {i}: {w} ({waits:?})"
        );
    }
    assert_eq!(h.stats.get(&h.stats.connects), 4);
}

#[tokio::test]
async fn pings_are_answered_and_a_silent_server_is_detected() {
    let fake = fake_with(kick_fake::FakeConfig {
        centrifugo: kick_fake::centrifugo::CentrifugoSettings {
            ping_ms: 300,
            pong_timeout_ms: 1000,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let (h, mut rx) = centrifugo_client(&fake).await;
    // We answer pings: nothing happens for a while.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(h.stats.get(&h.stats.reconnects), 0, "pings answered");
    // Silence: no pings, no frames; dead after ping (1 s, rounded up) + margin.
    control(&fake, "/_fake/centrifugo/silence", json!({"on": true})).await;
    let t0 = tokio::time::Instant::now();
    let (_, reason) = next_reconnect(&mut rx).await;
    assert!(reason.contains("no ping"), "{reason}");
    assert!(t0.elapsed() < Duration::from_secs(3));
    control(&fake, "/_fake/centrifugo/silence", json!({"on": false})).await;
    connected(&mut rx, &fake).await;
}

#[tokio::test]
async fn frames_are_batched_both_ways() {
    let fake = fake().await;
    let (h, mut rx) = centrifugo_client(&fake).await;
    let frames0 = h.stats.get(&h.stats.frames);
    ok(&control(&fake, "/_fake/realtime/burst", json!({"count": 300})).await);
    let got = drain(&mut rx, Duration::from_millis(400)).await;
    assert_eq!(ids_of(&got).len(), 300);
    let frames = h.stats.get(&h.stats.frames) - frames0;
    assert!(
        frames < 300,
        "several pushes per frame: {frames} frames for 300 messages"
    );
    let hub = &fake.state.realtime;
    use std::sync::atomic::Ordering::Relaxed;
    assert!(
        hub.centrifugo_batched_frames.load(Relaxed) >= 1,
        "our subscribes went in one frame"
    );
    assert!(hub.centrifugo_batched_out.load(Relaxed) >= 1);
}

#[tokio::test]
async fn object_data_compaction_and_broken_lines_are_understood() {
    let fake = fake().await;
    control(
        &fake,
        "/_fake/centrifugo/settings",
        json!({"data_as_object": true, "compaction": true}),
    )
    .await;
    let (h, mut rx) = centrifugo_client(&fake).await;
    let id = say(&fake, "object data, by compaction id");
    next_where(
        &mut rx,
        "message",
        |e| matches!(e, ChatEvent::Message(m) if m.id == id),
    )
    .await;
    control(&fake, "/_fake/centrifugo/malformed", json!({})).await;
    control(
        &fake,
        "/_fake/centrifugo/raw",
        json!({"text": "[]\n{\"push\":{}}\n{\"id\":999,\"subscribe\":{}}\n{\"push\":{\"channel\":\"nope\",\"join\":{}}}"}),
    )
    .await;
    let id = say(&fake, "still here");
    next_where(
        &mut rx,
        "message",
        |e| matches!(e, ChatEvent::Message(m) if m.id == id),
    )
    .await;
    assert!(h.stats.get(&h.stats.malformed) >= 2);
    assert_eq!(
        h.stats.get(&h.stats.connects),
        1,
        "no reconnect for bad lines"
    );
}

#[tokio::test]
async fn unsubscribe_pushes_resubscribe_or_reconnect() {
    let fake = fake().await;
    let (h, mut rx) = centrifugo_client(&fake).await;
    let room = format!("chatrooms.{}.v2", fake.info.chatroom_id);
    let pred = format!("predictions-channel-{}", fake.info.channel_id);
    // 2500: subscribe again, same connection.
    control(
        &fake,
        "/_fake/centrifugo/unsubscribe",
        json!({"channel": room, "code": 2500}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let id = say(&fake, "after resubscribe");
    next_where(
        &mut rx,
        "message",
        |e| matches!(e, ChatEvent::Message(m) if m.id == id),
    )
    .await;
    // 2000 on a side channel: stay unsubscribed, keep the connection.
    control(
        &fake,
        "/_fake/centrifugo/unsubscribe",
        json!({"channel": pred, "code": 2000}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.stats.get(&h.stats.reconnects), 0);
    // 2000 on the chat channel: chat would go silent, so reconnect.
    control(
        &fake,
        "/_fake/centrifugo/unsubscribe",
        json!({"channel": room, "code": 2000}),
    )
    .await;
    let (_, reason) = next_reconnect(&mut rx).await;
    assert!(reason.contains("unsubscribed"), "{reason}");
    connected(&mut rx, &fake).await;

    // 2500 again, but Kick keeps answering the subscribe with a temporary
    // error: not "connected" forever with no chat, a new connection within
    // the connect timeout (2 s here).
    set_busy(&fake, std::slice::from_ref(&room)).await;
    control(
        &fake,
        "/_fake/centrifugo/unsubscribe",
        json!({"channel": room, "code": 2500}),
    )
    .await;
    let t = std::time::Instant::now();
    let (_, reason) = next_reconnect(&mut rx).await;
    assert!(
        reason.contains("did not take the chat channel back"),
        "{reason}"
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    set_busy(&fake, &[]).await;
    connected(&mut rx, &fake).await;
    let id = say(&fake, "after the rejoin");
    next_where(
        &mut rx,
        "message",
        |e| matches!(e, ChatEvent::Message(m) if m.id == id),
    )
    .await;
}

/// The chat channels the fake's Centrifugo answers with a temporary error.
async fn set_busy(fake: &kick_fake::RunningFake, channels: &[String]) {
    let mut s: serde_json::Value =
        reqwest::get(format!("{}/_fake/centrifugo/settings", fake.api_base()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    s["busy_channels"] = json!(channels);
    control(fake, "/_fake/centrifugo/settings", s).await;
}

/// Every real action of REALTIME.md §d.2, triggered at the fake with all
/// the events Kick sends for it (twins, both gift names, chunks), arrives
/// typed and once, on either transport.
async fn every_event_once(choice: TransportChoice) {
    let fake = fake().await;
    let (h, mut rx) = spawn(config(&fake, choice));
    connected(&mut rx, &fake).await;
    let mut ids = serde_json::Map::new();
    for (kind, extra) in [
        ("chat", json!({"text": "hello"})),
        ("delete", json!({"message_id": "m-1"})),
        ("ban", json!({"username": "troll"})),
        ("timeout", json!({"username": "spammer", "count": 5})),
        ("unban", json!({"username": "troll"})),
        ("sub", json!({"username": "newbie", "count": 1})),
        ("sub", json!({"username": "veteran", "count": 6})),
        (
            "gift",
            json!({"username": "whale", "count": 120, "chunk": 50}),
        ),
        ("gift", json!({"username": "minnow", "count": 2})),
        (
            "kicks",
            json!({"username": "fan", "count": 1000, "text": "for the stream"}),
        ),
        (
            "host",
            json!({"username": "raider", "count": 42, "text": "go say hi"}),
        ),
        ("follow", json!({"username": "lurker"})),
        ("poll", json!({"text": "Next game?"})),
        ("poll_delete", json!({})),
        ("pin", json!({"text": "rules in the panel"})),
        ("unpin", json!({})),
        ("chatroom_updated", json!({"count": 3})),
        ("clear", json!({})),
        ("reward", json!({"username": "fan", "text": "Hydrate!"})),
        ("prediction", json!({"message_id": "p-1"})),
        ("prediction_update", json!({"message_id": "p-1"})),
        ("live", json!({"count": 10})),
        ("viewers", json!({"count": 99})),
        ("offline", json!({})),
    ] {
        let mut body = extra.clone();
        body["kind"] = json!(kind);
        let r = control(&fake, "/_fake/realtime/event", body).await;
        ok(&r);
        ids.insert(format!("{kind}-{}", ids.len()), r);
    }
    let got = drain(&mut rx, Duration::from_millis(600)).await;
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for e in &got {
        *counts.entry(kind(e)).or_default() += 1;
    }
    let expect: std::collections::BTreeMap<String, usize> = [
        ("message", 2), // the chat line and the resub's celebration line
        ("message_deleted", 1),
        ("user_banned", 2),
        ("user_unbanned", 1),
        ("subscription", 2),
        ("gifted_subscriptions", 2),
        ("kicks_gifted", 1),
        ("host", 1),
        ("follow", 1),
        ("goal_progress", 1),
        ("poll", 1),
        ("poll_deleted", 1),
        ("pinned", 1),
        ("unpinned", 1),
        ("chatroom_updated", 1),
        ("chat_cleared", 1),
        ("reward_redeemed", 1),
        ("prediction", 2),
        ("live", 2),
        ("viewers", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_owned(), n))
    .collect();
    assert_eq!(counts, expect, "{choice:?}");
    // What an activity feed needs, with Kick's ids.
    let find = |k: &'static str| got.iter().filter(move |e| kind(e) == k);
    let gifts: Vec<_> = find("gifted_subscriptions").collect();
    match gifts[0] {
        ChatEvent::GiftedSubscriptions {
            gift_id,
            gifter,
            count,
            recipients,
            ..
        } => {
            assert_eq!(
                (gifter.as_str(), *count, recipients.len()),
                ("whale", 120, 120)
            );
            assert_eq!(gift_id.as_deref(), ids["gift-7"]["correlation_id"].as_str());
        }
        _ => unreachable!(),
    }
    assert!(matches!(
        gifts[1],
        ChatEvent::GiftedSubscriptions {
            count: 2,
            gift_id: None,
            ..
        }
    ));
    match find("kicks_gifted").next().unwrap() {
        ChatEvent::KicksGifted {
            gift_transaction_id,
            amount,
            name,
            message,
            sender,
            ..
        } => {
            assert_eq!(
                Some(gift_transaction_id.as_str()),
                ids["kicks-9"]["gift_transaction_id"].as_str()
            );
            assert_eq!(
                (*amount, name.as_str(), message.as_str(), sender.as_str()),
                (1000, "Pack It Up", "for the stream", "fan")
            );
        }
        _ => unreachable!(),
    }
    assert!(find("subscription").any(
        |e| matches!(e, ChatEvent::Subscription { username, months: 6 } if username == "veteran")
    ));
    assert!(find("host").any(
        |e| matches!(e, ChatEvent::Host { viewers: 42, message: Some(m), .. } if m == "go say hi")
    ));
    assert!(find("user_banned").any(|e| matches!(
        e,
        ChatEvent::UserBanned {
            permanent: false,
            duration_minutes: Some(5),
            ..
        }
    )));
    assert!(find("reward_redeemed").any(|e| matches!(e, ChatEvent::RewardRedeemed { reward_title, user_input, .. } if reward_title == "Hydrate!" && !user_input.is_empty())));
    assert!(find("prediction").any(|e| matches!(e, ChatEvent::Prediction { id, state, winning_outcome_id: Some(_), .. } if id == "p-1" && state == "RESOLVED")));
    assert!(
        find("poll").any(|e| matches!(e, ChatEvent::Poll { options, .. } if options.len() == 2))
    );
    assert!(find("goal_progress").any(
        |e| matches!(e, ChatEvent::GoalProgress { kind, target: 2000, .. } if kind == "followers")
    ));
    assert!(find("chatroom_updated")
        .any(|e| matches!(e, ChatEvent::ChatroomUpdated(m) if m.slow_mode_interval == Some(3))));
    assert!(find("viewers").any(|e| matches!(e, ChatEvent::Viewers { viewers: 99 })));
    // Twins recognised, not unknown: 3 per sub, lucky users ×2, the KICKs
    // leaderboard, the host's StreamHostedEvent; the gifts' second names
    // (3 chunks + 1) and the pin and unpin on the channel's channel too
    // (2) are repeats.
    assert_eq!(h.stats.get(&h.stats.twins), 10, "{choice:?}");
    assert_eq!(h.stats.get(&h.stats.duplicates), 6, "{choice:?}");
    assert_eq!(h.stats.get(&h.stats.unknown_events), 0);
    assert_eq!(h.stats.get(&h.stats.malformed), 0);
}

#[tokio::test]
async fn every_event_arrives_typed_and_once_over_centrifugo() {
    every_event_once(TransportChoice::Centrifugo).await;
}

#[tokio::test]
async fn every_event_arrives_typed_and_once_over_pusher() {
    every_event_once(TransportChoice::Pusher).await;
}

#[tokio::test]
async fn unknown_events_are_counted_and_skipped() {
    let fake = fake().await;
    let (h, mut rx) = centrifugo_client(&fake).await;
    let room = format!("chatrooms.{}.v2", fake.info.chatroom_id);
    control(
        &fake,
        "/_fake/realtime/raw",
        json!({"channel": room, "event": r"App\Events\BrandNewEvent", "data": {"x": 1}}),
    )
    .await;
    let id = say(&fake, "after the unknown");
    next_where(
        &mut rx,
        "message",
        |e| matches!(e, ChatEvent::Message(m) if m.id == id),
    )
    .await;
    assert_eq!(h.stats.get(&h.stats.unknown_events), 1);
    assert_eq!(h.stats.get(&h.stats.connects), 1);
}

#[tokio::test]
async fn oversized_messages_are_refused_and_a_hung_upgrade_times_out() {
    let fake = fake().await;
    let (h, mut rx) = centrifugo_client(&fake).await;
    // 1.1 MiB in one frame: over the 1 MiB limit, the socket is dropped.
    let big = format!(
        "{{\"push\":{{\"channel\":\"x\",\"join\":{{\"pad\":\"{}\"}}}}}}",
        "a".repeat(1_150_000)
    );
    control(&fake, "/_fake/centrifugo/raw", json!({"text": big})).await;
    let (_, reason) = next_reconnect(&mut rx).await;
    assert!(reason.contains("connection lost"), "{reason}");
    connected(&mut rx, &fake).await;
    assert_eq!(h.stats.get(&h.stats.connects), 2);

    // A server that accepts TCP and never answers the upgrade.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut keep = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            keep.push(s);
        }
    });
    let mut cfg = fixed_pusher(&fake);
    cfg.pusher_url = Some(format!("ws://127.0.0.1:{port}/app/k?protocol=7"));
    cfg.connect_timeout = Duration::from_millis(300);
    let (_h, mut rx) = spawn(cfg);
    let t0 = tokio::time::Instant::now();
    let (_, reason) = next_reconnect(&mut rx).await;
    assert!(reason.contains("timed out"), "{reason}");
    assert!(t0.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn the_chat_descriptors_region_is_the_one_used() {
    let fake = fake().await;
    // The chat descriptor names another host ("region") than the global one.
    control(
        &fake,
        "/_fake/realtime/descriptor",
        json!({"other_region_channels": [fake.info.channel_id]}),
    )
    .await;
    let (_h, _rx) = {
        let (h, mut rx) = spawn(config(&fake, TransportChoice::Auto));
        assert_eq!(connected(&mut rx, &fake).await.0, Transport::Centrifugo);
        (h, rx)
    };
    let hosts = fake.state.centrifugo.hosts.lock().unwrap().clone();
    assert_eq!(hosts.len(), 1);
    assert!(hosts[0].starts_with("localhost:"), "{hosts:?}");
}

#[tokio::test]
async fn the_first_implemented_provider_wins_and_untrusted_servers_are_skipped() {
    // Both offered, Pusher first: the server's order is kept.
    let fake = fake().await;
    control(
        &fake,
        "/_fake/realtime/descriptor",
        json!({"offer": ["ably", "pusher", "centrifugo"], "answer_all": true}),
    )
    .await;
    let (_h, mut rx) = spawn(config(&fake, TransportChoice::Auto));
    assert_eq!(connected(&mut rx, &fake).await, (Transport::Pusher, None));

    // A Centrifugo URL on a foreign host is not trusted: Pusher fallback, said why.
    let fake = fake_with(Default::default()).await;
    control(
        &fake,
        "/_fake/realtime/descriptor",
        json!({"offer": ["centrifugo"], "centrifugo_url": "wss://evil.example.com/connection/websocket"}),
    )
    .await;
    let (_h, mut rx) = spawn(config(&fake, TransportChoice::Auto));
    let (transport, why) = connected(&mut rx, &fake).await;
    assert_eq!(transport, Transport::Pusher);
    assert!(why.unwrap().contains("does not trust"));
}

#[tokio::test]
async fn forced_centrifugo_keeps_negotiating_while_kick_fails() {
    let fake = fake().await;
    control(&fake, "/_fake/realtime/descriptor", json!({"fail": "503"})).await;
    let (h, mut rx) = spawn(config(&fake, TransportChoice::Centrifugo));
    let (_, reason) = next_reconnect(&mut rx).await;
    assert!(
        reason.contains("Kick's chat service answered with an error (HTTP 503), retrying in"),
        "{reason}"
    );
    next_reconnect(&mut rx).await;
    control(&fake, "/_fake/realtime/descriptor", json!({})).await;
    assert_eq!(connected(&mut rx, &fake).await.0, Transport::Centrifugo);
    assert!(h.stats.get(&h.stats.negotiations) >= 3);
}

/// The benchmarks' flood (`/_fake/realtime/flood`) publishes faster than a
/// socket can write, paced by the hub's buffer: with a buffer of 64 and
/// 5,000 messages, every client still gets every message once, in order,
/// and the hub records no socket falling behind.
#[tokio::test]
async fn a_flood_arrives_whole_and_in_order_on_both_transports() {
    for choice in [TransportChoice::Centrifugo, TransportChoice::Pusher] {
        let fake = fake_with(kick_fake::FakeConfig {
            realtime_buffer: 64,
            ..Default::default()
        })
        .await;
        let (h, mut rx) = spawn(config(&fake, choice));
        connected(&mut rx, &fake).await;
        let sent = control(&fake, "/_fake/realtime/flood", json!({"count": 5000})).await;
        assert_eq!(sent["ok"], true, "{sent}");
        assert_eq!(sent["sent"], 5000, "{sent}");
        let mut ids = Vec::new();
        while ids.len() < 5000 {
            match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
                Ok(Some(ChatEvent::Message(m))) => {
                    // Message i says the generator's line i: in order.
                    let line = kick_fake::feed::LINES[ids.len() % kick_fake::feed::LINES.len()];
                    assert_eq!(m.content, line, "{choice:?}: message {}", ids.len());
                    ids.push(m.id);
                }
                Ok(Some(_)) => {}
                other => panic!("{choice:?}: {} of 5000, then {other:?}", ids.len()),
            }
        }
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), 5000, "{choice:?}: ids repeat");
        assert_eq!(
            fake.state
                .realtime
                .lagged
                .load(std::sync::atomic::Ordering::Relaxed),
            0,
            "{choice:?}: a socket fell behind the hub"
        );
        assert_eq!(h.stats.get(&h.stats.duplicates), 0, "{choice:?}");
        h.stop();
    }
}
