//! The API host (`/public/v1/...`, `/public/v2/...`), one module per area.

use crate::state::AppState;
use axum::Router;

pub mod categories;
pub mod channels;
pub mod chat;
pub mod events;
pub mod kicks;
pub mod livestreams;
pub mod moderation;
pub mod public_key;
pub mod rewards;
pub mod site;
pub mod users;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(users::routes())
        .merge(channels::routes())
        .merge(categories::routes())
        .merge(livestreams::routes())
        .merge(chat::routes())
        .merge(moderation::routes())
        .merge(events::routes())
        .merge(kicks::routes())
        .merge(rewards::routes())
}

/// Routes outside fault injection (the public key has no auth and no faults).
pub fn unfaulted_routes() -> Router<AppState> {
    public_key::routes().merge(site::routes())
}
