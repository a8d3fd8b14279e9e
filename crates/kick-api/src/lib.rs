//! A typed async client for Kick's public API (see `shared/kick/API.md`):
//! OAuth 2.1 + PKCE, every REST endpoint Kickstand uses, and verification of
//! Kick's signed webhooks. No Tauri, no global state: every base URL is
//! configuration, so the same client talks to real Kick or the local fake.

pub mod auth;
pub mod config;
pub mod de;
pub mod endpoints;
pub mod error;
pub mod http;
pub mod ids;
pub mod loopback;
pub mod oauth;
pub mod secret;
pub mod webhook;

pub use auth::{NoopSink, TokenKind, TokenManager, TokenSet, TokenSink};
pub use config::{KickConfig, RetryPolicy};
pub use error::{Error, Result};
pub use http::{ApiRequest, ApiResponse, AuthMode, KickClient, RetryClass};
pub use ids::*;
pub use loopback::{login_with_browser, LoopbackListener};
pub use oauth::{scopes, AuthorizationRequest, Introspection, OAuthClient, TokenHint};
pub use secret::Secret;
