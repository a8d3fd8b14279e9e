//! Lenient deserialisation helpers for Kick's JSON.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{de, Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrStr {
    Num(u64),
    Str(String),
}

pub fn u64_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match NumOrStr::deserialize(d)? {
        NumOrStr::Num(n) => Ok(n),
        NumOrStr::Str(s) => s.trim().parse().map_err(de::Error::custom),
    }
}

pub fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        S(String),
        U(u64),
        I(i64),
        F(f64),
    }
    Ok(match V::deserialize(d)? {
        V::S(s) => s,
        V::U(n) => n.to_string(),
        V::I(n) => n.to_string(),
        V::F(n) => n.to_string(),
    })
}

/// `null` becomes the type's default (Kick sends null for some list/string fields).
pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Parses Kick's timestamps leniently: RFC 3339 with or without fractional
/// seconds and with any offset, `YYYY-MM-DD HH:MM:SS` (assumed UTC), and unix
/// seconds. Go's zero time (`0001-01-01T00:00:00Z`) and empty strings mean
/// "not set" and give `None`.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() || s.starts_with("0001-01-01") {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    if let Ok(n) = s.parse::<i64>() {
        return DateTime::from_timestamp(n, 0);
    }
    None
}

/// Deserialises an optional timestamp leniently (see [`parse_timestamp`]).
/// Unparseable values become `None` rather than failing the whole response.
pub fn opt_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        S(String),
        N(i64),
    }
    Ok(match Option::<V>::deserialize(d)? {
        None => None,
        Some(V::S(s)) => parse_timestamp(&s),
        Some(V::N(n)) => DateTime::from_timestamp(n, 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_leniently() {
        for s in [
            "2025-01-14T16:08:06Z",
            "2025-12-02T22:54:19.323Z",
            "2025-01-01T11:00:00+11:00",
            "2025-09-15T21:12:45.000000Z",
            "2025-09-15T20:54:48.174178506Z",
            "2023-04-23 09:57:28",
            "1700000000",
        ] {
            assert!(parse_timestamp(s).is_some(), "{s}");
        }
        assert_eq!(parse_timestamp("0001-01-01T00:00:00Z"), None);
        assert_eq!(parse_timestamp(""), None);
        assert_eq!(parse_timestamp("garbage"), None);
        let a = parse_timestamp("2025-01-01T11:00:00+11:00").unwrap();
        let b = parse_timestamp("2025-01-01T00:00:00Z").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn ids_accept_number_or_string() {
        let a: crate::ids::UserId = serde_json::from_str("9007199254740993").unwrap();
        let b: crate::ids::UserId = serde_json::from_str("\"9007199254740993\"").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.0, 9_007_199_254_740_993);
        let e: crate::ids::EmoteId = serde_json::from_str("37227").unwrap();
        assert_eq!(e.as_str(), "37227");
    }
}
