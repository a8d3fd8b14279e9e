//! The chat client: one tokio task that negotiates the transport with Kick
//! (REALTIME.md §b), runs one socket — Centrifugo (§c) or Pusher
//! (PUSHER.md §2) — subscribes every channel of the chat room, keeps the
//! connection alive, and reconnects per the close-code policy, forever while
//! running. Events go out typed and deduplicated through a bounded channel;
//! the reading task never waits on the UI for long.

use crate::centrifugo::{self as cf, Address, CloseAction, Incoming, PushBody, ReplyBody};
use crate::event::{ChatEvent, ConnectionState, Kick};
use crate::fast;
use crate::filter::{Filter, Verdict};
use crate::negotiate::{
    Descriptor, HostRule, HttpFailure, Negotiator, Offer, PusherCreds, RealtimeToken, Transport,
    TransportChoice,
};
use crate::protocol::{self, close_policy, ClosePolicy, RawFrame};
use crate::wire::Payload;
use futures::{SinkExt, StreamExt};
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Kick's web host, where the realtime negotiation lives.
pub const KICK_WEB_BASE: &str = "https://web.kick.com";
/// The Origin kick.com's own client sends; Kick's Centrifugo accepts this
/// or none, and refuses any other with HTTP 403 (§c.1).
pub const KICK_ORIGIN: &str = "https://kick.com";
/// Pusher's socket URL for a key and cluster from the descriptor (§e).
pub const PUSHER_URL_TEMPLATE: &str =
    "wss://ws-{cluster}.pusher.com/app/{key}?protocol=7&client=js&version=8.4.0&flash=false";

/// The Pusher socket URL for a cluster and app key, as kick.com builds it.
pub fn pusher_url(cluster: &str, key: &str) -> String {
    PusherCreds {
        app_key: key.into(),
        cluster: cluster.into(),
    }
    .url(PUSHER_URL_TEMPLATE)
}

#[derive(Clone, Debug)]
pub struct ChatConfig {
    /// The chatroom id (differs from the channel id).
    pub chatroom_id: u64,
    /// The channel id: the per-channel chat descriptor and the `channel.*`
    /// channels (KICKs, goals, live/offline, …). `None` = global descriptor
    /// and chat room channels only.
    pub channel_id: Option<u64>,
    /// Where the realtime negotiation lives (Kick: `https://web.kick.com`).
    pub web_base: String,
    /// Which Centrifugo hosts a descriptor may name.
    pub realtime_hosts: HostRule,
    /// Auto (what Kick names), or force one transport.
    pub transport: TransportChoice,
    /// The Pusher URL for descriptor credentials: `{key}` and `{cluster}`.
    pub pusher_url_template: String,
    /// Pusher credentials when negotiation fails (Kick's old values), or
    /// `None` to keep retrying negotiation instead.
    pub pusher_fallback: Option<PusherCreds>,
    /// A fixed Pusher socket that skips negotiation (another Pusher host).
    /// A 4000–4099 refusal there stops the client: it is a settings problem.
    pub pusher_url: Option<String>,
    /// `Origin` on the socket and the realtime requests: `https://kick.com`
    /// or none.
    pub origin: Option<String>,
    /// TCP + TLS + WebSocket upgrade, and the Centrifugo connect reply.
    pub connect_timeout: Duration,
    /// Each realtime HTTP request.
    pub http_timeout: Duration,
    /// Reconnect backoff: first step and ceiling (jittered, doubling).
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The backoff starts over only after a connection stayed up this long
    /// (a server that accepts and drops at once is not retried every second).
    pub stable_after: Duration,
    /// Waits after terminal refusals in a row, then comes back as a new
    /// client with a fresh negotiation (kicksdk: 5, 10, 20, 30 min).
    pub terminal_backoff: Vec<Duration>,
    /// While on the Pusher fallback, ask Kick's descriptor again this often.
    pub renegotiate_every: Duration,
    /// Token failures in a row before the Pusher fallback is used.
    pub fallback_after: u32,
    /// Pusher: wait this long for a pong (or anything) after our ping.
    pub pong_timeout: Duration,
    /// Centrifugo: the socket is dead after the ping interval plus this.
    pub ping_margin: Duration,
    /// Centrifugo: refresh the token this long before its ttl runs out
    /// (never earlier than half the ttl).
    pub refresh_margin: Duration,
    /// Remember this many ids to drop repeats (see `filter`).
    pub dedupe: usize,
    /// Frames and messages larger than this are refused.
    pub max_message_size: usize,
}

impl ChatConfig {
    /// Real Kick: negotiated through `web.kick.com`, Origin kick.com.
    pub fn kick(chatroom_id: u64, channel_id: Option<u64>) -> Self {
        ChatConfig {
            chatroom_id,
            channel_id,
            web_base: KICK_WEB_BASE.into(),
            realtime_hosts: HostRule::Kick,
            transport: TransportChoice::Auto,
            pusher_url_template: PUSHER_URL_TEMPLATE.into(),
            pusher_fallback: Some(PusherCreds::kick()),
            pusher_url: None,
            origin: Some(KICK_ORIGIN.into()),
            connect_timeout: Duration::from_secs(10),
            http_timeout: Duration::from_secs(10),
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            stable_after: Duration::from_secs(30),
            terminal_backoff: [5, 10, 20, 30]
                .map(|m| Duration::from_secs(m * 60))
                .to_vec(),
            renegotiate_every: Duration::from_secs(30),
            fallback_after: 3,
            pong_timeout: Duration::from_secs(30),
            ping_margin: Duration::from_secs(10),
            refresh_margin: Duration::from_secs(15),
            dedupe: crate::filter::DEFAULT_WINDOW,
            max_message_size: 1 << 20,
        }
    }

    /// A local fake Kick: the same, with its web base and Pusher URL
    /// template, and Centrifugo URLs allowed on loopback hosts.
    pub fn local(
        web_base: &str,
        pusher_url_template: &str,
        chatroom_id: u64,
        channel_id: Option<u64>,
    ) -> Self {
        ChatConfig {
            web_base: web_base.into(),
            realtime_hosts: HostRule::for_web_base(web_base),
            pusher_url_template: pusher_url_template.into(),
            ..ChatConfig::kick(chatroom_id, channel_id)
        }
    }

    /// The chat messages' channel, the one that must be joined.
    pub fn chat_channel(&self) -> String {
        format!("chatrooms.{}.v2", self.chatroom_id)
    }

    /// Every channel of the chat room (REALTIME.md §d.1).
    pub fn channels(&self) -> Vec<String> {
        let c = self.chatroom_id;
        let mut v = vec![
            format!("chatrooms.{c}.v2"),
            format!("chatrooms.{c}"),
            format!("chatroom_{c}"),
        ];
        if let Some(s) = self.channel_id {
            v.push(format!("channel.{s}"));
            v.push(format!("channel_{s}"));
            // Not in the web client's 2026-10 capture; harmless if refused.
            v.push(format!("predictions-channel-{s}"));
        }
        v
    }
}

/// Counters for tests, the UI and benchmarks.
#[derive(Debug, Default)]
pub struct Stats {
    pub frames: AtomicU64,
    pub messages: AtomicU64,
    /// Events dropped as repeats (same id, same gift chunk).
    pub duplicates: AtomicU64,
    pub unknown_events: AtomicU64,
    /// Twins and legacy duplicates of events counted elsewhere.
    pub twins: AtomicU64,
    pub malformed: AtomicU64,
    /// Connections that reached the chat channel.
    pub connects: AtomicU64,
    /// Waits before a next try (any reason).
    pub reconnects: AtomicU64,
    /// Long waits after terminal refusals.
    pub terminal_waits: AtomicU64,
    pub negotiations: AtomicU64,
    pub refreshes: AtomicU64,
    pub refresh_failures: AtomicU64,
}

impl Stats {
    pub fn get(&self, c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// A running chat client. Dropping it stops the task.
pub struct ChatHandle {
    stop: watch::Sender<bool>,
    pub stats: Arc<Stats>,
}

impl ChatHandle {
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for ChatHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts the client. Events (including state changes) arrive on the receiver.
pub fn spawn(config: ChatConfig) -> (ChatHandle, mpsc::Receiver<ChatEvent>) {
    let (tx, rx) = mpsc::channel(8192);
    let (stop_tx, stop_rx) = watch::channel(false);
    let stats = Arc::new(Stats::default());
    tokio::spawn(run(config, tx, stop_rx, stats.clone()));
    (
        ChatHandle {
            stop: stop_tx,
            stats,
        },
        rx,
    )
}

/// A negotiated way to connect.
#[derive(Clone, Debug)]
enum Plan {
    Centrifugo {
        url: String,
        client_id: String,
        token: RealtimeToken,
    },
    Pusher {
        url: String,
        /// Why Kick's old values are used instead of a descriptor's.
        fallback: Option<String>,
        /// A fixed URL from the settings.
        fixed: bool,
    },
}

impl Plan {
    fn transport(&self) -> Transport {
        match self {
            Plan::Centrifugo { .. } => Transport::Centrifugo,
            Plan::Pusher { .. } => Transport::Pusher,
        }
    }
}

enum Negotiated {
    Go(Plan),
    /// A provider we do not implement: stop and say so.
    Stop(String),
    /// Back off and negotiate again.
    Retry(String),
    /// Refused again and again: wait long, come back as a new client.
    Terminal(String),
}

/// How one connection ended.
enum End {
    Stopped,
    /// A close frame or a Centrifugo `disconnect` push.
    Closed(Option<u16>, String),
    /// Network loss, timeouts.
    Dropped(String),
    /// What the server refused and how to go on.
    Refused(CloseAction, String),
    /// Renegotiation found what Kick names now.
    Switch(Plan),
}

/// What to do next (a pure decision, see `after_close`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Stop,
    /// Come back as a new client after a long wait.
    Terminal,
    /// Jittered backoff, at least this long.
    Backoff(Duration),
    /// At once (once in a row; then backoff).
    Immediately,
}

/// The close-code policy of each transport.
pub fn after_close(transport: Transport, fixed_url: bool, code: Option<u16>) -> Next {
    match transport {
        Transport::Pusher => match close_policy(code) {
            ClosePolicy::Stop if fixed_url => Next::Stop,
            ClosePolicy::Stop => Next::Terminal,
            ClosePolicy::Backoff => Next::Backoff(Duration::from_secs(1)),
            ClosePolicy::Immediately => Next::Immediately,
            ClosePolicy::Retry => Next::Backoff(Duration::ZERO),
        },
        Transport::Centrifugo => match cf::close_action(code) {
            CloseAction::Terminal => Next::Terminal,
            CloseAction::Reconnect | CloseAction::Transport => Next::Backoff(Duration::ZERO),
        },
    }
}

/// Jittered exponential backoff: base·2^(n−1), capped, ±25 %.
pub fn backoff(base: Duration, max: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(max);
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    capped.mul_f64(jitter).min(max)
}

/// When to refresh a token with `ttl` left: `margin` before, never earlier
/// than half the ttl.
pub fn refresh_delay(ttl: Duration, margin: Duration) -> Duration {
    ttl.saturating_sub(margin).max(ttl / 2)
}

/// "in 30 s", "in 5 min", "at once".
pub fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 0.05 {
        "at once".into()
    } else if s < 10.0 {
        format!("in {s:.1} s")
    } else if s < 120.0 {
        format!("in {} s", s.round())
    } else {
        format!("in {} min", (s / 60.0).round())
    }
}

fn descriptor_reason(f: &HttpFailure) -> String {
    match f {
        HttpFailure::Unreachable => "Kick's chat service is unreachable".into(),
        other => other.describe("chat service"),
    }
}

fn token_reason(f: &HttpFailure) -> String {
    match f {
        HttpFailure::Refused(s) => format!("Kick refused the chat token (HTTP {s})"),
        HttpFailure::Unreachable => "Kick's chat token service is unreachable".into(),
        HttpFailure::Malformed => "Kick sent a chat token Kickstand cannot use".into(),
        other => other.describe("chat token service"),
    }
}

fn fallback_or_retry(cfg: &ChatConfig, reason: String) -> Negotiated {
    match (&cfg.pusher_fallback, cfg.transport) {
        (Some(creds), TransportChoice::Auto | TransportChoice::Pusher) => {
            Negotiated::Go(Plan::Pusher {
                url: creds.url(&cfg.pusher_url_template),
                fallback: Some(reason),
                fixed: false,
            })
        }
        _ => Negotiated::Retry(reason),
    }
}

/// Negotiates a connection as a new client: global and chat descriptors
/// with one fresh client id, then (for Centrifugo) the token for that id —
/// all before any socket opens (§b.2, §c.1).
async fn negotiate(
    cfg: &ChatConfig,
    neg: &Negotiator,
    stats: &Stats,
    failures: &mut u32,
    refusals: &mut u32,
) -> Negotiated {
    if let Some(url) = &cfg.pusher_url {
        return Negotiated::Go(Plan::Pusher {
            url: url.clone(),
            fallback: None,
            fixed: true,
        });
    }
    bump(&stats.negotiations);
    let client_id = uuid::Uuid::new_v4().to_string();
    let global = neg.descriptor(&client_id, cfg.transport, None).await;
    let chat = match cfg.channel_id {
        Some(c) => Some(neg.descriptor(&client_id, cfg.transport, Some(c)).await),
        None => None,
    };
    // Each channel's chat lives on the region its chat descriptor names;
    // the global one stands in when the chat one fails.
    let desc = match (chat, global) {
        (Some(Ok(d @ Descriptor::Offers(_))), _) => Ok(d),
        (_, Ok(d @ Descriptor::Offers(_))) => Ok(d),
        (Some(Ok(d)), _) => Ok(d),
        (_, g) => g,
    };
    let offers = match desc {
        Err(f) => {
            if matches!(f, HttpFailure::Refused(_)) {
                *refusals += 1;
            }
            let reason = descriptor_reason(&f);
            if *refusals >= 5 {
                return Negotiated::Terminal(reason);
            }
            return fallback_or_retry(cfg, reason);
        }
        Ok(Descriptor::Unsupported(names)) => {
            let what = if names.is_empty() {
                "no chat transport at all".to_owned()
            } else {
                format!("chat only over {}", names.join(", "))
            };
            return Negotiated::Stop(format!(
                "Kick offers {what}, which this Kickstand does not support. Chat stays off until Kickstand is updated."
            ));
        }
        Ok(Descriptor::Invalid(why)) => {
            return fallback_or_retry(
                cfg,
                format!("Kick named a chat server Kickstand does not trust ({why})"),
            )
        }
        Ok(Descriptor::Offers(o)) => o,
    };
    let mut token_failure = None;
    for offer in offers {
        match offer {
            Offer::Centrifugo { url } => match neg.token(&client_id).await {
                Ok(token) => {
                    return Negotiated::Go(Plan::Centrifugo {
                        url,
                        client_id,
                        token,
                    })
                }
                Err(f) => token_failure = Some(f),
            },
            Offer::Pusher(creds) => {
                return Negotiated::Go(Plan::Pusher {
                    url: creds.url(&cfg.pusher_url_template),
                    fallback: token_failure.as_ref().map(token_reason),
                    fixed: false,
                })
            }
        }
    }
    let f = token_failure.unwrap_or(HttpFailure::Malformed);
    *failures += 1;
    if matches!(f, HttpFailure::Refused(_)) {
        *refusals += 1;
    }
    let reason = token_reason(&f);
    if *refusals >= 5 {
        Negotiated::Terminal(reason)
    } else if *failures >= cfg.fallback_after {
        fallback_or_retry(cfg, reason)
    } else {
        Negotiated::Retry(reason)
    }
}

/// Resolves once the handle asked to stop (or was dropped).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the handle is gone: stop as well.
    let _ = stop.wait_for(|s| *s).await;
}

async fn run(
    cfg: ChatConfig,
    tx: mpsc::Sender<ChatEvent>,
    mut stop: watch::Receiver<bool>,
    stats: Arc<Stats>,
) {
    let neg = Negotiator::new(
        &cfg.web_base,
        cfg.realtime_hosts.clone(),
        cfg.http_timeout,
        cfg.origin.as_deref(),
    );
    let mut filter = Filter::new(cfg.dedupe);
    let mut attempt: u32 = 0;
    let mut terminal_streak: usize = 0;
    let (mut failures, mut refusals) = (0u32, 0u32);
    let mut next_plan: Option<Plan> = None;
    let state = |s: ConnectionState| ChatEvent::State(s);
    loop {
        attempt += 1;
        let _ = tx
            .send(state(ConnectionState::Connecting {
                attempt,
                transport: next_plan.as_ref().map(Plan::transport),
            }))
            .await;
        let plan = match next_plan.take() {
            Some(p) => Ok(p),
            None => {
                let n = tokio::select! {
                    n = negotiate(&cfg, &neg, &stats, &mut failures, &mut refusals) => n,
                    _ = stopped(&mut stop) => break,
                };
                match n {
                    Negotiated::Go(p) => Ok(p),
                    Negotiated::Stop(reason) => {
                        let _ = tx.send(state(ConnectionState::Stopped { reason })).await;
                        return;
                    }
                    Negotiated::Retry(reason) => Err((Next::Backoff(Duration::ZERO), reason, None)),
                    Negotiated::Terminal(reason) => Err((Next::Terminal, reason, None)),
                }
            }
        };
        let (next, reason, transport) = match plan {
            Err(e) => e,
            Ok(plan) => {
                let transport = plan.transport();
                let fixed = matches!(plan, Plan::Pusher { fixed: true, .. });
                let on_fallback = matches!(
                    plan,
                    Plan::Pusher {
                        fallback: Some(_),
                        ..
                    }
                );
                let mut ctx = Ctx {
                    cfg: &cfg,
                    tx: &tx,
                    stats: &stats,
                    filter: &mut filter,
                    neg: &neg,
                    connected_at: None,
                    batch: Vec::new(),
                };
                let end = tokio::select! {
                    e = connection(plan, &mut ctx, attempt) => e,
                    _ = stopped(&mut stop) => End::Stopped,
                };
                // What the connection read before it ended still counts.
                if !matches!(end, End::Stopped) {
                    let handed = tokio::select! {
                        ok = ctx.hand_over() => ok,
                        _ = stopped(&mut stop) => false,
                    };
                    if !handed {
                        break;
                    }
                }
                let connected_at = ctx.connected_at;
                if let Some(t) = connected_at {
                    terminal_streak = 0;
                    failures = 0;
                    refusals = 0;
                    if t.elapsed() >= cfg.stable_after {
                        attempt = 0;
                    }
                }
                let what = if transport == Transport::Centrifugo {
                    "Kick's chat server"
                } else {
                    "The Pusher chat server"
                };
                match end {
                    End::Stopped => break,
                    End::Switch(p) => {
                        attempt = 0;
                        let reason = format!("Kick now offers {}; switching", p.transport());
                        next_plan = Some(p);
                        (Next::Immediately, reason, Some(transport))
                    }
                    End::Closed(code, msg) => {
                        let code_txt = match (code, msg.is_empty()) {
                            (Some(c), true) => format!(" ({c})"),
                            (Some(c), false) => format!(" ({c} {msg})"),
                            (None, _) => String::new(),
                        };
                        match after_close(transport, fixed, code) {
                            Next::Stop => {
                                let reason = format!(
                                    "The chat server refused the connection{code_txt}. Check the chat settings."
                                );
                                let _ = tx.send(state(ConnectionState::Stopped { reason })).await;
                                return;
                            }
                            // Kick's old Pusher values refused: the problem is
                            // the descriptor, so negotiate again soon.
                            Next::Terminal if on_fallback => (
                                Next::Backoff(Duration::ZERO),
                                format!("Kick's old Pusher values no longer work{code_txt}"),
                                Some(transport),
                            ),
                            Next::Terminal => (
                                Next::Terminal,
                                format!("{what} refused the connection{code_txt}"),
                                Some(transport),
                            ),
                            n => (
                                n,
                                format!("{what} closed the connection{code_txt}"),
                                Some(transport),
                            ),
                        }
                    }
                    End::Dropped(why) => (Next::Backoff(Duration::ZERO), why, Some(transport)),
                    End::Refused(CloseAction::Terminal, why) => {
                        (Next::Terminal, why, Some(transport))
                    }
                    End::Refused(_, why) => (Next::Backoff(Duration::ZERO), why, Some(transport)),
                }
            }
        };
        let (delay, reason) = match next {
            Next::Stop => unreachable!("handled above"),
            Next::Immediately if attempt <= 1 => (Duration::ZERO, reason),
            Next::Immediately => (backoff(cfg.base_backoff, cfg.max_backoff, attempt), reason),
            Next::Backoff(min) => (
                backoff(cfg.base_backoff, cfg.max_backoff, attempt).max(min.min(cfg.max_backoff)),
                reason,
            ),
            Next::Terminal => {
                let waits = &cfg.terminal_backoff;
                let d = waits
                    .get(terminal_streak.min(waits.len().saturating_sub(1)))
                    .copied()
                    .unwrap_or(Duration::from_secs(300));
                terminal_streak += 1;
                attempt = 0;
                bump(&stats.terminal_waits);
                (
                    d,
                    format!("{reason}; trying again {} as a new client", human(d)),
                )
            }
        };
        bump(&stats.reconnects);
        let reason = if matches!(next, Next::Terminal) {
            reason
        } else {
            format!("{reason}, retrying {}", human(delay))
        };
        let _ = tx
            .send(state(ConnectionState::Reconnecting {
                in_ms: delay.as_millis() as u64,
                attempt,
                reason,
                transport,
            }))
            .await;
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stopped(&mut stop) => break,
        }
    }
    let _ = tx
        .send(state(ConnectionState::Stopped {
            reason: "Chat turned off.".into(),
        }))
        .await;
}

/// What a connection shares with the run loop.
struct Ctx<'a> {
    cfg: &'a ChatConfig,
    tx: &'a mpsc::Sender<ChatEvent>,
    stats: &'a Stats,
    filter: &'a mut Filter,
    neg: &'a Negotiator,
    /// When the chat channel was joined.
    connected_at: Option<Instant>,
    /// Events decoded from the frame being read, in order, not yet handed
    /// to the receiver: a frame's events go over the channel together
    /// ([`Ctx::hand_over`]), so a Centrifugo batch of dozens of messages is
    /// one wait for room, not one per message. Whatever is left here when a
    /// connection ends is handed over by the run loop.
    batch: Vec<ChatEvent>,
}

/// Most events handed over with one reservation of room in the channel.
const HAND_OVER: usize = 256;

impl Ctx<'_> {
    /// Hands over what is waiting, then `ev`; false when nobody listens.
    async fn send(&mut self, ev: ChatEvent) -> bool {
        self.batch.push(ev);
        self.hand_over().await
    }

    /// Hands every waiting event to the receiver, in order, waiting for
    /// room; false when nobody listens.
    async fn hand_over(&mut self) -> bool {
        while !self.batch.is_empty() {
            // (`reserve_many` refuses more than the channel can hold.)
            let n = self.batch.len().min(HAND_OVER).min(self.tx.max_capacity());
            let Ok(permits) = self.tx.reserve_many(n).await else {
                self.batch.clear();
                return false;
            };
            for (permit, ev) in permits.zip(self.batch.drain(..n)) {
                permit.send(ev);
            }
        }
        true
    }

    /// One Kick event from either transport, its data as it came: into the
    /// batch.
    fn accept(&mut self, event: &str, data: Payload<'_>) {
        self.accept_kick(event, ChatEvent::from_kick_payload(event, data));
    }

    /// One Kick event already decoded (`event`: its name, for the log):
    /// into the batch unless the filter holds it back.
    fn accept_kick(&mut self, event: &str, kick: Kick) {
        let verdict = match kick {
            Kick::Event(ev) => self.filter.event(ev),
            Kick::Gift(g) => self.filter.gift(g, std::time::Instant::now()),
            Kick::Twin => {
                bump(&self.stats.twins);
                return;
            }
            Kick::Ignored => return,
            Kick::Invalid => {
                bump(&self.stats.malformed);
                tracing::debug!(event, "skipping an event without its required fields");
                return;
            }
            Kick::Unknown => {
                bump(&self.stats.unknown_events);
                tracing::debug!(event, "skipping an unknown event");
                return;
            }
        };
        match verdict {
            Verdict::Deliver(ev) => {
                if matches!(ev, ChatEvent::Message(_)) {
                    bump(&self.stats.messages);
                }
                self.batch.push(ev);
            }
            Verdict::Duplicate => bump(&self.stats.duplicates),
            Verdict::Pending => {}
        }
    }

    /// Gift chunks the filter gathered long enough, then the batch.
    async fn flush(&mut self) -> bool {
        let due = self.filter.flush(std::time::Instant::now());
        self.batch.extend(due);
        self.hand_over().await
    }

    async fn connected(
        &mut self,
        transport: Transport,
        socket_id: String,
        fallback: Option<String>,
    ) {
        if self.connected_at.is_some() {
            return;
        }
        self.connected_at = Some(Instant::now());
        bump(&self.stats.connects);
        let _ = self
            .send(ChatEvent::State(ConnectionState::Connected {
                transport,
                socket_id,
                fallback,
            }))
            .await;
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Sane buffers: tungstenite zeroes up to `read_buffer_size` before every
/// read (52 % of the client's instructions were that memset with the 128 KiB
/// default); chat frames are a few KiB at most.
pub fn ws_config(max_message: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(max_message.max(64 * 1024) * 2)
        .max_message_size(Some(max_message))
        .max_frame_size(Some(max_message))
}

/// Opens a socket: TCP, TLS and the upgrade within `connect_timeout`, with
/// our Origin (or none) and the size limits.
async fn open(cfg: &ChatConfig, url: &str) -> Result<Ws, End> {
    let mut req = url
        .into_client_request()
        .map_err(|e| End::Refused(CloseAction::Terminal, format!("bad chat URL: {e}")))?;
    if let Some(o) = cfg.origin.as_deref().and_then(|o| o.parse().ok()) {
        req.headers_mut().insert("Origin", o);
    }
    let fut = tokio_tungstenite::connect_async_with_config(
        req,
        Some(ws_config(cfg.max_message_size)),
        true,
    );
    match tokio::time::timeout(cfg.connect_timeout, fut).await {
        Err(_) => Err(End::Dropped("could not connect: timed out".into())),
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => {
            let s = resp.status().as_u16();
            let why = format!("the chat server refused the socket (HTTP {s})");
            Err(if (400..500).contains(&s) && s != 429 && s != 408 {
                End::Refused(CloseAction::Terminal, why)
            } else {
                End::Dropped(why)
            })
        }
        Ok(Err(e)) => Err(End::Dropped(format!("could not connect: {e}"))),
    }
}

fn close_of(c: Option<tokio_tungstenite::tungstenite::protocol::CloseFrame>) -> End {
    let code = c
        .as_ref()
        .map(|f| u16::from(f.code))
        .filter(|c| *c != u16::from(CloseCode::Status));
    let reason = c.map(|f| f.reason.to_string()).unwrap_or_default();
    End::Closed(code, reason)
}

async fn connection(plan: Plan, ctx: &mut Ctx<'_>, attempt: u32) -> End {
    let _ = ctx
        .send(ChatEvent::State(ConnectionState::Connecting {
            attempt,
            transport: Some(plan.transport()),
        }))
        .await;
    match plan {
        Plan::Centrifugo {
            url,
            client_id,
            token,
        } => centrifugo(ctx, &url, client_id, token).await,
        Plan::Pusher { url, fallback, .. } => pusher(ctx, &url, fallback).await,
    }
}

fn renegotiation(ctx: &Ctx<'_>) -> JoinHandle<Negotiated> {
    let cfg = ctx.cfg.clone();
    let neg = ctx.neg.clone();
    tokio::spawn(async move {
        let stats = Stats::default();
        negotiate(&cfg, &neg, &stats, &mut 0, &mut 0).await
    })
}

async fn pusher(ctx: &mut Ctx<'_>, url: &str, fallback: Option<String>) -> End {
    let ws = match open(ctx.cfg, url).await {
        Ok(ws) => ws,
        Err(e) => return e,
    };
    let (mut sink, mut stream) = ws.split();
    let chat_channel = ctx.cfg.chat_channel();
    let mut socket_id = String::new();
    let mut activity = Duration::from_secs(120);
    let mut last_rx = Instant::now();
    let mut ping_sent: Option<Instant> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    // On Kick's old values: keep asking the descriptor, switch when it answers.
    let mut reneg_at = fallback
        .is_some()
        .then(|| Instant::now() + ctx.cfg.renegotiate_every);
    let mut reneg: Option<JoinHandle<Negotiated>> = None;
    // Where an event's data is unescaped when the fast lane does not read
    // it straight from the frame (kept: no allocation per frame).
    let mut data_buf = String::new();
    loop {
        tokio::select! {
            msg = stream.next() => {
                let msg = match msg {
                    Some(Ok(m)) => m,
                    Some(Err(e)) => return End::Dropped(format!("connection lost: {e}")),
                    None => return End::Dropped("connection lost".into()),
                };
                last_rx = Instant::now();
                ping_sent = None;
                let text = match msg {
                    Message::Text(t) => t,
                    Message::Close(c) => return close_of(c),
                    _ => continue, // WS pings are answered by tungstenite; binary is not Pusher
                };
                bump(&ctx.stats.frames);
                // A Kick event in one pass (crate::fast); Pusher's own
                // events and anything unusual through serde below.
                if let Some(e) = fast::pusher_frame(&text) {
                    if !e.event.starts_with("pusher") {
                        ctx.accept_kick(e.event, e.kick(&mut data_buf));
                        if !ctx.hand_over().await {
                            return End::Stopped;
                        }
                        continue;
                    }
                }
                let frame = match RawFrame::parse(&text) {
                    Ok(f) => f,
                    Err(e) => {
                        bump(&ctx.stats.malformed);
                        tracing::debug!(error = %e, "skipping a malformed frame");
                        continue;
                    }
                };
                match &*frame.event {
                    "pusher:connection_established" => {
                        let Some((id, timeout)) = frame.into_frame().connection_established() else {
                            bump(&ctx.stats.malformed);
                            continue;
                        };
                        socket_id = id;
                        activity = timeout.min(Duration::from_secs(120)).max(Duration::from_millis(500));
                        for ch in ctx.cfg.channels() {
                            if sink.send(Message::text(protocol::subscribe(&ch))).await.is_err() {
                                return End::Dropped("connection lost while subscribing".into());
                            }
                        }
                    }
                    "pusher_internal:subscription_succeeded" => {
                        if frame.channel.as_deref() == Some(chat_channel.as_str()) {
                            ctx.connected(Transport::Pusher, socket_id.clone(), fallback.clone()).await;
                        }
                    }
                    "pusher:ping" => {
                        if sink.send(Message::text(protocol::pong())).await.is_err() {
                            return End::Dropped("connection lost".into());
                        }
                    }
                    "pusher:pong" => {}
                    "pusher:error" => {
                        let (code, message) = frame.into_frame().error().unwrap_or((None, String::new()));
                        tracing::debug!(?code, message, "pusher error frame");
                        if let Some(c @ 4000..=4299) = code {
                            // Some servers send the code here before closing.
                            let _ = sink.close().await;
                            return End::Closed(Some(c), message);
                        }
                    }
                    event => {
                        ctx.accept(event, frame.data);
                        if !ctx.hand_over().await {
                            return End::Stopped;
                        }
                    }
                }
            }
            res = async { reneg.as_mut().expect("guarded").await }, if reneg.is_some() => {
                reneg = None;
                match res {
                    Ok(Negotiated::Go(p @ Plan::Centrifugo { .. })) => return End::Switch(p),
                    Ok(Negotiated::Go(p @ Plan::Pusher { fallback: None, .. })) => return End::Switch(p),
                    _ => reneg_at = Some(Instant::now() + ctx.cfg.renegotiate_every),
                }
            }
            _ = tick.tick() => {
                if !ctx.flush().await {
                    return End::Stopped;
                }
                if reneg_at.is_some_and(|t| Instant::now() >= t) && reneg.is_none() {
                    reneg_at = None;
                    reneg = Some(renegotiation(ctx));
                }
                match ping_sent {
                    Some(at) if at.elapsed() >= ctx.cfg.pong_timeout => {
                        return End::Dropped("no answer from the chat server".into());
                    }
                    None if last_rx.elapsed() >= activity => {
                        if sink.send(Message::text(protocol::ping())).await.is_err() {
                            return End::Dropped("connection lost".into());
                        }
                        ping_sent = Some(Instant::now());
                    }
                    _ => {}
                }
            }
        }
    }
}

enum Pending {
    Connect,
    Subscribe(String),
    Refresh,
}

async fn centrifugo(ctx: &mut Ctx<'_>, url: &str, client_id: String, token: RealtimeToken) -> End {
    let ws = match open(ctx.cfg, url).await {
        Ok(ws) => ws,
        Err(e) => return e,
    };
    let (mut sink, mut stream) = ws.split();
    let cfg = ctx.cfg;
    let chat_channel = cfg.chat_channel();
    let mut next_id: u64 = 1;
    let mut pending: HashMap<u64, Pending> = HashMap::new();
    // Looked up for every publication: a fast hash (SipHash was 1 % of the
    // client at 10,000 msg/s).
    let mut joined: HashSet<String, foldhash::fast::RandomState> = HashSet::default();
    let mut compact: HashMap<u64, String> = HashMap::new();
    let mut server_client = String::new();
    let mut ping: Option<Duration> = None;
    let mut pong = false;
    let mut last_rx = Instant::now();
    let connect_deadline = Instant::now() + cfg.connect_timeout;
    // The chat channel must be confirmed this soon after the connect reply.
    let mut join_deadline: Option<Instant> = None;
    let mut token_ends: Option<Instant> = None;
    let mut refresh_at: Option<Instant> = None;
    let mut refreshing: Option<JoinHandle<Result<RealtimeToken, HttpFailure>>> = None;
    let mut resubscribe: Vec<(Instant, String)> = Vec::new();
    // The chat channel left (an unsubscribe push asking to subscribe again)
    // must be back this soon, else the connection is dropped and made anew:
    // a connection that says "connected" while chat never comes is worse.
    let mut rejoin_deadline: Option<Instant> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    // Where an event's data is unescaped when the fast lane does not read
    // it straight from the frame (kept: no allocation per frame).
    let mut data_buf = String::new();

    pending.insert(next_id, Pending::Connect);
    if sink
        .send(Message::text(cf::connect(next_id, token.expose())))
        .await
        .is_err()
    {
        return End::Dropped("connection lost".into());
    }
    next_id += 1;
    drop(token);

    loop {
        let mut out: Vec<String> = Vec::new();
        tokio::select! {
            msg = stream.next() => {
                let msg = match msg {
                    Some(Ok(m)) => m,
                    Some(Err(e)) => return End::Dropped(format!("connection lost: {e}")),
                    None => return End::Dropped("connection lost".into()),
                };
                last_rx = Instant::now();
                let text = match msg {
                    Message::Text(t) => t,
                    Message::Close(c) => return close_of(c),
                    _ => continue,
                };
                bump(&ctx.stats.frames);
                for line in cf::frame_lines(&text) {
                    // The hot line first: Kick's usual publication in one
                    // pass (crate::fast), its data unescaped into buffers
                    // this connection keeps.
                    if let Some(e) = fast::publication(line) {
                        if joined.contains(e.channel.unwrap_or_default()) {
                            ctx.accept_kick(e.event, e.kick(&mut data_buf));
                        }
                        continue;
                    }
                    // Then without a `Value` tree.
                    if let Some(p) = cf::parse_publication(line) {
                        // Only channels we joined count.
                        let ours = match &p.to {
                            cf::RawAddress::Channel(c) => joined.contains(c.as_ref()),
                            cf::RawAddress::Compact(id) => compact.get(id).is_some_and(|c| joined.contains(c)),
                            cf::RawAddress::None => false,
                        };
                        if ours {
                            ctx.accept(&p.event, p.data);
                        }
                        continue;
                    }
                    let line = match cf::parse_line_value(line) {
                        Ok(l) => l,
                        Err(e) => {
                            bump(&ctx.stats.malformed);
                            tracing::debug!(error = %e.0, "skipping a malformed line");
                            continue;
                        }
                    };
                    match line {
                        Incoming::Ping => {
                            if pong {
                                out.push(cf::PONG.to_owned());
                            }
                        }
                        Incoming::Reply { id, body } => match (pending.remove(&id), body) {
                            (None, _) => tracing::debug!(id, "a reply to nothing we sent"),
                            (Some(Pending::Connect), ReplyBody::Connect(c)) => {
                                server_client = c.client;
                                ping = (c.ping > 0).then(|| Duration::from_secs(c.ping));
                                pong = c.pong;
                                if c.expires && c.ttl > 0 {
                                    let ttl = Duration::from_secs(c.ttl);
                                    token_ends = Some(Instant::now() + ttl);
                                    refresh_at = Some(Instant::now() + refresh_delay(ttl, cfg.refresh_margin));
                                }
                                join_deadline = Some(Instant::now() + cfg.connect_timeout);
                                // All subscribes in one frame after the connect reply.
                                for ch in cfg.channels() {
                                    out.push(cf::subscribe(next_id, &ch));
                                    pending.insert(next_id, Pending::Subscribe(ch));
                                    next_id += 1;
                                }
                            }
                            (Some(Pending::Connect), ReplyBody::Error(e)) => {
                                return End::Refused(
                                    cf::connect_error_action(&e),
                                    format!("Kick's chat server refused the connection ({} {})", e.code, e.message),
                                );
                            }
                            (Some(Pending::Subscribe(ch)), ReplyBody::Subscribe { compact_id }) => {
                                if let Some(c) = compact_id {
                                    compact.insert(c, ch.clone());
                                }
                                if ch == chat_channel {
                                    rejoin_deadline = None;
                                    ctx.connected(Transport::Centrifugo, server_client.clone(), None).await;
                                }
                                joined.insert(ch);
                            }
                            (Some(Pending::Subscribe(ch)), ReplyBody::Error(e)) => {
                                match cf::subscribe_error_action(&e) {
                                    cf::SubscribeAction::Joined => {
                                        if ch == chat_channel {
                                            rejoin_deadline = None;
                                            ctx.connected(Transport::Centrifugo, server_client.clone(), None).await;
                                        }
                                        joined.insert(ch);
                                    }
                                    cf::SubscribeAction::RetryLater => {
                                        resubscribe.push((Instant::now() + Duration::from_secs(2), ch));
                                    }
                                    cf::SubscribeAction::Leave if ch == chat_channel => {
                                        return End::Refused(
                                            CloseAction::Terminal,
                                            format!("Kick refused the chat channel ({} {})", e.code, e.message),
                                        );
                                    }
                                    cf::SubscribeAction::Leave => {
                                        tracing::debug!(channel = ch, code = e.code, "channel refused; left out");
                                    }
                                }
                            }
                            (Some(Pending::Refresh), ReplyBody::Refresh { expires, ttl }) => {
                                bump(&ctx.stats.refreshes);
                                if expires && ttl > 0 {
                                    let ttl = Duration::from_secs(ttl);
                                    token_ends = Some(Instant::now() + ttl);
                                    refresh_at = Some(Instant::now() + refresh_delay(ttl, cfg.refresh_margin));
                                } else {
                                    token_ends = None;
                                }
                            }
                            (Some(Pending::Refresh), ReplyBody::Error(e)) => {
                                // Keep the connection; Kick ends it when the
                                // old token runs out (§b.4).
                                bump(&ctx.stats.refresh_failures);
                                tracing::debug!(code = e.code, "token refresh refused");
                                refresh_at = Some(Instant::now() + refresh_retry(token_ends));
                            }
                            (Some(_), other) => tracing::debug!(?other, "an unexpected reply"),
                        },
                        Incoming::Push { to, body } => {
                            let channel = match to {
                                Address::Channel(c) => Some(c),
                                Address::Compact(id) => compact.get(&id).cloned(),
                                Address::None => None,
                            };
                            match body {
                                PushBody::Publication { event, data } => {
                                    // Only channels we joined count.
                                    if channel.is_some_and(|c| joined.contains(&c)) {
                                        ctx.accept(&event, Payload::Json(data));
                                    }
                                }
                                PushBody::Unsubscribe { code, reason } => {
                                    let Some(ch) = channel.filter(|c| joined.remove(c)) else { continue };
                                    if cf::resubscribe_after_unsubscribe(code) {
                                        if ch == chat_channel {
                                            rejoin_deadline = Some(Instant::now() + cfg.connect_timeout);
                                        }
                                        out.push(cf::subscribe(next_id, &ch));
                                        pending.insert(next_id, Pending::Subscribe(ch));
                                        next_id += 1;
                                    } else if ch == chat_channel {
                                        return End::Dropped(format!("Kick unsubscribed the chat channel ({code} {reason})"));
                                    }
                                }
                                PushBody::Disconnect { code, reason } => {
                                    return End::Closed(Some(code), reason);
                                }
                                PushBody::Unnamed | PushBody::Other(_) => {}
                            }
                        }
                    }
                }
                // The frame's events together (a batch of publications is
                // one frame).
                if !ctx.hand_over().await {
                    return End::Stopped;
                }
            }
            res = async { refreshing.as_mut().expect("guarded").await }, if refreshing.is_some() => {
                refreshing = None;
                match res {
                    Ok(Ok(t)) => {
                        out.push(cf::refresh(next_id, t.expose()));
                        pending.insert(next_id, Pending::Refresh);
                        next_id += 1;
                    }
                    _ => {
                        bump(&ctx.stats.refresh_failures);
                        tracing::debug!("could not get a new chat token; keeping the connection");
                        refresh_at = Some(Instant::now() + refresh_retry(token_ends));
                    }
                }
            }
            _ = tick.tick() => {
                let now = Instant::now();
                if !ctx.flush().await {
                    return End::Stopped;
                }
                if pending.values().any(|p| matches!(p, Pending::Connect)) && now >= connect_deadline {
                    return End::Dropped("Kick's chat server did not answer".into());
                }
                if ctx.connected_at.is_none() && join_deadline.is_some_and(|t| now >= t) {
                    return End::Dropped("Kick's chat server did not confirm the chat channel".into());
                }
                if rejoin_deadline.is_some_and(|t| now >= t) {
                    return End::Dropped("Kick's chat server did not take the chat channel back".into());
                }
                if let Some(p) = ping {
                    if now.duration_since(last_rx) >= p + cfg.ping_margin {
                        return End::Dropped("no ping from Kick's chat server".into());
                    }
                }
                if refresh_at.is_some_and(|t| now >= t) && refreshing.is_none() {
                    refresh_at = None;
                    let neg = ctx.neg.clone();
                    let id = client_id.clone();
                    refreshing = Some(tokio::spawn(async move { neg.token(&id).await }));
                }
                let (due, later): (Vec<_>, Vec<_>) = resubscribe.drain(..).partition(|(t, _)| now >= *t);
                resubscribe = later;
                for (_, ch) in due {
                    out.push(cf::subscribe(next_id, &ch));
                    pending.insert(next_id, Pending::Subscribe(ch));
                    next_id += 1;
                }
            }
        }
        if !out.is_empty() && sink.send(Message::text(cf::batch(&out))).await.is_err() {
            return End::Dropped("connection lost".into());
        }
    }
}

/// After a failed refresh, try again soon, well before the old token ends.
fn refresh_retry(token_ends: Option<Instant>) -> Duration {
    let left = token_ends
        .map(|t| t.saturating_duration_since(Instant::now()))
        .unwrap_or(Duration::from_secs(40));
    (left / 4).clamp(Duration::from_millis(500), Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_transport_has_its_close_policy() {
        use Transport::*;
        assert_eq!(after_close(Pusher, true, Some(4001)), Next::Stop);
        assert_eq!(after_close(Pusher, false, Some(4001)), Next::Terminal);
        assert_eq!(after_close(Pusher, false, Some(4201)), Next::Immediately);
        assert_eq!(
            after_close(Pusher, false, Some(4100)),
            Next::Backoff(Duration::from_secs(1))
        );
        assert_eq!(after_close(Centrifugo, false, Some(3500)), Next::Terminal);
        assert_eq!(after_close(Centrifugo, false, Some(3502)), Next::Terminal);
        assert_eq!(
            after_close(Centrifugo, false, Some(3005)),
            Next::Backoff(Duration::ZERO)
        );
        assert_eq!(
            after_close(Centrifugo, false, None),
            Next::Backoff(Duration::ZERO)
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let (b, m) = (Duration::from_secs(1), Duration::from_secs(30));
        assert!(backoff(b, m, 1) <= Duration::from_millis(1250));
        assert!(backoff(b, m, 4) >= Duration::from_secs(6));
        assert!(backoff(b, m, 30) <= m);
    }

    #[test]
    fn refresh_comes_before_the_ttl() {
        let m = Duration::from_secs(15);
        assert_eq!(
            refresh_delay(Duration::from_secs(2699), m),
            Duration::from_secs(2684)
        );
        assert_eq!(
            refresh_delay(Duration::from_secs(4), m),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn channels_cover_the_chat_room_and_the_channel() {
        let c = ChatConfig::kick(668, Some(676));
        assert_eq!(
            c.channels(),
            vec![
                "chatrooms.668.v2",
                "chatrooms.668",
                "chatroom_668",
                "channel.676",
                "channel_676",
                "predictions-channel-676"
            ]
        );
        assert_eq!(
            pusher_url("us2", "k"),
            "wss://ws-us2.pusher.com/app/k?protocol=7&client=js&version=8.4.0&flash=false"
        );
        assert_eq!(human(Duration::from_secs(30)), "in 30 s");
        assert_eq!(human(Duration::from_secs(300)), "in 5 min");
    }
}
