//! Chat messages, bans, event subscriptions, rewards, redemptions and the
//! KICKs leaderboard: the state behind `api::{chat, moderation, events,
//! kicks, rewards}`.
//!
//! Contract with the rest of the fake (the webhook deliverer and the Pusher
//! socket both listen on `Fake::events`):
//! - a chat message (sent through the API or by the demo chatter) is stored
//!   here and announced as `chat.message.sent` with the webhook body of
//!   API.md §5.6;
//! - a deleted message is announced as the internal event
//!   `chat.message.deleted` with `{"message_id": ..}`;
//! - a ban/timeout is announced as `moderation.banned` (§5.6 body), an unban
//!   as the internal event `moderation.unbanned` with
//!   `{"broadcaster": {..}, "banned_user": {"user_id", "username"}}`.
//!
//! Internal events (not in API.md §5.5) are never delivered as webhooks.

use crate::state::Fake;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Webhook event types Kick delivers (API.md §5.5).
pub const WEBHOOK_EVENT_TYPES: &[&str] = &[
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

#[derive(Clone, Debug)]
pub struct ChatMessage {
    pub message_id: String,
    pub broadcaster_user_id: u64,
    pub sender_user_id: u64,
    pub sender_username: String,
    pub content: String,
    pub reply_to: Option<String>,
    pub created_at: DateTime<Utc>,
    pub deleted: bool,
}

/// Who writes a message.
#[derive(Clone, Debug)]
pub struct Chatter {
    pub user_id: u64,
    pub username: String,
    pub color: String,
    /// Pusher/webhook badge types, e.g. `broadcaster`, `moderator`, `subscriber`.
    pub badges: Vec<String>,
}

#[derive(Default, Debug)]
pub struct Social {
    /// Every chat message by id (bounded by the demo's lifetime; tests are short).
    pub messages: HashMap<String, ChatMessage>,
}

/// A webhook `EventUser` (API.md §5.6).
pub fn event_user(user_id: u64, username: &str, identity: Option<Value>) -> Value {
    json!({
        "is_anonymous": false,
        "user_id": user_id,
        "username": username,
        "is_verified": false,
        "profile_picture": format!("https://files.kick.com/images/user/{user_id}/profile_image/default.webp"),
        "channel_slug": username.to_lowercase(),
        "identity": identity,
    })
}

/// Stores a chat message and announces it (`chat.message.sent`). Returns its UUID.
pub fn post_message(
    fake: &Fake,
    broadcaster_user_id: u64,
    sender: &Chatter,
    content: &str,
    reply_to: Option<&str>,
) -> String {
    let message_id = uuid::Uuid::new_v4().to_string();
    let now = Utc::now();
    let (payload, _) = {
        let mut world = fake.world.lock().unwrap();
        let broadcaster_name = world
            .users
            .get(&broadcaster_user_id)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let replies_to = reply_to
            .and_then(|id| world.social.messages.get(id))
            .map(|m| {
                json!({
                    "message_id": m.message_id,
                    "content": m.content,
                    "sender": event_user(m.sender_user_id, &m.sender_username, None),
                })
            });
        let badges: Vec<Value> = sender
            .badges
            .iter()
            .map(|b| json!({"text": b, "type": b}))
            .collect();
        let payload = json!({
            "message_id": message_id,
            "replies_to": replies_to,
            "broadcaster": event_user(broadcaster_user_id, &broadcaster_name, None),
            "sender": event_user(sender.user_id, &sender.username,
                Some(json!({"username_color": sender.color, "badges": badges}))),
            "content": content,
            "emotes": [],
            "created_at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
        world.social.messages.insert(
            message_id.clone(),
            ChatMessage {
                message_id: message_id.clone(),
                broadcaster_user_id,
                sender_user_id: sender.user_id,
                sender_username: sender.username.clone(),
                content: content.to_owned(),
                reply_to: reply_to.map(str::to_owned),
                created_at: now,
                deleted: false,
            },
        );
        (payload, ())
    };
    fake.emit("chat.message.sent", broadcaster_user_id, payload);
    message_id
}
