//! `GET /public/v1/public-key`: no auth, the fake's own signing key.

use crate::reply::ok;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/public/v1/public-key", get(public_key))
}

async fn public_key(State(fake): State<AppState>) -> Response {
    ok(json!({ "public_key": fake.webhook_keys.public_pem() }))
}
