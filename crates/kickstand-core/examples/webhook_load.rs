//! Benchmark: the webhook receiver under load while the app keeps working.
//!
//! A logged-in Kick-mode core (against the fake, with its evening store on
//! disk as in the app) runs its receiver; signed `channel.followed`
//! deliveries (Kick's headers and RSA signatures, made before the clock
//! starts) are posted at each offered rate for 10 s over keep-alive
//! connections. Reported per rate: deliveries answered 200 and accepted
//! into the feed, the receiver's answer latency (p50/p99/max), the latency
//! of a local command the window calls meanwhile (`stream_stats`, the
//! evening store) every 20 ms, and this process's CPU (receiver, feed,
//! store and the sending side together).
//!
//!     cargo run --release -p kickstand-core --example webhook_load -- 50 200 500 1000

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use kickstand_core::core::Core;
use kickstand_core::secrets::{MemoryStore, SecretStore};
use kickstand_core::settings::{Settings, SettingsFile};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECONDS: u64 = 10;

fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = s[s.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let rates: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rates = if rates.is_empty() {
        vec![50, 200, 500, 1000]
    } else {
        rates
    };
    let port = free_port();
    let fake = kick_fake(port).await;
    let dir = std::env::temp_dir().join(format!("kickstand-webhook-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let settings = SettingsFile::new(dir.join("settings.json"));
    settings
        .save(&Settings {
            loopback_port: port,
            ..Default::default()
        })
        .unwrap();
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let mut opts = kick_options(&fake, store, settings);
    opts.data_dir = Some(dir.clone());
    let core = Core::start(opts, Recorder::default().sink()).await.unwrap();
    core.save_credentials(&fake.info.client_id, &fake.info.client_secret)
        .await
        .unwrap();
    core.login(browser()).await.unwrap();
    let st = core.webhook_set_receiver(true, 0).await.unwrap();
    let url = st.local_url.clone().unwrap();
    let sub = core
        .webhook_subscriptions()
        .await
        .unwrap()
        .events
        .into_iter()
        .find(|e| e.name == "channel.followed")
        .and_then(|e| e.subscription_id)
        .expect("a channel.followed subscription");
    let shown = Arc::new(AtomicUsize::new(0));
    let s = shown.clone();
    core.feed_open(Box::new(move |b| {
        s.fetch_add(b.items.len(), Ordering::Relaxed);
        true
    }))
    .unwrap();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();

    println!("| offered/s | answered 200 | accepted | answer p50 ms | p99 ms | max ms | command p50 ms | p99 ms | max ms | CPU % of one core |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut serial = 0u64;
    for rate in rates {
        let n = rate * SECONDS;
        // Signed before the clock starts (the fake's RSA signing is not the receiver's cost).
        let deliveries: Vec<_> = (0..n)
            .map(|_| {
                serial += 1;
                let body = serde_json::json!({
                    "broadcaster": kick_fake::social::event_user(kick_fake::STREAMER_ID, "DemoStreamer", None),
                    "follower": kick_fake::social::event_user(8_000_000 + serial, &format!("load_fan_{serial}"), None),
                });
                kick_fake::webhooks::build_delivery(&fake.state, sub.as_str(), "channel.followed", &body, chrono::Utc::now())
            })
            .collect();
        let accepted0 = core.webhook_status().accepted;
        let cpu0 = cpu_seconds();
        let start = Instant::now();
        // The window's side: a local command every 20 ms.
        let probe_core = core.clone();
        let probe = tokio::spawn(async move {
            let mut lat = Vec::new();
            let end = Instant::now() + Duration::from_secs(SECONDS);
            while Instant::now() < end {
                let t = Instant::now();
                probe_core.stream_stats().await.unwrap();
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            lat
        });
        let mut sends = Vec::with_capacity(n as usize);
        for (i, d) in deliveries.into_iter().enumerate() {
            let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
            tokio::time::sleep_until(due.into()).await;
            let mut r = http.post(&url).body(d.body);
            for (k, v) in &d.headers {
                r = r.header(*k, v);
            }
            sends.push(tokio::spawn(async move {
                let t = Instant::now();
                let status = r.send().await.map(|r| r.status().as_u16()).unwrap_or(0);
                (status, t.elapsed().as_secs_f64() * 1000.0)
            }));
        }
        let mut answers = Vec::new();
        let mut ok = 0;
        for s in sends {
            let (status, ms) = s.await.unwrap();
            ok += usize::from(status == 200);
            answers.push(ms);
        }
        let mut cmd = probe.await.unwrap();
        let elapsed = start.elapsed().as_secs_f64();
        let cpu = (cpu_seconds() - cpu0) / elapsed * 100.0;
        // The feed catches up (it works after the answer).
        tokio::time::sleep(Duration::from_millis(500)).await;
        let accepted = core.webhook_status().accepted - accepted0;
        println!(
            "| {rate} | {ok}/{n} | {accepted} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2} | {cpu:.0} |",
            pct(&mut answers, 0.5),
            pct(&mut answers, 0.99),
            pct(&mut answers, 1.0),
            pct(&mut cmd, 0.5),
            pct(&mut cmd, 0.99),
            pct(&mut cmd, 1.0),
        );
    }
    println!(
        "\nfeed items pushed to the window: {}",
        shown.load(Ordering::Relaxed)
    );
    drop(core);
    let _ = std::fs::remove_dir_all(&dir);
}
