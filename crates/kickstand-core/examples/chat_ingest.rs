//! Benchmark: chat ingest in the backend (socket client + per-frame batching
//! to the panel's stream), fed by a separate `kick-fake` process at increasing rates.
//! Reports messages/s delivered to the sink, UI pushes/s, and CPU time of
//! THIS process per message (from /proc/self/stat; the fake's CPU is not counted).
//!
//!     cargo build --release -p kick-fake
//!     cargo run --release -p kickstand-core --example chat_ingest [-- 100 500 1000 2000 5000]
//!
//! `KICK_CHAT_TRANSPORT=centrifugo|pusher` picks the transport (default:
//! what the fake's descriptor names, Centrifugo).

use kickstand_core::chat;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after = &s[s.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 (1-based), i.e. 11 and 12 after the state field.
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0
}

#[tokio::main]
async fn main() {
    let rates: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rates = if rates.is_empty() {
        vec![100.0, 500.0, 1000.0, 2000.0, 5000.0]
    } else {
        rates
    };
    let transport = match std::env::var("KICK_CHAT_TRANSPORT").as_deref() {
        Ok("pusher") => kick_chat::TransportChoice::Pusher,
        Ok("centrifugo") => kick_chat::TransportChoice::Centrifugo,
        _ => kick_chat::TransportChoice::Auto,
    };
    let exe = std::env::var("KICK_FAKE").unwrap_or_else(|_| "target/release/kick-fake".into());
    let mut child = Command::new(&exe)
        .args(["--port", "0", "--tick-ms", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {exe}: {e} (cargo build --release -p kick-fake)"));
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    let api = info["api_base"].as_str().unwrap().to_owned();

    let msgs = Arc::new(AtomicU64::new(0));
    let pushes = Arc::new(AtomicU64::new(0));
    let (m2, p2) = (msgs.clone(), pushes.clone());
    let stream: chat::ChatSubscriber = Box::new(move |b| {
        p2.fetch_add(1, Ordering::Relaxed);
        let n = b
            .items
            .iter()
            .filter(|i| matches!(i, kickstand_core::dto::ChatItem::Line(_)))
            .count();
        m2.fetch_add(n as u64, Ordering::Relaxed);
        true
    });
    let mut cfg = kick_chat::ChatConfig::local(
        info["web_base"].as_str().unwrap(),
        info["pusher_url_template"].as_str().unwrap(),
        info["chatroom_id"].as_u64().unwrap(),
        None,
    );
    cfg.transport = transport;
    let svc = chat::start(cfg, "DemoStreamer".into(), None);
    svc.attach(stream);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let http = reqwest::Client::new();
    println!("| offered msg/s | delivered msg/s | UI pushes/s | CPU µs/msg (client) | CPU % of one core |");
    println!("|---:|---:|---:|---:|---:|");
    for rate in rates {
        http.post(format!("{api}/_fake/pusher/rate"))
            .json(&serde_json::json!({"rate": rate}))
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await; // settle
        let (m0, p0, c0, t0) = (
            msgs.load(Ordering::Relaxed),
            pushes.load(Ordering::Relaxed),
            cpu_seconds(),
            Instant::now(),
        );
        tokio::time::sleep(Duration::from_secs(5)).await;
        let secs = t0.elapsed().as_secs_f64();
        let m = (msgs.load(Ordering::Relaxed) - m0) as f64;
        let p = (pushes.load(Ordering::Relaxed) - p0) as f64;
        let cpu = cpu_seconds() - c0;
        println!(
            "| {rate:.0} | {:.0} | {:.0} | {:.1} | {:.1} |",
            m / secs,
            p / secs,
            if m > 0.0 { cpu / m * 1e6 } else { 0.0 },
            cpu / secs * 100.0
        );
    }
    http.post(format!("{api}/_fake/pusher/rate"))
        .json(&serde_json::json!({"rate": 0}))
        .send()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
}
