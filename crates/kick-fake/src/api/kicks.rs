//! `GET /public/v1/kicks/leaderboard` (API.md §3.9).

use crate::params::Params;
use crate::reply::{ok, ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens::Caller;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/public/v1/kicks/leaderboard", get(leaderboard))
}

async fn leaderboard(State(fake): State<AppState>, caller: Caller, params: Params) -> ApiResult {
    let me = caller.user_with_scope("kicks:read")?;
    let top = params
        .one_u64("top")
        .map_err(|_| ApiError::bad_request())?
        .unwrap_or(10);
    if !(1..=100).contains(&top) {
        return Err(ApiError::bad_request());
    }
    let w = fake.world.lock().unwrap();
    let mut list: Vec<(u64, u64)> = if me == crate::world::STREAMER_ID {
        w.social.kicks.clone()
    } else {
        Vec::new()
    };
    list.sort_by_key(|e| std::cmp::Reverse(e.1));
    let entries = |scale: u64| -> Vec<Value> {
        list.iter()
            .take(top as usize)
            .enumerate()
            .map(|(i, (uid, amount))| {
                json!({
                    "user_id": uid,
                    "username": w.users.get(uid).map(|u| u.name.as_str()).unwrap_or(""),
                    "gifted_amount": amount / scale,
                    "rank": i + 1,
                })
            })
            .collect()
    };
    Ok(ok(
        json!({ "lifetime": entries(1), "month": entries(3), "week": entries(10) }),
    ))
}
