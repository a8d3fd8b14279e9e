//! The fake's RTMP ingest: a real RTMP server (nginx with the RTMP module,
//! Debian `nginx-light` + `libnginx-mod-rtmp`) that the fake starts as a child
//! process on a free loopback port, with a generated config in a temp dir.
//!
//! nginx asks the fake about every publish over HTTP (`on_publish`, with the
//! stream name = the stream key, as OBS sends it) and reports its end
//! (`on_publish_done`). A publish with a channel's key takes that channel
//! live through [`crate::world::go_live`] (viewers, listings, the
//! `livestream.status.updated` webhook and the chat socket's live event all
//! follow from the event bus); any other key gets a 403 and nginx drops the
//! publish. The end of the publish takes the channel offline.
//!
//! Kick's real ingest is RTMPS on port 443 (`rtmps://<id>.global-contribute.live-video.net:443/app/`,
//! API.md §6); locally the channel's `stream.url` is plain `rtmp://127.0.0.1:<port>/app`.
//!
//! The callback routes live in their own router ([`callback_routes`]): they
//! take a per-run random token in the path and refuse callers that are not
//! on loopback.

use crate::state::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Form, Json, Router};
use chrono::Utc;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path as FsPath, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where nginx and its RTMP module are.
#[derive(Clone, Debug)]
pub struct IngestConfig {
    pub nginx: PathBuf,
    pub rtmp_module: PathBuf,
    /// RTMP port on 127.0.0.1; 0 = a free one.
    pub port: u16,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            nginx: PathBuf::from("nginx"),
            rtmp_module: PathBuf::from("/usr/lib/nginx/modules/ngx_rtmp_module.so"),
            port: 0,
        }
    }
}

/// One callback from nginx, as the fake judged it. Never holds the key.
#[derive(Clone, Debug, Serialize)]
pub struct PublishRecord {
    /// RFC 3339.
    pub at: String,
    /// `publish` or `publish_done`.
    pub call: String,
    pub accepted: bool,
    /// The channel whose key was used (none for an unknown key).
    pub broadcaster_user_id: Option<u64>,
    /// The RTMP application the encoder published to.
    pub app: String,
}

/// The ingest's part of the fake's state.
#[derive(Debug, Default)]
pub struct IngestState {
    /// Path token of the callback URLs (empty = no ingest).
    pub token: String,
    /// `rtmp://127.0.0.1:<port>/app` once running.
    pub url: Mutex<Option<String>>,
    pub log: Mutex<Vec<PublishRecord>>,
    /// Accepted publishes still going, by nginx client id.
    live: Mutex<HashMap<String, u64>>,
}

impl IngestState {
    pub fn new_with_token() -> Self {
        IngestState {
            token: crate::tokens::opaque_token(),
            ..Default::default()
        }
    }

    pub fn records(&self) -> Vec<PublishRecord> {
        self.log.lock().unwrap().clone()
    }
}

/// The running nginx. Dropping it stops nginx and removes its directory.
///
/// nginx is started and owned by a keeper thread that lives as long as this
/// value, and it gets `SIGKILL` when that thread ends
/// (`PR_SET_PDEATHSIG`): so it also ends when the process that started it is
/// killed without running destructors (a `kill -9`, a WebDriver session
/// ending the app), instead of holding its port and directory forever. The
/// signal follows the thread that forked, not the process, which is why it is
/// a thread of its own and not the blocking-pool thread that calls [`start`]
/// (tokio ends those when idle).
#[derive(Debug)]
pub struct Ingest {
    nginx: Kept,
    dir: PathBuf,
    pub port: u16,
    /// The channel `stream.url`: `rtmp://127.0.0.1:<port>/app`.
    pub url: String,
}

impl Drop for Ingest {
    fn drop(&mut self) {
        self.nginx.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A child process owned by a keeper thread, which kills and reaps it when
/// this is stopped or dropped; the child dies with that thread (see [`Ingest`]).
#[derive(Debug)]
struct Kept {
    /// Dropped to tell the keeper to stop the child.
    stop: Option<std::sync::mpsc::Sender<()>>,
    keeper: Option<std::thread::JoinHandle<()>>,
    /// The child's exit status once it has exited on its own.
    exited: std::sync::Arc<Mutex<Option<std::process::ExitStatus>>>,
}

impl Kept {
    fn spawn(mut cmd: Command) -> std::io::Result<Kept> {
        use std::os::unix::process::CommandExt;
        use std::sync::mpsc;
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent died before the signal was armed: do not start.
                // (No allocation here: the error is a plain errno.)
                if libc::getppid() != parent {
                    return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
                }
                Ok(())
            });
        }
        let exited = std::sync::Arc::new(Mutex::new(None));
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = mpsc::channel::<std::io::Result<()>>();
        let status = exited.clone();
        let keeper = std::thread::Builder::new()
            .name("fake-ingest".into())
            .spawn(move || {
                let mut child = match cmd.spawn() {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = started_tx.send(Err(e));
                        return;
                    }
                };
                let _ = started_tx.send(Ok(()));
                loop {
                    match stop_rx.recv_timeout(Duration::from_millis(100)) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            if let Ok(Some(st)) = child.try_wait() {
                                *status.lock().unwrap() = Some(st);
                                // Keep the thread until told to stop.
                                let _ = stop_rx.recv();
                                return;
                            }
                        }
                        _ => {
                            let _ = child.kill();
                            let _ = child.wait();
                            return;
                        }
                    }
                }
            })?;
        let started = started_rx
            .recv()
            .unwrap_or_else(|_| Err(std::io::Error::other("the keeper thread ended")));
        let mut kept = Kept {
            stop: Some(stop_tx),
            keeper: Some(keeper),
            exited,
        };
        match started {
            Ok(()) => Ok(kept),
            Err(e) => {
                kept.stop();
                Err(e)
            }
        }
    }

    fn exit_status(&self) -> Option<std::process::ExitStatus> {
        *self.exited.lock().unwrap()
    }

    /// Kills and reaps the child (once).
    fn stop(&mut self) {
        drop(self.stop.take());
        if let Some(k) = self.keeper.take() {
            let _ = k.join();
        }
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn config_text(cfg: &IngestConfig, dir: &FsPath, port: u16, callback_base: &str) -> String {
    let d = dir.display();
    format!(
        r#"# Generated by kick-fake: the fake Kick's RTMP ingest.
load_module {module};
daemon off;
# One process, so killing the child stops everything.
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
# warn, not info: at info nginx logs every publish with its stream name (the key).
error_log {d}/error.log warn;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        chunk_size 4096;
        application app {{
            live on;
            record off;
            allow publish 127.0.0.1;
            deny publish all;
            deny play all;
            # nginx POSTs name=<stream key>; a 2xx allows the publish, anything else drops it.
            on_publish {callback_base}/on_publish;
            on_publish_done {callback_base}/on_publish_done;
        }}
    }}
}}
"#,
        module = cfg.rtmp_module.display(),
    )
}

/// Starts nginx on 127.0.0.1 with callbacks to `callback_base`
/// (`http://127.0.0.1:<fake port>/_ingest/<token>`), and waits until it listens.
pub fn start(cfg: &IngestConfig, callback_base: &str) -> std::io::Result<Ingest> {
    if !cfg.rtmp_module.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "the fake's ingest needs nginx's RTMP module at {} (apt install nginx-light libnginx-mod-rtmp)",
                cfg.rtmp_module.display()
            ),
        ));
    }
    let dir = std::env::temp_dir().join(format!(
        "kick-fake-ingest-{}-{}",
        std::process::id(),
        crate::tokens::opaque_token()
            .chars()
            .take(12)
            .collect::<String>()
    ));
    std::fs::create_dir_all(&dir)?;
    let port = if cfg.port == 0 {
        free_port()?
    } else {
        cfg.port
    };
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config_text(cfg, &dir, port, callback_base))?;
    let log = std::fs::File::create(dir.join("stderr.log"))?;
    let mut cmd = Command::new(&cfg.nginx);
    cmd.arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(&conf)
        // The early error log (before the config is read) goes here too, not /var/log/nginx.
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    let nginx = Kept::spawn(cmd).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "could not start {} for the fake's ingest ({e}); apt install nginx-light libnginx-mod-rtmp",
                    cfg.nginx.display()
                ),
            )
        })?;
    let url = format!("rtmp://127.0.0.1:{port}/app");
    let ingest = Ingest {
        nginx,
        dir,
        port,
        url,
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            tracing::info!(port, "fake ingest (nginx-rtmp) listening");
            return Ok(ingest);
        }
        let why = |what: &str| {
            let log = std::fs::read_to_string(ingest.dir.join("stderr.log")).unwrap_or_default()
                + &std::fs::read_to_string(ingest.dir.join("error.log")).unwrap_or_default();
            std::io::Error::other(format!("the fake's ingest (nginx) {what}: {}", log.trim()))
        };
        if let Some(st) = ingest.nginx.exit_status() {
            return Err(why(&format!("exited ({st})")));
        }
        if Instant::now() > deadline {
            return Err(why("did not listen within 5 s"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The routes nginx calls. Kept apart from the API and the `/_fake/` control
/// routes so host checks or gating can treat them on their own.
pub fn callback_routes() -> Router<AppState> {
    Router::new().route("/_ingest/{token}/{call}", post(callback))
}

/// `/_fake/ingest`: the ingest URL and what it saw (no keys).
pub fn control_routes() -> Router<AppState> {
    Router::new().route("/_fake/ingest", get(control_ingest))
}

async fn control_ingest(State(fake): State<AppState>) -> Json<Value> {
    Json(json!({
        "url": *fake.ingest.url.lock().unwrap(),
        "publishes": fake.ingest.records(),
    }))
}

async fn callback(
    State(fake): State<AppState>,
    Path((token, call)): Path<(String, String)>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<HashMap<String, String>>,
) -> StatusCode {
    // Fail closed: without the peer address (a server set up without
    // connect info) nobody may take a channel live.
    if !peer.is_some_and(|Extension(ConnectInfo(a))| a.ip().is_loopback()) {
        return StatusCode::FORBIDDEN;
    }
    if fake.ingest.token.is_empty() || token != fake.ingest.token {
        return StatusCode::NOT_FOUND;
    }
    let name = form.get("name").map(String::as_str).unwrap_or("");
    let app = form.get("app").cloned().unwrap_or_default();
    let client = form.get("clientid").cloned().unwrap_or_default();
    let owner = if name.is_empty() {
        None
    } else {
        fake.world
            .lock()
            .unwrap()
            .channels
            .values()
            .find(|c| c.stream_key == name)
            .map(|c| c.broadcaster_user_id)
    };
    let (accepted, status, uid) = match call.as_str() {
        "on_publish" => match owner {
            Some(uid) if app == "app" => {
                fake.ingest.live.lock().unwrap().insert(client, uid);
                crate::world::go_live(&fake, uid, true, None);
                (true, StatusCode::OK, Some(uid))
            }
            _ => (false, StatusCode::FORBIDDEN, owner),
        },
        "on_publish_done" => {
            let was = fake.ingest.live.lock().unwrap().remove(&client);
            if let Some(uid) = was {
                let still = fake.ingest.live.lock().unwrap().values().any(|u| *u == uid);
                if !still {
                    crate::world::go_live(&fake, uid, false, None);
                }
            }
            (was.is_some(), StatusCode::OK, was.or(owner))
        }
        _ => return StatusCode::NOT_FOUND,
    };
    tracing::info!(
        call = %call,
        accepted,
        broadcaster_user_id = ?uid,
        "ingest callback"
    );
    fake.ingest.log.lock().unwrap().push(PublishRecord {
        at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        call: call.trim_start_matches("on_").to_owned(),
        accepted,
        broadcaster_user_id: uid,
        app,
    });
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_listens_on_loopback_and_calls_back() {
        let t = config_text(
            &IngestConfig::default(),
            FsPath::new("/tmp/x"),
            41935,
            "http://127.0.0.1:9/_ingest/tok",
        );
        assert!(t.contains("listen 127.0.0.1:41935;"));
        assert!(t.contains("on_publish http://127.0.0.1:9/_ingest/tok/on_publish;"));
        assert!(t.contains("on_publish_done http://127.0.0.1:9/_ingest/tok/on_publish_done;"));
        assert!(t.contains("master_process off;"));
        assert!(t.contains("application app {"));
    }
}
