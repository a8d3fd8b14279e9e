//! Logs and panic reports in the app's log folder.
//!
//! - `tracing` goes to stderr and to a file rotated daily
//!   (`tracing-appender`), the last [`KEEP_DAYS`] files kept. Secrets are
//!   redacted by type: tokens, the client secret, the stream key and the
//!   OBS password only ever exist as `Secret` values, whose `Debug` and
//!   `Display` print `[redacted]`.
//! - A panic writes a readable report (`panic-<time>.txt`: version, thread,
//!   place, message, backtrace) next to the logs, with anything shaped like
//!   a token or a key blanked out, logs it, and tells the window.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Daily log files kept.
pub const KEEP_DAYS: usize = 7;

/// The app's log folder, as Tauri's `app_log_dir` has it on Linux
/// (`$XDG_DATA_HOME/<identifier>/logs`, else `~/.local/share/...`). Known
/// before the app starts, so the first lines and an early panic are kept.
pub fn log_dir(identifier: &str) -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join(identifier).join("logs"))
}

/// Starts logging: stderr, and the rotating file in `dir` (when it can be
/// created). `RUST_LOG` overrides the default levels.
pub fn init(dir: Option<&Path>) {
    let filter = || {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,kickstand=info"))
    };
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let file = dir.and_then(|d| match file_appender(d) {
        Ok(a) => Some(
            fmt::layer()
                .with_ansi(false)
                .with_writer(a)
                .with_filter(filter()),
        ),
        Err(e) => {
            eprintln!("kickstand: no log file in {}: {e}", d.display());
            None
        }
    });
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
}

/// The daily file appender (blocking writes: a line logged right before a
/// crash is on disk).
pub fn file_appender(
    dir: &Path,
) -> Result<tracing_appender::rolling::RollingFileAppender, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    Ok(tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("kickstand")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(dir)?)
}

type PanicNotify = Box<dyn Fn(&Path) + Send + Sync>;
static NOTIFY: OnceLock<PanicNotify> = OnceLock::new();

/// Called with the report's path after a panic (the window says so).
pub fn on_panic(f: impl Fn(&Path) + Send + Sync + 'static) {
    let _ = NOTIFY.set(Box::new(f));
}

/// Installs the panic hook: the report in `dir`, and the redacted message
/// on stderr in place of the default hook's (which prints the raw message,
/// where a terminal or the system journal keeps it).
pub fn install_panic_hook(dir: Option<PathBuf>) {
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned());
        let place = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "unknown".to_owned());
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        let backtrace = std::backtrace::Backtrace::force_capture().to_string();
        let report = report_text(&message, &place, &thread, &backtrace);
        tracing::error!(%place, thread, "panic: {}", redact(&message));
        if let Some(dir) = &dir {
            let name = format!(
                "panic-{}.txt",
                chrono::Utc::now().format("%Y%m%d-%H%M%S%.3f")
            );
            let path = dir.join(name);
            if std::fs::create_dir_all(dir).is_ok() && std::fs::write(&path, &report).is_ok() {
                if let Some(n) = NOTIFY.get() {
                    n(&path);
                }
            }
        }
        eprintln!(
            "thread '{thread}' panicked at {place}:\n{}",
            redact(&message)
        );
    }));
}

/// The report: what a person needs to say what happened, nothing secret.
pub fn report_text(message: &str, place: &str, thread: &str, backtrace: &str) -> String {
    redact(&format!(
        "Kickstand {version} stopped a task after an internal error (a panic).\n\
         Please attach this file to a bug report. It holds no token, key or password.\n\n\
         time:    {time}\n\
         version: {version}\n\
         os:      {os} {arch}\n\
         thread:  {thread}\n\
         place:   {place}\n\
         message: {message}\n\n\
         backtrace:\n{backtrace}\n",
        version = env!("CARGO_PKG_VERSION"),
        time = chrono::Utc::now().to_rfc3339(),
        os = std::env::consts::OS,
        arch = std::env::consts::ARCH,
    ))
}

/// Blanks out anything shaped like a token, a key or a secret: a run of 28
/// or more of `A-Z a-z 0-9 _ - + = ~` with letters and digits in it (Kick's
/// tokens and stream keys, client secrets, JWT parts, base64), and the
/// ingest URL (an `rtmp://` or `rtmps://` address: its host names the
/// channel's ingest, which the window masks as it masks the key). Paths and
/// words stay readable ('/' and '.' end a run; ULIDs are 26 long).
pub fn redact(text: &str) -> String {
    blank_tokens(&blank_ingest_urls(text))
}

/// `rtmps://host:443/app/…` → `rtmps://[redacted]`, up to the next space,
/// quote or bracket.
fn blank_ingest_urls(text: &str) -> std::borrow::Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("rtmp") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(at) = lower[i..].find("rtmp").map(|a| a + i) {
        let scheme = ["rtmps://", "rtmp://"]
            .into_iter()
            .find(|s| lower[at..].starts_with(s));
        let Some(scheme) = scheme else {
            out.push_str(&text[i..at + 4]);
            i = at + 4;
            continue;
        };
        let rest = at + scheme.len();
        let end = text[rest..]
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ')' | ']' | '>' | ',')
            })
            .map_or(text.len(), |e| e + rest);
        out.push_str(&text[i..rest]);
        out.push_str("[redacted]");
        i = end;
    }
    out.push_str(&text[i..]);
    out.into()
}

fn blank_tokens(text: &str) -> String {
    let is_tok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '=' | '~');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let secretish = run.len() >= 28
            && run.chars().any(|c| c.is_ascii_digit())
            && run.chars().any(|c| c.is_ascii_alphabetic());
        out.push_str(if secretish { "[redacted]" } else { run });
        run.clear();
    };
    for c in text.chars() {
        if is_tok(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kickstand_core::kick_api::Secret;

    #[test]
    fn redacts_tokens_keys_and_secrets_but_not_words_paths_or_ids() {
        let key = "sk_us-west-2_QWERTYUIOPASDFGHJKLZXCVBNM1234567890QWERTYUIOPAS";
        let token = "NZAXNZAXNTQTZDE5MC00YZDKLWIZMJQTYJY3NDLHOWQ0MWEY";
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        let text = format!(
            "called `Result::unwrap()` on an `Err` value: refresh failed for {token} \
             (key {key}, jwt {jwt}) at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/x.rs \
             message 01JD2Z3K4M5N6P7Q8R9S0T1V2W"
        );
        let r = redact(&text);
        for s in [key, token, "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"] {
            assert!(!r.contains(s), "{r}");
        }
        assert!(r.contains(
            "called `Result::unwrap()` on an `Err` value: refresh failed for [redacted]"
        ));
        assert!(
            r.contains("/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/x.rs"),
            "{r}"
        );
        assert!(r.contains("01JD2Z3K4M5N6P7Q8R9S0T1V2W"), "ULIDs stay: {r}");
        assert_eq!(
            redact("a perfectly_ordinary_long_identifier_name here"),
            "a perfectly_ordinary_long_identifier_name here"
        );
    }

    #[test]
    fn redacts_ingest_urls() {
        let text = "OBS refused the server rtmps://fa723fc1b171.global-contribute.live-video.net:443/app/, \
                    (was RTMP://127.0.0.1:1935/live) and 'rtmp://ab12cd34ef56.example/app' stay hidden; \
                    the word rtmp alone and https://kick.com/x stay";
        let r = redact(text);
        for s in [
            "fa723fc1b171",
            "global-contribute",
            "127.0.0.1:1935",
            "ab12cd34ef56",
        ] {
            assert!(!r.contains(s), "{r}");
        }
        assert!(
            r.contains("server rtmps://[redacted], (was RTMP://[redacted]) and 'rtmp://[redacted]' stay hidden"),
            "{r}"
        );
        assert!(
            r.contains("the word rtmp alone and https://kick.com/x stay"),
            "{r}"
        );
        assert_eq!(redact("no ingest here"), "no ingest here");
    }

    #[test]
    fn the_log_file_gets_lines_and_no_secret() {
        let dir = std::env::temp_dir().join(format!("kickstand-logs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let appender = file_appender(&dir).unwrap();
        let subscriber = tracing_subscriber::registry().with(
            fmt::layer()
                .with_ansi(false)
                .with_writer(appender)
                .with_filter(EnvFilter::new("trace")),
        );
        let secret = Secret::new("sk_us-west-2_THISISTHESTREAMKEY0123456789ABCDEFGH");
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(key = ?secret, "stream key fetched");
            tracing::warn!("token {secret} refreshed");
        });
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(files.len(), 1, "one daily file");
        let name = files[0].file_name().into_string().unwrap();
        assert!(
            name.starts_with("kickstand.") && name.ends_with(".log"),
            "{name}"
        );
        let text = std::fs::read_to_string(files[0].path()).unwrap();
        assert!(
            text.contains("stream key fetched") && text.contains("refreshed"),
            "{text}"
        );
        assert!(!text.contains("THISISTHESTREAMKEY"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_panic_leaves_a_report_in_the_folder() {
        let dir = std::env::temp_dir().join(format!("kickstand-panic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        install_panic_hook(Some(dir.clone()));
        let key = "sk_us-west-2_PANICKEY0123456789ABCDEFGHIJKLMNOP";
        let r = std::thread::Builder::new()
            .name("chat".into())
            .spawn(move || panic!("bad frame for stream key {key}"))
            .unwrap()
            .join();
        assert!(r.is_err());
        let _ = std::panic::take_hook();
        let report = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().starts_with("panic-"))
            .expect("a report");
        let text = std::fs::read_to_string(report.path()).unwrap();
        assert!(text.contains("thread:  chat"), "{text}");
        assert!(
            text.contains("message: bad frame for stream key [redacted]"),
            "{text}"
        );
        assert!(text.contains("logging.rs"), "{text}");
        assert!(!text.contains("PANICKEY"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Run by `a_panic_on_stderr_holds_no_secret` in a child process.
    #[test]
    fn panics_with_a_key_when_asked() {
        if std::env::var_os("KICKSTAND_PANIC_CHILD").is_none() {
            return;
        }
        install_panic_hook(None);
        let key = "sk_us-west-2_STDERRKEY0123456789ABCDEFGHIJKLMNOP";
        panic!("bad frame for stream key {key}");
    }

    #[test]
    fn a_panic_on_stderr_holds_no_secret() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "logging::tests::panics_with_a_key_when_asked",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("KICKSTAND_PANIC_CHILD", "1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "the child did not panic: {err}");
        assert!(err.contains("stream key [redacted]"), "{err}");
        assert!(!err.contains("STDERRKEY"), "{err}");
    }

    #[test]
    fn a_panic_report_is_readable_and_holds_no_secret() {
        let r = report_text(
            "token AAAABBBBCCCCDDDDEEEEFFFF0000111122223333 was rejected",
            "src/x.rs:1:2",
            "tokio-runtime-worker",
            "   0: kickstand::x\n             at src/x.rs:1:2",
        );
        assert!(r.contains("place:   src/x.rs:1:2"));
        assert!(r.contains("message: token [redacted] was rejected"), "{r}");
        assert!(r.contains(env!("CARGO_PKG_VERSION")));
        assert!(!r.contains("AAAABBBB"));
    }
}
