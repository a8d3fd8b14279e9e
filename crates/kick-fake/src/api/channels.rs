//! `GET` / `PATCH /public/v1/channels` (API.md §3.2, §6).

use crate::params::Params;
use crate::reply::{no_content, ok, ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens::Caller;
use crate::world::{FakeChannel, World};
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/public/v1/channels",
        get(get_channels).patch(patch_channel),
    )
}

/// Kick's Go zero time, sent as `start_time` for offline channels.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

pub fn channel_json(world: &World, c: &FakeChannel, with_key: bool) -> Value {
    json!({
        "broadcaster_user_id": c.broadcaster_user_id,
        "slug": c.slug,
        "channel_description": c.channel_description,
        "banner_picture": c.banner_picture,
        "stream_title": c.stream_title,
        "category": world.category_ref(c.category_id),
        "stream": {
            "is_live": c.is_live,
            "is_mature": c.is_mature,
            "language": c.language,
            "start_time": c.started_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_else(|| ZERO_TIME.to_owned()),
            "viewer_count": c.viewer_count,
            "thumbnail": c.thumbnail,
            "custom_tags": c.custom_tags,
            "url": if with_key { c.ingest_url.as_str() } else { "" },
            "key": if with_key { c.stream_key.as_str() } else { "" },
        },
        "active_subscribers_count": c.active_subscribers_count,
        "canceled_subscribers_count": c.canceled_subscribers_count,
    })
}

async fn get_channels(State(fake): State<AppState>, caller: Caller, params: Params) -> ApiResult {
    caller.require_scope("channel:read")?;
    let ids = params
        .all_u64("broadcaster_user_id")
        .map_err(|_| ApiError::bad_request())?;
    let slugs = params.all("slug");
    if !ids.is_empty() && !slugs.is_empty() {
        return Err(ApiError::bad_request()); // mixing ids and slugs
    }
    if ids.len() > 50 || slugs.len() > 50 || slugs.iter().any(|s| s.chars().count() > 25) {
        return Err(ApiError::bad_request());
    }
    let world = fake.world.lock().unwrap();
    let own = caller.user_id();
    let can_key = !caller.is_app() && caller.0.has_scope("streamkey:read");
    let mut out = Vec::new();
    if ids.is_empty() && slugs.is_empty() {
        let me = own.ok_or_else(ApiError::bad_request)?;
        if let Some(c) = world.channels.get(&me) {
            out.push(channel_json(&world, c, can_key));
        }
    } else if !ids.is_empty() {
        for id in ids {
            if let Some(c) = world.channels.get(&id) {
                out.push(channel_json(&world, c, can_key && Some(id) == own));
            }
        }
    } else {
        for s in &slugs {
            // One unknown slug fails the whole request (API.md §3.2, [OBS]).
            let c = world.channel_by_slug(s).ok_or_else(ApiError::bad_request)?;
            out.push(channel_json(
                &world,
                c,
                can_key && Some(c.broadcaster_user_id) == own,
            ));
        }
    }
    Ok(ok(out))
}

async fn patch_channel(State(fake): State<AppState>, caller: Caller, body: Bytes) -> ApiResult {
    let me = caller.user_with_scope("channel:write")?;
    let v: Value = serde_json::from_slice(&body).map_err(|_| ApiError::bad_request())?;
    let obj = v.as_object().ok_or_else(ApiError::bad_request)?;
    let title = match obj.get("stream_title") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 140 => {
            Some(s.clone())
        }
        Some(_) => return Err(ApiError::bad_request_msg("Invalid stream title")),
    };
    let category = match obj.get("category_id") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(ApiError::bad_request)?),
    };
    let tags = match obj.get("custom_tags") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            let tags: Option<Vec<String>> =
                a.iter().map(|t| t.as_str().map(str::to_owned)).collect();
            let tags = tags.ok_or_else(ApiError::bad_request)?;
            if tags.len() > 10 || tags.iter().any(|t| t.is_empty() || t.chars().count() > 30) {
                return Err(ApiError::bad_request_msg("Invalid custom tags"));
            }
            Some(tags)
        }
        Some(_) => return Err(ApiError::bad_request()),
    };
    if title.is_none() && category.is_none() && tags.is_none() {
        return Err(ApiError::bad_request());
    }
    let event = {
        let mut world = fake.world.lock().unwrap();
        if let Some(id) = category {
            if world.category(id).is_none() {
                return Err(ApiError::bad_request_msg("Invalid category"));
            }
        }
        let c = world
            .channels
            .get_mut(&me)
            .ok_or_else(ApiError::not_found)?;
        let meta_changed = title.as_ref().is_some_and(|t| *t != c.stream_title)
            || category.is_some_and(|id| id != c.category_id);
        if let Some(t) = title {
            c.stream_title = t;
        }
        if let Some(id) = category {
            c.category_id = id;
        }
        if let Some(t) = tags {
            c.custom_tags = t;
        }
        meta_changed.then(|| crate::world::metadata_body(&world, me))
    };
    if let Some(body) = event {
        fake.emit("livestream.metadata.updated", me, body);
    }
    Ok(no_content())
}
