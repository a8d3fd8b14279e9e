//! The fake's RTMP ingest: nginx-rtmp's publish callbacks take the channel
//! live and offline; a wrong key is refused. The callbacks are driven here
//! the way nginx sends them (form POSTs); the real publish from OBS is
//! covered by obs-link's real-OBS tests.

use kick_fake::{FakeConfig, FakeEvent, STREAMER_ID};
use std::io::Write;
use std::time::Duration;

fn have_nginx_rtmp() -> bool {
    let ok = std::path::Path::new("/usr/lib/nginx/modules/ngx_rtmp_module.so").exists()
        && std::process::Command::new("nginx")
            .arg("-v")
            .output()
            .is_ok();
    if !ok {
        let _ = writeln!(
            std::io::stderr(),
            "note: skipping the ingest tests: nginx with the RTMP module is not installed (scripts/setup.sh installs it)"
        );
    }
    ok
}

async fn fake_with_ingest() -> kick_fake::RunningFake {
    kick_fake::start(FakeConfig {
        ingest: Some(Default::default()),
        world_tick: None,
        ..FakeConfig::default()
    })
    .await
    .expect("fake with ingest starts")
}

fn is_live(fake: &kick_fake::RunningFake) -> bool {
    fake.state.world.lock().unwrap().channels[&STREAMER_ID].is_live
}

/// Posts a callback as nginx-rtmp does (`application/x-www-form-urlencoded`).
async fn callback(fake: &kick_fake::RunningFake, token: &str, call: &str, name: &str) -> u16 {
    let form = [
        ("app", "app"),
        ("flashver", "FMLE/3.0 (compatible; FMSc/1.0)"),
        ("tcurl", "rtmp://127.0.0.1/app"),
        ("addr", "127.0.0.1"),
        ("clientid", "7"),
        ("call", call.trim_start_matches("on_")),
        ("name", name),
        ("type", "live"),
    ];
    reqwest::Client::new()
        .post(format!("{}/_ingest/{token}/{call}", fake.api_base()))
        .form(&form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn next_status_event(rx: &mut tokio::sync::broadcast::Receiver<FakeEvent>) -> FakeEvent {
    tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            let e = rx.recv().await.unwrap();
            if e.event_type == "livestream.status.updated" && e.broadcaster_user_id == STREAMER_ID {
                return e;
            }
        }
    })
    .await
    .expect("livestream.status.updated")
}

#[tokio::test]
async fn publish_with_the_key_goes_live_and_unpublish_goes_offline() {
    if !have_nginx_rtmp() {
        return;
    }
    let fake = fake_with_ingest().await;
    let url = fake.ingest_url().unwrap().to_owned();
    assert!(
        url.starts_with("rtmp://127.0.0.1:") && url.ends_with("/app"),
        "{url}"
    );
    assert_eq!(fake.info.ingest_url.as_deref(), Some(url.as_str()));
    // nginx listens on the ingest port.
    let port: u16 = url
        .trim_start_matches("rtmp://127.0.0.1:")
        .trim_end_matches("/app")
        .parse()
        .unwrap();
    std::net::TcpStream::connect(("127.0.0.1", port)).expect("nginx listens");

    // The channel's stream.url is the ingest now.
    let token = fake.mint_user_token(&["channel:read", "streamkey:read"]);
    let ch: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/public/v1/channels", fake.api_base()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ch["data"][0]["stream"]["url"], url.as_str());
    let key = fake.stream_key();
    assert_eq!(ch["data"][0]["stream"]["key"], key.as_str());

    let ingest_token = fake.state.ingest.token.clone();
    let mut bus = fake.state.events.subscribe();
    assert!(!is_live(&fake));
    assert_eq!(
        callback(&fake, &ingest_token, "on_publish", "sk_wrong").await,
        403
    );
    assert!(!is_live(&fake));
    assert_eq!(
        callback(&fake, &ingest_token, "on_publish", &key).await,
        200
    );
    assert!(is_live(&fake));
    let e = next_status_event(&mut bus).await;
    assert_eq!(e.payload["is_live"], true);
    // Listed among livestreams.
    let ls: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/public/v1/users/livestreams", fake.api_base()))
        .bearer_auth(&token)
        .query(&[("user_id", STREAMER_ID.to_string())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ls["data"].as_array().map(Vec::len), Some(1), "{ls}");

    assert_eq!(
        callback(&fake, &ingest_token, "on_publish_done", &key).await,
        200
    );
    assert!(!is_live(&fake));
    let e = next_status_event(&mut bus).await;
    assert_eq!(e.payload["is_live"], false);

    // What the fake saw, without any key.
    let seen: serde_json::Value = reqwest::get(format!("{}/_fake/ingest", fake.api_base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let publishes = seen["publishes"].as_array().unwrap();
    assert_eq!(publishes.len(), 3);
    assert_eq!(publishes[0]["accepted"], false);
    assert_eq!(publishes[1]["accepted"], true);
    assert_eq!(publishes[1]["broadcaster_user_id"], STREAMER_ID);
    assert_eq!(publishes[2]["call"], "publish_done");
    assert!(!seen.to_string().contains(&key));

    // Stopping the fake stops nginx.
    drop(fake);
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(std::time::Instant::now() < deadline, "nginx still listens");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn callbacks_need_the_run_token() {
    if !have_nginx_rtmp() {
        return;
    }
    let fake = fake_with_ingest().await;
    let key = fake.stream_key();
    assert_eq!(
        callback(&fake, "not-the-token", "on_publish", &key).await,
        404
    );
    assert_eq!(callback(&fake, "", "on_publish", &key).await, 404);
    assert!(!is_live(&fake));
}

#[tokio::test]
async fn without_ingest_there_is_no_callback_and_kicks_url_form() {
    let fake = kick_fake::start(FakeConfig {
        world_tick: None,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    assert!(fake.ingest_url().is_none());
    assert!(fake.state.world.lock().unwrap().channels[&STREAMER_ID]
        .ingest_url
        .starts_with("rtmps://"));
    let key = fake.stream_key();
    assert_eq!(callback(&fake, "", "on_publish", &key).await, 404);
    assert!(!is_live(&fake));
}

/// The processes whose command line holds `needle`.
fn pids_with(needle: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

/// A fake killed without running its destructors (`kill -9`, as a WebDriver
/// session ends the app that embeds it) takes its nginx with it: nginx does
/// not keep the port and its directory after its parent is gone. nginx is
/// started from a blocking-pool thread that tokio ends when idle, so the test
/// also waits past that (10 s) to see nginx still running while the fake is.
#[test]
fn nginx_ends_with_the_fake_that_started_it() {
    if !have_nginx_rtmp() {
        return;
    }
    use std::io::BufRead;
    let mut fake = std::process::Command::new(env!("CARGO_BIN_EXE_kick-fake"))
        .args(["--port", "0", "--ingest"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("kick-fake starts");
    let mut line = String::new();
    std::io::BufReader::new(fake.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("kick-fake prints its info line");
    assert!(line.contains("api_base"), "info line: {line}");
    let needle = format!("kick-fake-ingest-{}-", fake.id());
    let nginx = pids_with(&needle);
    assert_eq!(nginx.len(), 1, "one nginx for this fake: {nginx:?}");

    // Still there once the thread that started it is gone.
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(pids_with(&needle), nginx, "nginx ended while the fake runs");

    fake.kill().unwrap(); // SIGKILL: no destructor runs
    fake.wait().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !pids_with(&needle).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "nginx {nginx:?} outlived the fake that started it"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
