//! Targets for `kick-api`: the `{data, message}` envelope decoders of the
//! endpoint models, and the loopback listener's request parser.

use kick_api::endpoints::{
    categories::Category,
    channels::Channel,
    chat::ChatSent,
    events::{SubscribeResult, Subscription},
    kicks::Leaderboard,
    livestreams::{Livestream, LivestreamStats},
    rewards::{RedemptionFailure, RedemptionGroup, Reward},
    users::User,
};
use kick_api::error::Error;
use kick_api::loopback::{check_callback, parse_head, Refused};
use kick_api::transport::{decode, kick_message, ApiResponse};
use kick_api::Secret;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Debug;

/// The Kick API's JSON decoders. The first byte picks the endpoint model,
/// the rest is the response body.
///
/// Asserts: a body is accepted only when it is one JSON document (nothing
/// after it); a refusal is always a `Decode` error naming this endpoint;
/// an accepted body decodes to the same values when the same JSON is
/// written differently (decoding depends on the value, not the spelling);
/// an empty cursor is never returned (it means "last page"); the error
/// message extractor always has something to say.
pub fn api_json(data: &[u8]) {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let msg = kick_message(body);
    assert!(!msg.is_empty());
    match which % 14 {
        0 => check::<Vec<User>>("GET /public/v1/users", body, |_| {}),
        1 => check::<Vec<Channel>>("GET /public/v1/channels", body, |chs| {
            for c in chs {
                if let Some((url, key)) = c.stream_credentials() {
                    assert!(!url.is_empty() && !key.is_empty());
                }
            }
        }),
        2 => check::<Vec<Livestream>>("GET /public/v2/livestreams", body, |_| {}),
        3 => check::<LivestreamStats>("GET /public/v1/livestreams/stats", body, |_| {}),
        4 => check::<Vec<Category>>("GET /public/v2/categories", body, |_| {}),
        5 => check::<ChatSent>("POST /public/v1/chat", body, |_| {}),
        6 => check::<Vec<Reward>>("GET /public/v1/channels/rewards", body, |_| {}),
        7 => check::<Reward>("POST /public/v1/channels/rewards", body, |_| {}),
        8 => check::<Vec<RedemptionGroup>>(
            "GET /public/v1/channels/rewards/redemptions",
            body,
            |_| {},
        ),
        9 => check::<Vec<RedemptionFailure>>(
            "POST /public/v1/channels/rewards/redemptions/accept",
            body,
            |_| {},
        ),
        10 => check::<Vec<Subscription>>("GET /public/v1/events/subscriptions", body, |_| {}),
        11 => check::<Vec<SubscribeResult>>("POST /public/v1/events/subscriptions", body, |rs| {
            for r in rs {
                if let Ok(id) = r.outcome() {
                    assert_eq!(Some(id), r.subscription_id.as_ref());
                }
            }
        }),
        12 => check::<Leaderboard>("GET /public/v1/kicks/leaderboard", body, |_| {}),
        _ => check::<Value>("DELETE /public/v1/moderation/bans", body, |_| {}),
    }
}

fn check<T: DeserializeOwned + Debug>(endpoint: &'static str, body: &[u8], more: impl Fn(&T)) {
    let got = decode::<T>(endpoint, body);
    match got {
        Ok(r) => {
            if let Err(e) = one_document(body) {
                panic!("{endpoint}: accepted a body that is not one JSON document ({e})");
            }
            assert_ne!(r.next_cursor.as_deref(), Some(""));
            more(&r.data);
            // serde_json skips the strings of fields nobody reads without
            // checking their UTF-8; such a body has no `Value`.
            let Ok(v) = serde_json::from_slice::<Value>(body) else {
                return;
            };
            // The same JSON value, written by serde_json: same result.
            let respelled = serde_json::to_vec(&v).expect("a Value serialises");
            let again: ApiResponse<T> = decode(endpoint, &respelled)
                .unwrap_or_else(|e| panic!("{endpoint}: respelled body refused: {e}"));
            assert_eq!(format!("{:?}", again.data), format!("{:?}", r.data));
            assert_eq!(again.message, r.message);
            assert_eq!(again.next_cursor, r.next_cursor);
        }
        Err(Error::Decode { endpoint: e, .. }) => assert_eq!(e, endpoint),
        Err(other) => panic!("{endpoint}: not a decode error: {other:?}"),
    }
}

/// One JSON document and nothing after it (syntax only, as serde_json
/// checks it for fields it skips).
pub fn one_document(body: &[u8]) -> serde_json::Result<()> {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).map(|_| ())
}

/// The state the fuzzed callbacks are checked against (shaped like the
/// real one: 32 random bytes, base64url).
pub const STATE: &str = "Xq3vN8b0QeT1kLm2pZ7wYs4dHc9uRf6gJa5iKo0nB1E";
/// Longest head `parse_head` looks at (`MAX_HEAD` + slack in loopback.rs).
const HEAD_LIMIT: usize = 16 * 1024 + 1024;

/// The loopback listener's request-head parser and callback check. The input
/// is a request head; its first line's query, and the whole input as a
/// query, go to `check_callback`.
///
/// Asserts: a head is parsed only from UTF-8 within the size bound; method
/// and target are the first two space-separated words of the first line,
/// without spaces or line breaks, and the line goes on with `HTTP/`; and the
/// properties of [`check_query`].
pub fn loopback(data: &[u8]) {
    if let Some((method, target)) = parse_head(data) {
        assert!(data.len() <= HEAD_LIMIT);
        let head = std::str::from_utf8(data).expect("a parsed head is UTF-8");
        let line = head.lines().next().expect("a parsed head has a line");
        let prefix = format!("{method} {target} HTTP/");
        assert!(line.starts_with(&prefix), "{line:?} vs {prefix:?}");
        for part in [&method, &target] {
            assert!(!part.contains([' ', '\n']));
        }
        let query = target.split_once('?').map_or("", |(_, q)| q);
        check_query(query);
    }
    if let Ok(q) = std::str::from_utf8(data) {
        check_query(q);
    }
}

/// `check_callback`'s contract, the login's safety: a callback ends the
/// login (with a code, or Kick's own refusal) only when it carries this
/// login's `state`; any other page gets "not ours" and the login waits on.
/// A code is returned only with the right state, no `error`, and is the
/// (last) `code` sent, non-empty. Messages shown to the user have no control
/// characters.
pub fn check_query(query: &str) {
    let expected = Secret::new(STATE);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let last = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let state_ok = last("state") == Some(STATE);
    match check_callback(query, &expected) {
        Ok(code) => {
            assert!(state_ok, "a code was accepted without this login's state");
            assert!(last("error").is_none());
            assert!(!code.is_empty());
            assert_eq!(Some(code.expose()), last("code"));
        }
        Err(Refused::Ours(m)) => {
            assert!(
                state_ok,
                "a callback without our state ended the login: {m}"
            );
            assert!(!m.chars().any(char::is_control), "{m:?}");
        }
        Err(Refused::NotOurs(m)) => {
            assert!(!state_ok);
            assert!(!m.chars().any(char::is_control), "{m:?}");
        }
    }
}
