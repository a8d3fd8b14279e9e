//! Event (webhook) subscriptions: list, create, delete (API.md §3.8).

use crate::client::KickClient;
use crate::error::{Error, Result};
use crate::ids::{SubscriptionId, UserId};
use crate::scopes;
use crate::transport::{ApiRequest, RetryClass};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Subscription {
    pub id: SubscriptionId,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub app_id: String,
    pub broadcaster_user_id: UserId,
    pub event: String,
    #[serde(default, deserialize_with = "crate::de::u64_or_string")]
    pub version: u64,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub method: String,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// One event to subscribe to; Kick's events are all version 1 today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSpec {
    pub name: String,
    pub version: u32,
}

impl EventSpec {
    pub fn v1(name: &str) -> Self {
        EventSpec {
            name: name.to_owned(),
            version: 1,
        }
    }
}

/// Per-event answer of a create call: a subscription id, or Kick's reason.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct SubscribeResult {
    pub name: String,
    #[serde(default, deserialize_with = "crate::de::u64_or_string")]
    pub version: u64,
    #[serde(default)]
    pub subscription_id: Option<SubscriptionId>,
    #[serde(default)]
    pub error: Option<String>,
}

impl SubscribeResult {
    /// The created id, or Kick's reason for this one event.
    pub fn outcome(&self) -> std::result::Result<&SubscriptionId, &str> {
        match (&self.subscription_id, &self.error) {
            (Some(id), None) if !id.as_str().is_empty() => Ok(id),
            (_, Some(e)) if !e.is_empty() => Err(e.as_str()),
            _ => Err("Kick gave neither an id nor a reason"),
        }
    }
}

pub fn list_request(broadcaster: Option<UserId>) -> ApiRequest {
    // Kick declares no scope for listing (API.md §3.0, row 17).
    let mut req = ApiRequest::get(
        "GET /public/v1/events/subscriptions",
        "/public/v1/events/subscriptions",
    )
    .scope(None);
    if let Some(b) = broadcaster {
        req = req.query("broadcaster_user_id", b);
    }
    req
}

/// `broadcaster` is required with an app token and ignored with a user token.
pub fn create_request(broadcaster: Option<UserId>, events: &[EventSpec]) -> Result<ApiRequest> {
    if events.is_empty() {
        return Err(Error::validation("events", "give at least one event"));
    }
    if let Some(e) = events
        .iter()
        .find(|e| e.name.trim().is_empty() || e.version == 0)
    {
        return Err(Error::validation(
            "events",
            format!("`{}` v{} is not an event", e.name, e.version),
        ));
    }
    let list: Vec<_> = events
        .iter()
        .map(|e| json!({"name": e.name, "version": e.version}))
        .collect();
    let mut body = json!({"events": list, "method": "webhook"});
    if let Some(b) = broadcaster {
        body["broadcaster_user_id"] = json!(b.0);
    }
    // Kick allows one subscription per (app, broadcaster, event): a repeat
    // only reports an error per item, so retrying is safe.
    Ok(ApiRequest::new(
        Method::POST,
        "POST /public/v1/events/subscriptions",
        "/public/v1/events/subscriptions",
    )
    .json(body)
    .retry(RetryClass::Idempotent)
    .scope(Some(scopes::EVENTS_SUBSCRIBE)))
}

pub fn delete_request(ids: &[SubscriptionId]) -> Result<ApiRequest> {
    if ids.is_empty() {
        return Err(Error::validation("subscription ids", "give at least one"));
    }
    let mut req = ApiRequest::new(
        Method::DELETE,
        "DELETE /public/v1/events/subscriptions",
        "/public/v1/events/subscriptions",
    )
    .scope(Some(scopes::EVENTS_SUBSCRIBE));
    for id in ids {
        req = req.query("id", id);
    }
    Ok(req)
}

impl KickClient {
    pub async fn event_subscriptions(
        &self,
        broadcaster: Option<UserId>,
    ) -> Result<Vec<Subscription>> {
        Ok(self.execute(list_request(broadcaster)).await?.data)
    }

    pub async fn subscribe_events(
        &self,
        broadcaster: Option<UserId>,
        events: &[EventSpec],
    ) -> Result<Vec<SubscribeResult>> {
        Ok(self
            .execute(create_request(broadcaster, events)?)
            .await?
            .data)
    }

    pub async fn unsubscribe_events(&self, ids: &[SubscriptionId]) -> Result<()> {
        self.execute_empty(delete_request(ids)?).await
    }
}
