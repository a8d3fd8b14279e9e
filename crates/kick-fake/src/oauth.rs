//! The id host: `/oauth/authorize` (+ consent page), `/oauth/token`,
//! `/oauth/revoke`, `/oauth/token/introspect`. (Filled in by issue #2.)

use crate::state::AppState;
use axum::Router;

#[derive(Default, Debug)]
pub struct OAuthState {}

pub fn routes() -> Router<AppState> {
    Router::new()
}

pub fn control_routes() -> Router<AppState> {
    Router::new()
}
