//! `GET /public/v1/kicks/leaderboard` (API.md §3.9): the token user's channel.

use crate::client::KickClient;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::scopes;
use crate::transport::ApiRequest;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct LeaderboardEntry {
    pub user_id: UserId,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub username: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub gifted_amount: u64,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub rank: u32,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct Leaderboard {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub lifetime: Vec<LeaderboardEntry>,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub month: Vec<LeaderboardEntry>,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub week: Vec<LeaderboardEntry>,
}

pub fn leaderboard_request(top: u32) -> Result<ApiRequest> {
    if !(1..=100).contains(&top) {
        return Err(Error::validation("top", format!("1 to 100, got {top}")));
    }
    Ok(ApiRequest::get(
        "GET /public/v1/kicks/leaderboard",
        "/public/v1/kicks/leaderboard",
    )
    .query("top", top)
    .scope(Some(scopes::KICKS_READ)))
}

impl KickClient {
    /// The KICKs leaderboard of the token user's channel (needs `kicks:read`).
    pub async fn kicks_leaderboard(&self, top: u32) -> Result<Leaderboard> {
        Ok(self.execute(leaderboard_request(top)?).await?.data)
    }
}
