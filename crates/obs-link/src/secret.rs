//! A redacting wrapper for the OBS WebSocket password, Kick's stream key and
//! Kick's ingest URL (API.md §6 says to treat both URL and key as secrets).
//!
//! The same contract as `kick_api::Secret` (this crate does not depend on the
//! Kick client): `Debug` and `Display` print `<redacted>`, the type is not
//! `Serialize` (a compile error, not a runtime surprise), the memory is zeroed
//! on drop, and the only way to the value is [`Secret::expose`], so every
//! place that reveals a secret is greppable. The app converts with
//! `obs_link::Secret::new(kick_secret.expose())`.

use std::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Call only where it must leave the process (the
    /// frame that carries it to OBS, the auth hash).
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
pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
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
    }
}
