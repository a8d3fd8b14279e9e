//! Livestreams: `GET /public/v2/livestreams`, `GET /public/v1/users/livestreams`
//! (batched live status by user id) and `GET /public/v1/livestreams/stats`
//! (API.md §3.4).

use crate::client::KickClient;
use crate::error::{Error, Result};
use crate::ids::{CategoryId, LivestreamId, UserId};
use crate::transport::{ApiRequest, ApiResponse};
use chrono::{DateTime, Utc};
use futures::future::try_join_all;
use serde::Deserialize;

/// Most user ids in one users/livestreams call.
pub const MAX_LIVE_USER_IDS: usize = 100;
/// Most category or language filters in one v2 call.
pub const MAX_V2_FILTERS: usize = 25;

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct BroadcasterUser {
    #[serde(default)]
    pub id: UserId,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub username: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub profile_picture: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct ChannelSlug {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub slug: String,
}

/// `endpoints.LivestreamV2`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Livestream {
    #[serde(default)]
    pub id: Option<LivestreamId>,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub title: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub thumbnail: String,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub started_at: Option<DateTime<Utc>>,
    /// 0 when the streamer hides the count.
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub viewer_count: u64,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub language_code: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub has_mature_content: bool,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub broadcaster_user: BroadcasterUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub category: crate::models::CategoryRef,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub channel: ChannelSlug,
}

#[derive(Clone, Debug, Default)]
pub struct LivestreamQuery {
    pub category_ids: Vec<CategoryId>,
    pub language_codes: Vec<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub fn livestreams_request(q: &LivestreamQuery) -> Result<ApiRequest> {
    if q.category_ids.len() > MAX_V2_FILTERS || q.language_codes.len() > MAX_V2_FILTERS {
        return Err(Error::validation(
            "livestream filters",
            format!("at most {MAX_V2_FILTERS} categories and {MAX_V2_FILTERS} languages"),
        ));
    }
    let mut req =
        ApiRequest::get("GET /public/v2/livestreams", "/public/v2/livestreams").scope(None);
    for c in &q.category_ids {
        req = req.query("category_id", c);
    }
    for l in &q.language_codes {
        req = req.query("language_code", l);
    }
    if let Some(limit) = q.limit {
        if !(1..=1000).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("1 to 1000, got {limit}"),
            ));
        }
        req = req.query("limit", limit);
    }
    if let Some(c) = &q.cursor {
        req = req.query("cursor", c);
    }
    Ok(req)
}

/// One users/livestreams call; `ids` must be 1..=100.
pub fn users_livestreams_request(ids: &[UserId]) -> Result<ApiRequest> {
    if ids.is_empty() || ids.len() > MAX_LIVE_USER_IDS {
        return Err(Error::validation(
            "user ids",
            format!("1 to {MAX_LIVE_USER_IDS} per call, got {}", ids.len()),
        ));
    }
    let mut req = ApiRequest::get(
        "GET /public/v1/users/livestreams",
        "/public/v1/users/livestreams",
    )
    .scope(None);
    for id in ids {
        req = req.query("user_id", id);
    }
    Ok(req)
}

pub fn livestream_stats_request() -> ApiRequest {
    ApiRequest::get(
        "GET /public/v1/livestreams/stats",
        "/public/v1/livestreams/stats",
    )
    .scope(None)
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct LivestreamStats {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub total_count: u64,
}

impl KickClient {
    /// One page of live streams (oldest first).
    pub async fn livestreams(&self, q: &LivestreamQuery) -> Result<ApiResponse<Vec<Livestream>>> {
        self.execute(livestreams_request(q)?).await
    }

    /// Live streams of these users; users not in the answer are offline.
    /// Any number of ids: split into calls of 100, run concurrently.
    pub async fn live_by_user_ids(&self, ids: &[UserId]) -> Result<Vec<Livestream>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut unique: Vec<UserId> = ids.to_vec();
        unique.sort();
        unique.dedup();
        let calls = unique
            .chunks(MAX_LIVE_USER_IDS)
            .map(|chunk| async move {
                let r: ApiResponse<Vec<Livestream>> =
                    self.execute(users_livestreams_request(chunk)?).await?;
                Ok::<_, Error>(r.data)
            })
            .collect::<Vec<_>>();
        Ok(try_join_all(calls).await?.into_iter().flatten().collect())
    }

    /// Number of live streams platform-wide.
    pub async fn livestream_stats(&self) -> Result<LivestreamStats> {
        Ok(self.execute(livestream_stats_request()).await?.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_bounded() {
        let ids: Vec<UserId> = (1..=101).map(UserId).collect();
        assert!(users_livestreams_request(&ids).is_err());
        assert!(users_livestreams_request(&[]).is_err());
        let r = users_livestreams_request(&ids[..2]).unwrap();
        assert_eq!(
            r.query,
            vec![("user_id", "1".into()), ("user_id", "2".into())]
        );
    }

    #[test]
    fn decodes_v2_item() {
        let body = br#"{"data":[{"id":"6f1c0a4e-1b7e-4b4e-9d7a-1d2f3e4a5b6c","title":"t",
          "started_at":"2025-12-02T22:54:19.323Z","viewer_count":"12","language_code":"en",
          "tags":null,"has_mature_content":false,
          "broadcaster_user":{"id":9007199254740993,"username":"u","profile_picture":""},
          "category":{"id":15,"name":"Just Chatting","thumbnail":""},"channel":{"slug":"u"}}],
          "message":"OK","pagination":{"next_cursor":""}}"#;
        let r = crate::transport::decode::<Vec<Livestream>>("x", body);
        // viewer_count as a string is not Kick's shape: the error names the field.
        match r {
            Err(Error::Decode { path, .. }) => assert_eq!(path, "data[0].viewer_count"),
            other => panic!("{other:?}"),
        }
        let body = String::from_utf8_lossy(body).replace("\"12\"", "12");
        let r = crate::transport::decode::<Vec<Livestream>>("x", body.as_bytes()).unwrap();
        assert_eq!(r.data[0].broadcaster_user.id, UserId(9_007_199_254_740_993));
        assert_eq!(r.data[0].viewer_count, 12);
        assert!(r.next_cursor.is_none());
    }
}
