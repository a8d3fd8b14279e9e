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

fn has_health(events: &Events, f: impl Fn(&[obs_link::StreamHealth]) -> bool) -> bool {
    let hs: Vec<obs_link::StreamHealth> = events
        .all()
        .into_iter()
        .filter_map(|e| match e {
            LinkEvent::Health(h) if h.active => Some(h),
            _ => None,
        })
        .collect();
    f(&hs)
}

fn current_scene(events: &Events) -> Option<obs_link::SceneList> {
    events.all().into_iter().rev().find_map(|e| match e {
        LinkEvent::Scenes(l) => Some(l),
        _ => None,
    })
}

fn fake_live(fake: &kick_fake::RunningFake) -> bool {
    fake.state.world.lock().unwrap().channels[&kick_fake::STREAMER_ID].is_live
}

/// The whole streamer flow against the fake Kick's real RTMP ingest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goes_live_on_the_fake_kick_and_back() {
    if !real_obs_enabled("goes_live_on_the_fake_kick_and_back") {
        return;
    }
    let logs = capture_logs();
    let _serial = serial().await;
    let fake = kick_fake::start(kick_fake::FakeConfig {
        ingest: Some(Default::default()),
        world_tick: None,
        ..Default::default()
    })
    .await
    .expect("fake Kick with its ingest");
    let url = fake.ingest_url().unwrap().to_owned();
    let key = fake.stream_key();
    let kick = KickIngest::new(url.clone(), key.clone());

    let display = Arc::new(Display::get());
    let mut obs = Obs::start(display, ObsOptions::default());
    let events = Events::default();
    let link = ObsLink::start_with(config(obs.opts.port, None), fast(), events.sink());
    wait_state(&link, "connected", LinkState::is_connected).await;
    let mut errors: Vec<obs_link::ObsError> = Vec::new();

    // Set up OBS for Kick; it reads back the same.
    assert_eq!(link.setup_for_kick(&kick).await.unwrap(), ReadBack::Matches);
    assert_eq!(link.check_key(&kick).await.unwrap(), KeyCheck::Matches);

    // Scenes: the default one, then a second one appears through OBS's events.
    eventually("the scene list", Duration::from_secs(5), || {
        current_scene(&events).is_some_and(|l| l.current.is_some())
    })
    .await;
    link.create_scene("Be right back").await.unwrap();
    eventually("the new scene in the list", Duration::from_secs(5), || {
        current_scene(&events).is_some_and(|l| l.scenes.iter().any(|s| s == "Be right back"))
    })
    .await;

    // Go live: the fake sees a publish with the right key and goes live.
    let mut bus = fake.state.events.subscribe();
    link.start_stream().await.expect("OBS starts streaming");
    assert!(
        matches!(link.state(), LinkState::Streaming { .. }),
        "{:?}",
        link.state()
    );
    eventually("the fake Kick live", Duration::from_secs(10), || {
        fake_live(&fake)
    })
    .await;
    let live_event = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let e = bus.recv().await.unwrap();
            if e.event_type == "livestream.status.updated" {
                return e;
            }
        }
    })
    .await
    .expect("livestream.status.updated on the fake's event bus");
    assert_eq!(live_event.payload["is_live"], true);
    let publishes = fake.state.ingest.records();
    assert!(
        publishes
            .iter()
            .any(|p| p.accepted && p.broadcaster_user_id == Some(kick_fake::STREAMER_ID)),
        "{publishes:?}"
    );

    // Health: bytes grow, a bitrate shows.
    eventually("health with a bitrate", Duration::from_secs(10), || {
        has_health(&events, |hs| {
            hs.len() >= 2
                && hs.last().unwrap().bytes > hs.first().unwrap().bytes
                && hs.iter().any(|h| h.bitrate_kbps.unwrap_or(0) > 0)
        })
    })
    .await;
    let h = link.health().unwrap();
    assert!(h.total_frames > 0 && h.duration_ms > 0, "{h:?}");
    eprintln!("health while live: {h:?}");

    // Switch the scene; OBS's event brings the change back.
    link.switch_scene("Be right back").await.unwrap();
    eventually("the program scene changed", Duration::from_secs(5), || {
        current_scene(&events).and_then(|l| l.current).as_deref() == Some("Be right back")
    })
    .await;

    // OBS refuses stream settings while live: we say so before trying.
    let e = link.setup_for_kick(&kick).await.unwrap_err();
    assert_eq!(e, obs_link::ObsError::StreamActive);
    errors.push(e);

    // The stream is stopped from elsewhere (a raw StopStream returns while
    // the output is still stopping); set-up right after waits for "stopped"
    // instead of failing on OBS's OutputRunning.
    link.client().unwrap().stop_stream().await.unwrap();
    assert_eq!(link.setup_for_kick(&kick).await.unwrap(), ReadBack::Matches);
    eventually("the fake Kick offline", Duration::from_secs(10), || {
        !fake_live(&fake)
    })
    .await;
    let off_event = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let e = bus.recv().await.unwrap();
            if e.event_type == "livestream.status.updated" {
                return e;
            }
        }
    })
    .await
    .expect("livestream.status.updated (offline)");
    assert_eq!(off_event.payload["is_live"], false);
    assert!(events
        .all()
        .iter()
        .any(|e| matches!(e, LinkEvent::Health(h) if !h.active)));

    // A stale key in OBS: detected, and the ingest refuses a publish with it.
    let stale = KickIngest::new(url.clone(), "sk_us-west-2_STALEkeyFromLastYear");
    assert_eq!(
        link.setup_for_kick(&stale).await.unwrap(),
        ReadBack::Matches
    );
    assert_eq!(
        link.check_key(&kick).await.unwrap(),
        KeyCheck::Differs {
            key_differs: true,
            server_differs: false
        }
    );
    let e = link.start_stream().await.unwrap_err();
    assert_eq!(e, obs_link::ObsError::StreamDidNotStart, "{e}");
    errors.push(e);
    assert!(!fake_live(&fake));
    assert!(
        fake.state
            .ingest
            .records()
            .iter()
            .any(|p| p.call == "publish" && !p.accepted && p.broadcaster_user_id.is_none()),
        "{:?}",
        fake.state.ingest.records()
    );
    assert_eq!(link.setup_for_kick(&kick).await.unwrap(), ReadBack::Matches);

    // Fixed: live again, then End stream through the link (waits for stopped).
    link.start_stream()
        .await
        .expect("live again with the right key");
    eventually("the fake Kick live again", Duration::from_secs(10), || {
        fake_live(&fake)
    })
    .await;
    link.stop_stream().await.expect("OBS stops streaming");
    assert!(
        matches!(link.state(), LinkState::Connected { .. }),
        "{:?}",
        link.state()
    );
    assert!(!link.stream_status().await.unwrap().active);
    eventually(
        "the fake Kick offline again",
        Duration::from_secs(10),
        || !fake_live(&fake),
    )
    .await;

    // OBS stops: the link says OBS is not running and keeps trying.
    obs.kill();
    wait_state(
        &link,
        "reconnecting, OBS not running",
        |s| matches!(s, LinkState::Reconnecting { error, .. } if error.code == "obs_not_running"),
    )
    .await;
    assert!(link.setup_for_kick(&kick).await.unwrap_err() == obs_link::ObsError::NotConnected);
    // OBS comes back: connected again by itself, the key still there.
    obs.launch();
    wait_state(&link, "connected again", LinkState::is_connected).await;
    assert_eq!(link.check_key(&kick).await.unwrap(), KeyCheck::Matches);

    link.stop();
    wait_state(&link, "stopped", |s| *s == LinkState::Stopped).await;
    drop(obs);

    // The key and URL are nowhere in what Kickstand logged, reported or printed.
    let printed = format!(
        "{errors:?} {} {link:?} {kick:?} {stale:?} {:?}",
        errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        link.health()
    );
    assert!(
        !printed.contains(&key) && !printed.contains(&url),
        "{printed}"
    );
    assert!(!printed.contains("STALEkey"));
    assert_no_secret(&logs.text(), &events, &[&key, &url, "STALEkeyFromLastYear"]);
}

/// A password-protected OBS: right, wrong and missing password; then OBS
/// with its WebSocket server off; then no OBS at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn says_what_is_wrong_with_the_connection() {
    if !real_obs_enabled("says_what_is_wrong_with_the_connection") {
        return;
    }
    let logs = capture_logs();
    let _serial = serial().await;
    let display = Arc::new(Display::get());
    const PW: &str = "kickstand-obs-pw-4711";
    let mut obs = Obs::start(
        display.clone(),
        ObsOptions {
            password: Some(PW.into()),
            ..ObsOptions::default()
        },
    );
    let port = obs.opts.port;

    let info = obs_link::test_connection(&config(port, Some(PW)))
        .await
        .unwrap();
    assert!(info.obs_websocket_version.starts_with('5'));
    let e = obs_link::test_connection(&config(port, Some("not-the-password")))
        .await
        .unwrap_err();
    assert_eq!(e, obs_link::ObsError::WrongPassword);
    assert_eq!(e.code(), "obs_wrong_password");
    assert!(
        e.to_string()
            .starts_with("OBS refused the WebSocket password"),
        "{e}"
    );
    let e = obs_link::test_connection(&config(port, None))
        .await
        .unwrap_err();
    assert_eq!(e, obs_link::ObsError::PasswordRequired);

    // The service: a wrong password needs the streamer, it is not retried …
    let events = Events::default();
    let link = ObsLink::start_with(config(port, Some("wrong")), fast(), events.sink());
    wait_state(
        &link,
        "needs attention",
        |s| matches!(s, LinkState::NeedsAttention { error } if error.code == "obs_wrong_password"),
    )
    .await;
    // … until the settings change.
    link.reconfigure(config(port, Some(PW)));
    wait_state(
        &link,
        "connected with the right password",
        LinkState::is_connected,
    )
    .await;
    link.stop();
    obs.kill();

    // OBS running with its WebSocket server off.
    let off = Obs::start(
        display.clone(),
        ObsOptions {
            server_enabled: false,
            ..ObsOptions::default()
        },
    );
    off.wait_loaded(Duration::from_secs(30));
    let e = obs_link::test_connection(&config(off.opts.port, None))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        obs_link::ObsError::ServerOff {
            port: off.opts.port
        }
    );
    assert!(
        e.to_string().contains("Tools → WebSocket Server Settings"),
        "{e}"
    );
    drop(off);

    // No OBS at all.
    let e = obs_link::test_connection(&config(port, None))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "obs_not_running");
    assert!(e.to_string().starts_with("OBS is not running"), "{e}");
    let link = ObsLink::start_with(config(port, None), fast(), events.sink());
    wait_state(
        &link,
        "not running",
        |s| matches!(s, LinkState::NotRunning { error, .. } if error.code == "obs_not_running"),
    )
    .await;
    link.stop();

    assert_no_secret(&logs.text(), &events, &[PW]);
}

/// The key (and the URL) appear nowhere in the logs or the events.
fn assert_no_secret(logs: &str, events: &Events, secrets: &[&str]) {
    // The capture works: our own lines and tungstenite's `log` records are in it.
    assert!(
        logs.contains("connected to OBS"),
        "the log capture caught nothing"
    );
    assert!(
        logs.contains("tungstenite"),
        "tungstenite's log records are not captured"
    );
    let ev = format!("{:?}", events.all());
    let json = serde_json::to_string(&events.all()).unwrap();
    for s in secrets {
        assert!(!logs.contains(s), "a secret is in the logs");
        assert!(!ev.contains(s), "a secret is in an event (Debug)");
        assert!(!json.contains(s), "a secret is in an event (JSON)");
    }
}
