//! Fault injection: added latency, a fraction of 429s and 500s, and
//! deterministic "the next N API requests fail" storms for tests.

use crate::reply::ApiError;
use crate::state::{AppState, Metrics};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FaultSettings {
    /// Added to every API request.
    pub latency_ms: u64,
    /// Fraction (0..=1) of API requests answered 429.
    pub rate_429: f64,
    /// Fraction (0..=1) of API requests answered 500.
    pub rate_500: f64,
    /// The next N API requests are answered 429 (counts down).
    pub next_429: u32,
    /// The next N API requests are answered 500 (counts down).
    pub next_500: u32,
    /// This many API requests pass before `next_429` / `next_500` begin
    /// (counts down): a failure in the middle of a run of calls.
    pub pass_first: u32,
    /// When set, only requests whose path starts with this get any fault
    /// but latency (counters and rates alike): the app's background polls
    /// pass by.
    pub only_path: Option<String>,
    /// `Retry-After` seconds to send with injected 429s (Kick sends none).
    pub retry_after_secs: Option<u64>,
    /// Added to every OAuth token request (a slow refresh, for races).
    pub token_latency_ms: u64,
    /// Every OAuth token request is answered with this status until it is
    /// cleared: Kick's login server failing (5xx, an HTML gateway page) or
    /// limiting (429), while the API may still work.
    pub token_status: Option<u16>,
}

#[derive(Default, Debug)]
pub struct Faults {
    pub settings: Mutex<FaultSettings>,
}

enum Verdict {
    Pass,
    TooMany(Option<u64>),
    Internal,
}

impl Faults {
    pub fn set(&self, s: FaultSettings) {
        *self.settings.lock().unwrap() = s;
    }

    pub fn get(&self) -> FaultSettings {
        self.settings.lock().unwrap().clone()
    }

    fn decide(&self, path: &str) -> (Duration, Verdict) {
        let mut s = self.settings.lock().unwrap();
        let latency = Duration::from_millis(s.latency_ms);
        let counted = s.only_path.as_deref().is_none_or(|p| path.starts_with(p));
        let verdict = if !counted {
            Verdict::Pass
        } else if s.pass_first > 0 && (s.next_429 > 0 || s.next_500 > 0) {
            s.pass_first -= 1;
            Verdict::Pass
        } else if s.next_429 > 0 {
            s.next_429 -= 1;
            Verdict::TooMany(s.retry_after_secs)
        } else if s.next_500 > 0 {
            s.next_500 -= 1;
            Verdict::Internal
        } else {
            let r: f64 = rand::random();
            if r < s.rate_429 {
                Verdict::TooMany(s.retry_after_secs)
            } else if r < s.rate_429 + s.rate_500 {
                Verdict::Internal
            } else {
                Verdict::Pass
            }
        };
        (latency, verdict)
    }
}

/// Middleware for the API routes.
pub async fn inject(State(fake): State<AppState>, req: Request, next: Next) -> Response {
    Metrics::bump(&fake.metrics.api_requests);
    let (latency, verdict) = fake.faults.decide(req.uri().path());
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match verdict {
        Verdict::Pass => next.run(req).await,
        Verdict::TooMany(retry_after) => {
            Metrics::bump(&fake.metrics.injected_429);
            let mut resp =
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
            if let Some(secs) = retry_after {
                resp.headers_mut().insert(
                    "retry-after",
                    HeaderValue::from_str(&secs.to_string()).unwrap(),
                );
            }
            resp
        }
        Verdict::Internal => {
            Metrics::bump(&fake.metrics.injected_500);
            ApiError::internal().into_response()
        }
    }
}
