//! OAuth 2.1 against Kick's id host: authorization URL with PKCE (S256) and
//! `state`, code exchange, client-credentials app tokens, refresh, revoke and
//! introspection. Kick requires the client secret on every grant, sent in the
//! form body.
//!
//! The three token grants go through the `oauth2` crate (form encoding,
//! `AuthType::RequestBody`, PKCE), with two Kick-specific adaptations:
//!
//! * a tolerant token response type ([`KickTokenResponse`]): Kick's docs show
//!   `expires_in: ""` and client-credentials answers carry no `scope` and no
//!   `refresh_token`; `oauth2`'s `StandardTokenResponse` would refuse a string
//!   `expires_in`, so we accept a number, a numeric string, `""` or `null`;
//! * a tolerant error type ([`KickErrorResponse`]): Kick answers `{"error"}`,
//!   and clients also see `{"error","error_description"}` and `{"message"}`;
//!   the standard `BasicErrorResponse` needs `error` and would turn a
//!   `{"message"}` body into a parse error.
//!
//! `oauth2` does not report the HTTP status of an error answer, which the
//! token manager needs (400/401 on refresh = log in again), so the HTTP
//! client is wrapped to record it ([`StatusRecorder`]).
//!
//! Revoke and introspection are hand-written: Kick's revoke takes its own
//! `token_hint_type` parameter (not RFC 7009's `token_type_hint`) and answers
//! plain-text `OK`, and its introspection takes the token as a bearer header
//! and wraps the answer in `{data: ...}` (RFC 7662 takes a form body).
//!
//! No error built here contains a token, a code, a verifier or the client
//! secret: messages come from Kick's error fields, and every message is run
//! through [`redact`] with the secrets of the request as a second guard.

use crate::config::KickConfig;
use crate::error::{Error, Result};
use crate::token::{TokenKind, TokenSet};
use crate::transport::{build_http, decode, kick_message, network_error};
use kickstand_secret::Secret;
use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AccessToken, AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret,
    CsrfToken, EndpointNotSet, EndpointSet, HttpClientError, HttpRequest, HttpResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, TokenUrl,
};
use serde::{Deserialize, Deserializer, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};

/// The app credentials and the registered redirect URI.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub(crate) oauth_base: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) http: reqwest::Client,
}

/// A prepared authorization request. Keep `state` and `pkce_verifier` in
/// memory until the callback arrives; send the user to `url`.
#[derive(Debug)]
pub struct AuthorizationRequest {
    pub url: String,
    pub state: Secret,
    pub pkce_verifier: Secret,
}

/// Which kind of token is being revoked (Kick's `token_hint_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenHint {
    AccessToken,
    RefreshToken,
}

impl TokenHint {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenHint::AccessToken => "access_token",
            TokenHint::RefreshToken => "refresh_token",
        }
    }
}

/// Token introspection result (`data` of `/oauth/token/introspect`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(default)]
    pub client_id: Option<String>,
    /// `"app"` or `"user"`.
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    /// Expiry, unix seconds.
    #[serde(default)]
    pub exp: Option<i64>,
}

const TOKEN_PATH: &str = "/oauth/token";
const AUTHORIZE_PATH: &str = "/oauth/authorize";
const REVOKE_PATH: &str = "/oauth/revoke";
const INTROSPECT_PATH: &str = "/oauth/token/introspect";

/// The `oauth2` client type for Kick: our tolerant response/error types,
/// authorize and token endpoints set.
type KickOAuth2 = oauth2::Client<
    KickErrorResponse,
    KickTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

impl OAuthClient {
    pub fn new(
        config: &KickConfig,
        client_id: impl Into<String>,
        client_secret: Secret,
        redirect_uri: Option<String>,
    ) -> Self {
        OAuthClient {
            oauth_base: config.oauth_base.clone(),
            client_id: client_id.into(),
            client_secret,
            redirect_uri,
            http: build_http(config),
        }
    }

    /// The same client with another redirect URI (for example once the
    /// loopback listener knows its port).
    pub fn with_redirect_uri(mut self, redirect_uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(redirect_uri.into());
        self
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn redirect_uri(&self) -> Option<&str> {
        self.redirect_uri.as_deref()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.oauth_base, path)
    }

    fn oauth2_client(&self, operation: &'static str) -> Result<KickOAuth2> {
        let config_err = |what: &str, e: url::ParseError| Error::OAuth {
            operation,
            status: None,
            message: format!("invalid {what}: {e}"),
        };
        let auth =
            AuthUrl::new(self.url(AUTHORIZE_PATH)).map_err(|e| config_err("OAuth base URL", e))?;
        let token =
            TokenUrl::new(self.url(TOKEN_PATH)).map_err(|e| config_err("OAuth base URL", e))?;
        let mut client = oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret.expose().to_owned()))
            .set_auth_type(AuthType::RequestBody)
            .set_auth_uri(auth)
            .set_token_uri(token);
        if let Some(r) = &self.redirect_uri {
            client = client.set_redirect_uri(
                RedirectUrl::new(r.clone()).map_err(|e| config_err("redirect URI", e))?,
            );
        }
        Ok(client)
    }

    /// Builds the authorize URL with a fresh PKCE verifier and `state`.
    ///
    /// The URL carries `response_type=code`, `client_id`, `state`,
    /// `code_challenge`, `code_challenge_method=S256`, `redirect_uri` and the
    /// space-separated `scope`, all of which Kick requires.
    pub fn authorize_url(&self, scopes: &[&str]) -> Result<AuthorizationRequest> {
        if self.redirect_uri.is_none() {
            return Err(Error::validation(
                "redirect URI",
                "Kick requires a registered redirect URI",
            ));
        }
        if scopes.is_empty() {
            return Err(Error::validation(
                "scopes",
                "Kick requires at least one scope",
            ));
        }
        let client = self.oauth2_client("authorize")?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_owned())))
            .set_pkce_challenge(challenge)
            .url();
        Ok(AuthorizationRequest {
            url: guard_loopback_ip(url).to_string(),
            state: Secret::new(state.secret().clone()),
            pkce_verifier: Secret::new(verifier.secret().clone()),
        })
    }

    /// Exchanges an authorization code (with its PKCE verifier) for user tokens.
    pub async fn exchange_code(&self, code: &str, verifier: &Secret) -> Result<TokenSet> {
        const OP: &str = "code exchange";
        if self.redirect_uri.is_none() {
            return Err(Error::validation(
                "redirect URI",
                "the code exchange needs the redirect URI",
            ));
        }
        let client = self.oauth2_client(OP)?;
        let http = StatusRecorder::new(&self.http);
        let result = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_owned()))
            .request_async(&http)
            .await;
        let code = Secret::new(code);
        let guard = [&self.client_secret, verifier, &code];
        let resp = result.map_err(|e| token_error(OP, http.status(), e, &guard))?;
        resp.into_token_set(TokenKind::User, OP, &guard)
    }

    /// Gets an app access token (client-credentials grant).
    pub async fn client_credentials(&self) -> Result<TokenSet> {
        const OP: &str = "client credentials";
        let client = self.oauth2_client(OP)?;
        let http = StatusRecorder::new(&self.http);
        let result = client
            .exchange_client_credentials()
            .request_async(&http)
            .await;
        let guard = [&self.client_secret];
        let resp = result.map_err(|e| token_error(OP, http.status(), e, &guard))?;
        resp.into_token_set(TokenKind::App, OP, &guard)
    }

    /// Refreshes user tokens; the answer carries a NEW refresh token.
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<TokenSet> {
        const OP: &str = "refresh";
        let client = self.oauth2_client(OP)?;
        let http = StatusRecorder::new(&self.http);
        let rt = RefreshToken::new(refresh_token.expose().to_owned());
        let result = client
            .exchange_refresh_token(&rt)
            .request_async(&http)
            .await;
        let guard = [&self.client_secret, refresh_token];
        let resp = result.map_err(|e| token_error(OP, http.status(), e, &guard))?;
        resp.into_token_set(TokenKind::User, OP, &guard)
    }

    /// Revokes a token: `POST /oauth/revoke` with `token` and Kick's own
    /// `token_hint_type`. Kick's docs put both in the query string; we send
    /// them in the form body (as [GOKICK] does, and Kick accepts both) so the
    /// token never lands in a URL that proxies or server logs might keep.
    /// Success is 200 with the text `OK`.
    pub async fn revoke(&self, token: &Secret, hint: TokenHint) -> Result<()> {
        const OP: &str = "revoke";
        let guard = [&self.client_secret, token];
        let resp = self
            .http
            .post(self.url(REVOKE_PATH))
            .form(&[
                ("token", token.expose()),
                ("token_hint_type", hint.as_str()),
            ])
            .send()
            .await
            .map_err(|e| network_error("POST /oauth/revoke", e))?;
        let status = resp.status();
        let body = resp
            .bytes()
            .await
            .map_err(|e| network_error("POST /oauth/revoke", e))?;
        if status.is_success() {
            if body.trim_ascii() != b"OK" {
                tracing::debug!(
                    status = status.as_u16(),
                    "revoke succeeded with an unexpected body"
                );
            }
            return Ok(());
        }
        Err(Error::OAuth {
            operation: OP,
            status: Some(status.as_u16()),
            message: redact(kick_message(&body), &guard),
        })
    }

    /// Introspects a token (the current id-host endpoint,
    /// `POST /oauth/token/introspect` with the token as bearer).
    pub async fn introspect(&self, token: &Secret) -> Result<Introspection> {
        const OP: &str = "introspect";
        const ENDPOINT: &str = "POST /oauth/token/introspect";
        let guard = [&self.client_secret, token];
        let resp = self
            .http
            .post(self.url(INTROSPECT_PATH))
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| network_error(ENDPOINT, e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| network_error(ENDPOINT, e))?;
        if !status.is_success() {
            return Err(Error::OAuth {
                operation: OP,
                status: Some(status.as_u16()),
                message: redact(kick_message(&body), &guard),
            });
        }
        Ok(decode::<Introspection>(ENDPOINT, &body)?.data)
    }
}

/// Kick's id.kick.com front end rewrites the *first* `127.0.0.1` in the URL
/// to `localhost`, which breaks exact redirect-URI matching (API.md §2.1).
/// If the redirect URI uses 127.0.0.1, put a sacrificial `redirect=127.0.0.1`
/// parameter first so the rewrite hits that one. `localhost` redirect URIs
/// (what Kickstand registers) are left alone.
fn guard_loopback_ip(mut url: url::Url) -> url::Url {
    let has_ip = url
        .query_pairs()
        .any(|(k, v)| k == "redirect_uri" && v.contains("127.0.0.1"));
    if has_ip {
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        url.query_pairs_mut()
            .clear()
            .append_pair("redirect", "127.0.0.1")
            .extend_pairs(pairs);
    }
    url
}

/// Replaces every occurrence of a secret value in `message` with `<redacted>`.
pub(crate) fn redact(mut message: String, secrets: &[&Secret]) -> String {
    for s in secrets {
        // Very short values would redact ordinary words; real ones are long.
        if s.expose().len() >= 6 && message.contains(s.expose()) {
            message = message.replace(s.expose(), "<redacted>");
        }
    }
    message
}

type OAuthHttpError = HttpClientError<reqwest::Error>;

/// Turns an `oauth2` failure into our error, with Kick's message and the
/// HTTP status, and without any secret.
fn token_error(
    operation: &'static str,
    status: Option<u16>,
    e: RequestTokenError<OAuthHttpError, KickErrorResponse>,
    guard: &[&Secret],
) -> Error {
    let message = match e {
        RequestTokenError::ServerResponse(body) => body.to_string(),
        RequestTokenError::Request(HttpClientError::Reqwest(e)) => {
            return network_error("POST /oauth/token", *e);
        }
        // Building the answer for `oauth2` failed (an invalid header from
        // the server): not a network failure, and nothing else is possible.
        RequestTokenError::Request(other) => other.to_string(),
        // A success status whose body we could not read: the body may hold
        // tokens, so only the failing field is named, never the body.
        RequestTokenError::Parse(e, _) if status.is_none_or(|s| (200..300).contains(&s)) => {
            format!("unexpected token response at `{}`", e.path())
        }
        // An error body that is not a JSON object (an HTML gateway page...).
        RequestTokenError::Parse(_, body) => kick_message(&body),
        RequestTokenError::Other(m) => m,
    };
    Error::OAuth {
        operation,
        status,
        message: redact(message, guard),
    }
}

/// Wraps the no-redirect reqwest client for `oauth2` and remembers the HTTP
/// status of the answer, which `oauth2`'s errors do not carry.
struct StatusRecorder<'a> {
    http: &'a reqwest::Client,
    status: AtomicU16,
}

impl<'a> StatusRecorder<'a> {
    fn new(http: &'a reqwest::Client) -> Self {
        StatusRecorder {
            http,
            status: AtomicU16::new(0),
        }
    }

    fn status(&self) -> Option<u16> {
        match self.status.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s),
        }
    }
}

impl<'c> AsyncHttpClient<'c> for StatusRecorder<'_> {
    type Error = OAuthHttpError;
    type Future = Pin<
        Box<dyn Future<Output = std::result::Result<HttpResponse, Self::Error>> + Send + Sync + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let resp = self.http.call(request).await?;
            self.status.store(resp.status().as_u16(), Ordering::Relaxed);
            Ok(resp)
        })
    }
}

/// Kick's token answer, read tolerantly (see the module docs).
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct KickTokenResponse {
    access_token: AccessToken,
    #[serde(default = "bearer", deserialize_with = "de_token_type")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "de_expires_in")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "de_refresh_token")]
    refresh_token: Option<RefreshToken>,
    #[serde(default, deserialize_with = "de_scope")]
    scope: Option<Vec<Scope>>,
}

impl oauth2::TokenResponse for KickTokenResponse {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<std::time::Duration> {
        self.expires_in.map(std::time::Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scope.as_ref()
    }
}

impl KickTokenResponse {
    fn into_token_set(
        self,
        kind: TokenKind,
        operation: &'static str,
        guard: &[&Secret],
    ) -> Result<TokenSet> {
        if self.access_token.secret().is_empty() {
            return Err(Error::OAuth {
                operation,
                status: Some(200),
                message: "Kick answered without an access token".into(),
            });
        }
        if let BasicTokenType::Extension(t) = &self.token_type {
            // Kick only issues bearer tokens; note anything else, then use it as one.
            tracing::warn!(token_type = %redact(t.clone(), guard), "unexpected token_type from Kick");
        }
        let refresh_token = match kind {
            TokenKind::User => self.refresh_token.map(|r| Secret::new(r.secret().clone())),
            TokenKind::App => None,
        };
        if kind == TokenKind::User && refresh_token.is_none() {
            tracing::warn!(
                operation,
                "Kick issued a user token without a refresh token"
            );
        }
        Ok(TokenSet {
            kind,
            access_token: Secret::new(self.access_token.secret().clone()),
            refresh_token,
            expires_at: self
                .expires_in
                .filter(|s| *s > 0)
                .and_then(|s| chrono::Duration::try_seconds(i64::try_from(s).ok()?))
                .map(|d| chrono::Utc::now() + d),
            // A new grant; a refresh keeps the original grant's time (the
            // token manager carries it over), because Kick ends a grant's
            // refresh tokens ~30 days after the authorization (API.md §2.3).
            granted_at: Some(chrono::Utc::now()),
            scopes: self
                .scope
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.to_string())
                .collect(),
        })
    }
}

fn bearer() -> BasicTokenType {
    BasicTokenType::Bearer
}

fn de_token_type<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<BasicTokenType, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(match s {
        None => BasicTokenType::Bearer,
        Some(s) if s.is_empty() || s.eq_ignore_ascii_case("bearer") => BasicTokenType::Bearer,
        Some(s) => BasicTokenType::Extension(s),
    })
}

fn de_refresh_token<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<RefreshToken>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.filter(|s| !s.is_empty()).map(RefreshToken::new))
}

/// `expires_in` as a number, a numeric string, `""` or `null`.
fn de_expires_in<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(u64),
        Float(f64),
        Text(String),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        None => None,
        Some(Raw::Int(n)) => Some(n),
        Some(Raw::Float(f)) if f.is_finite() && f >= 0.0 => Some(f as u64),
        Some(Raw::Float(_)) => None,
        Some(Raw::Text(s)) => {
            let s = s.trim();
            if s.is_empty() {
                None
            } else {
                Some(s.parse::<u64>().map_err(|_| {
                    serde::de::Error::custom("expires_in is not a number of seconds")
                })?)
            }
        }
    })
}

/// `scope`: a space-separated string (also tolerates an array of strings).
fn de_scope<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Vec<Scope>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        List(Vec<String>),
    }
    let list = match Option::<Raw>::deserialize(d)? {
        None => return Ok(None),
        Some(Raw::Text(s)) => s.split_whitespace().map(str::to_owned).collect::<Vec<_>>(),
        Some(Raw::List(v)) => v,
    };
    Ok(Some(
        list.into_iter()
            .filter(|s| !s.is_empty())
            .map(Scope::new)
            .collect(),
    ))
}

/// Kick's error bodies on the id host: `{"error"}`, `{"error",
/// "error_description"}` or `{"message"}`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct KickErrorResponse {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    error: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    error_description: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    message: String,
}

impl std::fmt::Display for KickErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (
            self.error.as_str(),
            self.error_description.as_str(),
            self.message.as_str(),
        ) {
            ("", "", "") => f.write_str("no details given"),
            ("", "", m) => f.write_str(m),
            (e, "", _) => f.write_str(e),
            ("", d, _) => f.write_str(d),
            (e, d, _) => write!(f, "{e}: {d}"),
        }
    }
}

impl oauth2::ErrorResponse for KickErrorResponse {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scopes;
    use oauth2::TokenResponse;

    fn client(redirect: Option<&str>) -> OAuthClient {
        OAuthClient::new(
            &KickConfig::new("https://id.example", "https://api.example"),
            "01JCLIENT",
            Secret::new("very-secret-value"),
            redirect.map(str::to_owned),
        )
    }

    #[test]
    fn authorize_url_has_everything_kick_requires() {
        let c = client(Some("http://localhost:53682/callback"));
        let req = c
            .authorize_url(&[scopes::USER_READ, scopes::CHANNEL_WRITE])
            .unwrap();
        let url = url::Url::parse(&req.url).unwrap();
        assert_eq!(url.path(), "/oauth/authorize");
        let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "01JCLIENT");
        assert_eq!(q["redirect_uri"], "http://localhost:53682/callback");
        assert_eq!(q["scope"], "user:read channel:write");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], req.state.expose());
        assert!(!q.contains_key("client_secret"));
        // challenge = BASE64URL(SHA256(verifier)), no padding
        use base64::Engine;
        use sha2::Digest;
        let expect = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(req.pkce_verifier.expose().as_bytes()));
        assert_eq!(q["code_challenge"], expect);
        assert!(req.pkce_verifier.expose().len() >= 43);
        assert!(!req.url.contains("very-secret-value"));
        // fresh values each time
        let again = c.authorize_url(&[scopes::USER_READ]).unwrap();
        assert_ne!(again.state, req.state);
        assert_ne!(again.pkce_verifier, req.pkce_verifier);
    }

    #[test]
    fn authorize_url_guards_127_0_0_1() {
        let c = client(Some("http://127.0.0.1:53682/callback"));
        let req = c.authorize_url(&[scopes::USER_READ]).unwrap();
        let url = url::Url::parse(&req.url).unwrap();
        let first = url.query_pairs().next().unwrap();
        assert_eq!(
            (first.0.as_ref(), first.1.as_ref()),
            ("redirect", "127.0.0.1")
        );
        let redirect: Vec<_> = url
            .query_pairs()
            .filter(|(k, _)| k == "redirect_uri")
            .collect();
        assert_eq!(redirect[0].1, "http://127.0.0.1:53682/callback");
    }

    #[test]
    fn authorize_url_needs_redirect_and_scopes() {
        assert!(matches!(
            client(None).authorize_url(&[scopes::USER_READ]),
            Err(Error::Validation { .. })
        ));
        assert!(matches!(
            client(Some("http://localhost:1/cb")).authorize_url(&[]),
            Err(Error::Validation { .. })
        ));
    }

    #[test]
    fn token_response_is_tolerant() {
        let r: KickTokenResponse = serde_json::from_str(
            r#"{"access_token":"A","token_type":"Bearer","refresh_token":"R","expires_in":7200,"scope":"user:read channel:read"}"#,
        )
        .unwrap();
        assert_eq!(r.expires_in(), Some(std::time::Duration::from_secs(7200)));
        let set = r.into_token_set(TokenKind::User, "t", &[]).unwrap();
        assert_eq!(set.scopes, vec!["user:read", "channel:read"]);
        assert_eq!(set.refresh_token.unwrap().expose(), "R");
        let left = set.expires_at.unwrap() - chrono::Utc::now();
        assert!(left.num_seconds() > 7190 && left.num_seconds() <= 7200);

        // the docs' placeholder: expires_in as an empty string
        let r: KickTokenResponse =
            serde_json::from_str(r#"{"access_token":"A","token_type":"Bearer","refresh_token":"R","expires_in":"","scope":""}"#)
                .unwrap();
        let set = r.into_token_set(TokenKind::User, "t", &[]).unwrap();
        assert_eq!(set.expires_at, None);
        assert!(set.scopes.is_empty());

        let r: KickTokenResponse =
            serde_json::from_str(r#"{"access_token":"A","expires_in":"3600"}"#).unwrap();
        assert_eq!(r.expires_in, Some(3600));

        // client credentials: no refresh token, no scope
        let r: KickTokenResponse = serde_json::from_str(
            r#"{"access_token":"A","token_type":"Bearer","expires_in":5184000}"#,
        )
        .unwrap();
        let set = r.into_token_set(TokenKind::App, "t", &[]).unwrap();
        assert_eq!(set.kind, TokenKind::App);
        assert!(set.refresh_token.is_none() && set.scopes.is_empty());
    }

    #[test]
    fn error_shapes() {
        let e: KickErrorResponse = serde_json::from_str(r#"{"error":"Invalid request"}"#).unwrap();
        assert_eq!(e.to_string(), "Invalid request");
        let e: KickErrorResponse =
            serde_json::from_str(r#"{"error":"invalid_grant","error_description":"revoked"}"#)
                .unwrap();
        assert_eq!(e.to_string(), "invalid_grant: revoked");
        let e: KickErrorResponse =
            serde_json::from_str(r#"{"message":"Unauthorized","data":null}"#).unwrap();
        assert_eq!(e.to_string(), "Unauthorized");
        let e: KickErrorResponse = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(e.to_string(), "no details given");
    }

    #[test]
    fn redact_hides_secrets() {
        let s = Secret::new("abcdef123");
        assert_eq!(
            redact("bad token abcdef123!".into(), &[&s]),
            "bad token <redacted>!"
        );
    }
}
