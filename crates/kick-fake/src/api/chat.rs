//! `POST /public/v1/chat` and `DELETE /public/v1/chat/{message_id}` (API.md §3.5).

use crate::reply::{no_content, ok, ApiError, ApiResult};
use crate::social::{post_message, Chatter};
use crate::state::AppState;
use crate::tokens::Caller;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::Router;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public/v1/chat", post(send))
        .route("/public/v1/chat/{message_id}", delete(remove))
}

async fn send(State(fake): State<AppState>, caller: Caller, body: Bytes) -> ApiResult {
    let me = caller.user_with_scope("chat:write")?;
    let v: Value = serde_json::from_slice(&body).map_err(|_| ApiError::bad_request())?;
    let kind = v.get("type").and_then(Value::as_str).unwrap_or_default();
    let content = v.get("content").and_then(Value::as_str).unwrap_or_default();
    if content.trim().is_empty() || content.chars().count() > 500 {
        return Err(ApiError::bad_request());
    }
    let reply_to = match v.get("reply_to_message_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if uuid::Uuid::parse_str(s).is_ok() => Some(s.clone()),
        Some(_) => return Err(ApiError::bad_request()),
    };
    {
        let mut w = fake.world.lock().unwrap();
        if w.social.faults.next_429 > 0 {
            w.social.faults.next_429 -= 1;
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
            ));
        }
        if kind == "bot" && w.social.faults.bot_500 {
            return Err(ApiError::internal());
        }
        if w.social.faults.next_not_sent > 0 {
            w.social.faults.next_not_sent -= 1;
            return Ok(ok(
                json!({ "is_sent": false, "message_id": uuid::Uuid::new_v4().to_string() }),
            ));
        }
    }
    let (broadcaster, sender) = match kind {
        "user" => {
            let b = v
                .get("broadcaster_user_id")
                .and_then(Value::as_u64)
                .ok_or_else(ApiError::bad_request)?;
            let w = fake.world.lock().unwrap();
            let u = w.users.get(&me).ok_or_else(ApiError::unauthorized)?;
            let badges = if b == me {
                vec!["broadcaster".into()]
            } else {
                vec![]
            };
            (
                b,
                Chatter {
                    user_id: me,
                    username: u.name.clone(),
                    color: "#53FC18".into(),
                    badges,
                },
            )
        }
        // A bot always writes into the token user's channel.
        "bot" => (
            me,
            Chatter {
                user_id: 4_259_999,
                username: "KickstandBot".into(),
                color: "#9AA0A6".into(),
                badges: vec!["bot".into()],
            },
        ),
        _ => return Err(ApiError::bad_request()),
    };
    {
        let w = fake.world.lock().unwrap();
        if !w.channels.contains_key(&broadcaster) {
            return Err(ApiError::not_found());
        }
        if let Some(r) = &reply_to {
            if w.social
                .messages
                .get(r)
                .is_none_or(|m| m.broadcaster_user_id != broadcaster)
            {
                return Err(ApiError::not_found());
            }
        }
        if w.social
            .bans
            .get(&(broadcaster, sender.user_id))
            .is_some_and(|b| b.active())
        {
            return Err(ApiError::forbidden("You are banned from this chat"));
        }
    }
    let id = post_message(&fake, broadcaster, &sender, content, reply_to.as_deref());
    Ok(ok(json!({ "is_sent": true, "message_id": id })))
}

async fn remove(
    State(fake): State<AppState>,
    caller: Caller,
    Path(message_id): Path<String>,
) -> ApiResult {
    let me = caller.user_with_scope("moderation:chat_message:manage")?;
    let b = {
        let mut w = fake.world.lock().unwrap();
        let m = w
            .social
            .messages
            .get_mut(&message_id)
            .filter(|m| !m.deleted)
            .ok_or_else(ApiError::not_found)?;
        // Only in the token user's own channel (a moderator role is not modelled).
        if m.broadcaster_user_id != me {
            return Err(ApiError::forbidden("Not a moderator of this channel"));
        }
        m.deleted = true;
        m.broadcaster_user_id
    };
    fake.emit(
        "chat.message.deleted",
        b,
        json!({ "message_id": message_id }),
    );
    Ok(no_content())
}
