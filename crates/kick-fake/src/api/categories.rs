//! `GET /public/v2/categories` (API.md §3.3). Array filters are accepted as
//! repeated keys, `key[]` and comma lists, since Kick's encoding is uncertain.

use crate::params::Params;
use crate::reply::{ok_paged, ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens::Caller;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use base64::Engine;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/public/v2/categories", get(get_categories))
}

/// Opaque cursors (4..=28 characters, as Kick's spec constrains them).
pub fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

pub fn decode_cursor(c: &str) -> Option<usize> {
    if !(4..=28).contains(&c.len()) {
        return None;
    }
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("o:")?
        .parse()
        .ok()
}

pub fn page_params(
    params: &Params,
    default: usize,
    max: usize,
) -> Result<(usize, usize), ApiError> {
    let limit = match params.one("limit") {
        None => default,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=max).contains(l))
            .ok_or_else(ApiError::bad_request)?,
    };
    let offset = match params.one("cursor") {
        None | Some("") => 0,
        Some(c) => decode_cursor(c).ok_or_else(ApiError::bad_request)?,
    };
    Ok((limit, offset))
}

async fn get_categories(
    State(fake): State<AppState>,
    _caller: Caller,
    params: Params,
) -> ApiResult {
    let (limit, offset) = page_params(&params, 25, 1000)?;
    let names = params.all("name");
    if names.iter().any(|n| n.chars().count() < 3) {
        return Err(ApiError::bad_request());
    }
    let tags = params.all("tag");
    let ids = params.all_u64("id").map_err(|_| ApiError::bad_request())?;
    let world = fake.world.lock().unwrap();
    let names_lc: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let matching: Vec<_> = world
        .categories
        .iter()
        .filter(|c| {
            names_lc.is_empty() || names_lc.iter().any(|n| c.name.to_lowercase().contains(n))
        })
        .filter(|c| {
            tags.is_empty()
                || tags
                    .iter()
                    .any(|t| c.tags.iter().any(|ct| ct.eq_ignore_ascii_case(t)))
        })
        .filter(|c| ids.is_empty() || ids.contains(&c.id))
        .collect();
    let page: Vec<_> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|c| json!({"id": c.id, "name": c.name, "thumbnail": c.thumbnail, "tags": c.tags}))
        .collect();
    let next = (offset + limit < matching.len()).then(|| encode_cursor(offset + limit));
    Ok(ok_paged(page, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_fit_kicks_bounds() {
        for off in [0, 25, 999_999] {
            let c = encode_cursor(off);
            assert!((4..=28).contains(&c.len()), "{c}");
            assert_eq!(decode_cursor(&c), Some(off));
        }
        assert_eq!(decode_cursor("garbage!"), None);
    }
}
