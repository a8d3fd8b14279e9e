//! `POST` / `DELETE /public/v1/moderation/bans` (API.md §3.6).

use crate::reply::{ok, ApiError, ApiResult};
use crate::social::{event_user, Ban};
use crate::state::AppState;
use crate::tokens::Caller;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new().route("/public/v1/moderation/bans", post(ban).delete(unban))
}

fn ids(v: &Value) -> Result<(u64, u64), ApiError> {
    let b = v.get("broadcaster_user_id").and_then(Value::as_u64);
    let u = v.get("user_id").and_then(Value::as_u64);
    b.zip(u).ok_or_else(ApiError::bad_request)
}

async fn ban(State(fake): State<AppState>, caller: Caller, body: Bytes) -> ApiResult {
    let me = caller.user_with_scope("moderation:ban")?;
    let v: Value = serde_json::from_slice(&body).map_err(|_| ApiError::bad_request())?;
    let (b, u) = ids(&v)?;
    let duration = match v.get("duration") {
        None | Some(Value::Null) => None,
        Some(d) => match d.as_u64() {
            Some(m) if (1..=10_080).contains(&m) => Some(m),
            _ => {
                return Err(ApiError::bad_request_msg(
                    "duration must be 1 to 10080 minutes",
                ))
            }
        },
    };
    let reason = v
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if reason.chars().count() > 100 {
        return Err(ApiError::bad_request());
    }
    let payload = {
        let mut w = fake.world.lock().unwrap();
        if b != me {
            return Err(ApiError::forbidden("Not a moderator of this channel"));
        }
        if u == b {
            return Err(ApiError::bad_request());
        }
        let Some(target) = w.users.get(&u).cloned() else {
            return Err(ApiError::not_found());
        };
        let now = Utc::now();
        let expires = duration.map(|m| now + chrono::Duration::minutes(m as i64));
        w.social.bans.insert(
            (b, u),
            Ban {
                reason: reason.clone(),
                created_at: now,
                expires_at: expires,
            },
        );
        let bname = w.users.get(&b).map(|x| x.name.clone()).unwrap_or_default();
        let fmt = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        json!({
            "broadcaster": event_user(b, &bname, None),
            "moderator": event_user(me, &bname, None),
            "banned_user": event_user(u, &target.name, None),
            "metadata": { "reason": reason, "created_at": fmt(now), "expires_at": expires.map(fmt) },
        })
    };
    fake.emit("moderation.banned", b, payload);
    Ok(ok(json!({})))
}

async fn unban(State(fake): State<AppState>, caller: Caller, body: Bytes) -> ApiResult {
    let me = caller.user_with_scope("moderation:ban")?;
    // Kick takes a JSON body here, not query parameters.
    let v: Value = serde_json::from_slice(&body).map_err(|_| ApiError::bad_request())?;
    let (b, u) = ids(&v)?;
    let payload = {
        let mut w = fake.world.lock().unwrap();
        if b != me {
            return Err(ApiError::forbidden("Not a moderator of this channel"));
        }
        let active = w.social.bans.get(&(b, u)).is_some_and(Ban::active);
        if !active {
            return Err(ApiError::bad_request_msg("User is not banned"));
        }
        w.social.bans.remove(&(b, u));
        let bname = w.users.get(&b).map(|x| x.name.clone()).unwrap_or_default();
        let uname = w.users.get(&u).map(|x| x.name.clone()).unwrap_or_default();
        json!({
            "broadcaster": event_user(b, &bname, None),
            "banned_user": { "user_id": u, "username": uname },
        })
    };
    fake.emit("moderation.unbanned", b, payload);
    Ok(ok(json!({})))
}
