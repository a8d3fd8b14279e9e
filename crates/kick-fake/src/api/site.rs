//! kick.com's internal channel API (`GET /api/v2/channels/{slug}`), the one
//! place Kick tells the chat room id (needed for the chat socket). Real Kick
//! serves it from `kick.com` behind Cloudflare, without a token; the fake
//! serves the fields Kickstand reads (PUSHER.md §1.2).

use crate::reply::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v2/channels/{slug}", get(channel))
}

async fn channel(
    State(fake): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let world = fake.world.lock().unwrap();
    let c = world
        .channel_by_slug(&slug)
        .ok_or_else(ApiError::not_found)?;
    let livestream = c.is_live.then(|| {
        json!({
            "id": c.livestream_id,
            "session_title": c.stream_title,
            "is_live": true,
            "viewer_count": c.viewer_count,
            "categories": [world.category_ref(c.category_id)],
        })
    });
    Ok(Json(json!({
        "id": c.broadcaster_user_id,
        "user_id": c.broadcaster_user_id,
        "slug": c.slug,
        "chatroom": {"id": c.chatroom_id, "channel_id": c.broadcaster_user_id},
        "livestream": livestream,
    })))
}
