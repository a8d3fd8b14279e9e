//! The desktop login's one-shot loopback callback listener (RFC 8252 §7.3).
//!
//! Binds `127.0.0.1` (and `[::1]` when it can, because browsers may resolve
//! `localhost` to either) at a fixed, configurable port; the redirect URI
//! registered at Kick is `http://localhost:<port><path>` because Kick's front
//! end rewrites `127.0.0.1` (API.md §2.1). It answers exactly one `GET` on the
//! redirect path: checks `state` in constant time, shows the browser a small
//! page, hands back the code (or an error for an `error=` answer to our own
//! request, a missing code or a timeout) and closes. A callback whose `state`
//! does not match gets a 400 and does NOT end the wait: any web page can make
//! the browser request `localhost`, and it must not be able to abort the
//! streamer's login. Other paths (a browser's `/favicon.ico`) get a 404.
//!
//! Hardening: at most [`MAX_READERS`] connections are read at once (more are
//! dropped), each must send its request head within [`HEAD_TIMEOUT`] and in
//! [`MAX_HEAD`] bytes, and accept errors (e.g. out of file descriptors) back
//! off instead of spinning.
//!
//! [`LoopbackListener::login`] runs the whole desktop flow: build the
//! authorize URL, let the caller open it, wait, exchange the code.

use crate::error::{Error, Result};
use crate::oauth::OAuthClient;
use crate::token::TokenSet;
use kickstand_secret::Secret;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};

/// Kickstand's default loopback port (matches the fake's default redirect URI).
pub const DEFAULT_PORT: u16 = 53682;
/// Kickstand's default redirect path.
pub const DEFAULT_PATH: &str = "/callback";

/// Longest request head we read from the browser.
const MAX_HEAD: usize = 16 * 1024;
/// How long one connection may take to send its request head. Browsers open
/// speculative connections that send nothing; those must not block the wait.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections whose request head is being read at the same time.
pub const MAX_READERS: usize = 16;
/// Pause after a failed `accept` (EMFILE and friends) before the next one.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// `http://localhost:<port><path>`: the redirect URI to register at Kick.
pub fn redirect_uri_for(port: u16, path: &str) -> String {
    format!("http://localhost:{port}{path}")
}

/// A bound, not yet answered loopback listener.
#[derive(Debug)]
pub struct LoopbackListener {
    v4: TcpListener,
    v6: Option<TcpListener>,
    port: u16,
    path: String,
}

impl LoopbackListener {
    /// Binds `127.0.0.1:<port>` (0 = any free port, for tests) and, if
    /// possible, `[::1]` on the same port. `path` is the redirect path,
    /// e.g. `/callback`.
    pub async fn bind(port: u16, path: &str) -> Result<Self> {
        if !path.starts_with('/') {
            return Err(Error::validation("redirect path", "must start with '/'"));
        }
        let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|e| Error::OAuth {
                operation: "login",
                status: None,
                message: format!(
                    "could not listen on 127.0.0.1:{port} for Kick's redirect ({e}); \
                     is another Kickstand or program using that port?"
                ),
            })?;
        let port = v4.local_addr().map_err(io_err)?.port();
        // Browsers may resolve `localhost` to ::1. If another program holds
        // [::1]:port, the browser's redirect (and the code) could reach it
        // instead of us: refuse to start. No IPv6 at all is fine.
        let v6 = match TcpListener::bind((Ipv6Addr::LOCALHOST, port)).await {
            Ok(l) => Some(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(Error::OAuth {
                    operation: "login",
                    status: None,
                    message: format!(
                        "could not listen on [::1]:{port} for Kick's redirect: another program \
                         is using that port; close it or choose another port"
                    ),
                })
            }
            Err(_) => None,
        };
        Ok(LoopbackListener {
            v4,
            v6,
            port,
            path: path.to_owned(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// `http://localhost:<port><path>`.
    pub fn redirect_uri(&self) -> String {
        redirect_uri_for(self.port, &self.path)
    }

    /// Waits for the one redirect of the browser and returns its `code`.
    /// Consumes the listener: the port is closed when this returns.
    pub async fn wait_for_code(self, expected_state: &Secret, timeout: Duration) -> Result<Secret> {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let (tx, mut rx) = mpsc::channel::<(String, String, TcpStream)>(8);
        let readers = Arc::new(Semaphore::new(MAX_READERS));
        loop {
            tokio::select! {
                _ = &mut deadline => {
                    return Err(login_error(format!(
                        "timed out after {}s waiting for the browser to come back from Kick",
                        timeout.as_secs()
                    )));
                }
                accepted = self.v4.accept() => {
                    if !spawn_reader(accepted, &tx, &readers) {
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                }
                accepted = accept_opt(self.v6.as_ref()) => {
                    if !spawn_reader(accepted, &tx, &readers) {
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                }
                Some((method, target, mut stream)) = rx.recv() => {
                    let (path, query) = match target.split_once('?') {
                        Some((p, q)) => (p, q),
                        None => (target.as_str(), ""),
                    };
                    if path != self.path {
                        let _ = respond(&mut stream, "404 Not Found", &page("Not found", "Nothing here.", false)).await;
                        continue;
                    }
                    if method != "GET" {
                        let _ = respond(&mut stream, "405 Method Not Allowed", &page("Not allowed", "Only GET.", false)).await;
                        continue;
                    }
                    let outcome = check_callback(query, expected_state);
                    if let Err(Refused::NotOurs(reason)) = &outcome {
                        // Not the answer to this login (another page, a stale
                        // tab): refuse it and keep waiting for the right one.
                        let html = page("Login failed", &format!("{reason}. This page was not the answer to Kickstand's current login; you can close this tab."), false);
                        let _ = respond(&mut stream, "400 Bad Request", &html).await;
                        continue;
                    }
                    let outcome = outcome.map_err(|r| match r { Refused::Ours(m) | Refused::NotOurs(m) => m });
                    let (status, html) = match &outcome {
                        Ok(_) => ("200 OK", page(
                            "Logged in to Kick",
                            "Kickstand is now connected to your Kick account. You can close this tab.",
                            true,
                        )),
                        Err(reason) => ("400 Bad Request", page(
                            "Login failed",
                            &format!("{reason}. Go back to Kickstand and try again. You can close this tab."),
                            false,
                        )),
                    };
                    let _ = respond(&mut stream, status, &html).await;
                    return outcome.map_err(login_error);
                }
            }
        }
    }

    /// The whole browser login on this listener: builds the authorize URL for
    /// `oauth` (whose redirect URI is set to this listener's), calls
    /// `open_url` with it, waits for the callback, exchanges the code.
    pub async fn login(
        self,
        oauth: &OAuthClient,
        scopes: &[&str],
        timeout: Duration,
        open_url: impl FnOnce(&str),
    ) -> Result<TokenSet> {
        let oauth = oauth.clone().with_redirect_uri(self.redirect_uri());
        let request = oauth.authorize_url(scopes)?;
        open_url(&request.url);
        let code = self.wait_for_code(&request.state, timeout).await?;
        oauth
            .exchange_code(code.expose(), &request.pkce_verifier)
            .await
    }
}

fn io_err(e: std::io::Error) -> Error {
    login_error(format!("loopback listener: {e}"))
}

fn login_error(message: String) -> Error {
    Error::OAuth {
        operation: "login",
        status: None,
        message,
    }
}

async fn accept_opt(l: Option<&TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match l {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

/// Reads the request head of one connection on its own task and passes
/// `(method, target, stream)` on, so a silent connection cannot block others.
/// Returns false when `accept` itself failed (the caller backs off).
fn spawn_reader(
    accepted: std::io::Result<(TcpStream, SocketAddr)>,
    tx: &mpsc::Sender<(String, String, TcpStream)>,
    readers: &Arc<Semaphore>,
) -> bool {
    let Ok((mut stream, _)) = accepted else {
        return false;
    };
    // Too many connections being read at once: drop this one.
    let Ok(permit) = readers.clone().try_acquire_owned() else {
        return true;
    };
    let tx = tx.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let head = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await;
        match head {
            Ok(Some((method, target))) => {
                let _ = tx.send((method, target, stream)).await;
            }
            _ => {
                let _ = respond(
                    &mut stream,
                    "400 Bad Request",
                    &page("Bad request", "", false),
                )
                .await;
            }
        }
    });
    true
}

/// Reads up to the end of the request head; returns method and target.
async fn read_head(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
    }
    parse_head(&buf)
}

/// Parses an HTTP/1 request head (`METHOD target HTTP/x`); `None` for
/// anything else. Pure, so it can be fuzzed.
pub fn parse_head(buf: &[u8]) -> Option<(String, String)> {
    if buf.len() > MAX_HEAD + 1024 {
        return None;
    }
    let head = std::str::from_utf8(buf).ok()?;
    let line = head.lines().next()?;
    let mut parts = line.split(' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    parts
        .next()?
        .starts_with("HTTP/")
        .then_some((method, target))
}

/// Why a callback was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The answer to this login: it ends the wait (denied, no code).
    Ours(String),
    /// Not the answer to this login (wrong or missing `state`).
    NotOurs(String),
}

/// Checks the callback's query: `error`, then `state`, then `code`.
pub fn check_callback(
    query: &str,
    expected_state: &Secret,
) -> std::result::Result<Secret, Refused> {
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = Some(v.into_owned()),
            _ => {}
        }
    }
    let state_ok = state
        .as_deref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(expected_state.expose().as_bytes())));
    if let Some(error) = error {
        // Show Kick's error only for our own request (a forged `error=` from
        // another page must not choose the message); it is never a secret.
        let error: String = error
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        return Err(match (state_ok, error.as_str(), description) {
            (true, "access_denied", _) => {
                Refused::Ours("Kick login was cancelled (access denied)".to_owned())
            }
            (true, e, Some(d)) if !d.is_empty() => {
                let d: String = d.chars().filter(|c| !c.is_control()).take(200).collect();
                Refused::Ours(format!("Kick refused the login: {e}: {d}"))
            }
            (true, e, _) => Refused::Ours(format!("Kick refused the login: {e}")),
            (false, _, _) => Refused::NotOurs(STATE_MISMATCH.to_owned()),
        });
    }
    if !state_ok {
        return Err(Refused::NotOurs(STATE_MISMATCH.to_owned()));
    }
    match code {
        Some(c) if !c.is_empty() => Ok(Secret::new(c)),
        _ => Err(Refused::Ours(
            "Kick's answer had no authorization code".to_owned(),
        )),
    }
}

const STATE_MISMATCH: &str = "the login answer did not match this login attempt (state mismatch)";

async fn respond(stream: &mut TcpStream, status: &str, html: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\nConnection: close\r\n\r\n",
        html.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(html.as_bytes()).await?;
    stream.flush().await?;
    let _ = stream.shutdown().await;
    Ok(())
}

fn page(title: &str, text: &str, ok: bool) -> String {
    let accent = if ok { "#53fc18" } else { "#ff5c5c" };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} · Kickstand</title>\
         <style>body{{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;\
         background:#0b0e0f;color:#e8eaeb;font:16px/1.5 system-ui,sans-serif}}\
         main{{max-width:28rem;padding:2rem;border-radius:12px;background:#171c1e;border-top:4px solid {accent}}}\
         h1{{margin:0 0 .5rem;font-size:1.3rem}}</style></head>\
         <body><main><h1>{t}</h1><p>{x}</p></main></body></html>",
        t = escape_html(title),
        x = escape_html(text),
    )
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_checks() {
        let st = Secret::new("expected-state-value");
        assert_eq!(
            check_callback("code=abc&state=expected-state-value", &st)
                .unwrap()
                .expose(),
            "abc"
        );
        let msg = |r: std::result::Result<Secret, Refused>| match r.unwrap_err() {
            Refused::Ours(m) => format!("ours: {m}"),
            Refused::NotOurs(m) => format!("not ours: {m}"),
        };
        assert!(msg(check_callback("code=abc&state=other", &st)).starts_with("not ours: "));
        assert!(msg(check_callback("code=abc&state=other", &st)).contains("state mismatch"));
        assert!(msg(check_callback("code=abc", &st)).contains("state mismatch"));
        assert!(msg(check_callback("state=expected-state-value", &st))
            .contains("ours: Kick's answer had no authorization code"));
        assert!(msg(check_callback(
            "error=access_denied&state=expected-state-value",
            &st
        ))
        .contains("cancelled"));
        assert!(msg(check_callback("error=access_denied&state=x", &st)).starts_with("not ours: "));
    }

    #[test]
    fn request_heads() {
        assert_eq!(
            parse_head(b"GET /callback?code=1 HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some(("GET".into(), "/callback?code=1".into()))
        );
        assert_eq!(parse_head(b"GET /x\r\n\r\n"), None);
        assert_eq!(parse_head(b"\xff\xfe"), None);
        assert_eq!(parse_head(b""), None);
    }

    #[test]
    fn loopback_uris() {
        assert_eq!(redirect_uri_for(1234, "/cb"), "http://localhost:1234/cb");
    }

    #[test]
    fn pages_escape() {
        assert!(page("<x>", "a&b", false).contains("&lt;x&gt;"));
        assert!(page("<x>", "a&b", false).contains("a&amp;b"));
    }
}
