//! The id host (API.md §2): `GET /oauth/authorize` (+ consent page),
//! `POST /oauth/token` (authorization_code with PKCE S256, refresh_token,
//! client_credentials), `POST /oauth/revoke`, `POST /oauth/token/introspect`
//! (and the deprecated `POST /public/v1/token/introspect`).
//!
//! Choices where Kick's behaviour is not documented (API.md §2, §8):
//! * every failure answers Kick's documented `{"error":"Invalid request"}`,
//!   400 — except client authentication (missing/wrong `client_id` or
//!   `client_secret`), which is 401 — with an `error_description` naming the
//!   reason (clients already read that field; it never contains a secret);
//! * the client secret is accepted in the form body only, as Kick documents
//!   (HTTP Basic is not accepted, so a client that sends Basic fails here);
//! * authorize failures never redirect (not even to a registered URI): Kick
//!   documents only the 400 JSON answer; only a user's "Deny" redirects with
//!   `error=access_denied`;
//! * a refresh returns a new access + refresh pair; the old refresh token
//!   stays usable (Kick's "reusable/flexible" since 2025-11-25) unless
//!   `FakeConfig::strict_refresh`; the old access token stays valid until it
//!   expires;
//! * a second use of an authorization code fails and revokes the tokens
//!   issued from it (RFC 6749 §4.1.2);
//! * revoking a refresh token does not revoke access tokens already issued;
//!   revoking an unknown token answers 200 `OK` (RFC 7009 §2.2);
//! * the metrics count token *requests* per grant type (failed ones too), so
//!   tests can assert how often a client asked.

use crate::reply::OAuthError;
use crate::state::{AppState, Fake, Metrics};
use crate::tokens::{opaque_token, TokenKind};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Instant;

/// The name the consent page shows for the registered app.
pub const APP_NAME: &str = "Kickstand";

/// Scopes the authorize endpoint accepts (API.md §2.6).
pub const KNOWN_SCOPES: &[&str] = &[
    "user:read",
    "channel:read",
    "channel:write",
    "channel:rewards:read",
    "channel:rewards:write",
    "chat:write",
    "streamkey:read",
    "events:subscribe",
    "moderation:ban",
    "moderation:chat_message:manage",
    "kicks:read",
];

/// An issued authorization code.
#[derive(Clone, Debug)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scopes: Vec<String>,
    pub user_id: u64,
    pub expires_at: Instant,
    pub used: bool,
    /// Tokens issued from this code (revoked if the code is used again).
    pub issued_access: Option<String>,
    pub issued_refresh: Option<String>,
}

/// An issued refresh token.
#[derive(Clone, Debug)]
pub struct RefreshInfo {
    pub client_id: String,
    pub user_id: u64,
    pub scopes: Vec<String>,
    pub revoked: bool,
    /// Already exchanged once (matters only with `strict_refresh`).
    pub used: bool,
    /// When the user authorized the grant this token belongs to. Refreshing
    /// does not move it: Kick ends a grant's refresh tokens about 30 days
    /// after the authorization (API.md §2.3, `FakeConfig::refresh_token_lifetime`).
    pub granted_at: Instant,
}

/// An authorize request waiting on the consent page.
#[derive(Clone, Debug)]
pub struct PendingAuthorize {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scopes: Vec<String>,
    pub state: String,
}

#[derive(Default, Debug)]
pub struct OAuthState {
    pub codes: HashMap<String, AuthCode>,
    pub refresh: HashMap<String, RefreshInfo>,
    pub pending: HashMap<String, PendingAuthorize>,
    /// Redirect URIs registered after start (tests that bind port 0).
    pub extra_redirect_uris: Vec<String>,
    /// The last authorize request and what became of it (debugging aid).
    pub last_authorize: Option<Value>,
    /// Who approves the next logins (`/_fake/oauth/user`): the streamer
    /// when unset. Another account on the same machine, for tests.
    pub login_user: Option<u64>,
}

impl OAuthState {
    pub fn register_redirect_uri(&mut self, uri: impl Into<String>) {
        let uri = uri.into();
        if !self.extra_redirect_uris.contains(&uri) {
            self.extra_redirect_uris.push(uri);
        }
    }

    /// Revokes every refresh token; returns how many were active.
    pub fn revoke_all_refresh_tokens(&mut self) -> usize {
        let mut n = 0;
        for r in self.refresh.values_mut() {
            if !r.revoked {
                r.revoked = true;
                n += 1;
            }
        }
        n
    }

    fn issue_refresh(
        &mut self,
        client_id: &str,
        user_id: u64,
        scopes: Vec<String>,
        granted_at: Instant,
    ) -> String {
        let token = opaque_token();
        self.refresh.insert(
            token.clone(),
            RefreshInfo {
                client_id: client_id.to_owned(),
                user_id,
                scopes,
                revoked: false,
                used: false,
                granted_at,
            },
        );
        token
    }
}

/// Registers an extra redirect URI on a running fake (exact match, as Kick).
pub fn register_redirect_uri(fake: &Fake, uri: &str) {
    fake.world.lock().unwrap().oauth.register_redirect_uri(uri);
}

fn redirect_registered(fake: &Fake, uri: &str) -> bool {
    fake.app.redirect_uris.iter().any(|u| u == uri)
        || fake
            .world
            .lock()
            .unwrap()
            .oauth
            .extra_redirect_uris
            .iter()
            .any(|u| u == uri)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/authorize/decision", post(decision))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .route("/oauth/token/introspect", post(introspect))
        .route("/public/v1/token/introspect", post(introspect))
}

pub fn control_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/_fake/oauth/revoke-refresh-tokens",
            post(control_revoke_refresh),
        )
        .route(
            "/_fake/oauth/redirect-uris",
            get(control_list_redirects).post(control_add_redirect),
        )
        .route("/_fake/oauth/last-authorize", get(control_last_authorize))
        .route("/_fake/oauth/user", post(control_login_user))
}

#[derive(Deserialize)]
struct LoginUser {
    user_id: Option<u64>,
}

/// Who approves the next logins (`{"user_id": null}`: the streamer again).
async fn control_login_user(State(fake): State<AppState>, Json(u): Json<LoginUser>) -> Json<Value> {
    let mut world = fake.world.lock().unwrap();
    if let Some(id) = u.user_id {
        if !world.users.contains_key(&id) {
            return Json(json!({"ok": false, "error": "no such user"}));
        }
    }
    world.oauth.login_user = u.user_id;
    Json(json!({"ok": true}))
}

// ----- parameters -----

/// `application/x-www-form-urlencoded` pairs; a repeated key is an error
/// (RFC 6749 §3.1: parameters must not be included more than once).
fn parse_pairs(raw: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if out.insert(k.clone().into_owned(), v.into_owned()).is_some() {
            return Err(format!("parameter `{k}` given more than once"));
        }
    }
    Ok(out)
}

fn invalid(description: &str) -> OAuthError {
    OAuthError::with(StatusCode::BAD_REQUEST, "Invalid request", description)
}

fn invalid_client(description: &str) -> OAuthError {
    OAuthError::with(StatusCode::UNAUTHORIZED, "Invalid request", description)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// BASE64URL(SHA256(verifier)) without padding (RFC 7636 S256).
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 §4.1: 43–128 characters of `[A-Za-z0-9-._~]`.
fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

// ----- authorize -----

/// The checked parameters of an authorize request.
struct AuthorizeRequest {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    scopes: Vec<String>,
    state: String,
}

fn check_authorize(
    fake: &Fake,
    q: &HashMap<String, String>,
) -> Result<AuthorizeRequest, &'static str> {
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = get("client_id").ok_or("client_id is required")?;
    if client_id != fake.app.client_id {
        return Err("unknown client_id");
    }
    let redirect_uri = get("redirect_uri").ok_or("redirect_uri is required")?;
    if !redirect_registered(fake, redirect_uri) {
        return Err("redirect_uri does not match a registered redirect URL");
    }
    if get("response_type") != Some("code") {
        return Err("response_type must be code");
    }
    let code_challenge = get("code_challenge").ok_or("code_challenge is required")?;
    if code_challenge.len() != 43 {
        return Err("code_challenge must be BASE64URL(SHA256(code_verifier))");
    }
    if get("code_challenge_method") != Some("S256") {
        return Err("code_challenge_method must be S256");
    }
    let state = get("state").ok_or("state is required")?;
    let scope = get("scope").ok_or("scope is required")?;
    let scopes: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
    if scopes.is_empty() {
        return Err("scope is required");
    }
    if scopes.iter().any(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
        return Err("unknown scope");
    }
    Ok(AuthorizeRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        code_challenge: code_challenge.to_owned(),
        scopes,
        state: state.to_owned(),
    })
}

fn note_authorize(fake: &Fake, q: &HashMap<String, String>, outcome: &str, reason: Option<&str>) {
    fake.world.lock().unwrap().oauth.last_authorize = Some(json!({
        "params": q,
        "outcome": outcome,
        "reason": reason,
    }));
}

async fn authorize(State(fake): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = match parse_pairs(raw.unwrap_or_default().as_bytes()) {
        Ok(q) => q,
        Err(reason) => {
            note_authorize(&fake, &HashMap::new(), "rejected", Some(&reason));
            return OAuthError::invalid_request().into_response();
        }
    };
    let req = match check_authorize(&fake, &q) {
        Ok(r) => r,
        Err(reason) => {
            tracing::debug!(reason, "authorize rejected");
            note_authorize(&fake, &q, "rejected", Some(reason));
            // Kick's documented answer; never a redirect to an unchecked URI.
            return OAuthError::invalid_request().into_response();
        }
    };
    if fake.config.auto_approve {
        note_authorize(&fake, &q, "approved", None);
        return approve(&fake, req.into());
    }
    note_authorize(&fake, &q, "consent", None);
    let id = opaque_token();
    let page = consent_page(&fake, &id, &req.scopes);
    fake.world
        .lock()
        .unwrap()
        .oauth
        .pending
        .insert(id, req.into());
    Html(page).into_response()
}

impl From<AuthorizeRequest> for PendingAuthorize {
    fn from(r: AuthorizeRequest) -> Self {
        PendingAuthorize {
            client_id: r.client_id,
            redirect_uri: r.redirect_uri,
            code_challenge: r.code_challenge,
            scopes: r.scopes,
            state: r.state,
        }
    }
}

/// Issues a code for the streamer and redirects to the redirect URI.
fn approve(fake: &Fake, p: PendingAuthorize) -> Response {
    let code = opaque_token();
    let expires_at = Instant::now() + fake.config.code_ttl;
    let target = redirect_with(&p.redirect_uri, &[("code", &code), ("state", &p.state)]);
    let mut world = fake.world.lock().unwrap();
    let user_id = world.oauth.login_user.unwrap_or(crate::world::STREAMER_ID);
    world.oauth.codes.insert(
        code,
        AuthCode {
            client_id: p.client_id,
            redirect_uri: p.redirect_uri,
            code_challenge: p.code_challenge,
            scopes: p.scopes,
            user_id,
            expires_at,
            used: false,
            issued_access: None,
            issued_refresh: None,
        },
    );
    Redirect::to(&target).into_response()
}

fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut u) => {
            u.query_pairs_mut().extend_pairs(params.iter().copied());
            u.to_string()
        }
        // Registered URIs are exact strings; fall back to plain appending.
        Err(_) => {
            let sep = if redirect_uri.contains('?') { '&' } else { '?' };
            let q: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params.iter().copied())
                .finish();
            format!("{redirect_uri}{sep}{q}")
        }
    }
}

async fn decision(State(fake): State<AppState>, body: Bytes) -> Response {
    let Ok(form) = parse_pairs(&body) else {
        return OAuthError::invalid_request().into_response();
    };
    let (Some(id), Some(choice)) = (form.get("request_id"), form.get("decision")) else {
        return OAuthError::invalid_request().into_response();
    };
    let Some(p) = fake.world.lock().unwrap().oauth.pending.remove(id) else {
        return invalid("unknown or already answered authorization request").into_response();
    };
    if choice == "approve" {
        approve(&fake, p)
    } else {
        let target = redirect_with(
            &p.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "The user denied the request"),
                ("state", &p.state),
            ],
        );
        Redirect::to(&target).into_response()
    }
}

fn consent_page(fake: &Fake, request_id: &str, scopes: &[String]) -> String {
    let world = fake.world.lock().unwrap();
    let user = world
        .users
        .get(&world.oauth.login_user.unwrap_or(crate::world::STREAMER_ID))
        .map(|u| u.name.clone())
        .unwrap_or_else(|| "streamer".into());
    let items: String = scopes
        .iter()
        .map(|s| {
            format!(
                "<li><code>{}</code> {}</li>",
                escape(s),
                escape(scope_text(s))
            )
        })
        .collect();
    format!(
        r##"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Authorize {app} · Kick (fake)</title>
<style>
body{{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#0b0e0f;color:#e8eaeb;font:16px/1.5 system-ui,sans-serif}}
main{{width:min(28rem,92vw);padding:2rem;border-radius:12px;background:#171c1e;border-top:4px solid #53fc18}}
h1{{margin:0 0 .25rem;font-size:1.3rem}} .who{{color:#9aa3a7;margin:0 0 1rem}}
ul{{padding-left:1.1rem}} li{{margin:.3rem 0}} code{{color:#53fc18}}
.row{{display:flex;gap:.75rem;margin-top:1.5rem}}
button{{flex:1;padding:.7rem;border-radius:8px;border:0;font:inherit;font-weight:600;cursor:pointer}}
.ok{{background:#53fc18;color:#0b0e0f}} .no{{background:#2a3134;color:#e8eaeb}}
</style></head><body><main>
<h1><b>{app}</b> wants to access your Kick account</h1>
<p class="who">Signed in as {user} · local fake Kick</p>
<p>It asks for:</p><ul>{items}</ul>
<form method="post" action="/oauth/authorize/decision" class="row">
<input type="hidden" name="request_id" value="{id}">
<button class="no" name="decision" value="deny">Deny</button>
<button class="ok" name="decision" value="approve" autofocus>Approve</button>
</form></main></body></html>"##,
        app = escape(APP_NAME),
        user = escape(&user),
        items = items,
        id = escape(request_id),
    )
}

fn scope_text(scope: &str) -> &'static str {
    match scope {
        "user:read" => "read your user info (name, id, email)",
        "channel:read" => "read your channel info",
        "channel:write" => "update your stream title, category and tags",
        "channel:rewards:read" => "read channel point rewards and redemptions",
        "channel:rewards:write" => "manage channel point rewards and redemptions",
        "chat:write" => "send chat messages",
        "streamkey:read" => "read your stream URL and stream key",
        "events:subscribe" => "subscribe to your channel's events",
        "moderation:ban" => "ban, time out and unban users",
        "moderation:chat_message:manage" => "delete chat messages",
        "kicks:read" => "read KICKs data",
        _ => "",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

// ----- token -----

#[derive(Serialize)]
struct UserTokenAnswer {
    access_token: String,
    token_type: &'static str,
    refresh_token: String,
    expires_in: u64,
    scope: String,
}

#[derive(Serialize)]
struct AppTokenAnswer {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
}

/// A new access + refresh token pair for a user (code exchange and refresh).
fn issue_user_pair(
    world: &mut crate::world::World,
    client_id: &str,
    user_id: u64,
    scopes: Vec<String>,
    ttl: std::time::Duration,
    granted_at: Instant,
) -> UserTokenAnswer {
    let access_token = world.tokens.issue(
        TokenKind::User,
        client_id,
        Some(user_id),
        scopes.clone(),
        ttl,
    );
    let refresh_token = world
        .oauth
        .issue_refresh(client_id, user_id, scopes.clone(), granted_at);
    UserTokenAnswer {
        access_token,
        token_type: "Bearer",
        refresh_token,
        expires_in: ttl.as_secs(),
        scope: scopes.join(" "),
    }
}

async fn token(State(fake): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let faults = fake.faults.get();
    if faults.token_latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(faults.token_latency_ms)).await;
    }
    if let Some(status) = faults.token_status {
        // What a gateway in front of Kick's login server answers: a page,
        // not OAuth's JSON error.
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let page = format!(
            "<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
        );
        return (status, [(header::CONTENT_TYPE, "text/html")], page).into_response();
    }
    match token_inner(&fake, &headers, &body) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn token_inner(fake: &Fake, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    if !is_form(headers) {
        return Err(invalid(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let f = parse_pairs(body).map_err(|e| invalid(&e))?;
    let get = |k: &str| f.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let grant = get("grant_type").ok_or_else(|| invalid("grant_type is required"))?;
    match grant {
        "authorization_code" => Metrics::bump(&fake.metrics.token_authorization_code),
        "refresh_token" => Metrics::bump(&fake.metrics.token_refresh),
        "client_credentials" => Metrics::bump(&fake.metrics.token_client_credentials),
        _ => return Err(invalid("unsupported grant_type")),
    }
    // Kick requires the client secret on every grant, in the form body.
    let client_id = get("client_id").ok_or_else(|| invalid_client("client_id is required"))?;
    let secret = get("client_secret").ok_or_else(|| invalid_client("client_secret is required"))?;
    if client_id != fake.app.client_id || secret != fake.app.client_secret {
        return Err(invalid_client("invalid client credentials"));
    }
    let user_ttl = fake.config.user_token_ttl;
    let mut world = fake.world.lock().unwrap();
    let world = &mut *world;
    match grant {
        "authorization_code" => {
            let code = get("code").ok_or_else(|| invalid("code is required"))?;
            let redirect_uri =
                get("redirect_uri").ok_or_else(|| invalid("redirect_uri is required"))?;
            let verifier =
                get("code_verifier").ok_or_else(|| invalid("code_verifier is required"))?;
            let entry = world
                .oauth
                .codes
                .get_mut(code)
                .ok_or_else(|| invalid("invalid authorization code"))?;
            if entry.used {
                // A replayed code: refuse it and revoke what it produced.
                let (access, refresh) = (entry.issued_access.take(), entry.issued_refresh.take());
                if let Some(a) = access.and_then(|a| world.tokens.access.get_mut(&a)) {
                    a.revoked = true;
                }
                if let Some(r) = refresh.and_then(|r| world.oauth.refresh.get_mut(&r)) {
                    r.revoked = true;
                }
                return Err(invalid("authorization code already used"));
            }
            if entry.expires_at <= Instant::now() {
                return Err(invalid("authorization code expired"));
            }
            if entry.client_id != client_id {
                return Err(invalid("authorization code was issued to another client"));
            }
            if entry.redirect_uri != redirect_uri {
                return Err(invalid(
                    "redirect_uri does not match the authorization request",
                ));
            }
            if !valid_verifier(verifier) || s256(verifier) != entry.code_challenge {
                return Err(invalid("code_verifier does not match the code_challenge"));
            }
            entry.used = true;
            let (user_id, scopes) = (entry.user_id, entry.scopes.clone());
            let answer =
                issue_user_pair(world, client_id, user_id, scopes, user_ttl, Instant::now());
            if let Some(e) = world.oauth.codes.get_mut(code) {
                e.issued_access = Some(answer.access_token.clone());
                e.issued_refresh = Some(answer.refresh_token.clone());
            }
            Ok(Json(answer).into_response())
        }
        "refresh_token" => {
            let presented =
                get("refresh_token").ok_or_else(|| invalid("refresh_token is required"))?;
            let info = world
                .oauth
                .refresh
                .get_mut(presented)
                .ok_or_else(|| invalid("invalid refresh token"))?;
            if info.client_id != client_id {
                return Err(invalid("refresh token was issued to another client"));
            }
            if info.revoked {
                return Err(invalid("refresh token revoked"));
            }
            if info.used && fake.config.strict_refresh {
                return Err(invalid("refresh token already used"));
            }
            if fake
                .config
                .refresh_token_lifetime
                .is_some_and(|life| info.granted_at + life <= Instant::now())
            {
                return Err(invalid("refresh token expired"));
            }
            info.used = true;
            let (user_id, scopes, granted) = (info.user_id, info.scopes.clone(), info.granted_at);
            let answer = issue_user_pair(world, client_id, user_id, scopes, user_ttl, granted);
            Ok(Json(answer).into_response())
        }
        _ => {
            let ttl = fake.config.app_token_ttl;
            let access = world
                .tokens
                .issue(TokenKind::App, client_id, None, Vec::new(), ttl);
            Ok(Json(AppTokenAnswer {
                access_token: access,
                token_type: "Bearer",
                expires_in: ttl.as_secs(),
            })
            .into_response())
        }
    }
}

// ----- revoke -----

/// `token` and `token_hint_type` from the query string (Kick's docs) or the
/// form body (what clients such as gokick send).
async fn revoke(State(fake): State<AppState>, RawQuery(raw): RawQuery, body: Bytes) -> Response {
    let Ok(query) = parse_pairs(raw.unwrap_or_default().as_bytes()) else {
        return OAuthError::invalid_request().into_response();
    };
    let Ok(form) = parse_pairs(&body) else {
        return OAuthError::invalid_request().into_response();
    };
    let pick = |k: &str| {
        query
            .get(k)
            .or_else(|| form.get(k))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(token) = pick("token") else {
        return OAuthError::invalid_request().into_response();
    };
    let hint = pick("token_hint_type");
    if hint.is_some_and(|h| h != "access_token" && h != "refresh_token") {
        return OAuthError::invalid_request().into_response();
    }
    let mut world = fake.world.lock().unwrap();
    // The hint only says where to look first; both kinds are checked.
    if let Some(r) = world.oauth.refresh.get_mut(token) {
        r.revoked = true;
    } else if let Some(a) = world.tokens.access.get_mut(token) {
        a.revoked = true;
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "OK",
    )
        .into_response()
}

// ----- introspect -----

async fn introspect(State(fake): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Unauthorized", "data": null})),
        )
            .into_response();
    };
    let world = fake.world.lock().unwrap();
    let data = match world.tokens.access.get(token) {
        Some(info) if info.is_active() => json!({
            "active": true,
            "client_id": info.client_id,
            "token_type": info.kind.as_str(),
            "scope": info.scopes.join(" "),
            "exp": info.expires_at,
        }),
        _ => json!({ "active": false }),
    };
    Json(json!({ "data": data, "message": "OK" })).into_response()
}

// ----- control -----

async fn control_revoke_refresh(State(fake): State<AppState>) -> Json<Value> {
    let n = fake.world.lock().unwrap().oauth.revoke_all_refresh_tokens();
    Json(json!({ "revoked": n }))
}

#[derive(Deserialize)]
struct AddRedirect {
    redirect_uri: String,
}

async fn control_add_redirect(
    State(fake): State<AppState>,
    Json(a): Json<AddRedirect>,
) -> Json<Value> {
    register_redirect_uri(&fake, &a.redirect_uri);
    control_list_redirects(State(fake)).await
}

async fn control_list_redirects(State(fake): State<AppState>) -> Json<Value> {
    let extra = fake.world.lock().unwrap().oauth.extra_redirect_uris.clone();
    let all: Vec<&String> = fake.app.redirect_uris.iter().chain(extra.iter()).collect();
    Json(json!({ "redirect_uris": all }))
}

async fn control_last_authorize(State(fake): State<AppState>) -> Json<Value> {
    Json(
        fake.world
            .lock()
            .unwrap()
            .oauth
            .last_authorize
            .clone()
            .unwrap_or(Value::Null),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_is_unpadded_url_safe_sha256() {
        // Expected value computed independently with Python's hashlib + base64.urlsafe_b64encode.
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWEOEjXk"),
            "TP3DZQl9rJnri9eRuZaFS6Q7czCrth7sEZC00LreApo"
        );
        assert!(valid_verifier(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWEOEjXk"
        ));
        assert!(!valid_verifier("short"));
    }

    #[test]
    fn repeated_parameters_are_rejected() {
        assert!(parse_pairs(b"a=1&b=2").is_ok());
        assert!(parse_pairs(b"a=1&a=2").is_err());
    }

    #[test]
    fn redirect_keeps_existing_query() {
        assert_eq!(
            redirect_with(
                "http://localhost:1/cb?x=1",
                &[("code", "c"), ("state", "s t")]
            ),
            "http://localhost:1/cb?x=1&code=c&state=s+t"
        );
    }
}
