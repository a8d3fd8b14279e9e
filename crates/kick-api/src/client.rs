//! The request pipeline: bearer auth, one refresh-and-retry on 401, bounded
//! exponential backoff with jitter on 429 and 5xx, `Retry-After` honoured.
//! Requests are built by [`crate::endpoints`] as [`ApiRequest`]s and decoded
//! by [`crate::transport`].

use crate::auth::TokenManager;
use crate::config::KickConfig;
use crate::error::{Error, Result};
use crate::token::TokenKind;
use crate::transport::{
    build_http, decode, kick_message, network_error, parse_retry_after, ApiRequest, ApiResponse,
    AuthMode, RetryClass,
};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use std::sync::Arc;

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
        if let Some(observer) = &self.inner.config.observer {
            observer.notify(req.endpoint, req.scope);
        }
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
                    return Err(network_error(req.endpoint, e));
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
                    return Err(network_error(req.endpoint, e));
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
            if status == StatusCode::FORBIDDEN {
                return Err(Error::Forbidden {
                    endpoint: req.endpoint,
                    message: kick_message(&body),
                    missing_scope: self.missing_scope(req),
                });
            }
            return Err(Error::Api {
                endpoint: req.endpoint,
                status: status.as_u16(),
                message: kick_message(&body),
            });
        }
    }

    /// The scope `req` needs that the login's grant does not hold. A grant
    /// whose scopes are unknown (Kick sent none) counts as lacking it.
    fn missing_scope(&self, req: &ApiRequest) -> Option<&'static str> {
        let scope = req.scope?;
        let granted = self.inner.tokens.as_ref().and_then(|t| t.snapshot());
        match granted {
            Some(t) if t.kind == TokenKind::User && !t.scopes.is_empty() => {
                (!t.has_scope(scope)).then_some(scope)
            }
            Some(t) if t.kind == TokenKind::App => None,
            _ => Some(scope),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RetryPolicy;
    use crate::error::NetworkKind;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// One attempt, a short timeout, nothing but the public key route.
    async fn fail_against(base: String) -> Error {
        let mut config = KickConfig::new(base.clone(), base).with_retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        });
        config.request_timeout = Duration::from_millis(500);
        let req =
            ApiRequest::get("GET /public/v1/public-key", "/public/v1/public-key?x=1").no_auth();
        KickClient::anonymous(config)
            .execute::<serde_json::Value>(req)
            .await
            .unwrap_err()
    }

    fn kind_of(e: &Error) -> NetworkKind {
        match e {
            Error::Network { kind, source, .. } => {
                assert!(source.url().is_none(), "the URL stays out of the error");
                assert!(!e.to_string().contains("x=1"), "{e}");
                assert!(std::error::Error::source(e).is_some());
                *kind
            }
            other => panic!("not a network error: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_a_refused_connection() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let e = fail_against(format!("http://127.0.0.1:{port}")).await;
        assert_eq!(kind_of(&e), NetworkKind::Refused, "{e}");
        assert!(e.to_string().contains("connection refused"), "{e}");
    }

    #[tokio::test]
    async fn a_silent_server_is_a_timeout() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            // Read the request, never answer.
            while s.read(&mut buf).await.unwrap_or(0) > 0 {}
        });
        let e = fail_against(format!("http://127.0.0.1:{port}")).await;
        assert_eq!(kind_of(&e), NetworkKind::Timeout, "{e}");
        server.abort();
    }

    #[tokio::test]
    async fn plain_tcp_behind_https_is_a_tls_failure() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await; // the ClientHello
            let _ = s
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        });
        let e = fail_against(format!("https://127.0.0.1:{port}")).await;
        assert_eq!(kind_of(&e), NetworkKind::Tls, "{e}");
        server.abort();
    }
}
