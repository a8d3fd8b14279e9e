//! The core's services against a real fake Kick on 127.0.0.1: login through
//! the loopback listener (an HTTP client plays the browser), restore without
//! a browser, silent refresh, logout with revoke, live polling, the stream
//! key's auto-hide, and the keyring-unavailable path. Every event the core
//! emits is checked for secrets.

use kickstand_core::core::Core;
use kickstand_core::dto::{ChannelUpdate, Mode, SessionPhase};
use kickstand_core::error::ErrorCode;
use kickstand_core::events::CoreEvent;
use kickstand_core::secrets::{self, MemoryStore, SecretStore};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::*;

#[tokio::test]
async fn kick_mode_login_restore_refresh_and_logout() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let settings = temp_settings(port);
    let rec = Recorder::default();
    let core = Core::start(
        kick_options(&fake, store.clone(), settings.clone()),
        rec.sink(),
    )
    .await
    .unwrap();
    assert_eq!(core.status().mode, Mode::Kick);
    assert_eq!(core.status().phase, SessionPhase::NeedsCredentials);
    assert_eq!(
        core.status().redirect_uri,
        format!("http://localhost:{port}/callback")
    );

    // Bad input first: a clear error, nothing stored.
    let err = core.save_credentials("", "x").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    core.save_credentials(&fake.info.client_id, &fake.info.client_secret)
        .await
        .unwrap();
    assert_eq!(core.status().phase, SessionPhase::LoggedOut);

    let st = core.login(browser()).await.expect("login");
    assert_eq!(st.phase, SessionPhase::LoggedIn);
    assert_eq!(st.user.unwrap().name, "DemoStreamer");
    let stored = secrets::load_tokens(store.as_ref())
        .unwrap()
        .expect("tokens stored");
    let access = stored.access_token.expose().to_owned();
    let refresh = stored.refresh_token.as_ref().unwrap().expose().to_owned();

    // The channel editor round trip.
    let ch = core.channel().await.unwrap();
    assert_eq!(ch.slug, "demostreamer");
    let ch = core
        .update_channel(ChannelUpdate {
            title: Some("Ranked grind tonight".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ch.title, "Ranked grind tonight");
    let err = core
        .update_channel(ChannelUpdate {
            title: Some("x".repeat(141)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(err.field, Some(kickstand_core::ErrorField::Title));
    let cats = core.search_categories("chess").await.unwrap();
    assert!(cats.iter().any(|c| c.name == "Chess"));

    // A restart restores the session from the store, without a browser.
    drop(core);
    let rec2 = Recorder::default();
    let core2 = Core::start(
        kick_options(&fake, store.clone(), settings.clone()),
        rec2.sink(),
    )
    .await
    .unwrap();
    assert_eq!(core2.status().phase, SessionPhase::LoggedIn);
    assert_eq!(fake.metrics()["token_authorization_code"], 1);

    // Expired at Kick: the next call refreshes silently and stores the new pair.
    reqwest::Client::new()
        .post(format!("{}/_fake/tokens/expire", fake.api_base()))
        .send()
        .await
        .unwrap();
    core2.channel().await.expect("works after a silent refresh");
    assert!(fake.metrics()["token_refresh"].as_u64().unwrap() >= 1);
    let newer = secrets::load_tokens(store.as_ref()).unwrap().unwrap();
    assert_ne!(newer.refresh_token.as_ref().unwrap().expose(), refresh);

    // Logout revokes at Kick and deletes the tokens.
    let newest_access = newer.access_token.expose().to_owned();
    let st = core2.logout().await.unwrap();
    assert_eq!(st.phase, SessionPhase::LoggedOut);
    assert!(secrets::load_tokens(store.as_ref()).unwrap().is_none());
    let introspect: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/oauth/token/introspect", fake.oauth_base()))
        .bearer_auth(&newest_access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspect["data"]["active"], false);

    for json in [rec.as_json(), rec2.as_json()] {
        for secret in [&access, &refresh, &newest_access, &fake.info.client_secret] {
            assert!(!json.contains(secret.as_str()), "an event carried a secret");
        }
    }
}

#[tokio::test]
async fn a_dead_refresh_token_returns_to_login_with_a_clear_message() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let rec = Recorder::default();
    let (core, _) = logged_in_core(
        &fake,
        kick_options(&fake, store.clone(), temp_settings(port)),
        rec.sink(),
    )
    .await;
    let http = reqwest::Client::new();
    http.post(format!(
        "{}/_fake/oauth/revoke-refresh-tokens",
        fake.api_base()
    ))
    .send()
    .await
    .unwrap();
    http.post(format!("{}/_fake/tokens/expire", fake.api_base()))
        .send()
        .await
        .unwrap();
    let err = core.channel().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ReloginRequired);
    assert_eq!(core.status().phase, SessionPhase::LoggedOut);
    assert!(secrets::load_tokens(store.as_ref()).unwrap().is_none());
}

#[tokio::test]
async fn no_keyring_is_said_plainly_and_nothing_is_written() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let core = Core::start(
        kick_options(&fake, Arc::new(MemoryStore::broken()), temp_settings(port)),
        Recorder::default().sink(),
    )
    .await
    .unwrap();
    let st = core.status();
    assert!(!st.keyring.available);
    assert!(st
        .keyring
        .message
        .as_deref()
        .unwrap_or("")
        .to_lowercase()
        .contains("keyring"));
    let err = core
        .save_credentials(&fake.info.client_id, &fake.info.client_secret)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::KeyringUnavailable);
}

/// The app's demo opens on its dashboard (a newcomer sees the whole app at
/// once, and the cold start is the dashboard's): logged in while starting,
/// no login screen on the way (its own login reads as still starting, so
/// the window never shows "finish the login in your browser"), no browser,
/// no toast; Log out then shows the demo's login screen and logging in again
/// goes through the browser.
#[tokio::test]
async fn the_demo_logs_itself_in_and_logging_out_shows_its_login() {
    let rec = Recorder::default();
    let mut opts = demo_options();
    opts.demo_auto_login = true;
    opts.demo_uses_browser = true;
    let core = Core::start(opts, rec.sink()).await.unwrap();
    let st = core.status();
    assert_eq!((st.mode, st.phase), (Mode::Demo, SessionPhase::LoggedIn));
    assert_eq!(
        st.user.as_ref().map(|u| u.name.as_str()),
        Some("DemoStreamer")
    );
    let phases: Vec<SessionPhase> = rec
        .all()
        .iter()
        .filter_map(|e| match e {
            CoreEvent::Status(s) => Some(s.phase),
            _ => None,
        })
        .collect();
    assert!(
        phases
            .iter()
            .all(|p| matches!(p, SessionPhase::Starting | SessionPhase::LoggedIn)),
        "only starting, then logged in: {phases:?}"
    );
    assert!(
        !rec.all().iter().any(|e| matches!(e, CoreEvent::Notice(_))),
        "no toast for the demo's own login"
    );

    core.logout().await.unwrap();
    assert_eq!(core.status().phase, SessionPhase::LoggedOut);
    let opened = Arc::new(std::sync::Mutex::new(None::<String>));
    let o = opened.clone();
    let follow = browser();
    let st = core
        .login(move |url: &str| {
            *o.lock().unwrap() = Some(url.to_owned());
            follow(url)
        })
        .await
        .unwrap();
    assert_eq!(st.phase, SessionPhase::LoggedIn);
    let url = opened
        .lock()
        .unwrap()
        .clone()
        .expect("the browser was asked");
    assert!(url.contains("/oauth/authorize"), "{url}");
    rec.wait_for(
        "the login's toast",
        |e| matches!(e, CoreEvent::Notice(n) if n.message == "Logged in to the demo channel."),
    )
    .await;

    // Back from the connect screen: the demo is logged in again at once.
    let st = core.use_demo().await.unwrap();
    assert_eq!(st.phase, SessionPhase::LoggedIn);
}

#[tokio::test]
async fn demo_poller_pushes_live_changes_and_watchlist() {
    let rec = Recorder::default();
    let core = Core::start(demo_options(), rec.sink()).await.unwrap();
    assert_eq!(core.status().mode, Mode::Demo);
    core.login(|_: &str| Ok(())).await.unwrap();
    // Nobody watched, offline: the slow interval.
    rec.wait_for("idle interval", |e| {
        matches!(e, CoreEvent::Live(s) if s.own.as_ref().is_some_and(|o| !o.is_live) && s.interval_ms == 200)
    })
    .await;
    core.watchlist_add("NightOwlNina").unwrap();
    core.watchlist_add("no-such-channel").unwrap();
    let err = core.watchlist_add("not a slug!").unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);

    rec.wait_for("watchlist resolved", |e| match e {
        CoreEvent::Live(s) => {
            s.watchlist.len() == 2
                && s.watchlist
                    .iter()
                    .any(|w| w.slug.eq_ignore_ascii_case("nightowlnina") && w.live.is_some())
                && s.watchlist.iter().any(|w| w.error.is_some())
        }
        _ => false,
    })
    .await;

    core.demo_set_live(true).await.unwrap();
    let ev = rec
        .wait_for("own channel live", |e| {
            matches!(e, CoreEvent::Live(s) if s.own.as_ref().is_some_and(|o| o.is_live && o.viewer_count > 0))
        })
        .await;
    if let CoreEvent::Live(s) = ev {
        assert!(s.own.unwrap().started_at_ms.is_some());
    }
    rec.wait_for(
        "fast interval while live",
        |e| matches!(e, CoreEvent::Live(s) if s.interval_ms == 100),
    )
    .await;

    // A watched channel going live raises WentLive.
    let fake = core.demo_fake().unwrap();
    let nina = {
        let w = fake.state.world.lock().unwrap();
        w.channel_by_slug("nightowlnina")
            .unwrap()
            .broadcaster_user_id
    };
    kick_fake::world::go_live(&fake.state, nina, false, None);
    rec.wait_for("nina offline", |e| {
        matches!(e, CoreEvent::Live(s) if s.watchlist.iter().any(|w| w.live.as_ref().is_some_and(|l| l.slug.eq_ignore_ascii_case("nightowlnina") && !l.is_live)))
    })
    .await;
    kick_fake::world::go_live(&fake.state, nina, true, Some(99));
    rec.wait_for(
        "went live",
        |e| matches!(e, CoreEvent::WentLive(l) if l.slug.eq_ignore_ascii_case("nightowlnina")),
    )
    .await;

    // Kick answers nothing for a while (every request a 500): the polls
    // report the problem and keep what was last seen. Nina stays live, not
    // "offline", and the own channel stays too; once Kick answers again
    // nobody is announced as going live a second time.
    let nina_live = |s: &kickstand_core::dto::LiveSnapshot| {
        s.watchlist.iter().any(|w| {
            w.live
                .as_ref()
                .is_some_and(|l| l.slug.eq_ignore_ascii_case("nightowlnina") && l.is_live)
        })
    };
    let went = || {
        rec.all()
            .iter()
            .filter(|e| matches!(e, CoreEvent::WentLive(_)))
            .count()
    };
    let before = went();
    fake.state.faults.set(kick_fake::faults::FaultSettings {
        rate_500: 1.0,
        ..Default::default()
    });
    let n = rec.len();
    let ev = rec
        .wait_for_after(
            n,
            "a poll Kick did not answer",
            |e| matches!(e, CoreEvent::Live(s) if s.problem.is_some()),
        )
        .await;
    let CoreEvent::Live(s) = ev else {
        unreachable!()
    };
    assert!(nina_live(&s), "a failed poll showed nina offline: {s:?}");
    assert!(s.own.as_ref().is_some_and(|o| o.is_live), "{s:?}");
    fake.state.faults.set(Default::default());
    let n = rec.len();
    rec.wait_for_after(
        n,
        "Kick answering again",
        |e| matches!(e, CoreEvent::Live(s) if s.problem.is_none() && nina_live(s)),
    )
    .await;
    assert_eq!(
        went(),
        before,
        "a recovered poll announced a channel that was live all along"
    );
}

#[tokio::test]
async fn stream_key_reveal_hides_itself_and_never_leaks_into_events() {
    let rec = Recorder::default();
    let core = Core::start(demo_options(), rec.sink()).await.unwrap();
    core.login(|_: &str| Ok(())).await.unwrap();
    let shown = core.reveal_stream_key().await.unwrap();
    assert!(shown.stream_key.starts_with("sk_"));
    assert!(shown.ingest_url.starts_with("rtmps://"));
    assert!(!format!("{shown:?}").contains(&shown.stream_key));
    let t = Instant::now();
    rec.wait_for("hidden", |e| matches!(e, CoreEvent::StreamKeyHidden))
        .await;
    assert!(t.elapsed() >= Duration::from_millis(250));
    assert!(!rec.as_json().contains(&shown.stream_key));

    // Demo-only control refused outside demo mode is covered by ErrorCode::DemoOnly;
    // here: logout ends the session and reveal needs a login again.
    core.logout().await.unwrap();
    let err = core.reveal_stream_key().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotLoggedIn);
}

/// No browser opens: with a Kick account the login ends at once with a plain
/// message (and the login screen back); the demo plays the browser itself.
#[tokio::test]
async fn no_browser_is_said_with_kick_and_played_in_process_by_the_demo() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let core = Core::start(
        kick_options(&fake, store, temp_settings(port)),
        Recorder::default().sink(),
    )
    .await
    .unwrap();
    core.save_credentials(&fake.info.client_id, &fake.info.client_secret)
        .await
        .unwrap();
    let err = core
        .login(|_: &str| Err("no browser found".to_owned()))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::LoginFailed);
    assert_eq!(err.message, "Could not open the browser: no browser found");
    assert_eq!(core.status().phase, SessionPhase::LoggedOut);

    let mut opts = demo_options();
    opts.demo_uses_browser = true;
    let demo = Core::start(opts, Recorder::default().sink()).await.unwrap();
    assert_eq!(demo.status().phase, SessionPhase::LoggedOut);
    let st = demo
        .login(|_: &str| Err("no browser found".to_owned()))
        .await
        .expect("the demo logs in without a browser");
    assert_eq!(st.phase, SessionPhase::LoggedIn);
}

/// A store that counts reads per key (each is a Secret Service round trip
/// with the real keyring, ~30 ms).
#[derive(Default)]
struct CountingStore {
    inner: MemoryStore,
    reads: std::sync::Mutex<std::collections::HashMap<String, usize>>,
}

impl CountingStore {
    fn reads(&self, key: &str) -> usize {
        self.reads.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

impl SecretStore for CountingStore {
    fn get(&self, key: &str) -> Result<Option<kick_api::Secret>, secrets::StoreError> {
        *self.reads.lock().unwrap().entry(key.into()).or_default() += 1;
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &kick_api::Secret) -> Result<(), secrets::StoreError> {
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), secrets::StoreError> {
        self.inner.delete(key)
    }
}

/// A streamer's start with a stored login reads each secret once: the
/// Client ID and Secret (which also tell that the keyring works; no
/// separate probe) and the tokens. It used to read the credentials twice
/// and probe first: six round trips before Kick was even asked.
#[tokio::test]
async fn a_start_with_a_stored_login_reads_each_secret_once() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let settings = temp_settings(port);
    // Log in once to have a stored login.
    let first: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let (core, _) = logged_in_core(
        &fake,
        kick_options(&fake, first.clone(), settings.clone()),
        Recorder::default().sink(),
    )
    .await;
    let counting = Arc::new(CountingStore::default());
    for key in [secrets::CLIENT_ID, secrets::CLIENT_SECRET, secrets::TOKENS] {
        counting
            .inner
            .set(key, &first.get(key).unwrap().expect("stored"))
            .unwrap();
    }
    drop(core);

    let store: Arc<dyn SecretStore> = counting.clone();
    let core = Core::start(
        kick_options(&fake, store, settings),
        Recorder::default().sink(),
    )
    .await
    .unwrap();
    let st = wait_status(&core, "restored", |s| s.phase == SessionPhase::LoggedIn).await;
    assert!(st.keyring.available);
    assert_eq!(counting.reads(secrets::CLIENT_ID), 1);
    assert_eq!(counting.reads(secrets::CLIENT_SECRET), 1);
    assert_eq!(counting.reads(secrets::TOKENS), 1);
    assert_eq!(counting.reads("probe"), 0);
}

/// A demo that was asked for (KICKSTAND_MODE=demo) starts without waiting
/// for the keyring, and still says plainly when there is none: the check
/// runs beside the demo's start and its answer reaches the window.
#[tokio::test]
async fn a_demo_asked_for_does_not_wait_for_the_keyring_and_still_reports_it() {
    let mut opts = demo_options();
    opts.store = Arc::new(MemoryStore::broken());
    opts.demo_auto_login = true;
    let rec = Recorder::default();
    let core = Core::start(opts, rec.sink()).await.unwrap();
    let st = wait_status(&core, "the demo logged in", |s| {
        s.phase == SessionPhase::LoggedIn
    })
    .await;
    assert_eq!(st.mode, Mode::Demo);
    let st = wait_status(&core, "the keyring reported", |s| !s.keyring.available).await;
    assert!(st
        .keyring
        .message
        .unwrap_or_default()
        .to_lowercase()
        .contains("keyring"));
    rec.wait_for(
        "a status event with the keyring unavailable",
        |e| matches!(e, CoreEvent::Status(s) if !s.keyring.available),
    )
    .await;
}
