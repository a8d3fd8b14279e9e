//! The fake's realtime hub, shared by both socket transports (Pusher and
//! Centrifugo, REALTIME.md §g): a world event is published ONCE as
//! (channel, event name, data JSON) and every socket formats its own frame
//! for the channels it subscribed to. Frames are formatted lazily, once per
//! publication and format, not once per socket.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::broadcast;

/// Which sockets a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    #[default]
    All,
    Pusher,
    Centrifugo,
}

impl Target {
    pub fn hits(self, me: Target) -> bool {
        self == Target::All || self == me
    }
}

/// One Kick event on one channel, with its frames formatted on demand.
#[derive(Debug)]
pub struct Published {
    pub channel: String,
    pub event: String,
    /// The event's data as JSON text (what Pusher double-encodes).
    pub data: String,
    pusher: OnceLock<Arc<str>>,
    centrifugo_string: OnceLock<Arc<str>>,
    centrifugo_object: OnceLock<Arc<str>>,
}

impl Published {
    pub fn new(channel: String, event: &str, data: &Value) -> Self {
        Published {
            channel,
            event: event.to_owned(),
            data: data.to_string(),
            pusher: OnceLock::new(),
            centrifugo_string: OnceLock::new(),
            centrifugo_object: OnceLock::new(),
        }
    }

    /// `{"event":…,"data":"<json string>","channel":…}` (PUSHER.md §2.1).
    pub fn pusher_frame(&self) -> Arc<str> {
        self.pusher
            .get_or_init(|| {
                json!({"event": self.event, "data": self.data, "channel": self.channel})
                    .to_string()
                    .into()
            })
            .clone()
    }

    /// `{"push":{"channel":…,"pub":{"data":{"event":…,"data":…}}}}` with the
    /// inner data as a JSON string (Kick's usual form) or as an object.
    pub fn centrifugo_line(&self, data_as_object: bool) -> Arc<str> {
        let cell = if data_as_object {
            &self.centrifugo_object
        } else {
            &self.centrifugo_string
        };
        cell.get_or_init(|| {
            let inner = if data_as_object {
                serde_json::from_str::<Value>(&self.data).unwrap_or(Value::Null)
            } else {
                Value::String(self.data.clone())
            };
            json!({"push": {"channel": self.channel, "pub": {"data": {"event": self.event, "data": inner}}}})
                .to_string()
                .into()
        })
        .clone()
    }

    /// The same push addressed by a compaction id instead of the channel name.
    pub fn centrifugo_compact_line(&self, id: u64, data_as_object: bool) -> String {
        let inner = if data_as_object {
            serde_json::from_str::<Value>(&self.data).unwrap_or(Value::Null)
        } else {
            Value::String(self.data.clone())
        };
        json!({"push": {"id": id, "pub": {"data": {"event": self.event, "data": inner}}}})
            .to_string()
    }
}

/// What every socket task listens to.
#[derive(Clone, Debug)]
pub enum Out {
    /// An event for sockets subscribed to its channel.
    Event(Arc<Published>),
    /// Close sockets with this code.
    Close {
        to: Target,
        code: u16,
        reason: String,
    },
    /// Drop TCP connections without a close frame.
    Drop(Target),
    /// Send a frame that is not valid JSON.
    Malformed(Target),
    /// Send this text as one frame (Centrifugo pushes such as `disconnect`,
    /// or any hand-made frame).
    Raw { to: Target, text: Arc<str> },
    /// Centrifugo's `unsubscribe` push (`text`): the server ends each
    /// socket's subscription to `channel`, then says so.
    Unsubscribe { channel: String, text: Arc<str> },
}

pub struct RealtimeHub {
    pub out: broadcast::Sender<Out>,
    /// Pusher sockets stop sending anything (and stop answering pings).
    pub silent: AtomicBool,
    /// Centrifugo sockets stop sending anything (no pings either).
    pub silent_centrifugo: AtomicBool,
    /// Open Pusher sockets and all Pusher sockets ever accepted.
    pub connections: AtomicU64,
    pub total_connections: AtomicU64,
    /// Open Centrifugo sockets, sockets ever upgraded, and `connect`s accepted.
    pub centrifugo_connections: AtomicU64,
    pub centrifugo_total: AtomicU64,
    pub centrifugo_connects: AtomicU64,
    /// Client frames that carried several commands (`\n` batching).
    pub centrifugo_batched_frames: AtomicU64,
    /// Server frames that carried several lines.
    pub centrifugo_batched_out: AtomicU64,
    /// Subscriber counts per channel name (both transports).
    pub subscribed: Mutex<HashMap<String, usize>>,
    /// Generated chat messages per second into every subscribed chatroom.
    pub chat_rate: Mutex<f64>,
    /// `activity_timeout` the Pusher socket announces, seconds.
    pub activity_timeout: u64,
    /// Events published, for tests and benchmarks.
    pub published: AtomicU64,
    /// Events a socket missed because it fell behind the hub by more than
    /// the broadcast buffer (the fake could not write them fast enough).
    pub lagged: AtomicU64,
    /// The latest chat publications (what a history refill would return),
    /// newest last, for `/_fake/realtime/replay`.
    pub recent_chat: Mutex<std::collections::VecDeque<Arc<Published>>>,
    /// How many chat publications `recent_chat` keeps.
    recent_chat_cap: usize,
    /// The broadcast buffer's length (`FakeConfig::realtime_buffer`).
    capacity: usize,
}

/// Chat publications kept for replays by default (`FakeConfig::replay_chat`).
pub const RECENT_CHAT: usize = 20_000;

impl std::fmt::Debug for RealtimeHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealtimeHub").finish_non_exhaustive()
    }
}

impl RealtimeHub {
    pub fn new(config: &crate::FakeConfig) -> Self {
        RealtimeHub {
            out: broadcast::channel(config.realtime_buffer.max(1)).0,
            silent: AtomicBool::new(false),
            silent_centrifugo: AtomicBool::new(false),
            connections: AtomicU64::new(0),
            total_connections: AtomicU64::new(0),
            centrifugo_connections: AtomicU64::new(0),
            centrifugo_total: AtomicU64::new(0),
            centrifugo_connects: AtomicU64::new(0),
            centrifugo_batched_frames: AtomicU64::new(0),
            centrifugo_batched_out: AtomicU64::new(0),
            subscribed: Mutex::new(HashMap::new()),
            chat_rate: Mutex::new(config.chat_rate.unwrap_or(0.0)),
            activity_timeout: config.pusher_activity_timeout,
            published: AtomicU64::new(0),
            lagged: AtomicU64::new(0),
            recent_chat: Mutex::new(std::collections::VecDeque::new()),
            recent_chat_cap: config.replay_chat,
            capacity: config.realtime_buffer.max(1),
        }
    }

    /// Publishes one Kick event on one channel to every transport.
    pub fn publish(&self, channel: String, event: &str, data: &Value) {
        self.published.fetch_add(1, Ordering::Relaxed);
        let _ = self
            .out
            .send(Out::Event(Arc::new(Published::new(channel, event, data))));
    }

    /// Publishes a chat message and keeps it for replays.
    pub fn publish_chat(&self, channel: String, event: &str, data: &Value) {
        self.published.fetch_add(1, Ordering::Relaxed);
        let p = Arc::new(Published::new(channel, event, data));
        if self.recent_chat_cap > 0 {
            let mut r = self.recent_chat.lock().unwrap();
            if r.len() >= self.recent_chat_cap {
                r.pop_front();
            }
            r.push_back(p.clone());
        }
        let _ = self.out.send(Out::Event(p));
    }

    /// Sends the last `count` chat publications on `channel` again, oldest
    /// first, with their original ids (a history refill after a reconnect
    /// delivers the same messages a second time).
    pub fn replay_chat(&self, channel: &str, count: usize) -> usize {
        let picked: Vec<Arc<Published>> = {
            let r = self.recent_chat.lock().unwrap();
            let mut v: Vec<_> = r
                .iter()
                .rev()
                .filter(|p| p.channel == channel)
                .take(count)
                .cloned()
                .collect();
            v.reverse();
            v
        };
        let n = picked.len();
        for p in picked {
            let _ = self.out.send(Out::Event(p));
        }
        n
    }

    /// Publishes prepared events, in order, as fast as the slowest socket
    /// takes them (the benchmarks' flood): the buffer is kept at most half
    /// full, so no socket lags. Waits in 1 ms sleeps, not spins: on a
    /// 2-core machine the client being measured needs the other core.
    pub async fn publish_paced(&self, events: Vec<Arc<Published>>) {
        let high = (self.capacity / 2).max(1);
        for p in events {
            while self.out.len() >= high {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            self.published.fetch_add(1, Ordering::Relaxed);
            let _ = self.out.send(Out::Event(p));
        }
    }

    pub fn send(&self, out: Out) {
        let _ = self.out.send(out);
    }

    /// How many sockets subscribed `channel` right now.
    pub fn subscribers(&self, channel: &str) -> usize {
        self.subscribed
            .lock()
            .unwrap()
            .get(channel)
            .copied()
            .unwrap_or(0)
    }

    pub fn add_subscriber(&self, channel: &str) {
        *self
            .subscribed
            .lock()
            .unwrap()
            .entry(channel.to_owned())
            .or_default() += 1;
    }

    pub fn remove_subscriber(&self, channel: &str) {
        if let Some(n) = self.subscribed.lock().unwrap().get_mut(channel) {
            *n = n.saturating_sub(1);
        }
    }

    pub(crate) fn subscribed_chatrooms(&self) -> Vec<u64> {
        self.subscribed
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, n)| **n > 0)
            .filter_map(|(c, _)| {
                c.strip_prefix("chatrooms.")?
                    .strip_suffix(".v2")?
                    .parse()
                    .ok()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_publication_three_frame_shapes() {
        let p = Published::new(
            "chatrooms.1.v2".into(),
            r"App\Events\ChatMessageEvent",
            &json!({"id": "m1", "content": "hi"}),
        );
        let v: Value = serde_json::from_str(&p.pusher_frame()).unwrap();
        assert_eq!(v["channel"], "chatrooms.1.v2");
        assert!(v["data"].is_string(), "Pusher double-encodes data");
        let v: Value = serde_json::from_str(&p.centrifugo_line(false)).unwrap();
        assert_eq!(
            v["push"]["pub"]["data"]["event"],
            r"App\Events\ChatMessageEvent"
        );
        let inner: Value =
            serde_json::from_str(v["push"]["pub"]["data"]["data"].as_str().unwrap()).unwrap();
        assert_eq!(inner["id"], "m1");
        let v: Value = serde_json::from_str(&p.centrifugo_line(true)).unwrap();
        assert_eq!(v["push"]["pub"]["data"]["data"]["id"], "m1");
        let v: Value = serde_json::from_str(&p.centrifugo_compact_line(7, false)).unwrap();
        assert_eq!(v["push"]["id"], 7);
        assert!(v["push"].get("channel").is_none());
    }

    #[test]
    fn replays_keep_only_the_configured_number_of_chat_publications() {
        let hub = RealtimeHub::new(&crate::FakeConfig {
            replay_chat: 3,
            ..Default::default()
        });
        let mut rx = hub.out.subscribe();
        for i in 0..10 {
            hub.publish_chat("c".into(), "E", &json!({ "id": i }));
        }
        assert_eq!(hub.recent_chat.lock().unwrap().len(), 3);
        while rx.try_recv().is_ok() {}
        // The newest three, oldest first.
        assert_eq!(hub.replay_chat("c", 100), 3);
        let ids: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|o| match o {
                Out::Event(p) => p.data.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(ids, [r#"{"id":7}"#, r#"{"id":8}"#, r#"{"id":9}"#]);
        // None kept: nothing to replay.
        let none = RealtimeHub::new(&crate::FakeConfig {
            replay_chat: 0,
            ..Default::default()
        });
        none.publish_chat("c".into(), "E", &json!({}));
        assert_eq!(none.replay_chat("c", 5), 0);
    }
}
