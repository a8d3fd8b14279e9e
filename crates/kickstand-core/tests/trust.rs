//! Trust: what the window shows is always the streamer's real channel.
//! The paths a person takes between features, against fake Kicks on
//! 127.0.0.1: the demo, then a real account; a second account on the
//! machine; chat that stopped by itself; a start while Kick is away, silent
//! or its login server fails; a login Kick ends; the 30-day warning; logout racing
//! a refresh; a forged login callback; logout while a login waits for the
//! browser.

use kick_fake::social::{chatter, post_message, CHATTER_ID_BASE};
use kick_fake::{FakeConfig, STREAMER_ID};
use kickstand_core::core::{Core, ModeChoice};
use kickstand_core::dto::{ChatItem, ChatStatus, ModAction, Mode, SessionPhase};
use kickstand_core::error::ErrorCode;
use kickstand_core::events::CoreEvent;
use kickstand_core::secrets::{self, MemoryStore, SecretStore};
use kickstand_core::settings::SettingsFile;
use std::sync::Arc;
use std::time::Duration;

mod common;
use common::*;

#[tokio::test]
async fn demo_then_a_kick_account_never_mixes_the_two() {
    // The streamer's real Kick (a separate fake) and a new user's machine.
    let port = free_port();
    let kick = kick_fake(port).await;
    let settings = temp_settings(port);
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let mut opts = kick_options(&kick, store.clone(), settings);
    opts.mode = ModeChoice::Auto;
    opts.demo_uses_browser = false;
    opts.demo_poll = fast_poll();
    let rec = Recorder::default();
    let core = Core::start(opts, rec.sink()).await.unwrap();

    // No credentials: the demo, with its own chat.
    assert_eq!(core.status().mode, Mode::Demo);
    core.login(|_: &str| Ok(())).await.unwrap();
    let demo_chat = ChatStream::default();
    core.chat_start(None, demo_chat.subscriber()).await.unwrap();
    demo_chat.connected().await;
    // The streamer tries the watchlist with one of the demo's channels.
    core.watchlist_add("nightowlnina").unwrap();
    assert_eq!(core.watchlist(), vec!["nightowlnina".to_owned()]);
    let demo = core.demo_fake().unwrap();
    let demo_port = demo.addr.port();
    // The embedded fake serves no control routes to other local programs.
    let r = reqwest::get(format!("{}/_fake/metrics", demo.api_base()))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // "Use my Kick account": credentials, then the real login.
    core.save_credentials(&kick.info.client_id, &kick.info.client_secret)
        .await
        .unwrap();
    let st = core.status();
    assert_eq!(st.mode, Mode::Kick);
    assert_eq!(st.phase, SessionPhase::LoggedOut);
    assert!(
        port_closes(demo_port).await,
        "the demo's fake still listens"
    );
    assert!(core.demo_fake().is_none());
    assert_eq!(
        core.chat_snapshot().status,
        ChatStatus::Off { reason: None }
    );
    let demo_lines = demo_chat.lines().len();
    let err = core.demo_set_live(true).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::DemoOnly);

    core.login(browser()).await.unwrap();
    // The demo's watchlist stayed in the demo: none of it was saved.
    assert!(core.watchlist().is_empty(), "{:?}", core.watchlist());
    let kick_chat = ChatStream::default();
    core.chat_start(None, kick_chat.subscriber()).await.unwrap();
    kick_chat.connected().await;
    // Negotiated at the real Kick (Centrifugo, as kick.com today).
    let connects = |f: &kick_fake::RunningFake| {
        f.state
            .realtime
            .centrifugo_connects
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    assert!(connects(&kick) >= 1, "chat did not connect to Kick");
    assert_eq!(connects(&demo), 1, "only the demo's own chat used the demo");
    tokio::time::sleep(Duration::from_millis(200)).await; // subscriptions settle
    let marker = format!("only on the real channel {}", rand_suffix());
    post_message(&kick.state, STREAMER_ID, &chatter(2), &marker, None);
    kick_chat
        .wait_for("the real channel's message", |b| {
            b.items.iter().any(|i| matches!(i, ChatItem::Line(l) if l.spans.iter().any(|s| matches!(s, kickstand_core::dto::ChatSpan::Text { text } if text == &marker))))
        })
        .await;
    // Every line since the switch came from the real channel's chat.
    let kick_ids: std::collections::HashSet<String> = kick
        .state
        .world
        .lock()
        .unwrap()
        .social
        .messages
        .keys()
        .cloned()
        .collect();
    for l in &kick_chat.lines() {
        assert!(
            kick_ids.contains(l.id.as_str()),
            "a chat line not from Kick: {l:?}"
        );
    }
    // And the demo's chat said nothing more after the switch.
    assert_eq!(demo_chat.lines().len(), demo_lines);

    // Moderation reaches the real Kick, never the demo.
    let viewer = CHATTER_ID_BASE + 4;
    core.chat_moderate(ModAction::Timeout {
        user_id: kick_api::UserId(viewer),
        minutes: 5,
    })
    .await
    .unwrap();
    assert!(kick
        .state
        .world
        .lock()
        .unwrap()
        .social
        .bans
        .contains_key(&(STREAMER_ID, viewer)));
    assert!(demo.state.world.lock().unwrap().social.bans.is_empty());
}

/// A batch holds a line saying `marker`.
fn says(b: &kickstand_core::dto::ChatBatch, marker: &str) -> bool {
    b.items.iter().any(|i| {
        matches!(i, ChatItem::Line(l) if l.spans.iter().any(
            |s| matches!(s, kickstand_core::dto::ChatSpan::Text { text } if text == marker),
        ))
    })
}

/// A line said in a chat room, as the panel shows it.
fn said_in(stream: &ChatStream, marker: &str) -> bool {
    stream.lines().iter().any(|l| {
        l.spans
            .iter()
            .any(|s| matches!(s, kickstand_core::dto::ChatSpan::Text { text } if text == marker))
    })
}

#[tokio::test]
async fn a_second_account_on_the_machine_gets_its_own_chat_room() {
    let port = free_port();
    let kick = kick_fake(port).await;
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let (core, _) = logged_in_core(
        &kick,
        kick_options(&kick, store, temp_settings(port)),
        Recorder::default().sink(),
    )
    .await;
    let (room_a, nina) = {
        let w = kick.state.world.lock().unwrap();
        let a = w
            .channels
            .values()
            .find(|c| c.broadcaster_user_id == STREAMER_ID)
            .unwrap()
            .chatroom_id;
        let b = w.channel_by_slug("nightowlnina").unwrap();
        (a, b.broadcaster_user_id)
    };
    // Streamer A is logged in; Kick's chat room lookup failed for them, so
    // they typed their room id (kept in the settings for their next login).
    let a = ChatStream::default();
    core.chat_start(Some(room_a), a.subscriber()).await.unwrap();
    a.connected().await;
    core.logout().await.unwrap();

    // Streamer B logs in on the same machine.
    control(
        &kick,
        "/_fake/oauth/user",
        serde_json::json!({"user_id": nina}),
    )
    .await;
    core.login(browser()).await.unwrap();
    assert_eq!(core.status().user.unwrap().user_id.0, nina);
    let b = ChatStream::default();
    core.chat_start(None, b.subscriber()).await.unwrap();
    b.connected().await;
    tokio::time::sleep(Duration::from_millis(200)).await; // subscriptions settle
    let in_a = format!("in A's room {}", rand_suffix());
    let in_b = format!("in B's room {}", rand_suffix());
    post_message(&kick.state, STREAMER_ID, &chatter(2), &in_a, None);
    post_message(&kick.state, nina, &chatter(3), &in_b, None);
    b.wait_for("B's own chat", |x| says(x, &in_b)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!said_in(&b, &in_a), "B's panel shows A's chat room");

    // A logs in again: their typed room is still theirs.
    core.logout().await.unwrap();
    control(
        &kick,
        "/_fake/oauth/user",
        serde_json::json!({"user_id": null}),
    )
    .await;
    core.login(browser()).await.unwrap();
    let a2 = ChatStream::default();
    core.chat_start(None, a2.subscriber()).await.unwrap();
    a2.connected().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again = format!("A again {}", rand_suffix());
    post_message(&kick.state, STREAMER_ID, &chatter(2), &again, None);
    a2.wait_for("A's chat again", |x| says(x, &again)).await;
}

#[tokio::test]
async fn chat_that_stopped_by_itself_turns_on_again() {
    let port = free_port();
    let kick = kick_fake(port).await;
    // Kick briefly offers no chat transport Kickstand speaks.
    control(
        &kick,
        "/_fake/realtime/descriptor",
        serde_json::json!({"offer": []}),
    )
    .await;
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let (core, _) = logged_in_core(
        &kick,
        kick_options(&kick, store, temp_settings(port)),
        Recorder::default().sink(),
    )
    .await;
    let first = ChatStream::default();
    core.chat_start(None, first.subscriber()).await.unwrap();
    first
        .wait_for(
            "chat off by itself",
            |b| matches!(&b.status, ChatStatus::Off { reason: Some(r) } if r.contains("transport")),
        )
        .await;
    // Kick offers chat again, and the streamer turns it on: it connects
    // (before, the stopped socket was kept and "on" did nothing).
    control(&kick, "/_fake/realtime/descriptor", serde_json::json!({})).await;
    let second = ChatStream::default();
    core.chat_start(None, second.subscriber()).await.unwrap();
    second.connected().await;
    tokio::time::sleep(Duration::from_millis(200)).await; // subscriptions settle
    let marker = format!("chat is back {}", rand_suffix());
    post_message(&kick.state, STREAMER_ID, &chatter(2), &marker, None);
    second
        .wait_for("a line after the restart", |b| says(b, &marker))
        .await;
}

/// A streamer who logged in yesterday: their Kick, and the keyring and
/// settings today's start finds.
async fn logged_in_yesterday() -> (kick_fake::RunningFake, Arc<dyn SecretStore>, SettingsFile) {
    let port = free_port();
    let kick = kick_fake(port).await;
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let settings = temp_settings(port);
    logged_in_core(
        &kick,
        kick_options(&kick, store.clone(), settings.clone()),
        Recorder::default().sink(),
    )
    .await;
    (kick, store, settings)
}

/// The restore finishes by itself: logged in as before, no problem left,
/// and the channel answers.
async fn back_by_itself(core: &Core) {
    let st = wait_status(core, "logged in again", |s| {
        s.phase == SessionPhase::LoggedIn
    })
    .await;
    assert_eq!(st.user.unwrap().name, "DemoStreamer");
    assert!(st.problem.is_none());
    core.channel().await.unwrap();
}

#[tokio::test]
async fn a_start_while_kick_is_away_restores_when_kick_returns() {
    // A streamer who logged in yesterday.
    let (kick, store, settings) = logged_in_yesterday().await;
    // Today Kick cannot be reached.
    let proxy = Proxy::start(kick.addr.port(), false).await;
    let mut opts = kick_options(&kick, store.clone(), settings.clone());
    opts.kick =
        kick_api::KickConfig::new(proxy.base(), proxy.base()).with_retry(opts.kick.retry.clone());
    opts.restore_backoff = (Duration::from_millis(100), Duration::from_millis(300));
    let rec = Recorder::default();
    let core = Core::launch(opts, rec.sink());
    // The core answers at once, before anything was read or asked.
    assert_eq!(core.status().phase, SessionPhase::Starting);
    let st = wait_status(&core, "retrying", |s| {
        s.phase == SessionPhase::Restoring
            && s.problem
                .as_deref()
                .is_some_and(|p| p.contains("unreachable"))
    })
    .await;
    assert!(st.problem.unwrap().contains("Retrying in"), "says when");
    // Nothing is lost meanwhile.
    assert!(secrets::load_tokens(store.as_ref()).unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(core.status().phase, SessionPhase::Restoring);

    // Kick is back: the session returns by itself.
    proxy.set_up(true);
    back_by_itself(&core).await;
}

#[tokio::test]
async fn a_start_while_kicks_login_server_fails_keeps_the_login_and_retries() {
    let (kick, store, settings) = logged_in_yesterday().await;
    // Overnight the access token expired; this morning Kick's login server
    // answers 503 (the API itself is up), later 429.
    // (The login server fails first: yesterday's core, still polling,
    // must not renew the tokens before the restart.)
    control(
        &kick,
        "/_fake/faults",
        serde_json::json!({"token_status": 503}),
    )
    .await;
    control(&kick, "/_fake/tokens/expire", serde_json::json!({})).await;
    let mut opts = kick_options(&kick, store.clone(), settings.clone());
    opts.restore_backoff = (Duration::from_millis(100), Duration::from_millis(300));
    let core = Core::launch(opts, Recorder::default().sink());
    let st = wait_status(&core, "retrying after a 503", |s| {
        s.phase == SessionPhase::Restoring && s.problem.is_some()
    })
    .await;
    let problem = st.problem.unwrap();
    assert!(
        problem.contains("login server is having trouble (server error 503)")
            && problem.contains("Retrying in"),
        "{problem}"
    );
    control(
        &kick,
        "/_fake/faults",
        serde_json::json!({"token_status": 429}),
    )
    .await;
    wait_status(&core, "retrying after a 429", |s| {
        s.phase == SessionPhase::Restoring
            && s.problem.as_deref().is_some_and(|p| p.contains("busy"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(core.status().phase, SessionPhase::Restoring);
    // The stored login is kept, not thrown away.
    assert!(secrets::load_tokens(store.as_ref()).unwrap().is_some());

    // Kick's login server is back: the session returns by itself.
    control(&kick, "/_fake/faults", serde_json::json!({})).await;
    back_by_itself(&core).await;
}

#[tokio::test]
async fn logout_while_a_restore_waits_on_a_silent_kick_is_at_once() {
    let (kick, store, settings) = logged_in_yesterday().await;
    // Today Kick takes the connection and does not answer for a minute.
    control(
        &kick,
        "/_fake/faults",
        serde_json::json!({"latency_ms": 60000}),
    )
    .await;
    let core = Core::launch(
        kick_options(&kick, store.clone(), settings),
        Recorder::default().sink(),
    );
    wait_status(&core, "restoring", |s| s.phase == SessionPhase::Restoring).await;
    tokio::time::sleep(Duration::from_millis(300)).await; // the attempt waits on Kick
                                                          // The streamer clicks "Log out" on the restoring screen.
    tokio::time::timeout(Duration::from_secs(5), core.logout())
        .await
        .expect("logout waited for the restore attempt")
        .unwrap();
    assert_eq!(core.status().phase, SessionPhase::LoggedOut);
    assert!(secrets::load_tokens(store.as_ref()).unwrap().is_none());
}

#[tokio::test]
async fn a_login_kick_ends_gives_one_prompt_and_a_new_login_works() {
    let port = free_port();
    let kick = kick_fake::start(FakeConfig {
        auto_approve: true,
        redirect_uris: vec![format!("http://localhost:{port}/callback")],
        world_tick: None,
        refresh_token_lifetime: Some(Duration::from_millis(1200)),
        ..Default::default()
    })
    .await
    .unwrap();
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let rec = Recorder::default();
    let (core, _) = logged_in_core(
        &kick,
        kick_options(&kick, store.clone(), temp_settings(port)),
        rec.sink(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    // The access token runs out; the poller's refresh is refused.
    control(&kick, "/_fake/tokens/expire", serde_json::json!({})).await;
    let st = wait_status(&core, "logged out with a prompt", |s| {
        s.phase == SessionPhase::LoggedOut
    })
    .await;
    assert!(st.prompt.as_deref().unwrap().contains("Log in again"));
    assert!(secrets::load_tokens(store.as_ref()).unwrap().is_none());
    tokio::time::sleep(Duration::from_millis(300)).await;
    // One prompt: one status that carries it, and no extra error toast.
    let prompts = rec
        .all()
        .iter()
        .filter(|e| matches!(e, CoreEvent::Status(s) if s.prompt.is_some()))
        .count();
    assert_eq!(prompts, 1);
    assert!(!rec.all().iter().any(|e| matches!(e,
        CoreEvent::Notice(n) if n.level != kickstand_core::dto::NoticeLevel::Success)));
    // A command meanwhile says what to do.
    let err = core.channel().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotLoggedIn);
    // One click: log in again.
    let st = core.login(browser()).await.unwrap();
    assert_eq!(st.phase, SessionPhase::LoggedIn);
    assert!(st.prompt.is_none());
}

#[tokio::test]
async fn the_relogin_warning_shows_in_the_last_week_and_survives_refreshes() {
    let port = free_port();
    let kick = kick_fake(port).await;
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let settings = temp_settings(port);
    {
        let (_core, st) = logged_in_core(
            &kick,
            kick_options(&kick, store.clone(), settings.clone()),
            Recorder::default().sink(),
        )
        .await;
        // A fresh login: no warning, Kick's 30 days ahead.
        assert!(st.relogin_warning.is_none());
        let left = st.login_expires_at_ms.unwrap() - chrono::Utc::now().timestamp_millis();
        assert!((left - 30 * 86_400_000).abs() < 60_000, "{left}");
    }
    // 27 days later.
    let mut t = secrets::load_tokens(store.as_ref()).unwrap().unwrap();
    t.granted_at = Some(chrono::Utc::now() - chrono::Duration::days(27));
    let granted = t.granted_at.map(|g| g.timestamp());
    secrets::save_tokens(store.as_ref(), &t).unwrap();
    let core = Core::start(
        kick_options(&kick, store.clone(), settings),
        Recorder::default().sink(),
    )
    .await
    .unwrap();
    let st = core.status();
    assert_eq!(st.phase, SessionPhase::LoggedIn);
    assert_eq!(
        st.relogin_warning.as_deref(),
        Some("Kick will ask you to log in again in 3 days.")
    );
    // A refresh continues the grant: the date stays.
    control(&kick, "/_fake/tokens/expire", serde_json::json!({})).await;
    core.channel().await.unwrap();
    let after = secrets::load_tokens(store.as_ref()).unwrap().unwrap();
    assert_ne!(after.access_token.expose(), t.access_token.expose());
    assert_eq!(after.granted_at.map(|g| g.timestamp()), granted);
    assert!(core.status().relogin_warning.is_some());
}

#[tokio::test]
async fn logout_during_a_slow_refresh_leaves_no_tokens_behind() {
    let port = free_port();
    let kick = kick_fake(port).await;
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let settings = temp_settings(port);
    let mut opts = kick_options(&kick, store.clone(), settings.clone());
    opts.poll.idle_interval = Duration::from_secs(60); // only our call refreshes
    opts.poll.live_interval = Duration::from_secs(60);
    let (core, _) = logged_in_core(&kick, opts, Recorder::default().sink()).await;
    control(
        &kick,
        "/_fake/faults",
        serde_json::json!({"token_latency_ms": 1500}),
    )
    .await;
    control(&kick, "/_fake/tokens/expire", serde_json::json!({})).await;
    let c = core.clone();
    let call = tokio::spawn(async move { c.channel().await });
    tokio::time::sleep(Duration::from_millis(400)).await; // the refresh is at Kick now
    core.logout().await.unwrap();
    assert!(secrets::load_tokens(store.as_ref()).unwrap().is_none());
    let r = call.await.unwrap();
    assert!(r.is_err(), "the call of the ended session went through");
    // The slow refresh did happen at Kick, and saved nothing afterwards.
    assert_eq!(kick.metrics()["token_refresh"], 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(secrets::load_tokens(store.as_ref()).unwrap().is_none());
    // The next start does not bring back a session the streamer ended.
    let core2 = Core::start(
        kick_options(&kick, store, settings),
        Recorder::default().sink(),
    )
    .await
    .unwrap();
    assert_eq!(core2.status().phase, SessionPhase::LoggedOut);
}

#[tokio::test]
async fn a_forged_callback_does_not_break_the_login() {
    let port = free_port();
    let kick = kick_fake(port).await;
    let core = Core::start(
        kick_options(&kick, Arc::new(MemoryStore::default()), temp_settings(port)),
        Recorder::default().sink(),
    )
    .await
    .unwrap();
    core.save_credentials(&kick.info.client_id, &kick.info.client_secret)
        .await
        .unwrap();
    let st = core
        .login(move |url: &str| {
            let url = url.to_owned();
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                // Another page hits the loopback first.
                let forged = http
                    .get(format!(
                        "http://localhost:{port}/callback?code=evil&state=forged"
                    ))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(forged.status(), 400);
                let r = http.get(&url).send().await.unwrap();
                let next = r.headers()["location"].to_str().unwrap().to_owned();
                assert_eq!(http.get(&next).send().await.unwrap().status(), 200);
            });
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(st.phase, SessionPhase::LoggedIn);
}

#[tokio::test]
async fn logout_cancels_a_login_waiting_for_the_browser() {
    let port = free_port();
    let kick = kick_fake(port).await;
    let core = Core::start(
        kick_options(&kick, Arc::new(MemoryStore::default()), temp_settings(port)),
        Recorder::default().sink(),
    )
    .await
    .unwrap();
    core.save_credentials(&kick.info.client_id, &kick.info.client_secret)
        .await
        .unwrap();
    let c = core.clone();
    // A browser that never comes back.
    let login = tokio::spawn(async move { c.login(|_: &str| Ok(())).await });
    wait_status(&core, "logging in", |s| s.phase == SessionPhase::LoggingIn).await;
    // The wait holds no lock: logout goes through at once and ends it.
    tokio::time::timeout(Duration::from_secs(5), core.logout())
        .await
        .expect("logout waited for the browser")
        .unwrap();
    let err = login.await.unwrap().unwrap_err();
    assert_eq!(err.code, ErrorCode::LoginCancelled);
    assert_eq!(core.status().phase, SessionPhase::LoggedOut);
    // And a new login works.
    assert_eq!(
        core.login(browser()).await.unwrap().phase,
        SessionPhase::LoggedIn
    );
}
