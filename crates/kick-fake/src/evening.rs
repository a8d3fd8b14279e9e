//! The demo evening: while the streamer is live, a believable evening plays
//! by itself, so a newcomer sees an activity feed and the stream's numbers
//! fill without touching anything.
//!
//! When the streamer goes live ([`crate::world::go_live`] for
//! [`STREAMER_ID`]) the opening starts within seconds: follows, a new sub
//! and resubs, two gift bombs (one anonymous), three KICKs gifts of
//! different sizes with messages, two reward redemptions (pending, on the
//! seeded rewards), a troll's line and their timeout, a host with viewers
//! and a title change, all within the first ~100 s ([`OPENING`]). Then a
//! slower trickle: one action every 20–60 s (seeded RNG, so the same seed
//! plays the same evening) for as long as the stream is live. Going
//! offline stops it at once; the next stream plays a new evening.
//!
//! Every step is a [`crate::actions`] call, so it goes out on the socket
//! (with Kick's twins) and as a signed webhook (to a target, when one is
//! set and subscribed, as on Kick).
//!
//! Pacing: [`EveningConfig::speed`] divides every wait (1 = real time; a
//! test runs the opening in about a second at 100). On with
//! `FakeConfig::evening = Some(EveningConfig::default())` (the app's demo),
//! or at runtime with `POST /_fake/evening {"on": true, "speed": 50}`.

use crate::actions::{self, RewardPick};
use crate::state::{AppState, Fake, Metrics};
use crate::world::STREAMER_ID;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::watch;

/// How the demo evening plays.
#[derive(Clone, Debug, PartialEq)]
pub struct EveningConfig {
    /// Time factor: 1 = real time, 60 = a minute per second.
    pub speed: f64,
    /// Seconds between two actions of the trickle after the opening
    /// (uniform in `[min, max]`, before `speed`).
    pub trickle_secs: (f64, f64),
}

impl Default for EveningConfig {
    fn default() -> Self {
        EveningConfig {
            speed: 1.0,
            trickle_secs: (20.0, 60.0),
        }
    }
}

/// Slowest and fastest pacing a control route may set.
const SPEED_RANGE: (f64, f64) = (0.05, 1_000.0);
/// Shortest and longest trickle gap a control route may set, seconds.
const TRICKLE_RANGE: (f64, f64) = (1.0, 3_600.0);

/// The evening's switch and pacing, and the streamer's live state it
/// follows (one watch value, so no change is missed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Signal {
    pub enabled: bool,
    pub speed: f64,
    pub trickle_secs: (f64, f64),
    pub live: bool,
    /// Bumped each time the streamer goes live: one evening per stream.
    pub live_epoch: u64,
}

pub struct EveningRuntime {
    tx: watch::Sender<Signal>,
}

impl std::fmt::Debug for EveningRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EveningRuntime")
            .field("signal", &*self.tx.borrow())
            .finish()
    }
}

impl EveningRuntime {
    pub fn new(config: Option<&EveningConfig>) -> Self {
        let c = config.cloned().unwrap_or_default();
        let signal = Signal {
            enabled: config.is_some(),
            speed: c.speed.clamp(SPEED_RANGE.0, SPEED_RANGE.1),
            trickle_secs: clamp_trickle(c.trickle_secs),
            live: false,
            live_epoch: 0,
        };
        EveningRuntime {
            tx: watch::channel(signal).0,
        }
    }

    /// Called by `world::go_live` for the streamer.
    pub fn streamer_live(&self, live: bool) {
        self.tx.send_modify(|s| {
            if live && !s.live {
                s.live_epoch += 1;
            }
            s.live = live;
        });
    }

    /// Turns the evening on/off and sets its pacing (clamped).
    pub fn set(&self, on: Option<bool>, speed: Option<f64>, trickle_secs: Option<(f64, f64)>) {
        self.tx.send_modify(|s| {
            if let Some(on) = on {
                s.enabled = on;
            }
            if let Some(v) = speed.filter(|v| v.is_finite()) {
                s.speed = v.clamp(SPEED_RANGE.0, SPEED_RANGE.1);
            }
            if let Some(t) = trickle_secs {
                s.trickle_secs = clamp_trickle(t);
            }
        });
    }

    pub fn signal(&self) -> Signal {
        *self.tx.borrow()
    }
}

fn clamp_trickle((a, b): (f64, f64)) -> (f64, f64) {
    let fix = |v: f64| {
        if v.is_finite() {
            v.clamp(TRICKLE_RANGE.0, TRICKLE_RANGE.1)
        } else {
            TRICKLE_RANGE.0
        }
    };
    let (a, b) = (fix(a), fix(b));
    (a.min(b), a.max(b))
}

/// One step of an evening.
#[derive(Clone, Debug)]
pub enum Step {
    Follow(&'static str),
    /// Months: 1 = a new sub, more = a resub.
    Sub(&'static str, u64),
    /// Gifter (`None` = anonymous) and how many.
    Gift(Option<&'static str>, usize),
    Kicks(&'static str, u64, &'static str),
    /// Reward title, viewer, input.
    Redeem(&'static str, &'static str, Option<&'static str>),
    Host(&'static str, u64, &'static str),
    Chat(&'static str, &'static str),
    /// Viewer, minutes, reason; by the channel's moderator.
    Timeout(&'static str, u64, &'static str),
    Title(&'static str),
}

/// The opening of every evening: (seconds after going live, step).
pub const OPENING: &[(f64, Step)] = &[
    (4.0, Step::Follow("sleepy_sam")),
    (9.0, Step::Sub("tacotuesday", 1)),
    (14.0, Step::Follow("mossy_mara")),
    (
        19.0,
        Step::Kicks("coffeecat", 100, "hi from the lurker side"),
    ),
    (24.0, Step::Redeem("Hydrate!", "quietqueen", None)),
    (29.0, Step::Sub("pixel_pete", 7)),
    (34.0, Step::Follow("byte_bandit")),
    (39.0, Step::Gift(Some("gg_gary"), 5)),
    (45.0, Step::Chat("n00bslayer", "this stream is mid lol")),
    (47.0, Step::Timeout("n00bslayer", 10, "being a troll")),
    (52.0, Step::Kicks("hypehank", 500, "that clutch tho")),
    (57.0, Step::Follow("velvet_vex")),
    (62.0, Step::Gift(None, 3)),
    (
        68.0,
        Step::Redeem("Song request", "emote_emma", Some("lo-fi beats please")),
    ),
    (74.0, Step::Host("RetroRonan", 23, "go show some love")),
    (80.0, Step::Follow("kettle_kid")),
    (81.0, Step::Follow("arcade_ash")),
    (
        86.0,
        Step::Kicks("ranked_rick", 1000, "best stream on kick"),
    ),
    (92.0, Step::Sub("coffeecat", 3)),
    (
        98.0,
        Step::Title("Chill vibes, chatting with you | !discord"),
    ),
];

/// The channel's moderator (a seeded chatter).
const MODERATOR: &str = "modmolly";

const ADJECTIVES: &[&str] = &[
    "sleepy", "mossy", "velvet", "kettle", "arcade", "nova", "pebble", "drift", "juniper",
    "static", "maple", "cinder", "tidal", "orbit", "fuzzy", "glitch", "rusty", "sunny", "frosty",
    "quill", "brisk", "ember", "lucky", "cosmic",
];
const NOUNS: &[&str] = &[
    "sam", "mara", "vex", "kid", "ash", "nico", "pia", "dan", "jo", "stu", "moe", "cy", "tess",
    "ola", "finn", "gwen", "rae", "sid", "fay", "bo", "eli", "wren", "otto", "ivy",
];
const KICKS_LINES: &[&str] = &[
    "love the vibes",
    "for the coffee fund",
    "gg!",
    "first gift, be nice",
    "hype hype hype",
    "keep it up",
];
const HOSTS: &[&str] = &["NightOwlNina", "CozyCornerCam", "PixelPriya", "MapleMaya"];
const TROLL_LINES: &[&str] = &["boring", "this stream is mid lol", "first"];
const SONGS: &[&str] = &[
    "something upbeat",
    "the one from last stream",
    "lo-fi please",
    "anything by daft punk",
];

/// The bounded pool of viewer names for follows and giftees (576 names,
/// built once per process), so the users the fake registers stay bounded
/// all night.
fn pool() -> &'static [&'static str] {
    static POOL: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        ADJECTIVES
            .iter()
            .flat_map(|a| NOUNS.iter().map(move |n| format!("{a}_{n}")))
            .map(|s| &*Box::leak(s.into_boxed_str()))
            .collect()
    })
}

fn pooled(rng: &mut StdRng) -> &'static str {
    let p = pool();
    p[rng.gen_range(0..p.len())]
}

/// The trickle's next step, weighted like a quiet stream: mostly follows,
/// redemptions and KICKs, now and then a sub, a gift bomb, a host or a troll.
pub fn trickle_step(rng: &mut StdRng) -> Vec<Step> {
    let pick = pooled;
    let chatter = |rng: &mut StdRng| {
        crate::social::CHATTERS[rng.gen_range(0..crate::social::CHATTERS.len())].0
    };
    let roll = rng.gen_range(0..100);
    match roll {
        0..=34 => vec![Step::Follow(pick(rng))],
        35..=44 => vec![Step::Sub(pick(rng), 1)],
        45..=54 => vec![Step::Sub(chatter(rng), rng.gen_range(2..=24))],
        55..=66 => {
            let amount = [50u64, 100, 250, 500, 1000][rng.gen_range(0..5)];
            let line = KICKS_LINES[rng.gen_range(0..KICKS_LINES.len())];
            vec![Step::Kicks(chatter(rng), amount, line)]
        }
        67..=81 => {
            if rng.gen_bool(0.5) {
                vec![Step::Redeem("Hydrate!", chatter(rng), None)]
            } else {
                let song = SONGS[rng.gen_range(0..SONGS.len())];
                vec![Step::Redeem("Song request", chatter(rng), Some(song))]
            }
        }
        82..=89 => {
            let gifter = (!rng.gen_bool(0.25)).then(|| chatter(rng));
            vec![Step::Gift(gifter, rng.gen_range(1..=5))]
        }
        90..=93 => {
            let host = HOSTS[rng.gen_range(0..HOSTS.len())];
            vec![Step::Host(host, rng.gen_range(5..=60), "")]
        }
        _ => {
            let line = TROLL_LINES[rng.gen_range(0..TROLL_LINES.len())];
            vec![
                Step::Chat("n00bslayer", line),
                Step::Timeout("n00bslayer", rng.gen_range(1..=10), "being a troll"),
            ]
        }
    }
}

/// Plays one step (errors, e.g. a paused reward, are skipped).
pub fn play(fake: &Fake, step: &Step, rng: &mut StdRng) {
    let b = STREAMER_ID;
    let r = match step {
        Step::Follow(who) => actions::follow(fake, b, who, false),
        Step::Sub(who, months) => actions::subscribe(fake, b, who, *months),
        Step::Gift(gifter, n) => {
            let names: Vec<String> = (0..*n).map(|_| pooled(rng).to_owned()).collect();
            actions::gift_subs(fake, b, *gifter, &names, 50, rng.gen_bool(0.5))
        }
        Step::Kicks(who, amount, msg) => actions::kicks(fake, b, who, *amount, msg),
        Step::Redeem(title, who, input) => {
            let pick = RewardPick {
                id: None,
                title: Some((*title).to_owned()),
            };
            actions::redeem(fake, b, &pick, who, *input)
        }
        Step::Host(who, viewers, msg) => actions::host(fake, b, who, *viewers, msg),
        Step::Chat(who, text) => Ok(json!({"message_id": actions::chat(fake, b, who, text, None)})),
        Step::Timeout(who, minutes, reason) => {
            actions::ban(fake, b, who, Some(*minutes), reason, Some(MODERATOR))
        }
        Step::Title(t) => actions::set_metadata(fake, b, Some(t), None),
    };
    match r {
        Ok(_) => Metrics::bump(&fake.metrics.evening_actions),
        Err(e) => tracing::debug!(?step, error = %e, "demo evening step skipped"),
    }
}

fn still_on(s: &Signal, epoch: u64) -> bool {
    s.enabled && s.live && s.live_epoch == epoch
}

/// Waits `secs` (scaled by the speed); false when the evening should stop
/// (offline, switched off, a new stream, or the fake is gone).
async fn pause(rx: &mut watch::Receiver<Signal>, secs: f64, epoch: u64) -> bool {
    let speed = rx.borrow().speed;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64((secs / speed).max(0.0));
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => return still_on(&rx.borrow(), epoch),
            r = rx.changed() => {
                if r.is_err() || !still_on(&rx.borrow_and_update(), epoch) {
                    return false;
                }
            }
        }
    }
}

/// Starts the task that plays an evening whenever the streamer is live and
/// the evening is on. It holds the fake weakly and ends with it.
pub fn spawn(fake: AppState) {
    let mut rx = fake.evening.tx.subscribe();
    let seed = fake.config.seed;
    let weak = Arc::downgrade(&fake);
    drop(fake);
    tokio::spawn(async move {
        let mut opened_epoch = 0;
        loop {
            let epoch = match rx.wait_for(|s| s.enabled && s.live).await {
                Ok(s) => s.live_epoch,
                Err(_) => break,
            };
            let opening = opened_epoch != epoch;
            opened_epoch = epoch;
            // It returns once the evening is off, the stream ended or a new
            // one began (the loop then waits, or opens the new one).
            if !run(&weak, &mut rx, epoch, seed, opening).await {
                break;
            }
        }
    });
}

/// One evening; false when the fake is gone.
async fn run(
    weak: &Weak<Fake>,
    rx: &mut watch::Receiver<Signal>,
    epoch: u64,
    seed: u64,
    opening: bool,
) -> bool {
    let mut rng = StdRng::seed_from_u64(seed ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut at = 0.0;
    if opening {
        for (t, step) in OPENING {
            if !pause(rx, t - at, epoch).await {
                return weak.strong_count() > 0;
            }
            at = *t;
            let Some(fake) = weak.upgrade() else {
                return false;
            };
            play(&fake, step, &mut rng);
        }
    }
    loop {
        let (lo, hi) = rx.borrow().trickle_secs;
        let gap = if hi > lo { rng.gen_range(lo..=hi) } else { lo };
        if !pause(rx, gap, epoch).await {
            return weak.strong_count() > 0;
        }
        let Some(fake) = weak.upgrade() else {
            return false;
        };
        for step in trickle_step(&mut rng) {
            play(&fake, &step, &mut rng);
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Control {
    on: Option<bool>,
    speed: Option<f64>,
    trickle_secs: Option<(f64, f64)>,
}

fn status(fake: &Fake) -> Value {
    let s = fake.evening.signal();
    json!({
        "on": s.enabled, "speed": s.speed, "trickle_secs": [s.trickle_secs.0, s.trickle_secs.1],
        "streamer_live": s.live, "stream": s.live_epoch,
        "actions": fake.metrics.evening_actions.load(std::sync::atomic::Ordering::Relaxed),
    })
}

async fn control(
    axum::extract::State(fake): axum::extract::State<AppState>,
    body: Option<axum::Json<Control>>,
) -> axum::Json<Value> {
    if let Some(axum::Json(c)) = body {
        fake.evening.set(c.on, c.speed, c.trickle_secs);
    }
    axum::Json(status(&fake))
}

async fn get_status(
    axum::extract::State(fake): axum::extract::State<AppState>,
) -> axum::Json<Value> {
    axum::Json(status(&fake))
}

/// `POST /_fake/evening {"on"?, "speed"?, "trickle_secs"?: [min, max]}` and
/// `GET /_fake/evening`: the switch, the pacing, the count of actions played.
pub fn control_routes() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/_fake/evening",
        axum::routing::post(control).get(get_status),
    )
}
