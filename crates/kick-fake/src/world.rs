//! The believable world the fake serves: users, channels (with stream key and
//! ingest URL), categories, live state. Seeded deterministically.

use crate::tokens::Tokens;
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

/// The streamer the fake's OAuth logs in as.
pub const STREAMER_ID: u64 = 4_250_001;
pub const STREAMER_SLUG: &str = "demostreamer";

#[derive(Clone, Debug)]
pub struct FakeUser {
    pub user_id: u64,
    pub name: String,
    pub email: String,
    pub profile_picture: String,
}

#[derive(Clone, Debug)]
pub struct FakeCategory {
    pub id: u64,
    pub name: String,
    pub thumbnail: String,
    pub tags: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct FakeChannel {
    pub broadcaster_user_id: u64,
    pub slug: String,
    pub channel_description: String,
    pub banner_picture: String,
    pub stream_title: String,
    pub category_id: u64,
    pub custom_tags: Vec<String>,
    pub language: String,
    pub is_mature: bool,
    pub is_live: bool,
    pub started_at: Option<DateTime<Utc>>,
    pub viewer_count: u64,
    pub thumbnail: String,
    /// The secret stream key; only its owner with `streamkey:read` sees it.
    pub stream_key: String,
    pub ingest_url: String,
    /// v2 livestream id (UUID) while live.
    pub livestream_id: Option<String>,
    /// Pusher chatroom id (differs from the broadcaster id, as on Kick).
    pub chatroom_id: u64,
    pub active_subscribers_count: u64,
    pub canceled_subscribers_count: u64,
    /// Followers (Kick's public API does not show it; the socket's follower
    /// goal and `/_fake/channel` do).
    pub followers_count: u64,
    /// The follower goal's target (`GoalProgressUpdateEvent.target_value`).
    pub follower_goal: u64,
    /// What the viewer count of the current stream drifts around (the
    /// count it went live with, raised by hosts).
    pub viewer_base: u64,
}

#[derive(Default, Debug)]
pub struct World {
    pub tokens: Tokens,
    pub oauth: crate::oauth::OAuthState,
    pub social: crate::social::Social,
    pub webhooks: crate::webhooks::WebhookState,
    pub users: BTreeMap<u64, FakeUser>,
    /// Keyed by broadcaster user id.
    pub channels: BTreeMap<u64, FakeChannel>,
    pub categories: Vec<FakeCategory>,
}

const TITLES: &[&str] = &[
    "Road to top 500",
    "Chill vibes, chatting with you",
    "Ranked grind until I drop",
    "First playthrough, no spoilers!",
    "Morning coffee stream",
    "Tournament practice",
    "Viewer games all night",
    "Building something new",
];

fn category_thumb(id: u64) -> String {
    format!("https://files.kick.com/images/subcategories/{id}/banner/thumb.webp")
}

const CATEGORY_NAMES: &[(&str, &[&str])] = &[
    ("Just Chatting", &["IRL"]),
    ("Slots & Casino", &["Gambling"]),
    ("Grand Theft Auto V", &["Action", "Open World"]),
    ("Counter-Strike 2", &["FPS", "Shooter", "Competitive"]),
    ("Fortnite", &["Battle Royale", "Shooter"]),
    ("League of Legends", &["MOBA", "Strategy"]),
    ("Valorant", &["FPS", "Shooter", "Competitive"]),
    ("Minecraft", &["Sandbox", "Survival"]),
    ("Call of Duty: Warzone", &["Battle Royale", "FPS"]),
    ("Apex Legends", &["Battle Royale", "FPS"]),
    ("Rust", &["Survival", "Open World"]),
    ("Dota 2", &["MOBA", "Strategy"]),
    ("Pools, Hot Tubs & Beaches", &["IRL"]),
    ("Music", &["Creative"]),
    ("Art", &["Creative"]),
    ("Software & Game Development", &["Creative", "Tech"]),
    ("Travel & Outdoors", &["IRL"]),
    ("Food & Drink", &["IRL"]),
    ("Sports", &["IRL"]),
    ("Chess", &["Strategy", "Board Game"]),
    ("Poker", &["Card Game"]),
    ("Elden Ring", &["RPG", "Action"]),
    ("World of Warcraft", &["MMO", "RPG"]),
    ("Old School RuneScape", &["MMO", "RPG"]),
    ("Escape from Tarkov", &["FPS", "Survival"]),
    ("Dead by Daylight", &["Horror", "Survival"]),
    ("Overwatch 2", &["FPS", "Hero Shooter"]),
    ("Rocket League", &["Sports", "Racing"]),
    ("EA Sports FC 26", &["Sports"]),
    ("NBA 2K26", &["Sports"]),
    ("Hearthstone", &["Card Game", "Strategy"]),
    ("Teamfight Tactics", &["Strategy", "Auto Battler"]),
    ("PUBG: Battlegrounds", &["Battle Royale", "Shooter"]),
    ("Roblox", &["Sandbox"]),
    ("The Sims 4", &["Simulation"]),
    ("Stardew Valley", &["Simulation", "Cozy"]),
    ("Baldur's Gate 3", &["RPG"]),
    ("Cyberpunk 2077", &["RPG", "Open World"]),
    ("Red Dead Redemption 2", &["Action", "Open World"]),
    ("Hollow Knight: Silksong", &["Metroidvania", "Indie"]),
    ("Just Dance", &["Music", "Party"]),
    ("ASMR", &["IRL"]),
    ("Talk Shows & Podcasts", &["IRL"]),
    ("Science & Technology", &["Tech"]),
    ("Fitness & Health", &["IRL"]),
    ("Retro", &["Classic"]),
    ("Speedrunning", &["Competitive"]),
    ("Marvel Rivals", &["Hero Shooter"]),
    ("Path of Exile 2", &["ARPG", "RPG"]),
    ("Diablo IV", &["ARPG", "RPG"]),
];
const GENRES: &[&str] = &[
    "Legends",
    "Arena",
    "Tactics",
    "Online",
    "Chronicles",
    "Simulator",
    "Racing",
    "Kingdoms",
    "Survivors",
    "Odyssey",
];
const PREFIXES: &[&str] = &[
    "Super", "Dark", "Star", "Iron", "Neon", "Pixel", "Shadow", "Crystal", "Galaxy", "Wild",
    "Mystic", "Rogue", "Cosmic", "Frozen", "Golden", "Silent", "Crimson", "Hyper", "Lunar",
    "Thunder", "Ancient", "Steel", "Turbo", "Solar", "Echo", "Phantom",
];
const STREAMERS: &[(&str, &str)] = &[
    ("NightOwlNina", "en"),
    ("ProSniperMax", "en"),
    ("CozyCornerCam", "en"),
    ("ElRey_Gamer", "es"),
    ("LunaPlaysLive", "en"),
    ("TurboTomas", "pt"),
    ("ChessWithChen", "en"),
    ("MiaMakesMusic", "en"),
    ("DerGrosseKarl", "de"),
    ("PixelPriya", "en"),
    ("SpeedyShin", "ja"),
    ("RustRaiderRex", "en"),
    ("BaristaBella", "en"),
    ("LeChatBleu", "fr"),
    ("HoopsHenry", "en"),
    ("QuietQuinn", "en"),
    ("AstroAmara", "en"),
    ("BigBossBoris", "ru"),
    ("CasinoCarla", "en"),
    ("DevDanBuilds", "en"),
    ("GGGabriela", "es"),
    ("IronIvo", "en"),
    ("JollyJae", "ko"),
    ("KartKingKai", "en"),
    ("MapleMaya", "en"),
    ("NordicNils", "sv"),
    ("OrbitOscar", "en"),
    ("PaintedPaula", "it"),
    ("RetroRonan", "en"),
    ("SunnySofia", "pt"),
];

impl World {
    pub fn seeded(seed: u64) -> Self {
        let mut w = World::default();
        w.seed(seed);
        crate::social::seed(&mut w, "seed-app");
        w
    }

    fn seed(&mut self, seed: u64) {
        let mut rng = StdRng::seed_from_u64(seed);
        // Categories: real-looking ids, real names first, then generated ones.
        let mut id = 1u64;
        for (name, tags) in CATEGORY_NAMES {
            let cid = if *name == "Just Chatting" {
                15
            } else {
                100 + id
            };
            self.categories.push(FakeCategory {
                id: cid,
                name: (*name).into(),
                thumbnail: category_thumb(cid),
                tags: tags.iter().map(|t| (*t).into()).collect(),
            });
            id += 1;
        }
        'outer: for p in PREFIXES {
            for g in GENRES {
                if self.categories.len() >= 300 {
                    break 'outer;
                }
                let cid = 1000 + id;
                id += 1;
                self.categories.push(FakeCategory {
                    id: cid,
                    name: format!("{p} {g}"),
                    thumbnail: category_thumb(cid),
                    tags: vec![(*g).into()],
                });
            }
        }
        self.add_streamer(
            STREAMER_ID,
            "DemoStreamer",
            STREAMER_SLUG,
            "Chill stream, come say hi",
            15,
            vec!["English".into(), "Chill".into()],
            "en",
            4_240_017,
        );
        if let Some(c) = self.channels.get_mut(&STREAMER_ID) {
            c.channel_description = "Cozy evening streams.".into();
            c.active_subscribers_count = 12;
            c.canceled_subscribers_count = 1;
            c.followers_count = 1234;
            c.follower_goal = 2000;
        }
        let n_real = CATEGORY_NAMES.len();
        for (i, (name, lang)) in STREAMERS.iter().enumerate() {
            let uid = 5_100_000 + i as u64 * 37;
            let cat = self.categories[rng.gen_range(0..n_real)].id;
            let title = format!("{} | {}", TITLES[i % TITLES.len()], name);
            self.add_streamer(
                uid,
                name,
                &name.to_lowercase(),
                &title,
                cat,
                vec![lang.to_uppercase()],
                lang,
                6_000_000 + i as u64 * 11,
            );
            // Two thirds of the other channels are live, with believable counts.
            if rng.gen_bool(0.66) {
                let viewers = (rng.gen::<f64>().powi(3) * 20_000.0) as u64 + 3;
                let minutes = rng.gen_range(5..360);
                self.set_live(
                    uid,
                    true,
                    Utc::now() - chrono::Duration::minutes(minutes),
                    viewers,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_streamer(
        &mut self,
        uid: u64,
        name: &str,
        slug: &str,
        title: &str,
        category_id: u64,
        tags: Vec<String>,
        lang: &str,
        chatroom_id: u64,
    ) {
        self.users.insert(
            uid,
            FakeUser {
                user_id: uid,
                name: name.into(),
                email: format!("{slug}@streamer.example"),
                profile_picture: String::new(),
            },
        );
        self.channels.insert(
            uid,
            FakeChannel {
                broadcaster_user_id: uid,
                slug: slug.into(),
                channel_description: String::new(),
                banner_picture: String::new(),
                stream_title: title.into(),
                category_id,
                custom_tags: tags,
                language: lang.into(),
                is_mature: false,
                is_live: false,
                started_at: None,
                viewer_count: 0,
                thumbnail: String::new(),
                stream_key: format!("sk_us-west-2_{}", crate::tokens::opaque_token()),
                ingest_url: "rtmps://fa723fc1b171.global-contribute.live-video.net:443/app/".into(),
                livestream_id: None,
                chatroom_id,
                active_subscribers_count: 0,
                canceled_subscribers_count: 0,
                followers_count: 100 + (uid % 9_000),
                follower_goal: 10_000,
                viewer_base: 0,
            },
        );
    }

    /// Takes a channel live or offline; returns the `livestream.status.updated`
    /// body when the state changed.
    pub fn set_live(
        &mut self,
        uid: u64,
        live: bool,
        started_at: DateTime<Utc>,
        viewers: u64,
    ) -> Option<serde_json::Value> {
        let c = self.channels.get_mut(&uid)?;
        if c.is_live == live {
            return None;
        }
        let ended_at = if live { None } else { Some(Utc::now()) };
        let prev_start = c.started_at;
        c.is_live = live;
        if live {
            c.started_at = Some(started_at);
            c.viewer_count = viewers;
            c.viewer_base = viewers.max(1);
            c.livestream_id = Some(uuid::Uuid::new_v4().to_string());
            c.thumbnail = format!(
                "https://images.kick.com/video_thumbnails/{}/thumb.webp",
                c.slug
            );
        } else {
            c.started_at = None;
            c.viewer_count = 0;
            c.livestream_id = None;
            c.thumbnail = String::new();
        }
        let title = c.stream_title.clone();
        let name = self
            .users
            .get(&uid)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        Some(serde_json::json!({
            "broadcaster": crate::social::event_user(uid, &name, None),
            "is_live": live,
            "title": title,
            "started_at": if live { Some(fmt(started_at)) } else { prev_start.map(fmt) },
            "ended_at": ended_at.map(fmt),
        }))
    }

    pub fn channel_by_slug(&self, slug: &str) -> Option<&FakeChannel> {
        self.channels
            .values()
            .find(|c| c.slug.eq_ignore_ascii_case(slug))
    }

    /// `{id, name, thumbnail}` as channels, livestreams and events show a category.
    pub fn category_ref(&self, id: u64) -> serde_json::Value {
        let cat = self.category(id);
        serde_json::json!({
            "id": id,
            "name": cat.map(|c| c.name.as_str()).unwrap_or(""),
            "thumbnail": cat.map(|c| c.thumbnail.as_str()).unwrap_or(""),
        })
    }

    pub fn category(&self, id: u64) -> Option<&FakeCategory> {
        self.categories.iter().find(|c| c.id == id)
    }
}

/// The `livestream.metadata.updated` body (API.md §5.6) of a channel now.
pub fn metadata_body(w: &World, uid: u64) -> serde_json::Value {
    let name = w
        .users
        .get(&uid)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let Some(c) = w.channels.get(&uid) else {
        return serde_json::Value::Null;
    };
    serde_json::json!({
        "broadcaster": crate::social::event_user(uid, &name, None),
        "metadata": {
            "title": c.stream_title,
            "language": c.language,
            "has_mature_content": c.is_mature,
            "category": w.category_ref(c.category_id),
        }
    })
}

/// Moves the world one step: viewer counts drift on live channels and now and
/// then another channel starts or ends a stream. Called every `world_tick`.
pub fn tick(fake: &crate::state::Fake) {
    let mut events = Vec::new();
    {
        let mut rng = rand::thread_rng();
        let mut world = fake.world.lock().unwrap();
        let ids: Vec<u64> = world.channels.keys().copied().collect();
        for uid in ids {
            let c = world.channels.get_mut(&uid).expect("id from keys");
            if c.is_live {
                c.viewer_count = drift_viewers(c, Utc::now(), &mut rng);
            }
            if uid == STREAMER_ID {
                continue; // the streamer goes live only when told to
            }
            // About one switch per channel per ~15 minutes at a 5 s tick.
            if rng.gen_bool(0.005) {
                let live = !world.channels[&uid].is_live;
                let viewers = (rng.gen::<f64>().powi(3) * 5_000.0) as u64 + 3;
                if let Some(body) = world.set_live(uid, live, Utc::now(), viewers) {
                    events.push((uid, body));
                }
            }
        }
    }
    for (uid, body) in events {
        fake.emit("livestream.status.updated", uid, body);
    }
}

/// The next viewer count of a live channel: it pulls towards a curve (a
/// stream grows from the count it went live with to half as much again
/// over its first twenty minutes or so, then swells and ebbs gently) with
/// noise, so a demo stream moves believably all night instead of wandering
/// off. A host raises the base (`actions::host`).
pub fn drift_viewers(c: &FakeChannel, now: DateTime<Utc>, rng: &mut impl Rng) -> u64 {
    let mins = c
        .started_at
        .map(|t| (now - t).num_seconds().max(0) as f64 / 60.0)
        .unwrap_or(0.0);
    let base = c.viewer_base.max(1) as f64;
    let fill = 1.0 + 0.5 * (1.0 - (-mins / 10.0).exp());
    let wave = 1.0 + 0.12 * (mins / 9.0).sin() + 0.05 * (mins / 2.3).sin();
    let target = base * fill * wave;
    let cur = c.viewer_count as f64;
    let noise = rng.gen_range(-1.0..1.0) * (1.5 + cur * 0.025);
    let next = cur + (target - cur) * 0.2 + noise;
    next.round().max(1.0) as u64
}

#[derive(serde::Deserialize, Default)]
struct LiveControl {
    broadcaster_user_id: Option<u64>,
    viewers: Option<u64>,
}

async fn control_live(
    axum::extract::State(fake): axum::extract::State<crate::state::AppState>,
    body: Option<axum::Json<LiveControl>>,
) -> axum::Json<serde_json::Value> {
    set_stream(&fake, body.map(|b| b.0).unwrap_or_default(), true)
}

async fn control_offline(
    axum::extract::State(fake): axum::extract::State<crate::state::AppState>,
    body: Option<axum::Json<LiveControl>>,
) -> axum::Json<serde_json::Value> {
    set_stream(&fake, body.map(|b| b.0).unwrap_or_default(), false)
}

fn set_stream(
    fake: &crate::state::Fake,
    c: LiveControl,
    live: bool,
) -> axum::Json<serde_json::Value> {
    let uid = c.broadcaster_user_id.unwrap_or(STREAMER_ID);
    let changed = go_live(fake, uid, live, c.viewers);
    axum::Json(
        serde_json::json!({ "broadcaster_user_id": uid, "is_live": live, "changed": changed }),
    )
}

/// Takes a channel live (with a starting viewer count) or offline and
/// announces `livestream.status.updated`. Returns whether anything changed.
pub fn go_live(fake: &crate::state::Fake, uid: u64, live: bool, viewers: Option<u64>) -> bool {
    let body = {
        let mut world = fake.world.lock().unwrap();
        if let (Some(v), Some(ch)) = (viewers, world.channels.get_mut(&uid)) {
            if ch.is_live && live {
                ch.viewer_count = v;
                ch.viewer_base = v.max(1);
            }
        }
        world.set_live(uid, live, Utc::now(), viewers.unwrap_or(37))
    };
    match body {
        Some(b) => {
            fake.emit("livestream.status.updated", uid, b);
            if uid == STREAMER_ID {
                fake.evening.streamer_live(live);
            }
            true
        }
        None => false,
    }
}

/// The streamer's channel as the fake holds it (no stream key), for tests
/// that check what an app changed.
async fn control_channel(
    axum::extract::State(fake): axum::extract::State<crate::state::AppState>,
) -> axum::Json<serde_json::Value> {
    let w = fake.world.lock().unwrap();
    let c = &w.channels[&STREAMER_ID];
    axum::Json(serde_json::json!({
        "broadcaster_user_id": c.broadcaster_user_id,
        "slug": c.slug,
        "stream_title": c.stream_title,
        "category_id": c.category_id,
        "custom_tags": c.custom_tags,
        "is_live": c.is_live,
        "viewer_count": c.viewer_count,
        "followers_count": c.followers_count,
        "follower_goal": c.follower_goal,
        "active_subscribers_count": c.active_subscribers_count,
    }))
}

/// Control routes for the world (`/_fake/stream/...`).
pub fn control_routes() -> axum::Router<crate::state::AppState> {
    axum::Router::new()
        .route("/_fake/stream/live", axum::routing::post(control_live))
        .route(
            "/_fake/stream/offline",
            axum::routing::post(control_offline),
        )
        .route("/_fake/channel", axum::routing::get(control_channel))
}
