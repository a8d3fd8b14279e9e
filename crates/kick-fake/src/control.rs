//! The control API under `/_fake/`: counters, fault settings, and test helpers.
//! Only on 127.0.0.1, like the rest of the fake.

use crate::faults::FaultSettings;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_fake/metrics", get(metrics))
        .route("/_fake/faults", get(get_faults).post(set_faults))
        .route("/_fake/tokens/expire", axum::routing::post(expire_tokens))
        .merge(crate::world::control_routes())
        .merge(crate::oauth::control_routes())
        .merge(crate::webhooks::control_routes())
        .merge(crate::social::control_routes())
        .merge(crate::pusher::control_routes())
        .merge(crate::ingest::control_routes())
        .merge(crate::feed::control_routes())
        .merge(crate::negotiation::control_routes())
        .merge(crate::centrifugo::control_routes())
        .merge(crate::evening::control_routes())
        .merge(crate::actions::control_routes())
}

async fn metrics(State(fake): State<AppState>) -> Json<Value> {
    Json(fake.metrics.snapshot())
}

async fn get_faults(State(fake): State<AppState>) -> Json<FaultSettings> {
    Json(fake.faults.get())
}

/// Replaces the fault settings (missing fields = off).
async fn set_faults(
    State(fake): State<AppState>,
    Json(s): Json<FaultSettings>,
) -> Json<FaultSettings> {
    fake.faults.set(s.clone());
    Json(s)
}

/// Expires every access token now (the next API call gets 401).
async fn expire_tokens(State(fake): State<AppState>) -> Json<Value> {
    fake.world.lock().unwrap().tokens.expire_all();
    Json(json!({"ok": true}))
}
