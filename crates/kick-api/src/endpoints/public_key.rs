//! `GET /public/v1/public-key` (API.md §3.7): no auth.

use crate::client::KickClient;
use crate::error::Result;
use crate::transport::ApiRequest;
use serde::Deserialize;

#[derive(Deserialize)]
struct PublicKey {
    public_key: String,
}

impl KickClient {
    /// The PEM public key Kick signs webhooks with.
    pub async fn public_key(&self) -> Result<String> {
        let req = ApiRequest::get("GET /public/v1/public-key", "/public/v1/public-key").no_auth();
        let k: PublicKey = self.execute(req).await?.data;
        Ok(k.public_key)
    }
}
