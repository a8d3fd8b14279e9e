//! The live poller: own channel plus a watchlist, pushed as snapshots only
//! when something changed. Watchlist slugs are resolved to ids once, then
//! polled in batched `users/livestreams` calls (100 ids per call). The
//! interval adapts: fast while anyone is live, slow when all are idle, and
//! backing off exponentially on 429 and errors.

use crate::dto::{ChannelView, LiveEntry, LiveSnapshot, WatchEntry};
use crate::events::{CoreEvent, EventSink};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Clone, Debug)]
pub struct PollConfig {
    /// Interval while the own channel or a watched channel is live.
    pub live_interval: Duration,
    /// Interval while everyone is offline.
    pub idle_interval: Duration,
    /// Ceiling for backoff after 429 or errors.
    pub max_backoff: Duration,
    /// Budget of `users/livestreams` calls per minute. API.md §4.3 reports
    /// about 100 requests per minute on Kick's livestreams listing; the
    /// per-user lookup is assumed to share that limit. Polls are spaced so that
    /// ⌈N/100⌉ calls per poll stay within this, pokes (edits, going live)
    /// included.
    pub livestreams_per_minute: u32,
}

/// Half of the ~100 requests per minute API.md §4.3 reports for Kick's livestreams.
pub const LIVESTREAMS_PER_MINUTE: u32 = 50;

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            live_interval: Duration::from_secs(15),
            idle_interval: Duration::from_secs(60),
            max_backoff: Duration::from_secs(300),
            livestreams_per_minute: LIVESTREAMS_PER_MINUTE,
        }
    }
}

/// `users/livestreams` calls one poll of `watched` channels makes (100 ids each).
pub fn livestream_calls(watched: usize) -> u32 {
    watched.div_ceil(kick_api::endpoints::livestreams::MAX_LIVE_USER_IDS) as u32
}

/// The shortest time between two polls that keeps `calls` livestreams
/// requests per poll within `per_minute`.
pub fn budget_gap(calls: u32, per_minute: u32) -> Duration {
    if calls == 0 {
        return Duration::ZERO;
    }
    Duration::from_secs(60) * calls / per_minute.max(1)
}

/// A slug and what resolving it gave (the error is a message for the UI).
pub type SlugResolution = (String, Result<Resolved, String>);

/// A resolved watchlist slug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub user_id: kick_api::UserId,
    pub slug: String,
    pub display_name: String,
    pub avatar_url: String,
}

/// How one poll went, for the interval decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Success; `any_live` = someone is live.
    Ok {
        any_live: bool,
    },
    RateLimited,
    Failed,
    /// Kick refused the refresh token: only a new login helps.
    LoginDead,
}

/// The next interval: base interval on success, doubling backoff on
/// 429/errors (starting from the idle interval), capped.
pub fn next_interval(prev: Duration, outcome: Outcome, cfg: &PollConfig) -> Duration {
    match outcome {
        Outcome::Ok { any_live: true } => cfg.live_interval,
        Outcome::Ok { any_live: false } => cfg.idle_interval,
        Outcome::RateLimited | Outcome::Failed | Outcome::LoginDead => {
            let base = prev.max(cfg.idle_interval);
            (base * 2).min(cfg.max_backoff)
        }
    }
}

/// Where the poller gets its data (the Kick client in the app).
pub trait LiveSource: Send + Sync + 'static {
    fn own_channel(&self) -> impl Future<Output = Result<ChannelView, kick_api::Error>> + Send;
    /// Resolves slugs; unknown slugs give `Err(message)` individually.
    fn resolve_slugs(
        &self,
        slugs: &[String],
    ) -> impl Future<Output = Result<Vec<SlugResolution>, kick_api::Error>> + Send;
    /// Live entries for those of `ids` that are live (batched inside).
    fn live_by_ids(
        &self,
        ids: &[kick_api::UserId],
    ) -> impl Future<Output = Result<HashMap<kick_api::UserId, LiveEntry>, kick_api::Error>> + Send;
}

/// A cheap handle to a running poller.
#[derive(Clone)]
pub struct PollerHandle {
    watchlist: Arc<Mutex<Vec<String>>>,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
    last: Arc<Mutex<Option<LiveSnapshot>>>,
}

impl PollerHandle {
    pub fn set_watchlist(&self, slugs: Vec<String>) {
        *self.watchlist.lock().unwrap() = slugs;
        self.wake.notify_one();
    }

    /// Poll now (after an edit, or when the streamer goes live).
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    pub fn last(&self) -> Option<LiveSnapshot> {
        self.last.lock().unwrap().clone()
    }

    pub fn stop(&self) {
        self.stop.notify_one();
    }
}

/// Called (once) when Kick refused the login for good (dead refresh token).
pub type DeadLogin = Arc<dyn Fn() + Send + Sync>;

pub fn spawn<S: LiveSource>(
    source: S,
    cfg: PollConfig,
    watchlist: Vec<String>,
    sink: EventSink,
    on_dead_login: DeadLogin,
) -> PollerHandle {
    let handle = PollerHandle {
        watchlist: Arc::new(Mutex::new(watchlist)),
        wake: Arc::new(Notify::new()),
        stop: Arc::new(Notify::new()),
        last: Arc::new(Mutex::new(None)),
    };
    let h = handle.clone();
    tokio::spawn(async move {
        let mut state = PollState::default();
        let mut interval = cfg.idle_interval;
        // The earliest the next poll may start, also when poked: the
        // livestreams budget counted from the last poll's start, and after a
        // 429 the whole backoff (an edit's poke must not hit Kick again at once).
        let mut not_before: Option<tokio::time::Instant> = None;
        loop {
            if let Some(at) = not_before {
                tokio::select! {
                    _ = tokio::time::sleep_until(at) => {}
                    _ = h.stop.notified() => break,
                }
            }
            // Read after the wait: an edit made meanwhile is polled now.
            let slugs = h.watchlist.lock().unwrap().clone();
            let started = tokio::time::Instant::now();
            let gap = budget_gap(livestream_calls(slugs.len()), cfg.livestreams_per_minute);
            let (snapshot, outcome, channel) =
                poll_once(&source, &mut state, &slugs, interval, &cfg).await;
            if outcome == Outcome::LoginDead {
                // The session ends (the core drops this poller): no retries
                // against a login Kick refuses.
                on_dead_login();
                break;
            }
            interval = next_interval(interval, outcome, &cfg).max(gap);
            not_before = Some(if outcome == Outcome::RateLimited {
                tokio::time::Instant::now() + interval
            } else {
                started + gap
            });
            let snapshot = LiveSnapshot {
                interval_ms: interval.as_millis() as u64,
                ..snapshot
            };
            let prev = h.last.lock().unwrap().clone();
            if let Some(ch) = channel {
                if state.last_channel.as_ref() != Some(&ch) {
                    state.last_channel = Some(ch.clone());
                    sink(CoreEvent::Channel(ch));
                }
            }
            if let Some(prev) = &prev {
                for w in went_live(prev, &snapshot) {
                    sink(CoreEvent::WentLive(w));
                }
            }
            if !same_ignoring_time(prev.as_ref(), &snapshot) {
                *h.last.lock().unwrap() = Some(snapshot.clone());
                sink(CoreEvent::Live(snapshot));
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = h.wake.notified() => {}
                _ = h.stop.notified() => break,
            }
        }
    });
    handle
}

#[derive(Default)]
struct PollState {
    /// Lower-cased slug → resolution.
    resolved: HashMap<String, Result<Resolved, String>>,
    last_channel: Option<ChannelView>,
    last_ok_ms: Option<i64>,
    /// What the last successful livestreams request said of each watched
    /// channel: shown while Kick cannot be asked (a 429, a network fault),
    /// so a failed poll never turns live channels "offline" (and the next
    /// good one would then announce them as going live).
    last_live: HashMap<kick_api::UserId, LiveEntry>,
}

async fn poll_once<S: LiveSource>(
    source: &S,
    state: &mut PollState,
    slugs: &[String],
    interval: Duration,
    _cfg: &PollConfig,
) -> (LiveSnapshot, Outcome, Option<ChannelView>) {
    let mut problem: Option<(Outcome, String)> = None;
    let mut note = |e: &kick_api::Error| {
        let outcome = match e {
            kick_api::Error::RateLimited { .. } => Outcome::RateLimited,
            kick_api::Error::ReloginRequired { .. } | kick_api::Error::Unauthorized { .. } => {
                Outcome::LoginDead
            }
            _ => Outcome::Failed,
        };
        let msg = crate::error::AppError::from(e.clone()).message;
        let worse = match (&problem, outcome) {
            (None, _) | (_, Outcome::LoginDead) => true,
            (Some((Outcome::LoginDead, _)), _) => false,
            (_, o) => o == Outcome::RateLimited,
        };
        if worse {
            problem = Some((outcome, msg));
        }
    };

    let channel = match source.own_channel().await {
        Ok(c) => Some(c),
        Err(e) => {
            note(&e);
            None
        }
    };

    let unresolved: Vec<String> = slugs
        .iter()
        .filter(|s| !state.resolved.contains_key(&s.to_lowercase()))
        .cloned()
        .collect();
    if !unresolved.is_empty() {
        match source.resolve_slugs(&unresolved).await {
            Ok(list) => {
                for (slug, r) in list {
                    state.resolved.insert(slug.to_lowercase(), r);
                }
            }
            Err(e) => note(&e),
        }
    }
    let ids: Vec<kick_api::UserId> = slugs
        .iter()
        .filter_map(|s| match state.resolved.get(&s.to_lowercase()) {
            Some(Ok(r)) => Some(r.user_id),
            _ => None,
        })
        .collect();
    let live = if ids.is_empty() {
        Some(HashMap::new())
    } else {
        match source.live_by_ids(&ids).await {
            Ok(m) => Some(m),
            Err(e) => {
                note(&e);
                None
            }
        }
    };

    if let Some(m) = &live {
        // Kick answered for every id asked: one it left out is offline.
        for r in state.resolved.values().flatten() {
            if ids.contains(&r.user_id) {
                let entry = m.get(&r.user_id).cloned().unwrap_or_else(|| offline(r));
                state.last_live.insert(r.user_id, entry);
            }
        }
        state.last_live.retain(|id, _| ids.contains(id));
    }

    let watchlist = slugs
        .iter()
        .map(|slug| match state.resolved.get(&slug.to_lowercase()) {
            Some(Ok(r)) => WatchEntry {
                slug: r.slug.clone(),
                // Unknown (None) until Kick first answers for this channel.
                live: state.last_live.get(&r.user_id).cloned(),
                error: None,
            },
            Some(Err(msg)) => WatchEntry {
                slug: slug.clone(),
                live: None,
                error: Some(msg.clone()),
            },
            None => WatchEntry {
                slug: slug.clone(),
                live: None,
                error: None,
            },
        })
        .collect::<Vec<_>>();

    // The own channel as last seen while Kick cannot be asked.
    let own = channel
        .as_ref()
        .or(state.last_channel.as_ref())
        .map(|c| LiveEntry {
            slug: c.slug.clone(),
            display_name: c.display_name.clone(),
            avatar_url: c.avatar_url.clone(),
            is_live: c.is_live,
            viewer_count: c.viewer_count,
            started_at_ms: c.started_at_ms,
            title: c.title.clone(),
            category: c.category.as_ref().map(|c| c.name.clone()),
        });
    let outcome = match &problem {
        Some((o, _)) => *o,
        None => Outcome::Ok {
            any_live: own.as_ref().is_some_and(|o| o.is_live)
                || watchlist
                    .iter()
                    .any(|w| w.live.as_ref().is_some_and(|l| l.is_live)),
        },
    };
    if problem.is_none() {
        state.last_ok_ms = Some(chrono::Utc::now().timestamp_millis());
    }
    let snapshot = LiveSnapshot {
        own,
        watchlist,
        interval_ms: interval.as_millis() as u64,
        problem: problem.map(|(_, m)| m),
        updated_at_ms: state.last_ok_ms,
    };
    (snapshot, outcome, channel)
}

/// A watched channel Kick did not list as live.
fn offline(r: &Resolved) -> LiveEntry {
    LiveEntry {
        slug: r.slug.clone(),
        display_name: r.display_name.clone(),
        avatar_url: r.avatar_url.clone(),
        is_live: false,
        viewer_count: 0,
        started_at_ms: None,
        title: String::new(),
        category: None,
    }
}

/// Watched channels that were offline in `prev` and are live in `next`.
pub fn went_live(prev: &LiveSnapshot, next: &LiveSnapshot) -> Vec<LiveEntry> {
    let was_live: HashMap<&str, bool> = prev
        .watchlist
        .iter()
        .filter_map(|w| w.live.as_ref().map(|l| (w.slug.as_str(), l.is_live)))
        .collect();
    next.watchlist
        .iter()
        .filter_map(|w| w.live.as_ref())
        .filter(|l| l.is_live && was_live.get(l.slug.as_str()) == Some(&false))
        .cloned()
        .collect()
}

fn same_ignoring_time(prev: Option<&LiveSnapshot>, next: &LiveSnapshot) -> bool {
    match prev {
        None => false,
        Some(p) => {
            p.own == next.own
                && p.watchlist == next.watchlist
                && p.problem == next.problem
                && p.interval_ms == next.interval_ms
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> PollConfig {
        PollConfig {
            live_interval: Duration::from_secs(10),
            idle_interval: Duration::from_secs(30),
            max_backoff: Duration::from_secs(300),
            livestreams_per_minute: LIVESTREAMS_PER_MINUTE,
        }
    }

    #[test]
    fn polls_are_spaced_to_the_livestreams_budget() {
        assert_eq!(livestream_calls(0), 0);
        assert_eq!(livestream_calls(1), 1);
        assert_eq!(livestream_calls(100), 1);
        assert_eq!(livestream_calls(101), 2);
        assert_eq!(livestream_calls(500), 5);
        assert_eq!(budget_gap(0, 50), Duration::ZERO);
        assert_eq!(budget_gap(1, 50), Duration::from_millis(1200));
        assert_eq!(budget_gap(5, 50), Duration::from_secs(6));
        // At any watchlist size the app's polls stay within the budget, and
        // within Kick's ~100/min, however often the UI pokes.
        for n in [1usize, 10, 100, 500, 5000] {
            let c = livestream_calls(n);
            let per_min = c as f64 * 60.0 / budget_gap(c, 50).as_secs_f64();
            assert!(per_min <= 50.0 + 1e-9, "{n}: {per_min}");
        }
    }

    /// A Kick that answers every call with 429 and counts the calls.
    struct Limited(Arc<std::sync::atomic::AtomicU32>);
    impl Limited {
        fn err() -> kick_api::Error {
            kick_api::Error::RateLimited {
                endpoint: "channels",
                status: 429,
                attempts: 1,
                retry_after: None,
            }
        }
    }
    impl LiveSource for Limited {
        async fn own_channel(&self) -> Result<ChannelView, kick_api::Error> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Err(Self::err())
        }
        async fn resolve_slugs(
            &self,
            _: &[String],
        ) -> Result<Vec<SlugResolution>, kick_api::Error> {
            Err(Self::err())
        }
        async fn live_by_ids(
            &self,
            _: &[kick_api::UserId],
        ) -> Result<HashMap<kick_api::UserId, LiveEntry>, kick_api::Error> {
            Err(Self::err())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_poke_after_a_429_waits_for_the_backoff() {
        let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let n = || calls.load(std::sync::atomic::Ordering::SeqCst);
        let h = spawn(
            Limited(calls.clone()),
            cfg(),
            vec![],
            Arc::new(|_| {}),
            Arc::new(|| {}),
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(n(), 1);
        // The streamer edits the title: a poke. Kick said 429, so the
        // backoff (2 × the idle interval) holds.
        h.poke();
        tokio::time::sleep(Duration::from_secs(59)).await;
        assert_eq!(n(), 1, "a poke went to Kick during the 429 backoff");
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(n(), 2);
        h.stop();
    }

    #[test]
    fn interval_adapts_to_live_idle_and_backoff() {
        let c = cfg();
        assert_eq!(
            next_interval(Duration::from_secs(30), Outcome::Ok { any_live: true }, &c),
            c.live_interval
        );
        assert_eq!(
            next_interval(Duration::from_secs(10), Outcome::Ok { any_live: false }, &c),
            c.idle_interval
        );
        let mut d = c.live_interval;
        let mut seen = vec![];
        for _ in 0..6 {
            d = next_interval(d, Outcome::RateLimited, &c);
            seen.push(d.as_secs());
        }
        assert_eq!(seen, vec![60, 120, 240, 300, 300, 300]);
        assert_eq!(
            next_interval(d, Outcome::Ok { any_live: false }, &c),
            c.idle_interval
        );
    }

    fn entry(slug: &str, live: bool) -> WatchEntry {
        WatchEntry {
            slug: slug.into(),
            live: Some(LiveEntry {
                slug: slug.into(),
                display_name: slug.into(),
                avatar_url: String::new(),
                is_live: live,
                viewer_count: 0,
                started_at_ms: None,
                title: String::new(),
                category: None,
            }),
            error: None,
        }
    }

    fn snap(w: Vec<WatchEntry>) -> LiveSnapshot {
        LiveSnapshot {
            own: None,
            watchlist: w,
            interval_ms: 0,
            problem: None,
            updated_at_ms: None,
        }
    }

    #[test]
    fn went_live_only_on_transition() {
        let a = snap(vec![entry("a", false), entry("b", true)]);
        let b = snap(vec![entry("a", true), entry("b", true), entry("c", true)]);
        let w = went_live(&a, &b);
        assert_eq!(
            w.iter().map(|e| e.slug.as_str()).collect::<Vec<_>>(),
            vec!["a"]
        );
    }
}
