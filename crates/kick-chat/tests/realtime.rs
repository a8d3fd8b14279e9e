//! The negotiated client against the fake's realtime service on 127.0.0.1:
//! descriptors, tokens, the Centrifugo socket and its faults, both
//! transports' events and twins, and cuts under load.

mod common;
use common::*;
use kick_chat::{spawn, ChatEvent, Transport, TransportChoice};
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
