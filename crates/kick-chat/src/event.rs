//! Kick's `App\Events\ChatMessageEvent` (PUSHER.md §4.2) and emote markup (§5.1).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
}

fn u64_of(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
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
        })
    }
}

/// Splits `[emote:ID:NAME]` markup into spans; anything malformed stays text.
pub fn parse_emotes(content: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = content;
    while let Some(start) = rest.find("[emote:") {
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
    Connecting {
        attempt: u32,
    },
    Connected {
        socket_id: String,
    },
    Reconnecting {
        in_ms: u64,
        attempt: u32,
        reason: String,
    },
    Stopped {
        reason: String,
    },
}

/// A typed Kick chat event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    State(ConnectionState),
    Message(ChatMessage),
    MessageDeleted {
        message_id: String,
    },
    UserBanned {
        user_id: u64,
        username: String,
        permanent: bool,
        duration_minutes: Option<u64>,
        expires_at: Option<DateTime<Utc>>,
    },
    UserUnbanned {
        user_id: u64,
        username: String,
    },
    Pinned {
        message: Option<ChatMessage>,
    },
    Unpinned,
    Subscription {
        username: String,
        months: u64,
    },
    GiftedSubscriptions {
        gifter: String,
        count: u64,
    },
    Host {
        host: String,
        viewers: u64,
    },
    KicksGifted {
        sender: String,
        amount: u64,
        name: String,
    },
    Live {
        live: bool,
        title: String,
    },
    ChatroomUpdated,
    ChatCleared,
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

fn u64_at(v: &Value, path: &[&str]) -> Option<u64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    u64_of(cur)
}

impl ChatEvent {
    /// Maps a Pusher frame to a Kick event (by the name after the last `\`);
    /// `None` for events Kickstand does not use or malformed payloads.
    pub fn from_frame(f: &crate::protocol::Frame) -> Option<ChatEvent> {
        let name = f.event.rsplit('\\').next().unwrap_or_default();
        let d = &f.data;
        Some(match name {
            "ChatMessageEvent" => ChatEvent::Message(ChatMessage::from_data(d)?),
            "MessageDeletedEvent" => ChatEvent::MessageDeleted {
                message_id: d.get("message")?.get("id")?.as_str()?.to_owned(),
            },
            "UserBannedEvent" => ChatEvent::UserBanned {
                user_id: u64_at(d, &["user", "id"])?,
                username: str_at(d, &["user", "username"]).to_owned(),
                permanent: d.get("permanent").and_then(Value::as_bool).unwrap_or(false),
                duration_minutes: u64_at(d, &["duration"]),
                expires_at: d
                    .get("expires_at")
                    .and_then(Value::as_str)
                    .and_then(parse_time),
            },
            "UserUnbannedEvent" => ChatEvent::UserUnbanned {
                user_id: u64_at(d, &["user", "id"])?,
                username: str_at(d, &["user", "username"]).to_owned(),
            },
            "PinnedMessageCreatedEvent" => ChatEvent::Pinned {
                message: d.get("message").and_then(ChatMessage::from_data),
            },
            "PinnedMessageDeletedEvent" => ChatEvent::Unpinned,
            "SubscriptionEvent" => ChatEvent::Subscription {
                username: str_at(d, &["username"]).to_owned(),
                months: u64_at(d, &["months"]).unwrap_or(1),
            },
            "GiftedSubscriptionsEvent" => ChatEvent::GiftedSubscriptions {
                gifter: str_at(d, &["gifter_username"]).to_owned(),
                count: d
                    .get("gifted_usernames")
                    .and_then(Value::as_array)
                    .map(|a| a.len() as u64)
                    .unwrap_or(0),
            },
            "StreamHostEvent" => ChatEvent::Host {
                host: str_at(d, &["host_username"]).to_owned(),
                viewers: u64_at(d, &["number_viewers"]).unwrap_or(0),
            },
            "KicksGifted" => ChatEvent::KicksGifted {
                sender: str_at(d, &["sender", "username"]).to_owned(),
                amount: u64_at(d, &["gift", "amount"]).unwrap_or(0),
                name: str_at(d, &["gift", "name"]).to_owned(),
            },
            "StreamerIsLive" => ChatEvent::Live {
                live: true,
                title: str_at(d, &["livestream", "session_title"]).to_owned(),
            },
            "StopStreamBroadcast" => ChatEvent::Live {
                live: false,
                title: String::new(),
            },
            "ChatroomUpdatedEvent" => ChatEvent::ChatroomUpdated,
            "ChatroomClearEvent" => ChatEvent::ChatCleared,
            _ => return None,
        })
    }
}
