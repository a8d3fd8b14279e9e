//! Verification of Kick's signed webhook deliveries.
//!
//! (Skeleton: filled in by the webhook work of issue #2.)

/// Why a webhook delivery was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("webhook header {0} is missing")]
    MissingHeader(&'static str),
    #[error("webhook signature does not match")]
    BadSignature,
    #[error("webhook public key is not usable: {0}")]
    BadKey(String),
    #[error("webhook timestamp is too old or in the future")]
    Stale,
    #[error("webhook delivery was already processed")]
    Duplicate,
}
