//! [`ObsLink`]: Kickstand's OBS service. One background task keeps a
//! connection to OBS (reconnecting with backoff when OBS restarts), follows
//! the stream output and the scenes through OBS's events, polls stream health
//! while live, and reports everything through one callback. The app calls
//! the async commands (set up for Kick, check the key, go live, end stream,
//! switch scene) on any clone of the handle.

use crate::client::{ObsClient, ObsConfig};
use crate::error::{ErrorInfo, ObsError, Stage};
use crate::health::{HealthMeter, StreamHealth};
use crate::protocol::{close_code, status};
use crate::types::{
    check_key, read_back, KeyCheck, KickIngest, ObsEvent, OutputState, ReadBack, SceneList,
    ServerInfo,
};
use rand::Rng;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::{timeout, timeout_at, Instant, MissedTickBehavior};

/// What the stream output does while OBS is connected but not live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputPhase {
    Idle,
    Starting,
    Stopping,
}

/// The link's state, for the UI's OBS badge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkState {
    /// The first connection attempt is under way.
    Connecting,
    /// OBS cannot be reached (not running, server off, nothing answering in
    /// time); trying again in `retry_in_ms`.
    NotRunning { error: ErrorInfo, retry_in_ms: u64 },
    /// Connected; OBS is not streaming.
    Connected { output: OutputPhase },
    /// Connected and OBS is streaming (`reconnecting`: OBS lost the ingest
    /// and is reconnecting to it).
    Streaming { reconnecting: bool },
    /// The connection was lost; trying again in `retry_in_ms`. `error` is why
    /// the last attempt failed (e.g. OBS is not running any more).
    Reconnecting {
        attempt: u32,
        error: ErrorInfo,
        retry_in_ms: u64,
    },
    /// Retrying would not help until the streamer acts (wrong password, an
    /// old OBS, kicked from OBS's session list): no retries until
    /// [`ObsLink::reconfigure`] or [`ObsLink::reconnect_now`].
    NeedsAttention { error: ErrorInfo },
    /// [`ObsLink::stop`] was called or every handle was dropped.
    Stopped,
}

impl LinkState {
    pub fn is_connected(&self) -> bool {
        matches!(
            self,
            LinkState::Connected { .. } | LinkState::Streaming { .. }
        )
    }
}

/// What the link reports. None of these carries a secret.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum LinkEvent {
    State(LinkState),
    /// The scene list or the program scene changed (also sent on connect).
    Scenes(SceneList),
    /// A health reading, every [`LinkOptions::health_every`] while streaming,
    /// and one with `active: false` when the stream ends.
    Health(StreamHealth),
}

pub type EventSink = Arc<dyn Fn(LinkEvent) + Send + Sync>;

/// Timings of the service.
#[derive(Clone, Debug)]
pub struct LinkOptions {
    /// First reconnect delay; doubles per failed attempt up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// `GetStreamStatus` polling while streaming.
    pub health_every: Duration,
    /// How long Go live waits for OBS to report the stream started.
    pub start_wait: Duration,
    /// How long End stream (and set-up after a stop) waits for the output to stop.
    pub stop_wait: Duration,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(5),
            health_every: Duration::from_secs(2),
            start_wait: Duration::from_secs(30),
            stop_wait: Duration::from_secs(15),
        }
    }
}

/// Reconnect delay before attempt `attempt` (1-based): exponential, capped,
/// with ±20 % jitter so several clients do not knock in step.
pub fn backoff(opts: &LinkOptions, attempt: u32, jitter: f64) -> Duration {
    let exp = opts
        .backoff_base
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let d = exp.min(opts.backoff_max);
    d.mul_f64((1.0 + 0.2 * jitter.clamp(-1.0, 1.0)).max(0.0))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OutputWatch {
    /// Bumped on every change, so a waiter can tell new news from old.
    seq: u64,
    state: OutputState,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Control {
    generation: u64,
    stop: bool,
}

struct Snapshot {
    state: LinkState,
    scenes: Option<SceneList>,
    health: Option<StreamHealth>,
    info: Option<ServerInfo>,
}

struct Shared {
    config: Mutex<ObsConfig>,
    options: LinkOptions,
    sink: EventSink,
    snap: Mutex<Snapshot>,
    client: Mutex<Option<ObsClient>>,
    output: watch::Sender<OutputWatch>,
    control: watch::Sender<Control>,
}

impl Shared {
    fn emit(&self, e: LinkEvent) {
        (self.sink)(e);
    }

    fn set_state(&self, s: LinkState) {
        {
            let mut snap = self.snap.lock().unwrap();
            if snap.state == s {
                return;
            }
            snap.state = s.clone();
        }
        tracing::debug!(state = ?s, "OBS link state");
        self.emit(LinkEvent::State(s));
    }

    fn set_scenes(&self, l: SceneList) {
        {
            let mut snap = self.snap.lock().unwrap();
            if snap.scenes.as_ref() == Some(&l) {
                return;
            }
            snap.scenes = Some(l.clone());
        }
        self.emit(LinkEvent::Scenes(l));
    }

    fn set_health(&self, h: Option<StreamHealth>) {
        self.snap.lock().unwrap().health = h.clone();
        if let Some(h) = h {
            self.emit(LinkEvent::Health(h));
        }
    }

    /// Publishes the link state first, then wakes command waiters, so a
    /// command that returns on "started" finds the state already `Streaming`.
    fn set_output(&self, state: OutputState) {
        self.set_state(state_for(state));
        self.output.send_modify(|o| {
            o.seq += 1;
            o.state = state;
        });
    }
}

fn state_for(o: OutputState) -> LinkState {
    match o {
        OutputState::Starting => LinkState::Connected {
            output: OutputPhase::Starting,
        },
        OutputState::Started | OutputState::Reconnected => LinkState::Streaming {
            reconnecting: false,
        },
        OutputState::Reconnecting => LinkState::Streaming { reconnecting: true },
        OutputState::Stopping => LinkState::Connected {
            output: OutputPhase::Stopping,
        },
        OutputState::Stopped | OutputState::Unknown => LinkState::Connected {
            output: OutputPhase::Idle,
        },
    }
}

fn is_live(o: OutputState) -> bool {
    matches!(
        o,
        OutputState::Started | OutputState::Reconnecting | OutputState::Reconnected
    )
}

/// Stops the background task when the last [`ObsLink`] clone goes.
struct StopGuard(Arc<Shared>);

impl Drop for StopGuard {
    fn drop(&mut self) {
        self.0.control.send_modify(|c| c.stop = true);
    }
}

/// Kickstand's OBS link. Cheap to clone; the background task ends when
/// [`ObsLink::stop`] is called or the last clone is dropped.
#[derive(Clone)]
pub struct ObsLink {
    shared: Arc<Shared>,
    _guard: Arc<StopGuard>,
}

impl std::fmt::Debug for ObsLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObsLink")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl ObsLink {
    /// Starts the link with default timings. Call inside a tokio runtime
    /// (Tauri's async runtime is one). The first event, `State(Connecting)`,
    /// is sent before this returns. `on_event` is called from the link's
    /// task: keep it quick (forward to a channel or emit an app event).
    pub fn start(
        config: ObsConfig,
        on_event: impl Fn(LinkEvent) + Send + Sync + 'static,
    ) -> ObsLink {
        Self::start_with(config, LinkOptions::default(), Arc::new(on_event))
    }

    pub fn start_with(config: ObsConfig, options: LinkOptions, sink: EventSink) -> ObsLink {
        let (output, _) = watch::channel(OutputWatch {
            seq: 0,
            state: OutputState::Unknown,
        });
        let (control, _) = watch::channel(Control::default());
        let shared = Arc::new(Shared {
            config: Mutex::new(config),
            options,
            sink,
            snap: Mutex::new(Snapshot {
                state: LinkState::Connecting,
                scenes: None,
                health: None,
                info: None,
            }),
            client: Mutex::new(None),
            output,
            control,
        });
        shared.emit(LinkEvent::State(LinkState::Connecting));
        tokio::spawn(run(shared.clone()));
        ObsLink {
            _guard: Arc::new(StopGuard(shared.clone())),
            shared,
        }
    }

    pub fn state(&self) -> LinkState {
        self.shared.snap.lock().unwrap().state.clone()
    }

    pub fn scenes(&self) -> Option<SceneList> {
        self.shared.snap.lock().unwrap().scenes.clone()
    }

    /// The last health reading while streaming.
    pub fn health(&self) -> Option<StreamHealth> {
        self.shared.snap.lock().unwrap().health.clone()
    }

    /// OBS's versions, while connected.
    pub fn server_info(&self) -> Option<ServerInfo> {
        self.shared.snap.lock().unwrap().info.clone()
    }

    /// New address or password: drops the connection and connects with these.
    pub fn reconfigure(&self, config: ObsConfig) {
        *self.shared.config.lock().unwrap() = config;
        self.shared.control.send_modify(|c| c.generation += 1);
    }

    /// Tries again now (a Retry button; also leaves `NeedsAttention`).
    pub fn reconnect_now(&self) {
        self.shared.control.send_modify(|c| c.generation += 1);
    }

    pub fn stop(&self) {
        self.shared.control.send_modify(|c| c.stop = true);
    }

    /// The current connection, for requests this service does not wrap.
    pub fn client(&self) -> Option<ObsClient> {
        self.shared.client.lock().unwrap().clone()
    }

    fn connected(&self) -> Result<ObsClient, ObsError> {
        self.client().ok_or(ObsError::NotConnected)
    }

    /// **Set up OBS for Kick**: points OBS's stream settings at Kick's ingest
    /// (custom RTMP server, URL exactly as given, the key), then reads them
    /// back and compares in Rust. Refuses while OBS streams; waits while the
    /// output is still stopping. Neither value is logged or returned.
    pub async fn setup_for_kick(&self, ingest: &KickIngest) -> Result<ReadBack, ObsError> {
        validate_ingest(ingest)?;
        let c = self.connected()?;
        self.wait_not_streaming(&c).await?;
        match c.set_stream_service_settings(ingest).await {
            Err(ObsError::Refused { code, .. }) if code == status::OUTPUT_RUNNING => {
                // The output went active (or was still stopping) meanwhile.
                self.wait_not_streaming(&c).await?;
                c.set_stream_service_settings(ingest)
                    .await
                    .map_err(|e| match e {
                        ObsError::Refused { code, .. } if code == status::OUTPUT_RUNNING => {
                            ObsError::StreamActive
                        }
                        e => e,
                    })?;
            }
            r => r?,
        }
        let now = c.get_stream_service_settings().await?;
        let result = read_back(&now, ingest);
        tracing::info!(result = ?result, "set up OBS for Kick; read back");
        Ok(result)
    }

    /// **Stale key check**: does OBS still stream to Kick's current ingest with
    /// the current key?
    pub async fn check_key(&self, ingest: &KickIngest) -> Result<KeyCheck, ObsError> {
        validate_ingest(ingest)?;
        let c = self.connected()?;
        let now = c.get_stream_service_settings().await?;
        let result = check_key(&now, ingest);
        tracing::debug!(result = ?result, "checked OBS's stream key");
        Ok(result)
    }

    /// **Go live**: `StartStream`, then waits until OBS reports the output
    /// started (`Ok`), or stopped again (`StreamDidNotStart`: OBS could not
    /// reach the ingest, often a stale key). Already live is `Ok`.
    pub async fn start_stream(&self) -> Result<(), ObsError> {
        let c = self.connected()?;
        let mut rx = self.shared.output.subscribe();
        let seq0 = rx.borrow_and_update().seq;
        match c.start_stream().await {
            Err(ObsError::Refused { code, .. }) if code == status::OUTPUT_RUNNING => return Ok(()),
            r => r?,
        }
        tracing::info!("asked OBS to start streaming");
        let deadline = Instant::now() + self.shared.options.start_wait;
        loop {
            let o = *rx.borrow_and_update();
            if o.seq > seq0 {
                match o.state {
                    s if is_live(s) => return Ok(()),
                    OutputState::Stopped => return Err(ObsError::StreamDidNotStart),
                    _ => {}
                }
            }
            match timeout_at(deadline, rx.changed()).await {
                Err(_) => break,
                Ok(Err(_)) => return Err(ObsError::ConnectionLost),
                Ok(Ok(())) => {}
            }
        }
        // No news in time: ask.
        if c.get_stream_status().await?.active {
            Ok(())
        } else {
            Err(ObsError::Timeout {
                stage: Stage::StreamStart,
            })
        }
    }

    /// **End stream**: `StopStream`, then waits until the output stopped.
    /// Not streaming is `Ok`.
    pub async fn stop_stream(&self) -> Result<(), ObsError> {
        let c = self.connected()?;
        match c.stop_stream().await {
            Err(ObsError::Refused { code, .. }) if code == status::OUTPUT_NOT_RUNNING => {
                return Ok(())
            }
            r => r?,
        }
        tracing::info!("asked OBS to stop streaming");
        self.wait_stopped(&c).await
    }

    /// Switches OBS's program (live) scene.
    pub async fn switch_scene(&self, scene: &str) -> Result<(), ObsError> {
        self.connected()?.set_current_program_scene(scene).await
    }

    /// Creates an empty scene (tests; a "BRB" helper later).
    pub async fn create_scene(&self, scene: &str) -> Result<(), ObsError> {
        self.connected()?.create_scene(scene).await
    }

    /// OBS's stream status now.
    pub async fn stream_status(&self) -> Result<crate::types::StreamStatus, ObsError> {
        self.connected()?.get_stream_status().await
    }

    /// Until OBS's stream output is inactive (up to `stop_wait`).
    async fn wait_stopped(&self, c: &ObsClient) -> Result<(), ObsError> {
        let deadline = Instant::now() + self.shared.options.stop_wait;
        let mut rx = self.shared.output.subscribe();
        loop {
            if !c.get_stream_status().await?.active {
                return Ok(());
            }
            rx.borrow_and_update();
            if Instant::now() >= deadline {
                return Err(ObsError::Timeout {
                    stage: Stage::StreamStop,
                });
            }
            // Woken by StreamStateChanged, or poll again shortly.
            let _ = timeout(Duration::from_millis(250), rx.changed()).await;
        }
    }

    /// Ok when OBS is not streaming; waits while the output is stopping;
    /// `StreamActive` when it streams.
    async fn wait_not_streaming(&self, c: &ObsClient) -> Result<(), ObsError> {
        if !c.get_stream_status().await?.active {
            return Ok(());
        }
        let mut rx = self.shared.output.subscribe();
        let mut phase = rx.borrow_and_update().state;
        if is_live(phase) || phase == OutputState::Starting {
            // The STOPPING event may be on its way through our event queue.
            if let Ok(Ok(())) = timeout(Duration::from_millis(300), rx.changed()).await {
                phase = rx.borrow_and_update().state;
            }
        }
        if is_live(phase) || phase == OutputState::Starting {
            return Err(ObsError::StreamActive);
        }
        self.wait_stopped(c).await
    }
}

fn validate_ingest(ingest: &KickIngest) -> Result<(), ObsError> {
    if ingest.key.is_empty() || ingest.server.is_empty() {
        return Err(ObsError::InvalidInput(
            "Kick did not give a stream URL and key. Log in to Kick again and allow reading your stream key.".into(),
        ));
    }
    let s = ingest.server.expose();
    if !(s.starts_with("rtmp://") || s.starts_with("rtmps://")) {
        return Err(ObsError::InvalidInput(
            "Kick's stream URL is not an RTMP address (rtmps://…).".into(),
        ));
    }
    Ok(())
}

async fn run(shared: Arc<Shared>) {
    let mut control = shared.control.subscribe();
    let mut attempt: u32 = 0;
    let mut was_connected = false;
    loop {
        if control.borrow_and_update().stop {
            break;
        }
        let cfg = shared.config.lock().unwrap().clone();
        let result = tokio::select! {
            r = ObsClient::connect(&cfg) => Some(r),
            _ = control.changed() => None,
        };
        let error = match result {
            // Settings changed or stop while connecting: start over.
            None => {
                attempt = 0;
                was_connected = false;
                shared.set_state(LinkState::Connecting);
                continue;
            }
            Some(Ok((client, events))) => {
                attempt = 0;
                was_connected = true;
                match session(&shared, client, events, &mut control).await {
                    SessionEnd::Control => {
                        was_connected = false;
                        shared.set_state(LinkState::Connecting);
                        continue;
                    }
                    SessionEnd::Closed(info)
                        if info.code == Some(close_code::SESSION_INVALIDATED) =>
                    {
                        // OBS's "Kick" button: must not reconnect by itself.
                        ObsError::Kicked
                    }
                    SessionEnd::Closed(info) => {
                        tracing::info!(code = ?info.code, "lost the connection to OBS; reconnecting");
                        ObsError::ConnectionLost
                    }
                }
            }
            Some(Err(e)) => e,
        };
        if !error.is_retryable() {
            tracing::warn!(code = error.code(), "OBS needs the streamer's attention");
            shared.set_state(LinkState::NeedsAttention {
                error: error.info(),
            });
            if control.changed().await.is_err() {
                break;
            }
            attempt = 0;
            was_connected = false;
            shared.set_state(LinkState::Connecting);
            continue;
        }
        attempt = attempt.saturating_add(1);
        let jitter = rand::thread_rng().gen_range(-1.0..1.0);
        let delay = backoff(&shared.options, attempt, jitter);
        let retry_in_ms = delay.as_millis() as u64;
        shared.set_state(if was_connected {
            LinkState::Reconnecting {
                attempt,
                error: error.info(),
                retry_in_ms,
            }
        } else {
            LinkState::NotRunning {
                error: error.info(),
                retry_in_ms,
            }
        });
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            r = control.changed() => {
                if r.is_err() { break; }
                attempt = 0;
            }
        }
    }
    *shared.client.lock().unwrap() = None;
    shared.set_state(LinkState::Stopped);
}

enum SessionEnd {
    /// Reconfigured, reconnect requested or stopped.
    Control,
    Closed(crate::client::CloseInfo),
}

async fn session(
    shared: &Arc<Shared>,
    client: ObsClient,
    mut events: mpsc::Receiver<ObsEvent>,
    control: &mut watch::Receiver<Control>,
) -> SessionEnd {
    shared.snap.lock().unwrap().info = Some(client.info().clone());
    let end = session_loop(shared, &client, &mut events, control).await;
    *shared.client.lock().unwrap() = None;
    {
        let mut snap = shared.snap.lock().unwrap();
        snap.info = None;
        snap.health = None;
    }
    shared.output.send_modify(|o| {
        o.seq += 1;
        o.state = OutputState::Unknown;
    });
    if matches!(end, SessionEnd::Control) {
        client.close().await;
    }
    end
}

async fn session_loop(
    shared: &Arc<Shared>,
    client: &ObsClient,
    events: &mut mpsc::Receiver<ObsEvent>,
    control: &mut watch::Receiver<Control>,
) -> SessionEnd {
    let mut meter = HealthMeter::default();
    // Where things stand on arrival.
    let status = match client.get_stream_status().await {
        Ok(s) => s,
        Err(_) => return SessionEnd::Closed(client.closed().await),
    };
    let mut output = match (status.active, status.reconnecting) {
        (true, true) => OutputState::Reconnecting,
        (true, false) => OutputState::Started,
        _ => OutputState::Stopped,
    };
    // Commands may use the connection once the output state is known, and
    // before the UI hears "connected".
    shared.output.send_modify(|o| {
        o.seq += 1;
        o.state = output;
    });
    *shared.client.lock().unwrap() = Some(client.clone());
    shared.set_state(state_for(output));
    if status.active {
        shared.set_health(Some(meter.sample(&status, Instant::now())));
    }
    if let Ok(l) = client.get_scene_list().await {
        shared.set_scenes(l);
    }
    let mut tick = tokio::time::interval(shared.options.health_every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    tick.reset();
    loop {
        tokio::select! {
            ev = events.recv() => {
                let Some(ev) = ev else { return SessionEnd::Closed(client.closed().await) };
                match ev {
                    ObsEvent::StreamStateChanged { state, .. } => {
                        let was_live = is_live(output);
                        output = state;
                        shared.set_output(state);
                        if is_live(state) && !was_live {
                            meter.reset();
                            tick.reset();
                            if let Ok(s) = client.get_stream_status().await {
                                shared.set_health(Some(meter.sample(&s, Instant::now())));
                            }
                        } else if state == OutputState::Stopped {
                            // Usually after Stopping: one last reading says "not live".
                            meter.reset();
                            if shared.snap.lock().unwrap().health.is_some() {
                                shared.set_health(Some(StreamHealth::default()));
                                shared.set_health(None);
                            }
                        }
                    }
                    ObsEvent::CurrentProgramSceneChanged { scene } => {
                        let mut l = shared.snap.lock().unwrap().scenes.clone().unwrap_or_default();
                        if !l.scenes.contains(&scene) {
                            if let Ok(fresh) = client.get_scene_list().await {
                                l = fresh;
                            }
                        }
                        l.current = Some(scene);
                        shared.set_scenes(l);
                    }
                    ObsEvent::ScenesChanged => {
                        if let Ok(l) = client.get_scene_list().await {
                            shared.set_scenes(l);
                        }
                    }
                    ObsEvent::ExitStarted => tracing::info!("OBS is shutting down"),
                    ObsEvent::Other { .. } => {}
                }
            }
            _ = tick.tick(), if is_live(output) => {
                match client.get_stream_status().await {
                    Ok(s) => {
                        let h = meter.sample(&s, Instant::now());
                        shared.set_health(Some(h));
                        if !s.active {
                            // The stop event went missing: catch up.
                            output = OutputState::Stopped;
                            shared.set_output(output);
                            shared.set_health(None);
                        }
                    }
                    Err(ObsError::ConnectionLost) => return SessionEnd::Closed(client.closed().await),
                    Err(e) => tracing::debug!(code = e.code(), "stream status poll failed"),
                }
            }
            info = client.closed() => return SessionEnd::Closed(info),
            r = control.changed() => {
                let _ = r;
                return SessionEnd::Control;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let o = LinkOptions::default();
        assert_eq!(backoff(&o, 1, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(&o, 2, 0.0), Duration::from_secs(1));
        assert_eq!(backoff(&o, 3, 0.0), Duration::from_secs(2));
        assert_eq!(backoff(&o, 5, 0.0), Duration::from_secs(5));
        assert_eq!(backoff(&o, 500, 0.0), Duration::from_secs(5));
        assert_eq!(backoff(&o, 1, 1.0), Duration::from_millis(600));
        assert_eq!(backoff(&o, 1, -1.0), Duration::from_millis(400));
    }

    #[test]
    fn output_states_map_to_link_states() {
        assert_eq!(
            state_for(OutputState::Started),
            LinkState::Streaming {
                reconnecting: false
            }
        );
        assert_eq!(
            state_for(OutputState::Reconnecting),
            LinkState::Streaming { reconnecting: true }
        );
        assert_eq!(
            state_for(OutputState::Stopping),
            LinkState::Connected {
                output: OutputPhase::Stopping
            }
        );
    }

    #[test]
    fn state_json_shape() {
        let j = serde_json::to_value(LinkEvent::State(LinkState::NotRunning {
            error: ObsError::NotRunning {
                addr: "127.0.0.1:4455".into(),
            }
            .info(),
            retry_in_ms: 500,
        }))
        .unwrap();
        assert_eq!(j["type"], "state");
        assert_eq!(j["data"]["state"], "not_running");
        assert_eq!(j["data"]["error"]["code"], "obs_not_running");
        assert_eq!(j["data"]["retry_in_ms"], 500);
    }
}
