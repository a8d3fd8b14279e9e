//! `GET /public/v1/users` (API.md §3.1).

use crate::client::KickClient;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::scopes;
use crate::transport::ApiRequest;
use serde::Deserialize;

/// Most ids accepted in one users call (undocumented; 50 is the platform's batch size).
pub const MAX_USER_IDS: usize = 50;

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct User {
    pub user_id: UserId,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub name: String,
    /// Only meaningful for the token's own user; `""` otherwise.
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub email: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub profile_picture: String,
}

/// Builds `GET /public/v1/users`: no ids = the token's own user.
pub fn users_request(ids: &[UserId]) -> Result<ApiRequest> {
    if ids.len() > MAX_USER_IDS {
        return Err(Error::validation(
            "user ids",
            format!("at most {MAX_USER_IDS} per call, got {}", ids.len()),
        ));
    }
    let mut req =
        ApiRequest::get("GET /public/v1/users", "/public/v1/users").scope(Some(scopes::USER_READ));
    for id in ids {
        req = req.query("id", id);
    }
    Ok(req)
}

impl KickClient {
    /// The token's own user (needs `user:read`).
    pub async fn me(&self) -> Result<User> {
        let users: Vec<User> = self.execute(users_request(&[])?).await?.data;
        users.into_iter().next().ok_or_else(|| Error::Decode {
            endpoint: "GET /public/v1/users",
            path: "data".into(),
            message: "empty list for the token's own user".into(),
        })
    }

    /// Users by id.
    pub async fn users(&self, ids: &[UserId]) -> Result<Vec<User>> {
        Ok(self.execute(users_request(ids)?).await?.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_repeated_ids() {
        let r = users_request(&[UserId(1), UserId(2)]).unwrap();
        assert_eq!(r.path, "/public/v1/users");
        assert_eq!(
            r.query,
            vec![("id", "1".to_string()), ("id", "2".to_string())]
        );
    }

    #[test]
    fn rejects_too_many_ids() {
        let ids: Vec<UserId> = (0..51).map(UserId).collect();
        assert!(matches!(users_request(&ids), Err(Error::Validation { .. })));
    }

    #[test]
    fn decodes_fixture_tolerantly() {
        let body = br#"{"data":[{"user_id":123,"name":"streamer","email":null,"profile_picture":"https://x/p.png","extra":true}],"message":"OK"}"#;
        let r = crate::transport::decode::<Vec<User>>("GET /public/v1/users", body).unwrap();
        assert_eq!(r.data[0].user_id, UserId(123));
        assert_eq!(r.data[0].email, "");
    }
}
