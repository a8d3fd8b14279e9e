//! The streamer's evening: the activity feed (every source, each action
//! once), the numbers of the stream with its viewer samples, the past
//! streams, and desktop notifications for the items the streamer picked.
//! One task owns the state; the store keeps it across restarts.

pub mod model;
pub mod sources;
pub mod store;

use crate::dto::*;
use crate::events::{CoreEvent, EventSink};
use model::{Feed, FeedInput, Source};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::sync::{mpsc, oneshot};

/// Where a window's feed stream goes (a Tauri `Channel` in the app).
/// Returns false once the window is gone.
pub type FeedSubscriber = Box<dyn FnMut(FeedBatch) -> bool + Send>;

/// How far back a restart reloads the feed when no stream is live.
const RELOAD_WINDOW_MS: i64 = 12 * 3600 * 1000;
/// Webhook ids are remembered this long (Kick retries and duplicates come
/// within minutes; a day is plenty).
pub const SEEN_FOR_MS: i64 = 24 * 3600 * 1000;

enum Msg {
    Input(FeedInput, Source),
    Observe(Box<CoreEvent>),
    Attach(FeedSubscriber),
    MarkAllRead,
    Redemption(
        kick_api::RedemptionId,
        Option<RedemptionStatus>,
        Option<String>,
    ),
    Stats(oneshot::Sender<StreamStats>),
    Streams(oneshot::Sender<Vec<StreamSummary>>),
    Pending(oneshot::Sender<Vec<kick_api::RedemptionId>>),
    Prefs(NotifyPrefs),
}

/// A handle to the feed's task. Cheap to clone; the task ends with the last.
#[derive(Clone)]
pub struct FeedService {
    tx: mpsc::UnboundedSender<Msg>,
    chat: Arc<AtomicU64>,
    store: Store,
}

impl FeedService {
    /// Starts the feed over `store`, reloading what it kept.
    pub fn start(store: Store, sink: EventSink, prefs: NotifyPrefs) -> FeedService {
        let (tx, rx) = mpsc::unbounded_channel();
        let chat = Arc::new(AtomicU64::new(0));
        let state = State {
            feed: Feed::default(),
            store: store.clone(),
            subs: Vec::new(),
            sink,
            prefs,
            stream: None,
            last_channel: None,
            chat_total: chat.clone(),
            chat_seen: 0,
            chat_secs: VecDeque::new(),
            dirty: true,
            since_save: 0,
        };
        tokio::spawn(run(state, rx));
        FeedService { tx, chat, store }
    }

    pub fn input(&self, input: FeedInput, source: Source) {
        let _ = self.tx.send(Msg::Input(input, source));
    }

    /// A chat line arrived (counted for chat per minute; no task hop).
    pub fn chat_line(&self) {
        self.chat.fetch_add(1, Ordering::Relaxed);
    }

    /// Sees the poller's snapshots and channel changes (live, viewers, title).
    pub fn observe(&self, ev: &CoreEvent) {
        if matches!(ev, CoreEvent::Live(_) | CoreEvent::Channel(_)) {
            let _ = self.tx.send(Msg::Observe(Box::new(ev.clone())));
        }
    }

    /// A new stream: everything kept first, then each change.
    pub fn attach(&self, sub: FeedSubscriber) {
        let _ = self.tx.send(Msg::Attach(sub));
    }

    pub fn mark_all_read(&self) {
        let _ = self.tx.send(Msg::MarkAllRead);
    }

    pub fn set_prefs(&self, prefs: NotifyPrefs) {
        let _ = self.tx.send(Msg::Prefs(prefs));
    }

    pub fn redemption(
        &self,
        id: kick_api::RedemptionId,
        status: Option<RedemptionStatus>,
        error: Option<String>,
    ) {
        let _ = self.tx.send(Msg::Redemption(id, status, error));
    }

    pub async fn stats(&self) -> StreamStats {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Msg::Stats(tx));
        rx.await.unwrap_or_default()
    }

    pub async fn streams(&self) -> Vec<StreamSummary> {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Msg::Streams(tx));
        rx.await.unwrap_or_default()
    }

    /// Redemptions shown as pending whose Kick id is known.
    pub async fn pending_redemptions(&self) -> Vec<kick_api::RedemptionId> {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Msg::Pending(tx));
        rx.await.unwrap_or_default()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// The stream being counted.
struct Current {
    summary: StreamSummary,
    samples: Vec<ViewerSample>,
    viewers: u64,
    sum: u64,
}

impl Current {
    fn new(started_at_ms: i64, title: String) -> Self {
        Current {
            summary: StreamSummary {
                started_at_ms,
                ended_at_ms: None,
                title,
                peak_viewers: 0,
                average_viewers: 0,
                new_followers: 0,
                subs: 0,
                gifted_subs: 0,
                kicks: 0,
            },
            samples: Vec::new(),
            viewers: 0,
            sum: 0,
        }
    }

    fn sample(&mut self, s: ViewerSample) {
        self.viewers = s.viewers;
        self.summary.peak_viewers = self.summary.peak_viewers.max(s.viewers);
        self.sum += s.viewers;
        self.samples.push(s);
        self.summary.average_viewers = self.sum / self.samples.len() as u64;
    }

    fn count(&mut self, item: &FeedItem) {
        let n = item.amount.unwrap_or(1);
        match item.kind {
            FeedKind::Follow => self.summary.new_followers += 1,
            FeedKind::Followers => self.summary.new_followers += n,
            FeedKind::Sub | FeedKind::Resub => self.summary.subs += 1,
            FeedKind::GiftedSubs => self.summary.gifted_subs += n,
            FeedKind::Kicks => self.summary.kicks += n,
            _ => {}
        }
    }

    fn live(&self) -> bool {
        self.summary.ended_at_ms.is_none()
    }
}

struct State {
    feed: Feed,
    store: Store,
    subs: Vec<FeedSubscriber>,
    sink: EventSink,
    prefs: NotifyPrefs,
    stream: Option<Current>,
    last_channel: Option<(String, Option<String>)>,
    chat_total: Arc<AtomicU64>,
    chat_seen: u64,
    /// Chat lines per second over the last minute.
    chat_secs: VecDeque<u64>,
    dirty: bool,
    since_save: u32,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

async fn run(mut st: State, mut rx: mpsc::UnboundedReceiver<Msg>) {
    st.reload().await;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(m) => st.handle(m).await,
                None => break,
            },
            _ = tick.tick() => st.tick(),
        }
    }
    st.save_stream();
}

impl State {
    async fn reload(&mut self) {
        let streams = self.store.streams().await;
        let since = match streams.first() {
            Some(s) if s.ended_at_ms.is_none() => {
                // Live when Kickstand stopped: keep counting this stream.
                let mut c = Current::new(s.started_at_ms, s.title.clone());
                for sample in self.store.samples(s.started_at_ms).await {
                    c.sample(sample);
                }
                c.summary = s.clone();
                self.stream = Some(c);
                s.started_at_ms
            }
            Some(s) => {
                self.stream = Some(Current {
                    summary: s.clone(),
                    samples: self.store.samples(s.started_at_ms).await,
                    viewers: 0,
                    sum: 0,
                });
                (now_ms() - RELOAD_WINDOW_MS).min(s.started_at_ms)
            }
            None => now_ms() - RELOAD_WINDOW_MS,
        };
        let items = self.store.load_items(since).await;
        self.feed.restore(items);
    }

    async fn handle(&mut self, m: Msg) {
        match m {
            Msg::Input(input, source) => {
                let now = now_ms();
                if let Some(item) = self.feed.ingest(input, source, now) {
                    self.changed(item, now);
                }
            }
            Msg::Observe(ev) => self.observe(*ev),
            Msg::Attach(mut sub) => {
                let batch = FeedBatch {
                    items: self.feed.items().cloned().collect(),
                    unread: self.feed.unread(),
                    reset: true,
                };
                if sub(batch) {
                    self.subs.push(sub);
                }
            }
            Msg::MarkAllRead => {
                let items = self.feed.mark_all_read();
                if !items.is_empty() {
                    self.store.mark_all_read();
                    self.send(items);
                }
            }
            Msg::Redemption(id, status, error) => {
                if let Some(item) = self.feed.set_redemption(&id, status, error) {
                    self.store.save_item(&item, self.feed.keys_of(&item.id));
                    self.send(vec![item]);
                }
            }
            Msg::Stats(tx) => {
                let _ = tx.send(self.stats());
            }
            Msg::Streams(tx) => {
                self.save_stream();
                let _ = tx.send(self.store.streams().await);
            }
            Msg::Pending(tx) => {
                let ids = self
                    .feed
                    .items()
                    .filter_map(|i| i.redemption.as_ref())
                    .filter(|r| r.status == RedemptionStatus::Pending)
                    .filter_map(|r| r.id.clone())
                    .collect();
                let _ = tx.send(ids);
            }
            Msg::Prefs(p) => self.prefs = p,
        }
    }

    /// A new or changed item: store, count, stream, notify.
    fn changed(&mut self, item: FeedItem, now: i64) {
        self.store.save_item(&item, self.feed.keys_of(&item.id));
        if let Some(c) = self.stream.as_mut().filter(|c| c.live()) {
            if item.at_ms >= c.summary.started_at_ms && is_fresh(&item, now) {
                c.count(&item);
                self.dirty = true;
            }
        }
        if is_fresh(&item, now) && self.prefs.wants(&item) {
            (self.sink)(CoreEvent::FeedNotify(item.clone()));
        }
        self.send(vec![item]);
    }

    fn send(&mut self, items: Vec<FeedItem>) {
        let batch = FeedBatch {
            items,
            unread: self.feed.unread(),
            reset: false,
        };
        self.subs.retain_mut(|s| s(batch.clone()));
    }

    fn observe(&mut self, ev: CoreEvent) {
        let now = now_ms();
        match ev {
            CoreEvent::Live(snap) => {
                let Some(own) = snap.own else { return };
                let live_now = self.stream.as_ref().is_some_and(|c| c.live());
                if own.is_live {
                    let started = own.started_at_ms.unwrap_or(now);
                    let same = self.stream.as_ref().is_some_and(|c| {
                        c.live() && (c.summary.started_at_ms - started).abs() < 120_000
                    });
                    if !same {
                        self.save_stream();
                        self.stream = Some(Current::new(started, own.title.clone()));
                        if let Some(item) = self.feed.ingest(
                            FeedInput::Live {
                                live: true,
                                title: own.title.clone(),
                            },
                            Source::Poller,
                            now,
                        ) {
                            self.changed(item, now);
                        }
                    }
                    if let Some(c) = self.stream.as_mut() {
                        let s = ViewerSample {
                            at_ms: now,
                            viewers: own.viewer_count,
                        };
                        c.summary.title = own.title.clone();
                        c.sample(s);
                        self.store.sample(c.summary.started_at_ms, s);
                        self.dirty = true;
                    }
                } else if live_now {
                    if let Some(c) = self.stream.as_mut() {
                        c.summary.ended_at_ms = Some(now);
                    }
                    self.save_stream();
                    self.dirty = true;
                    if let Some(item) = self.feed.ingest(
                        FeedInput::Live {
                            live: false,
                            title: String::new(),
                        },
                        Source::Poller,
                        now,
                    ) {
                        self.changed(item, now);
                    }
                }
            }
            CoreEvent::Channel(c) => {
                let next = (c.title.clone(), c.category.as_ref().map(|c| c.name.clone()));
                if let Some((title, cat)) = self.last_channel.replace(next.clone()) {
                    if title != next.0 {
                        if let Some(item) = self.feed.ingest(
                            FeedInput::Title { title: next.0 },
                            Source::Poller,
                            now,
                        ) {
                            self.changed(item, now);
                        }
                    }
                    if cat != next.1 {
                        if let Some(name) = next.1 {
                            if let Some(item) =
                                self.feed
                                    .ingest(FeedInput::Category { name }, Source::Poller, now)
                            {
                                self.changed(item, now);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn tick(&mut self) {
        let now = now_ms();
        for item in self.feed.tick(now) {
            self.changed(item, now);
        }
        let total = self.chat_total.load(Ordering::Relaxed);
        self.chat_secs.push_back(total - self.chat_seen);
        self.chat_seen = total;
        while self.chat_secs.len() > 60 {
            self.chat_secs.pop_front();
        }
        if self.chat_secs.back().is_some_and(|n| *n > 0) {
            self.dirty = true;
        }
        if self.dirty {
            self.dirty = false;
            (self.sink)(CoreEvent::Stats(self.stats()));
        }
        self.since_save += 1;
        if self.since_save >= 30 {
            self.since_save = 0;
            self.save_stream();
            self.store.expire_seen(now - SEEN_FOR_MS);
        }
    }

    fn stats(&self) -> StreamStats {
        match &self.stream {
            None => StreamStats::default(),
            Some(c) => StreamStats {
                live: c.live(),
                started_at_ms: Some(c.summary.started_at_ms),
                ended_at_ms: c.summary.ended_at_ms,
                title: c.summary.title.clone(),
                current_viewers: if c.live() { c.viewers } else { 0 },
                peak_viewers: c.summary.peak_viewers,
                average_viewers: c.summary.average_viewers,
                new_followers: c.summary.new_followers,
                subs: c.summary.subs,
                gifted_subs: c.summary.gifted_subs,
                kicks: c.summary.kicks,
                chat_per_minute: if c.live() {
                    self.chat_secs.iter().sum()
                } else {
                    0
                },
                samples: c.samples.clone(),
            },
        }
    }

    fn save_stream(&self) {
        if let Some(c) = &self.stream {
            self.store.save_stream(&c.summary);
        }
    }
}

/// Not an item reloaded from an earlier run (those neither count nor notify
/// again).
fn is_fresh(item: &FeedItem, now: i64) -> bool {
    now - item.at_ms < 60_000
}
