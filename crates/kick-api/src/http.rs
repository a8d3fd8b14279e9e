//! The request pipeline: bearer auth, one refresh-and-retry on 401, bounded
//! exponential backoff with jitter on 429 and 5xx, `Retry-After` honoured,
//! Kick's `{data, message}` envelope decoded with the failing field named.

use crate::auth::TokenManager;
use crate::config::KickConfig;
use crate::error::{kick_message, Error, Result};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// Whether a request needs a bearer token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    Bearer,
    None,
}

/// Which failures may be retried without risk of doing the thing twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryClass {
    /// Safe to repeat: retry on 429, 5xx and network errors.
    Idempotent,
    /// Not safe to repeat (sending a chat message): retry only on 429 and
    /// 503, where Kick did not act on the request.
    NotIdempotent,
}

/// A fully built request, before any I/O. Endpoint functions build these
/// (validating their input) so that building can be tested without a server.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    /// Human name used in errors, e.g. `GET /public/v1/channels`.
    pub endpoint: &'static str,
    pub method: Method,
    /// Path on the API host, starting with `/public/`.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    pub auth: AuthMode,
    pub retry: RetryClass,
}

impl ApiRequest {
    pub fn new(method: Method, endpoint: &'static str, path: impl Into<String>) -> Self {
        let retry = if method == Method::POST {
            RetryClass::NotIdempotent
        } else {
            RetryClass::Idempotent
        };
        ApiRequest {
            endpoint,
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            auth: AuthMode::Bearer,
            retry,
        }
    }

    pub fn get(endpoint: &'static str, path: impl Into<String>) -> Self {
        Self::new(Method::GET, endpoint, path)
    }

    pub fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn retry(mut self, retry: RetryClass) -> Self {
        self.retry = retry;
        self
    }

    pub fn no_auth(mut self) -> Self {
        self.auth = AuthMode::None;
        self
    }
}

/// A decoded success answer.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    pub data: T,
    pub message: Option<String>,
    /// `pagination.next_cursor`, `None` when absent or empty (last page).
    pub next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Deserialize, Default)]
struct Pagination {
    #[serde(default)]
    next_cursor: Option<String>,
}

struct ClientInner {
    http: reqwest::Client,
    config: KickConfig,
    tokens: Option<Arc<TokenManager>>,
}

/// The Kick REST client. Cheap to clone.
#[derive(Clone)]
pub struct KickClient {
    inner: Arc<ClientInner>,
}

impl std::fmt::Debug for KickClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KickClient")
            .field("api_base", &self.inner.config.api_base)
            .finish_non_exhaustive()
    }
}

pub(crate) fn build_http(config: &KickConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(config.user_agent.clone())
        .timeout(config.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client with rustls and no redirects always builds")
}

impl KickClient {
    /// A client without tokens (only `GET /public/v1/public-key` works).
    pub fn anonymous(config: KickConfig) -> Self {
        Self::build(config, None)
    }

    /// A client that authenticates with (and renews) these tokens.
    pub fn new(config: KickConfig, tokens: Arc<TokenManager>) -> Self {
        Self::build(config, Some(tokens))
    }

    fn build(config: KickConfig, tokens: Option<Arc<TokenManager>>) -> Self {
        KickClient {
            inner: Arc::new(ClientInner {
                http: build_http(&config),
                config,
                tokens,
            }),
        }
    }

    pub fn config(&self) -> &KickConfig {
        &self.inner.config
    }

    pub fn tokens(&self) -> Option<&Arc<TokenManager>> {
        self.inner.tokens.as_ref()
    }

    /// Runs a request whose answer is a `{data, ...}` envelope.
    pub async fn execute<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<ApiResponse<T>> {
        let (status, body) = self.send(&req).await?;
        if status == StatusCode::NO_CONTENT || body.is_empty() {
            // A 204 where data was expected: decode `null` so `Option`/`()` work.
            return decode::<T>(req.endpoint, b"{\"data\":null}");
        }
        decode::<T>(req.endpoint, &body)
    }

    /// Runs a request whose answer carries nothing we need (204 or any 2xx).
    pub async fn execute_empty(&self, req: ApiRequest) -> Result<()> {
        self.send(&req).await.map(|_| ())
    }

    /// Sends with auth, 401 refresh and retries; returns a 2xx status and body.
    async fn send(&self, req: &ApiRequest) -> Result<(StatusCode, Vec<u8>)> {
        let policy = &self.inner.config.retry;
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        let mut token = match req.auth {
            AuthMode::Bearer => Some(
                self.inner
                    .tokens
                    .as_ref()
                    .ok_or(Error::NotAuthenticated)?
                    .access_token()
                    .await?,
            ),
            AuthMode::None => None,
        };
        loop {
            attempt += 1;
            let mut rb = self
                .inner
                .http
                .request(req.method.clone(), self.inner.config.api_url(&req.path));
            if !req.query.is_empty() {
                rb = rb.query(&req.query);
            }
            if let Some(body) = &req.body {
                rb = rb.json(body);
            }
            if let Some(t) = &token {
                rb = rb.bearer_auth(t.expose());
            }
            let resp = match rb.send().await {
                Ok(r) => r,
                Err(e) => {
                    let retryable = req.retry == RetryClass::Idempotent || e.is_connect(); // nothing reached Kick
                    if retryable && attempt < policy.max_attempts {
                        tokio::time::sleep(policy.backoff(attempt)).await;
                        continue;
                    }
                    return Err(Error::Network {
                        endpoint: req.endpoint,
                        message: e.without_url().to_string(),
                    });
                }
            };
            let status = resp.status();
            let retry_after = parse_retry_after(resp.headers());
            let body = match resp.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) => {
                    if req.retry == RetryClass::Idempotent && attempt < policy.max_attempts {
                        tokio::time::sleep(policy.backoff(attempt)).await;
                        continue;
                    }
                    return Err(Error::Network {
                        endpoint: req.endpoint,
                        message: e.without_url().to_string(),
                    });
                }
            };
            if status.is_success() {
                return Ok((status, body));
            }
            if status == StatusCode::UNAUTHORIZED {
                if let (Some(t), false) = (&token, refreshed) {
                    let tm = self.inner.tokens.as_ref().expect("bearer implies tokens");
                    token = Some(tm.renew_after_401(t).await?);
                    refreshed = true;
                    attempt -= 1; // the refresh retry does not count as a backoff attempt
                    continue;
                }
                return Err(Error::Unauthorized {
                    endpoint: req.endpoint,
                    message: kick_message(&body),
                });
            }
            let retryable = match status.as_u16() {
                429 | 503 => true,
                500..=599 => req.retry == RetryClass::Idempotent,
                _ => false,
            };
            if retryable {
                if attempt < policy.max_attempts {
                    let wait = policy.delay(attempt, retry_after);
                    tracing::debug!(
                        endpoint = req.endpoint,
                        status = status.as_u16(),
                        attempt,
                        ?wait,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(if status == StatusCode::TOO_MANY_REQUESTS {
                    Error::RateLimited {
                        endpoint: req.endpoint,
                        status: 429,
                        attempts: attempt,
                        retry_after,
                    }
                } else {
                    Error::Server {
                        endpoint: req.endpoint,
                        status: status.as_u16(),
                        attempts: attempt,
                        message: kick_message(&body),
                    }
                });
            }
            if status.is_server_error() {
                return Err(Error::Server {
                    endpoint: req.endpoint,
                    status: status.as_u16(),
                    attempts: attempt,
                    message: kick_message(&body),
                });
            }
            return Err(Error::Api {
                endpoint: req.endpoint,
                status: status.as_u16(),
                message: kick_message(&body),
            });
        }
    }
}

/// Decodes a `{data, message, pagination}` envelope, naming the failing field.
// `pub` (hidden) only so the fuzz targets in `fuzz/` can reach it.
#[doc(hidden)]
pub fn decode<T: DeserializeOwned>(endpoint: &'static str, body: &[u8]) -> Result<ApiResponse<T>> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let env: Envelope<T> =
        serde_path_to_error::deserialize(&mut *de).map_err(|e| Error::Decode {
            endpoint,
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
    // One JSON document and nothing after it (found by fuzzing: a body with
    // trailing bytes was accepted).
    de.end().map_err(|e| Error::Decode {
        endpoint,
        path: String::new(),
        message: e.to_string(),
    })?;
    Ok(ApiResponse {
        data: env.data,
        message: env.message,
        next_cursor: env
            .pagination
            .and_then(|p| p.next_cursor)
            .filter(|c| !c.is_empty()),
    })
}

fn parse_retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = h.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Thing {
        #[allow(dead_code)]
        viewer_count: u64,
    }

    #[test]
    fn decode_names_the_failing_field() {
        let body = br#"{"data":[{"viewer_count":1},{"viewer_count":"many"}],"message":"OK"}"#;
        let err = decode::<Vec<Thing>>("GET /x", body).unwrap_err();
        match err {
            Error::Decode { path, .. } => assert_eq!(path, "data[1].viewer_count"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn trailing_bytes_after_the_envelope_are_refused() {
        // A fuzzer's find: `{"data":{}}` followed by anything was accepted.
        let err =
            decode::<serde_json::Value>("GET /x", br#"{"data":{},"message":"OK"}custom_tags"#)
                .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(decode::<serde_json::Value>("GET /x", b"{\"data\":{}}\n").is_ok());
    }

    #[test]
    fn empty_cursor_means_last_page() {
        let r = decode::<Vec<u8>>(
            "GET /x",
            br#"{"data":[],"message":"OK","pagination":{"next_cursor":""}}"#,
        )
        .unwrap();
        assert_eq!(r.next_cursor, None);
        let r = decode::<Vec<u8>>(
            "GET /x",
            br#"{"data":[],"pagination":{"next_cursor":"abcd"}}"#,
        )
        .unwrap();
        assert_eq!(r.next_cursor.as_deref(), Some("abcd"));
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(parse_retry_after(&h), Some(Duration::ZERO));
    }
}
