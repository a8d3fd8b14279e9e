//! The activity feed as plain state: what happened, shown once whichever
//! source delivered it (the chat socket, a webhook, the poller, the API, or a
//! duplicate of any), newest last, bounded.
//!
//! How one real action is recognised (each item carries every key it was
//! seen under; a later input matching any key within its window is the same
//! action):
//! - by Kick's ids where both sources carry them: a redemption's id (webhook,
//!   API); webhook re-deliveries are dropped earlier, by
//!   `Kick-Event-Message-Id`;
//! - by a stable fingerprint where they do not (the socket has no redemption
//!   id, the KICKs webhook no transaction id, nobody an id for a sub or a
//!   host): the kind with the user names, the amount and the text, inside a
//!   time window long enough for a late webhook and short enough that a fan
//!   doing it again later counts again.
//! - Followers: the socket only counts them (a follower goal); a rise of the
//!   goal is held for [`FOLLOW_GRACE_MS`] and becomes "+N followers" only for
//!   what named follows (webhooks) did not explain meanwhile.

use crate::dto::{FeedItem, FeedKind, RedemptionRef, RedemptionStatus};
use std::collections::{HashMap, VecDeque};

/// Items kept (the feed never grows without end).
pub const MAX_ITEMS: usize = 3000;
/// How long an anonymous follower-goal rise waits for the named follows.
pub const FOLLOW_GRACE_MS: i64 = 15_000;

const MIN: i64 = 60_000;

/// Where an input came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Socket,
    Webhook,
    Poller,
    Api,
}

/// Something that happened, normalised from any source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedInput {
    Follow {
        username: String,
    },
    /// The socket's follower goal moved to `current`.
    FollowerGoal {
        current: u64,
    },
    Sub {
        username: String,
        months: u64,
    },
    Gift {
        /// `None`: an anonymous gifter.
        gifter: Option<String>,
        recipients: Vec<String>,
        count: u64,
    },
    Kicks {
        sender: String,
        amount: u64,
        gift_name: String,
        message: String,
    },
    Redemption {
        id: Option<kick_api::RedemptionId>,
        reward_title: String,
        /// Every source has the redeemer's id (the API has no name).
        user_id: Option<u64>,
        username: String,
        input: String,
        status: RedemptionStatus,
    },
    Host {
        host: String,
        viewers: u64,
    },
    Ban {
        username: String,
        moderator: String,
        /// `None`: permanent.
        minutes: Option<u64>,
    },
    Live {
        live: bool,
        title: String,
    },
    Title {
        title: String,
    },
    Category {
        name: String,
    },
}

struct Key {
    item: String,
    at_ms: i64,
    window_ms: i64,
}

/// The feed's state.
pub struct Feed {
    items: VecDeque<FeedItem>,
    keys: HashMap<String, Key>,
    /// Item id → its keys (to forget them with the item).
    item_keys: HashMap<String, Vec<String>>,
    next: u64,
    /// The socket's follower goal: last value, and rises not yet explained
    /// by named follows (at_ms, count).
    goal: Option<u64>,
    anonymous: VecDeque<(i64, u64)>,
    /// Named follows not yet matched against a goal rise (at_ms).
    named: VecDeque<i64>,
    /// Look-alike KICK gifts in a row, per source and fingerprint: when the
    /// last came, and how many came in this run (see `kicks_key`).
    kicks_runs: HashMap<(u8, String), (i64, u64)>,
    cap: usize,
}

impl Default for Feed {
    fn default() -> Self {
        Feed::new(MAX_ITEMS)
    }
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Feed {
    pub fn new(cap: usize) -> Self {
        Feed {
            items: VecDeque::new(),
            keys: HashMap::new(),
            item_keys: HashMap::new(),
            next: 1,
            goal: None,
            anonymous: VecDeque::new(),
            named: VecDeque::new(),
            kicks_runs: HashMap::new(),
            cap: cap.max(1),
        }
    }

    /// Items, oldest first.
    pub fn items(&self) -> impl Iterator<Item = &FeedItem> {
        self.items.iter()
    }

    pub fn unread(&self) -> u32 {
        self.items.iter().filter(|i| !i.read).count() as u32
    }

    /// Marks everything read; returns the items that changed.
    pub fn mark_all_read(&mut self) -> Vec<FeedItem> {
        let mut changed = Vec::new();
        for i in self.items.iter_mut().filter(|i| !i.read) {
            i.read = true;
            changed.push(i.clone());
        }
        changed
    }

    /// Puts back stored items (newest last) with the keys they were seen
    /// under, so duplicates after a restart are still recognised.
    pub fn restore(&mut self, items: Vec<(FeedItem, Vec<String>)>) {
        for (item, keys) in items {
            if let Some(n) = item
                .id
                .rsplit('-')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
            {
                self.next = self.next.max(n + 1);
            }
            for k in &keys {
                self.keys.insert(
                    k.clone(),
                    Key {
                        item: item.id.clone(),
                        at_ms: item.at_ms,
                        window_ms: window_of(k),
                    },
                );
            }
            self.item_keys.insert(item.id.clone(), keys);
            self.push_bounded(item);
        }
    }

    /// The keys an item was seen under (for the store).
    pub fn keys_of(&self, id: &str) -> Vec<String> {
        self.item_keys.get(id).cloned().unwrap_or_default()
    }

    /// Takes an input in. Returns the item that is new or changed (None: a
    /// duplicate, or held back: a follower rise waits for names).
    pub fn ingest(&mut self, input: FeedInput, source: Source, now_ms: i64) -> Option<FeedItem> {
        match input {
            FeedInput::FollowerGoal { current } => {
                let prev = self.goal.replace(current);
                if let Some(p) = prev {
                    if current > p {
                        self.anonymous.push_back((now_ms, current - p));
                    }
                }
                None
            }
            FeedInput::Follow { username } => {
                let keys = vec![format!("follow:{}", norm(&username))];
                let item = self.upsert(keys, now_ms, |id| FeedItem {
                    id,
                    kind: FeedKind::Follow,
                    at_ms: now_ms,
                    actor: Some(username.clone()),
                    text: format!("{username} followed"),
                    detail: None,
                    amount: None,
                    redemption: None,
                    read: false,
                })?;
                self.named.push_back(now_ms);
                Some(item)
            }
            FeedInput::Sub { username, months } => {
                let keys = vec![format!("sub:{}:{months}", norm(&username))];
                self.upsert(keys, now_ms, |id| FeedItem {
                    id,
                    kind: if months > 1 {
                        FeedKind::Resub
                    } else {
                        FeedKind::Sub
                    },
                    at_ms: now_ms,
                    actor: Some(username.clone()),
                    text: if months > 1 {
                        format!("{username} resubscribed for {months} months")
                    } else {
                        format!("{username} subscribed")
                    },
                    detail: None,
                    amount: Some(months),
                    redemption: None,
                    read: false,
                })
            }
            FeedInput::Gift {
                gifter,
                recipients,
                count,
            } => {
                let mut names: Vec<String> = recipients.iter().map(|r| norm(r)).collect();
                names.sort();
                let key = if names.is_empty() {
                    // REALTIME.md d.3: without names, gifter + count within 15 s.
                    format!(
                        "gift15:{}:{count}",
                        gifter.as_deref().map(norm).unwrap_or_default()
                    )
                } else {
                    format!("gift:{}", names.join(","))
                };
                let count = count.max(recipients.len() as u64);
                let who = gifter.clone().unwrap_or_else(|| "Anonymous".to_owned());
                self.upsert(vec![key], now_ms, |id| FeedItem {
                    id,
                    kind: FeedKind::GiftedSubs,
                    at_ms: now_ms,
                    actor: gifter.clone(),
                    text: format!(
                        "{who} gifted {count} sub{}",
                        if count == 1 { "" } else { "s" }
                    ),
                    detail: (!recipients.is_empty()).then(|| recipients.join(", ")),
                    amount: Some(count),
                    redemption: None,
                    read: false,
                })
            }
            FeedInput::Kicks {
                sender,
                amount,
                gift_name,
                message,
            } => {
                let fingerprint = format!("kicks:{}:{amount}:{}", norm(&sender), norm(&message));
                let keys = vec![self.kicks_key(source, fingerprint, now_ms)];
                self.upsert(keys, now_ms, |id| FeedItem {
                    id,
                    kind: FeedKind::Kicks,
                    at_ms: now_ms,
                    actor: Some(sender.clone()),
                    text: if gift_name.is_empty() {
                        format!("{sender} sent {amount} KICKs")
                    } else {
                        format!("{sender} sent {amount} KICKs ({gift_name})")
                    },
                    detail: (!message.is_empty()).then(|| message.clone()),
                    amount: Some(amount),
                    redemption: None,
                    read: false,
                })
            }
            FeedInput::Redemption {
                id,
                reward_title,
                user_id,
                username,
                input,
                status,
            } => {
                let who = user_id
                    .map(|u| u.to_string())
                    .unwrap_or_else(|| norm(&username));
                let mut keys = vec![format!(
                    "redeem:{who}:{}:{}",
                    norm(&reward_title),
                    norm(&input)
                )];
                if let Some(rid) = &id {
                    keys.insert(0, format!("redemption:{rid}"));
                }
                // A known redemption: its state (and id) may have changed.
                // Two different Kick ids are two redemptions, however alike
                // (a viewer redeeming "Hydrate" twice in ten minutes).
                let known = self.find(&keys, now_ms).filter(|e| {
                    let theirs = e.redemption.as_ref().and_then(|r| r.id.as_ref());
                    !matches!((&id, theirs), (Some(a), Some(b)) if a != b)
                });
                if let Some(existing) = known {
                    let item_id = existing.id.clone();
                    self.add_keys(&item_id, &keys, now_ms);
                    let item = self.items.iter_mut().find(|i| i.id == item_id)?;
                    let r = item.redemption.as_mut()?;
                    let mut changed = false;
                    if r.id.is_none() && id.is_some() {
                        r.id = id.clone();
                        changed = true;
                    }
                    if item.actor.as_deref().is_none_or(str::is_empty) && !username.is_empty() {
                        item.actor = Some(username.clone());
                        item.text = format!("{username} redeemed {reward_title}");
                        changed = true;
                    }
                    if r.status != status && status != RedemptionStatus::Pending {
                        r.status = status;
                        r.error = None;
                        changed = true;
                    }
                    return changed.then(|| item.clone());
                }
                Some(self.insert(keys, now_ms, |item_id| FeedItem {
                    id: item_id,
                    kind: FeedKind::Redemption,
                    at_ms: now_ms,
                    actor: Some(username.clone()),
                    text: format!("{username} redeemed {reward_title}"),
                    detail: (!input.is_empty()).then(|| input.clone()),
                    amount: None,
                    redemption: Some(RedemptionRef {
                        id: id.clone(),
                        reward_title: reward_title.clone(),
                        input: input.clone(),
                        status,
                        error: None,
                    }),
                    read: false,
                }))
            }
            FeedInput::Host { host, viewers } => {
                let keys = vec![format!("host:{}:{viewers}", norm(&host))];
                self.upsert(keys, now_ms, |id| FeedItem {
                    id,
                    kind: FeedKind::Host,
                    at_ms: now_ms,
                    actor: Some(host.clone()),
                    text: format!("{host} is hosting with {viewers} viewers"),
                    detail: None,
                    amount: Some(viewers),
                    redemption: None,
                    read: false,
                })
            }
            FeedInput::Ban {
                username,
                moderator,
                minutes,
            } => {
                let keys = vec![format!(
                    "ban:{}:{}",
                    norm(&username),
                    minutes.map(|m| m.to_string()).unwrap_or("perm".into())
                )];
                self.upsert(keys, now_ms, |id| FeedItem {
                    id,
                    kind: if minutes.is_some() {
                        FeedKind::Timeout
                    } else {
                        FeedKind::Ban
                    },
                    at_ms: now_ms,
                    actor: Some(username.clone()),
                    text: match minutes {
                        Some(m) => format!("{username} was timed out for {m} min"),
                        None => format!("{username} was banned"),
                    },
                    detail: (!moderator.is_empty()).then(|| format!("by {moderator}")),
                    amount: minutes,
                    redemption: None,
                    read: false,
                })
            }
            FeedInput::Live { live, title } => {
                let keys = vec![format!("live:{live}")];
                self.upsert(keys, now_ms, |id| FeedItem {
                    id,
                    kind: if live {
                        FeedKind::Live
                    } else {
                        FeedKind::Offline
                    },
                    at_ms: now_ms,
                    actor: None,
                    text: if live {
                        "You went live".to_owned()
                    } else {
                        "Your stream ended".to_owned()
                    },
                    detail: (live && !title.is_empty()).then(|| title.clone()),
                    amount: None,
                    redemption: None,
                    read: live,
                })
            }
            FeedInput::Title { title } => {
                let keys = vec![format!("title:{}", norm(&title))];
                self.upsert(keys, now_ms, |id| FeedItem {
                    id,
                    kind: FeedKind::TitleChanged,
                    at_ms: now_ms,
                    actor: None,
                    text: "Title changed".to_owned(),
                    detail: Some(title.clone()),
                    amount: None,
                    redemption: None,
                    read: true,
                })
            }
            FeedInput::Category { name } => {
                let keys = vec![format!("category:{}", norm(&name))];
                self.upsert(keys, now_ms, |id| FeedItem {
                    id,
                    kind: FeedKind::CategoryChanged,
                    at_ms: now_ms,
                    actor: None,
                    text: format!("Category: {name}"),
                    detail: None,
                    amount: None,
                    redemption: None,
                    read: true,
                })
            }
        }
    }

    /// Follower rises older than the grace that no named follow explained
    /// become "+N followers". Call about once a second.
    pub fn tick(&mut self, now_ms: i64) -> Vec<FeedItem> {
        let mut out = Vec::new();
        while let Some(&(at, n)) = self.anonymous.front() {
            // Named follows around this rise explain it.
            let mut left = n;
            while left > 0 {
                let near = self
                    .named
                    .iter()
                    .position(|t| (t - at).abs() <= FOLLOW_GRACE_MS);
                match near {
                    Some(i) => {
                        self.named.remove(i);
                        left -= 1;
                    }
                    None => break,
                }
            }
            if left == 0 {
                self.anonymous.pop_front();
                continue;
            }
            if now_ms - at < FOLLOW_GRACE_MS {
                // Wait: the webhook with the name may still come.
                if let Some(front) = self.anonymous.front_mut() {
                    front.1 = left;
                }
                break;
            }
            self.anonymous.pop_front();
            let id = self.new_id(FeedKind::Followers);
            let item = FeedItem {
                id: id.clone(),
                kind: FeedKind::Followers,
                at_ms: at,
                actor: None,
                text: format!("+{left} follower{}", if left == 1 { "" } else { "s" }),
                detail: None,
                amount: Some(left),
                redemption: None,
                read: false,
            };
            self.item_keys.insert(id, vec![]);
            self.push_bounded(item.clone());
            out.push(item);
        }
        // Named follows long past any rise are not needed any more.
        while self
            .named
            .front()
            .is_some_and(|t| now_ms - t > 4 * FOLLOW_GRACE_MS)
        {
            self.named.pop_front();
        }
        out
    }

    /// Sets a redemption's state after an accept/reject (or its error).
    pub fn set_redemption(
        &mut self,
        id: &kick_api::RedemptionId,
        status: Option<RedemptionStatus>,
        error: Option<String>,
    ) -> Option<FeedItem> {
        let item = self.items.iter_mut().find(|i| {
            i.redemption
                .as_ref()
                .is_some_and(|r| r.id.as_ref() == Some(id))
        })?;
        let r = item.redemption.as_mut()?;
        if let Some(s) = status {
            r.status = s;
        }
        r.error = error;
        Some(item.clone())
    }

    /// The key of a KICK gift: its fingerprint and its place in a run of
    /// look-alikes from the same source. Fans send the same gift several
    /// times in a row, and each source delivers each gift once (the socket
    /// dedupes by transaction id, webhooks by message id), while only the
    /// socket carries a transaction id: so the n-th look-alike from the
    /// socket and the n-th from the webhook are one gift, and a second from
    /// the same source is a second gift. A run ends when no look-alike came
    /// for the key's window. Runs are not stored: in the first two minutes
    /// after a restart, a look-alike pairs with the one before the restart
    /// (shown once, as before this rule).
    fn kicks_key(&mut self, source: Source, fingerprint: String, now_ms: i64) -> String {
        let window = window_of(&fingerprint);
        let run = self
            .kicks_runs
            .entry((source as u8, fingerprint.clone()))
            .or_insert((now_ms, 0));
        if now_ms - run.0 > window {
            run.1 = 0;
        }
        *run = (now_ms, run.1 + 1);
        let key = format!("{fingerprint}#{}", run.1);
        // Runs long over are forgotten (the map stays small all evening).
        if self.kicks_runs.len() > 256 {
            self.kicks_runs.retain(|_, (at, _)| now_ms - *at <= window);
        }
        key
    }

    fn find(&self, keys: &[String], now_ms: i64) -> Option<&FeedItem> {
        let id = keys.iter().find_map(|k| {
            let hit = self.keys.get(k)?;
            (now_ms - hit.at_ms <= hit.window_ms).then(|| hit.item.clone())
        })?;
        self.items.iter().find(|i| i.id == id)
    }

    fn add_keys(&mut self, item: &str, keys: &[String], now_ms: i64) {
        for k in keys {
            // A key seen again for the same item keeps its first time: its
            // window does not stretch with every repeat.
            if self.keys.get(k).is_some_and(|old| old.item == item) {
                continue;
            }
            self.keys.insert(
                k.clone(),
                Key {
                    item: item.to_owned(),
                    at_ms: now_ms,
                    window_ms: window_of(k),
                },
            );
            let list = self.item_keys.entry(item.to_owned()).or_default();
            if !list.contains(k) {
                list.push(k.clone());
            }
        }
    }

    /// A new item unless one of `keys` was seen within its window.
    fn upsert(
        &mut self,
        keys: Vec<String>,
        now_ms: i64,
        make: impl FnOnce(String) -> FeedItem,
    ) -> Option<FeedItem> {
        if let Some(existing) = self.find(&keys, now_ms) {
            let id = existing.id.clone();
            self.add_keys(&id, &keys, now_ms);
            return None;
        }
        Some(self.insert(keys, now_ms, make))
    }

    /// A new item under `keys` (the newest item a key names).
    fn insert(
        &mut self,
        keys: Vec<String>,
        now_ms: i64,
        make: impl FnOnce(String) -> FeedItem,
    ) -> FeedItem {
        let kind_hint = keys.first().map(|k| k.split(':').next().unwrap_or("item"));
        let id = format!("{}-{}", kind_hint.unwrap_or("item"), self.bump());
        let item = make(id.clone());
        self.add_keys(&id, &keys, now_ms);
        self.push_bounded(item.clone());
        item
    }

    fn bump(&mut self) -> u64 {
        let n = self.next;
        self.next += 1;
        n
    }

    fn new_id(&mut self, kind: FeedKind) -> String {
        let k = format!("{kind:?}").to_lowercase();
        format!("{k}-{}", self.bump())
    }

    fn push_bounded(&mut self, item: FeedItem) {
        while self.items.len() >= self.cap {
            if let Some(old) = self.items.pop_front() {
                if let Some(keys) = self.item_keys.remove(&old.id) {
                    for k in keys {
                        if self.keys.get(&k).is_some_and(|v| v.item == old.id) {
                            self.keys.remove(&k);
                        }
                    }
                }
            }
        }
        // In time order: a "+N followers" item is made after its grace,
        // stamped when the followers came, so it goes before what came since.
        let at = self
            .items
            .iter()
            .rposition(|i| i.at_ms <= item.at_ms)
            .map_or(0, |p| p + 1);
        self.items.insert(at, item);
    }
}

/// How long a key means "the same action".
fn window_of(key: &str) -> i64 {
    match key.split(':').next().unwrap_or_default() {
        // Kick's id: one redemption, however late its update comes.
        "redemption" => i64::MAX / 4,
        "follow" | "sub" => 60 * MIN,
        "gift" | "redeem" | "host" | "live" | "title" | "category" => 10 * MIN,
        "kicks" | "ban" => 2 * MIN,
        "gift15" => 15_000,
        _ => 2 * MIN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Source::*;

    fn sub(u: &str, m: u64) -> FeedInput {
        FeedInput::Sub {
            username: u.into(),
            months: m,
        }
    }

    #[test]
    fn one_action_once_whichever_source_delivers_it() {
        let mut f = Feed::default();
        assert!(f.ingest(sub("gg_gary", 3), Socket, 1_000).is_some());
        // The webhook for the same sub, a little later, and a socket repeat.
        assert!(f.ingest(sub("GG_Gary", 3), Webhook, 4_000).is_none());
        assert!(f.ingest(sub("gg_gary", 3), Socket, 5_000).is_none());
        // Next month's resub is a new action.
        let r = f.ingest(sub("gg_gary", 4), Webhook, 6_000).unwrap();
        assert_eq!(r.kind, FeedKind::Resub);
        assert_eq!(f.items().count(), 2);
        assert_eq!(f.unread(), 2);
    }

    #[test]
    fn gifts_match_by_recipients_and_anonymous_gifters_are_named_so() {
        let mut f = Feed::default();
        let g = |gifter: Option<&str>, r: &[&str]| FeedInput::Gift {
            gifter: gifter.map(Into::into),
            recipients: r.iter().map(|s| s.to_string()).collect(),
            count: r.len() as u64,
        };
        let item = f.ingest(g(None, &["a", "b", "c"]), Webhook, 0).unwrap();
        assert_eq!(item.text, "Anonymous gifted 3 subs");
        assert_eq!(item.actor, None);
        assert!(f
            .ingest(g(Some("Anonymous"), &["c", "a", "b"]), Socket, 2_000)
            .is_none());
        assert!(f.ingest(g(Some("x"), &["d"]), Socket, 2_000).is_some());
    }

    #[test]
    fn kicks_dedupe_by_fingerprint_within_two_minutes() {
        let mut f = Feed::default();
        let k = |msg: &str| FeedInput::Kicks {
            sender: "hypehank".into(),
            amount: 500,
            gift_name: "Rage Quit".into(),
            message: msg.into(),
        };
        assert!(f.ingest(k("lets go"), Socket, 0).is_some());
        assert!(f.ingest(k("lets go"), Webhook, 1_500).is_none());
        assert!(f.ingest(k("again!"), Socket, 3_000).is_some());
        // The same gift much later is a new one.
        assert!(f.ingest(k("lets go"), Socket, 5 * MIN).is_some());
    }

    /// A fan sending the same gift three times in a row is three gifts,
    /// whichever source comes first, and each shows once.
    #[test]
    fn the_same_kicks_gift_in_a_row_counts_each_time() {
        let k = || FeedInput::Kicks {
            sender: "hypehank".into(),
            amount: 100,
            gift_name: "Hype".into(),
            message: String::new(),
        };
        let shown = |f: &Feed| f.items().filter(|i| i.kind == FeedKind::Kicks).count();
        // The socket first, each webhook a second later.
        let mut f = Feed::default();
        for t in [0, 40_000, 80_000, 110_000] {
            assert!(f.ingest(k(), Socket, t).is_some(), "gift at {t}");
            assert!(f.ingest(k(), Webhook, t + 1_000).is_none(), "its webhook");
        }
        assert_eq!(shown(&f), 4);
        // All webhooks first (the socket was slow), then the socket's.
        let mut f = Feed::default();
        for t in [0, 5_000, 10_000] {
            assert!(f.ingest(k(), Webhook, t).is_some());
        }
        for t in [12_000, 13_000, 14_000] {
            assert!(f.ingest(k(), Socket, t).is_none());
        }
        assert_eq!(shown(&f), 3);
        // Only webhooks (chat off): each one is a gift.
        let mut f = Feed::default();
        for t in [0, 1_000] {
            assert!(f.ingest(k(), Webhook, t).is_some());
        }
        assert_eq!(shown(&f), 2);
        // The socket missed the first of two (a reconnect): two, not three.
        let mut f = Feed::default();
        assert!(f.ingest(k(), Webhook, 0).is_some());
        assert!(f.ingest(k(), Webhook, 20_000).is_some());
        assert!(f.ingest(k(), Socket, 20_500).is_none());
        assert_eq!(shown(&f), 2);
        // Minutes apart, a new run: paired again from the first.
        assert!(f.ingest(k(), Socket, 10 * MIN).is_some());
        assert!(f.ingest(k(), Webhook, 10 * MIN + 500).is_none());
        assert_eq!(shown(&f), 3);
    }

    #[test]
    fn the_same_reward_redeemed_twice_is_two_redemptions() {
        let mut f = Feed::default();
        let r = |id: &str, status| FeedInput::Redemption {
            id: Some(kick_api::RedemptionId(id.into())),
            reward_title: "Hydrate".into(),
            user_id: Some(7_300_001),
            username: "luna_moth".into(),
            input: String::new(),
            status,
        };
        let a = f
            .ingest(r("R1", RedemptionStatus::Pending), Webhook, 0)
            .unwrap();
        // Two minutes later, again: its own item, to accept or reject.
        let b = f
            .ingest(r("R2", RedemptionStatus::Pending), Webhook, 2 * MIN)
            .unwrap();
        assert_ne!(a.id, b.id);
        assert_eq!(f.items().count(), 2);
        // Each one's later news goes to its own item.
        let done = f
            .ingest(r("R1", RedemptionStatus::Accepted), Webhook, 3 * MIN)
            .unwrap();
        assert_eq!(done.id, a.id);
    }

    #[test]
    fn kicks_seen_again_do_not_stretch_their_window() {
        let mut f = Feed::default();
        let k = || FeedInput::Kicks {
            sender: "hypehank".into(),
            amount: 100,
            gift_name: "Rage Quit".into(),
            message: String::new(),
        };
        assert!(f.ingest(k(), Socket, 0).is_some());
        assert!(f.ingest(k(), Webhook, 90_000).is_none());
        // 3 min after the first: a new gift, though the twin came at 1.5 min.
        assert!(f.ingest(k(), Socket, 3 * MIN).is_some());
    }

    #[test]
    fn a_redemption_from_the_socket_gets_its_id_and_state_from_the_webhook() {
        let mut f = Feed::default();
        let r = |id: Option<&str>, status| FeedInput::Redemption {
            id: id.map(|s| kick_api::RedemptionId(s.into())),
            reward_title: "Song request".into(),
            user_id: Some(7_300_001),
            username: "luna_moth".into(),
            input: "Play song #2".into(),
            status,
        };
        let first = f
            .ingest(r(None, RedemptionStatus::Pending), Socket, 0)
            .unwrap();
        assert_eq!(first.redemption.as_ref().unwrap().id, None);
        let with_id = f
            .ingest(r(Some("01R"), RedemptionStatus::Pending), Webhook, 500)
            .unwrap();
        assert_eq!(with_id.id, first.id, "the same item");
        assert_eq!(
            with_id
                .redemption
                .as_ref()
                .unwrap()
                .id
                .as_ref()
                .unwrap()
                .as_str(),
            "01R"
        );
        // Accepted (by Kick's id), an hour later: updated, not a new item.
        let done = f
            .ingest(
                r(Some("01R"), RedemptionStatus::Accepted),
                Webhook,
                60 * MIN,
            )
            .unwrap();
        assert_eq!(done.id, first.id);
        assert_eq!(done.redemption.unwrap().status, RedemptionStatus::Accepted);
        assert!(f
            .ingest(
                r(Some("01R"), RedemptionStatus::Accepted),
                Webhook,
                61 * MIN
            )
            .is_none());
        assert_eq!(f.items().count(), 1);
    }

    #[test]
    fn follower_goal_rises_not_named_by_webhooks_become_plus_n_followers() {
        let mut f = Feed::default();
        let goal = |n| FeedInput::FollowerGoal { current: n };
        assert!(
            f.ingest(goal(100), Socket, 0).is_none(),
            "the first value is a baseline"
        );
        assert!(f.ingest(goal(103), Socket, 1_000).is_none());
        // Two of the three follows are named by webhooks.
        let named = f
            .ingest(
                FeedInput::Follow {
                    username: "pixel_pete".into(),
                },
                Webhook,
                2_000,
            )
            .unwrap();
        assert_eq!(named.text, "pixel_pete followed");
        f.ingest(
            FeedInput::Follow {
                username: "coffeecat".into(),
            },
            Webhook,
            3_000,
        );
        assert!(f.tick(5_000).is_empty(), "held during the grace");
        let out = f.tick(1_000 + FOLLOW_GRACE_MS + 1);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].text, "+1 follower");
        assert_eq!(out[0].kind, FeedKind::Followers);
        // It sits where its time puts it: before the named follows that
        // came after the rise, not on top as the newest.
        assert_eq!(
            f.items().map(|i| i.text.as_str()).collect::<Vec<_>>(),
            ["+1 follower", "pixel_pete followed", "coffeecat followed"]
        );
        // A rise fully explained by names shows nothing extra.
        f.ingest(goal(104), Socket, 40_000);
        f.ingest(
            FeedInput::Follow {
                username: "quietqueen".into(),
            },
            Webhook,
            41_000,
        );
        assert!(f.tick(40_000 + FOLLOW_GRACE_MS + 1).is_empty());
    }

    #[test]
    fn the_feed_is_bounded_and_forgets_keys_with_items() {
        let mut f = Feed::new(100);
        for i in 0..1000u64 {
            f.ingest(sub(&format!("u{i}"), 1), Socket, i as i64);
        }
        assert_eq!(f.items().count(), 100);
        assert!(f.keys.len() <= 100);
        assert!(f.item_keys.len() <= 100);
        assert_eq!(f.items().next().unwrap().actor.as_deref(), Some("u900"));
    }

    #[test]
    fn restored_items_still_recognise_their_duplicates() {
        let mut a = Feed::default();
        let item = a.ingest(sub("gg_gary", 3), Socket, 1_000).unwrap();
        let keys = a.keys_of(&item.id);
        let mut b = Feed::default();
        b.restore(vec![(item.clone(), keys)]);
        assert!(b.ingest(sub("gg_gary", 3), Webhook, 2_000).is_none());
        let next = b.ingest(sub("other", 1), Socket, 3_000).unwrap();
        assert_ne!(next.id, item.id, "ids do not repeat after a restart");
    }

    #[test]
    fn mark_all_read_clears_the_unread_count() {
        let mut f = Feed::default();
        f.ingest(sub("a", 1), Socket, 0);
        f.ingest(sub("b", 1), Socket, 0);
        assert_eq!(f.unread(), 2);
        assert_eq!(f.mark_all_read().len(), 2);
        assert_eq!(f.unread(), 0);
        assert!(f.mark_all_read().is_empty());
    }
}
