//! obs-link against real OBS Studio (Debian's obs-studio under Xvfb). Gated
//! behind `KICKSTAND_REAL_OBS=1`; `scripts/test-obs.sh` installs and starts
//! what they need and runs them in a loopback-only network namespace.

mod support;

use obs_link::{
    KeyCheck, KickIngest, LinkEvent, LinkOptions, LinkState, ObsConfig, ObsLink, ReadBack, Secret,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

/// Kick's real ingest form (the tests that do not stream use it as is).
const KICK_URL: &str = "rtmps://fa723fc1b171.global-contribute.live-video.net:443/app/";
const TEST_KEY: &str = "sk_us-west-2_TESTKEYdoNotShow0123456789";

/// Collects what the link reports.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<LinkEvent>>>);

impl Events {
    fn sink(&self) -> obs_link::EventSink {
        let me = self.clone();
        Arc::new(move |e| me.0.lock().unwrap().push(e))
    }
    fn all(&self) -> Vec<LinkEvent> {
        self.0.lock().unwrap().clone()
    }
}

fn fast() -> LinkOptions {
    LinkOptions {
        backoff_base: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
        health_every: Duration::from_millis(700),
        ..LinkOptions::default()
    }
}

fn config(port: u16, password: Option<&str>) -> ObsConfig {
    ObsConfig::new("127.0.0.1", port, password.map(Secret::new))
}

async fn wait_state(link: &ObsLink, what: &str, f: impl Fn(&LinkState) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let s = link.state();
        if f(&s) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waiting for {what}; state is {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_and_sets_up_obs_for_kick() {
    if !real_obs_enabled("connects_and_sets_up_obs_for_kick") {
        return;
    }
    let logs = capture_logs();
    let _serial = serial().await;
    let display = Arc::new(Display::get());
    let obs = Obs::start(display, ObsOptions::default());

    let events = Events::default();
    let link = ObsLink::start_with(config(obs.opts.port, None), fast(), events.sink());
    wait_state(&link, "connected", LinkState::is_connected).await;
    let info = link.server_info().unwrap();
    eprintln!("connected to {info:?}");
    assert!(info.obs_websocket_version.starts_with('5'), "{info:?}");

    let kick = KickIngest::new(KICK_URL, TEST_KEY);
    assert_eq!(
        link.check_key(&kick).await.unwrap(),
        KeyCheck::NotConfigured
    );
    assert_eq!(link.setup_for_kick(&kick).await.unwrap(), ReadBack::Matches);
    assert_eq!(link.check_key(&kick).await.unwrap(), KeyCheck::Matches);
    // OBS kept the URL exactly as given.
    let svc = link
        .client()
        .unwrap()
        .get_stream_service_settings()
        .await
        .unwrap();
    assert_eq!(svc.server.unwrap().expose(), KICK_URL);

    // A stale key: Kick has a new one now.
    let rotated = KickIngest::new(KICK_URL, "sk_us-west-2_ROTATED");
    assert_eq!(
        link.check_key(&rotated).await.unwrap(),
        KeyCheck::Differs {
            key_differs: true,
            server_differs: false
        }
    );

    link.stop();
    drop(obs);
    assert_no_secret(&logs.text(), &events, &[TEST_KEY, KICK_URL]);
}

/// The key (and the URL) appear nowhere in the logs or the events.
fn assert_no_secret(logs: &str, events: &Events, secrets: &[&str]) {
    assert!(!logs.is_empty(), "the log capture caught nothing");
    let ev = format!("{:?}", events.all());
    let json = serde_json::to_string(&events.all()).unwrap();
    for s in secrets {
        assert!(!logs.contains(s), "a secret is in the logs");
        assert!(!ev.contains(s), "a secret is in an event (Debug)");
        assert!(!json.contains(s), "a secret is in an event (JSON)");
    }
}
