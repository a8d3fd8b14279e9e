//! The webhook verifier (`kick_api::webhook::WebhookVerifier`) and the typed
//! webhook payloads (`WebhookEvent::parse`).
//!
//! Input: an HTTP-like message, header lines (`Name: value`), a blank line,
//! the body. With a first line `S`, the target signs what the verifier will
//! read (message id, timestamp, body) with its own key first ("signed"
//! mode); otherwise the headers are used as they are ("raw" mode). The seed
//! corpus holds a fixed delivery signed with each key, so libFuzzer's
//! mutations of it are mutations of a signed delivery.
//!
//! The verifiers are built from a fixed key (`WebhookVerifier::with_key`):
//! no key source, so they can never fetch a key over the network (asserted).

use base64::Engine;
use chrono::{DateTime, Utc};
use kick_api::webhook::{
    signed_bytes, WebhookError, WebhookEvent, WebhookVerifier, H_MESSAGE_ID, H_SIGNATURE,
    H_SIGNATURE_LEGACY, H_TIMESTAMP, H_TYPE, H_VERSION,
};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::sync::OnceLock;

/// The delivery signed with both keys (the seeds carry it).
pub const FIXED_ID: &str = "01JZ8Q4Y7K3M2N5P6R7S8T9V0W";
pub const FIXED_TS: &str = "2025-07-22T10:00:00Z";
pub const FIXED_TYPE: &str = "chat.message.sent";
pub const FIXED_BODY: &str = r##"{"message_id":"m1","broadcaster":{"is_anonymous":false,"user_id":1,"username":"b","identity":null},"sender":{"is_anonymous":false,"user_id":2,"username":"s","identity":{"username_color":"#FF0000","badges":[{"text":"Mod","type":"moderator"}]}},"content":"hi [emote:37226:KEKW]","emotes":[{"emote_id":"37226","positions":[{"s":3,"e":20}]}],"created_at":"2025-07-22T10:00:00Z"}"##;
/// Largest clock skew the verifier accepts by default.
const MAX_SKEW_SECS: i64 = 300;

pub struct Keys {
    pub rsa_pem: String,
    pub rsa_sig: Vec<u8>,
    pub ed_pem: String,
    pub ed_sig: Vec<u8>,
    ed: ed25519_dalek::SigningKey,
}

/// The RSA test key is made from a fixed seed by [`rsa_test_key`]; its
/// public half and its signature of the fixed delivery are kept here
/// (`tests/corpus.rs` checks they still match), so no fuzz process waits for
/// a key generation.
///
/// It is RSA-512, not 2048 like Kick's: under libFuzzer's instrumentation
/// one RSA-2048 verification took ~10 ms (the big-number loops are traced
/// compare by compare), which made a million executions a matter of hours.
/// The verifier takes whatever key it is given; its logic does not depend on
/// the size, and the RSA maths is the `rsa` crate's.
pub const RSA_PUBLIC_PEM: &str = include_str!("../keys/webhook-rsa-public.pem");
pub const RSA_FIXED_SIG_B64: &str = include_str!("../keys/webhook-rsa-fixed.sig.b64");

/// The fuzz-only RSA key, from a fixed seed (never used anywhere else).
pub fn rsa_test_key() -> rsa::RsaPrivateKey {
    use rand_chacha::rand_core::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x4b1c_5a4d);
    rsa::RsaPrivateKey::new(&mut rng, 512).expect("an RSA test key")
}

/// `rsa_test_key`'s public PEM and signature of the fixed delivery (base64).
pub fn rsa_fixture(key: rsa::RsaPrivateKey) -> (String, String) {
    use rsa::pkcs8::{EncodePublicKey as _, LineEnding};
    use rsa::signature::{SignatureEncoding as _, Signer as _};
    let fixed = signed_bytes(FIXED_ID, FIXED_TS, FIXED_BODY.as_bytes());
    let pem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("a PEM");
    let sig = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key)
        .sign(&fixed)
        .to_vec();
    (pem, base64::engine::general_purpose::STANDARD.encode(sig))
}

/// The fixed test keys (the Ed25519 one from a fixed seed) and the fixed
/// delivery's signature under each.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePublicKey as _};
        let fixed = signed_bytes(FIXED_ID, FIXED_TS, FIXED_BODY.as_bytes());
        let ed = ed25519_dalek::SigningKey::from_bytes(&[0x4b; 32]);
        let ed_pem = ed
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("a PEM");
        let ed_sig = ed25519_dalek::Signer::sign(&ed, &fixed).to_bytes().to_vec();
        Keys {
            rsa_pem: RSA_PUBLIC_PEM.to_owned(),
            rsa_sig: base64::engine::general_purpose::STANDARD
                .decode(RSA_FIXED_SIG_B64.trim())
                .expect("base64"),
            ed_pem,
            ed_sig,
            ed,
        }
    })
}

/// One current-thread runtime for the whole process.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime")
    })
}

fn clock() -> DateTime<Utc> {
    kick_api::de::parse_timestamp(FIXED_TS).expect("the fixed timestamp parses")
}

fn verifier(pem: &str) -> WebhookVerifier {
    WebhookVerifier::with_key(pem)
        .expect("the test key is usable")
        .clock(clock)
}

/// A seed: the fixed delivery as this target reads it, with a signature
/// header carrying `sig` (base64).
pub fn seed(sig: &[u8], signature_header: &str) -> Vec<u8> {
    let sig = base64::engine::general_purpose::STANDARD.encode(sig);
    format!(
        "{H_MESSAGE_ID}: {FIXED_ID}\n{H_TIMESTAMP}: {FIXED_TS}\n{signature_header}: {sig}\n\
         {H_TYPE}: {FIXED_TYPE}\n{H_VERSION}: 1\nKick-Event-Subscription-Id: 01JZ8Q4Y7K3M2N5P6R7S8T9V0X\n\n{FIXED_BODY}"
    )
    .into_bytes()
}

/// Splits the input into header lines and body; keeps the header lines that
/// make a valid `HeaderName`/`HeaderValue` (a real server could not hand
/// over the others), in order, repeats included.
fn headers_and_body(input: &[u8]) -> (HeaderMap, &[u8]) {
    let split = input.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&input[..i], &input[i + 2..]),
        None => (input, &[][..]),
    };
    let mut headers = HeaderMap::new();
    for line in head.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim_ascii()),
            HeaderValue::from_bytes(value),
        ) else {
            continue;
        };
        headers.append(name, value);
    }
    (headers, body)
}

/// A header as the verifier reads it: the first value, text, trimmed, non-empty.
fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Asserts: in raw mode (the target signed nothing but the fixed delivery),
/// a delivery is accepted only when the message id, timestamp and body the
/// verifier read are exactly the fixed signed ones, whatever the headers and
/// body; and the fixed delivery with its exact signature is accepted, under
/// either header name, with any padding of its header values. In signed
/// mode the signature always matches, so the outcome is decided by the
/// headers and the timestamp alone: missing headers, an unparseable or a
/// stale (more than 5 minutes off) timestamp are refused, anything else is
/// accepted; never "bad signature". In both: an accepted delivery reports
/// the headers it came with and is refused as a duplicate when replayed; the
/// verifier never fetched a key; the typed payload decoder accepts only
/// one JSON document and keeps unknown types raw.
pub fn webhook(input: &[u8]) {
    let keys = keys();
    let (signed_mode, rest) = match input.strip_prefix(b"S\n") {
        Some(rest) => (true, rest),
        None => (false, input),
    };
    let (mut headers, body) = headers_and_body(rest);
    let event_type = read(&headers, H_TYPE).unwrap_or_default().to_owned();
    check_payload(&event_type, body);

    if signed_mode {
        let id = read(&headers, H_MESSAGE_ID).map(str::to_owned);
        let ts = read(&headers, H_TIMESTAMP).map(str::to_owned);
        let sig = ed25519_dalek::Signer::sign(
            &keys.ed,
            &signed_bytes(
                id.as_deref().unwrap_or_default(),
                ts.as_deref().unwrap_or_default(),
                body,
            ),
        );
        let sig = base64::engine::general_purpose::STANDARD.encode(sig.to_bytes());
        headers.remove(H_SIGNATURE_LEGACY);
        headers.insert(H_SIGNATURE, HeaderValue::from_str(&sig).expect("base64"));
        let v = verifier(&keys.ed_pem);
        let got = runtime().block_on(v.verify(&headers, body));
        let want = match (&id, &ts) {
            (None, _) => Err(WebhookError::MissingHeader(H_MESSAGE_ID)),
            (_, None) => Err(WebhookError::MissingHeader(H_TIMESTAMP)),
            (Some(_), Some(ts)) => match kick_api::de::parse_timestamp(ts) {
                None => Err(WebhookError::BadTimestamp(ts.clone())),
                Some(t) if (clock() - t).num_seconds().abs() > MAX_SKEW_SECS => {
                    Err(WebhookError::Stale)
                }
                Some(_) => Ok(()),
            },
        };
        assert_eq!(
            got.as_ref().map(|_| ()),
            want.as_ref().map(|_| ()),
            "{got:?}"
        );
        after(&v, &headers, body, got);
        return;
    }

    for (pem, fixed_sig) in [(&keys.rsa_pem, &keys.rsa_sig), (&keys.ed_pem, &keys.ed_sig)] {
        let v = verifier(pem);
        let got = runtime().block_on(v.verify(&headers, body));
        let id = read(&headers, H_MESSAGE_ID);
        let ts = read(&headers, H_TIMESTAMP);
        let exactly_signed =
            id == Some(FIXED_ID) && ts == Some(FIXED_TS) && body == FIXED_BODY.as_bytes();
        if got.is_ok() {
            assert!(
                exactly_signed,
                "accepted a delivery that was never signed: id {id:?}, timestamp {ts:?}, body {:?}",
                String::from_utf8_lossy(body)
            );
        }
        let sig = read(&headers, H_SIGNATURE)
            .or_else(|| read(&headers, H_SIGNATURE_LEGACY))
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok());
        if exactly_signed && sig.as_ref() == Some(fixed_sig) {
            assert!(got.is_ok(), "the signed delivery was refused: {got:?}");
        }
        after(&v, &headers, body, got);
    }
}

/// What holds after any verification.
fn after(
    v: &WebhookVerifier,
    headers: &HeaderMap,
    body: &[u8],
    got: Result<kick_api::webhook::Delivery, WebhookError>,
) {
    if let Ok(d) = got {
        assert_eq!(Some(d.message_id.as_str()), read(headers, H_MESSAGE_ID));
        assert_eq!(d.event_type, read(headers, H_TYPE).unwrap_or_default());
        assert_eq!(d.version, read(headers, H_VERSION).unwrap_or("1"));
        let again = runtime().block_on(v.verify(headers, body));
        assert_eq!(again, Err(WebhookError::Duplicate), "a replay was accepted");
    }
    assert_eq!(v.key_fetches(), 0, "the verifier fetched a key");
}

/// `WebhookEvent::parse`: a known type is decoded only from one JSON
/// document; an unknown type keeps the body (or null) as it is.
fn check_payload(event_type: &str, body: &[u8]) {
    let value = serde_json::from_slice::<Value>(body);
    match WebhookEvent::parse(event_type, body) {
        Ok(WebhookEvent::Unknown {
            event_type: t,
            body: b,
        }) => {
            assert_eq!(t, event_type);
            assert_eq!(b, value.unwrap_or(Value::Null));
        }
        Ok(_) => {
            if let Err(e) = crate::api::one_document(body) {
                panic!("{event_type}: accepted a body that is not one JSON document ({e})");
            }
        }
        Err(kick_api::Error::Decode { endpoint, .. }) => assert_eq!(endpoint, "webhook"),
        Err(other) => panic!("not a decode error: {other:?}"),
    }
}
