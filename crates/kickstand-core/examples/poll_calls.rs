//! Benchmark: Kick API requests per live poll, counted at the fake, for a
//! watchlist of N channels (the real poller and the real Kick client against
//! a fake Kick in this process, with N extra channels added to its world).
//!
//!     cargo run --release -p kickstand-core --example poll_calls [-- 1 10 100 500]
//!
//! For each N: the first poll (resolving the slugs, 50 per call, then the
//! poll itself), a second poll (poked), both counted at the fake
//! (`/_fake/metrics` `api_requests`) and split by endpoint (the client's
//! request observer); then the interval the poller chose and what that
//! makes per minute on `users/livestreams` (Kick: ~100/min, API.md §4.3).
//! Last, one real minute per N: every request the poller makes, poked on
//! every watchlist edit as the UI does (10 edits in that minute).

use kick_api::{KickClient, KickConfig, RequestObserver, Secret, TokenManager, UserId};
use kickstand_core::dto::UserSummary;
use kickstand_core::events::CoreEvent;
use kickstand_core::kick_source::KickSource;
use kickstand_core::poller::{self, PollConfig};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LIVESTREAMS: &str = "GET /public/v1/users/livestreams";

type Counts = Arc<Mutex<BTreeMap<&'static str, u64>>>;

async fn api_requests(fake: &kick_fake::RunningFake) -> u64 {
    fake.metrics()["api_requests"].as_u64().unwrap()
}

/// Waits until the fake saw no request for `quiet`.
async fn settle(fake: &kick_fake::RunningFake, quiet: Duration) -> u64 {
    let mut last = api_requests(fake).await;
    let mut since = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = api_requests(fake).await;
        if now != last {
            last = now;
            since = Instant::now();
        } else if since.elapsed() >= quiet {
            return now;
        }
    }
}

fn take(counts: &Counts) -> BTreeMap<&'static str, u64> {
    std::mem::take(&mut *counts.lock().unwrap())
}

fn fmt(m: &BTreeMap<&'static str, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{v}× {}", k.trim_start_matches("GET /public/")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::main]
async fn main() {
    let ns: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let ns = if ns.is_empty() {
        vec![1, 10, 100, 500]
    } else {
        ns
    };
    let minute = std::env::var("POLL_MINUTE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60u64);
    let fake = kick_fake::start(kick_fake::FakeConfig {
        world_tick: None,
        ..Default::default()
    })
    .await
    .unwrap();
    // N more channels; every third one live.
    let max = ns.iter().copied().max().unwrap_or(0);
    let slugs: Vec<String> = (0..max).map(|i| format!("watched{i:04}")).collect();
    {
        let mut w = fake.state.world.lock().unwrap();
        let (tu, tc) = {
            let (uid, c) = w.channels.iter().next_back().unwrap();
            (w.users[uid].clone(), c.clone())
        };
        for (i, slug) in slugs.iter().enumerate() {
            let uid = 9_000_000 + i as u64;
            let mut u = tu.clone();
            u.user_id = uid;
            u.name = slug.clone();
            w.users.insert(uid, u);
            let mut c = tc.clone();
            c.broadcaster_user_id = uid;
            c.slug = slug.clone();
            c.chatroom_id = 90_000_000 + i as u64;
            c.is_live = false;
            w.channels.insert(uid, c);
            if i % 3 == 0 {
                w.set_live(uid, true, chrono::Utc::now(), 100 + i as u64);
            }
        }
    }
    let scopes = ["user:read", "channel:read"];
    let token = fake.mint_user_token(&scopes);
    let counts: Counts = Arc::default();
    let c2 = counts.clone();
    let config = KickConfig::new(fake.oauth_base(), fake.api_base()).with_observer(
        RequestObserver::new(move |endpoint, _| {
            *c2.lock().unwrap().entry(endpoint).or_default() += 1;
        }),
    );
    let client = KickClient::new(
        config,
        Arc::new(TokenManager::fixed(kick_api::token::TokenSet {
            kind: kick_api::token::TokenKind::User,
            access_token: Secret::new(token),
            refresh_token: None,
            expires_at: None,
            granted_at: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        })),
    );
    let me = UserSummary {
        user_id: UserId(kick_fake::world::STREAMER_ID),
        name: "DemoStreamer".into(),
        profile_picture: String::new(),
    };
    let cfg = PollConfig::default();

    println!("| watched N | rule 1+⌈N/100⌉ | 1st poll (with slug resolution) | 2nd poll | 2nd poll by endpoint | interval chosen | users/livestreams per min (from interval) | measured in {minute} s with 10 edits: all requests | of which users/livestreams |");
    println!("|---:|---:|---:|---:|---|---:|---:|---:|---:|");
    for &n in &ns {
        let watch: Vec<String> = slugs[..n].to_vec();
        take(&counts);
        let r0 = settle(&fake, Duration::from_millis(200)).await;
        let seen = Arc::new(Mutex::new(0u32));
        let s2 = seen.clone();
        let sink: kickstand_core::events::EventSink = Arc::new(move |e| {
            if matches!(e, CoreEvent::Live(_)) {
                *s2.lock().unwrap() += 1;
            }
        });
        let handle = poller::spawn(
            KickSource::new(client.clone(), me.clone()),
            cfg.clone(),
            watch.clone(),
            sink,
            Arc::new(|| {}),
        );
        let r1 = settle(&fake, Duration::from_millis(300)).await;
        let first = take(&counts);
        handle.poke();
        // The poked poll waits for the livestreams budget (counted from the
        // first poll's start): wait for it to begin, then for it to end.
        let budget = poller::budget_gap(poller::livestream_calls(n), cfg.livestreams_per_minute);
        let deadline = Instant::now() + budget + Duration::from_secs(5);
        while api_requests(&fake).await == r1 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let r2 = settle(&fake, Duration::from_millis(300)).await;
        let second = take(&counts);
        let interval = Duration::from_millis(handle.last().expect("a snapshot").interval_ms);
        let batches = n.div_ceil(100) as f64;
        let per_min = batches * 60.0 / interval.as_secs_f64();
        // One real minute (or POLL_MINUTE_SECS), with a watchlist edit every
        // few seconds (each one pokes the poller, as the UI's edits do).
        let t = Instant::now();
        let mut list = watch.clone();
        let mut parked: Option<String> = None;
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(minute * 1000 / 11)).await;
            // Remove a slug, then put it back: each edit pokes the poller.
            match parked.take() {
                None => parked = list.pop(),
                Some(s) => list.push(s),
            }
            handle.set_watchlist(list.clone());
        }
        let left = Duration::from_secs(minute).saturating_sub(t.elapsed());
        tokio::time::sleep(left).await;
        let during = take(&counts);
        handle.stop();
        let r3 = settle(&fake, Duration::from_millis(300)).await;
        let in_minute: u64 = during.values().sum();
        let _ = r3;
        println!(
            "| {n} | {} | {} | {} | {} | {} s | {per_min:.1} | {in_minute} | {} |",
            1 + n.div_ceil(100),
            r1 - r0,
            r2 - r1,
            fmt(&second),
            interval.as_secs_f64(),
            during.get(LIVESTREAMS).copied().unwrap_or(0),
        );
        eprintln!("N={n}: first poll by endpoint: {}", fmt(&first));
    }
}
