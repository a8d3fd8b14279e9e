//! The believable world the fake serves: users, channels (with stream key and
//! ingest URL), categories, live state. Seeded deterministically.

use crate::tokens::Tokens;
use chrono::{DateTime, Utc};
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

impl World {
    pub fn seeded(seed: u64) -> Self {
        let mut w = World::default();
        w.seed(seed);
        w
    }

    fn seed(&mut self, _seed: u64) {
        self.categories.push(FakeCategory {
            id: 15,
            name: "Just Chatting".into(),
            thumbnail: "https://files.kick.com/images/subcategories/15/banner/justchatting.webp"
                .into(),
            tags: vec!["IRL".into()],
        });
        self.users.insert(
            STREAMER_ID,
            FakeUser {
                user_id: STREAMER_ID,
                name: "DemoStreamer".into(),
                email: "demo@streamer.example".into(),
                profile_picture:
                    "https://files.kick.com/images/user/4250001/profile_image/demo.webp".into(),
            },
        );
        self.channels.insert(
            STREAMER_ID,
            FakeChannel {
                broadcaster_user_id: STREAMER_ID,
                slug: STREAMER_SLUG.into(),
                channel_description: "Cozy evening streams.".into(),
                banner_picture: String::new(),
                stream_title: "Chill stream, come say hi".into(),
                category_id: 15,
                custom_tags: vec!["English".into(), "Chill".into()],
                language: "en".into(),
                is_mature: false,
                is_live: false,
                started_at: None,
                viewer_count: 0,
                thumbnail: String::new(),
                stream_key: format!("sk_us-west-2_{}", crate::tokens::opaque_token()),
                ingest_url: "rtmps://fa723fc1b171.global-contribute.live-video.net:443/app/".into(),
                livestream_id: None,
                chatroom_id: 4_240_017,
                active_subscribers_count: 12,
                canceled_subscribers_count: 1,
            },
        );
    }

    pub fn channel_by_slug(&self, slug: &str) -> Option<&FakeChannel> {
        self.channels
            .values()
            .find(|c| c.slug.eq_ignore_ascii_case(slug))
    }

    pub fn category(&self, id: u64) -> Option<&FakeCategory> {
        self.categories.iter().find(|c| c.id == id)
    }
}

/// Moves the world one step (viewer counts drift). Called every `world_tick`.
pub fn tick(_fake: &crate::state::Fake) {}

/// Control routes for the world (`/_fake/...`).
pub fn control_routes() -> axum::Router<crate::state::AppState> {
    axum::Router::new()
}
