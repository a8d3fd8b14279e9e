//! The transport layer: the HTTP client Kickstand talks to Kick with, the
//! shape of a request before any I/O ([`ApiRequest`]), decoding of Kick's
//! `{data, message, pagination}` envelope with the failing field named, and
//! the human message inside Kick's error bodies. Nothing here knows about
//! tokens; the pipeline that sends requests lives in [`crate::client`].

use crate::config::KickConfig;
use crate::error::{Error, NetworkKind, Result};
use reqwest::Method;
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
    /// The OAuth scope a user token needs for this endpoint (API.md §2.6,
    /// §3.0), `None` when Kick declares none. Set by every endpoint builder;
    /// `crate::endpoints::ENDPOINTS` lists the same pairs.
    pub scope: Option<&'static str>,
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
            scope: None,
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

    pub fn scope(mut self, scope: Option<&'static str>) -> Self {
        self.scope = scope;
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

/// The one way to build the reqwest client (REST and OAuth): no redirects,
/// the configured user agent and per-attempt timeout.
pub(crate) fn build_http(config: &KickConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(config.user_agent.clone())
        .timeout(config.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client with rustls and no redirects always builds")
}

/// A request that did not get an answer from Kick, with its cause kept
/// (without the URL: a query may carry ids or a token hint) and classified.
pub(crate) fn network_error(endpoint: &'static str, e: reqwest::Error) -> Error {
    let kind = network_kind(e.is_timeout(), &e);
    Error::Network {
        endpoint,
        kind,
        source: Arc::new(e.without_url()),
    }
}

/// Classifies a failed request by its cause chain: a timeout (reqwest says
/// so), a refused connection (`io::ErrorKind::ConnectionRefused`), a rustls
/// error (tokio-rustls wraps it in an `io::Error`, reqwest wraps that in
/// another; `io::Error::source` skips the wrapped error, so the walk goes
/// through `get_ref`), a failed name lookup
/// (hyper-util's connector calls it "dns error"; the getaddrinfo text is the
/// other sign), anything else.
fn network_kind(timed_out: bool, e: &(dyn std::error::Error + 'static)) -> NetworkKind {
    if timed_out {
        return NetworkKind::Timeout;
    }
    let mut kind = NetworkKind::Other;
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<rustls::Error>() {
            return NetworkKind::Tls;
        }
        let text = c.to_string();
        if text == "dns error" || text.starts_with("failed to lookup address information") {
            // Keep looking: a refused connection or TLS below says more.
            kind = NetworkKind::Dns;
        }
        cause = match c.downcast_ref::<std::io::Error>() {
            Some(io) => {
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => return NetworkKind::Refused,
                    std::io::ErrorKind::TimedOut => return NetworkKind::Timeout,
                    _ => {}
                }
                // `io::Error::source` skips the wrapped error itself.
                io.get_ref()
                    .map(|inner| inner as &(dyn std::error::Error + 'static))
            }
            None => c.source(),
        };
    }
    kind
}

/// What [`kick_message`] says for an answer with an empty body.
pub const NO_DETAILS: &str = "no details given";

/// Extracts a human message from a Kick error body: `message`, then
/// `error` + `error_description`, then the start of the raw text.
// `pub` (hidden) only so the fuzz targets in `fuzz/` can reach it.
#[doc(hidden)]
pub fn kick_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Shape {
        message: Option<serde_json::Value>,
        error: Option<serde_json::Value>,
        error_description: Option<String>,
    }
    fn as_text(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }
    if let Ok(s) = serde_json::from_slice::<Shape>(body) {
        if let Some(m) = s.message.as_ref().and_then(as_text) {
            return m;
        }
        if let Some(e) = s.error.as_ref().and_then(as_text) {
            return match s.error_description {
                Some(d) if !d.is_empty() => format!("{e}: {d}"),
                _ => e,
            };
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return NO_DETAILS.to_owned();
    }
    // A gateway's or Cloudflare's page in front of Kick: its title (or its
    // text) in words, never its markup.
    if text.starts_with('<') {
        let lower = text.to_ascii_lowercase();
        let title = lower
            .find("<title>")
            .map(|i| i + "<title>".len())
            .and_then(|a| Some(a..a + lower[a..].find("</title>")?))
            .map(|r| text[r].to_owned());
        let words = title.unwrap_or_else(|| strip_tags(text));
        let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
        return match words.is_empty() {
            true => "a web page instead of Kick's answer".to_owned(),
            false => format!(
                "a web page instead of Kick's answer (“{}”)",
                clip(&words, 80)
            ),
        };
    }
    clip(text, 200)
}

fn clip(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// The text between a page's tags.
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
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

pub(crate) fn parse_retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
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
    fn trailing_bytes_after_the_envelope_are_refused() {
        // A fuzzer's find: `{"data":{}}` followed by anything was accepted.
        let err =
            decode::<serde_json::Value>("GET /x", br#"{"data":{},"message":"OK"}custom_tags"#)
                .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(decode::<serde_json::Value>("GET /x", b"{\"data\":{}}\n").is_ok());
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

    #[test]
    fn kick_message_shapes() {
        assert_eq!(
            kick_message(br#"{"message":"Invalid request","data":null}"#),
            "Invalid request"
        );
        assert_eq!(
            kick_message(br#"{"error":"invalid_grant","error_description":"revoked"}"#),
            "invalid_grant: revoked"
        );
        assert_eq!(
            kick_message(br#"{"error":"Invalid request"}"#),
            "Invalid request"
        );
        assert_eq!(
            kick_message(b"<html>Bad gateway</html>"),
            "a web page instead of Kick's answer (“Bad gateway”)"
        );
        assert_eq!(
            kick_message(
                b"<!DOCTYPE html><html><head><TITLE>Just a moment...</TITLE></head><body>x</body></html>"
            ),
            "a web page instead of Kick's answer (“Just a moment...”)"
        );
        assert_eq!(
            kick_message(b"<html><body></body></html>"),
            "a web page instead of Kick's answer"
        );
        assert_eq!(kick_message(b""), "no details given");
    }

    #[derive(Debug, thiserror::Error)]
    #[error("{msg}")]
    struct Wrap {
        msg: &'static str,
        #[source]
        cause: Option<Box<dyn std::error::Error + Send + Sync>>,
    }

    fn wrap(msg: &'static str, cause: impl std::error::Error + Send + Sync + 'static) -> Wrap {
        Wrap {
            msg,
            cause: Some(Box::new(cause)),
        }
    }

    #[test]
    fn network_kinds_from_the_cause_chain() {
        use std::io;
        let refused = wrap(
            "tcp connect error",
            io::Error::from(io::ErrorKind::ConnectionRefused),
        );
        assert_eq!(network_kind(false, &refused), NetworkKind::Refused);
        assert_eq!(network_kind(true, &refused), NetworkKind::Timeout);
        // reqwest 0.12's shape: io::Error(Other, io::Error(InvalidData, rustls::Error)).
        let tls = wrap(
            "client error",
            io::Error::other(io::Error::new(
                io::ErrorKind::InvalidData,
                rustls::Error::DecryptError,
            )),
        );
        assert_eq!(network_kind(false, &tls), NetworkKind::Tls);
        let dns = wrap(
            "client error (Connect)",
            wrap(
                "dns error",
                io::Error::other("failed to lookup address information: Name or service not known"),
            ),
        );
        assert_eq!(network_kind(false, &dns), NetworkKind::Dns);
        let reset = wrap(
            "client error",
            io::Error::from(io::ErrorKind::ConnectionReset),
        );
        assert_eq!(network_kind(false, &reset), NetworkKind::Other);
        let bare = Wrap {
            msg: "error sending request",
            cause: None,
        };
        assert_eq!(network_kind(false, &bare), NetworkKind::Other);
    }
}
