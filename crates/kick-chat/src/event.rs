//! Kick's `App\Events\ChatMessageEvent` (PUSHER.md §4.2) and emote markup (§5.1).

use crate::negotiate::Transport;
use crate::wire::{self, next, skip, Key, Lenient, Payload, U64Of, L};
use chrono::{DateTime, Utc};
use serde::de::{MapAccess, SeqAccess};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Badge {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub count: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sender {
    pub id: u64,
    pub username: String,
    pub slug: String,
    pub color: String,
    pub badges: Vec<Badge>,
}

/// A piece of a message: text, or an emote with its image id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Span {
    Text { text: String },
    Emote { id: String, name: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub id: String,
    pub chatroom_id: u64,
    pub sender: Sender,
    pub content: String,
    pub spans: Vec<Span>,
    /// `message`, `reply`, `celebration`, ...
    pub kind: String,
    pub reply_to: Option<(String, String)>,
    pub created_at: Option<DateTime<Utc>>,
    /// For `type: "celebration"` lines: the celebration kind (e.g.
    /// `subscription_renewed`) and the months it celebrates. The sub itself
    /// arrives as [`ChatEvent::Subscription`]; this is only the chat text.
    pub celebration: Option<(String, u64)>,
    /// Paid messages: the amount (`gift.amount`).
    pub paid_amount: Option<u64>,
}

fn u64_of(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
}

impl ChatMessage {
    /// From the decoded `data` of a ChatMessageEvent; `None` when the
    /// required fields (id, sender) are missing.
    pub fn from_data(d: &Value) -> Option<ChatMessage> {
        let s = d.get("sender")?;
        let identity = s.get("identity");
        let content = d
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let meta = d.get("metadata");
        let reply_to = meta.and_then(|m| m.get("original_message")).and_then(|o| {
            Some((
                o.get("id")?.as_str()?.to_owned(),
                o.get("content")?.as_str().unwrap_or_default().to_owned(),
            ))
        });
        Some(ChatMessage {
            id: d.get("id")?.as_str()?.to_owned(),
            chatroom_id: d.get("chatroom_id").and_then(u64_of).unwrap_or(0),
            sender: Sender {
                id: s.get("id").and_then(u64_of)?,
                username: s
                    .get("username")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                slug: s
                    .get("slug")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                color: identity
                    .and_then(|i| i.get("color"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                badges: identity
                    .and_then(|i| i.get("badges"))
                    .and_then(|b| serde_json::from_value(b.clone()).ok())
                    .unwrap_or_default(),
            },
            spans: parse_emotes(&content),
            content,
            kind: d
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("message")
                .to_owned(),
            reply_to,
            created_at: d
                .get("created_at")
                .and_then(Value::as_str)
                .and_then(parse_time),
            celebration: meta.and_then(|m| m.get("celebration")).and_then(|c| {
                Some((
                    c.get("type")?.as_str()?.to_owned(),
                    c.get("total_months").and_then(u64_of).unwrap_or(0),
                ))
            }),
            paid_amount: d.get("gift").and_then(|g| g.get("amount")).and_then(u64_of),
        })
    }

    /// The same as [`ChatMessage::from_data`] on the parsed `text`, read
    /// straight from the text. `Err` when the text is not JSON, or holds
    /// something only the `Value` path reads exactly (then use that).
    pub fn from_json(text: &str) -> serde_json::Result<Option<ChatMessage>> {
        wire::read::<MessageData>(text).map(MessageData::message)
    }
}

/// A `ChatMessageEvent`'s data read straight from its JSON text, borrowed
/// where it can be, with `from_data`'s leniency (see [`crate::wire`]).
#[derive(Default)]
struct MessageData<'a> {
    id: Option<Cow<'a, str>>,
    chatroom_id: U64Of,
    content: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    created_at: Option<Cow<'a, str>>,
    sender: SenderData<'a>,
    metadata: MetadataData<'a>,
    gift_amount: U64Of,
}

#[derive(Default)]
struct SenderData<'a> {
    id: U64Of,
    username: Option<Cow<'a, str>>,
    slug: Option<Cow<'a, str>>,
    color: Option<Cow<'a, str>>,
    badges: Badges,
}

#[derive(Default)]
struct MetadataData<'a> {
    /// `original_message`: its `id` (a string) and, when the key is there,
    /// its `content`.
    reply_id: Option<Cow<'a, str>>,
    reply_content: Option<Option<Cow<'a, str>>>,
    /// `celebration`: `type` (a string) and `total_months`.
    celebration: Option<Cow<'a, str>>,
    total_months: U64Of,
}

impl<'de> Lenient<'de> for MessageData<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut m = MessageData::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "id" => m.id = next(&mut map)?,
                "chatroom_id" => m.chatroom_id = next(&mut map)?,
                "content" => m.content = next(&mut map)?,
                "type" => m.kind = next(&mut map)?,
                "created_at" => m.created_at = next(&mut map)?,
                "sender" => m.sender = next(&mut map)?,
                "metadata" => m.metadata = next(&mut map)?,
                "gift" => m.gift_amount = next::<Gift, _>(&mut map)?.0,
                _ => skip(&mut map)?,
            }
        }
        Ok(m)
    }
}

impl<'de> Lenient<'de> for SenderData<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut s = SenderData::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "id" => s.id = next(&mut map)?,
                "username" => s.username = next(&mut map)?,
                "slug" => s.slug = next(&mut map)?,
                "identity" => {
                    let i: Identity = next(&mut map)?;
                    (s.color, s.badges) = (i.color, i.badges);
                }
                _ => skip(&mut map)?,
            }
        }
        Ok(s)
    }
}

#[derive(Default)]
struct Identity<'a> {
    color: Option<Cow<'a, str>>,
    badges: Badges,
}

impl<'de> Lenient<'de> for Identity<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut i = Identity::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "color" => i.color = next(&mut map)?,
                "badges" => i.badges = next(&mut map)?,
                _ => skip(&mut map)?,
            }
        }
        Ok(i)
    }
}

/// `serde_json::from_value::<Vec<Badge>>(..).ok().unwrap_or_default()`: a
/// list of badge objects, or nothing at all when any of them does not fit.
#[derive(Default)]
struct Badges(Vec<Badge>);

impl<'de> Lenient<'de> for Badges {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut out = Vec::new();
        let mut fits = true;
        while let Some(L(b)) = seq.next_element::<L<BadgeData>>()? {
            match b.badge() {
                Some(b) if fits => out.push(b),
                Some(_) => {}
                None => fits = false,
            }
        }
        Ok(Badges(if fits { out } else { Vec::new() }))
    }
}

/// One badge as `Badge`'s derived `Deserialize` reads it from a `Value`:
/// `type` and `text` strings, `count` null or a u64, each may be missing.
#[derive(Default)]
struct BadgeData<'a> {
    fits: bool,
    kind: Option<Option<Cow<'a, str>>>,
    text: Option<Option<Cow<'a, str>>>,
    count: Option<Count>,
}

#[derive(Default, PartialEq)]
enum Count {
    #[default]
    Null,
    Some(u64),
    Misfit,
}

impl Lenient<'_> for Count {
    fn other() -> Self {
        Count::Misfit
    }
    fn null() -> Self {
        Count::Null
    }
    fn from_u64(n: u64) -> Self {
        Count::Some(n)
    }
    fn from_i64(n: i64) -> Self {
        u64::try_from(n).map_or(Count::Misfit, Count::Some)
    }
}

impl BadgeData<'_> {
    fn badge(self) -> Option<Badge> {
        let field = |f: Option<Option<Cow<str>>>| match f {
            None => Some(String::new()),
            Some(s) => s.map(Cow::into_owned),
        };
        let count = match self.count {
            None | Some(Count::Null) => None,
            Some(Count::Some(n)) => Some(n),
            Some(Count::Misfit) => return None,
        };
        if !self.fits {
            return None;
        }
        Some(Badge {
            kind: field(self.kind)?,
            text: field(self.text)?,
            count,
        })
    }
}

impl<'de> Lenient<'de> for BadgeData<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut b = BadgeData {
            fits: true,
            ..BadgeData::default()
        };
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "type" => b.kind = Some(next(&mut map)?),
                "text" => b.text = Some(next(&mut map)?),
                "count" => b.count = Some(next(&mut map)?),
                _ => skip(&mut map)?,
            }
        }
        Ok(b)
    }
    /// A badge as an array would fill the fields in order: rare enough to
    /// leave to the `Value` path.
    fn from_seq<A: SeqAccess<'de>>(_seq: A) -> Result<Self, A::Error> {
        Err(wire::use_value())
    }
}

impl<'de> Lenient<'de> for MetadataData<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut m = MetadataData::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "original_message" => {
                    let o: Original = next(&mut map)?;
                    (m.reply_id, m.reply_content) = (o.id, o.content);
                }
                "celebration" => {
                    let c: Celebration = next(&mut map)?;
                    (m.celebration, m.total_months) = (c.kind, c.total_months);
                }
                _ => skip(&mut map)?,
            }
        }
        Ok(m)
    }
}

#[derive(Default)]
struct Original<'a> {
    id: Option<Cow<'a, str>>,
    content: Option<Option<Cow<'a, str>>>,
}

impl<'de> Lenient<'de> for Original<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut o = Original::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "id" => o.id = next(&mut map)?,
                "content" => o.content = Some(next(&mut map)?),
                _ => skip(&mut map)?,
            }
        }
        Ok(o)
    }
}

#[derive(Default)]
struct Celebration<'a> {
    kind: Option<Cow<'a, str>>,
    total_months: U64Of,
}

impl<'de> Lenient<'de> for Celebration<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut c = Celebration::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "type" => c.kind = next(&mut map)?,
                "total_months" => c.total_months = next(&mut map)?,
                _ => skip(&mut map)?,
            }
        }
        Ok(c)
    }
}

/// `gift.amount`.
#[derive(Default)]
struct Gift(U64Of);

impl<'de> Lenient<'de> for Gift {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut g = Gift::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "amount" => g.0 = next(&mut map)?,
                _ => skip(&mut map)?,
            }
        }
        Ok(g)
    }
}

impl MessageData<'_> {
    fn message(self) -> Option<ChatMessage> {
        let s = self.sender;
        let m = self.metadata;
        let content = self.content.map(Cow::into_owned).unwrap_or_default();
        let own = |c: Option<Cow<str>>| c.map(Cow::into_owned).unwrap_or_default();
        Some(ChatMessage {
            id: self.id?.into_owned(),
            chatroom_id: self.chatroom_id.0.unwrap_or(0),
            sender: Sender {
                id: s.id.0?,
                username: own(s.username),
                slug: own(s.slug),
                color: own(s.color),
                badges: s.badges.0,
            },
            spans: parse_emotes(&content),
            content,
            kind: self
                .kind
                .map_or_else(|| "message".to_owned(), Cow::into_owned),
            reply_to: match (m.reply_id, m.reply_content) {
                (Some(id), Some(c)) => Some((id.into_owned(), own(c))),
                _ => None,
            },
            created_at: self.created_at.as_deref().and_then(parse_time),
            celebration: m
                .celebration
                .map(|c| (c.into_owned(), m.total_months.0.unwrap_or(0))),
            paid_amount: self.gift_amount.0,
        })
    }
}

/// Splits `[emote:ID:NAME]` markup into spans; anything malformed stays text.
/// Where `[emote:` starts in `s`: a `[` found with memchr, then the prefix
/// checked (a `str` pattern sets up a two-way searcher on every call, which
/// cost more than the search on a chat line).
fn next_emote(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find('[') {
        let at = from + i;
        if s[at..].starts_with("[emote:") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

pub fn parse_emotes(content: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = content;
    while let Some(start) = next_emote(rest) {
        let after = &rest[start + 7..];
        let parsed = after.find(']').and_then(|end| {
            let inner = &after[..end];
            let (id, name) = inner.split_once(':')?;
            (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) && !name.is_empty())
                .then(|| (id.to_owned(), name.to_owned(), end))
        });
        match parsed {
            Some((id, name, end)) => {
                text.push_str(&rest[..start]);
                if !text.is_empty() {
                    out.push(Span::Text {
                        text: std::mem::take(&mut text),
                    });
                }
                out.push(Span::Emote { id, name });
                rest = &after[end + 1..];
            }
            None => {
                text.push_str(&rest[..start + 7]);
                rest = after;
            }
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(Span::Text { text });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emote_markup_becomes_spans() {
        assert_eq!(
            parse_emotes("gg [emote:37227:LULW] @someone"),
            vec![
                Span::Text { text: "gg ".into() },
                Span::Emote {
                    id: "37227".into(),
                    name: "LULW".into()
                },
                Span::Text {
                    text: " @someone".into()
                },
            ]
        );
        assert_eq!(parse_emotes("[emote:1:A][emote:2:B]").len(), 2);
        assert_eq!(
            parse_emotes("[emote:x:A] [emote:5"),
            vec![Span::Text {
                text: "[emote:x:A] [emote:5".into()
            }]
        );
    }

    #[test]
    fn chat_message_from_a_kick_shaped_event() {
        let d: Value = serde_json::from_str(
            r##"{"id":"0b6f2c1e-5d3a-4f0e-9a51-3c2d1e0f9a77","chatroom_id":4240,"content":"hi [emote:37227:LULW]",
            "type":"reply","created_at":"2025-09-15T20:56:04+00:00",
            "sender":{"id":5550123,"username":"SomeUser","slug":"someuser",
              "identity":{"color":"#FF9D00","badges":[{"type":"subscriber","text":"Subscriber","count":10}]}},
            "metadata":{"original_sender":{"id":1,"username":"a"},"original_message":{"id":"m0","content":"question?"}}}"##,
        )
        .unwrap();
        let m = ChatMessage::from_data(&d).unwrap();
        assert_eq!(m.chatroom_id, 4240);
        assert_eq!(m.sender.color, "#FF9D00");
        assert_eq!(m.sender.badges[0].count, Some(10));
        assert_eq!(m.reply_to, Some(("m0".into(), "question?".into())));
        assert_eq!(m.spans.len(), 2);
        assert!(m.created_at.is_some());
        assert!(ChatMessage::from_data(&serde_json::json!({"content": "no id"})).is_none());
    }
}

/// The socket's state, always shown to the streamer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// Negotiating and opening a socket (`transport` once known).
    Connecting {
        attempt: u32,
        transport: Option<Transport>,
    },
    /// Subscribed to the chat channel.
    Connected {
        transport: Transport,
        /// Pusher's socket id or Centrifugo's client id.
        socket_id: String,
        /// Why Kick's old Pusher values are in use (negotiation failed);
        /// Kickstand keeps asking Kick and switches once it answers.
        fallback: Option<String>,
    },
    /// Down, with a plain reason, and when the next try comes.
    Reconnecting {
        in_ms: u64,
        attempt: u32,
        reason: String,
        transport: Option<Transport>,
    },
    /// Given up, with the reason (chat turned off, or Kick offers only a
    /// transport Kickstand does not implement).
    Stopped { reason: String },
}

/// One option of a poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PollOption {
    pub id: u64,
    pub label: String,
    pub votes: u64,
}

/// One outcome of a prediction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PredictionOutcome {
    pub id: String,
    pub title: String,
    pub vote_count: u64,
    pub total_vote_amount: u64,
}

/// The chat room's modes after a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct ChatroomModes {
    /// Seconds between messages when slow mode is on.
    pub slow_mode_interval: Option<u64>,
    pub subscribers_only: bool,
    /// Minutes a viewer must follow when followers-only is on.
    pub followers_only_minutes: Option<u64>,
    pub emotes_only: bool,
}

/// A typed Kick chat event. Each real action arrives once, whatever the
/// transport and however many twins Kick sends (REALTIME.md §d.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    State(ConnectionState),
    /// Boxed: a message is most of what flows, and the enum is moved from
    /// the decoder through the filter into the channel; a box moves as a
    /// pointer instead of ~300 bytes.
    Message(Box<ChatMessage>),
    MessageDeleted {
        message_id: String,
        ai_moderated: bool,
    },
    UserBanned {
        user_id: u64,
        username: String,
        permanent: bool,
        duration_minutes: Option<u64>,
        expires_at: Option<DateTime<Utc>>,
        banned_by: String,
    },
    UserUnbanned {
        user_id: u64,
        username: String,
        unbanned_by: String,
    },
    Pinned {
        message: Option<Box<ChatMessage>>,
        duration_secs: Option<u64>,
        pinned_by: String,
    },
    Unpinned,
    /// `SubscriptionEvent` (its twins are dropped).
    Subscription {
        username: String,
        months: u64,
    },
    /// `GiftedSubscriptionsEvent`, chunks gathered into one gift.
    GiftedSubscriptions {
        /// `chunk_details.correlation_id` when Kick sent one.
        gift_id: Option<String>,
        gifter: String,
        count: u64,
        recipients: Vec<String>,
        /// All-time gifts of this gifter, when sent.
        gifter_total: Option<u64>,
    },
    Host {
        host: String,
        viewers: u64,
        message: Option<String>,
    },
    KicksGifted {
        gift_transaction_id: String,
        sender: String,
        amount: u64,
        name: String,
        gift_id: String,
        message: String,
        tier: String,
    },
    Live {
        live: bool,
        title: String,
        livestream_id: Option<u64>,
    },
    Viewers {
        viewers: u64,
    },
    ChatroomUpdated(ChatroomModes),
    ChatCleared,
    Poll {
        title: String,
        options: Vec<PollOption>,
        duration_secs: u64,
        remaining_secs: u64,
    },
    PollDeleted,
    Prediction {
        id: String,
        title: String,
        /// `ACTIVE`, `LOCKED`, `RESOLVED`, `CANCELLED`.
        state: String,
        outcomes: Vec<PredictionOutcome>,
        winning_outcome_id: Option<String>,
    },
    RewardRedeemed {
        /// Kick's ids when the payload carries them (not seen so far).
        redemption_id: Option<String>,
        reward_id: Option<String>,
        reward_title: String,
        user_id: u64,
        username: String,
        user_input: String,
        color: String,
    },
    Follow {
        username: String,
        followed: bool,
        followers: Option<u64>,
    },
    GoalProgress {
        goal_id: String,
        /// e.g. `followers`.
        kind: String,
        current: u64,
        target: u64,
    },
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return "",
        }
    }
    cur.as_str().unwrap_or_default()
}

fn opt_str(v: &Value, path: &[&str]) -> Option<String> {
    let s = str_at(v, path);
    (!s.is_empty()).then(|| s.to_owned())
}

fn u64_at(v: &Value, path: &[&str]) -> Option<u64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    u64_of(cur)
}

fn id_at(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One gifted-subs chunk, before chunks are gathered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GiftChunk {
    pub gifter: String,
    pub recipients: Vec<String>,
    /// `gifted_total` (this gift, all chunks) when sent.
    pub gifted_total: Option<u64>,
    pub gifter_total: Option<u64>,
    /// `(correlation_id, chunk_index, total_chunks)`.
    pub chunk: Option<(String, u64, u64)>,
}

/// What a Kick event is, before dedupe.
#[derive(Clone, Debug, PartialEq, Eq)]
// Short-lived, moved once per event: boxing would cost an allocation per
// chat message for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Kick {
    Event(ChatEvent),
    Gift(GiftChunk),
    /// A twin or legacy duplicate of an event counted elsewhere (§d.3).
    Twin,
    /// Known and deliberately not shown (leaderboards, settings, points).
    Ignored,
    /// A known event whose payload lacks what we need.
    Invalid,
    Unknown,
}

/// The twins and legacy duplicates of §d.3: each real action is counted on
/// its primary event, these are recognised and dropped.
pub const TWINS: &[&str] = &[
    "ChannelSubscriptionEvent",
    "NewSubscriberUpdatedEvent",
    "NewActivityFeedEvent",
    "ChatMessageSentEvent",
    "LuckyUsersWhoGotGiftSubscriptionsEvent",
    "KicksLeaderboardUpdated",
    "StreamHostedEvent",
];

/// Known events Kickstand does not show.
pub const IGNORED: &[&str] = &[
    "GiftsLeaderboardUpdated",
    "ChatSettingsChanged",
    "PointsUpdated",
    "ChatMoveToSupportedChannelEvent",
    "drops_campaign_started",
];

impl ChatEvent {
    /// Maps a Pusher frame to a Kick event (see [`ChatEvent::from_kick`]).
    pub fn from_frame(f: &crate::protocol::Frame) -> Option<ChatEvent> {
        match Self::from_kick(&f.event, &f.data) {
            Kick::Event(e) => Some(e),
            _ => None,
        }
    }

    /// Maps an event (name as on the wire, data decoded) to what it means.
    /// Names match on the part after the last `\`, so prefixed and bare
    /// names are the same event (PUSHER.md §4).
    pub fn from_kick(event: &str, d: &Value) -> Kick {
        let name = event.rsplit('\\').next().unwrap_or_default();
        if TWINS.contains(&name) {
            return Kick::Twin;
        }
        if IGNORED.contains(&name) {
            return Kick::Ignored;
        }
        Self::parse_value(name, d)
    }

    /// [`ChatEvent::from_kick`] on the data as it came off the wire: twins
    /// and ignored events are not decoded at all, and a chat message's JSON
    /// text is read straight into the message (no `Value` tree); anything
    /// else is decoded to a `Value` first. Answers what `from_kick` answers
    /// on `data.into_value()`.
    pub fn from_kick_payload(event: &str, data: Payload<'_>) -> Kick {
        let name = event.rsplit('\\').next().unwrap_or_default();
        if TWINS.contains(&name) {
            return Kick::Twin;
        }
        if IGNORED.contains(&name) {
            return Kick::Ignored;
        }
        if let (Payload::Text(text), "ChatMessageEvent") = (&data, name) {
            // Kick's usual message, in one pass (crate::fast); anything
            // unusual goes through serde.
            if let Some(m) = crate::fast::message(text) {
                return Kick::Event(ChatEvent::Message(Box::new(m)));
            }
            match ChatMessage::from_json(text) {
                Ok(Some(m)) => return Kick::Event(ChatEvent::Message(Box::new(m))),
                Ok(None) => return Kick::Invalid,
                // Not JSON: `from_kick` would see a string, no message.
                Err(e) if e.is_syntax() || e.is_eof() => return Kick::Invalid,
                Err(_) => {}
            }
        }
        Self::parse_value(name, &data.into_value())
    }

    fn parse_value(name: &str, d: &Value) -> Kick {
        match Self::parse(name, d) {
            Ok(k) => k,
            Err(()) => Kick::Invalid,
        }
    }

    fn parse(name: &str, d: &Value) -> Result<Kick, ()> {
        let need = |o: Option<u64>| o.ok_or(());
        Ok(Kick::Event(match name {
            "ChatMessageEvent" => {
                ChatEvent::Message(Box::new(ChatMessage::from_data(d).ok_or(())?))
            }
            "MessageDeletedEvent" => ChatEvent::MessageDeleted {
                message_id: opt_str(d, &["message", "id"]).ok_or(())?,
                ai_moderated: d
                    .get("aiModerated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            },
            "UserBannedEvent" => ChatEvent::UserBanned {
                user_id: need(u64_at(d, &["user", "id"]))?,
                username: str_at(d, &["user", "username"]).to_owned(),
                permanent: d.get("permanent").and_then(Value::as_bool).unwrap_or(false),
                duration_minutes: u64_at(d, &["duration"]),
                expires_at: d
                    .get("expires_at")
                    .and_then(Value::as_str)
                    .and_then(parse_time),
                banned_by: str_at(d, &["banned_by", "username"]).to_owned(),
            },
            "UserUnbannedEvent" => ChatEvent::UserUnbanned {
                user_id: need(u64_at(d, &["user", "id"]))?,
                username: str_at(d, &["user", "username"]).to_owned(),
                unbanned_by: str_at(d, &["unbanned_by", "username"]).to_owned(),
            },
            "PinnedMessageCreatedEvent" => ChatEvent::Pinned {
                message: d
                    .get("message")
                    .and_then(ChatMessage::from_data)
                    .map(Box::new),
                duration_secs: u64_at(d, &["duration"]),
                pinned_by: str_at(d, &["pinnedBy", "username"]).to_owned(),
            },
            // Literally `[]` in 2025 captures; `{id}` in one client.
            "PinnedMessageDeletedEvent" => ChatEvent::Unpinned,
            "SubscriptionEvent" => ChatEvent::Subscription {
                username: opt_str(d, &["username"]).ok_or(())?,
                months: u64_at(d, &["months"]).unwrap_or(1),
            },
            "GiftedSubscriptionsEvent" => {
                let recipients: Vec<String> = d
                    .get("gifted_usernames")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|u| u.as_str().or_else(|| u.get("username")?.as_str()))
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                let chunk = d
                    .get("chunk_details")
                    .filter(|c| c.is_object())
                    .and_then(|c| {
                        Some((
                            id_at(c, "correlation_id")?,
                            u64_at(c, &["chunk_index"]).unwrap_or(0),
                            u64_at(c, &["total_chunks"]).unwrap_or(1).max(1),
                        ))
                    });
                return Ok(Kick::Gift(GiftChunk {
                    gifter: opt_str(d, &["gifter_username"]).ok_or(())?,
                    recipients,
                    gifted_total: u64_at(d, &["gifted_total"]),
                    gifter_total: u64_at(d, &["gifter_total"]),
                    chunk,
                }));
            }
            // The "modern" shape from the JS bundle (⚠ not seen live).
            "SubscriptionGifted" => {
                let recipients: Vec<String> = d
                    .get("gifted_users")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|u| u.get("username")?.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                return Ok(Kick::Gift(GiftChunk {
                    gifter: opt_str(d, &["user", "username"]).ok_or(())?,
                    gifted_total: Some(recipients.len() as u64),
                    recipients,
                    gifter_total: None,
                    chunk: id_at(d, "id").map(|id| (id, 0, 1)),
                }));
            }
            "StreamHostEvent" => ChatEvent::Host {
                host: opt_str(d, &["host_username"]).ok_or(())?,
                viewers: u64_at(d, &["number_viewers"]).unwrap_or(0),
                message: opt_str(d, &["optional_message"]),
            },
            "KicksGifted" => ChatEvent::KicksGifted {
                gift_transaction_id: id_at(d, "gift_transaction_id").ok_or(())?,
                sender: str_at(d, &["sender", "username"]).to_owned(),
                amount: u64_at(d, &["gift", "amount"]).unwrap_or(0),
                name: str_at(d, &["gift", "name"]).to_owned(),
                gift_id: str_at(d, &["gift", "gift_id"]).to_owned(),
                message: str_at(d, &["message"]).to_owned(),
                tier: str_at(d, &["gift", "tier"]).to_owned(),
            },
            "StreamerIsLive" => ChatEvent::Live {
                live: true,
                title: str_at(d, &["livestream", "session_title"]).to_owned(),
                livestream_id: u64_at(d, &["livestream", "id"]),
            },
            "StopStreamBroadcast" => ChatEvent::Live {
                live: false,
                title: String::new(),
                livestream_id: u64_at(d, &["livestream", "id"]).filter(|id| *id > 0),
            },
            "LivestreamUpdated" | "UpdatedLiveStreamEvent" => ChatEvent::Viewers {
                viewers: u64_at(d, &["viewers"])
                    .or_else(|| u64_at(d, &["livestream", "viewer_count"]))
                    .or_else(|| u64_at(d, &["viewer_count"]))
                    .ok_or(())?,
            },
            "ChatroomUpdatedEvent" => {
                let on = |k: &str| {
                    d.get(k)
                        .and_then(|m| m.get("enabled"))
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                };
                ChatEvent::ChatroomUpdated(ChatroomModes {
                    slow_mode_interval: on("slow_mode")
                        .then(|| u64_at(d, &["slow_mode", "message_interval"]).unwrap_or(0)),
                    subscribers_only: on("subscribers_mode"),
                    followers_only_minutes: on("followers_mode")
                        .then(|| u64_at(d, &["followers_mode", "min_duration"]).unwrap_or(0)),
                    emotes_only: on("emotes_mode"),
                })
            }
            "ChatroomClearEvent" => ChatEvent::ChatCleared,
            "PollUpdateEvent" => {
                let p = d.get("poll").ok_or(())?;
                ChatEvent::Poll {
                    title: str_at(p, &["title"]).to_owned(),
                    options: p
                        .get("options")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .map(|o| PollOption {
                                    id: u64_at(o, &["id"]).unwrap_or(0),
                                    label: str_at(o, &["label"]).to_owned(),
                                    votes: u64_at(o, &["votes"]).unwrap_or(0),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    duration_secs: u64_at(p, &["duration"]).unwrap_or(0),
                    remaining_secs: u64_at(p, &["remaining"]).unwrap_or(0),
                }
            }
            "PollDeleteEvent" => ChatEvent::PollDeleted,
            "PredictionCreated" | "PredictionUpdated" => {
                let p = d.get("prediction").ok_or(())?;
                ChatEvent::Prediction {
                    id: id_at(p, "id").ok_or(())?,
                    title: str_at(p, &["title"]).to_owned(),
                    state: str_at(p, &["state"]).to_owned(),
                    outcomes: p
                        .get("outcomes")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .map(|o| PredictionOutcome {
                                    id: id_at(o, "id").unwrap_or_default(),
                                    title: str_at(o, &["title"]).to_owned(),
                                    vote_count: u64_at(o, &["vote_count"]).unwrap_or(0),
                                    total_vote_amount: u64_at(o, &["total_vote_amount"])
                                        .unwrap_or(0),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    winning_outcome_id: id_at(p, "winning_outcome_id"),
                }
            }
            "RewardRedeemedEvent" => ChatEvent::RewardRedeemed {
                redemption_id: id_at(d, "redemption_id").or_else(|| id_at(d, "id")),
                reward_id: id_at(d, "reward_id"),
                reward_title: opt_str(d, &["reward_title"]).ok_or(())?,
                user_id: u64_at(d, &["user_id"]).unwrap_or(0),
                username: str_at(d, &["username"]).to_owned(),
                user_input: str_at(d, &["user_input"]).to_owned(),
                color: str_at(d, &["reward_background_color"]).to_owned(),
            },
            "FollowersUpdated" | "FollowersUpdatedEvent" => ChatEvent::Follow {
                username: str_at(d, &["username"]).to_owned(),
                followed: d.get("followed").and_then(Value::as_bool).unwrap_or(true),
                followers: u64_at(d, &["followersCount"])
                    .or_else(|| u64_at(d, &["followers_count"])),
            },
            "GoalProgressUpdateEvent" => ChatEvent::GoalProgress {
                goal_id: id_at(d, "id").unwrap_or_default(),
                kind: str_at(d, &["type"]).to_owned(),
                current: need(u64_at(d, &["current_value"]))?,
                target: u64_at(d, &["target_value"]).unwrap_or(0),
            },
            _ => return Ok(Kick::Unknown),
        }))
    }
}

#[cfg(test)]
mod kick_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefixed_and_bare_names_are_the_same_event() {
        let d = json!({"chatroom_id":1,"username":"Fan","months":3});
        assert_eq!(
            ChatEvent::from_kick(r"App\Events\SubscriptionEvent", &d),
            ChatEvent::from_kick("SubscriptionEvent", &d)
        );
        assert_eq!(
            ChatEvent::from_kick(r"App\Events\ChannelSubscriptionEvent", &d),
            Kick::Twin
        );
        assert_eq!(ChatEvent::from_kick("SomethingNew", &d), Kick::Unknown);
        assert_eq!(
            ChatEvent::from_kick("KicksGifted", &json!({})),
            Kick::Invalid
        );
    }
}
