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
    /// Recent chat messages by id (at most `FakeConfig::max_chat_messages`,
    /// oldest forgotten first, so an all-night demo does not grow).
    pub messages: HashMap<String, ChatMessage>,
    /// Ids in `messages`, oldest first.
    pub message_order: std::collections::VecDeque<String>,
    /// Bans by (broadcaster, user).
    pub bans: HashMap<(u64, u64), Ban>,
    /// KICKs gifted to the streamer's channel: (user id, amount).
    pub kicks: Vec<(u64, u64)>,
    pub rewards: Vec<FakeReward>,
    /// Redemptions, oldest first, at most [`MAX_REDEMPTIONS`] (decided
    /// ones are forgotten first).
    pub redemptions: Vec<FakeRedemption>,
    /// Redemption ids the next accept/reject call fails with this reason
    /// (`/_fake/redemptions/fail`), at most [`MAX_FAIL_NEXT`].
    pub fail_next: HashMap<String, &'static str>,
    /// Lower-case names of users [`ensure_viewer`] resolved, to their ids.
    pub viewer_ids: HashMap<String, u64>,
    /// Subs each user gifted in all (the socket's `gifter_total`).
    pub gift_totals: HashMap<u64, u64>,
    pub faults: ChatFaults,
}

/// Redemptions the fake remembers (an all-night demo stays bounded).
pub const MAX_REDEMPTIONS: usize = 5_000;
/// Pending per-id failures the fake remembers.
pub const MAX_FAIL_NEXT: usize = 100;
/// KICKs leaderboard entries the fake remembers.
pub const MAX_KICKS_ENTRIES: usize = 10_000;
/// Users the fake registers on the fly for names it has not seen.
pub const MAX_USERS: usize = 50_000;
/// Bans kept before expired ones are forgotten.
pub const MAX_BANS: usize = 10_000;

/// A webhook slim user (reward redemption and `kicks.gifted`, API.md §5.6):
/// no `is_anonymous`, no `identity`.
pub fn slim_user(user_id: u64, username: &str) -> Value {
    json!({
        "user_id": user_id,
        "username": username,
        "is_verified": false,
        "profile_picture": format!("https://files.kick.com/images/user/{user_id}/profile_image/default.webp"),
        "channel_slug": username.to_lowercase(),
    })
}

/// An anonymous webhook `EventUser`: every field but `is_anonymous` null.
pub fn anonymous_user() -> Value {
    json!({
        "is_anonymous": true, "user_id": null, "username": null, "is_verified": null,
        "profile_picture": null, "channel_slug": null, "identity": null,
    })
}

/// The `channel.reward.redemption.updated` body (API.md §5.6) of a
/// redemption in its current state.
pub fn redemption_body(w: &crate::world::World, r: &FakeRedemption, reward: &FakeReward) -> Value {
    let bname = w
        .users
        .get(&r.broadcaster_user_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    json!({
        "id": r.id,
        "user_input": r.user_input,
        "status": r.status,
        "redeemed_at": r.redeemed_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "reward": {"id": reward.id, "title": reward.title, "cost": reward.cost,
                   "description": reward.description},
        "redeemer": slim_user(r.redeemer_user_id, &r.redeemer_username),
        "broadcaster": slim_user(r.broadcaster_user_id, &bname),
    })
}

/// Stores a redemption, forgetting the oldest decided one (or, when all
/// are pending, the oldest) beyond [`MAX_REDEMPTIONS`].
pub fn push_redemption(social: &mut Social, r: FakeRedemption) {
    if social.redemptions.len() >= MAX_REDEMPTIONS {
        let idx = social
            .redemptions
            .iter()
            .position(|x| x.status != "pending")
            .unwrap_or(0);
        social.redemptions.remove(idx);
    }
    social.redemptions.push(r);
}

/// The user id of a viewer by name: a known user keeps theirs; a new name
/// gets a stable id and is registered (up to [`MAX_USERS`]), so the API
/// (bans, lookups) knows the people the feed shows.
pub fn ensure_viewer(w: &mut crate::world::World, name: &str) -> u64 {
    let key = name.to_ascii_lowercase();
    if let Some(id) = w.social.viewer_ids.get(&key) {
        return *id;
    }
    let id = resolve_viewer(w, name);
    if w.social.viewer_ids.len() < MAX_USERS {
        w.social.viewer_ids.insert(key, id);
    }
    id
}

fn resolve_viewer(w: &mut crate::world::World, name: &str) -> u64 {
    if let Some(u) = w.users.values().find(|u| u.name.eq_ignore_ascii_case(name)) {
        return u.user_id;
    }
    // FNV-1a: stable across runs, few collisions; probe on the rare one.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.to_ascii_lowercase().bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut id = 8_000_000 + h % 1_000_000;
    while w.users.contains_key(&id) {
        id += 1;
    }
    if w.users.len() < MAX_USERS {
        w.users.insert(
            id,
            crate::world::FakeUser {
                user_id: id,
                name: name.to_owned(),
                email: String::new(),
                profile_picture: String::new(),
            },
        );
    }
    id
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
        let payload = chat_sent_payload(
            &message_id,
            event_user(broadcaster_user_id, &broadcaster_name, None),
            sender,
            content,
            replies_to,
            now,
        );
        let cap = fake.config.max_chat_messages.max(1);
        while world.social.message_order.len() >= cap {
            if let Some(old) = world.social.message_order.pop_front() {
                world.social.messages.remove(&old);
            }
        }
        world.social.message_order.push_back(message_id.clone());
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

/// The `chat.message.sent` webhook payload of a message (what the realtime
/// translator turns into the socket's `ChatMessageEvent`).
pub(crate) fn chat_sent_payload(
    message_id: &str,
    broadcaster: Value,
    sender: &Chatter,
    content: &str,
    replies_to: Option<Value>,
    now: DateTime<Utc>,
) -> Value {
    let badges: Vec<Value> = sender
        .badges
        .iter()
        .map(|b| json!({"text": b, "type": b}))
        .collect();
    json!({
        "message_id": message_id,
        "replies_to": replies_to,
        "broadcaster": broadcaster,
        "sender": event_user(sender.user_id, &sender.username,
            Some(json!({"username_color": sender.color, "badges": badges}))),
        "content": content,
        "emotes": [],
        "created_at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// A ban or timeout in one channel.
#[derive(Clone, Debug)]
pub struct Ban {
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// `None` = permanent.
    pub expires_at: Option<DateTime<Utc>>,
}

impl Ban {
    pub fn active(&self) -> bool {
        self.expires_at.is_none_or(|e| e > Utc::now())
    }
}

#[derive(Clone, Debug)]
pub struct FakeReward {
    pub id: String,
    pub app_id: String,
    pub broadcaster_user_id: u64,
    pub title: String,
    pub description: String,
    pub cost: u64,
    pub background_color: String,
    pub is_enabled: bool,
    pub is_paused: bool,
    pub is_user_input_required: bool,
    pub should_redemptions_skip_request_queue: bool,
    pub deleted: bool,
}

impl FakeReward {
    /// A new enabled reward with Kick's defaults (green, no description, no
    /// viewer input), made by `app_id` on `broadcaster_user_id`'s channel.
    pub fn new(app_id: &str, broadcaster_user_id: u64, title: &str, cost: u64) -> Self {
        FakeReward {
            id: ulid::Ulid::new().to_string(),
            app_id: app_id.to_owned(),
            broadcaster_user_id,
            title: title.to_owned(),
            description: String::new(),
            cost,
            background_color: "#00e701".into(),
            is_enabled: true,
            is_paused: false,
            is_user_input_required: false,
            should_redemptions_skip_request_queue: false,
            deleted: false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct FakeRedemption {
    pub id: String,
    pub reward_id: String,
    pub broadcaster_user_id: u64,
    pub redeemer_user_id: u64,
    pub redeemer_username: String,
    pub user_input: String,
    pub status: &'static str,
    pub redeemed_at: DateTime<Utc>,
}

/// Chat fault injection (`POST /_fake/chat/faults`).
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ChatFaults {
    /// The next N chat sends are answered 429.
    pub next_429: u32,
    /// `type: "bot"` sends fail with 500 (KickDevDocs issue #343).
    pub bot_500: bool,
    /// The next N sends are answered 200 with `is_sent: false` (Kick took
    /// the request and did not post the message).
    pub next_not_sent: u32,
}

/// Viewers who chat in the demo world (ids, names, colours, badges).
pub const CHATTERS: &[(&str, &str, &[&str])] = &[
    ("pixel_pete", "#FF6B6B", &["subscriber"]),
    ("luna_moth", "#4ECDC4", &[]),
    ("gg_gary", "#FFE66D", &["subscriber", "sub_gifter"]),
    ("modmolly", "#A66CFF", &["moderator"]),
    ("tacotuesday", "#FF9F1C", &[]),
    ("quietqueen", "#2EC4B6", &["vip"]),
    ("n00bslayer", "#E71D36", &[]),
    ("coffeecat", "#C5D86D", &["subscriber"]),
    ("ranked_rick", "#3A86FF", &[]),
    ("emote_emma", "#FF006E", &["og"]),
    ("lurker_larry", "#8D99AE", &[]),
    ("hypehank", "#FB5607", &["subscriber"]),
];

pub const CHATTER_ID_BASE: u64 = 7_300_000;

pub fn chatter(i: usize) -> Chatter {
    let (name, color, badges) = CHATTERS[i % CHATTERS.len()];
    Chatter {
        user_id: CHATTER_ID_BASE + i as u64,
        username: name.to_owned(),
        color: color.to_owned(),
        badges: badges.iter().map(|b| (*b).to_owned()).collect(),
    }
}

/// Fills the social world: chatters as users, a KICKs history, two rewards
/// with pending redemptions on the streamer's channel.
pub fn seed(world: &mut crate::world::World, app_id_for_seed: &str) {
    for i in 0..CHATTERS.len() {
        let c = chatter(i);
        world.users.insert(
            c.user_id,
            crate::world::FakeUser {
                user_id: c.user_id,
                name: c.username.clone(),
                email: String::new(),
                profile_picture: String::new(),
            },
        );
        world
            .social
            .kicks
            .push((c.user_id, (CHATTERS.len() - i) as u64 * 150));
    }
    let b = crate::world::STREAMER_ID;
    for (i, (title, cost, input)) in [("Hydrate!", 100u64, false), ("Song request", 500, true)]
        .into_iter()
        .enumerate()
    {
        let reward = FakeReward {
            is_user_input_required: input,
            ..FakeReward::new(app_id_for_seed, b, title, cost)
        };
        let id = reward.id.clone();
        world.social.rewards.push(reward);
        for k in 0..3 {
            world.social.redemptions.push(FakeRedemption {
                id: ulid::Ulid::new().to_string(),
                reward_id: id.clone(),
                broadcaster_user_id: b,
                redeemer_user_id: CHATTER_ID_BASE + (i * 3 + k) as u64,
                redeemer_username: chatter(i * 3 + k).username,
                user_input: if input {
                    format!("Play song #{k}")
                } else {
                    String::new()
                },
                status: "pending",
                redeemed_at: Utc::now() - chrono::Duration::minutes(10 - k as i64),
            });
        }
    }
}

async fn set_chat_faults(
    axum::extract::State(fake): axum::extract::State<crate::state::AppState>,
    axum::Json(f): axum::Json<ChatFaults>,
) -> axum::Json<ChatFaults> {
    fake.world.lock().unwrap().social.faults = f.clone();
    axum::Json(f)
}

/// `POST /_fake/chat/faults {"next_429": N, "bot_500": bool, "next_not_sent": N}`.
pub fn control_routes() -> axum::Router<crate::state::AppState> {
    axum::Router::new().route("/_fake/chat/faults", axum::routing::post(set_chat_faults))
}
