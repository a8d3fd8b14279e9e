//! Bans, timeouts and unbans: `POST` / `DELETE /public/v1/moderation/bans`
//! (API.md §3.6). Durations are minutes, 1..=10080; unban carries a JSON body.

use crate::client::KickClient;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::scopes;
use crate::transport::{ApiRequest, RetryClass};
use reqwest::Method;
use serde_json::{json, Value};

pub const MAX_TIMEOUT_MINUTES: u32 = 10_080;
pub const MAX_REASON_CHARS: usize = 100;

pub fn ban_request(
    broadcaster: UserId,
    user: UserId,
    minutes: Option<u32>,
    reason: Option<&str>,
) -> Result<ApiRequest> {
    if broadcaster == user {
        return Err(Error::validation("user", "a channel cannot ban its owner"));
    }
    let mut body = json!({"broadcaster_user_id": broadcaster.0, "user_id": user.0});
    if let Some(m) = minutes {
        if !(1..=MAX_TIMEOUT_MINUTES).contains(&m) {
            return Err(Error::validation(
                "duration",
                format!("a timeout lasts 1 to {MAX_TIMEOUT_MINUTES} minutes (7 days), got {m}"),
            ));
        }
        body["duration"] = json!(m);
    }
    if let Some(r) = reason.map(str::trim).filter(|r| !r.is_empty()) {
        if r.chars().count() > MAX_REASON_CHARS {
            return Err(Error::validation(
                "reason",
                format!("at most {MAX_REASON_CHARS} characters"),
            ));
        }
        body["reason"] = json!(r);
    }
    // Banning twice is harmless: safe to retry.
    Ok(ApiRequest::new(
        Method::POST,
        "POST /public/v1/moderation/bans",
        "/public/v1/moderation/bans",
    )
    .json(body)
    .retry(RetryClass::Idempotent)
    .scope(Some(scopes::MODERATION_BAN)))
}

pub fn unban_request(broadcaster: UserId, user: UserId) -> ApiRequest {
    ApiRequest::new(
        Method::DELETE,
        "DELETE /public/v1/moderation/bans",
        "/public/v1/moderation/bans",
    )
    .json(json!({"broadcaster_user_id": broadcaster.0, "user_id": user.0}))
    .scope(Some(scopes::MODERATION_BAN))
}

impl KickClient {
    /// Bans a user for good (needs `moderation:ban`).
    pub async fn ban(&self, broadcaster: UserId, user: UserId, reason: Option<&str>) -> Result<()> {
        let _: Value = self
            .execute(ban_request(broadcaster, user, None, reason)?)
            .await?
            .data;
        Ok(())
    }

    /// Times a user out for `minutes` (1..=10080).
    pub async fn timeout(
        &self,
        broadcaster: UserId,
        user: UserId,
        minutes: u32,
        reason: Option<&str>,
    ) -> Result<()> {
        let _: Value = self
            .execute(ban_request(broadcaster, user, Some(minutes), reason)?)
            .await?
            .data;
        Ok(())
    }

    /// Lifts a ban or timeout.
    pub async fn unban(&self, broadcaster: UserId, user: UserId) -> Result<()> {
        let _: Value = self.execute(unban_request(broadcaster, user)).await?.data;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_minutes_within_kicks_range() {
        assert!(ban_request(UserId(1), UserId(2), Some(0), None).is_err());
        assert!(ban_request(UserId(1), UserId(2), Some(10_081), None).is_err());
        assert!(ban_request(UserId(1), UserId(1), None, None).is_err());
        let r = ban_request(UserId(1), UserId(2), Some(10), Some("spam")).unwrap();
        assert_eq!(
            r.body.unwrap(),
            json!({"broadcaster_user_id":1,"user_id":2,"duration":10,"reason":"spam"})
        );
        let u = unban_request(UserId(1), UserId(2));
        assert_eq!(u.method, Method::DELETE);
        assert!(u.query.is_empty());
        assert_eq!(
            u.body.unwrap(),
            json!({"broadcaster_user_id":1,"user_id":2})
        );
    }
}
