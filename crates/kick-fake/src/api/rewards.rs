//! Channel rewards and redemptions (API.md §3.10).

use crate::api::categories::{encode_cursor, page_params};
use crate::params::Params;
use crate::reply::{no_content, ok, ok_paged, ApiError, ApiResult};
use crate::social::{FakeRedemption, FakeReward};
use crate::state::AppState;
use crate::tokens::Caller;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post};
use axum::Router;
use serde_json::{json, Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public/v1/channels/rewards", get(list).post(create))
        .route(
            "/public/v1/channels/rewards/{id}",
            patch(update).delete(remove),
        )
        .route("/public/v1/channels/rewards/redemptions", get(redemptions))
        .route(
            "/public/v1/channels/rewards/redemptions/accept",
            post(accept),
        )
        .route(
            "/public/v1/channels/rewards/redemptions/reject",
            post(reject),
        )
}

/// Kick allows at most 15 rewards per channel, disabled ones included.
const MAX_REWARDS: usize = 15;

fn reward_json(r: &FakeReward) -> Value {
    json!({
        "id": r.id, "title": r.title, "description": r.description, "cost": r.cost,
        "background_color": r.background_color, "is_enabled": r.is_enabled,
        "is_paused": r.is_paused, "is_user_input_required": r.is_user_input_required,
        "should_redemptions_skip_request_queue": r.should_redemptions_skip_request_queue,
    })
}

fn read_scope(caller: &Caller) -> Result<u64, ApiError> {
    caller
        .user_with_scope("channel:rewards:read")
        .or_else(|_| caller.user_with_scope("channel:rewards:write"))
}

async fn list(State(fake): State<AppState>, caller: Caller) -> ApiResult {
    let me = read_scope(&caller)?;
    let w = fake.world.lock().unwrap();
    let data: Vec<Value> = w
        .social
        .rewards
        .iter()
        .filter(|r| r.broadcaster_user_id == me && !r.deleted)
        .map(reward_json)
        .collect();
    Ok(ok(data))
}

/// Applies the fields of `v` to `r`, checking Kick's limits.
fn apply(r: &mut FakeReward, v: &Map<String, Value>, creating: bool) -> Result<(), ApiError> {
    let bad = ApiError::bad_request;
    for (k, val) in v {
        match k.as_str() {
            "title" => {
                let t = val.as_str().ok_or_else(bad)?;
                let n = t.trim().chars().count();
                if n == 0 || n > 50 {
                    return Err(ApiError::bad_request_msg(
                        "title must be 1 to 50 characters",
                    ));
                }
                r.title = t.trim().to_owned();
            }
            "cost" => {
                r.cost = val.as_u64().filter(|c| *c >= 1).ok_or_else(bad)?;
            }
            "description" => {
                let d = val.as_str().ok_or_else(bad)?;
                if d.chars().count() > 200 {
                    return Err(bad());
                }
                r.description = d.to_owned();
            }
            "background_color" => {
                let c = val.as_str().ok_or_else(bad)?;
                let ok = c.len() == 7
                    && c.starts_with('#')
                    && c[1..].chars().all(|x| x.is_ascii_hexdigit());
                if !ok {
                    return Err(bad());
                }
                r.background_color = c.to_owned();
            }
            "is_enabled" => r.is_enabled = val.as_bool().ok_or_else(bad)?,
            "is_paused" if !creating => r.is_paused = val.as_bool().ok_or_else(bad)?,
            "is_user_input_required" => r.is_user_input_required = val.as_bool().ok_or_else(bad)?,
            "should_redemptions_skip_request_queue" => {
                r.should_redemptions_skip_request_queue = val.as_bool().ok_or_else(bad)?
            }
            _ => return Err(bad()),
        }
    }
    Ok(())
}

async fn create(State(fake): State<AppState>, caller: Caller, body: Bytes) -> ApiResult {
    let me = caller.user_with_scope("channel:rewards:write")?;
    let v: Value = serde_json::from_slice(&body).map_err(|_| ApiError::bad_request())?;
    let obj = v.as_object().ok_or_else(ApiError::bad_request)?;
    if !obj.contains_key("title") || !obj.contains_key("cost") {
        return Err(ApiError::bad_request());
    }
    let mut r = FakeReward::new(&fake.app.app_id, me, "", 1);
    apply(&mut r, obj, true)?;
    let mut w = fake.world.lock().unwrap();
    let count = w
        .social
        .rewards
        .iter()
        .filter(|x| x.broadcaster_user_id == me && !x.deleted)
        .count();
    if count >= MAX_REWARDS {
        return Err(ApiError::bad_request_msg(
            "Maximum number of rewards reached",
        ));
    }
    let out = reward_json(&r);
    w.social.rewards.push(r);
    Ok(ok(out))
}

fn owned<'a>(
    w: &'a mut crate::world::World,
    id: &str,
    me: u64,
    app: &str,
) -> Result<&'a mut FakeReward, ApiError> {
    let r = w
        .social
        .rewards
        .iter_mut()
        .find(|r| r.id == id && !r.deleted && r.broadcaster_user_id == me)
        .ok_or_else(ApiError::not_found)?;
    if r.app_id != app {
        return Err(ApiError::forbidden(
            "Only the app that created this reward can change it",
        ));
    }
    Ok(r)
}

async fn update(
    State(fake): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let me = caller.user_with_scope("channel:rewards:write")?;
    let v: Value = serde_json::from_slice(&body).map_err(|_| ApiError::bad_request())?;
    let obj = v
        .as_object()
        .filter(|o| !o.is_empty())
        .ok_or_else(ApiError::bad_request)?;
    let app = fake.app.app_id.clone();
    let mut w = fake.world.lock().unwrap();
    let r = owned(&mut w, &id, me, &app)?;
    let mut next = r.clone();
    apply(&mut next, obj, false)?;
    *r = next;
    Ok(ok(reward_json(r)))
}

async fn remove(State(fake): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult {
    let me = caller.user_with_scope("channel:rewards:write")?;
    let app = fake.app.app_id.clone();
    let mut w = fake.world.lock().unwrap();
    owned(&mut w, &id, me, &app)?.deleted = true;
    Ok(no_content())
}

async fn redemptions(State(fake): State<AppState>, caller: Caller, params: Params) -> ApiResult {
    let me = read_scope(&caller)?;
    let ids = params.all("id");
    let reward = params.one("reward_id").map(str::to_owned);
    let status = params.one("status").unwrap_or("pending").to_owned();
    if !ids.is_empty() && (reward.is_some() || params.has("status")) {
        return Err(ApiError::bad_request());
    }
    if !["pending", "accepted", "rejected"].contains(&status.as_str()) {
        return Err(ApiError::bad_request());
    }
    let (limit, offset) = page_params(&params, 25, 100)?;
    let app = fake.app.app_id.clone();
    let w = fake.world.lock().unwrap();
    let matching: Vec<&FakeRedemption> = w
        .social
        .redemptions
        .iter()
        .filter(|r| r.broadcaster_user_id == me)
        .filter(|r| {
            if ids.is_empty() {
                r.status == status && reward.as_ref().is_none_or(|id| &r.reward_id == id)
            } else {
                ids.contains(&r.id)
            }
        })
        .collect();
    let page: Vec<&&FakeRedemption> = matching.iter().skip(offset).take(limit).collect();
    // Group by reward, keeping first-seen order.
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    for r in page {
        let item = json!({
            "id": r.id,
            "redeemed_at": r.redeemed_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "redeemer": { "user_id": r.redeemer_user_id },
            "status": r.status,
            "user_input": r.user_input,
        });
        match groups.iter_mut().find(|(id, _)| *id == r.reward_id) {
            Some((_, list)) => list.push(item),
            None => groups.push((r.reward_id.clone(), vec![item])),
        }
    }
    let data: Vec<Value> = groups
        .into_iter()
        .map(|(rid, list)| {
            let rw = w.social.rewards.iter().find(|x| x.id == rid);
            json!({
                "reward": {
                    "id": rid,
                    "title": rw.map(|x| x.title.as_str()).unwrap_or(""),
                    "cost": rw.map(|x| x.cost).unwrap_or(0),
                    "description": rw.map(|x| x.description.as_str()).unwrap_or(""),
                    "can_manage": rw.is_some_and(|x| x.app_id == app),
                    "is_deleted": rw.is_none_or(|x| x.deleted),
                },
                "redemptions": list,
            })
        })
        .collect();
    let next = (offset + limit < matching.len()).then(|| encode_cursor(offset + limit));
    Ok(ok_paged(data, next))
}

async fn accept(state: State<AppState>, caller: Caller, body: Bytes) -> ApiResult {
    decide(state, caller, body, "accepted").await
}

async fn reject(state: State<AppState>, caller: Caller, body: Bytes) -> ApiResult {
    decide(state, caller, body, "rejected").await
}

async fn decide(
    State(fake): State<AppState>,
    caller: Caller,
    body: Bytes,
    to: &'static str,
) -> ApiResult {
    let me = caller.user_with_scope("channel:rewards:write")?;
    let v: Value = serde_json::from_slice(&body).map_err(|_| ApiError::bad_request())?;
    let ids: Vec<String> = v
        .get("ids")
        .and_then(Value::as_array)
        .ok_or_else(ApiError::bad_request)?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_owned)
                .ok_or_else(ApiError::bad_request)
        })
        .collect::<Result<_, _>>()?;
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    if ids.is_empty() || ids.len() > 25 || unique.len() != ids.len() {
        return Err(ApiError::bad_request());
    }
    let app = fake.app.app_id.clone();
    let mut failures = Vec::new();
    let mut events = Vec::new();
    {
        let mut w = fake.world.lock().unwrap();
        for id in &ids {
            // A failure asked for through `/_fake/redemptions/fail`.
            if let Some(reason) = w.social.fail_next.remove(id) {
                failures.push(json!({"id": id, "reason": reason}));
                continue;
            }
            let Some(idx) = w
                .social
                .redemptions
                .iter()
                .position(|r| &r.id == id && r.broadcaster_user_id == me)
            else {
                failures.push(json!({"id": id, "reason": "NOT_FOUND"}));
                continue;
            };
            let rid = w.social.redemptions[idx].reward_id.clone();
            let reward = w.social.rewards.iter().find(|x| x.id == rid).cloned();
            let Some(reward) = reward.filter(|x| x.app_id == app) else {
                failures.push(json!({"id": id, "reason": "NOT_OWNED"}));
                continue;
            };
            if w.social.redemptions[idx].status != "pending" {
                failures.push(json!({"id": id, "reason": "NOT_PENDING"}));
                continue;
            }
            w.social.redemptions[idx].status = to;
            let r = w.social.redemptions[idx].clone();
            events.push(crate::social::redemption_body(&w, &r, &reward));
        }
    }
    for e in events {
        fake.emit("channel.reward.redemption.updated", me, e);
    }
    Ok(ok(failures))
}
