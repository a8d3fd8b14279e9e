//! One connection to obs-websocket v5: connect, greet, authenticate, then
//! requests (matched to responses by id) and typed events. A reader task owns
//! the socket's read half; the write half sits behind an async mutex.
//!
//! Nothing here logs a frame, a request's data or a response's data: a frame
//! may carry the stream key. Logs name request types, status codes and
//! connection stages only.

use crate::error::{scrub, ObsError, Stage};
use crate::protocol::{self, close_code, event_subscription, Incoming, Response, RPC_VERSION};
use crate::types::{KickIngest, ObsEvent, SceneList, ServerInfo, StreamService, StreamStatus};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use kickstand_secret::Secret;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;
use zeroize::Zeroize;

/// `127.0.0.1`, not `localhost`: `localhost` may resolve to `::1` first, and
/// users of other OBS tools report being refused there.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// obs-websocket 5's default port (4.x used 4444).
pub const DEFAULT_PORT: u16 = 4455;

/// Where OBS's WebSocket server is and how to log in. `Debug` redacts the password.
#[derive(Clone, Debug)]
pub struct ObsConfig {
    pub host: String,
    pub port: u16,
    /// OBS → Tools → WebSocket Server Settings → Show Connect Info. `None` or
    /// empty when authentication is off in OBS.
    pub password: Option<Secret>,
    /// For the TCP connection and for the WebSocket upgrade, each.
    pub connect_timeout: Duration,
    /// For OBS's `Hello` and for the answer to `Identify`, each.
    pub hello_timeout: Duration,
    pub request_timeout: Duration,
}

impl Default for ObsConfig {
    fn default() -> Self {
        ObsConfig {
            host: DEFAULT_HOST.to_owned(),
            port: DEFAULT_PORT,
            password: None,
            connect_timeout: Duration::from_secs(3),
            hello_timeout: Duration::from_secs(4),
            request_timeout: Duration::from_secs(10),
        }
    }
}

impl ObsConfig {
    pub fn new(host: impl Into<String>, port: u16, password: Option<Secret>) -> Self {
        ObsConfig {
            host: host.into(),
            port,
            password,
            ..ObsConfig::default()
        }
    }

    fn host(&self) -> &str {
        self.host
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
    }

    /// `host:port`, IPv6 literals in brackets.
    pub fn addr(&self) -> String {
        let h = self.host();
        if h.contains(':') {
            format!("[{h}]:{}", self.port)
        } else {
            format!("{h}:{}", self.port)
        }
    }

    fn is_loopback(&self) -> bool {
        let h = self.host();
        h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    fn validate(&self) -> Result<(), ObsError> {
        let h = self.host();
        if h.is_empty() {
            return Err(ObsError::InvalidInput(
                "Enter the address of the computer OBS runs on (127.0.0.1 for this one).".into(),
            ));
        }
        if h.contains('/') || h.contains(' ') {
            return Err(ObsError::InvalidInput(
                "The OBS address is a host name or IP address only, like 127.0.0.1 (no ws://, no path).".into(),
            ));
        }
        if self.port == 0 {
            return Err(ObsError::InvalidInput(
                "The OBS WebSocket port must be between 1 and 65535 (OBS's default is 4455)."
                    .into(),
            ));
        }
        Ok(())
    }
}

/// How a connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseInfo {
    /// The WebSocket close code, when OBS sent one (4011 = kicked).
    pub code: Option<u16>,
    pub reason: String,
}

type Ws = WebSocketStream<TcpStream>;

/// A live, identified connection. Cheap to clone; the connection closes when
/// the last clone is dropped (or on [`ObsClient::close`]).
#[derive(Clone)]
pub struct ObsClient {
    inner: Arc<Inner>,
}

struct Inner {
    addr: String,
    info: ServerInfo,
    sink: tokio::sync::Mutex<SplitSink<Ws, Message>>,
    pending: Arc<Mutex<HashMap<String, oneshot::Sender<Response>>>>,
    next_id: AtomicU64,
    closed: watch::Receiver<Option<CloseInfo>>,
    request_timeout: Duration,
    /// Dropped with the last clone: stops the reader, which drops the socket.
    _stop_reader: oneshot::Sender<()>,
}

impl std::fmt::Debug for ObsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObsClient")
            .field("addr", &self.inner.addr)
            .field("info", &self.inner.info)
            .finish()
    }
}

fn ws_config() -> WebSocketConfig {
    // Scene lists and status answers are small; keep reads modest.
    WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .max_message_size(Some(16 << 20))
}

impl ObsClient {
    /// Connects, waits for `Hello`, authenticates and identifies (subscribing
    /// to general, scene and output events). Events arrive on the receiver
    /// until the connection ends.
    pub async fn connect(
        cfg: &ObsConfig,
    ) -> Result<(ObsClient, mpsc::Receiver<ObsEvent>), ObsError> {
        cfg.validate()?;
        let addr = cfg.addr();
        tracing::debug!(%addr, "connecting to OBS");
        let tcp = match timeout(
            cfg.connect_timeout,
            TcpStream::connect((cfg.host(), cfg.port)),
        )
        .await
        {
            Err(_) => {
                return Err(ObsError::Timeout {
                    stage: Stage::Connect,
                })
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return Err(refused(cfg))
            }
            Ok(Err(e)) => {
                return Err(ObsError::Network {
                    addr,
                    detail: e.to_string(),
                })
            }
            Ok(Ok(s)) => s,
        };
        let _ = tcp.set_nodelay(true);
        let url = format!("ws://{addr}");
        let ws = match timeout(
            cfg.connect_timeout,
            tokio_tungstenite::client_async_with_config(url, tcp, Some(ws_config())),
        )
        .await
        {
            Err(_) => {
                return Err(ObsError::Timeout {
                    stage: Stage::Handshake,
                })
            }
            Ok(Err(e)) => return Err(handshake_error(e, &addr)),
            Ok(Ok((ws, _response))) => ws,
        };
        let (mut sink, mut stream) = ws.split();

        let hello = await_hello(&mut sink, &mut stream, cfg, &addr).await?;
        let mut auth = match (&hello.authentication, &cfg.password) {
            (None, _) => None,
            (Some(_), None) => return Err(ObsError::PasswordRequired),
            (Some(_), Some(pw)) if pw.is_empty() => return Err(ObsError::PasswordRequired),
            (Some(ch), Some(pw)) => {
                Some(protocol::auth_string(pw.expose(), &ch.salt, &ch.challenge))
            }
        };
        let identify = protocol::identify(auth.as_deref(), event_subscription::KICKSTAND);
        if let Some(a) = auth.as_mut() {
            a.zeroize();
        }
        sink.send(Message::text(identify))
            .await
            .map_err(|e| io_error(e, &addr))?;
        await_identified(
            &mut stream,
            cfg,
            hello.authentication.is_some(),
            hello.rpc_version,
        )
        .await?;

        let info = ServerInfo {
            obs_websocket_version: hello.obs_web_socket_version,
            obs_studio_version: hello.obs_studio_version,
            rpc_version: RPC_VERSION,
        };
        tracing::info!(%addr, websocket = %info.obs_websocket_version, "connected to OBS");
        let pending: Arc<Mutex<HashMap<String, oneshot::Sender<Response>>>> = Default::default();
        let (events_tx, events_rx) = mpsc::channel(256);
        let (closed_tx, closed_rx) = watch::channel(None);
        let (stop_tx, stop_rx) = oneshot::channel();
        tokio::spawn(read_loop(
            stream,
            pending.clone(),
            events_tx,
            closed_tx,
            stop_rx,
        ));
        Ok((
            ObsClient {
                inner: Arc::new(Inner {
                    addr,
                    info,
                    sink: tokio::sync::Mutex::new(sink),
                    pending,
                    next_id: AtomicU64::new(1),
                    closed: closed_rx,
                    request_timeout: cfg.request_timeout,
                    _stop_reader: stop_tx,
                }),
            },
            events_rx,
        ))
    }

    pub fn info(&self) -> &ServerInfo {
        &self.inner.info
    }

    pub fn is_closed(&self) -> bool {
        self.inner.closed.borrow().is_some()
    }

    /// Waits until the connection ends and says how.
    pub async fn closed(&self) -> CloseInfo {
        let mut rx = self.inner.closed.clone();
        loop {
            if let Some(c) = rx.borrow_and_update().clone() {
                return c;
            }
            if rx.changed().await.is_err() {
                return CloseInfo {
                    code: None,
                    reason: "reader ended".into(),
                };
            }
        }
    }

    /// Closes the connection politely (a close frame, code 1000).
    pub async fn close(&self) {
        let mut sink = self.inner.sink.lock().await;
        let _ = timeout(Duration::from_secs(1), sink.close()).await;
    }

    /// Sends a request and returns its `responseData` (`Null` when none).
    /// Do not pass secrets through here: use the typed methods, which scrub
    /// OBS's error comments of the values they sent.
    pub async fn request(
        &self,
        request_type: &str,
        data: Option<Value>,
    ) -> Result<Value, ObsError> {
        self.request_scrubbed(request_type, data, &[]).await
    }

    async fn request_scrubbed(
        &self,
        request_type: &str,
        data: Option<Value>,
        secrets: &[&str],
    ) -> Result<Value, ObsError> {
        if self.is_closed() {
            return Err(ObsError::ConnectionLost);
        }
        let id = format!("ks-{}", self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = oneshot::channel();
        self.inner.pending.lock().unwrap().insert(id.clone(), tx);
        let forget = || {
            self.inner.pending.lock().unwrap().remove(&id);
        };
        let frame = protocol::request(request_type, &id, data);
        let t = self.inner.request_timeout;
        let sent = timeout(t, async {
            self.inner
                .sink
                .lock()
                .await
                .send(Message::text(frame))
                .await
        })
        .await;
        match sent {
            Err(_) => {
                forget();
                return Err(ObsError::Timeout {
                    stage: Stage::Request(request_type.to_owned()),
                });
            }
            Ok(Err(_)) => {
                forget();
                return Err(ObsError::ConnectionLost);
            }
            Ok(Ok(())) => {}
        }
        let resp = match timeout(t, rx).await {
            Err(_) => {
                forget();
                return Err(ObsError::Timeout {
                    stage: Stage::Request(request_type.to_owned()),
                });
            }
            Ok(Err(_)) => return Err(ObsError::ConnectionLost),
            Ok(Ok(r)) => r,
        };
        if resp.status.result {
            Ok(resp.data)
        } else {
            tracing::debug!(
                request = request_type,
                code = resp.status.code,
                "OBS refused a request"
            );
            Err(ObsError::Refused {
                request: request_type.to_owned(),
                code: resp.status.code,
                comment: resp.status.comment.map(|c| scrub(&c, secrets)),
            })
        }
    }

    pub async fn get_stream_status(&self) -> Result<StreamStatus, ObsError> {
        let d = self.request("GetStreamStatus", None).await?;
        Ok(StreamStatus::from_response(&d))
    }

    /// `StartStream`: OBS starts connecting; watch `StreamStateChanged`.
    pub async fn start_stream(&self) -> Result<(), ObsError> {
        self.request("StartStream", None).await.map(drop)
    }

    /// `StopStream`: OBS starts stopping; watch `StreamStateChanged`.
    pub async fn stop_stream(&self) -> Result<(), ObsError> {
        self.request("StopStream", None).await.map(drop)
    }

    /// `GetStreamServiceSettings`, with the server and key moved into secrets.
    pub async fn get_stream_service_settings(&self) -> Result<StreamService, ObsError> {
        let d = self.request("GetStreamServiceSettings", None).await?;
        Ok(StreamService::from_response(d))
    }

    /// `SetStreamServiceSettings` to a custom RTMP server with this URL and
    /// key (`use_auth` off: Kick's ingest takes no RTMP username/password).
    /// OBS refuses while an output is active (`OutputRunning`, 500).
    pub async fn set_stream_service_settings(&self, ingest: &KickIngest) -> Result<(), ObsError> {
        let data = json!({
            "streamServiceType": crate::types::RTMP_CUSTOM,
            "streamServiceSettings": {
                "server": ingest.server.expose(),
                "key": ingest.key.expose(),
                "use_auth": false,
            }
        });
        self.request_scrubbed(
            "SetStreamServiceSettings",
            Some(data),
            &[ingest.key.expose(), ingest.server.expose()],
        )
        .await
        .map(drop)
    }

    /// `GetSceneList`, in the Scenes dock's order.
    pub async fn get_scene_list(&self) -> Result<SceneList, ObsError> {
        let d = self.request("GetSceneList", None).await?;
        Ok(SceneList::from_response(&d))
    }

    pub async fn set_current_program_scene(&self, scene: &str) -> Result<(), ObsError> {
        self.request("SetCurrentProgramScene", Some(json!({"sceneName": scene})))
            .await
            .map(drop)
    }

    pub async fn create_scene(&self, scene: &str) -> Result<(), ObsError> {
        self.request("CreateScene", Some(json!({"sceneName": scene})))
            .await
            .map(drop)
    }
}

/// Nothing listens on the port. On this machine, tell "OBS not running" from
/// "OBS running with its server off" by looking for an OBS process.
fn refused(cfg: &ObsConfig) -> ObsError {
    if cfg.is_loopback() && crate::process::obs_process_running() == Some(true) {
        ObsError::ServerOff { port: cfg.port }
    } else {
        ObsError::NotRunning { addr: cfg.addr() }
    }
}

fn handshake_error(e: tungstenite::Error, addr: &str) -> ObsError {
    match e {
        tungstenite::Error::Http(resp) => ObsError::NotObsWebSocket {
            addr: addr.to_owned(),
            detail: format!("it answered HTTP {}", resp.status()),
        },
        tungstenite::Error::Io(e) => ObsError::Network {
            addr: addr.to_owned(),
            detail: e.to_string(),
        },
        tungstenite::Error::Protocol(p) => ObsError::NotObsWebSocket {
            addr: addr.to_owned(),
            detail: format!("the WebSocket upgrade failed: {p}"),
        },
        other => ObsError::NotObsWebSocket {
            addr: addr.to_owned(),
            detail: other.to_string(),
        },
    }
}

fn io_error(e: tungstenite::Error, addr: &str) -> ObsError {
    match e {
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            ObsError::ConnectionLost
        }
        other => ObsError::Network {
            addr: addr.to_owned(),
            detail: other.to_string(),
        },
    }
}

/// What the first message(s) of the peer say about it.
enum First {
    Text(String),
    Closed(Option<u16>, String),
    Binary,
    Ended,
}

async fn next_message(stream: &mut SplitStream<Ws>) -> Result<First, tungstenite::Error> {
    loop {
        return Ok(match stream.next().await {
            None => First::Ended,
            Some(Err(e)) => return Err(e),
            Some(Ok(Message::Text(t))) => First::Text(t.as_str().to_owned()),
            Some(Ok(Message::Binary(_))) => First::Binary,
            Some(Ok(Message::Close(f))) => match f {
                Some(f) => First::Closed(Some(u16::from(f.code)), f.reason.as_str().to_owned()),
                None => First::Closed(None, String::new()),
            },
            Some(Ok(_)) => continue, // ping / pong / raw frame
        });
    }
}

/// Waits for `Hello`. A v5 server greets at once; a 4.x server stays silent
/// (it waits for requests), so after half the time we ask it its version the
/// 4.x way, which a 4.x server answers.
async fn await_hello(
    sink: &mut SplitSink<Ws, Message>,
    stream: &mut SplitStream<Ws>,
    cfg: &ObsConfig,
    addr: &str,
) -> Result<protocol::Hello, ObsError> {
    let first_wait = cfg.hello_timeout / 2;
    let first = match timeout(first_wait, next_message(stream)).await {
        Ok(m) => m,
        Err(_) => {
            tracing::debug!(%addr, "no Hello yet; probing for obs-websocket 4");
            sink.send(Message::text(protocol::v4_probe()))
                .await
                .map_err(|e| io_error(e, addr))?;
            match timeout(cfg.hello_timeout - first_wait, next_message(stream)).await {
                Ok(m) => m,
                Err(_) => {
                    return Err(ObsError::Timeout {
                        stage: Stage::Hello,
                    })
                }
            }
        }
    };
    let not_obs = |detail: &str| ObsError::NotObsWebSocket {
        addr: addr.to_owned(),
        detail: detail.to_owned(),
    };
    match first.map_err(|e| io_error(e, addr))? {
        First::Text(t) => match Incoming::parse(&t) {
            Ok(Incoming::Hello(h)) => Ok(h),
            Ok(Incoming::V4 { version }) => Err(ObsError::OldProtocol { version }),
            Ok(_) => Err(not_obs("it did not greet the way obs-websocket 5 does")),
            Err(_) => Err(not_obs("it sent a message obs-websocket would not send")),
        },
        First::Binary => Err(not_obs("it sent binary data instead of a greeting")),
        First::Closed(code, reason) => Err(close_error(code, &reason, false, 0)),
        First::Ended => Err(ObsError::ConnectionLost),
    }
}

async fn await_identified(
    stream: &mut SplitStream<Ws>,
    cfg: &ObsConfig,
    sent_auth: bool,
    server_rpc: u32,
) -> Result<(), ObsError> {
    let deadline = tokio::time::Instant::now() + cfg.hello_timeout;
    loop {
        let m = match tokio::time::timeout_at(deadline, next_message(stream)).await {
            Err(_) => {
                return Err(ObsError::Timeout {
                    stage: Stage::Identify,
                })
            }
            Ok(Err(_)) => return Err(ObsError::ConnectionLost),
            Ok(Ok(m)) => m,
        };
        match m {
            First::Text(t) => {
                if let Ok(Incoming::Identified { .. }) = Incoming::parse(&t) {
                    return Ok(());
                }
            }
            First::Closed(code, reason) => {
                return Err(close_error(code, &reason, sent_auth, server_rpc))
            }
            First::Ended => return Err(ObsError::ConnectionLost),
            First::Binary => {}
        }
    }
}

/// A close by the server before we were identified.
fn close_error(code: Option<u16>, reason: &str, sent_auth: bool, server_rpc: u32) -> ObsError {
    match code {
        Some(close_code::AUTHENTICATION_FAILED) if sent_auth => ObsError::WrongPassword,
        Some(close_code::AUTHENTICATION_FAILED) => ObsError::PasswordRequired,
        Some(close_code::UNSUPPORTED_RPC_VERSION) => {
            ObsError::UnsupportedRpcVersion { server: server_rpc }
        }
        Some(close_code::SESSION_INVALIDATED) => ObsError::Kicked,
        Some(c) => ObsError::Protocol {
            detail: if reason.is_empty() {
                format!("OBS closed the connection with code {c}")
            } else {
                format!("OBS closed the connection with code {c}: {reason}")
            },
        },
        None => ObsError::ConnectionLost,
    }
}

async fn read_loop(
    mut stream: SplitStream<Ws>,
    pending: Arc<Mutex<HashMap<String, oneshot::Sender<Response>>>>,
    events: mpsc::Sender<ObsEvent>,
    closed: watch::Sender<Option<CloseInfo>>,
    mut stop: oneshot::Receiver<()>,
) {
    let info = loop {
        let msg = tokio::select! {
            m = stream.next() => m,
            _ = &mut stop => break CloseInfo { code: None, reason: "closed by Kickstand".into() },
        };
        match msg {
            Some(Ok(Message::Text(t))) => match Incoming::parse(t.as_str()) {
                Ok(Incoming::Response(r)) => {
                    let waiter = pending.lock().unwrap().remove(&r.request_id);
                    if let Some(tx) = waiter {
                        let _ = tx.send(r);
                    }
                }
                Ok(Incoming::Event(e)) => {
                    let ev = ObsEvent::from_raw(&e);
                    if events.try_send(ev).is_err() && !events.is_closed() {
                        tracing::warn!(event = %e.event_type, "OBS event dropped: its listener is behind");
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "unreadable message from OBS"),
            },
            Some(Ok(Message::Close(f))) => {
                break CloseInfo {
                    code: f.as_ref().map(|f| u16::from(f.code)),
                    reason: f.map(|f| f.reason.as_str().to_owned()).unwrap_or_default(),
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                break CloseInfo {
                    code: None,
                    reason: e.to_string(),
                }
            }
            None => {
                break CloseInfo {
                    code: None,
                    reason: "connection ended".into(),
                }
            }
        }
    };
    tracing::debug!(code = ?info.code, reason = %info.reason, "OBS connection ended");
    // Waiting requests see ConnectionLost.
    pending.lock().unwrap().clear();
    let _ = closed.send(Some(info));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_addresses() {
        let c = ObsConfig::default();
        assert_eq!(c.addr(), "127.0.0.1:4455");
        assert!(c.is_loopback());
        let c = ObsConfig::new("::1", 4455, None);
        assert_eq!(c.addr(), "[::1]:4455");
        assert!(c.is_loopback());
        let c = ObsConfig::new("[::1]", 4455, None);
        assert_eq!(c.addr(), "[::1]:4455");
        assert!(ObsConfig::new("localhost", 1, None).is_loopback());
        assert!(!ObsConfig::new("192.168.1.20", 1, None).is_loopback());
        assert!(ObsConfig::new("ws://127.0.0.1", 4455, None)
            .validate()
            .is_err());
        assert!(ObsConfig::new("", 4455, None).validate().is_err());
        assert!(ObsConfig::new("127.0.0.1", 0, None).validate().is_err());
    }

    #[test]
    fn config_debug_redacts_the_password() {
        let c = ObsConfig::new("127.0.0.1", 4455, Some(Secret::new("hunter2-obs")));
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn close_codes_before_identified() {
        assert_eq!(
            close_error(Some(4009), "", true, 1),
            ObsError::WrongPassword
        );
        assert_eq!(
            close_error(Some(4009), "", false, 1),
            ObsError::PasswordRequired
        );
        assert_eq!(close_error(Some(4011), "", true, 1), ObsError::Kicked);
        assert_eq!(
            close_error(Some(4010), "", true, 2),
            ObsError::UnsupportedRpcVersion { server: 2 }
        );
        assert_eq!(close_error(None, "", true, 1), ObsError::ConnectionLost);
    }
}
