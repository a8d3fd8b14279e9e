//! OBS in the core without OBS: the connection settings (checked, saved,
//! the password in the keyring and never in an event), "OBS is not running"
//! with retries, connecting again by itself after a restart, and the
//! actions refused with a clear message until OBS is connected. The flows
//! with a real OBS are in `scripts/test-obs.sh` (obs-link's tests and the
//! window's end-to-end test).

use kickstand_core::core::Core;
use kickstand_core::dto::{ObsState, ObsView};
use kickstand_core::error::{ErrorCode, ErrorField};
use kickstand_core::secrets::{MemoryStore, SecretStore, OBS_PASSWORD};
use kickstand_core::CoreEvent;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::*;

const PW: &str = "obs-pw-Zq81xV";

async fn wait_view(core: &Core, what: &str, f: impl Fn(&ObsView) -> bool) -> ObsView {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = core.obs_view();
        if f(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "waiting for {what}; view: {v:?}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test]
async fn settings_password_not_running_and_restart() {
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let mut opts = demo_options();
    opts.store = store.clone();
    let settings = opts.settings.clone();
    let rec = Recorder::default();
    let core = Core::start(opts, rec.sink()).await.unwrap();

    // Nothing set up: off, and no connection attempt.
    let v = core.obs_view();
    assert_eq!(v.state, ObsState::Off);
    assert!(!v.settings.enabled);
    assert_eq!(
        v.settings.host, "127.0.0.1",
        "127.0.0.1, not localhost (::1 is refused)"
    );

    // Bad input: the field at fault, nothing saved.
    let e = core
        .obs_configure("http://127.0.0.1:4455".into(), 4455, None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.field),
        (ErrorCode::InvalidInput, Some(ErrorField::ObsHost))
    );
    let e = core
        .obs_configure("127.0.0.1".into(), 0, None)
        .await
        .unwrap_err();
    assert_eq!(e.field, Some(ErrorField::ObsPort));
    assert_eq!(core.obs_view().state, ObsState::Off);

    // Actions before a connection: a plain message.
    let e = core.obs_setup().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Obs);
    assert!(e.message.contains("Connect to OBS"), "{}", e.message);

    // OBS is not running on that port: said so, retried.
    let port = free_port();
    let v = core
        .obs_configure(" 127.0.0.1 ".into(), port, Some(PW.into()))
        .await
        .unwrap();
    assert!(v.settings.enabled && v.settings.has_password);
    assert_eq!(v.settings.host, "127.0.0.1");
    assert_eq!(store.get(OBS_PASSWORD).unwrap().unwrap().expose(), PW);
    let v = wait_view(&core, "not running", |v| {
        matches!(v.state, ObsState::NotRunning { .. })
    })
    .await;
    let ObsState::NotRunning {
        message,
        retry_in_ms,
    } = &v.state
    else {
        unreachable!()
    };
    assert!(message.to_lowercase().contains("not running"), "{message}");
    assert!(*retry_in_ms > 0);
    // Going live needs a connected OBS.
    let e = core.obs_go_live().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Obs);
    assert!(rec.all().iter().any(|e| matches!(e, CoreEvent::Obs(_))));

    // A restart: OBS is connected to again by itself, the password read
    // back from the keyring.
    drop(core);
    let mut opts = demo_options();
    opts.store = store.clone();
    opts.settings = settings.clone();
    let rec2 = Recorder::default();
    let core = Core::start(opts, rec2.sink()).await.unwrap();
    let v = wait_view(&core, "retrying after the restart", |v| {
        matches!(v.state, ObsState::NotRunning { .. })
    })
    .await;
    assert_eq!(v.settings.port, port);
    assert!(v.settings.has_password);

    // An empty password removes it; `None` keeps it.
    core.obs_configure("127.0.0.1".into(), port, None)
        .await
        .unwrap();
    assert!(store.get(OBS_PASSWORD).unwrap().is_some());
    let v = core
        .obs_configure("127.0.0.1".into(), port, Some(String::new()))
        .await
        .unwrap();
    assert!(!v.settings.has_password);
    assert!(store.get(OBS_PASSWORD).unwrap().is_none());

    // Disconnect: off, and no connection at the next start.
    let v = core.obs_disconnect().unwrap();
    assert_eq!(v.state, ObsState::Off);
    drop(core);
    let mut opts = demo_options();
    opts.store = store.clone();
    opts.settings = settings;
    let core = Core::start(opts, Recorder::default().sink()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(core.obs_view().state, ObsState::Off);

    // The password is in no event the window received.
    let json = format!("{}\n{}", rec.as_json(), rec2.as_json());
    assert!(json.contains("\"has_password\":true"));
    assert!(!json.contains(PW));
}

/// Views reach the window by event and as commands' answers, in either
/// order (the e2e test once saw a connect's "Connecting…" answer arrive
/// after the event saying OBS refused the password, and the panel stuck on
/// "Connecting…"). The window keeps the highest-numbered view: that one must
/// always be what the link says now.
#[tokio::test]
async fn the_highest_numbered_view_is_the_current_one() {
    let rec = Recorder::default();
    let core = Core::start(demo_options(), rec.sink()).await.unwrap();
    for round in 0..10 {
        // Nothing listens there: refused at once, so the state changes
        // while the command is still building its answer.
        let answer = core
            .obs_configure("127.0.0.1".into(), free_port(), None)
            .await
            .unwrap();
        let now = wait_view(&core, "not running", |v| {
            matches!(v.state, ObsState::NotRunning { .. })
        })
        .await;
        let mut views: Vec<ObsView> = rec
            .all()
            .into_iter()
            .filter_map(|e| match e {
                CoreEvent::Obs(v) => Some(*v),
                _ => None,
            })
            .collect();
        views.push(answer);
        let newest = views.iter().max_by_key(|v| v.seq).unwrap();
        assert!(
            matches!(newest.state, ObsState::NotRunning { .. }),
            "round {round}: the window would show {:?}",
            newest.state
        );
        assert!(newest.seq < now.seq, "a later view is numbered higher");
        core.obs_disconnect().unwrap();
    }
}
