//! `GET` and `PATCH /public/v1/channels` (API.md §3.2, §6).

use crate::client::KickClient;
use crate::error::{Error, Result};
use crate::ids::{CategoryId, UserId};
pub use crate::models::CategoryRef;
use crate::scopes;
use crate::transport::ApiRequest;
use chrono::{DateTime, Utc};
use kickstand_secret::Secret;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Most broadcaster ids or slugs in one channels call (API.md §3.2).
pub const MAX_CHANNEL_LOOKUPS: usize = 50;
/// Longest slug Kick accepts in a lookup.
pub const MAX_SLUG_LEN: usize = 25;
/// Longest stream title Kick's dashboard accepts (not in the spec; the
/// dashboard's own limit).
pub const MAX_TITLE_CHARS: usize = 140;
/// At most this many custom tags (one secondary source; uncertain, API.md §3.2).
pub const MAX_TAGS: usize = 10;
/// Longest single tag.
pub const MAX_TAG_CHARS: usize = 30;

/// `stream` inside a channel. `url` and `key` are the ingest URL and the
/// stream key: filled only for the token's own channel with `streamkey:read`,
/// `""` otherwise, and held as [`Secret`]s.
#[derive(Clone, Debug, Deserialize, Default)]
pub struct ChannelStream {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub is_live: bool,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub is_mature: bool,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub language: String,
    /// `None` offline (Kick sends Go's zero time there).
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub viewer_count: u64,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub thumbnail: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub custom_tags: Vec<String>,
    #[serde(default)]
    pub url: Option<Secret>,
    #[serde(default)]
    pub key: Option<Secret>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Channel {
    pub broadcaster_user_id: UserId,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub slug: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub channel_description: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub banner_picture: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub stream_title: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub category: CategoryRef,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub stream: ChannelStream,
    #[serde(default)]
    pub active_subscribers_count: Option<u64>,
    #[serde(default)]
    pub canceled_subscribers_count: Option<u64>,
    /// Reported by two third-party sources only (API.md §3.2): optional.
    #[serde(default)]
    pub active_gifted_subscribers_count: Option<u64>,
}

impl Channel {
    /// The ingest URL and stream key, when Kick sent them (non-empty).
    pub fn stream_credentials(&self) -> Option<(&Secret, &Secret)> {
        match (&self.stream.url, &self.stream.key) {
            (Some(u), Some(k)) if !u.is_empty() && !k.is_empty() => Some((u, k)),
            _ => None,
        }
    }
}

/// Which channels to fetch. Kick refuses ids and slugs mixed (400), so the
/// type makes mixing impossible.
#[derive(Clone, Debug)]
pub enum ChannelLookup<'a> {
    /// The token user's own channel (user token).
    Own,
    Ids(&'a [UserId]),
    Slugs(&'a [&'a str]),
}

pub fn channels_request(lookup: ChannelLookup<'_>) -> Result<ApiRequest> {
    let mut req = ApiRequest::get("GET /public/v1/channels", "/public/v1/channels")
        .scope(Some(scopes::CHANNEL_READ));
    match lookup {
        ChannelLookup::Own => {}
        ChannelLookup::Ids(ids) => {
            check_count("broadcaster ids", ids.len())?;
            for id in ids {
                req = req.query("broadcaster_user_id", id);
            }
        }
        ChannelLookup::Slugs(slugs) => {
            check_count("slugs", slugs.len())?;
            for s in slugs {
                let s = s.trim();
                if s.is_empty() || s.chars().count() > MAX_SLUG_LEN {
                    return Err(Error::validation(
                        "slug",
                        format!("`{s}` must be 1 to {MAX_SLUG_LEN} characters"),
                    ));
                }
                req = req.query("slug", s);
            }
        }
    }
    Ok(req)
}

/// The token user's own channel, read for its stream URL and key: the same
/// call as [`ChannelLookup::Own`], but what the caller wants from it needs
/// `streamkey:read` (without it Kick sends empty strings, API.md §6).
pub fn stream_key_request() -> ApiRequest {
    ApiRequest::get(
        "GET /public/v1/channels (stream key)",
        "/public/v1/channels",
    )
    .scope(Some(scopes::STREAMKEY_READ))
}

fn check_count(what: &'static str, n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::validation(what, "give at least one"));
    }
    if n > MAX_CHANNEL_LOOKUPS {
        return Err(Error::validation(
            what,
            format!("at most {MAX_CHANNEL_LOOKUPS} per call, got {n}"),
        ));
    }
    Ok(())
}

/// A channel edit: every field optional, at least one required.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChannelPatch {
    pub stream_title: Option<String>,
    pub category_id: Option<CategoryId>,
    pub custom_tags: Option<Vec<String>>,
}

pub fn update_channel_request(patch: &ChannelPatch) -> Result<ApiRequest> {
    let mut body = Map::new();
    if let Some(title) = &patch.stream_title {
        let t = title.trim();
        if t.is_empty() {
            return Err(Error::validation("title", "the title cannot be empty"));
        }
        let n = t.chars().count();
        if n > MAX_TITLE_CHARS {
            return Err(Error::validation(
                "title",
                format!("at most {MAX_TITLE_CHARS} characters, got {n}"),
            ));
        }
        body.insert("stream_title".into(), Value::String(t.to_owned()));
    }
    if let Some(c) = patch.category_id {
        if c.0 == 0 {
            return Err(Error::validation("category", "pick a category"));
        }
        body.insert("category_id".into(), Value::from(c.0));
    }
    if let Some(tags) = &patch.custom_tags {
        if tags.len() > MAX_TAGS {
            return Err(Error::validation(
                "tags",
                format!("at most {MAX_TAGS} tags, got {}", tags.len()),
            ));
        }
        let mut clean: Vec<String> = Vec::with_capacity(tags.len());
        for t in tags {
            let t = t.trim();
            if t.is_empty() {
                return Err(Error::validation("tags", "a tag cannot be empty"));
            }
            if t.chars().count() > MAX_TAG_CHARS {
                return Err(Error::validation(
                    "tags",
                    format!("`{t}` is longer than {MAX_TAG_CHARS} characters"),
                ));
            }
            if clean.iter().any(|c| c.eq_ignore_ascii_case(t)) {
                return Err(Error::validation("tags", format!("`{t}` is listed twice")));
            }
            clean.push(t.to_owned());
        }
        body.insert("custom_tags".into(), Value::from(clean));
    }
    if body.is_empty() {
        return Err(Error::validation("channel update", "nothing to change"));
    }
    Ok(ApiRequest::new(
        Method::PATCH,
        "PATCH /public/v1/channels",
        "/public/v1/channels",
    )
    .json(Value::Object(body))
    .scope(Some(scopes::CHANNEL_WRITE)))
}

impl KickClient {
    /// Channels by lookup. An unknown slug fails the whole call with 400 at Kick.
    pub async fn channels(&self, lookup: ChannelLookup<'_>) -> Result<Vec<Channel>> {
        Ok(self.execute(channels_request(lookup)?).await?.data)
    }

    /// The token user's own channel (with the stream key when the token has
    /// `streamkey:read`).
    pub async fn own_channel(&self) -> Result<Channel> {
        let list: Vec<Channel> = self.channels(ChannelLookup::Own).await?;
        list.into_iter().next().ok_or_else(|| Error::Decode {
            endpoint: "GET /public/v1/channels",
            path: "data".into(),
            message: "empty list for the token's own channel".into(),
        })
    }

    /// The token user's own channel, asked for its stream URL and key
    /// ([`Channel::stream_credentials`]; needs `streamkey:read`).
    pub async fn own_channel_with_stream_key(&self) -> Result<Channel> {
        let list: Vec<Channel> = self.execute(stream_key_request()).await?.data;
        list.into_iter().next().ok_or_else(|| Error::Decode {
            endpoint: "GET /public/v1/channels (stream key)",
            path: "data".into(),
            message: "empty list for the token's own channel".into(),
        })
    }

    /// Edits the token user's channel (204 at Kick).
    pub async fn update_channel(&self, patch: &ChannelPatch) -> Result<()> {
        self.execute_empty(update_channel_request(patch)?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_build_repeated_keys_and_refuse_bad_input() {
        let r = channels_request(ChannelLookup::Slugs(&["a", "b"])).unwrap();
        assert_eq!(r.query, vec![("slug", "a".into()), ("slug", "b".into())]);
        let too_long = "x".repeat(26);
        assert!(channels_request(ChannelLookup::Slugs(&[too_long.as_str()])).is_err());
        let ids: Vec<UserId> = (1..=51).map(UserId).collect();
        assert!(channels_request(ChannelLookup::Ids(&ids)).is_err());
        assert!(channels_request(ChannelLookup::Ids(&[])).is_err());
        assert!(channels_request(ChannelLookup::Own)
            .unwrap()
            .query
            .is_empty());
    }

    #[test]
    fn patch_validates_before_sending() {
        assert!(update_channel_request(&ChannelPatch::default()).is_err());
        let long = ChannelPatch {
            stream_title: Some("x".repeat(141)),
            ..Default::default()
        };
        assert!(matches!(
            update_channel_request(&long),
            Err(Error::Validation { field: "title", .. })
        ));
        let tags = ChannelPatch {
            custom_tags: Some((0..11).map(|i| format!("t{i}")).collect()),
            ..Default::default()
        };
        assert!(update_channel_request(&tags).is_err());
        let dup = ChannelPatch {
            custom_tags: Some(vec!["Chill".into(), "chill".into()]),
            ..Default::default()
        };
        assert!(update_channel_request(&dup).is_err());
        let ok = ChannelPatch {
            stream_title: Some("  Hello  ".into()),
            category_id: Some(CategoryId(15)),
            custom_tags: Some(vec![]),
        };
        let r = update_channel_request(&ok).unwrap();
        assert_eq!(
            r.body.unwrap(),
            serde_json::json!({"stream_title":"Hello","category_id":15,"custom_tags":[]})
        );
    }

    #[test]
    fn decodes_offline_channel_with_zero_time_and_empty_key() {
        let body = br#"{"data":[{"broadcaster_user_id":"7","slug":"s","stream_title":"t",
          "category":{"id":15,"name":"Just Chatting","thumbnail":""},
          "stream":{"is_live":false,"start_time":"0001-01-01T00:00:00Z","viewer_count":0,
                    "custom_tags":null,"url":"","key":""},"new_field":1}],"message":"OK"}"#;
        let r = crate::transport::decode::<Vec<Channel>>("GET /public/v1/channels", body).unwrap();
        let c = &r.data[0];
        assert_eq!(c.broadcaster_user_id, UserId(7));
        assert_eq!(c.stream.start_time, None);
        assert!(c.stream_credentials().is_none());
        assert!(c.stream.custom_tags.is_empty());
        assert!(!format!("{c:?}").contains("sk_"));
    }
}
