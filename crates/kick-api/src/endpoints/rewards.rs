//! Channel rewards and their redemptions (API.md §3.10): user token, own channel.

use crate::client::KickClient;
use crate::error::{Error, Result};
use crate::ids::{RedemptionId, RewardId, UserId};
use crate::scopes;
use crate::transport::{ApiRequest, ApiResponse, RetryClass};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const MAX_TITLE: usize = 50;
pub const MAX_DESCRIPTION: usize = 200;
pub const MAX_REDEMPTION_IDS: usize = 25;

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Reward {
    pub id: RewardId,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub title: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub description: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub cost: u64,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub background_color: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub is_enabled: bool,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub is_paused: bool,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub is_user_input_required: bool,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub should_redemptions_skip_request_queue: bool,
}

/// Fields of a reward to create or change; `None` = not sent.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct RewardFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_paused: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_user_input_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub should_redemptions_skip_request_queue: Option<bool>,
}

fn check_fields(f: &RewardFields, creating: bool) -> Result<Value> {
    if creating && (f.title.is_none() || f.cost.is_none()) {
        return Err(Error::validation(
            "reward",
            "a title and a cost are required",
        ));
    }
    if creating && f.is_paused.is_some() {
        return Err(Error::validation("reward", "a new reward cannot be paused"));
    }
    if let Some(t) = &f.title {
        let n = t.trim().chars().count();
        if n == 0 || n > MAX_TITLE {
            return Err(Error::validation(
                "title",
                format!("1 to {MAX_TITLE} characters"),
            ));
        }
    }
    if f.cost == Some(0) {
        return Err(Error::validation("cost", "at least 1"));
    }
    if f.description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        return Err(Error::validation(
            "description",
            format!("at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if let Some(c) = &f.background_color {
        let ok =
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
        if !ok {
            return Err(Error::validation("background colour", "use #rrggbb"));
        }
    }
    let v = serde_json::to_value(f).expect("plain fields serialise");
    if v.as_object().is_none_or(Map::is_empty) {
        return Err(Error::validation("reward", "nothing to change"));
    }
    Ok(v)
}

fn reward_path(id: &RewardId) -> Result<String> {
    let s = id.as_str();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::validation("reward id", "not a Kick reward id"));
    }
    Ok(format!("/public/v1/channels/rewards/{s}"))
}

pub fn rewards_request() -> ApiRequest {
    ApiRequest::get(
        "GET /public/v1/channels/rewards",
        "/public/v1/channels/rewards",
    )
    .scope(Some(scopes::CHANNEL_REWARDS_READ))
}

pub fn create_reward_request(f: &RewardFields) -> Result<ApiRequest> {
    Ok(ApiRequest::new(
        Method::POST,
        "POST /public/v1/channels/rewards",
        "/public/v1/channels/rewards",
    )
    .json(check_fields(f, true)?)
    .scope(Some(scopes::CHANNEL_REWARDS_WRITE)))
}

pub fn update_reward_request(id: &RewardId, f: &RewardFields) -> Result<ApiRequest> {
    Ok(ApiRequest::new(
        Method::PATCH,
        "PATCH /public/v1/channels/rewards/{id}",
        reward_path(id)?,
    )
    .json(check_fields(f, false)?)
    .scope(Some(scopes::CHANNEL_REWARDS_WRITE)))
}

pub fn delete_reward_request(id: &RewardId) -> Result<ApiRequest> {
    Ok(ApiRequest::new(
        Method::DELETE,
        "DELETE /public/v1/channels/rewards/{id}",
        reward_path(id)?,
    )
    .scope(Some(scopes::CHANNEL_REWARDS_WRITE)))
}

/// Status of a redemption. Kick uses exactly these three (not Twitch's
/// fulfilled/canceled).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RedemptionStatus {
    Pending,
    Accepted,
    Rejected,
}

impl RedemptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RedemptionStatus::Pending => "pending",
            RedemptionStatus::Accepted => "accepted",
            RedemptionStatus::Rejected => "rejected",
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Redeemer {
    /// `user_id` in most sources; one SDK says `broadcaster_user_id` (API.md §3.10).
    #[serde(alias = "broadcaster_user_id")]
    pub user_id: UserId,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Redemption {
    pub id: RedemptionId,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub redeemed_at: Option<DateTime<Utc>>,
    pub redeemer: Redeemer,
    pub status: RedemptionStatus,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub user_input: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RedemptionReward {
    pub id: RewardId,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub title: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub cost: u64,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub description: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub can_manage: bool,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub is_deleted: bool,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RedemptionGroup {
    pub reward: RedemptionReward,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub redemptions: Vec<Redemption>,
}

#[derive(Clone, Debug, Default)]
pub struct RedemptionQuery {
    pub reward_id: Option<RewardId>,
    pub status: Option<RedemptionStatus>,
    /// Specific redemptions; cannot be combined with the other filters.
    pub ids: Vec<RedemptionId>,
    pub cursor: Option<String>,
}

pub fn redemptions_request(q: &RedemptionQuery) -> Result<ApiRequest> {
    let mut req = ApiRequest::get(
        "GET /public/v1/channels/rewards/redemptions",
        "/public/v1/channels/rewards/redemptions",
    )
    .scope(Some(scopes::CHANNEL_REWARDS_READ));
    if !q.ids.is_empty() {
        if q.reward_id.is_some() || q.status.is_some() {
            return Err(Error::validation(
                "redemption filter",
                "ids cannot be combined with other filters",
            ));
        }
        for id in &q.ids {
            req = req.query("id", id);
        }
    }
    if let Some(r) = &q.reward_id {
        req = req.query("reward_id", r);
    }
    if let Some(s) = q.status {
        req = req.query("status", s.as_str());
    }
    if let Some(c) = &q.cursor {
        req = req.query("cursor", c);
    }
    Ok(req)
}

/// Why a redemption could not be accepted or rejected.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub enum FailureReason {
    #[serde(rename = "UNKNOWN")]
    Unknown,
    #[serde(rename = "NOT_PENDING")]
    NotPending,
    #[serde(rename = "NOT_FOUND")]
    NotFound,
    #[serde(rename = "NOT_OWNED")]
    NotOwned,
    #[serde(other)]
    Other,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RedemptionFailure {
    pub id: RedemptionId,
    pub reason: FailureReason,
}

pub fn decide_request(ids: &[RedemptionId], accept: bool) -> Result<ApiRequest> {
    if ids.is_empty() || ids.len() > MAX_REDEMPTION_IDS {
        return Err(Error::validation(
            "redemption ids",
            format!("1 to {MAX_REDEMPTION_IDS} per call, got {}", ids.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if !ids.iter().all(|i| seen.insert(i)) {
        return Err(Error::validation("redemption ids", "an id is listed twice"));
    }
    let (endpoint, path) = if accept {
        (
            "POST /public/v1/channels/rewards/redemptions/accept",
            "/public/v1/channels/rewards/redemptions/accept",
        )
    } else {
        (
            "POST /public/v1/channels/rewards/redemptions/reject",
            "/public/v1/channels/rewards/redemptions/reject",
        )
    };
    let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
    // Deciding twice gives NOT_PENDING, never a double effect: retry is safe.
    Ok(ApiRequest::new(Method::POST, endpoint, path)
        .json(serde_json::json!({ "ids": ids }))
        .retry(RetryClass::Idempotent)
        .scope(Some(scopes::CHANNEL_REWARDS_WRITE)))
}

impl KickClient {
    pub async fn rewards(&self) -> Result<Vec<Reward>> {
        Ok(self.execute(rewards_request()).await?.data)
    }

    pub async fn create_reward(&self, f: &RewardFields) -> Result<Reward> {
        Ok(self.execute(create_reward_request(f)?).await?.data)
    }

    pub async fn update_reward(&self, id: &RewardId, f: &RewardFields) -> Result<Reward> {
        Ok(self.execute(update_reward_request(id, f)?).await?.data)
    }

    /// Deletes a reward (Kick answers 204; 200 is accepted too).
    pub async fn delete_reward(&self, id: &RewardId) -> Result<()> {
        self.execute_empty(delete_reward_request(id)?).await
    }

    /// One page of redemptions, grouped by reward.
    pub async fn redemptions(
        &self,
        q: &RedemptionQuery,
    ) -> Result<ApiResponse<Vec<RedemptionGroup>>> {
        self.execute(redemptions_request(q)?).await
    }

    /// Accepts redemptions; returns only the ones that failed.
    pub async fn accept_redemptions(&self, ids: &[RedemptionId]) -> Result<Vec<RedemptionFailure>> {
        Ok(self.execute(decide_request(ids, true)?).await?.data)
    }

    /// Rejects redemptions; returns only the ones that failed.
    pub async fn reject_redemptions(&self, ids: &[RedemptionId]) -> Result<Vec<RedemptionFailure>> {
        Ok(self.execute(decide_request(ids, false)?).await?.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reward_fields_are_checked() {
        assert!(create_reward_request(&RewardFields::default()).is_err());
        let f = RewardFields {
            title: Some("Hydrate".into()),
            cost: Some(100),
            background_color: Some("#00e701".into()),
            ..Default::default()
        };
        assert!(create_reward_request(&f).is_ok());
        let bad = RewardFields {
            background_color: Some("green".into()),
            ..f.clone()
        };
        assert!(create_reward_request(&bad).is_err());
        assert!(update_reward_request(&RewardId::from("01K"), &RewardFields::default()).is_err());
    }

    #[test]
    fn decisions_are_bounded_and_unique() {
        let ids: Vec<RedemptionId> = (0..26)
            .map(|i| RedemptionId::from(format!("R{i}")))
            .collect();
        assert!(decide_request(&ids, true).is_err());
        assert!(decide_request(&[], true).is_err());
        let dup = [RedemptionId::from("A"), RedemptionId::from("A")];
        assert!(decide_request(&dup, false).is_err());
    }

    #[test]
    fn redeemer_accepts_both_spellings() {
        let a: Redeemer = serde_json::from_str(r#"{"user_id":5}"#).unwrap();
        let b: Redeemer = serde_json::from_str(r#"{"broadcaster_user_id":5}"#).unwrap();
        assert_eq!(a, b);
        let r: FailureReason = serde_json::from_str(r#""SOMETHING_NEW""#).unwrap();
        assert_eq!(r, FailureReason::Other);
    }
}
