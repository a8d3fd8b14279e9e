//! Event subscriptions (API.md §3.8).

use crate::params::Params;
use crate::reply::{no_content, ok, ApiError, ApiResult};
use crate::social::WEBHOOK_EVENT_TYPES;
use crate::state::AppState;
use crate::tokens::Caller;
use crate::webhooks::FakeSubscription;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/public/v1/events/subscriptions",
        get(list).post(create).delete(delete),
    )
}

fn sub_json(s: &FakeSubscription) -> Value {
    let t = s
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    json!({
        "id": s.id, "app_id": s.app_id, "broadcaster_user_id": s.broadcaster_user_id,
        "event": s.event, "version": s.version, "method": "webhook",
        "created_at": t, "updated_at": t,
    })
}

async fn list(State(fake): State<AppState>, caller: Caller, params: Params) -> ApiResult {
    let filter = params
        .one_u64("broadcaster_user_id")
        .map_err(|_| ApiError::bad_request())?;
    let app_id = fake.app.app_id.clone();
    let w = fake.world.lock().unwrap();
    let data: Vec<Value> = w
        .webhooks
        .subscriptions
        .values()
        .filter(|s| s.app_id == app_id)
        // A user token sees that user's subscriptions; an app token all of the app's.
        .filter(|s| caller.is_app() || Some(s.broadcaster_user_id) == caller.user_id())
        .filter(|s| filter.is_none_or(|b| s.broadcaster_user_id == b))
        .map(sub_json)
        .collect();
    Ok(ok(data))
}

async fn create(State(fake): State<AppState>, caller: Caller, body: Bytes) -> ApiResult {
    let v: Value = serde_json::from_slice(&body).map_err(|_| ApiError::bad_request())?;
    if v.get("method").and_then(Value::as_str) != Some("webhook") {
        return Err(ApiError::bad_request_msg("method must be webhook"));
    }
    let events = v
        .get("events")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(ApiError::bad_request)?;
    let broadcaster = if caller.is_app() {
        v.get("broadcaster_user_id")
            .and_then(Value::as_u64)
            .ok_or_else(|| ApiError::bad_request_msg("broadcaster_user_id is required"))?
    } else {
        // Ignored with a user token: the token's user.
        caller.user_with_scope("events:subscribe")?
    };
    let app_id = fake.app.app_id.clone();
    let mut w = fake.world.lock().unwrap();
    if !w.channels.contains_key(&broadcaster) {
        return Err(ApiError::bad_request_msg("Unknown broadcaster"));
    }
    let mut out = Vec::new();
    for e in events {
        let name = e
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let version = e.get("version").and_then(Value::as_u64).unwrap_or(0);
        let mut item = json!({"name": name, "version": version});
        let taken =
            w.webhooks.subscriptions.values().any(|s| {
                s.app_id == app_id && s.broadcaster_user_id == broadcaster && s.event == name
            });
        let count = w
            .webhooks
            .subscriptions
            .values()
            .filter(|s| s.app_id == app_id && s.event == name)
            .count();
        let limit = if name == "chat.message.sent" {
            w.webhooks.limit_chat
        } else {
            w.webhooks.limit_per_event
        };
        if !WEBHOOK_EVENT_TYPES.contains(&name.as_str()) || version != 1 {
            item["error"] = json!("unknown event or version");
        } else if taken {
            item["error"] = json!("subscription already exists");
        } else if count >= limit {
            item["error"] = json!("subscription limit reached");
        } else {
            let id = ulid::Ulid::new().to_string();
            w.webhooks.subscriptions.insert(
                id.clone(),
                FakeSubscription {
                    id: id.clone(),
                    app_id: app_id.clone(),
                    broadcaster_user_id: broadcaster,
                    event: name,
                    version,
                    created_at: chrono::Utc::now(),
                    failures: 0,
                },
            );
            item["subscription_id"] = json!(id);
        }
        out.push(item);
    }
    Ok(ok(out))
}

async fn delete(State(fake): State<AppState>, caller: Caller, params: Params) -> ApiResult {
    if !caller.is_app() {
        caller.user_with_scope("events:subscribe")?;
    }
    let ids = params.all("id");
    if ids.is_empty() {
        return Err(ApiError::bad_request());
    }
    let app_id = fake.app.app_id.clone();
    let mut w = fake.world.lock().unwrap();
    for id in ids {
        let mine = w.webhooks.subscriptions.get(&id).is_some_and(|s| {
            s.app_id == app_id
                && (caller.is_app() || Some(s.broadcaster_user_id) == caller.user_id())
        });
        if mine {
            w.webhooks.subscriptions.remove(&id);
        }
    }
    Ok(no_content())
}
