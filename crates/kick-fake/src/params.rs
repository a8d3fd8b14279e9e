//! Query strings with repeated keys (`id=1&id=2`), bracket keys (`id[]=1`)
//! and comma lists (`id=1,2`), all of which Kick clients send (API.md §3.3).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::convert::Infallible;

#[derive(Debug, Default, Clone)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(raw: &str) -> Self {
        Params(
            url::form_urlencoded::parse(raw.as_bytes())
                .map(|(k, v)| {
                    let k = k.strip_suffix("[]").unwrap_or(&k).to_owned();
                    (k, v.into_owned())
                })
                .collect(),
        )
    }

    /// All values of `key` as given (repeats kept, commas not split).
    pub fn raw_all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// All values of `key`, repeated keys and comma lists both accepted.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.raw_all(key)
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn one(&self, key: &str) -> Option<&str> {
        self.raw_all(key).into_iter().next()
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// All values of `key` as u64; `Err(NotANumber)` if any is not a number.
    pub fn all_u64(&self, key: &str) -> Result<Vec<u64>, NotANumber> {
        self.all(key)
            .iter()
            .map(|s| s.parse().map_err(|_| NotANumber))
            .collect()
    }

    pub fn one_u64(&self, key: &str) -> Result<Option<u64>, NotANumber> {
        match self.one(key) {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| NotANumber),
        }
    }
}

/// A query value that should have been a number was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Params::parse(parts.uri.query().unwrap_or("")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_bracket_and_comma() {
        let p = Params::parse("id=1&id=2&name[]=a%20b&tag=x,y&id=3,4");
        assert_eq!(p.all_u64("id").unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(p.all("name"), vec!["a b"]);
        assert_eq!(p.all("tag"), vec!["x", "y"]);
        assert!(p.all_u64("name").is_err());
    }
}
