//! Helpers shared by the core's integration tests: an event recorder, a
//! fake Kick to log in against, options for Kick and demo mode, and a stand-in
//! for the system browser.
#![allow(dead_code)]

use kick_api::{KickConfig, RetryPolicy};
use kick_fake::{FakeConfig, RunningFake};
use kickstand_core::core::{Core, CoreOptions, ModeChoice};
use kickstand_core::dto::AppStatus;
use kickstand_core::events::{CoreEvent, EventSink};
use kickstand_core::poller::PollConfig;
use kickstand_core::secrets::{MemoryStore, SecretStore};
use kickstand_core::settings::{Settings, SettingsFile};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
pub struct Recorder(pub Arc<Mutex<Vec<CoreEvent>>>);

impl Recorder {
    pub fn sink(&self) -> EventSink {
        let events = self.0.clone();
        Arc::new(move |e| events.lock().unwrap().push(e))
    }
    pub fn all(&self) -> Vec<CoreEvent> {
        self.0.lock().unwrap().clone()
    }
    /// Everything the UI would have received, as the JSON it would see.
    pub fn as_json(&self) -> String {
        self.all()
            .iter()
            .map(|e| match e {
                CoreEvent::Status(s) => serde_json::to_string(s).unwrap(),
                CoreEvent::Channel(c) => serde_json::to_string(c).unwrap(),
                CoreEvent::Live(l) => serde_json::to_string(l).unwrap(),
                CoreEvent::WentLive(l) => serde_json::to_string(l).unwrap(),
                CoreEvent::StreamKeyHidden => "hidden".into(),
                CoreEvent::Notice(n) => serde_json::to_string(n).unwrap(),
                CoreEvent::FeedNotify(i) => serde_json::to_string(i).unwrap(),
                CoreEvent::Stats(s) => serde_json::to_string(s).unwrap(),
                CoreEvent::Obs(v) => serde_json::to_string(v).unwrap(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
    /// Waits for an event after the first `n` recorded ones.
    pub async fn wait_for_after(
        &self,
        n: usize,
        what: &str,
        f: impl Fn(&CoreEvent) -> bool,
    ) -> CoreEvent {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(e) = self.all().into_iter().skip(n).find(|e| f(e)) {
                return e;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    pub async fn wait_for(&self, what: &str, f: impl Fn(&CoreEvent) -> bool) -> CoreEvent {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(e) = self.all().into_iter().rev().find(|e| f(e)) {
                return e;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn temp_settings(port: u16) -> SettingsFile {
    // Under target/tmp (Cargo's folder for integration tests), not /tmp:
    // `cargo clean` takes them, and no run leaves folders behind elsewhere.
    // (The examples that share this module have no such folder: /tmp.)
    let tmp = option_env!("CARGO_TARGET_TMPDIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tmp.join(format!(
        "kickstand-core-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let f = SettingsFile::new(dir.join("settings.json"));
    f.save(&Settings {
        loopback_port: port,
        ..Settings::default()
    })
    .unwrap();
    f
}

pub fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
}

pub fn fast_poll() -> PollConfig {
    PollConfig {
        live_interval: Duration::from_millis(100),
        idle_interval: Duration::from_millis(200),
        max_backoff: Duration::from_secs(2),
        // Tests poke at will; the budget is what a unit test of the poller checks.
        livestreams_per_minute: 100_000,
    }
}

pub async fn kick_fake(port: u16) -> RunningFake {
    kick_fake::start(FakeConfig {
        auto_approve: true,
        redirect_uris: vec![format!("http://localhost:{port}/callback")],
        world_tick: None,
        ..Default::default()
    })
    .await
    .unwrap()
}

pub fn kick_options(
    fake: &RunningFake,
    store: Arc<dyn SecretStore>,
    settings: SettingsFile,
) -> CoreOptions {
    let mut opts = CoreOptions::new(store, settings);
    opts.mode = ModeChoice::Kick;
    opts.kick = KickConfig::new(fake.oauth_base(), fake.api_base()).with_retry(RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(1),
    });
    opts.poll = fast_poll();
    opts.login_timeout = Duration::from_secs(10);
    opts
}

/// Plays the system browser: follows the authorize redirect to the loopback.
pub fn browser() -> impl FnOnce(&str) -> Result<(), String> + Send {
    |url: &str| {
        let url = url.to_owned();
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let r = http.get(&url).send().await.unwrap();
            let next = r.headers()["location"].to_str().unwrap().to_owned();
            assert!(next.starts_with("http://localhost:"), "{next}");
            let page = http.get(&next).send().await.unwrap();
            assert_eq!(page.status(), 200);
        });
        Ok(())
    }
}

/// A core in Kick mode on `opts` (from `kick_options(fake, …)`), the app's
/// credentials saved and the streamer logged in through the browser
/// stand-in: where most session tests begin. Returns the login's status.
pub async fn logged_in_core(
    fake: &RunningFake,
    opts: CoreOptions,
    sink: EventSink,
) -> (Core, AppStatus) {
    let core = Core::start(opts, sink).await.unwrap();
    core.save_credentials(&fake.info.client_id, &fake.info.client_secret)
        .await
        .unwrap();
    let st = core.login(browser()).await.expect("login");
    (core, st)
}

pub fn demo_options() -> CoreOptions {
    let mut opts = CoreOptions::new(Arc::new(MemoryStore::default()), temp_settings(0));
    opts.mode = ModeChoice::Demo;
    opts.demo_uses_browser = false;
    opts.demo_poll = fast_poll();
    opts.reveal_for = Duration::from_millis(300);
    opts
}

/// A TCP proxy in front of a fake: while "down", Kick is unreachable
/// (connections are cut at once); while "up", bytes pass through.
pub struct Proxy {
    pub port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
}

impl Proxy {
    pub async fn start(target: u16, up: bool) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let flag = Arc::new(std::sync::atomic::AtomicBool::new(up));
        let f = flag.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !f.load(std::sync::atomic::Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
            }
        });
        Proxy { port, up: flag }
    }

    pub fn set_up(&self, up: bool) {
        self.up.store(up, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// POSTs JSON to a control route of a fake.
pub async fn control(fake: &RunningFake, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{}", fake.api_base(), path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

/// Waits until `f` holds for the core's status.
pub async fn wait_status(
    core: &kickstand_core::core::Core,
    what: &str,
    f: impl Fn(&kickstand_core::dto::AppStatus) -> bool,
) -> kickstand_core::dto::AppStatus {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let st = core.status();
        if f(&st) {
            return st;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {st:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether something accepts connections on 127.0.0.1:`port` (retries
/// briefly so a closing port has time to close).
pub async fn port_closes(port: u16) -> bool {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// A panel's chat stream: every batch it received.
#[derive(Clone, Default)]
pub struct ChatStream(pub Arc<Mutex<Vec<kickstand_core::dto::ChatBatch>>>);

impl ChatStream {
    pub fn subscriber(&self) -> kickstand_core::chat::ChatSubscriber {
        let b = self.0.clone();
        Box::new(move |batch| {
            b.lock().unwrap().push(batch);
            true
        })
    }

    pub fn lines(&self) -> Vec<kickstand_core::dto::ChatLine> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .flat_map(|b| b.items.clone())
            .filter_map(|i| match i {
                kickstand_core::dto::ChatItem::Line(l) => Some(l),
                _ => None,
            })
            .collect()
    }

    pub async fn wait_for(&self, what: &str, f: impl Fn(&kickstand_core::dto::ChatBatch) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if self.0.lock().unwrap().iter().any(&f) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn connected(&self) {
        self.wait_for("chat connected", |b| {
            matches!(b.status, kickstand_core::dto::ChatStatus::Connected { .. })
        })
        .await
    }
}
