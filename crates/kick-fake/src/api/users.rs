//! `GET /public/v1/users` (API.md §3.1).

use crate::params::Params;
use crate::reply::{ok, ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens::Caller;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/public/v1/users", get(get_users))
}

async fn get_users(State(fake): State<AppState>, caller: Caller, params: Params) -> ApiResult {
    let ids = params.all_u64("id").map_err(|_| ApiError::bad_request())?;
    if ids.len() > 50 {
        return Err(ApiError::bad_request());
    }
    let world = fake.world.lock().unwrap();
    let ids = if ids.is_empty() {
        // No ids: the token's own user; an app token has none.
        let me = caller.user_id().ok_or_else(ApiError::bad_request)?;
        caller.require_scope("user:read")?;
        vec![me]
    } else {
        caller.require_scope("user:read")?;
        ids
    };
    let data: Vec<_> = ids
        .iter()
        .filter_map(|id| world.users.get(id))
        .map(|u| {
            // email only for the token's own user
            let email = if caller.user_id() == Some(u.user_id) {
                u.email.as_str()
            } else {
                ""
            };
            json!({
                "user_id": u.user_id,
                "name": u.name,
                "email": email,
                "profile_picture": u.profile_picture,
            })
        })
        .collect();
    Ok(ok(data))
}
