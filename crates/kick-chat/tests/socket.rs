//! The chat client against the fake's Pusher endpoint on 127.0.0.1, with a
//! fixed Pusher URL (no negotiation), as before Kick negotiated transports.

mod common;
use common::*;
use kick_chat::{spawn, ChatEvent, ConnectionState, TransportChoice};
use kick_fake::social::{chatter, post_message};
use kick_fake::{FakeConfig, RunningFake, STREAMER_ID};
use serde_json::json;
use std::time::Duration;

async fn fake_activity(activity: u64) -> RunningFake {
    fake_with(FakeConfig {
        pusher_activity_timeout: activity,
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn messages_sent_through_the_api_arrive_typed() {
    let fake = fake_activity(120).await;
    let (_h, mut rx) = spawn(fixed_pusher(&fake));
    connected(&mut rx, &fake).await;
    let first = say(&fake, "hello [emote:37226:KEKW]");
    let reply = post_message(
        &fake.state,
        STREAMER_ID,
        &chatter(2),
        "answer",
        Some(&first),
    );
    match next_where(&mut rx, "message", |e| matches!(e, ChatEvent::Message(_))).await {
        ChatEvent::Message(m) => {
            assert_eq!(m.id, first);
            assert_eq!(m.chatroom_id, fake.info.chatroom_id);
            assert_eq!(m.spans.len(), 2);
            assert!(m.sender.color.starts_with('#'));
            assert!(m.created_at.is_some());
        }
        _ => unreachable!(),
    }
    match next_where(&mut rx, "reply", |e| matches!(e, ChatEvent::Message(_))).await {
        ChatEvent::Message(m) => {
            assert_eq!(m.id, reply);
            assert_eq!(m.kind, "reply");
            assert_eq!(
                m.reply_to.as_ref().map(|r| r.0.as_str()),
                Some(first.as_str())
            );
        }
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn every_event_type_is_parsed() {
    let fake = fake_activity(120).await;
    let (h, mut rx) = spawn(fixed_pusher(&fake));
    connected(&mut rx, &fake).await;
    let room = format!("chatrooms.{}.v2", fake.info.chatroom_id);
    let chan = format!("channel.{}", fake.info.channel_id);
    let cases = vec![
        (
            room.clone(),
            r"App\Events\MessageDeletedEvent",
            json!({"id":"x","message":{"id":"m1"},"aiModerated":false,"violatedRules":[]}),
        ),
        (
            room.clone(),
            r"App\Events\UserBannedEvent",
            json!({"id":"b","user":{"id":11,"username":"Bob","slug":"bob"},"banned_by":{"id":0},"permanent":false,"duration":3,"expires_at":"2025-09-15T21:16:02+00:00"}),
        ),
        (
            room.clone(),
            r"App\Events\UserUnbannedEvent",
            json!({"id":"u","user":{"id":11,"username":"Bob","slug":"bob"},"unbanned_by":{"id":9},"permanent":true}),
        ),
        (
            room.clone(),
            r"App\Events\PinnedMessageCreatedEvent",
            json!({"message":{"id":"p1","chatroom_id":1,"content":"pin","type":"message","created_at":"2025-09-15T20:56:04+00:00","sender":{"id":1,"username":"a","slug":"a","identity":{"color":"#fff","badges":[]}}},"duration":"1200"}),
        ),
        (
            room.clone(),
            r"App\Events\PinnedMessageDeletedEvent",
            json!([]),
        ),
        (
            room.clone(),
            r"App\Events\SubscriptionEvent",
            json!({"chatroom_id":1,"username":"Fan","months":18}),
        ),
        (
            room.clone(),
            "GiftedSubscriptionsEvent",
            json!({"chatroom_id":1,"gifted_usernames":["a","b"],"gifter_username":"Whale","gifter_total":2300}),
        ),
        (
            room.clone(),
            r"App\Events\StreamHostEvent",
            json!({"chatroom_id":1,"optional_message":null,"number_viewers":30,"host_username":"Raider"}),
        ),
        (
            chan.clone(),
            "KicksGifted",
            json!({"gift_transaction_id":"e","message":"gg","sender":{"id":3,"username":"Gifter"},"gift":{"gift_id":"pack_it_up","name":"Pack It Up","amount":1000,"type":"LEVEL_UP","tier":"MID"}}),
        ),
        (
            chan.clone(),
            r"App\Events\StreamerIsLive",
            json!({"livestream":{"id":777,"channel_id":1,"session_title":"hi","source":null,"created_at":"2025-09-15T21:12:45.000000Z"}}),
        ),
        (
            chan.clone(),
            r"App\Events\StopStreamBroadcast",
            json!({"livestream":{"id":777,"channel":{"id":1,"is_banned":false}}}),
        ),
        (
            room.clone(),
            r"App\Events\ChatroomUpdatedEvent",
            json!({"id":1,"slow_mode":{"enabled":true,"message_interval":1}}),
        ),
        (
            room.clone(),
            r"App\Events\ChatroomClearEvent",
            json!({"id":1}),
        ),
        (
            room.clone(),
            r"App\Events\SomethingNewEvent",
            json!({"id":1}),
        ),
    ];
    for (channel, event, data) in &cases {
        fake.state.realtime.publish(channel.clone(), event, data);
    }
    let mut got = Vec::new();
    while got.len() < cases.len() - 1 {
        let ev = next_where(&mut rx, "an event", |e| !matches!(e, ChatEvent::State(_))).await;
        got.push(ev);
    }
    assert!(matches!(&got[0], ChatEvent::MessageDeleted { message_id, .. } if message_id == "m1"));
    assert!(matches!(
        &got[1],
        ChatEvent::UserBanned {
            user_id: 11,
            permanent: false,
            duration_minutes: Some(3),
            expires_at: Some(_),
            ..
        }
    ));
    assert!(matches!(
        &got[2],
        ChatEvent::UserUnbanned { user_id: 11, .. }
    ));
    assert!(matches!(
        &got[3],
        ChatEvent::Pinned {
            message: Some(_),
            ..
        }
    ));
    assert!(matches!(&got[4], ChatEvent::Unpinned));
    assert!(matches!(
        &got[5],
        ChatEvent::Subscription { months: 18, .. }
    ));
    assert!(matches!(
        &got[6],
        ChatEvent::GiftedSubscriptions { count: 2, .. }
    ));
    assert!(matches!(&got[7], ChatEvent::Host { viewers: 30, .. }));
    assert!(matches!(
        &got[8],
        ChatEvent::KicksGifted { amount: 1000, .. }
    ));
    assert!(matches!(&got[9], ChatEvent::Live { live: true, .. }));
    assert!(matches!(&got[10], ChatEvent::Live { live: false, .. }));
    assert!(matches!(&got[11], ChatEvent::ChatroomUpdated(_)));
    assert!(matches!(&got[12], ChatEvent::ChatCleared));
    // The unknown one was counted and skipped, the connection kept.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(h.stats.get(&h.stats.unknown_events), 1);
}

#[tokio::test]
async fn close_codes_decide_the_reconnect() {
    let fake = fake_activity(120).await;
    let (h, mut rx) = spawn(fixed_pusher(&fake));
    connected(&mut rx, &fake).await;

    // 4200s: at once.
    control(&fake, "/_fake/pusher/close", json!({"code": 4200})).await;
    match next_where(&mut rx, "reconnecting", |e| {
        matches!(e, ChatEvent::State(ConnectionState::Reconnecting { .. }))
    })
    .await
    {
        ChatEvent::State(ConnectionState::Reconnecting { in_ms, .. }) => assert_eq!(in_ms, 0),
        _ => unreachable!(),
    }
    connected(&mut rx, &fake).await;

    // 4100s: back off at least a second (capped by our 1.5 s maximum).
    control(&fake, "/_fake/pusher/close", json!({"code": 4100})).await;
    match next_where(&mut rx, "backoff", |e| {
        matches!(e, ChatEvent::State(ConnectionState::Reconnecting { .. }))
    })
    .await
    {
        ChatEvent::State(ConnectionState::Reconnecting { in_ms, .. }) => {
            assert!(in_ms >= 1000, "{in_ms}")
        }
        _ => unreachable!(),
    }
    connected(&mut rx, &fake).await;

    // A TCP drop without a close frame: jittered backoff, then back.
    control(&fake, "/_fake/pusher/drop", json!({})).await;
    next_where(&mut rx, "reconnect after drop", |e| {
        matches!(e, ChatEvent::State(ConnectionState::Reconnecting { .. }))
    })
    .await;
    connected(&mut rx, &fake).await;
    let id = say(&fake, "still here");
    next_where(
        &mut rx,
        "message after reconnects",
        |e| matches!(e, ChatEvent::Message(m) if m.id == id),
    )
    .await;

    // 4000s: stop, with the reason.
    control(
        &fake,
        "/_fake/pusher/close",
        json!({"code": 4009, "reason": "Unauthorized"}),
    )
    .await;
    match next_where(&mut rx, "stopped", |e| {
        matches!(e, ChatEvent::State(ConnectionState::Stopped { .. }))
    })
    .await
    {
        ChatEvent::State(ConnectionState::Stopped { reason }) => {
            assert!(reason.contains("4009"), "{reason}")
        }
        _ => unreachable!(),
    }
    assert_eq!(h.stats.get(&h.stats.connects), 4);
}

#[tokio::test]
async fn an_unknown_app_key_is_refused_without_retrying() {
    let fake = fake_activity(120).await;
    let mut cfg = fixed_pusher(&fake);
    cfg.pusher_url = cfg
        .pusher_url
        .map(|u| u.replace(kick_fake::pusher::FAKE_PUSHER_KEY, "wrongkey"));
    let (_h, mut rx) = spawn(cfg);
    match next_where(&mut rx, "stopped", |e| {
        matches!(e, ChatEvent::State(ConnectionState::Stopped { .. }))
    })
    .await
    {
        ChatEvent::State(ConnectionState::Stopped { reason }) => {
            assert!(reason.contains("4001"), "{reason}")
        }
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_silent_server_is_detected_by_our_ping() {
    let fake = fake_activity(1).await; // activity_timeout 1 s
    let (_h, mut rx) = spawn(fixed_pusher(&fake));
    connected(&mut rx, &fake).await;
    control(&fake, "/_fake/pusher/silence", json!({"on": true})).await;
    match next_where(&mut rx, "reconnecting", |e| {
        matches!(e, ChatEvent::State(ConnectionState::Reconnecting { .. }))
    })
    .await
    {
        ChatEvent::State(ConnectionState::Reconnecting { reason, .. }) => {
            assert!(reason.contains("no answer"), "{reason}")
        }
        _ => unreachable!(),
    }
    control(&fake, "/_fake/pusher/silence", json!({"on": false})).await;
    connected(&mut rx, &fake).await;
}

#[tokio::test]
async fn malformed_frames_are_survived() {
    let fake = fake_activity(120).await;
    let (h, mut rx) = spawn(fixed_pusher(&fake));
    connected(&mut rx, &fake).await;
    control(&fake, "/_fake/pusher/malformed", json!({})).await;
    let room = format!("chatrooms.{}.v2", fake.info.chatroom_id);
    // Valid JSON, but a chat message without its required fields.
    fake.state.realtime.publish(
        room,
        r"App\Events\ChatMessageEvent",
        &json!({"content": "no id"}),
    );
    let id = say(&fake, "after the garbage");
    next_where(
        &mut rx,
        "message",
        |e| matches!(e, ChatEvent::Message(m) if m.id == id),
    )
    .await;
    // The broken frame and the message without an id.
    assert_eq!(h.stats.get(&h.stats.malformed), 2);
    assert_eq!(
        h.stats.get(&h.stats.connects),
        1,
        "no reconnect for a bad frame"
    );
}

/// A cut 500 ms after every (re)connect under 200 msg/s of chat, with the
/// latest messages replayed around each cut (as a history refill after a
/// reconnect would): every message arrives, none twice, reconnects never
/// stop. `KICK_CHAT_SOAK_SECS` / `KICK_CHAT_CUT_MS` lengthen it (default 4 s).
#[tokio::test]
async fn cuts_under_load_lose_nothing_and_give_no_duplicates() {
    let (secs, cut_ms) = soak_env();
    let fake = fake_activity(120).await;
    let (cuts, _) = soak(
        &fake,
        TransportChoice::Pusher,
        Duration::from_secs(secs),
        Duration::from_millis(cut_ms),
        200.0,
        500,
    )
    .await;
    assert!(cuts >= 2, "cuts: {cuts}");
}

#[tokio::test]
async fn duplicated_support_events_show_once() {
    let fake = fake_activity(120).await;
    let (h, mut rx) = spawn(fixed_pusher(&fake));
    connected(&mut rx, &fake).await;
    control(
        &fake,
        "/_fake/pusher/support",
        json!({"kind": "sub", "username": "Fan", "count": 6}),
    )
    .await;
    control(
        &fake,
        "/_fake/pusher/support",
        json!({"kind": "gift", "username": "Whale", "count": 3}),
    )
    .await;
    control(
        &fake,
        "/_fake/pusher/support",
        json!({"kind": "host", "username": "Raider", "count": 42}),
    )
    .await;
    let mut got = Vec::new();
    while got.len() < 3 {
        // The resub's celebration line is chat text, not a second sub.
        got.push(
            next_where(&mut rx, "support", |e| {
                !matches!(e, ChatEvent::State(_) | ChatEvent::Message(_))
            })
            .await,
        );
    }
    assert!(
        matches!(&got[0], ChatEvent::Subscription { username, months: 6 } if username == "Fan")
    );
    assert!(matches!(
        &got[1],
        ChatEvent::GiftedSubscriptions { count: 3, .. }
    ));
    assert!(matches!(&got[2], ChatEvent::Host { viewers: 42, .. }));
    // The twins are recognised and skipped: a sub's three (channel sub,
    // new-subscriber update, legacy info line), the gift's lucky-users and
    // its second name, the host's legacy StreamHostedEvent.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(h.stats.get(&h.stats.twins), 5);
    assert_eq!(h.stats.get(&h.stats.duplicates), 1, "the gift's other name");
    assert_eq!(h.stats.get(&h.stats.unknown_events), 0);
    while let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
        assert!(
            matches!(ev, ChatEvent::Message(ref m) if m.kind == "celebration"),
            "shown twice: {ev:?}"
        );
    }
}
