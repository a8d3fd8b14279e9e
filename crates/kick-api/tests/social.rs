//! Chat, moderation, KICKs, rewards and redemptions against the fake.

mod common;

use common::*;
use kick_api::endpoints::chat::{ChatAs, ChatSend};
use kick_api::endpoints::rewards::{
    FailureReason, RedemptionQuery, RedemptionStatus, RewardFields,
};
use kick_api::{scopes, Error, MessageId, UserId};
use kick_fake::STREAMER_ID;

const ME: UserId = UserId(STREAMER_ID);
const VIEWER: UserId = UserId(7_300_002); // a seeded chatter

fn say(text: &str) -> ChatSend {
    ChatSend {
        sender: ChatAs::User { broadcaster: ME },
        content: text.into(),
        reply_to: None,
    }
}

#[tokio::test]
async fn chat_send_reply_delete_and_the_event_stream() {
    let fake = fake().await;
    let c = user_client(
        &fake,
        &[scopes::CHAT_WRITE, scopes::MODERATION_CHAT_MESSAGE_MANAGE],
    );
    let mut events = fake.state.events.subscribe();
    let sent = c.send_chat(&say("hello chat")).await.unwrap();
    assert!(sent.is_sent);
    assert!(uuid::Uuid::parse_str(sent.message_id.as_str()).is_ok());
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.event_type, "chat.message.sent");
    assert_eq!(ev.payload["content"], "hello chat");
    assert_eq!(ev.payload["sender"]["username"], "DemoStreamer");

    let reply = c
        .send_chat(&ChatSend {
            reply_to: Some(sent.message_id.clone()),
            ..say("replying")
        })
        .await
        .unwrap();
    let ev = events.recv().await.unwrap();
    assert_eq!(
        ev.payload["replies_to"]["message_id"],
        sent.message_id.as_str()
    );
    assert_ne!(reply.message_id, sent.message_id);

    // Bots write into the token user's channel.
    c.send_chat(&ChatSend {
        sender: ChatAs::Bot,
        content: "bot here".into(),
        reply_to: None,
    })
    .await
    .unwrap();
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.broadcaster_user_id, STREAMER_ID);
    assert_eq!(ev.payload["sender"]["username"], "KickstandBot");

    c.delete_chat_message(&sent.message_id).await.unwrap();
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.event_type, "chat.message.deleted");
    let err = c.delete_chat_message(&sent.message_id).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    let err = c
        .delete_chat_message(&MessageId::from("00000000-0000-4000-8000-000000000000"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn chat_refusals_and_faults() {
    let fake = fake().await;
    // Too long: refused before sending.
    let c = user_client(&fake, &[scopes::CHAT_WRITE]);
    let before = fake.metrics()["api_requests"].as_u64().unwrap();
    let err = c.send_chat(&say(&"x".repeat(501))).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }));
    assert_eq!(fake.metrics()["api_requests"].as_u64().unwrap(), before);

    // No chat:write: 403.
    let ro = user_client(&fake, &[scopes::USER_READ]);
    assert_eq!(
        ro.send_chat(&say("hi")).await.unwrap_err().status(),
        Some(403)
    );
    // Deleting needs its own scope.
    let sent = c.send_chat(&say("keep me")).await.unwrap();
    assert_eq!(
        c.delete_chat_message(&sent.message_id)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );

    // 429 twice, then it goes through (backoff); the message is posted once.
    control(
        &fake,
        "/_fake/chat/faults",
        serde_json::json!({"next_429": 2}),
    )
    .await;
    let mut events = fake.state.events.subscribe();
    c.send_chat(&say("after a storm")).await.unwrap();
    assert_eq!(
        events.recv().await.unwrap().payload["content"],
        "after a storm"
    );
    assert!(events.try_recv().is_err(), "posted exactly once");

    // Kick's known bot 500: a clear server error, not retried (could double-post).
    control(
        &fake,
        "/_fake/chat/faults",
        serde_json::json!({"bot_500": true}),
    )
    .await;
    let err = c
        .send_chat(&ChatSend {
            sender: ChatAs::Bot,
            content: "bot".into(),
            reply_to: None,
        })
        .await
        .unwrap_err();
    match err {
        Error::Server {
            status: 500,
            attempts,
            ..
        } => assert_eq!(attempts, 1),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn ban_timeout_unban() {
    let fake = fake().await;
    let c = user_client(&fake, &[scopes::MODERATION_BAN]);
    let mut events = fake.state.events.subscribe();
    c.timeout(ME, VIEWER, 10, Some("calm down")).await.unwrap();
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.event_type, "moderation.banned");
    assert_eq!(ev.payload["banned_user"]["user_id"], VIEWER.0);
    assert_eq!(ev.payload["metadata"]["reason"], "calm down");
    assert!(ev.payload["metadata"]["expires_at"].is_string());

    c.ban(ME, VIEWER, None).await.unwrap();
    let ev = events.recv().await.unwrap();
    assert!(ev.payload["metadata"]["expires_at"].is_null(), "permanent");

    // Unban goes as a JSON body on DELETE and lifts the ban.
    c.unban(ME, VIEWER).await.unwrap();
    assert_eq!(
        events.recv().await.unwrap().event_type,
        "moderation.unbanned"
    );
    let err = c.unban(ME, VIEWER).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "not banned any more");

    // Out of range durations never leave the client; the fake refuses them too.
    assert!(matches!(
        c.timeout(ME, VIEWER, 0, None).await,
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        c.timeout(ME, VIEWER, 10_081, None).await,
        Err(Error::Validation { .. })
    ));
    let token = fake.mint_user_token(&[scopes::MODERATION_BAN]);
    let r = reqwest::Client::new()
        .post(format!("{}/public/v1/moderation/bans", fake.api_base()))
        .bearer_auth(token)
        .json(&serde_json::json!({"broadcaster_user_id": STREAMER_ID, "user_id": VIEWER.0, "duration": 20000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Unknown users and missing scope.
    assert_eq!(
        c.ban(ME, UserId(1), None).await.unwrap_err().status(),
        Some(404)
    );
    let no = user_client(&fake, &[scopes::CHAT_WRITE]);
    let err = no.ban(ME, VIEWER, None).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Forbidden {
                missing_scope: Some(scopes::MODERATION_BAN),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_banned_user_cannot_chat() {
    let fake = fake().await;
    let streamer = user_client(&fake, &[scopes::MODERATION_BAN]);
    let viewer_token = fake.mint_user_token_for(VIEWER.0, &[scopes::CHAT_WRITE]);
    streamer.timeout(ME, VIEWER, 5, None).await.unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/public/v1/chat", fake.api_base()))
        .bearer_auth(viewer_token)
        .json(&serde_json::json!({"type": "user", "broadcaster_user_id": STREAMER_ID, "content": "let me in"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn kicks_leaderboard() {
    let fake = fake().await;
    let c = user_client(&fake, &[scopes::KICKS_READ]);
    let lb = c.kicks_leaderboard(5).await.unwrap();
    assert_eq!(lb.lifetime.len(), 5);
    assert_eq!(lb.lifetime[0].rank, 1);
    assert!(lb
        .lifetime
        .windows(2)
        .all(|w| w[0].gifted_amount >= w[1].gifted_amount));
    assert!(c.kicks_leaderboard(101).await.is_err());
    let no = user_client(&fake, &[scopes::USER_READ]);
    assert_eq!(
        no.kicks_leaderboard(5).await.unwrap_err().status(),
        Some(403)
    );
}

#[tokio::test]
async fn rewards_crud_and_limits() {
    let fake = fake().await;
    let c = user_client(&fake, &[scopes::CHANNEL_REWARDS_WRITE]);
    let seeded = c.rewards().await.unwrap();
    assert_eq!(seeded.len(), 2);
    let r = c
        .create_reward(&RewardFields {
            title: Some("Pick the next game".into()),
            cost: Some(2500),
            is_user_input_required: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(r.background_color, "#00e701", "Kick's default colour");
    let r2 = c
        .update_reward(
            &r.id,
            &RewardFields {
                is_paused: Some(true),
                cost: Some(3000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(r2.is_paused);
    assert_eq!(r2.cost, 3000);
    c.delete_reward(&r.id).await.unwrap();
    assert_eq!(
        c.delete_reward(&r.id).await.unwrap_err().status(),
        Some(404)
    );

    // 15 per channel.
    for i in 0..13 {
        c.create_reward(&RewardFields {
            title: Some(format!("R{i}")),
            cost: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let err = c
        .create_reward(&RewardFields {
            title: Some("one too many".into()),
            cost: Some(1),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let ro = user_client(&fake, &[scopes::CHANNEL_REWARDS_READ]);
    assert_eq!(ro.rewards().await.unwrap().len(), 15);
    let err = ro
        .create_reward(&RewardFields {
            title: Some("x".into()),
            cost: Some(1),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Forbidden {
                missing_scope: Some(scopes::CHANNEL_REWARDS_WRITE),
                ..
            }
        ),
        "a login without the scope: {err:?}"
    );
}

/// A 403 the login's scopes do not explain is Kick not allowing the action:
/// the error names no missing scope (a new login would change nothing).
#[tokio::test]
async fn a_reward_another_app_made_is_not_ours_to_change() {
    let fake = fake().await;
    let c = user_client(&fake, &[scopes::CHANNEL_REWARDS_WRITE]);
    let made_elsewhere = fake.add_reward_made_elsewhere("Made on kick.com", 300);
    let theirs = c
        .rewards()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id.0 == made_elsewhere)
        .expect("listed");
    let err = c
        .update_reward(
            &theirs.id,
            &RewardFields {
                cost: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    match &err {
        Error::Forbidden {
            missing_scope: None,
            message,
            ..
        } => assert!(message.contains("Only the app that created"), "{message}"),
        other => panic!("expected a 403 with the scope held, got {other:?}"),
    }
    let err = c.delete_reward(&theirs.id).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Forbidden {
                missing_scope: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn redemptions_page_accept_and_reject() {
    let fake = fake().await;
    let c = user_client(&fake, &[scopes::CHANNEL_REWARDS_WRITE]);
    let mut q = RedemptionQuery::default();
    let mut pending = Vec::new();
    // Page through with a tiny limit via the raw cursor.
    let first = c.redemptions(&q).await.unwrap();
    for g in &first.data {
        assert!(g.reward.can_manage);
        pending.extend(g.redemptions.iter().cloned());
    }
    assert_eq!(pending.len(), 6);
    assert!(pending
        .iter()
        .all(|r| r.status == RedemptionStatus::Pending));
    assert!(first.next_cursor.is_none());

    let mut events = fake.state.events.subscribe();
    let ids: Vec<_> = pending.iter().take(2).map(|r| r.id.clone()).collect();
    let failures = c.accept_redemptions(&ids).await.unwrap();
    assert!(failures.is_empty());
    assert_eq!(
        events.recv().await.unwrap().event_type,
        "channel.reward.redemption.updated"
    );
    let again = c.accept_redemptions(&ids[..1]).await.unwrap();
    assert_eq!(again[0].reason, FailureReason::NotPending);
    let rejected = c
        .reject_redemptions(&[pending[2].id.clone()])
        .await
        .unwrap();
    assert!(rejected.is_empty());
    let missing = c
        .reject_redemptions(&["01NOTAREALREDEMPTION00000".into()])
        .await
        .unwrap();
    assert_eq!(missing[0].reason, FailureReason::NotFound);

    q.status = Some(RedemptionStatus::Accepted);
    let accepted: usize = c
        .redemptions(&q)
        .await
        .unwrap()
        .data
        .iter()
        .map(|g| g.redemptions.len())
        .sum();
    assert_eq!(accepted, 2);
    // ids cannot be combined with other filters.
    q.ids = ids;
    assert!(matches!(
        c.redemptions(&q).await,
        Err(Error::Validation { .. })
    ));

    let token = fake.mint_user_token(&[scopes::CHANNEL_REWARDS_READ]);
    let (status, body) = raw_get(
        &fake,
        "/public/v1/channels/rewards/redemptions?limit=2",
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert!(!body["pagination"]["next_cursor"]
        .as_str()
        .unwrap()
        .is_empty());
}
