//! Live chat in the app: the realtime client (kick-chat, Centrifugo or
//! Pusher) feeding a bounded history, and the window in batches (at most one
//! per 50 ms, never one per message) over a stream each panel opens.
//! A new stream gets the history first, then every later batch, under one
//! lock: nothing is lost or shown twice between the two.

use crate::dto::{ChatBatch, ChatItem, ChatLine, ChatSpan, ChatStatus};
use kick_chat::{ChatConfig, ChatEvent, ChatHandle, ConnectionState, Span};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Messages kept here: the panel's first page, and older ones when the
/// streamer scrolls back ([`ChatService::older`]).
pub const HISTORY: usize = 2000;
/// What a newly opened panel gets first: the newest messages. The window
/// keeps about this many while it follows the chat (each row kept costs the
/// web view memory, and a busy chat replaces them all in a minute); older
/// ones come a page at a time when the streamer scrolls back.
pub const FIRST_PAGE: usize = 300;
/// The most one request for older messages returns.
pub const OLDER_PAGE: usize = 500;
/// A UI push goes out FRAME after the first news it carries: 50 ms (not one
/// display frame, 16 ms), so a message in a quiet chat shows at once and a
/// burst arrives as one batch.
pub const FRAME: Duration = Duration::from_millis(50);
/// ...and no sooner than SPACING after the push before it. A chat under five
/// messages a second is not slowed; a busy one shows five times a second, in
/// batches, not twenty. Each push costs the window the same whatever it
/// carries (the script Tauri runs, a render, a layout and a paint of the chat
/// list): measured at 100 msg/s, the web process spent 24–29 % of a core with
/// 20 pushes a second and 13–17 % at 5 (docs/PERFORMANCE.md, sixth run).
pub const SPACING: Duration = Duration::from_millis(200);

/// Where a window's chat stream goes (a Tauri `Channel` in the app). Returns
/// false once the window is gone: it is dropped then.
pub type ChatSubscriber = Box<dyn FnMut(ChatBatch) -> bool + Send>;

/// The chat as the panel sees it, as plain state: the bounded history, what
/// arrived since the last frame, and the connection state. The deleted state
/// of a message is its `deleted` field, owned here: a deletion re-sends the
/// line with `deleted: true`.
pub struct ChatLog {
    me: String,
    history: VecDeque<ChatItem>,
    pending: Vec<ChatItem>,
    status: ChatStatus,
    status_changed: bool,
    notices: u64,
    cap: usize,
    /// None before the first connection; then whether chat went away since
    /// it was last connected (Kick replays nothing: the gap is said).
    away: Option<bool>,
}

/// Shown when chat is back after being away: Kick's chat socket does not
/// replay what was said meanwhile (REALTIME.md, PUSHER.md §6.4).
pub const GAP_NOTICE: &str =
    "Chat is back. Messages sent while it was away may be missing here (Kick does not resend them).";

impl ChatLog {
    pub fn new(me: &str, cap: usize) -> Self {
        ChatLog {
            me: me.to_owned(),
            history: VecDeque::with_capacity(cap.min(4096)),
            pending: Vec::new(),
            status: ChatStatus::Connecting { transport: None },
            status_changed: true,
            notices: 0,
            cap: cap.max(1),
            away: None,
        }
    }

    /// Takes one socket event in.
    pub fn apply(&mut self, ev: ChatEvent) {
        if let ChatEvent::State(st) = &ev {
            self.status = status_of(st);
            self.status_changed = true;
            let back = match st {
                ConnectionState::Connected { .. } => self.away.replace(false) == Some(true),
                ConnectionState::Reconnecting { .. } => {
                    if self.away == Some(false) {
                        self.away = Some(true);
                    }
                    false
                }
                _ => false,
            };
            if back {
                self.notices += 1;
                self.push(ChatItem::Notice {
                    id: format!("n{}", self.notices),
                    text: GAP_NOTICE.to_owned(),
                });
            }
            return;
        }
        if let ChatEvent::MessageDeleted { message_id, .. } = &ev {
            let hit = self.history.iter_mut().rev().find_map(|x| match x {
                ChatItem::Line(l) if l.id.as_str() == message_id && !l.deleted => Some(l),
                _ => None,
            });
            if let Some(l) = hit {
                l.deleted = true;
                self.pending.push(ChatItem::Line(l.clone()));
            }
            return;
        }
        let Some(item) = item(ev, &self.me, &mut self.notices) else {
            return;
        };
        self.push(item);
    }

    fn push(&mut self, item: ChatItem) {
        if self.history.len() >= self.cap {
            self.history.pop_front();
        }
        self.history.push_back(item.clone());
        self.pending.push(item);
        // A flood between two pushes: the window is sent no more than the
        // history holds (older lines have left it already); deletions stay.
        if self.pending.len() > 2 * self.cap {
            let mut excess = self.pending.len() - self.cap;
            self.pending.retain(|p| {
                let keep = excess == 0 || matches!(p, ChatItem::Line(l) if l.deleted);
                if !keep {
                    excess -= 1;
                }
                keep
            });
        }
    }

    /// What arrived since the last batch (None: nothing new).
    pub fn take_batch(&mut self) -> Option<ChatBatch> {
        if self.pending.is_empty() && !self.status_changed {
            return None;
        }
        self.status_changed = false;
        Some(ChatBatch {
            items: std::mem::take(&mut self.pending),
            status: self.status.clone(),
        })
    }

    /// The whole kept history and the state.
    pub fn snapshot(&self) -> ChatBatch {
        self.newest(usize::MAX)
    }

    /// The newest `n` items sent so far, and the state (a new stream's
    /// first batch). Pending items are in the history already; the caller
    /// sends this and the next batch under one lock, so a new stream sees
    /// each item once.
    pub fn newest(&self, n: usize) -> ChatBatch {
        let sent: usize = self.history.len() - self.pending_in_history();
        ChatBatch {
            items: self
                .history
                .iter()
                .take(sent)
                .skip(sent.saturating_sub(n))
                .cloned()
                .collect(),
            status: self.status.clone(),
        }
    }

    /// Up to `limit` items sent before the one with id `before`, oldest
    /// first (the page above the oldest row a panel has). Empty when that
    /// item is no longer kept.
    pub fn older(&self, before: &str, limit: usize) -> Vec<ChatItem> {
        let sent: usize = self.history.len() - self.pending_in_history();
        let Some(at) = self
            .history
            .iter()
            .take(sent)
            .rposition(|x| item_id(x) == before)
        else {
            return Vec::new();
        };
        let from = at.saturating_sub(limit.min(OLDER_PAGE));
        self.history.range(from..at).cloned().collect()
    }

    /// How many of the last history items are still pending (not yet sent).
    fn pending_in_history(&self) -> usize {
        self.pending
            .iter()
            .filter(|p| !matches!(p, ChatItem::Line(l) if l.deleted))
            .count()
            .min(self.history.len())
    }

    pub fn status(&self) -> ChatStatus {
        self.status.clone()
    }
}

struct Shared {
    log: ChatLog,
    subscribers: Vec<ChatSubscriber>,
}

pub struct ChatService {
    handle: ChatHandle,
    shared: Arc<Mutex<Shared>>,
    pub chatroom_id: u64,
}

impl ChatService {
    pub fn stop(&self) {
        self.handle.stop();
    }

    /// The socket gave up by itself (chat shows "Off" with the reason).
    pub fn stopped(&self) -> bool {
        matches!(
            self.shared.lock().unwrap().log.status,
            ChatStatus::Off { .. }
        )
    }

    /// A new stream: the newest [`FIRST_PAGE`] messages first, then every
    /// batch after it.
    pub fn attach(&self, mut sub: ChatSubscriber) {
        let mut s = self.shared.lock().unwrap();
        if sub(s.log.newest(FIRST_PAGE)) {
            s.subscribers.push(sub);
        }
    }

    /// Up to `limit` messages before the one with id `before` (a panel
    /// scrolled back past its oldest row).
    pub fn older(&self, before: &str, limit: usize) -> Vec<ChatItem> {
        self.shared.lock().unwrap().log.older(before, limit)
    }

    /// The history and state now (tests, a panel without a stream).
    pub fn snapshot(&self) -> ChatBatch {
        let s = self.shared.lock().unwrap();
        let mut b = s.log.snapshot();
        b.items.extend(s.log.pending.iter().cloned());
        b
    }
}

impl Drop for ChatService {
    fn drop(&mut self) {
        self.handle.stop();
    }
}

fn item_id(x: &ChatItem) -> &str {
    match x {
        ChatItem::Line(l) => l.id.as_str(),
        ChatItem::Notice { id, .. } => id,
    }
}

fn line(m: kick_chat::ChatMessage, me: &str) -> ChatLine {
    let mention = !me.is_empty()
        && m.content
            .to_lowercase()
            .contains(&format!("@{}", me.to_lowercase()));
    ChatLine {
        // kick-chat keeps Kick's raw ids; here they become the API's types.
        id: kick_api::MessageId(m.id),
        user_id: kick_api::UserId(m.sender.id),
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
        deleted: false,
    }
}

fn status_of(s: &ConnectionState) -> ChatStatus {
    match s {
        ConnectionState::Connecting { transport, .. } => ChatStatus::Connecting {
            transport: transport.map(|t| t.to_string()),
        },
        ConnectionState::Connected {
            transport,
            fallback,
            ..
        } => ChatStatus::Connected {
            transport: transport.to_string(),
            fallback: fallback.clone(),
        },
        ConnectionState::Reconnecting {
            in_ms,
            reason,
            transport,
            ..
        } => ChatStatus::Reconnecting {
            in_ms: *in_ms,
            reason: reason.clone(),
            transport: transport.map(|t| t.to_string()),
        },
        ConnectionState::Stopped { reason } => ChatStatus::Off {
            reason: Some(reason.clone()),
        },
    }
}

/// Turns a socket event into what the panel shows (None: not shown).
fn item(ev: ChatEvent, me: &str, notices: &mut u64) -> Option<ChatItem> {
    let text = match ev {
        ChatEvent::Message(m) => return Some(ChatItem::Line(line(*m, me))),
        ChatEvent::UserBanned {
            username,
            permanent: true,
            ..
        } => format!("{username} was banned."),
        ChatEvent::UserBanned {
            username,
            duration_minutes,
            ..
        } => format!(
            "{username} was timed out for {} min.",
            duration_minutes.unwrap_or(0)
        ),
        ChatEvent::UserUnbanned { username, .. } => format!("{username} was unbanned."),
        ChatEvent::Subscription { username, months } => {
            format!("{username} subscribed ({months} months).")
        }
        ChatEvent::GiftedSubscriptions { gifter, count, .. } => {
            format!("{gifter} gifted {count} subs.")
        }
        ChatEvent::Host { host, viewers, .. } => {
            format!("{host} is hosting with {viewers} viewers.")
        }
        ChatEvent::KicksGifted {
            sender,
            amount,
            name,
            ..
        } => format!("{sender} sent {amount} KICKs ({name})."),
        ChatEvent::Pinned {
            message: Some(m), ..
        } => format!("Pinned: {}: {}", m.sender.username, m.content),
        ChatEvent::ChatCleared => "Chat was cleared.".into(),
        _ => return None,
    };
    *notices += 1;
    Some(ChatItem::Notice {
        id: format!("n{notices}"),
        text,
    })
}

/// Sees every socket event before the panel does (the activity feed).
pub type EventTap = Box<dyn Fn(&ChatEvent) + Send + Sync>;

/// Starts the socket and the batching task; `on_event` sees every socket
/// event first (the activity feed).
pub fn start(cfg: ChatConfig, me: String, on_event: Option<EventTap>) -> ChatService {
    let chatroom_id = cfg.chatroom_id;
    let (handle, mut rx) = kick_chat::spawn(cfg);
    let shared = Arc::new(Mutex::new(Shared {
        log: ChatLog::new(&me, HISTORY),
        subscribers: Vec::new(),
    }));
    let weak = Arc::downgrade(&shared);
    tokio::spawn(async move {
        // A batch goes out FRAME after the first event it carries, and
        // SPACING after the batch before it at the soonest: a quiet chat
        // wakes nothing between messages. While a batch fills, what arrives
        // is taken into the log at once, a socket read at a time, so the
        // client's 8,192 slots do not fill while a batch waits (left alone
        // until the push they held 200 ms of 40,000 msg/s, and a full
        // channel holds up Kick's socket, which Kick ends for a slow
        // client). The log keeps what the window is sent bounded.
        let mut evs = Vec::with_capacity(256);
        let mut open = true;
        let mut last_push: Option<tokio::time::Instant> = None;
        let take = |evs: &mut Vec<ChatEvent>| -> bool {
            let Some(shared) = weak.upgrade() else {
                return false;
            };
            let mut s = shared.lock().unwrap();
            for ev in evs.drain(..) {
                if let Some(f) = &on_event {
                    f(&ev);
                }
                s.log.apply(ev);
            }
            true
        };
        while open {
            if rx.recv_many(&mut evs, 1024).await == 0 {
                break; // the client is gone and nothing is left
            }
            let mut due = tokio::time::Instant::now() + FRAME;
            if let Some(t) = last_push {
                due = due.max(t + SPACING);
            }
            let wait = tokio::time::sleep_until(due);
            tokio::pin!(wait);
            loop {
                if !take(&mut evs) {
                    return;
                }
                tokio::select! {
                    biased;
                    _ = &mut wait => break,
                    n = rx.recv_many(&mut evs, 1024) => if n == 0 {
                        open = false; // the client is gone: push what is left, then end
                        break;
                    },
                }
            }
            if !take(&mut evs) {
                return;
            }
            let Some(shared) = weak.upgrade() else { return };
            let mut s = shared.lock().unwrap();
            if let Some(batch) = s.log.take_batch() {
                s.subscribers.retain_mut(|sub| sub(batch.clone()));
                last_push = Some(tokio::time::Instant::now());
            }
        }
    });
    ChatService {
        handle,
        shared,
        chatroom_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kick_chat::{ChatMessage, Sender};

    fn msg(id: &str, text: &str) -> ChatEvent {
        ChatEvent::Message(Box::new(ChatMessage {
            id: id.into(),
            chatroom_id: 1,
            sender: Sender {
                id: 7,
                username: "viewer".into(),
                slug: "viewer".into(),
                color: "#fff".into(),
                badges: vec![],
            },
            content: text.into(),
            spans: kick_chat::parse_emotes(text),
            kind: "message".into(),
            reply_to: None,
            created_at: None,
            celebration: None,
            paid_amount: None,
        }))
    }

    fn ids(b: &ChatBatch) -> Vec<String> {
        b.items
            .iter()
            .map(|i| match i {
                ChatItem::Line(l) => l.id.0.clone(),
                ChatItem::Notice { id, .. } => id.clone(),
            })
            .collect()
    }

    #[test]
    fn batches_carry_what_arrived_since_the_last_one() {
        let mut log = ChatLog::new("me", 10);
        assert!(log.take_batch().is_some(), "the first state is news");
        assert!(log.take_batch().is_none(), "nothing new, no batch");
        log.apply(msg("a", "hi"));
        log.apply(msg("b", "hello @ME"));
        let b = log.take_batch().unwrap();
        assert_eq!(ids(&b), ["a", "b"]);
        assert!(matches!(&b.items[1], ChatItem::Line(l) if l.mention));
        assert!(log.take_batch().is_none());
    }

    #[test]
    fn history_is_bounded_and_snapshots_exclude_what_is_still_pending() {
        let mut log = ChatLog::new("me", 3);
        for i in 0..5 {
            log.apply(msg(&format!("m{i}"), "x"));
        }
        log.take_batch();
        assert_eq!(ids(&log.snapshot()), ["m2", "m3", "m4"]);
        log.apply(msg("m5", "x"));
        // m5 goes out with the next batch, so a new stream's snapshot must
        // not carry it too.
        assert_eq!(ids(&log.snapshot()), ["m3", "m4"]);
        assert_eq!(ids(&log.take_batch().unwrap()), ["m5"]);
        assert_eq!(ids(&log.snapshot()), ["m3", "m4", "m5"]);
    }

    /// A flood between two pushes: the next batch carries at most twice the
    /// history, the newest lines, in order, and every deletion; the history
    /// and its pages stay right.
    #[test]
    fn a_flood_between_two_pushes_sends_the_newest_and_every_deletion() {
        let mut log = ChatLog::new("me", 10);
        for i in 0..5 {
            log.apply(msg(&format!("m{i}"), "x"));
        }
        log.take_batch();
        log.apply(ChatEvent::MessageDeleted {
            message_id: "m4".into(),
            ai_moderated: false,
        });
        for i in 5..1000 {
            log.apply(msg(&format!("m{i}"), "x"));
        }
        let b = log.take_batch().unwrap();
        assert!(b.items.len() <= 20, "{}", b.items.len());
        let got = ids(&b);
        assert_eq!(got[0], "m4", "the deletion stays");
        assert!(matches!(&b.items[0], ChatItem::Line(l) if l.deleted));
        let want: Vec<String> = (1000 - (got.len() - 1)..1000)
            .map(|i| format!("m{i}"))
            .collect();
        assert_eq!(got[1..], want[..], "the newest lines, in order");
        assert!(got.len() > 10, "at least the history's worth");
        let snapshot = ids(&log.snapshot());
        assert_eq!(
            snapshot,
            (990..1000).map(|i| format!("m{i}")).collect::<Vec<_>>()
        );
        assert_eq!(ids(&log.newest(3)), ["m997", "m998", "m999"]);
    }

    /// A panel gets the newest page first and older pages as it scrolls
    /// back, each in order and none twice, up to what is kept.
    #[test]
    fn a_panel_pages_back_through_the_history() {
        let mut log = ChatLog::new("me", 10);
        for i in 0..8 {
            log.apply(msg(&format!("m{i}"), "x"));
        }
        log.take_batch();
        log.apply(msg("m8", "x")); // pending: in no page yet
        assert_eq!(ids(&log.newest(3)), ["m5", "m6", "m7"]);
        fn page(items: Vec<ChatItem>) -> Vec<String> {
            ids(&ChatBatch {
                items,
                status: ChatStatus::Off { reason: None },
            })
        }
        assert_eq!(page(log.older("m5", 3)), ["m2", "m3", "m4"]);
        assert_eq!(page(log.older("m2", 3)), ["m0", "m1"]);
        assert!(log.older("m0", 3).is_empty(), "nothing before the oldest");
        assert!(
            log.older("m8", 3).is_empty(),
            "a pending item is no page's anchor"
        );
        assert!(log.older("gone", 3).is_empty(), "an id no longer kept");
        for i in 9..14 {
            log.apply(msg(&format!("m{i}"), "x"));
        }
        log.take_batch();
        // m0..m3 left the bounded history.
        assert!(log.older("m3", 3).is_empty());
        assert_eq!(page(log.older("m5", 10)), ["m4"]);
    }

    #[test]
    fn a_deletion_is_the_line_again_with_deleted_set() {
        let mut log = ChatLog::new("me", 10);
        log.apply(msg("a", "bad words"));
        log.take_batch();
        log.apply(ChatEvent::MessageDeleted {
            message_id: "a".into(),
            ai_moderated: false,
        });
        let b = log.take_batch().unwrap();
        match &b.items[..] {
            [ChatItem::Line(l)] => {
                assert_eq!(l.id.as_str(), "a");
                assert!(l.deleted);
                // The text stays as Kick sent it; the panel decides how to show it.
                assert_eq!(
                    l.spans,
                    vec![ChatSpan::Text {
                        text: "bad words".into()
                    }]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&log.snapshot().items[0], ChatItem::Line(l) if l.deleted));
        // Unknown or repeated deletions send nothing.
        log.apply(ChatEvent::MessageDeleted {
            message_id: "a".into(),
            ai_moderated: false,
        });
        log.apply(ChatEvent::MessageDeleted {
            message_id: "zzz".into(),
            ai_moderated: false,
        });
        assert!(log.take_batch().is_none());
    }

    #[test]
    fn chat_back_after_being_away_says_messages_may_be_missing() {
        use kick_chat::Transport;
        let connected = || {
            ChatEvent::State(ConnectionState::Connected {
                transport: Transport::Centrifugo,
                socket_id: "c1".into(),
                fallback: None,
            })
        };
        let away = || {
            ChatEvent::State(ConnectionState::Reconnecting {
                in_ms: 1000,
                attempt: 1,
                reason: "Kick closed the connection.".into(),
                transport: Some(Transport::Centrifugo),
            })
        };
        let notices = |b: &ChatBatch| {
            b.items
                .iter()
                .filter(|i| matches!(i, ChatItem::Notice { text, .. } if text == GAP_NOTICE))
                .count()
        };
        let mut log = ChatLog::new("me", 10);
        // The first connection has no gap before it.
        log.apply(away());
        log.apply(connected());
        assert_eq!(notices(&log.take_batch().unwrap()), 0);
        // Away (twice, say), then back: one notice.
        log.apply(away());
        log.apply(away());
        log.apply(connected());
        assert_eq!(notices(&log.take_batch().unwrap()), 1);
        // Connected again without going away (a transport switch): none.
        log.apply(connected());
        assert_eq!(notices(&log.take_batch().unwrap()), 0);
        log.apply(away());
        log.apply(connected());
        assert_eq!(notices(&log.take_batch().unwrap()), 1);
    }

    #[test]
    fn notices_get_their_own_ids_and_state_changes_make_a_batch() {
        let mut log = ChatLog::new("me", 10);
        log.take_batch();
        log.apply(ChatEvent::Subscription {
            username: "gg_gary".into(),
            months: 3,
        });
        log.apply(ChatEvent::ChatCleared);
        let b = log.take_batch().unwrap();
        assert_eq!(ids(&b), ["n1", "n2"]);
        log.apply(ChatEvent::State(ConnectionState::Stopped {
            reason: "Chat turned off.".into(),
        }));
        let b = log.take_batch().unwrap();
        assert!(b.items.is_empty());
        assert_eq!(
            b.status,
            ChatStatus::Off {
                reason: Some("Chat turned off.".into())
            }
        );
    }
}
