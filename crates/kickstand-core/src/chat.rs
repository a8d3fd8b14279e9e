//! Live chat in the app: the Pusher client (kick-chat) feeding a bounded
//! history and the UI in batches (at most one push per ~16 ms frame, never
//! one per message), plus sending and moderation through the official API.

use crate::dto::{ChatBatch, ChatItem, ChatLine, ChatSpan, ChatStatus};
use crate::events::{CoreEvent, EventSink};
use kick_chat::{ChatConfig, ChatEvent, ChatHandle, ConnectionState, Span};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Messages kept for a newly opened panel.
pub const HISTORY: usize = 2000;
/// One UI push at most this often.
pub const FRAME: Duration = Duration::from_millis(16);

pub struct ChatService {
    handle: ChatHandle,
    pub history: Arc<Mutex<VecDeque<ChatItem>>>,
    pub status: Arc<Mutex<ChatStatus>>,
}

impl ChatService {
    pub fn stop(&self) {
        self.handle.stop();
    }
}

fn line(m: kick_chat::ChatMessage, me: &str) -> ChatLine {
    let mention = !me.is_empty()
        && m.content
            .to_lowercase()
            .contains(&format!("@{}", me.to_lowercase()));
    ChatLine {
        id: m.id,
        user_id: m.sender.id,
        username: m.sender.username,
        color: m.sender.color,
        badges: m.sender.badges.into_iter().map(|b| b.kind).collect(),
        spans: m
            .spans
            .into_iter()
            .map(|s| match s {
                Span::Text { text } => ChatSpan::Text { text },
                Span::Emote { id, name } => ChatSpan::Emote { id, name },
            })
            .collect(),
        reply_to: m.reply_to.map(|(_, content)| content),
        created_at_ms: m.created_at.map(|t| t.timestamp_millis()),
        mention,
    }
}

fn status_of(s: &ConnectionState) -> ChatStatus {
    match s {
        ConnectionState::Connecting { .. } => ChatStatus::Connecting,
        ConnectionState::Connected { .. } => ChatStatus::Connected,
        ConnectionState::Reconnecting { in_ms, reason, .. } => ChatStatus::Reconnecting {
            in_ms: *in_ms,
            reason: reason.clone(),
        },
        ConnectionState::Stopped { reason } => ChatStatus::Off {
            reason: Some(reason.clone()),
        },
    }
}

/// Turns a socket event into what the panel shows (None: not shown).
fn item(ev: ChatEvent, me: &str) -> Option<ChatItem> {
    Some(match ev {
        ChatEvent::Message(m) => ChatItem::Line(line(m, me)),
        ChatEvent::MessageDeleted { message_id, .. } => ChatItem::Deleted { message_id },
        ChatEvent::UserBanned {
            username,
            permanent,
            duration_minutes,
            ..
        } => ChatItem::Notice {
            text: if permanent {
                format!("{username} was banned.")
            } else {
                format!(
                    "{username} was timed out for {} min.",
                    duration_minutes.unwrap_or(0)
                )
            },
        },
        ChatEvent::UserUnbanned { username, .. } => ChatItem::Notice {
            text: format!("{username} was unbanned."),
        },
        ChatEvent::Subscription { username, months } => ChatItem::Notice {
            text: format!("{username} subscribed ({months} months)."),
        },
        ChatEvent::GiftedSubscriptions { gifter, count, .. } => ChatItem::Notice {
            text: format!("{gifter} gifted {count} subs."),
        },
        ChatEvent::Host { host, viewers, .. } => ChatItem::Notice {
            text: format!("{host} is hosting with {viewers} viewers."),
        },
        ChatEvent::KicksGifted {
            sender,
            amount,
            name,
            ..
        } => ChatItem::Notice {
            text: format!("{sender} sent {amount} KICKs ({name})."),
        },
        ChatEvent::Pinned {
            message: Some(m), ..
        } => ChatItem::Notice {
            text: format!("Pinned: {}: {}", m.sender.username, m.content),
        },
        ChatEvent::ChatCleared => ChatItem::Notice {
            text: "Chat was cleared.".into(),
        },
        _ => return None,
    })
}

/// Starts the socket and the batching task.
pub fn start(cfg: ChatConfig, me: String, sink: EventSink) -> ChatService {
    let (handle, mut rx) = kick_chat::spawn(cfg);
    let history = Arc::new(Mutex::new(VecDeque::with_capacity(HISTORY)));
    let status = Arc::new(Mutex::new(ChatStatus::Connecting));
    let (h2, s2) = (history.clone(), status.clone());
    tokio::spawn(async move {
        let mut pending: Vec<ChatItem> = Vec::new();
        let mut state_changed = false;
        let mut tick = tokio::time::interval(FRAME);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut open = true;
        while open || !pending.is_empty() || state_changed {
            tokio::select! {
                ev = rx.recv(), if open => match ev {
                    Some(ChatEvent::State(st)) => {
                        *s2.lock().unwrap() = status_of(&st);
                        state_changed = true;
                    }
                    Some(ev) => {
                        if let Some(it) = item(ev, &me) {
                            pending.push(it);
                        }
                    }
                    None => open = false,
                },
                _ = tick.tick() => {
                    if pending.is_empty() && !state_changed {
                        continue;
                    }
                    {
                        let mut h = h2.lock().unwrap();
                        for it in &pending {
                            match it {
                                ChatItem::Deleted { message_id } => {
                                    if let Some(ChatItem::Line(l)) = h.iter_mut().find(|x| matches!(x, ChatItem::Line(l) if &l.id == message_id)) {
                                        l.spans = vec![ChatSpan::Text { text: "<message deleted>".into() }];
                                    }
                                }
                                other => {
                                    if h.len() >= HISTORY {
                                        h.pop_front();
                                    }
                                    h.push_back(other.clone());
                                }
                            }
                        }
                    }
                    let batch = ChatBatch {
                        items: std::mem::take(&mut pending),
                        status: s2.lock().unwrap().clone(),
                    };
                    state_changed = false;
                    sink(CoreEvent::Chat(batch));
                }
            }
        }
    });
    ChatService {
        handle,
        history,
        status,
    }
}
