//! `GET /public/v1/public-key` (API.md §3.7): no auth.

use crate::client::KickClient;
use crate::error::Result;
use crate::transport::ApiRequest;
use serde::Deserialize;

/// Kick's webhook key: no token, no scope.
pub fn public_key_request() -> ApiRequest {
    ApiRequest::get("GET /public/v1/public-key", "/public/v1/public-key")
        .no_auth()
        .scope(None)
}

#[derive(Deserialize)]
struct PublicKey {
    public_key: String,
}

impl KickClient {
    /// The PEM public key Kick signs webhooks with.
    pub async fn public_key(&self) -> Result<String> {
        let k: PublicKey = self.execute(public_key_request()).await?.data;
        Ok(k.public_key)
    }
}
