//! Checks of what the streamer typed, before anything is sent.

use crate::error::{AppError, AppResult};

/// A watchlist entry from a slug, a `kick.com/<slug>` URL or `@slug`.
pub fn normalise_slug(input: &str) -> AppResult<String> {
    let mut s = input.trim();
    for prefix in ["https://", "http://", "www.", "kick.com/", "@"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    let s = s.trim_end_matches('/').to_ascii_lowercase();
    if s.is_empty() {
        return Err(AppError::invalid(
            crate::error::ErrorField::Slug,
            "Enter a channel name, like xqc or kick.com/xqc.",
        ));
    }
    if s.len() > 25
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(AppError::invalid(
            crate::error::ErrorField::Slug,
            "Channel names have up to 25 letters, digits, '_' or '-'.",
        ));
    }
    Ok(s)
}

/// Client credentials as pasted from Kick's developer settings.
pub fn credentials(client_id: &str, client_secret: &str) -> AppResult<(String, String)> {
    let id = client_id.trim();
    let secret = client_secret.trim();
    if id.is_empty() {
        return Err(AppError::invalid(
            crate::error::ErrorField::ClientId,
            "Paste the Client ID of your Kick app.",
        ));
    }
    if id.len() < 8 || id.len() > 128 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AppError::invalid(
            crate::error::ErrorField::ClientId,
            "That does not look like a Kick Client ID (letters and digits, like 01JH...).",
        ));
    }
    if secret.is_empty() {
        return Err(AppError::invalid(
            crate::error::ErrorField::ClientSecret,
            "Paste the Client Secret of your Kick app.",
        ));
    }
    if secret.len() > 512 || secret.chars().any(char::is_whitespace) {
        return Err(AppError::invalid(
            crate::error::ErrorField::ClientSecret,
            "The Client Secret must be one word with no spaces.",
        ));
    }
    Ok((id.to_owned(), secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(normalise_slug(" https://kick.com/XQC/ ").unwrap(), "xqc");
        assert_eq!(normalise_slug("@some_one").unwrap(), "some_one");
        assert!(normalise_slug("").is_err());
        assert!(normalise_slug("no spaces allowed").is_err());
        assert!(normalise_slug(&"a".repeat(26)).is_err());
    }

    #[test]
    fn creds() {
        assert!(credentials("01JH2Z3Y4X5W6V7U8T9S0R1Q2P", "abc123").is_ok());
        assert_eq!(
            credentials("", "x").unwrap_err().field,
            Some(crate::error::ErrorField::ClientId)
        );
        assert_eq!(
            credentials("01JH2Z3Y4X5W6V7U8T9S0R1Q2P", " ")
                .unwrap_err()
                .field,
            Some(crate::error::ErrorField::ClientSecret)
        );
        assert!(credentials("has space id", "x").is_err());
    }
}
