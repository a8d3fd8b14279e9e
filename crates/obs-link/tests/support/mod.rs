//! Test harness for real OBS: Xvfb, OBS with a fresh HOME and its WebSocket
//! server on a free port, and a capture of everything logged (tracing and the
//! `log` crate) so tests can search it for the stream key.
//!
//! OBS binds its WebSocket server on every interface; `scripts/test-obs.sh`
//! therefore runs these tests in a private network namespace where only
//! loopback exists.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Real-OBS tests run only with `KICKSTAND_REAL_OBS=1` (and OBS, Xvfb and
/// nginx installed: `scripts/test-obs.sh` does all of it).
pub fn real_obs_enabled(test: &str) -> bool {
    if std::env::var("KICKSTAND_REAL_OBS").as_deref() == Ok("1") {
        return true;
    }
    // Straight to stderr: libtest would swallow `eprintln!` of a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "note: skipping {test}: it needs real OBS under Xvfb; run scripts/test-obs.sh (or set KICKSTAND_REAL_OBS=1)"
    );
    false
}

/// One lock for every test that starts OBS: OBS instances would compete
/// for 2 cores, and "is an OBS process running?" must mean ours.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("obs-link-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("KICKSTAND_KEEP_TMP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// An X display: `$DISPLAY` when set (the script starts one Xvfb), else our own Xvfb.
pub struct Display {
    pub name: String,
    child: Option<Child>,
}

impl Display {
    pub fn get() -> Display {
        if let Ok(d) = std::env::var("DISPLAY") {
            if !d.is_empty() {
                return Display {
                    name: d,
                    child: None,
                };
            }
        }
        for n in 140..240 {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                || Path::new(&format!("/tmp/.X{n}-lock")).exists()
            {
                continue;
            }
            let child = Command::new("Xvfb")
                .args([
                    &format!(":{n}"),
                    "-screen",
                    "0",
                    "1280x800x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb (apt install xvfb)");
            let deadline = Instant::now() + Duration::from_secs(5);
            while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                assert!(Instant::now() < deadline, "Xvfb :{n} did not start");
                std::thread::sleep(Duration::from_millis(50));
            }
            return Display {
                name: format!(":{n}"),
                child: Some(child),
            };
        }
        panic!("no free X display number");
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[derive(Clone, Debug)]
pub struct ObsOptions {
    pub port: u16,
    pub server_enabled: bool,
    pub password: Option<String>,
}

impl Default for ObsOptions {
    fn default() -> Self {
        ObsOptions {
            port: free_port(),
            server_enabled: true,
            password: None,
        }
    }
}

/// OBS Studio under Xvfb with a fresh HOME. Killed on drop.
pub struct Obs {
    pub opts: ObsOptions,
    pub home: TempDir,
    display: Arc<Display>,
    child: Option<Child>,
}

impl Obs {
    pub fn start(display: Arc<Display>, opts: ObsOptions) -> Obs {
        let home = TempDir::new("obs-home");
        write_config(home.path(), &opts);
        let mut obs = Obs {
            opts,
            home,
            display,
            child: None,
        };
        obs.launch();
        obs
    }

    /// Starts (again) with the same HOME and settings.
    pub fn launch(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.home.path().join("obs-stdout.log"))
            .unwrap();
        let run = self.home.path().join("run");
        std::fs::create_dir_all(&run).unwrap();
        let child = Command::new("obs")
            // --multi: no "OBS is already running" dialog; no shutdown-check dialog.
            .args(["--multi", "--disable-shutdown-check", "--minimize-to-tray"])
            .current_dir(self.home.path())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("XDG_RUNTIME_DIR", &run)
            .env("DISPLAY", &self.display.name)
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            // No D-Bus session: OBS would autolaunch one (and a document portal).
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/obs-link-test-bus",
            )
            .env("QT_QPA_PLATFORM", "xcb")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("obs (apt install obs-studio)");
        self.child = Some(child);
        if self.opts.server_enabled {
            self.wait_listening(Duration::from_secs(30));
        }
    }

    fn wait_listening(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.opts.port)).is_ok() {
                return;
            }
            if let Some(st) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "OBS exited ({st}) before listening; log:\n{}",
                    self.log_tail()
                );
            }
            assert!(
                Instant::now() < deadline,
                "OBS did not open its WebSocket port; log:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until OBS has finished loading (for a server-off OBS, which has no port to watch).
    pub fn wait_loaded(&self, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.log_tail().contains("All scene data cleared")
            && !self.log_tail().contains("Switched to scene")
            && !self
                .log_tail()
                .contains("[obs-websocket] [WebSocketServer::onObsLoaded]")
        {
            assert!(Instant::now() < deadline, "OBS did not load");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills OBS (like a crash or a quit without goodbye).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn log_tail(&self) -> String {
        let s =
            std::fs::read_to_string(self.home.path().join("obs-stdout.log")).unwrap_or_default();
        let mut start = s.len().saturating_sub(6000);
        while !s.is_char_boundary(start) {
            start += 1;
        }
        s[start..].to_owned()
    }

    /// Everything OBS wrote to its own logs (for a secret search).
    pub fn all_logs(&self) -> String {
        let mut out =
            std::fs::read_to_string(self.home.path().join("obs-stdout.log")).unwrap_or_default();
        let dir = self.home.path().join(".config/obs-studio/logs");
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                out.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
        out
    }
}

impl Drop for Obs {
    fn drop(&mut self) {
        self.kill();
    }
}

fn write_config(home: &Path, o: &ObsOptions) {
    let cfg = home.join(".config/obs-studio");
    let profile = cfg.join("basic/profiles/Untitled");
    std::fs::create_dir_all(&profile).unwrap();
    std::fs::create_dir_all(cfg.join("basic/scenes")).unwrap();
    std::fs::create_dir_all(cfg.join("plugin_config/obs-websocket")).unwrap();
    let auth = o.password.is_some();
    let pw = o.password.clone().unwrap_or_default();
    // obs-websocket 5.1 (OBS 29) reads global.ini; 5.5+ reads config.json.
    // `FirstRun=true` means "the first run is done": with `false` OBS opens its
    // modal auto-configuration wizard, and StartStream then never happens.
    let mut f = std::fs::File::create(cfg.join("global.ini")).unwrap();
    write!(
        f,
        "[General]\nFirstRun=true\n\n[Basic]\nProfile=Untitled\nProfileDir=Untitled\nSceneCollection=Untitled\nSceneCollectionFile=Untitled\n\n\
         [OBSWebSocket]\nFirstLoad=false\nServerEnabled={}\nServerPort={}\nAuthRequired={}\nServerPassword={}\nAlertsEnabled=false\n",
        o.server_enabled, o.port, auth, pw
    )
    .unwrap();
    std::fs::write(
        cfg.join("plugin_config/obs-websocket/config.json"),
        serde_json::json!({
            "first_load": false, "server_enabled": o.server_enabled, "server_port": o.port,
            "alerts_enabled": false, "auth_required": auth, "server_password": pw,
        })
        .to_string(),
    )
    .unwrap();
    // Small, cheap video so x264 keeps up on 2 cores; no automatic reconnect
    // (a refused publish should end the stream at once).
    std::fs::write(
        profile.join("basic.ini"),
        "[General]\nName=Untitled\n\n[Video]\nBaseCX=640\nBaseCY=360\nOutputCX=640\nOutputCY=360\nFPSType=0\nFPSCommon=30\n\n\
         [Output]\nMode=Simple\nReconnect=false\n\n[SimpleOutput]\nVBitrate=800\nABitrate=96\nStreamEncoder=x264\nPreset=ultrafast\n",
    )
    .unwrap();
}

/// Everything logged in this test process: tracing events and `log` records
/// (tungstenite's), at every level, for every target.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs the capture once per test binary (TRACE, all targets, `log` bridged).
pub fn capture_logs() -> LogCapture {
    static CAP: OnceLock<LogCapture> = OnceLock::new();
    CAP.get_or_init(|| {
        let cap = LogCapture::default();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(cap.clone())
            .with_ansi(false)
            .try_init()
            .expect("one subscriber per test binary");
        cap
    })
    .clone()
}

/// Waits (async) until `f` is true.
pub async fn eventually(what: &str, within: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
