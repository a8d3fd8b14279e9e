//! Webhook signing keys, `GET /public/v1/public-key` and signed deliveries.
//! (Filled in by issue #2.)

use crate::state::{AppState, WebhookKeyType};
use axum::Router;

#[derive(Default, Debug)]
pub struct WebhookState {}

#[derive(Debug)]
pub struct WebhookKeys {
    pub kind: WebhookKeyType,
    pub public_pem: String,
}

impl WebhookKeys {
    pub fn generate(kind: WebhookKeyType) -> Self {
        WebhookKeys {
            kind,
            public_pem: String::new(),
        }
    }
}

/// Starts the task that delivers events to the configured webhook URL.
pub fn spawn_delivery(_fake: AppState) {}

pub fn control_routes() -> Router<AppState> {
    Router::new()
}
