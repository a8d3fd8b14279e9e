//! Kick's realtime negotiation (REALTIME.md §b): the descriptor that names
//! the transport, validated as careful clients do, and the realtime token.
//! Building and reading the bodies is pure; `Negotiator` does the HTTP.

use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Kick's app key and cluster when the descriptor cannot be had (§e).
pub const KICK_PUSHER_KEY: &str = "32cbd69e4b950bf97679";
pub const KICK_PUSHER_CLUSTER: &str = "us2";

/// Which transport to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportChoice {
    /// Whatever Kick's descriptor names (offering both).
    #[default]
    Auto,
    /// Offer only Centrifugo.
    Centrifugo,
    /// Offer only Pusher.
    Pusher,
}

impl TransportChoice {
    fn offers(self) -> &'static [&'static str] {
        match self {
            TransportChoice::Auto => &["pusher", "centrifugo"],
            TransportChoice::Centrifugo => &["centrifugo"],
            TransportChoice::Pusher => &["pusher"],
        }
    }
}

/// The transport a connection uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Centrifugo,
    Pusher,
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transport::Centrifugo => "Centrifugo",
            Transport::Pusher => "Pusher",
        })
    }
}

/// Which Centrifugo hosts a descriptor may name (§b.1 validation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostRule {
    /// `wss://realtime.*.platform.kick.com/connection/websocket` only.
    Kick,
    /// `ws`/`wss` on 127.0.0.1, localhost or ::1 (a local fake Kick); only
    /// used when the web base itself is a loopback address.
    Loopback,
}

impl HostRule {
    /// The rule that fits a web base: loopback for a local fake, Kick's
    /// otherwise.
    pub fn for_web_base(web_base: &str) -> HostRule {
        match url::Url::parse(web_base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        {
            Some(h) if is_loopback(&h) => HostRule::Loopback,
            _ => HostRule::Kick,
        }
    }
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
}

/// Pusher credentials (public values, not secrets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PusherCreds {
    pub app_key: String,
    pub cluster: String,
}

impl PusherCreds {
    pub fn kick() -> Self {
        PusherCreds {
            app_key: KICK_PUSHER_KEY.into(),
            cluster: KICK_PUSHER_CLUSTER.into(),
        }
    }

    /// The socket URL from a template with `{key}` and `{cluster}`.
    pub fn url(&self, template: &str) -> String {
        template
            .replace("{key}", &self.app_key)
            .replace("{cluster}", &self.cluster)
    }
}

/// A realtime token. Never printed, logged or serialised (§b.4).
#[derive(Clone, PartialEq, Eq)]
pub struct RealtimeToken(String);

impl RealtimeToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RealtimeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RealtimeToken(<redacted>)")
    }
}

/// One usable entry of a descriptor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Offer {
    Centrifugo { url: String },
    Pusher(PusherCreds),
}

/// What a descriptor says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Descriptor {
    /// Usable entries in the server's order.
    Offers(Vec<Offer>),
    /// Only providers we do not implement (or none at all).
    Unsupported(Vec<String>),
    /// Entries for known providers that fail validation, and nothing usable.
    Invalid(String),
}

/// Why a realtime request failed, in words a streamer understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpFailure {
    /// No answer (network, DNS, timeout).
    Unreachable,
    /// 401/403 with JSON: Kick refuses.
    Refused(u16),
    /// 403 with Cloudflare's "Just a moment..." page.
    Challenge,
    /// 423 (country block, as one project reads it).
    Blocked,
    /// 5xx, 429 and other statuses.
    Status(u16),
    /// 2xx that is not the JSON we expect.
    Malformed,
}

impl HttpFailure {
    pub fn describe(&self, what: &str) -> String {
        match self {
            HttpFailure::Unreachable => format!("Kick's {what} is unreachable"),
            HttpFailure::Refused(s) => format!("Kick refused the {what} (HTTP {s})"),
            HttpFailure::Challenge => {
                format!("Kick's {what} answered with a Cloudflare check (HTTP 403)")
            }
            HttpFailure::Blocked => format!("Kick's {what} is not available here (HTTP 423)"),
            HttpFailure::Status(s) => format!("Kick's {what} answered with an error (HTTP {s})"),
            HttpFailure::Malformed => format!("Kick's {what} sent an answer Kickstand cannot read"),
        }
    }
}

/// The negotiation body the web client sends (§b.1).
pub fn negotiation_body(client_id: &str, choice: TransportChoice) -> Value {
    let providers: Vec<Value> = choice
        .offers()
        .iter()
        .map(|p| json!({"provider": p}))
        .collect();
    json!({"client": {"id": client_id, "type": "web"},
           "capabilities": {"accepted_providers": providers}})
}

fn key_ok(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks a Centrifugo URL as careful clients do (§b.1): `wss`, host
/// `realtime.*.platform.kick.com`, path `/connection/websocket`, no
/// user-info, query or fragment, ASCII, ≤ 1024 chars. With
/// [`HostRule::Loopback`], `ws`/`wss` on a loopback host instead.
pub fn validate_centrifugo_url(raw: &str, rule: &HostRule) -> Result<String, String> {
    if raw.len() > 1024 || !raw.is_ascii() {
        return Err("too long or not ASCII".into());
    }
    let u = url::Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
    if !u.username().is_empty() || u.password().is_some() {
        return Err("carries user info".into());
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err("carries a query or fragment".into());
    }
    if u.path() != "/connection/websocket" {
        return Err(format!("unexpected path {}", u.path()));
    }
    let host = u.host_str().unwrap_or_default();
    let ok = match rule {
        HostRule::Kick => {
            // `realtime.<region>.platform.kick.com`, or without a region
            // (one Node test, ⚠).
            let region_ok = host == "realtime.platform.kick.com"
                || host
                    .strip_prefix("realtime.")
                    .and_then(|h| h.strip_suffix(".platform.kick.com"))
                    .is_some_and(|region| key_ok(region, 63));
            u.scheme() == "wss" && u.port().is_none() && region_ok
        }
        HostRule::Loopback => matches!(u.scheme(), "ws" | "wss") && is_loopback(host),
    };
    if !ok {
        return Err(format!(
            "{}://{host} is not Kick's realtime host",
            u.scheme()
        ));
    }
    Ok(raw.to_owned())
}

/// Reads a descriptor answer: `{"data":{"connections":[…],"mode":…}}`.
/// Provider and mode names compare case-insensitively; `mode` may be
/// missing; entries that fail validation are skipped (§b.1).
pub fn parse_descriptor(body: &Value, rule: &HostRule) -> Result<Descriptor, HttpFailure> {
    let data = body.get("data").unwrap_or(body);
    let conns = data
        .get("connections")
        .and_then(Value::as_array)
        .ok_or(HttpFailure::Malformed)?;
    if let Some(mode) = data.get("mode").and_then(Value::as_str) {
        if !mode.eq_ignore_ascii_case("websocket") {
            return Ok(Descriptor::Unsupported(vec![format!("mode {mode}")]));
        }
    }
    let mut offers = Vec::new();
    let mut unknown = Vec::new();
    let mut invalid = Vec::new();
    for c in conns {
        let provider = c
            .get("provider")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let creds = c.get("credentials").unwrap_or(&Value::Null);
        match provider.to_ascii_lowercase().as_str() {
            "centrifugo" => {
                let raw = creds.get("url").and_then(Value::as_str).unwrap_or_default();
                match validate_centrifugo_url(raw, rule) {
                    Ok(url) => offers.push(Offer::Centrifugo { url }),
                    Err(e) => invalid.push(format!("Centrifugo URL {e}")),
                }
            }
            "pusher" => {
                let key = creds
                    .get("app_key")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let cluster = creds
                    .get("cluster")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if key_ok(key, 128) && key_ok(cluster, 32) {
                    offers.push(Offer::Pusher(PusherCreds {
                        app_key: key.into(),
                        cluster: cluster.into(),
                    }));
                } else {
                    invalid.push("Pusher key or cluster is malformed".into());
                }
            }
            other => unknown.push(if other.is_empty() {
                "(unnamed)".to_owned()
            } else {
                provider.to_owned()
            }),
        }
    }
    Ok(if !offers.is_empty() {
        Descriptor::Offers(offers)
    } else if !invalid.is_empty() {
        Descriptor::Invalid(invalid.join("; "))
    } else {
        Descriptor::Unsupported(unknown)
    })
}

/// Reads `{"data":{"token":"<JWT>"},"message":"success"}`. A token must look
/// like a JWT (base64url parts and dots), at most 8 KiB.
pub fn parse_token(body: &Value) -> Result<RealtimeToken, HttpFailure> {
    let t = body
        .get("data")
        .and_then(|d| d.get("token"))
        .and_then(Value::as_str)
        .ok_or(HttpFailure::Malformed)?;
    let ok = !t.is_empty()
        && t.len() <= 8192
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='));
    if ok {
        Ok(RealtimeToken(t.to_owned()))
    } else {
        Err(HttpFailure::Malformed)
    }
}

/// Classifies an HTTP answer; `Ok` carries the JSON body of a 2xx.
pub fn classify(status: u16, content_type: &str, body: &[u8]) -> Result<Value, HttpFailure> {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let challenge = text.contains("Just a moment")
        || text.contains("/cdn-cgi/challenge-platform")
        || text.contains("cf_chl_opt");
    match status {
        200..=299 => serde_json::from_slice::<Value>(body).map_err(|_| HttpFailure::Malformed),
        403 if challenge || content_type.starts_with("text/html") => Err(HttpFailure::Challenge),
        401 | 403 => Err(HttpFailure::Refused(status)),
        423 => Err(HttpFailure::Blocked),
        s => Err(HttpFailure::Status(s)),
    }
}

/// The most a realtime answer may weigh (the hardened chatterino fork: 64 KiB).
pub const MAX_BODY: usize = 64 * 1024;

/// Does the HTTP side of negotiation.
#[derive(Clone, Debug)]
pub struct Negotiator {
    http: reqwest::Client,
    web_base: String,
    rule: HostRule,
}

impl Negotiator {
    pub fn new(web_base: &str, rule: HostRule, timeout: Duration, origin: Option<&str>) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-app-platform", "web".parse().expect("static header"));
        headers.insert(
            reqwest::header::ACCEPT,
            "application/json".parse().expect("static header"),
        );
        if let Some(o) = origin.and_then(|o| o.parse().ok()) {
            headers.insert(reqwest::header::ORIGIN, o);
            headers.insert(
                reqwest::header::REFERER,
                "https://kick.com/".parse().expect("static header"),
            );
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap_or_default();
        Negotiator {
            http,
            web_base: web_base.trim_end_matches('/').to_owned(),
            rule,
        }
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value, HttpFailure> {
        let resp = self
            .http
            .post(format!("{}{path}", self.web_base))
            .json(body)
            .send()
            .await
            .map_err(|_| HttpFailure::Unreachable)?;
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(HttpFailure::Malformed);
        }
        let mut resp = resp;
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|_| HttpFailure::Unreachable)? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BODY {
                return Err(HttpFailure::Malformed);
            }
        }
        classify(status, &ct, &body)
    }

    /// `POST /api/v1/realtime/connection` (global) or
    /// `/api/v1/realtime/channels/{channel_id}/chat/connection`.
    pub async fn descriptor(
        &self,
        client_id: &str,
        choice: TransportChoice,
        channel_id: Option<u64>,
    ) -> Result<Descriptor, HttpFailure> {
        let path = match channel_id {
            Some(c) => format!("/api/v1/realtime/channels/{c}/chat/connection"),
            None => "/api/v1/realtime/connection".to_owned(),
        };
        let v = self
            .post(&path, &negotiation_body(client_id, choice))
            .await?;
        parse_descriptor(&v, &self.rule)
    }

    /// `POST /api/v1/realtime/auth/connection` for the same client id.
    pub async fn token(&self, client_id: &str) -> Result<RealtimeToken, HttpFailure> {
        let v = self
            .post(
                "/api/v1/realtime/auth/connection",
                &json!({"client_id": client_id}),
            )
            .await?;
        parse_token(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_offers_both_providers_with_one_client_id() {
        let b = negotiation_body("abc", TransportChoice::Auto);
        assert_eq!(b["client"]["id"], "abc");
        assert_eq!(b["client"]["type"], "web");
        let p = b["capabilities"]["accepted_providers"].as_array().unwrap();
        assert_eq!(p.len(), 2);
        let b = negotiation_body("abc", TransportChoice::Pusher);
        assert_eq!(
            b["capabilities"]["accepted_providers"],
            json!([{"provider": "pusher"}])
        );
    }

    #[test]
    fn descriptors_compare_names_case_insensitively_and_mode_is_optional() {
        let kick = json!({"data":{"connections":[{"provider":"centrifugo",
            "credentials":{"url":"wss://realtime.us-east-1.platform.kick.com/connection/websocket"}}],"mode":"websocket"}});
        assert_eq!(
            parse_descriptor(&kick, &HostRule::Kick).unwrap(),
            Descriptor::Offers(vec![Offer::Centrifugo {
                url: "wss://realtime.us-east-1.platform.kick.com/connection/websocket".into()
            }])
        );
        let old = json!({"connections":[{"credentials":{"app_key":"32cbd69e4b950bf97679","cluster":"us2"},"provider":"PUSHER"}],"mode":"WEBSOCKET"});
        assert_eq!(
            parse_descriptor(&old, &HostRule::Kick).unwrap(),
            Descriptor::Offers(vec![Offer::Pusher(PusherCreds::kick())])
        );
        let no_mode = json!({"data":{"connections":[{"provider":"pusher","credentials":{"app_key":"k","cluster":"c"}}]}});
        assert!(matches!(
            parse_descriptor(&no_mode, &HostRule::Kick).unwrap(),
            Descriptor::Offers(_)
        ));
        let ably = json!({"data":{"connections":[{"provider":"ably","credentials":{}}],"mode":"websocket"}});
        assert_eq!(
            parse_descriptor(&ably, &HostRule::Kick).unwrap(),
            Descriptor::Unsupported(vec!["ably".into()])
        );
        let empty = json!({"data":{"connections":[],"mode":"websocket"}});
        assert_eq!(
            parse_descriptor(&empty, &HostRule::Kick).unwrap(),
            Descriptor::Unsupported(vec![])
        );
        assert_eq!(
            parse_descriptor(&json!({"data":{}}), &HostRule::Kick),
            Err(HttpFailure::Malformed)
        );
    }

    #[test]
    fn urls_and_keys_are_validated() {
        let k = HostRule::Kick;
        for good in [
            "wss://realtime.us-west-2.platform.kick.com/connection/websocket",
            "wss://realtime.platform.kick.com/connection/websocket",
        ] {
            assert!(validate_centrifugo_url(good, &k).is_ok(), "{good}");
        }
        for bad in [
            "ws://realtime.us-east-1.platform.kick.com/connection/websocket",
            "wss://evil.example.com/connection/websocket",
            "wss://realtime.us-east-1.platform.kick.com.evil.com/connection/websocket",
            "wss://realtime.us-east-1.platform.kick.com/connection/websocket?x=1",
            "wss://u:p@realtime.us-east-1.platform.kick.com/connection/websocket",
            "wss://realtime.us-east-1.platform.kick.com/other",
            "ws://127.0.0.1:8000/connection/websocket",
        ] {
            assert!(validate_centrifugo_url(bad, &k).is_err(), "{bad}");
        }
        let l = HostRule::Loopback;
        assert!(validate_centrifugo_url("ws://127.0.0.1:4000/connection/websocket", &l).is_ok());
        assert!(validate_centrifugo_url("ws://10.0.0.1:4000/connection/websocket", &l).is_err());
        let bad_key = json!({"data":{"connections":[{"provider":"pusher","credentials":{"app_key":"a/b","cluster":"us2"}}]}});
        assert!(matches!(
            parse_descriptor(&bad_key, &k).unwrap(),
            Descriptor::Invalid(_)
        ));
        assert_eq!(
            HostRule::for_web_base("http://127.0.0.1:5000"),
            HostRule::Loopback
        );
        assert_eq!(
            HostRule::for_web_base("https://web.kick.com"),
            HostRule::Kick
        );
    }

    #[test]
    fn tokens_are_checked_and_never_printed() {
        let t =
            parse_token(&json!({"data":{"token":"eyJh.eyJz.c2ln"},"message":"success"})).unwrap();
        assert_eq!(t.expose(), "eyJh.eyJz.c2ln");
        assert!(!format!("{t:?}").contains("eyJ"));
        assert_eq!(
            parse_token(&json!({"data":{}})),
            Err(HttpFailure::Malformed)
        );
        assert_eq!(
            parse_token(&json!({"data":{"token":"a b<script>"}})),
            Err(HttpFailure::Malformed)
        );
    }

    #[test]
    fn answers_are_classified() {
        assert!(classify(200, "application/json", b"{}").is_ok());
        assert_eq!(
            classify(200, "text/html", b"<html>"),
            Err(HttpFailure::Malformed)
        );
        assert_eq!(
            classify(403, "text/html", b"<title>Just a moment...</title>"),
            Err(HttpFailure::Challenge)
        );
        assert_eq!(
            classify(403, "application/json", b"{\"error\":\"blocked\"}"),
            Err(HttpFailure::Refused(403))
        );
        assert_eq!(classify(503, "", b""), Err(HttpFailure::Status(503)));
        assert_eq!(classify(423, "", b""), Err(HttpFailure::Blocked));
    }
}
