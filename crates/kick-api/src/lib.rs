//! A typed async client for Kick's public API (see `shared/kick/API.md`):
//! OAuth 2.1 + PKCE, every REST endpoint Kickstand uses, and verification of
//! Kick's signed webhooks. No Tauri, no global state: every base URL is
//! configuration, so the same client talks to real Kick or the local fake.
//!
//! Modules are layered; each imports only from the layers before it (a test,
//! `tests/layers.rs`, fails on an upward import or a cycle):
//!
//! 1. leaves: [`error`], [`de`], [`ids`], [`config`], [`scopes`],
//!    [`token`] (token sets and sinks), [`models`] (shared models);
//! 2. [`transport`]: the reqwest client, [`ApiRequest`], envelope decoding,
//!    Kick's error messages;
//! 3. [`oauth`]: the grants, revoke, introspection;
//! 4. [`auth`]: the [`TokenManager`] (renewal);
//! 5. [`client`]: [`KickClient`] and its 401-refresh/retry pipeline;
//! 6. [`endpoints`]: one module per API area;
//! 7. [`webhook`] and [`loopback`].

pub mod auth;
pub mod client;
pub mod config;
pub mod de;
pub mod endpoints;
pub mod error;
pub mod ids;
pub mod loopback;
pub mod models;
pub mod oauth;
pub mod scopes;
pub mod token;
pub mod transport;
pub mod webhook;

pub use auth::TokenManager;
pub use client::KickClient;
pub use config::{KickConfig, RequestObserver, RetryPolicy};
pub use error::{Error, NetworkKind, Result};
pub use ids::*;
/// The redacting wrapper for tokens and the client secret (shared with the OBS link).
pub use kickstand_secret::Secret;
pub use loopback::LoopbackListener;
pub use oauth::{AuthorizationRequest, Introspection, OAuthClient, TokenHint};
pub use token::{NoopSink, TokenKind, TokenSet, TokenSink};
pub use transport::{ApiRequest, ApiResponse, AuthMode, RetryClass};
