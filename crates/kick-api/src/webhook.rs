//! Verification of Kick's signed webhook deliveries (API.md §5).
//!
//! Signed bytes are the message id, the timestamp and the raw body joined by
//! dots (`id.timestamp.body`); the signature is base64 in `Kick-Event-Signature`. The
//! algorithm follows the public key: RSA PKCS#1 v1.5 with SHA-256 (Kick's real
//! key is RSA-2048) or Ed25519. Stale timestamps and repeated message ids are
//! refused; when a signature fails, the key is fetched again once (rate
//! limited) in case Kick rotated it.

use crate::client::KickClient;
use base64::Engine;
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

pub const H_MESSAGE_ID: &str = "Kick-Event-Message-Id";
pub const H_SUBSCRIPTION_ID: &str = "Kick-Event-Subscription-Id";
pub const H_SIGNATURE: &str = "Kick-Event-Signature";
/// The pre-launch name of the signature header (old clients and docs).
pub const H_SIGNATURE_LEGACY: &str = "Kick-Event-Message-Signature";
pub const H_TIMESTAMP: &str = "Kick-Event-Message-Timestamp";
pub const H_TYPE: &str = "Kick-Event-Type";
pub const H_VERSION: &str = "Kick-Event-Version";

/// Why a webhook delivery was rejected.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("webhook header {0} is missing")]
    MissingHeader(&'static str),
    #[error("webhook signature is not valid base64")]
    BadEncoding,
    #[error("webhook signature does not match")]
    BadSignature,
    #[error("webhook public key is not usable: {0}")]
    BadKey(String),
    #[error("webhook timestamp is too old or in the future")]
    Stale,
    #[error("webhook timestamp is not a date: {0}")]
    BadTimestamp(String),
    #[error("webhook delivery was already processed")]
    Duplicate,
    #[error("could not fetch Kick's webhook key: {0}")]
    KeyFetch(String),
}

/// A parsed public key; the algorithm follows its type.
#[derive(Clone, Debug)]
pub enum VerifyKey {
    Rsa(rsa::pkcs1v15::VerifyingKey<sha2::Sha256>),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl VerifyKey {
    pub fn from_pem(pem: &str) -> Result<Self, WebhookError> {
        use rsa::pkcs8::DecodePublicKey;
        if let Ok(k) = rsa::RsaPublicKey::from_public_key_pem(pem.trim()) {
            return Ok(VerifyKey::Rsa(rsa::pkcs1v15::VerifyingKey::new(k)));
        }
        match ed25519_dalek::VerifyingKey::from_public_key_pem(pem.trim()) {
            Ok(k) => Ok(VerifyKey::Ed25519(k)),
            Err(e) => Err(WebhookError::BadKey(format!(
                "neither an RSA nor an Ed25519 SPKI PEM ({e})"
            ))),
        }
    }

    pub fn verify(&self, signed: &[u8], sig: &[u8]) -> bool {
        match self {
            VerifyKey::Rsa(k) => {
                use rsa::signature::Verifier;
                rsa::pkcs1v15::Signature::try_from(sig)
                    .map(|s| k.verify(signed, &s).is_ok())
                    .unwrap_or(false)
            }
            VerifyKey::Ed25519(k) => ed25519_dalek::Signature::from_slice(sig)
                .map(|s| k.verify_strict(signed, &s).is_ok())
                .unwrap_or(false),
        }
    }
}

/// The signed message: `id.timestamp.body`.
pub fn signed_bytes(message_id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(message_id.len() + timestamp.len() + body.len() + 2);
    v.extend_from_slice(message_id.as_bytes());
    v.push(b'.');
    v.extend_from_slice(timestamp.as_bytes());
    v.push(b'.');
    v.extend_from_slice(body);
    v
}

/// What a verified delivery told us (from its headers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub message_id: String,
    pub subscription_id: Option<String>,
    pub timestamp: DateTime<Utc>,
    pub event_type: String,
    pub version: String,
}

type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Bounded memory of message ids already accepted.
struct Seen {
    order: VecDeque<String>,
    set: HashSet<String>,
    cap: usize,
}

impl Seen {
    fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() >= self.cap {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.order.push_back(id.to_owned());
        self.set.insert(id.to_owned());
        true
    }
}

/// Verifies deliveries. Cheap to share behind an `Arc`.
pub struct WebhookVerifier {
    key: RwLock<VerifyKey>,
    source: Option<KickClient>,
    max_skew: Duration,
    seen: Mutex<Seen>,
    last_fetch: Mutex<Option<Instant>>,
    /// At most one key fetch per this interval.
    pub refetch_every: Duration,
    clock: Clock,
    fetches: std::sync::atomic::AtomicU64,
}

impl WebhookVerifier {
    /// With a fixed key and no refetching.
    pub fn with_key(pem: &str) -> Result<Self, WebhookError> {
        Ok(Self::build(VerifyKey::from_pem(pem)?, None))
    }

    /// Fetches the key from `GET /public/v1/public-key` of the client's API
    /// base (Kick's, or a fake's) and refetches it when a signature fails.
    pub async fn fetch(client: KickClient) -> Result<Self, WebhookError> {
        let pem = client
            .public_key()
            .await
            .map_err(|e| WebhookError::KeyFetch(e.to_string()))?;
        let v = Self::build(VerifyKey::from_pem(&pem)?, Some(client));
        v.fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(v)
    }

    fn build(key: VerifyKey, source: Option<KickClient>) -> Self {
        WebhookVerifier {
            key: RwLock::new(key),
            source,
            max_skew: Duration::from_secs(300),
            seen: Mutex::new(Seen {
                order: VecDeque::new(),
                set: HashSet::new(),
                cap: 10_000,
            }),
            last_fetch: Mutex::new(None),
            refetch_every: Duration::from_secs(60),
            clock: Arc::new(Utc::now),
            fetches: Default::default(),
        }
    }

    /// Accept timestamps this far from now (default ±5 minutes).
    pub fn max_skew(mut self, d: Duration) -> Self {
        self.max_skew = d;
        self
    }

    /// Replace the clock (tests).
    pub fn clock(mut self, f: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(f);
        self
    }

    /// How many times the key was fetched.
    pub fn key_fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Verifies one delivery: headers as received, body bytes exactly as received.
    pub async fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let h = |name: &'static str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let message_id = h(H_MESSAGE_ID).ok_or(WebhookError::MissingHeader(H_MESSAGE_ID))?;
        let ts_raw = h(H_TIMESTAMP).ok_or(WebhookError::MissingHeader(H_TIMESTAMP))?;
        let sig_b64 = h(H_SIGNATURE)
            .or_else(|| h(H_SIGNATURE_LEGACY))
            .ok_or(WebhookError::MissingHeader(H_SIGNATURE))?;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(sig_b64)
            .map_err(|_| WebhookError::BadEncoding)?;
        let signed = signed_bytes(message_id, ts_raw, body);

        let ok = self.key.read().unwrap().verify(&signed, &sig);
        if !ok {
            if !self.refetch().await? {
                return Err(WebhookError::BadSignature);
            }
            if !self.key.read().unwrap().verify(&signed, &sig) {
                return Err(WebhookError::BadSignature);
            }
        }

        let timestamp = crate::de::parse_timestamp(ts_raw)
            .ok_or_else(|| WebhookError::BadTimestamp(ts_raw.to_owned()))?;
        let skew = ((self.clock)() - timestamp).num_seconds().unsigned_abs();
        if skew > self.max_skew.as_secs() {
            return Err(WebhookError::Stale);
        }
        if !self.seen.lock().unwrap().insert(message_id) {
            return Err(WebhookError::Duplicate);
        }
        Ok(Delivery {
            message_id: message_id.to_owned(),
            subscription_id: h(H_SUBSCRIPTION_ID).map(str::to_owned),
            timestamp,
            event_type: h(H_TYPE).unwrap_or_default().to_owned(),
            version: h(H_VERSION).unwrap_or("1").to_owned(),
        })
    }

    /// Fetches the key again if allowed; true when a new key was loaded.
    async fn refetch(&self) -> Result<bool, WebhookError> {
        let Some(client) = &self.source else {
            return Ok(false);
        };
        {
            let mut last = self.last_fetch.lock().unwrap();
            if last.is_some_and(|t| t.elapsed() < self.refetch_every) {
                return Ok(false);
            }
            *last = Some(Instant::now());
        }
        let pem = client
            .public_key()
            .await
            .map_err(|e| WebhookError::KeyFetch(e.to_string()))?;
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *self.key.write().unwrap() = VerifyKey::from_pem(&pem)?;
        Ok(true)
    }
}

// ----- typed payloads (API.md §5.6) -----

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct EventUser {
    #[serde(default)]
    pub is_anonymous: bool,
    #[serde(default)]
    pub user_id: Option<u64>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub is_verified: Option<bool>,
    #[serde(default)]
    pub profile_picture: Option<String>,
    #[serde(default)]
    pub channel_slug: Option<String>,
    #[serde(default)]
    pub identity: Option<Identity>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct Identity {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub username_color: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub badges: Vec<Badge>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct Badge {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub text: String,
    #[serde(default, deserialize_with = "crate::de::null_default", rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub count: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct EmotePosition {
    pub s: usize,
    pub e: usize,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Emote {
    /// A string in the docs, a number in some clients: both accepted.
    #[serde(deserialize_with = "crate::de::string_or_number")]
    pub emote_id: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub positions: Vec<EmotePosition>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RepliesTo {
    pub message_id: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub content: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub sender: EventUser,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ChatMessageSent {
    pub message_id: String,
    #[serde(default)]
    pub replies_to: Option<RepliesTo>,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub broadcaster: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub sender: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub content: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub emotes: Vec<Emote>,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct LivestreamStatusUpdated {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub broadcaster: EventUser,
    pub is_live: bool,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub title: String,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub ended_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct StreamMetadata {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub title: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub language: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub has_mature_content: bool,
    /// The lower-case key; a deprecated duplicate `Category` is ignored.
    #[serde(default)]
    pub category: Option<crate::models::CategoryRef>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct LivestreamMetadataUpdated {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub broadcaster: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub metadata: StreamMetadata,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct BanMetadata {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub reason: String,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub created_at: Option<DateTime<Utc>>,
    /// `None` = permanent ban.
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ModerationBanned {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub broadcaster: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub moderator: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub banned_user: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub metadata: BanMetadata,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ChannelFollowed {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub broadcaster: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub follower: EventUser,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ChannelSubscription {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub broadcaster: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub subscriber: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub duration: u32,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct SubscriptionGifts {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub broadcaster: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub gifter: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub giftees: Vec<EventUser>,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A reward of a redemption event.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct RedeemedReward {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub id: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub title: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub cost: u64,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub description: String,
}

/// `channel.reward.redemption.updated` (API.md §5.6): the redeemer is a
/// slim user.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RewardRedemptionUpdated {
    pub id: crate::ids::RedemptionId,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub user_input: String,
    /// `pending`, `accepted` or `rejected`.
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub status: String,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub redeemed_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub reward: RedeemedReward,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub redeemer: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub broadcaster: EventUser,
}

/// The gift of a `kicks.gifted` event.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct KicksGift {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub amount: u64,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub name: String,
    #[serde(default, rename = "type", deserialize_with = "crate::de::null_default")]
    pub kind: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub tier: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub message: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub pinned_time_seconds: u64,
}

/// `kicks.gifted` (API.md §5.6; added 2025-10-21).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct KicksGifted {
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub broadcaster: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub sender: EventUser,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub gift: KicksGift,
    #[serde(default, deserialize_with = "crate::de::opt_timestamp")]
    pub created_at: Option<DateTime<Utc>>,
}

/// A Kick webhook event, by `Kick-Event-Type`. Unknown types are kept raw
/// (ack and drop, API.md §5.6).
#[derive(Clone, Debug, PartialEq)]
pub enum WebhookEvent {
    ChatMessageSent(Box<ChatMessageSent>),
    ChannelFollowed(ChannelFollowed),
    SubscriptionNew(ChannelSubscription),
    SubscriptionRenewal(ChannelSubscription),
    SubscriptionGifts(SubscriptionGifts),
    LivestreamStatusUpdated(LivestreamStatusUpdated),
    LivestreamMetadataUpdated(LivestreamMetadataUpdated),
    ModerationBanned(ModerationBanned),
    RewardRedemptionUpdated(RewardRedemptionUpdated),
    KicksGifted(KicksGifted),
    Unknown { event_type: String, body: Value },
}

impl WebhookEvent {
    /// Parses a body by event type; the error names the failing field.
    pub fn parse(event_type: &str, body: &[u8]) -> Result<Self, crate::error::Error> {
        fn de<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, crate::error::Error> {
            let d = &mut serde_json::Deserializer::from_slice(body);
            let v = serde_path_to_error::deserialize(&mut *d).map_err(|e| {
                crate::error::Error::Decode {
                    endpoint: "webhook",
                    path: e.path().to_string(),
                    message: e.inner().to_string(),
                }
            })?;
            // One JSON document and nothing after it (the gap fuzzing found in
            // `transport::decode` was here too).
            d.end().map_err(|e| crate::error::Error::Decode {
                endpoint: "webhook",
                path: String::new(),
                message: e.to_string(),
            })?;
            Ok(v)
        }
        Ok(match event_type {
            "chat.message.sent" => WebhookEvent::ChatMessageSent(Box::new(de(body)?)),
            "channel.followed" => WebhookEvent::ChannelFollowed(de(body)?),
            "channel.subscription.new" => WebhookEvent::SubscriptionNew(de(body)?),
            "channel.subscription.renewal" => WebhookEvent::SubscriptionRenewal(de(body)?),
            "channel.subscription.gifts" => WebhookEvent::SubscriptionGifts(de(body)?),
            "livestream.status.updated" => WebhookEvent::LivestreamStatusUpdated(de(body)?),
            "livestream.metadata.updated" => WebhookEvent::LivestreamMetadataUpdated(de(body)?),
            "moderation.banned" => WebhookEvent::ModerationBanned(de(body)?),
            "channel.reward.redemption.updated" => WebhookEvent::RewardRedemptionUpdated(de(body)?),
            "kicks.gifted" => WebhookEvent::KicksGifted(de(body)?),
            other => WebhookEvent::Unknown {
                event_type: other.to_owned(),
                body: serde_json::from_slice(body).unwrap_or(Value::Null),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_key() {
        assert!(VerifyKey::from_pem("not a key").is_err());
    }

    #[test]
    fn payloads_parse_tolerantly() {
        let chat = br##"{"message_id":"m1","broadcaster":{"is_anonymous":false,"user_id":1,"username":"b","identity":null},
          "sender":{"is_anonymous":false,"user_id":2,"username":"s","identity":{"username_color":"#FF0000","badges":[{"text":"Mod","type":"moderator"}]}},
          "content":"hi [emote:37226:KEKW]","emotes":[{"emote_id":37226,"positions":[{"s":3,"e":20}]}],"created_at":"2025-07-22T10:00:00Z","new":1}"##;
        match WebhookEvent::parse("chat.message.sent", chat).unwrap() {
            WebhookEvent::ChatMessageSent(m) => {
                assert_eq!(m.emotes[0].emote_id, "37226");
                assert_eq!(m.sender.identity.unwrap().badges[0].kind, "moderator");
                assert!(m.replies_to.is_none());
            }
            other => panic!("{other:?}"),
        }
        let meta = br#"{"broadcaster":{},"metadata":{"title":"t","language":"en","has_mature_content":false,
          "category":{"id":15,"name":"Just Chatting","thumbnail":""},"Category":{"id":15}}}"#;
        assert!(matches!(
            WebhookEvent::parse("livestream.metadata.updated", meta).unwrap(),
            WebhookEvent::LivestreamMetadataUpdated(_)
        ));
        let ban = br#"{"broadcaster":{},"moderator":{},"banned_user":{"user_id":5},"metadata":{"reason":"x","created_at":"2025-05-23T00:00:00Z","expires_at":null}}"#;
        match WebhookEvent::parse("moderation.banned", ban).unwrap() {
            WebhookEvent::ModerationBanned(b) => assert!(b.metadata.expires_at.is_none()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            WebhookEvent::parse("brand.new.event", b"{}").unwrap(),
            WebhookEvent::Unknown { .. }
        ));
    }

    #[test]
    fn trailing_bytes_after_the_payload_are_refused() {
        // As in `transport::decode` (a fuzzer's find): trailing bytes were accepted.
        let body = br#"{"broadcaster":{},"follower":{"user_id":5}}{"extra":1}"#;
        assert!(matches!(
            WebhookEvent::parse("channel.followed", body),
            Err(crate::error::Error::Decode { .. })
        ));
        assert!(WebhookEvent::parse("channel.followed", &body[..43]).is_ok());
    }
}
