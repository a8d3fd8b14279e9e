//! A redacting wrapper for every secret Kickstand holds: Kick's tokens and
//! client secret, the stream key and ingest URL (API.md §6 says to treat
//! both as secrets), the OBS WebSocket password.
//!
//! `Secret` prints `<redacted>` in `Debug` and `Display`, is not `Serialize`
//! (a compile error, not a runtime surprise), compares in constant time and
//! zeroes its memory on drop. The only way to the value is
//! [`Secret::expose`], so every place that reveals a secret is greppable.
//! `kick_api::Secret` and `obs_link::Secret` are this type: the Kick client
//! and the OBS link share it without depending on each other.

use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Call only where the value must leave the process
    /// (an HTTP header or form field, the keyring, the frame that carries it
    /// to OBS, the one reveal command).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares two secrets without an early exit on the first differing
    /// byte (the length still shows; the values never leave Rust).
    pub fn matches(&self, other: &Secret) -> bool {
        ct_eq(self.expose(), other.expose())
    }
}

/// Constant-time equality of two strings' bytes (length excepted).
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Secrets compare in constant time too (so `==` on a type holding one is safe).
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.matches(other)
    }
}
impl Eq for Secret {}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("sk_us-west-2_very_secret");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(<redacted>)");
        assert_eq!(s.expose(), "sk_us-west-2_very_secret");
    }

    #[test]
    fn equality_is_by_value() {
        assert!(Secret::new("abc").matches(&Secret::new("abc")));
        assert!(!Secret::new("abc").matches(&Secret::new("abd")));
        assert!(!Secret::new("abc").matches(&Secret::new("abcd")));
        assert!(Secret::new("") == Secret::new(""));
        assert!(Secret::new("abc") != Secret::new("abd"));
    }

    #[test]
    fn deserializes_from_a_json_string() {
        let s: Secret = serde_json::from_str(r#""tok_123""#).unwrap();
        assert_eq!(s.expose(), "tok_123");
    }
}
