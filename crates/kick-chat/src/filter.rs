//! Each real action once (REALTIME.md §d.3): dedupe by Kick's ids across
//! reconnects and transport switches, gather gifted-sub chunks (which may
//! also arrive under both event names) into one gift.
//!
//! What can really be replayed, and so what the dedupe window covers: Kick
//! keeps no socket history (no Pusher replay, no Centrifugo recovery in
//! Kick's captures, §c.10), so a chat line arrives twice only when (a) a
//! client refills recent history after a reconnect (a page of the latest
//! messages, PUSHER.md §6.4), or (b) a transport switch briefly overlaps.
//! Both repeat *recent* ids: the window is the last [`DEFAULT_WINDOW`] ids
//! (25 s of chat at 200 msg/s; hours at the ~10 events/s Kick's busiest
//! channels average), like GiftDeck's LRU of ~1000–1500 but wider. Ids
//! older than that are not replayed by Kick and are not remembered.

use crate::event::{ChatEvent, GiftChunk};
use foldhash::quality::SeedableRandomState;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// Ids remembered by default.
pub const DEFAULT_WINDOW: usize = 5000;
/// A gift without `chunk_details` seen again (the other event name) within
/// this is the same gift (§d.3: "dedupe gifter+count within ~15 s").
pub const TWIN_WINDOW: Duration = Duration::from_secs(15);
/// Chunks of one gift still missing after this: emit what arrived.
pub const GATHER: Duration = Duration::from_secs(5);

/// A bounded set of the most recent keys, a key being a kind (`b'm'` a chat
/// message, `b'g'` a gift...) and Kick's id.
///
/// Keys are kept as 128-bit fingerprints (two independently seeded
/// foldhash hashes), not strings: the set is on every chat message's path,
/// and the strings cost three allocations and SipHash per message (~12 % of
/// the Centrifugo client's CPU at 20k msg/s). Two different ids share a
/// fingerprint with probability ~2^-128 per pair: never, in a window of a
/// few thousand ids.
#[derive(Debug)]
pub struct Recent {
    order: VecDeque<u128>,
    set: HashSet<u128, foldhash::fast::RandomState>,
    seeds: (SeedableRandomState, SeedableRandomState),
    cap: usize,
}

impl Recent {
    pub fn new(cap: usize) -> Self {
        Recent {
            order: VecDeque::with_capacity(cap.min(65_536)),
            set: HashSet::with_capacity_and_hasher(cap.min(65_536), Default::default()),
            seeds: (SeedableRandomState::random(), SeedableRandomState::random()),
            cap: cap.max(1),
        }
    }

    fn fingerprint(&self, kind: u8, id: &str) -> u128 {
        let one = |s: &SeedableRandomState| {
            let mut h = s.build_hasher();
            h.write_u8(kind);
            h.write(id.as_bytes());
            h.finish()
        };
        (u128::from(one(&self.seeds.0)) << 64) | u128::from(one(&self.seeds.1))
    }

    pub fn contains(&self, kind: u8, id: &str) -> bool {
        self.set.contains(&self.fingerprint(kind, id))
    }

    /// Remembers the key; false when it was already there.
    pub fn insert(&mut self, kind: u8, id: &str) -> bool {
        let k = self.fingerprint(kind, id);
        // One probe for the usual case (a new id), not a lookup and then an
        // insert.
        if !self.set.insert(k) {
            return false;
        }
        if self.order.len() >= self.cap {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.order.push_back(k);
        true
    }
}

#[derive(Debug)]
struct Gathering {
    gifter: String,
    chunks: BTreeMap<u64, Vec<String>>,
    total_chunks: u64,
    gifted_total: Option<u64>,
    gifter_total: Option<u64>,
    first: Instant,
}

#[derive(Debug, PartialEq)]
// Short-lived, moved once per event: boxing would cost an allocation per
// chat message for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Verdict {
    Deliver(ChatEvent),
    Duplicate,
    /// A gift chunk waiting for the others.
    Pending,
}

#[derive(Debug)]
pub struct Filter {
    ids: Recent,
    gathering: HashMap<String, Gathering>,
    unchunked: VecDeque<(String, Instant)>,
    /// The pin (`Some(message id)`) or unpin (`None`) delivered last, and when.
    pin: Option<(Option<String>, Instant)>,
}

impl Filter {
    pub fn new(window: usize) -> Self {
        Filter {
            ids: Recent::new(window),
            gathering: HashMap::new(),
            unchunked: VecDeque::new(),
            pin: None,
        }
    }

    /// A pin or unpin comes on both the chat room's channel and the
    /// channel's (PUSHER.md §4.1): the same change again within
    /// [`TWIN_WINDOW`] is its twin. Pinning again after an unpin is news.
    fn pin_twin(&mut self, ev: &ChatEvent, now: Instant) -> Option<bool> {
        let change = match ev {
            ChatEvent::Pinned { message, .. } => Some(message.as_ref().map_or("", |m| &m.id)),
            ChatEvent::Unpinned => None,
            _ => return None,
        };
        let twin = self.pin.as_ref().is_some_and(|(last, at)| {
            last.as_deref() == change && now.duration_since(*at) <= TWIN_WINDOW
        });
        if !twin {
            self.pin = Some((change.map(str::to_owned), now));
        }
        Some(twin)
    }

    fn key(ev: &ChatEvent) -> Option<(u8, &str)> {
        Some(match ev {
            ChatEvent::Message(m) => (b'm', &m.id),
            ChatEvent::KicksGifted {
                gift_transaction_id,
                ..
            } => (b'k', gift_transaction_id),
            ChatEvent::MessageDeleted { message_id, .. } => (b'd', message_id),
            ChatEvent::RewardRedeemed {
                redemption_id: Some(id),
                ..
            } => (b'r', id),
            _ => return None,
        })
    }

    /// An event with an id is delivered once, a pin or unpin once for both
    /// channels; others pass.
    pub fn event(&mut self, ev: ChatEvent) -> Verdict {
        if matches!(ev, ChatEvent::Pinned { .. } | ChatEvent::Unpinned) {
            return match self.pin_twin(&ev, Instant::now()) {
                Some(true) => Verdict::Duplicate,
                _ => Verdict::Deliver(ev),
            };
        }
        match Self::key(&ev) {
            Some((kind, id)) => {
                if self.ids.insert(kind, id) {
                    Verdict::Deliver(ev)
                } else {
                    Verdict::Duplicate
                }
            }
            None => Verdict::Deliver(ev),
        }
    }

    /// A gifted-subs chunk: one gift per correlation id (all chunks, either
    /// name); without one, gifter + count within [`TWIN_WINDOW`].
    pub fn gift(&mut self, g: GiftChunk, now: Instant) -> Verdict {
        match g.chunk.clone() {
            Some((corr, index, total)) => {
                if self.ids.contains(b'g', &corr) {
                    return Verdict::Duplicate;
                }
                let e = self.gathering.entry(corr.clone()).or_insert(Gathering {
                    gifter: g.gifter.clone(),
                    chunks: BTreeMap::new(),
                    total_chunks: total,
                    gifted_total: g.gifted_total,
                    gifter_total: g.gifter_total,
                    first: now,
                });
                if e.chunks.contains_key(&index) {
                    return Verdict::Duplicate;
                }
                e.chunks.insert(index, g.recipients);
                if (e.chunks.len() as u64) < e.total_chunks {
                    return Verdict::Pending;
                }
                let done = self.gathering.remove(&corr).expect("just seen");
                self.ids.insert(b'g', &corr);
                Verdict::Deliver(Self::gathered(Some(corr), done))
            }
            None => {
                while self
                    .unchunked
                    .front()
                    .is_some_and(|(_, t)| now.duration_since(*t) > TWIN_WINDOW)
                {
                    self.unchunked.pop_front();
                }
                let count = g.gifted_total.unwrap_or(g.recipients.len() as u64);
                let key = format!("{}:{count}", g.gifter.to_lowercase());
                if self.unchunked.iter().any(|(k, _)| *k == key) {
                    return Verdict::Duplicate;
                }
                self.unchunked.push_back((key, now));
                Verdict::Deliver(ChatEvent::GiftedSubscriptions {
                    gift_id: None,
                    gifter: g.gifter,
                    count,
                    recipients: g.recipients,
                    gifter_total: g.gifter_total,
                })
            }
        }
    }

    fn gathered(gift_id: Option<String>, g: Gathering) -> ChatEvent {
        let recipients: Vec<String> = g.chunks.into_values().flatten().collect();
        ChatEvent::GiftedSubscriptions {
            gift_id,
            gifter: g.gifter,
            count: g.gifted_total.unwrap_or(recipients.len() as u64),
            recipients,
            gifter_total: g.gifter_total,
        }
    }

    /// Gifts whose missing chunks never came: emitted with what arrived.
    pub fn flush(&mut self, now: Instant) -> Vec<ChatEvent> {
        let stale: Vec<String> = self
            .gathering
            .iter()
            .filter(|(_, g)| now.duration_since(g.first) >= GATHER)
            .map(|(k, _)| k.clone())
            .collect();
        stale
            .into_iter()
            .filter_map(|k| {
                let g = self.gathering.remove(&k)?;
                self.ids.insert(b'g', &k);
                Some(Self::gathered(Some(k), g))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(corr: Option<&str>, i: u64, n: u64, names: &[&str]) -> GiftChunk {
        GiftChunk {
            gifter: "Whale".into(),
            recipients: names.iter().map(|s| s.to_string()).collect(),
            gifted_total: Some(3),
            gifter_total: Some(100),
            chunk: corr.map(|c| (c.to_owned(), i, n)),
        }
    }

    #[test]
    fn chunks_under_both_names_make_one_gift() {
        let mut f = Filter::new(10);
        let t = Instant::now();
        assert_eq!(
            f.gift(chunk(Some("c"), 0, 2, &["a", "b"]), t),
            Verdict::Pending
        );
        assert_eq!(
            f.gift(chunk(Some("c"), 0, 2, &["a", "b"]), t),
            Verdict::Duplicate
        );
        match f.gift(chunk(Some("c"), 1, 2, &["c"]), t) {
            Verdict::Deliver(ChatEvent::GiftedSubscriptions {
                gift_id,
                count,
                recipients,
                ..
            }) => {
                assert_eq!(gift_id.as_deref(), Some("c"));
                assert_eq!(count, 3);
                assert_eq!(recipients, vec!["a", "b", "c"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            f.gift(chunk(Some("c"), 1, 2, &["c"]), t),
            Verdict::Duplicate
        );
    }

    #[test]
    fn unchunked_twins_within_the_window_count_once() {
        let mut f = Filter::new(10);
        let t = Instant::now();
        assert!(matches!(
            f.gift(chunk(None, 0, 1, &["a"]), t),
            Verdict::Deliver(_)
        ));
        assert_eq!(f.gift(chunk(None, 0, 1, &["a"]), t), Verdict::Duplicate);
        let later = t + TWIN_WINDOW + Duration::from_secs(1);
        assert!(matches!(
            f.gift(chunk(None, 0, 1, &["a"]), later),
            Verdict::Deliver(_)
        ));
    }

    #[test]
    fn a_pin_and_an_unpin_count_once_for_both_channels() {
        let mut f = Filter::new(10);
        let pin = || ChatEvent::Pinned {
            message: None,
            duration_secs: Some(1200),
            pinned_by: "modmolly".into(),
        };
        let t = Instant::now();
        let s = Duration::from_millis(5);
        // Each change arrives twice (the chat room's channel, the channel's).
        assert_eq!(f.pin_twin(&pin(), t), Some(false));
        assert_eq!(f.pin_twin(&pin(), t + s), Some(true));
        assert_eq!(f.pin_twin(&ChatEvent::Unpinned, t + 2 * s), Some(false));
        assert_eq!(f.pin_twin(&ChatEvent::Unpinned, t + 3 * s), Some(true));
        // Pinned again at once after the unpin: news, not a twin.
        assert_eq!(f.pin_twin(&pin(), t + 4 * s), Some(false));
        // The same pin much later is a new pin.
        assert_eq!(f.pin_twin(&pin(), t + TWIN_WINDOW + 5 * s), Some(false));
        assert_eq!(f.pin_twin(&ChatEvent::ChatCleared, t), None);
    }

    #[test]
    fn missing_chunks_are_flushed() {
        let mut f = Filter::new(10);
        let t = Instant::now();
        assert_eq!(f.gift(chunk(Some("x"), 0, 3, &["a"]), t), Verdict::Pending);
        assert!(f.flush(t).is_empty());
        let out = f.flush(t + GATHER);
        assert_eq!(out.len(), 1);
        assert_eq!(
            f.gift(chunk(Some("x"), 1, 3, &["b"]), t),
            Verdict::Duplicate
        );
    }

    #[test]
    fn the_window_forgets_the_oldest() {
        let mut r = Recent::new(2);
        assert!(r.insert(b'm', "a"));
        assert!(r.insert(b'm', "b"));
        assert!(!r.insert(b'm', "a"));
        assert!(r.insert(b'm', "c"));
        assert!(!r.contains(b'm', "a"));
        assert!(r.contains(b'm', "b") && r.contains(b'm', "c"));
        // The kind is part of the key.
        assert!(!r.contains(b'd', "b"));
        assert!(r.insert(b'd', "b"));
    }
}
