//! The real actions of the fake world, in one place: a follow, a sub or
//! resub, a gift bomb (also anonymous), a KICKs gift, a reward redemption, a
//! host/raid, a ban or timeout (and unban), live/offline, a title or
//! category change, a chat line.
//!
//! Each action changes the world (follower count and goal, subscriber
//! count, KICKs leaderboard, redemptions, bans, viewers) and goes out on
//! every source Kick has for it, consistently:
//! - the socket events Kick sends, with their twins (`crate::feed`), on the
//!   realtime hub both transports read;
//! - the webhook of API.md §5.5 with the exact §5.6 body, announced with
//!   [`Fake::emit`], which `crate::webhooks` signs and delivers to the
//!   target for subscribed apps only (and which the feed translator turns
//!   into socket events for chat, bans and live state, so those are not
//!   published here a second time).
//!
//! Kick's ids where Kick has them, the same on both sources: the user ids,
//! the KICKs `created_at` instant. The KICKs `gift_transaction_id` exists only
//! on the socket (§5.6's `kicks.gifted` has no id), the redemption `id` only
//! in the webhook (REALTIME.md §d.2: the socket's `RewardRedeemedEvent`
//! carries none). A webhook delivery's `Kick-Event-Message-Id` is per
//! delivery (duplicates repeat it).
//!
//! Every count and size an action takes is clamped (they come from control
//! routes); the state they grow is bounded (`crate::social::MAX_*`).

use crate::feed::{self, Ids};
use crate::social::{anonymous_user, ensure_viewer, event_user, slim_user};
use crate::state::Fake;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// Most subs one gift bomb gives (Kick's own limit is lower).
pub const MAX_GIFTS: usize = 500;
/// Most KICKs one gift carries.
pub const MAX_KICKS: u64 = 1_000_000;
/// Most viewers a host brings.
pub const MAX_HOST_VIEWERS: u64 = 1_000_000;
/// Most months a sub reports.
pub const MAX_MONTHS: u64 = 240;
/// Longest user text an action keeps (messages, inputs, reasons), chars.
pub const MAX_TEXT: usize = 500;

type Result<T> = std::result::Result<T, String>;

fn secs(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Kick's longest username.
pub const MAX_USERNAME: usize = 25;

/// A username from a request, cut to Kick's length (the fake registers the
/// names it sees, so their size is bounded too).
pub fn username(s: &str) -> String {
    clip(s.trim(), MAX_USERNAME)
}

fn ids(fake: &Fake, b: u64) -> Result<Ids> {
    Ids::of(fake, b).ok_or_else(|| "no such channel".to_owned())
}

fn name_of(w: &crate::world::World, uid: u64) -> String {
    w.users
        .get(&uid)
        .map(|u| u.name.clone())
        .unwrap_or_default()
}

fn plus_months(t: DateTime<Utc>, n: u64) -> DateTime<Utc> {
    t.checked_add_months(chrono::Months::new(n as u32))
        .unwrap_or(t)
}

fn minus_months(t: DateTime<Utc>, n: u64) -> DateTime<Utc> {
    t.checked_sub_months(chrono::Months::new(n as u32))
        .unwrap_or(t)
}

/// Someone follows: the follower count and goal move; socket
/// `GoalProgressUpdateEvent` (and with `named` the older
/// `FollowersUpdated`); webhook `channel.followed`.
pub fn follow(fake: &Fake, b: u64, who: &str, named: bool) -> Result<Value> {
    let ids = ids(fake, b)?;
    let (uid, bname, followers, goal) = {
        let mut w = fake.world.lock().unwrap();
        let uid = ensure_viewer(&mut w, who);
        let bname = name_of(&w, b);
        let c = w.channels.get_mut(&b).ok_or("no such channel")?;
        c.followers_count += 1;
        (uid, bname, c.followers_count, c.follower_goal)
    };
    feed::publish_follow(&fake.realtime, ids, named.then_some(who), followers, goal);
    fake.emit(
        "channel.followed",
        b,
        json!({
            "broadcaster": event_user(b, &bname, None),
            "follower": event_user(uid, who, None),
        }),
    );
    Ok(json!({"user_id": uid, "followers": followers, "follower_goal": goal}))
}

/// A sub: `months == 1` is a new sub (`channel.subscription.new`, the
/// active subscriber count grows), more is a resub
/// (`channel.subscription.renewal`, with a celebration chat line on the
/// socket). Socket: `SubscriptionEvent` and its twins.
pub fn subscribe(fake: &Fake, b: u64, who: &str, months: u64) -> Result<Value> {
    let ids = ids(fake, b)?;
    let months = months.clamp(1, MAX_MONTHS);
    let now = Utc::now();
    let (uid, bname) = {
        let mut w = fake.world.lock().unwrap();
        let uid = ensure_viewer(&mut w, who);
        let bname = name_of(&w, b);
        if months == 1 {
            if let Some(c) = w.channels.get_mut(&b) {
                c.active_subscribers_count += 1;
            }
        }
        (uid, bname)
    };
    let mut out = feed::publish_sub(&fake.realtime, ids, uid, who, months);
    let (event, started) = if months == 1 {
        ("channel.subscription.new", now)
    } else {
        // `created_at` of a renewal is when the subscription began ([OBS]).
        (
            "channel.subscription.renewal",
            minus_months(now, months - 1),
        )
    };
    fake.emit(
        event,
        b,
        json!({
            "broadcaster": event_user(b, &bname, None),
            "subscriber": event_user(uid, who, None),
            "duration": months,
            "created_at": secs(started),
            "expires_at": secs(plus_months(now, 1)),
        }),
    );
    out["user_id"] = json!(uid);
    out["event"] = json!(event);
    Ok(out)
}

/// A gift bomb: `gifter` `None` is an anonymous gifter. Socket: the
/// chunked `GiftedSubscriptionsEvent`s (under both names with
/// `both_names`) and `LuckyUsersWhoGotGiftSubscriptionsEvent`; webhook
/// `channel.subscription.gifts` with every giftee. At most [`MAX_GIFTS`].
pub fn gift_subs(
    fake: &Fake,
    b: u64,
    gifter: Option<&str>,
    recipients: &[String],
    chunk: usize,
    both_names: bool,
) -> Result<Value> {
    let ids = ids(fake, b)?;
    let recipients: Vec<String> = recipients
        .iter()
        .take(MAX_GIFTS)
        .map(|r| clip(r, 25))
        .collect();
    if recipients.is_empty() {
        return Err("a gift needs at least one recipient".into());
    }
    let now = Utc::now();
    let (gifter_user, giftees, bname, gifter_total) = {
        let mut w = fake.world.lock().unwrap();
        let giftees: Vec<Value> = recipients
            .iter()
            .map(|r| {
                let id = ensure_viewer(&mut w, r);
                event_user(id, r, None)
            })
            .collect();
        let (user, total) = match gifter {
            Some(g) => {
                let gid = ensure_viewer(&mut w, g);
                let n = recipients.len() as u64;
                let totals = &mut w.social.gift_totals;
                let t = match totals.get_mut(&gid) {
                    Some(e) => {
                        *e += n;
                        *e
                    }
                    None => {
                        if totals.len() < crate::social::MAX_USERS {
                            totals.insert(gid, n);
                        }
                        n
                    }
                };
                (event_user(gid, g, None), t)
            }
            None => (anonymous_user(), recipients.len() as u64),
        };
        if let Some(c) = w.channels.get_mut(&b) {
            c.active_subscribers_count += recipients.len() as u64;
        }
        (user, giftees, name_of(&w, b), total)
    };
    let mut out = feed::publish_gift(
        &fake.realtime,
        ids,
        gifter.unwrap_or(feed::ANONYMOUS_GIFTER),
        &recipients,
        chunk.clamp(1, MAX_GIFTS),
        both_names,
        gifter_total,
    );
    fake.emit(
        "channel.subscription.gifts",
        b,
        json!({
            "broadcaster": event_user(b, &bname, None),
            "gifter": gifter_user,
            "giftees": giftees,
            "created_at": secs(now),
            "expires_at": secs(plus_months(now, 1)),
        }),
    );
    out["count"] = json!(recipients.len());
    out["anonymous"] = json!(gifter.is_none());
    Ok(out)
}

/// A KICKs gift: the leaderboard grows; socket `KicksGifted` (with its
/// `gift_transaction_id`) and `KicksLeaderboardUpdated`; webhook
/// `kicks.gifted`. Both carry the same sender id, gift and `created_at`
/// instant. The message is cut to the gift's character limit.
pub fn kicks(fake: &Fake, b: u64, who: &str, amount: u64, message: &str) -> Result<Value> {
    let ids = ids(fake, b)?;
    let amount = amount.clamp(1, MAX_KICKS);
    let gift = feed::kicks_gift(amount);
    let message = clip(message, gift.character_limit as usize);
    let now = Utc::now();
    let tx = uuid::Uuid::new_v4().to_string();
    let (uid, bname, lifetime) = {
        let mut w = fake.world.lock().unwrap();
        let uid = ensure_viewer(&mut w, who);
        let kicks = &mut w.social.kicks;
        let lifetime = match kicks.iter_mut().find(|(u, _)| *u == uid) {
            Some(e) => {
                e.1 += amount;
                e.1
            }
            None => {
                if kicks.len() >= crate::social::MAX_KICKS_ENTRIES {
                    // Forget the smallest gifter.
                    if let Some(i) = (0..kicks.len()).min_by_key(|i| kicks[*i].1) {
                        kicks.swap_remove(i);
                    }
                }
                kicks.push((uid, amount));
                amount
            }
        };
        (uid, name_of(&w, b), lifetime)
    };
    feed::publish_kicks(
        &fake.realtime,
        ids,
        &tx,
        uid,
        who,
        amount,
        &message,
        now,
        lifetime,
    );
    fake.emit(
        "kicks.gifted",
        b,
        json!({
            "broadcaster": slim_user(b, &bname),
            "sender": slim_user(uid, who),
            "gift": {
                "amount": amount,
                "name": gift.name,
                "type": gift.kind,
                "tier": gift.tier,
                "message": message,
                "pinned_time_seconds": gift.pinned_time,
            },
            "created_at": millis(now),
        }),
    );
    Ok(
        json!({"gift_transaction_id": tx, "gift_id": gift.gift_id, "name": gift.name,
              "amount": amount, "user_id": uid, "created_at": millis(now)}),
    )
}

/// Which reward a redemption is for: by id, else by title, else the
/// channel's first enabled, unpaused reward.
#[derive(Clone, Debug, Default)]
pub struct RewardPick {
    pub id: Option<String>,
    pub title: Option<String>,
}

/// A viewer redeems a reward: a redemption is stored `pending` (or
/// `accepted` when the reward skips the request queue); webhook
/// `channel.reward.redemption.updated` with that status (and its `id`);
/// socket `RewardRedeemedEvent` (no id, as on Kick). A reward that needs
/// input gets a believable one when none is given.
pub fn redeem(
    fake: &Fake,
    b: u64,
    pick: &RewardPick,
    who: &str,
    input: Option<&str>,
) -> Result<Value> {
    let ids = ids(fake, b)?;
    let (body, reward, uid, input) = {
        let mut w = fake.world.lock().unwrap();
        let mine = |r: &&crate::social::FakeReward| r.broadcaster_user_id == b && !r.deleted;
        let reward = if let Some(id) = &pick.id {
            w.social.rewards.iter().filter(mine).find(|r| &r.id == id)
        } else if let Some(t) = &pick.title {
            w.social
                .rewards
                .iter()
                .filter(mine)
                .find(|r| r.title.eq_ignore_ascii_case(t))
        } else {
            w.social
                .rewards
                .iter()
                .filter(mine)
                .find(|r| r.is_enabled && !r.is_paused)
        }
        .cloned()
        .ok_or("no such reward")?;
        if !reward.is_enabled || reward.is_paused {
            return Err("the reward is disabled or paused".into());
        }
        let input = match input {
            Some(i) => clip(i, MAX_TEXT),
            None if reward.is_user_input_required => "play something chill".to_owned(),
            None => String::new(),
        };
        let uid = ensure_viewer(&mut w, who);
        let r = crate::social::FakeRedemption {
            id: ulid::Ulid::new().to_string(),
            reward_id: reward.id.clone(),
            broadcaster_user_id: b,
            redeemer_user_id: uid,
            redeemer_username: who.to_owned(),
            user_input: input.clone(),
            status: if reward.should_redemptions_skip_request_queue {
                "accepted"
            } else {
                "pending"
            },
            redeemed_at: Utc::now(),
        };
        let body = crate::social::redemption_body(&w, &r, &reward);
        crate::social::push_redemption(&mut w.social, r);
        (body, reward, uid, input)
    };
    feed::publish_reward(
        &fake.realtime,
        ids,
        &reward.title,
        uid,
        who,
        &input,
        &reward.background_color,
    );
    fake.emit("channel.reward.redemption.updated", b, body.clone());
    Ok(json!({"id": body["id"], "reward_id": reward.id, "status": body["status"], "user_id": uid}))
}

/// A host/raid brings viewers: socket `StreamHostEvent` and its twin
/// `StreamHostedEvent` (Kick has no webhook for it); a live channel's
/// viewer count jumps and about half the raiders stay.
pub fn host(fake: &Fake, b: u64, who: &str, viewers: u64, message: &str) -> Result<Value> {
    let ids = ids(fake, b)?;
    let viewers = viewers.min(MAX_HOST_VIEWERS);
    let message = clip(message, MAX_TEXT);
    let uid = {
        let mut w = fake.world.lock().unwrap();
        let uid = ensure_viewer(&mut w, who);
        if let Some(c) = w.channels.get_mut(&b).filter(|c| c.is_live) {
            c.viewer_count += viewers;
            c.viewer_base += viewers / 2;
        }
        uid
    };
    feed::publish_host(&fake.realtime, ids, uid, who, viewers, &message);
    Ok(json!({"user_id": uid, "viewers": viewers}))
}

/// A ban (`minutes` `None`) or timeout, by `moderator` (default: the
/// broadcaster): the ban is stored; webhook `moderation.banned`, which the
/// feed translator also sends as the socket's `UserBannedEvent`.
pub fn ban(
    fake: &Fake,
    b: u64,
    who: &str,
    minutes: Option<u64>,
    reason: &str,
    moderator: Option<&str>,
) -> Result<Value> {
    ids(fake, b)?;
    let minutes = minutes.map(|m| m.clamp(1, 10_080));
    let now = Utc::now();
    let expires = minutes.map(|m| now + chrono::Duration::minutes(m as i64));
    let reason = clip(reason, 100);
    let (body, uid) = {
        let mut w = fake.world.lock().unwrap();
        let uid = ensure_viewer(&mut w, who);
        let bname = name_of(&w, b);
        let (mid, mname) = match moderator {
            Some(m) => (ensure_viewer(&mut w, m), m.to_owned()),
            None => (b, bname.clone()),
        };
        if w.social.bans.len() >= crate::social::MAX_BANS {
            w.social.bans.retain(|_, x| x.active());
        }
        if w.social.bans.len() < crate::social::MAX_BANS {
            w.social.bans.insert(
                (b, uid),
                crate::social::Ban {
                    reason: reason.clone(),
                    created_at: now,
                    expires_at: expires,
                },
            );
        }
        let body = json!({
            "broadcaster": event_user(b, &bname, None),
            "moderator": event_user(mid, &mname, None),
            "banned_user": event_user(uid, who, None),
            "metadata": {"reason": reason, "created_at": secs(now), "expires_at": expires.map(secs)},
        });
        (body, uid)
    };
    fake.emit("moderation.banned", b, body);
    Ok(json!({"user_id": uid, "expires_at": expires.map(secs)}))
}

/// Lifts a ban: the internal `moderation.unbanned` (no webhook on Kick),
/// which the feed translator sends as `UserUnbannedEvent`.
pub fn unban(fake: &Fake, b: u64, who: &str) -> Result<Value> {
    ids(fake, b)?;
    let (body, uid) = {
        let mut w = fake.world.lock().unwrap();
        let uid = ensure_viewer(&mut w, who);
        w.social.bans.remove(&(b, uid));
        let bname = name_of(&w, b);
        (
            json!({"broadcaster": event_user(b, &bname, None),
                   "banned_user": {"user_id": uid, "username": who}}),
            uid,
        )
    };
    fake.emit("moderation.unbanned", b, body);
    Ok(json!({"user_id": uid}))
}

/// Live or offline (`livestream.status.updated`; the translator sends
/// `StreamerIsLive` / `StopStreamBroadcast`). True when it changed.
pub fn set_live(fake: &Fake, b: u64, live: bool, viewers: Option<u64>) -> bool {
    crate::world::go_live(fake, b, live, viewers.map(|v| v.min(MAX_HOST_VIEWERS)))
}

/// A new title and/or category: webhook `livestream.metadata.updated`
/// (when something changed); while live the translator also sends the
/// socket's `LivestreamUpdated`.
pub fn set_metadata(
    fake: &Fake,
    b: u64,
    title: Option<&str>,
    category_id: Option<u64>,
) -> Result<Value> {
    let body = {
        let mut w = fake.world.lock().unwrap();
        if let Some(id) = category_id {
            if w.category(id).is_none() {
                return Err("no such category".into());
            }
        }
        let c = w.channels.get_mut(&b).ok_or("no such channel")?;
        let title = title.map(|t| clip(t.trim(), 140)).filter(|t| !t.is_empty());
        let changed = title.as_ref().is_some_and(|t| *t != c.stream_title)
            || category_id.is_some_and(|id| id != c.category_id);
        if let Some(t) = title {
            c.stream_title = t;
        }
        if let Some(id) = category_id {
            c.category_id = id;
        }
        changed.then(|| crate::world::metadata_body(&w, b))
    };
    let changed = body.is_some();
    if let Some(body) = body {
        fake.emit("livestream.metadata.updated", b, body);
    }
    Ok(json!({"changed": changed}))
}

/// A chat line from a viewer, or a reply to `reply_to` (`chat.message.sent`;
/// the translator sends the socket's `ChatMessageEvent`). Returns the
/// message id.
pub fn chat(fake: &Fake, b: u64, who: &str, text: &str, reply_to: Option<&str>) -> String {
    let (uid, color, badges) = {
        let mut w = fake.world.lock().unwrap();
        let uid = ensure_viewer(&mut w, who);
        let known = crate::social::CHATTERS
            .iter()
            .position(|(n, _, _)| n.eq_ignore_ascii_case(who))
            .map(crate::social::chatter);
        match known {
            Some(c) => (uid, c.color, c.badges),
            None => (uid, "#4ECDC4".to_owned(), Vec::new()),
        }
    };
    let c = crate::social::Chatter {
        user_id: uid,
        username: who.to_owned(),
        color,
        badges,
    };
    crate::social::post_message(fake, b, &c, &clip(text, MAX_TEXT), reply_to)
}

/// Most redemptions one control request creates.
pub const MAX_NEW_REDEMPTIONS: usize = 500;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NewRedemptions {
    reward_id: Option<String>,
    /// The viewer (default: the seeded chatters in turn).
    user: Option<String>,
    input: Option<String>,
    /// How many (default 1, at most [`MAX_NEW_REDEMPTIONS`]).
    count: Option<usize>,
    broadcaster_user_id: Option<u64>,
}

/// `POST /_fake/redemptions/new {"reward_id"?, "user"?, "input"?, "count"?}`:
/// viewers redeem (each one `pending`, announced on both sources).
async fn control_new(
    axum::extract::State(fake): axum::extract::State<crate::state::AppState>,
    body: Option<axum::Json<NewRedemptions>>,
) -> axum::Json<Value> {
    let r = body.map(|b| b.0).unwrap_or_default();
    let b = r.broadcaster_user_id.unwrap_or(crate::world::STREAMER_ID);
    let pick = RewardPick {
        id: r.reward_id.clone(),
        title: None,
    };
    let n = r.count.unwrap_or(1).clamp(1, MAX_NEW_REDEMPTIONS);
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let who = r
            .user
            .as_deref()
            .map(username)
            .unwrap_or_else(|| crate::social::chatter(i).username);
        match redeem(&fake, b, &pick, &who, r.input.as_deref()) {
            Ok(v) => ids.push(v["id"].clone()),
            Err(e) => return axum::Json(json!({"ok": false, "error": e, "ids": ids})),
        }
    }
    axum::Json(json!({"ok": true, "ids": ids}))
}

#[derive(serde::Deserialize)]
struct FailNext {
    id: String,
    /// `UNKNOWN` (default), `NOT_PENDING`, `NOT_FOUND` or `NOT_OWNED`.
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /_fake/redemptions/fail {"id", "reason"?}`: the next accept or
/// reject call that names this id reports it failed with that reason and
/// leaves it as it is (the other ids are still applied).
async fn control_fail(
    axum::extract::State(fake): axum::extract::State<crate::state::AppState>,
    axum::Json(f): axum::Json<FailNext>,
) -> axum::Json<Value> {
    let reason = match f.reason.as_deref().unwrap_or("UNKNOWN") {
        "UNKNOWN" => "UNKNOWN",
        "NOT_PENDING" => "NOT_PENDING",
        "NOT_FOUND" => "NOT_FOUND",
        "NOT_OWNED" => "NOT_OWNED",
        _ => return axum::Json(json!({"ok": false, "error": "unknown reason"})),
    };
    let mut w = fake.world.lock().unwrap();
    let fails = &mut w.social.fail_next;
    if fails.len() >= crate::social::MAX_FAIL_NEXT && !fails.contains_key(&f.id) {
        return axum::Json(json!({"ok": false, "error": "too many pending failures"}));
    }
    fails.insert(clip(&f.id, 64), reason);
    axum::Json(json!({"ok": true}))
}

/// `GET /_fake/redemptions`: every redemption the fake holds (newest last).
async fn control_list(
    axum::extract::State(fake): axum::extract::State<crate::state::AppState>,
) -> axum::Json<Value> {
    let w = fake.world.lock().unwrap();
    let list: Vec<Value> = w
        .social
        .redemptions
        .iter()
        .map(|r| {
            json!({"id": r.id, "reward_id": r.reward_id, "status": r.status,
                   "user_id": r.redeemer_user_id, "username": r.redeemer_username,
                   "user_input": r.user_input})
        })
        .collect();
    axum::Json(json!({"redemptions": list}))
}

/// Control routes for redemptions (`/_fake/redemptions/*`).
pub fn control_routes() -> axum::Router<crate::state::AppState> {
    axum::Router::new()
        .route("/_fake/redemptions", axum::routing::get(control_list))
        .route("/_fake/redemptions/new", axum::routing::post(control_new))
        .route("/_fake/redemptions/fail", axum::routing::post(control_fail))
}
