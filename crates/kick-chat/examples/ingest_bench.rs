//! Benchmark client: kick-chat receiving a chat stream from a running fake,
//! driven by `e2e/bench/chat-ingest.js` (which runs the official JS clients
//! the same way, one after another, on the same fake and the same stream).
//!
//!     ingest_bench <web_base> <pusher_url_template> <chatroom_id> pusher|centrifugo
//!
//! Prints `{"ready":true}` once the chat channel is joined. Then, on stdin:
//! `start` takes a snapshot; `stop` prints one JSON line with the chat
//! messages delivered (typed `ChatEvent::Message`, deduplicated; and those the
//! consumer took, `consumed`) and the CPU
//! time of THIS process (user+system, all threads, `/proc/self/stat`) since
//! the snapshot; `until N` takes a snapshot and prints the same line once N
//! more messages were delivered, with `wall_s` from the first of them to the
//! last (the full-speed throughput against the fake's
//! `/_fake/realtime/flood`, whose preparation is not counted); `quit` ends.

// The app's allocator (src-tauri/src/main.rs): measured as it ships.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use kick_chat::{ChatConfig, ChatEvent, ConnectionState, TransportChoice};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;

fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after = &s[s.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // utime and stime: fields 14 and 15 (1-based), i.e. 11 and 12 after the state.
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / clock_ticks()
}

fn clock_ticks() -> f64 {
    // _SC_CLK_TCK is 100 on every Linux this runs on; read it anyway.
    extern "C" {
        fn sysconf(name: i32) -> i64;
    }
    // SAFETY: sysconf has no preconditions; 2 is _SC_CLK_TCK on Linux.
    let t = unsafe { sysconf(2) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    assert!(
        a.len() == 4,
        "usage: ingest_bench <web_base> <pusher_url_template> <chatroom_id> pusher|centrifugo"
    );
    let mut cfg = ChatConfig::local(&a[0], &a[1], a[2].parse().expect("chatroom id"), None);
    cfg.transport = match a[3].as_str() {
        "pusher" => TransportChoice::Pusher,
        "centrifugo" => TransportChoice::Centrifugo,
        t => panic!("transport {t}: pusher or centrifugo"),
    };
    let (handle, mut rx) = kick_chat::spawn(cfg);
    let msgs = Arc::new(AtomicU64::new(0));
    let m2 = msgs.clone();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut ready = Some(ready_tx);
        // The consumer takes events as the app's chat service does
        // (kickstand-core's chat.rs): it waits for the first news, then
        // takes what arrives as it arrives until the batch is due (50 ms
        // after that news, 200 ms after the batch before at the soonest).
        let (frame, spacing) = (Duration::from_millis(50), Duration::from_millis(200));
        let mut last: Option<tokio::time::Instant> = None;
        let mut buf = Vec::with_capacity(1024);
        let mut take = |buf: &mut Vec<ChatEvent>| {
            for ev in buf.drain(..) {
                match ev {
                    ChatEvent::Message(_) => {
                        m2.fetch_add(1, Ordering::Relaxed);
                    }
                    ChatEvent::State(ConnectionState::Connected { .. }) => {
                        if let Some(r) = ready.take() {
                            let _ = r.send(());
                        }
                    }
                    _ => {}
                }
            }
        };
        while rx.recv_many(&mut buf, 1024).await > 0 {
            let mut due = tokio::time::Instant::now() + frame;
            if let Some(t) = last {
                due = due.max(t + spacing);
            }
            let wait = tokio::time::sleep_until(due);
            tokio::pin!(wait);
            loop {
                take(&mut buf);
                tokio::select! {
                    biased;
                    _ = &mut wait => break,
                    n = rx.recv_many(&mut buf, 1024) => if n == 0 { break },
                }
            }
            take(&mut buf);
            last = Some(tokio::time::Instant::now());
        }
    });
    ready_rx.await.expect("connected");
    println!("{{\"ready\":true}}");
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    // Messages are counted where kick-chat hands them over (its own
    // counter): the consumer takes them in 200 ms batches, so its count at
    // a snapshot can be a batch behind (±4 % of a 5 s window).
    let delivered = || handle.stats.get(&handle.stats.messages);
    let (mut m0, mut e0, mut c0, mut t0) = (0u64, 0u64, 0.0f64, Instant::now());
    let report = |messages: u64, consumed: u64, cpu_s: f64, wall: Duration| {
        serde_json::json!({
            "messages": messages,
            "consumed": consumed,
            "cpu_s": cpu_s,
            "wall_s": wall.as_secs_f64(),
            "frames_total": handle.stats.get(&handle.stats.frames),
            "duplicates_total": handle.stats.get(&handle.stats.duplicates),
        })
    };
    while let Ok(Some(line)) = lines.next_line().await {
        match line.trim() {
            "start" => {
                (m0, e0, c0, t0) = (
                    delivered(),
                    msgs.load(Ordering::Relaxed),
                    cpu_seconds(),
                    Instant::now(),
                );
            }
            "stop" => {
                let (m, e, c, t) = (
                    delivered(),
                    msgs.load(Ordering::Relaxed),
                    cpu_seconds(),
                    t0.elapsed(),
                );
                println!("{}", report(m - m0, e - e0, c - c0, t));
            }
            cmd if cmd.starts_with("until ") => {
                let n: u64 = cmd[6..].trim().parse().expect("until <count>");
                let (m0, e0, c0) = (delivered(), msgs.load(Ordering::Relaxed), cpu_seconds());
                // Polled every millisecond (about 0.1 % of a core): the
                // counter is kick-chat's own, bumped as each message is
                // handed over. The clock starts at the first message.
                while delivered() == m0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let t0 = Instant::now();
                while delivered() < m0 + n {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let t = t0.elapsed();
                let (m, e, c) = (delivered(), msgs.load(Ordering::Relaxed), cpu_seconds());
                println!("{}", report(m - m0, e - e0, c - c0, t));
            }
            "quit" => break,
            _ => {}
        }
    }
    handle.stop();
}
