//! The Kick API calls the core makes, in one place. (Being connected to the
//! kick-api endpoints as they land.)

use crate::dto::{CategoryView, ChannelLimits, ChannelUpdate, ChannelView, LiveEntry, UserSummary};
use crate::error::{AppError, AppResult};
use crate::poller::{LiveSource, Resolved};
use kick_api::{AuthorizationRequest, KickClient, Secret};
use std::collections::HashMap;
use std::time::Duration;

pub struct KickSource {
    client: KickClient,
    me: UserSummary,
}

impl KickSource {
    pub fn new(client: KickClient, me: UserSummary) -> Self {
        KickSource { client, me }
    }
}

impl LiveSource for KickSource {
    async fn own_channel(&self) -> Result<ChannelView, kick_api::Error> {
        own_channel(&self.client, Some(&self.me)).await
    }

    async fn resolve_slugs(
        &self,
        _slugs: &[String],
    ) -> Result<Vec<(String, Result<Resolved, String>)>, kick_api::Error> {
        todo!()
    }

    async fn live_by_ids(&self, _ids: &[u64]) -> Result<HashMap<u64, LiveEntry>, kick_api::Error> {
        todo!()
    }
}

pub async fn own_channel(
    _client: &KickClient,
    _me: Option<&UserSummary>,
) -> Result<ChannelView, kick_api::Error> {
    todo!()
}

pub fn channel_limits() -> ChannelLimits {
    ChannelLimits {
        title_max_chars: 140,
        tags_max: 10,
        tag_max_chars: 30,
    }
}

pub async fn update_channel(
    _client: &KickClient,
    _u: &ChannelUpdate,
) -> Result<(), kick_api::Error> {
    todo!()
}

pub async fn search_categories(
    _client: &KickClient,
    _q: &str,
) -> Result<Vec<CategoryView>, kick_api::Error> {
    todo!()
}

pub async fn stream_key(_client: &KickClient) -> Result<(Secret, Secret), kick_api::Error> {
    todo!()
}

pub struct Loopback;

impl Loopback {
    pub fn port(&self) -> u16 {
        todo!()
    }
}

pub async fn bind_loopback(_port: u16) -> AppResult<Loopback> {
    todo!()
}

pub async fn wait_for_code(
    _l: Loopback,
    _auth: &AuthorizationRequest,
    _timeout: Duration,
) -> AppResult<Secret> {
    todo!()
}

pub fn register_demo_redirect(_fake: &kick_fake::RunningFake, _uri: &str) {
    todo!()
}

pub fn follow_authorize_in_process(_url: String) {
    todo!()
}

pub async fn demo_set_live(_fake: &kick_fake::RunningFake, _live: bool) -> AppResult<()> {
    Err(AppError::internal("todo"))
}
