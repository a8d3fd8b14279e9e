//! Livestreams v2, users/livestreams and stats (API.md §3.4).

use crate::api::categories::{encode_cursor, page_params};
use crate::params::Params;
use crate::reply::{ok, ok_paged, ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens::Caller;
use crate::world::{FakeChannel, World};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public/v2/livestreams", get(get_livestreams))
        .route("/public/v1/users/livestreams", get(get_users_livestreams))
        .route("/public/v1/livestreams/stats", get(get_stats))
}

/// `endpoints.LivestreamV2`.
fn livestream_json(world: &World, c: &FakeChannel) -> Value {
    let user = world.users.get(&c.broadcaster_user_id);
    json!({
        "id": c.livestream_id,
        "title": c.stream_title,
        "thumbnail": c.thumbnail,
        "started_at": c.started_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        "viewer_count": c.viewer_count,
        "language_code": c.language,
        "tags": c.custom_tags,
        "has_mature_content": c.is_mature,
        "broadcaster_user": {
            "id": c.broadcaster_user_id,
            "username": user.map(|u| u.name.as_str()).unwrap_or(""),
            "profile_picture": user.map(|u| u.profile_picture.as_str()).unwrap_or(""),
        },
        "category": world.category_ref(c.category_id),
        "channel": { "slug": c.slug },
    })
}

async fn get_livestreams(
    State(fake): State<AppState>,
    _caller: Caller,
    params: Params,
) -> ApiResult {
    let (limit, offset) = page_params(&params, 100, 1000)?;
    let cats = params
        .all_u64("category_id")
        .map_err(|_| ApiError::bad_request())?;
    let langs = params.all("language_code");
    if cats.len() > 25 || langs.len() > 25 {
        return Err(ApiError::bad_request());
    }
    let world = fake.world.lock().unwrap();
    let mut live: Vec<&FakeChannel> = world
        .channels
        .values()
        .filter(|c| c.is_live)
        .filter(|c| cats.is_empty() || cats.contains(&c.category_id))
        .filter(|c| langs.is_empty() || langs.iter().any(|l| l.eq_ignore_ascii_case(&c.language)))
        .collect();
    // Oldest first, as the spec describes.
    live.sort_by_key(|c| (c.started_at, c.broadcaster_user_id));
    let page: Vec<Value> = live
        .iter()
        .skip(offset)
        .take(limit)
        .map(|c| livestream_json(&world, c))
        .collect();
    let next = (offset + limit < live.len()).then(|| encode_cursor(offset + limit));
    Ok(ok_paged(page, next))
}

async fn get_users_livestreams(
    State(fake): State<AppState>,
    _caller: Caller,
    params: Params,
) -> ApiResult {
    let ids = params
        .all_u64("user_id")
        .map_err(|_| ApiError::bad_request())?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(ApiError::bad_request());
    }
    let world = fake.world.lock().unwrap();
    let data: Vec<Value> = ids
        .iter()
        .filter_map(|id| world.channels.get(id))
        .filter(|c| c.is_live)
        .map(|c| livestream_json(&world, c))
        .collect();
    Ok(ok(data))
}

async fn get_stats(State(fake): State<AppState>, _caller: Caller) -> ApiResult {
    let world = fake.world.lock().unwrap();
    let total = world.channels.values().filter(|c| c.is_live).count();
    Ok(ok(json!({ "total_count": total })))
}
