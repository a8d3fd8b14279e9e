//! Kick-shaped realtime events, whatever the transport (REALTIME.md §d,
//! PUSHER.md §4): world events (chat sent through the API, deletions, bans,
//! live/offline) are translated into Kick's events on the channels Kick uses
//! (§d.1/§d.2), with Kick's twins and legacy duplicates (§d.3); generated chat
//! traffic; and the control routes that trigger every kind of event.

use crate::hub::RealtimeHub;
use crate::social::{chatter, post_message, CHATTERS};
use crate::state::{AppState, Fake};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use rand::Rng;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// The two ids a channel's realtime channels are named after.
#[derive(Clone, Copy, Debug)]
pub struct Ids {
    /// `chatrooms.{c}.v2`, `chatrooms.{c}`, `chatroom_{c}`.
    pub chatroom: u64,
    /// `channel.{s}`, `channel_{s}`, `predictions-channel-{s}` (the fake's
    /// channel id is the broadcaster's user id).
    pub channel: u64,
}

impl Ids {
    pub fn of(fake: &Fake, broadcaster_user_id: u64) -> Option<Ids> {
        let chatroom = fake
            .world
            .lock()
            .unwrap()
            .channels
            .get(&broadcaster_user_id)?
            .chatroom_id;
        Some(Ids {
            chatroom,
            channel: broadcaster_user_id,
        })
    }
    pub fn v2(&self) -> String {
        format!("chatrooms.{}.v2", self.chatroom)
    }
    pub fn chatrooms(&self) -> String {
        format!("chatrooms.{}", self.chatroom)
    }
    pub fn chatroom_(&self) -> String {
        format!("chatroom_{}", self.chatroom)
    }
    pub fn channel_dot(&self) -> String {
        format!("channel.{}", self.channel)
    }
    pub fn channel_(&self) -> String {
        format!("channel_{}", self.channel)
    }
    pub fn predictions(&self) -> String {
        format!("predictions-channel-{}", self.channel)
    }
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn now_plus00() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

fn now_micros() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

fn time_plus00(s: &str) -> String {
    // Kick's socket sends `+00:00` offsets with second precision.
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%S+00:00")
                .to_string()
        })
        .unwrap_or_else(|_| s.to_owned())
}

fn user_id_of(name: &str) -> u64 {
    CHATTERS
        .iter()
        .position(|(n, _, _)| n.eq_ignore_ascii_case(name))
        .map(|i| crate::social::CHATTER_ID_BASE + i as u64)
        .unwrap_or_else(|| 8_000_000 + name.bytes().map(u64::from).sum::<u64>())
}

fn sender(name: &str, color: &str) -> Value {
    sender_with_id(user_id_of(name), name, color)
}

fn sender_with_id(id: u64, name: &str, color: &str) -> Value {
    json!({"id": id, "username": name,
           "slug": name.to_lowercase().replace('_', "-"),
           "identity": {"color": color, "badges": []}})
}

/// The socket's `ChatMessageEvent` data for a `chat.message.sent` webhook
/// payload (REALTIME.md §d.1).
fn chat_message_event(chatroom: u64, p: &Value) -> Value {
    let sender = &p["sender"];
    let username = sender["username"].as_str().unwrap_or_default();
    let badges: Vec<Value> = sender["identity"]["badges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|b| json!({"type": b["type"], "text": b["text"]}))
        .collect();
    let mut metadata = json!({"message_ref": chrono::Utc::now().timestamp_millis().to_string()});
    let reply = p.get("replies_to").filter(|r| !r.is_null());
    if let Some(r) = reply {
        metadata["original_sender"] =
            json!({"id": r["sender"]["user_id"], "username": r["sender"]["username"]});
        metadata["original_message"] = json!({"id": r["message_id"], "content": r["content"]});
    }
    json!({
        "id": p["message_id"],
        "chatroom_id": chatroom,
        "content": p["content"],
        "type": if reply.is_some() { "reply" } else { "message" },
        "created_at": time_plus00(p["created_at"].as_str().unwrap_or_default()),
        "sender": {
            "id": sender["user_id"],
            "username": username,
            "slug": username.to_lowercase().replace('_', "-"),
            "identity": {"color": sender["identity"]["username_color"], "badges": badges},
        },
        "metadata": metadata,
    })
}

/// Translates announced world events into Kick events, forever.
pub fn spawn_translator(fake: AppState) {
    let mut rx = fake.events.subscribe();
    let weak = Arc::downgrade(&fake);
    drop(fake);
    tokio::spawn(async move {
        loop {
            let ev = match rx.recv().await {
                Ok(ev) => ev,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            };
            let Some(fake) = weak.upgrade() else { break };
            let Some(ids) = Ids::of(&fake, ev.broadcaster_user_id) else {
                continue;
            };
            let hub = &fake.realtime;
            let p = &ev.payload;
            match ev.event_type.as_str() {
                "chat.message.sent" => {
                    let data = chat_message_event(ids.chatroom, p);
                    hub.publish_chat(ids.v2(), r"App\Events\ChatMessageEvent", &data);
                }
                "chat.message.deleted" => {
                    let data = json!({"id": uuid(), "message": {"id": p["message_id"]},
                                      "aiModerated": false, "violatedRules": []});
                    hub.publish(ids.v2(), r"App\Events\MessageDeletedEvent", &data);
                }
                "moderation.banned" => {
                    let u = &p["banned_user"];
                    let m = &p["moderator"];
                    let expires = p["metadata"]["expires_at"].as_str();
                    let mut data = json!({
                        "id": uuid(),
                        "user": {"id": u["user_id"], "username": u["username"], "slug": u["channel_slug"]},
                        "banned_by": {"id": m["user_id"], "username": m["username"], "slug": m["channel_slug"]},
                        "permanent": expires.is_none(),
                    });
                    if let Some(e) = expires {
                        let created = chrono::DateTime::parse_from_rfc3339(
                            p["metadata"]["created_at"].as_str().unwrap_or_default(),
                        );
                        let until = chrono::DateTime::parse_from_rfc3339(e);
                        if let (Ok(c), Ok(u)) = (created, until) {
                            data["duration"] = json!(((u - c).num_seconds() + 59) / 60);
                        }
                        data["expires_at"] = json!(time_plus00(e));
                    }
                    hub.publish(ids.v2(), r"App\Events\UserBannedEvent", &data);
                }
                "moderation.unbanned" => {
                    let u = &p["banned_user"];
                    let data = json!({"id": uuid(),
                        "user": {"id": u["user_id"], "username": u["username"], "slug": u["username"].as_str().unwrap_or_default().to_lowercase()},
                        "unbanned_by": {"id": ev.broadcaster_user_id, "username": "DemoStreamer", "slug": "demostreamer"}, "permanent": true});
                    hub.publish(ids.v2(), r"App\Events\UserUnbannedEvent", &data);
                }
                "livestream.metadata.updated" => {
                    // A live stream's new title/category: `LivestreamUpdated`
                    // on `channel.{s}` (KickTalk's list; PUSHER.md §4.1 also
                    // names `private-livestream.{l}`).
                    let live = {
                        let w = fake.world.lock().unwrap();
                        w.channels
                            .get(&ev.broadcaster_user_id)
                            .filter(|c| c.is_live)
                            .map(|c| (c.viewer_count, c.custom_tags.clone()))
                    };
                    if let Some((viewers, tags)) = live {
                        let m = &p["metadata"];
                        let cat = &m["category"];
                        let data = json!({"livestream": {"id": ids.channel, "session_title": m["title"],
                            "is_live": true, "language": m["language"], "is_mature": m["has_mature_content"],
                            "viewer_count": viewers, "tags": tags,
                            "categories": [{"id": cat["id"], "name": cat["name"],
                                            "slug": cat["name"].as_str().unwrap_or_default().to_lowercase().replace(' ', "-")}]}});
                        hub.publish(ids.channel_dot(), r"App\Events\LivestreamUpdated", &data);
                    }
                }
                "livestream.status.updated" => {
                    if p["is_live"].as_bool() == Some(true) {
                        let data = json!({"livestream": {"id": rand::thread_rng().gen_range(1_000_000..9_999_999u64),
                            "channel_id": ids.channel, "session_title": p["title"], "source": null,
                            "created_at": now_micros()}});
                        hub.publish(ids.channel_dot(), r"App\Events\StreamerIsLive", &data);
                    } else {
                        let data = json!({"livestream": {"id": 0, "channel": {"id": ids.channel, "is_banned": false}}});
                        hub.publish(ids.channel_dot(), r"App\Events\StopStreamBroadcast", &data);
                    }
                }
                _ => {}
            }
        }
    });
}

/// A new sub or resub: `SubscriptionEvent` on `.v2` is the one to count; its
/// twins are `ChannelSubscriptionEvent` and `NewSubscriberUpdatedEvent` on
/// `channel.{s}`, the legacy `ChatMessageSentEvent` on `chatrooms.{c}`, and
/// for resubs a `celebration` chat line (REALTIME.md §d.3). `uid` is the
/// subscriber's user id (the same the webhook names).
pub fn publish_sub(hub: &RealtimeHub, ids: Ids, uid: u64, username: &str, months: u64) -> Value {
    hub.publish(
        ids.v2(),
        r"App\Events\SubscriptionEvent",
        &json!({"chatroom_id": ids.chatroom, "username": username, "months": months}),
    );
    hub.publish(
        ids.channel_dot(),
        r"App\Events\ChannelSubscriptionEvent",
        &json!({"user_ids": [uid], "username": username, "channel_id": ids.channel}),
    );
    hub.publish(
        ids.channel_dot(),
        r"App\Events\NewSubscriberUpdatedEvent",
        &json!({"username": username, "months": months, "channel_id": ids.channel}),
    );
    hub.publish(
        ids.chatrooms(),
        r"App\Events\ChatMessageSentEvent",
        &json!({"message": {"id": uuid(), "message": null, "type": "info", "replied_to": null, "is_info": true,
                            "link_preview": null, "chatroom_id": ids.chatroom, "role": "user",
                            "created_at": chrono::Utc::now().timestamp(), "action": "subscribe",
                            "optional_message": null, "months_subscribed": months, "subscriptions_count": 1,
                            "giftedUsers": null},
                "user": {"id": uid, "username": username, "role": "user", "isSuperAdmin": false,
                         "profile_thumb": null, "verified": false, "follower_badges": [], "is_subscribed": true,
                         "is_founder": false, "months_subscribed": months, "quantity_gifted": 0}}),
    );
    let mut celebration = Value::Null;
    if months > 1 {
        let id = uuid();
        let data = json!({
            "id": id, "chatroom_id": ids.chatroom, "content": "", "type": "celebration",
            "created_at": now_plus00(), "sender": sender_with_id(uid, username, "#FFE66D"),
            "metadata": {"message_ref": chrono::Utc::now().timestamp_millis().to_string(),
                         "celebration": {"id": format!("chceleb_{}", ulid::Ulid::new()), "type": "subscription_renewed",
                                         "total_months": months, "created_at": now_micros()}},
        });
        hub.publish_chat(ids.v2(), r"App\Events\ChatMessageEvent", &data);
        celebration = json!(id);
    }
    json!({"celebration_message_id": celebration})
}

/// What the socket names an anonymous gifter. ⚠ Not documented (no capture
/// of an anonymous gift on the socket); the webhook says `is_anonymous`.
pub const ANONYMOUS_GIFTER: &str = "Anonymous";

/// A gift bomb: `GiftedSubscriptionsEvent` split into chunks of `chunk`
/// names, each chunk under both names (bare on `chatroom_{c}`, prefixed on
/// `.v2`) when `both_names`, with `chunk_details` when there is more than one
/// chunk; plus `LuckyUsersWhoGotGiftSubscriptionsEvent` on `channel.{s}`.
/// `gifter_total` is the gifter's all-time count.
pub fn publish_gift(
    hub: &RealtimeHub,
    ids: Ids,
    gifter: &str,
    recipients: &[String],
    chunk: usize,
    both_names: bool,
    gifter_total: u64,
) -> Value {
    let chunk = chunk.max(1);
    let chunks: Vec<&[String]> = recipients.chunks(chunk).collect();
    let total_chunks = chunks.len().max(1);
    let correlation = (total_chunks > 1).then(uuid);
    for (i, names) in chunks.iter().enumerate() {
        let chunk_details = match &correlation {
            Some(c) => {
                json!({"correlation_id": c, "chunk_index": i, "total_chunks": total_chunks})
            }
            None => Value::Null,
        };
        let data = json!({"chatroom_id": ids.chatroom, "gifted_usernames": names, "gifter_username": gifter,
                          "gifted_total": recipients.len(), "gifter_total": gifter_total,
                          "chunk_details": chunk_details});
        hub.publish(ids.chatroom_(), "GiftedSubscriptionsEvent", &data);
        if both_names {
            hub.publish(ids.v2(), r"App\Events\GiftedSubscriptionsEvent", &data);
        }
    }
    hub.publish(
        ids.channel_dot(),
        r"App\Events\LuckyUsersWhoGotGiftSubscriptionsEvent",
        &json!({"channel": {"id": ids.channel, "chatroom": {"id": ids.chatroom}}, "usernames": recipients,
                "gifter_username": gifter}),
    );
    json!({"correlation_id": correlation, "chunks": total_chunks})
}

/// A KICKs gift as Kick's catalogue describes it (both sources use it).
#[derive(Clone, Copy, Debug)]
pub struct KicksGift {
    pub gift_id: &'static str,
    pub name: &'static str,
    /// `BASIC` or `LEVEL_UP`.
    pub kind: &'static str,
    /// `BASIC`, `MID`, …
    pub tier: &'static str,
    pub character_limit: u64,
    /// How long the gift's message stays pinned (webhook
    /// `pinned_time_seconds`, socket `pinned_time`).
    pub pinned_time: u64,
}

/// The gift an amount buys in the fake's small catalogue (Kick's own
/// examples: "Rage Quit" 500 LEVEL_UP/MID pinned 600 s, "Pack It Up" 1000
/// LEVEL_UP/MID).
pub fn kicks_gift(amount: u64) -> KicksGift {
    match amount {
        0..=99 => KicksGift {
            gift_id: "hell_yeah",
            name: "Hell Yeah",
            kind: "BASIC",
            tier: "BASIC",
            character_limit: 0,
            pinned_time: 0,
        },
        100..=999 => KicksGift {
            gift_id: "rage_quit",
            name: "Rage Quit",
            kind: "LEVEL_UP",
            tier: "MID",
            character_limit: 100,
            pinned_time: 600,
        },
        _ => KicksGift {
            gift_id: "pack_it_up",
            name: "Pack It Up",
            kind: "LEVEL_UP",
            tier: "MID",
            character_limit: 150,
            pinned_time: 900,
        },
    }
}

/// One KICKs gift on the socket: `KicksGifted` (count this, by
/// `gift_transaction_id`) and its twin `KicksLeaderboardUpdated` (the
/// sender's lifetime total), both on `channel_{s}`.
#[allow(clippy::too_many_arguments)]
pub fn publish_kicks(
    hub: &RealtimeHub,
    ids: Ids,
    transaction_id: &str,
    sender_id: u64,
    sender_name: &str,
    amount: u64,
    message: &str,
    at: chrono::DateTime<chrono::Utc>,
    lifetime_total: u64,
) {
    let g = kicks_gift(amount);
    let micros = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    hub.publish(
        ids.channel_(),
        "KicksGifted",
        &json!({"gift_transaction_id": transaction_id, "message": message,
                "sender": {"id": sender_id, "username": sender_name, "username_color": "#E9113C",
                           "profile_picture": null},
                "gift": {"gift_id": g.gift_id, "name": g.name, "amount": amount, "type": g.kind, "tier": g.tier,
                         "character_limit": g.character_limit, "pinned_time": g.pinned_time},
                "created_at": micros(at),
                "expires_at": micros(at + chrono::Duration::seconds(g.pinned_time as i64))}),
    );
    hub.publish(
        ids.channel_(),
        "KicksLeaderboardUpdated",
        &json!({"gifts_lifetime": [{"user_id": sender_id, "username": sender_name, "quantity": lifetime_total}],
                "gifts_lifetime_enabled": true}),
    );
}

/// A host/raid: `StreamHostEvent` on `.v2` (count this) and its richer twin
/// `StreamHostedEvent` on the legacy `chatrooms.{c}`.
pub fn publish_host(
    hub: &RealtimeHub,
    ids: Ids,
    host_id: u64,
    host: &str,
    viewers: u64,
    message: &str,
) {
    let msg = (!message.is_empty()).then_some(message);
    hub.publish(
        ids.v2(),
        r"App\Events\StreamHostEvent",
        &json!({"chatroom_id": ids.chatroom, "optional_message": msg, "number_viewers": viewers,
                "host_username": host}),
    );
    hub.publish(
        ids.chatrooms(),
        r"App\Events\StreamHostedEvent",
        &json!({"message": {"id": uuid(), "numberOfViewers": viewers, "optionalMessage": msg,
                            "createdAt": chrono::Utc::now().to_rfc3339()},
                "user": {"id": host_id, "username": host, "isSuperAdmin": false, "verified": false}}),
    );
}

/// A follow on the socket: the follower goal's `GoalProgressUpdateEvent`
/// (unnamed, what Kick sends in 2026) on `channel_{s}`, and with `named`
/// the older `FollowersUpdated` on `channel.{s}` (REALTIME.md §d.3: "not
/// seen once" in 2026 captures).
pub fn publish_follow(hub: &RealtimeHub, ids: Ids, named: Option<&str>, followers: u64, goal: u64) {
    if let Some(username) = named {
        hub.publish(
            ids.channel_dot(),
            r"App\Events\FollowersUpdated",
            &json!({"followersCount": followers, "channel_id": ids.channel, "username": username,
                    "created_at": chrono::Utc::now().timestamp(), "followed": true}),
        );
    }
    let achieved = followers >= goal;
    hub.publish(
        ids.channel_(),
        "GoalProgressUpdateEvent",
        &json!({"id": "chgoal_01JFAKEFOLLOWERGOAL00000", "channel_id": "channel_01JFAKECHANNEL0000000000",
                "type": "followers", "target_value": goal, "current_value": followers, "progress_bar_emoji_id": null,
                "status": if achieved { "achieved" } else { "active" }, "created_at": "2026-10-01T10:00:00.174178506Z",
                "updated_at": now_micros(), "achieved_at": if achieved { json!(now_micros()) } else { Value::Null },
                "end_date": null, "count_from_creation": false}),
    );
}

/// A reward redemption on the socket: `RewardRedeemedEvent` on
/// `chatroom_{c}` (⚠ the channel is a guess; no redemption id was seen on
/// the socket, so none is sent).
pub fn publish_reward(
    hub: &RealtimeHub,
    ids: Ids,
    title: &str,
    uid: u64,
    username: &str,
    input: &str,
    color: &str,
) {
    hub.publish(
        ids.chatroom_(),
        "RewardRedeemedEvent",
        &json!({"reward_title": title, "user_id": uid, "channel_id": ids.channel,
                "username": username, "user_input": input, "reward_background_color": color}),
    );
}

fn chat_message_json(ids: Ids, id: &str, who: &str, content: &str) -> Value {
    json!({"id": id, "chatroom_id": ids.chatroom, "content": content, "type": "message",
           "created_at": now_plus00(), "sender": sender(who, "#4ECDC4"),
           "metadata": {"message_ref": chrono::Utc::now().timestamp_millis().to_string()}})
}

/// Control body for `/_fake/realtime/event`: which kind, and its details
/// (every field has a default).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct EventReq {
    /// `chat`, `delete`, `ban`, `timeout`, `unban`, `sub`, `gift`, `kicks`,
    /// `host`, `follow`, `poll`, `poll_delete`, `pin`, `unpin`,
    /// `chatroom_updated`, `clear`, `reward` (= `redeem`), `prediction`,
    /// `prediction_update`, `live`, `offline`, `viewers`, `metadata`.
    ///
    /// The real actions (`ban`, `timeout`, `unban`, `sub`, `gift`, `kicks`,
    /// `host`, `follow`, `reward`, `live`, `offline`, `metadata`, `chat`)
    /// go through [`crate::actions`]: the world changes and the webhook is
    /// announced too.
    pub kind: String,
    pub username: Option<String>,
    /// Months (`sub`), recipients (`gift`, at most 500), KICKs (`kicks`),
    /// viewers (`host`, `live`, `viewers`), minutes (`timeout`).
    pub count: Option<u64>,
    /// Chat text, KICKs/host message, the reward's title (`reward`), the
    /// new title (`metadata`), a ban's reason.
    pub text: Option<String>,
    pub message_id: Option<String>,
    /// Gift bombs: names per chunk (default 50) and whether each chunk
    /// arrives under both names (default true).
    pub chunk: Option<usize>,
    pub both_names: Option<bool>,
    pub broadcaster_user_id: Option<u64>,
    /// `gift`: an anonymous gifter (the webhook's `is_anonymous`).
    pub anonymous: Option<bool>,
    /// `follow`: also send the older named `FollowersUpdated` (default
    /// true here; the demo evening sends only the follower goal, as Kick
    /// does in 2026).
    pub named: Option<bool>,
    /// `reward`: which reward (else by `text` as title, else the first).
    pub reward_id: Option<String>,
    /// `reward`: the viewer's input (default "play something chill").
    pub input: Option<String>,
    /// `metadata`: the new category.
    pub category_id: Option<u64>,
    /// `ban`/`timeout`: who did it (default: the broadcaster).
    pub moderator: Option<String>,
}

/// Triggers one real action with all the events Kick sends for it.
/// Answers the ids the events carry.
pub fn trigger(fake: &Fake, r: EventReq) -> Result<Value, String> {
    let uid = r.broadcaster_user_id.unwrap_or(crate::world::STREAMER_ID);
    let ids = Ids::of(fake, uid).ok_or("no such channel")?;
    let hub = &fake.realtime;
    let who = r
        .username
        .as_deref()
        .map(crate::actions::username)
        .unwrap_or_else(|| chatter(3).username);
    let moderator = r.moderator.as_deref().map(crate::actions::username);
    // Clamped: a count from a request never drives a loop or an overflow.
    let n = r.count.unwrap_or(1).clamp(1, 1_000_000);
    let text = r.text.clone().unwrap_or_default();
    Ok(match r.kind.as_str() {
        "chat" => {
            let line = if text.is_empty() { "hi chat" } else { &text };
            json!({"message_id": crate::actions::chat(fake, uid, &who, line, r.message_id.as_deref())})
        }
        "delete" => {
            let id = r.message_id.clone().ok_or("message_id is required")?;
            fake.emit(
                "chat.message.deleted",
                uid,
                json!({"message_id": id, "broadcaster": {"user_id": uid}}),
            );
            json!({"message_id": id})
        }
        "ban" | "timeout" => {
            let minutes = (r.kind == "timeout").then_some(n);
            let reason = if text.is_empty() { "rule 1" } else { &text };
            crate::actions::ban(fake, uid, &who, minutes, reason, moderator.as_deref())?
        }
        "unban" => crate::actions::unban(fake, uid, &who)?,
        "sub" => crate::actions::subscribe(fake, uid, &who, n)?,
        "gift" => {
            let names: Vec<String> = (0..n.min(crate::actions::MAX_GIFTS as u64) as usize)
                .map(|i| format!("{}_{i}", chatter(i).username))
                .collect();
            let gifter = (!r.anonymous.unwrap_or(false)).then_some(who.as_str());
            crate::actions::gift_subs(
                fake,
                uid,
                gifter,
                &names,
                r.chunk.unwrap_or(50),
                r.both_names.unwrap_or(true),
            )?
        }
        "kicks" => crate::actions::kicks(fake, uid, &who, n, &text)?,
        "host" => crate::actions::host(fake, uid, &who, n, &text)?,
        "follow" => crate::actions::follow(fake, uid, &who, r.named.unwrap_or(true))?,
        "reward" | "redeem" => {
            let pick = crate::actions::RewardPick {
                id: r.reward_id.clone(),
                title: (!text.is_empty()).then(|| text.clone()),
            };
            let input = r.input.as_deref().unwrap_or("play something chill");
            crate::actions::redeem(fake, uid, &pick, &who, Some(input))?
        }
        "metadata" | "title" | "category" => crate::actions::set_metadata(
            fake,
            uid,
            (!text.is_empty()).then_some(text.as_str()),
            r.category_id,
        )?,
        "poll" => {
            let title = if text.is_empty() { "Next game?" } else { &text };
            hub.publish(
                ids.v2(),
                r"App\Events\PollUpdateEvent",
                &json!({"poll": {"title": title, "duration": 300, "remaining": 68, "result_display_duration": 15,
                                 "options": [{"id": 0, "label": "Elden Ring", "votes": 3 + n},
                                             {"id": 1, "label": "Minecraft", "votes": 2}]}}),
            );
            json!({})
        }
        "poll_delete" => {
            hub.publish(ids.v2(), r"App\Events\PollDeleteEvent", &json!({}));
            json!({})
        }
        "pin" => {
            let id = r.message_id.clone().unwrap_or_else(uuid);
            let body = if text.is_empty() {
                "pinned words"
            } else {
                &text
            };
            let data = json!({"message": chat_message_json(ids, &id, &who, body), "duration": "1200",
                        "pinnedBy": {"id": 9, "username": "modmolly", "slug": "modmolly",
                                     "identity": {"color": "#A66CFF", "badges": [{"type": "moderator", "text": "Moderator", "active": true}]}}});
            // On the chat room's channel and the channel's (PUSHER.md §4.1).
            for ch in [ids.v2(), ids.channel_dot()] {
                hub.publish(ch, r"App\Events\PinnedMessageCreatedEvent", &data);
            }
            json!({"message_id": id})
        }
        "unpin" => {
            for ch in [ids.v2(), ids.channel_dot()] {
                hub.publish(ch, r"App\Events\PinnedMessageDeletedEvent", &json!([]));
            }
            json!({})
        }
        "chatroom_updated" => {
            hub.publish(
                ids.v2(),
                r"App\Events\ChatroomUpdatedEvent",
                &json!({"id": ids.chatroom, "slow_mode": {"enabled": true, "message_interval": n},
                        "subscribers_mode": {"enabled": false}, "followers_mode": {"enabled": true, "min_duration": 10},
                        "emotes_mode": {"enabled": false},
                        "advanced_bot_protection": {"enabled": false, "remaining_time": 0},
                        "account_age": {"enabled": false, "min_duration": 0}}),
            );
            json!({})
        }
        "clear" => {
            hub.publish(ids.v2(), r"App\Events\ChatroomClearEvent", &json!([]));
            json!({})
        }
        "prediction" | "prediction_update" => {
            let id = r
                .message_id
                .clone()
                .unwrap_or_else(|| ulid::Ulid::new().to_string());
            let update = r.kind == "prediction_update";
            let title = if text.is_empty() {
                "Win this round?"
            } else {
                &text
            };
            let mut prediction = json!({"id": id, "channel_id": ids.channel, "title": title,
                "state": if update { "RESOLVED" } else { "ACTIVE" },
                "outcomes": [{"id": "o1", "title": "Yes", "total_vote_amount": 500 * n, "vote_count": n, "return_rate": 1.5, "top_users": []},
                             {"id": "o2", "title": "No", "total_vote_amount": 250, "vote_count": 1, "return_rate": 3.0, "top_users": []}],
                "duration": 120, "created_at": now_micros(), "updated_at": now_micros()});
            if update {
                prediction["winning_outcome_id"] = json!("o1");
            }
            hub.publish(
                ids.predictions(),
                if update {
                    "PredictionUpdated"
                } else {
                    r"App\Events\PredictionCreated"
                },
                &json!({"prediction": prediction}),
            );
            json!({"prediction_id": id})
        }
        "live" => json!({"changed": crate::actions::set_live(fake, uid, true, Some(n))}),
        "offline" => json!({"changed": crate::actions::set_live(fake, uid, false, None)}),
        "viewers" => {
            hub.publish(
                ids.channel_dot(),
                r"App\Events\LivestreamUpdated",
                &json!({"livestream": {"id": 777, "session_title": "live", "is_live": true, "viewer_count": n}}),
            );
            json!({})
        }
        other => return Err(format!("unknown kind {other:?}")),
    })
}

/// What generated chat says, in turn (the flood too: message i says line i).
pub const LINES: &[&str] = &[
    "hi chat",
    "LETS GOOO",
    "gg",
    "[emote:37226:KEKW]",
    "that was clean",
    "what game is next?",
    "W stream",
    "first time here, love the vibe [emote:37227:LULW]",
    "@DemoStreamer hydrate!",
    "no way [emote:39261:kickSmile]",
    "chat is moving fast today",
    "clip that",
    "[emote:37226:KEKW] [emote:37226:KEKW]",
    "how long have you been streaming?",
];

/// Generated chat: `rate` messages per second into every chatroom with a
/// subscriber (in the last minute).
pub fn spawn_chatter(fake: AppState) {
    let weak = Arc::downgrade(&fake);
    drop(fake);
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_millis(10));
        iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut debt = 0.0f64;
        let mut i = 0usize;
        // Chat goes on while a client is away: a chat room stays busy for a
        // minute after its last subscriber left.
        let mut busy: std::collections::HashMap<u64, tokio::time::Instant> = Default::default();
        loop {
            iv.tick().await;
            let Some(fake) = weak.upgrade() else { break };
            let rate = *fake.realtime.chat_rate.lock().unwrap();
            if rate <= 0.0 {
                debt = 0.0;
                busy.clear();
                continue;
            }
            debt += rate / 100.0;
            let now = tokio::time::Instant::now();
            for room in fake.realtime.subscribed_chatrooms() {
                busy.insert(room, now);
            }
            busy.retain(|_, t| now.duration_since(*t) < Duration::from_secs(60));
            let rooms: Vec<u64> = busy.keys().copied().collect();
            if rooms.is_empty() {
                debt = debt.min(1.0);
                continue;
            }
            while debt >= 1.0 {
                debt -= 1.0;
                for room in &rooms {
                    burst_one(&fake, *room, i);
                }
                i += 1;
            }
        }
    });
}

pub(crate) fn burst_one(fake: &Fake, chatroom: u64, i: usize) {
    let b = fake
        .world
        .lock()
        .unwrap()
        .channels
        .values()
        .find(|c| c.chatroom_id == chatroom)
        .map(|c| c.broadcaster_user_id);
    if let Some(b) = b {
        let who = chatter(i.wrapping_mul(7) % CHATTERS.len());
        let line = LINES[i % LINES.len()];
        post_message(fake, b, &who, line, None);
    }
}

/// Transport-neutral control routes (`/_fake/realtime/*`, plus the older
/// `/_fake/pusher/{raw,rate,burst,support}` names, which publish to both).
pub fn control_routes() -> Router<AppState> {
    Router::new()
        .route("/_fake/realtime/event", post(control_event))
        .route("/_fake/realtime/raw", post(control_raw))
        .route("/_fake/realtime/rate", post(control_rate))
        .route("/_fake/realtime/burst", post(control_burst))
        .route("/_fake/realtime/replay", post(control_replay))
        .route("/_fake/realtime/flood", post(control_flood))
        .route("/_fake/pusher/raw", post(control_raw))
        .route("/_fake/pusher/rate", post(control_rate))
        .route("/_fake/pusher/burst", post(control_burst))
        .route("/_fake/pusher/support", post(control_support))
}

async fn control_event(State(fake): State<AppState>, Json(r): Json<EventReq>) -> Json<Value> {
    Json(match trigger(&fake, r) {
        Ok(mut v) => {
            v["ok"] = json!(true);
            v
        }
        Err(e) => json!({"ok": false, "error": e}),
    })
}

#[derive(serde::Deserialize)]
struct Raw {
    channel: String,
    event: String,
    data: Value,
}

/// Publishes any event (tests of every event type).
async fn control_raw(State(fake): State<AppState>, Json(r): Json<Raw>) -> Json<Value> {
    fake.realtime.publish(r.channel, &r.event, &r.data);
    Json(json!({"ok": true}))
}

#[derive(serde::Deserialize)]
struct Rate {
    rate: f64,
}

async fn control_rate(State(fake): State<AppState>, Json(r): Json<Rate>) -> Json<Value> {
    *fake.realtime.chat_rate.lock().unwrap() = r.rate.clamp(0.0, 100_000.0);
    Json(json!({"ok": true}))
}

#[derive(serde::Deserialize)]
struct Burst {
    count: usize,
    #[serde(default)]
    broadcaster_user_id: Option<u64>,
}

/// Posts `count` chat messages at once into a channel (default: the streamer's).
async fn control_burst(State(fake): State<AppState>, Json(b): Json<Burst>) -> Json<Value> {
    let uid = b.broadcaster_user_id.unwrap_or(crate::world::STREAMER_ID);
    let ids = Ids::of(&fake, uid);
    if let Some(ids) = ids {
        for i in 0..b.count.min(100_000) {
            burst_one(&fake, ids.chatroom, i);
        }
    }
    Json(json!({"ok": ids.is_some()}))
}

#[derive(serde::Deserialize)]
struct Replay {
    count: usize,
    #[serde(default)]
    broadcaster_user_id: Option<u64>,
}

/// Sends the last `count` chat messages of the channel again (what a
/// history refill after a reconnect delivers a second time).
async fn control_replay(State(fake): State<AppState>, Json(r): Json<Replay>) -> Json<Value> {
    let uid = r.broadcaster_user_id.unwrap_or(crate::world::STREAMER_ID);
    let Some(ids) = Ids::of(&fake, uid) else {
        return Json(json!({"ok": false}));
    };
    let n = fake.realtime.replay_chat(&ids.v2(), r.count);
    Json(json!({"ok": true, "replayed": n}))
}

#[derive(serde::Deserialize)]
struct Flood {
    count: usize,
    #[serde(default)]
    broadcaster_user_id: Option<u64>,
}

/// Benchmarks of chat ingest at full speed (`POST /_fake/realtime/flood`):
/// see [`flood`]. Answers once the last message is handed to the hub, with
/// the seconds that took.
async fn control_flood(State(fake): State<AppState>, Json(f): Json<Flood>) -> Json<Value> {
    let uid = f.broadcaster_user_id.unwrap_or(crate::world::STREAMER_ID);
    let t0 = std::time::Instant::now();
    Json(match flood(&fake, uid, f.count).await {
        Some(sent) => json!({"ok": true, "sent": sent, "secs": t0.elapsed().as_secs_f64()}),
        None => json!({"ok": false, "error": "no such channel"}),
    })
}

/// `count` chat messages into a channel's chat room at full speed: each its
/// own id, Kick's shape, the demo's chatters, message i saying `LINES[i]`
/// in turn. They are prepared first (the frames of both transports in
/// Kick's usual shapes too, so the fake's core does little more than write;
/// up to 500,000 at a time, ~1.5 KB each), then published as fast as the
/// slowest socket takes them (no socket lags, see
/// `RealtimeHub::publish_paced`). Unlike `burst`, the messages skip the
/// world (no REST history, no webhooks): only the sockets see them. Returns
/// how many were sent, or None for a channel the fake does not have.
pub async fn flood(fake: &Fake, broadcaster_user_id: u64, count: usize) -> Option<usize> {
    let ids = Ids::of(fake, broadcaster_user_id)?;
    let count = count.min(500_000);
    let broadcaster = {
        let w = fake.world.lock().unwrap();
        let name = w
            .users
            .get(&broadcaster_user_id)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        crate::social::event_user(broadcaster_user_id, &name, None)
    };
    let now = chrono::Utc::now();
    let channel = ids.v2();
    let events: Vec<Arc<crate::hub::Published>> = (0..count)
        .map(|i| {
            let who = chatter(i.wrapping_mul(7) % CHATTERS.len());
            let payload = crate::social::chat_sent_payload(
                &uuid::Uuid::new_v4().to_string(),
                broadcaster.clone(),
                &who,
                LINES[i % LINES.len()],
                None,
                now,
            );
            let data = chat_message_event(ids.chatroom, &payload);
            let p =
                crate::hub::Published::new(channel.clone(), r"App\Events\ChatMessageEvent", &data);
            p.pusher_frame();
            p.centrifugo_line(false);
            Arc::new(p)
        })
        .collect();
    fake.realtime.publish_paced(events).await;
    Some(count)
}

#[derive(serde::Deserialize)]
struct Support {
    /// `sub`, `gift` or `host`.
    kind: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    count: Option<u64>,
}

/// The older name for subs, gift bombs and hosts (see `/_fake/realtime/event`).
async fn control_support(State(fake): State<AppState>, Json(s): Json<Support>) -> Json<Value> {
    if !matches!(s.kind.as_str(), "sub" | "gift" | "host") {
        return Json(json!({"ok": false, "error": "kind is sub, gift or host"}));
    }
    control_event(
        State(fake),
        Json(EventReq {
            kind: s.kind,
            username: s.username,
            count: s.count,
            ..Default::default()
        }),
    )
    .await
}
