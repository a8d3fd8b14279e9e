//! `POST /public/v1/chat` and `DELETE /public/v1/chat/{message_id}` (API.md §3.5).

use crate::client::KickClient;
use crate::error::{Error, Result};
use crate::ids::{MessageId, UserId};
use crate::scopes;
use crate::transport::{ApiRequest, RetryClass};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

/// Kick's limit on a chat message, in characters.
pub const MAX_CHAT_CHARS: usize = 500;

/// Who speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatAs {
    /// As the token's user, into this broadcaster's chat.
    User { broadcaster: UserId },
    /// As the app's bot, always into the token user's own channel (Kick
    /// ignores any broadcaster id for bots).
    Bot,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatSend {
    pub sender: ChatAs,
    pub content: String,
    pub reply_to: Option<MessageId>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ChatSent {
    /// `false`: Kick took the request and did not post the message. Missing
    /// or null (a 200 that says nothing either way): taken as sent.
    #[serde(default = "yes", deserialize_with = "sent")]
    pub is_sent: bool,
    pub message_id: MessageId,
}

fn yes() -> bool {
    true
}

fn sent<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(true))
}

pub fn send_chat_request(m: &ChatSend) -> Result<ApiRequest> {
    let content = m.content.trim();
    if content.is_empty() {
        return Err(Error::validation("message", "the message is empty"));
    }
    let n = content.chars().count();
    if n > MAX_CHAT_CHARS {
        return Err(Error::validation(
            "message",
            format!("at most {MAX_CHAT_CHARS} characters, got {n}"),
        ));
    }
    let mut body = match m.sender {
        ChatAs::User { broadcaster } => {
            json!({"type": "user", "broadcaster_user_id": broadcaster.0, "content": content})
        }
        ChatAs::Bot => json!({"type": "bot", "content": content}),
    };
    if let Some(r) = &m.reply_to {
        if r.as_str().is_empty() {
            return Err(Error::validation("reply", "empty message id"));
        }
        body["reply_to_message_id"] = json!(r.as_str());
    }
    // Not idempotent: a retry after a 500 could post twice (429/503 are safe).
    Ok(
        ApiRequest::new(Method::POST, "POST /public/v1/chat", "/public/v1/chat")
            .json(body)
            .retry(RetryClass::NotIdempotent)
            .scope(Some(scopes::CHAT_WRITE)),
    )
}

pub fn delete_chat_request(id: &MessageId) -> Result<ApiRequest> {
    let id = id.as_str();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(Error::validation("message id", "not a Kick message id"));
    }
    Ok(ApiRequest::new(
        Method::DELETE,
        "DELETE /public/v1/chat/{message_id}",
        format!("/public/v1/chat/{id}"),
    )
    .scope(Some(scopes::MODERATION_CHAT_MESSAGE_MANAGE)))
}

impl KickClient {
    /// Sends a chat message (needs `chat:write`).
    pub async fn send_chat(&self, m: &ChatSend) -> Result<ChatSent> {
        Ok(self.execute(send_chat_request(m)?).await?.data)
    }

    /// Deletes a chat message (needs `moderation:chat_message:manage`).
    pub async fn delete_chat_message(&self, id: &MessageId) -> Result<()> {
        self.execute_empty(delete_chat_request(id)?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_and_shapes_the_body() {
        let long = ChatSend {
            sender: ChatAs::Bot,
            content: "é".repeat(501),
            reply_to: None,
        };
        assert!(matches!(
            send_chat_request(&long),
            Err(Error::Validation { .. })
        ));
        let ok = ChatSend {
            sender: ChatAs::User {
                broadcaster: UserId(7),
            },
            content: " hi ".into(),
            reply_to: Some(MessageId::from("0b0f4a5e-1111-4c4c-9c9c-123456789abc")),
        };
        let r = send_chat_request(&ok).unwrap();
        assert_eq!(
            r.body.unwrap(),
            json!({"type":"user","broadcaster_user_id":7,"content":"hi",
                   "reply_to_message_id":"0b0f4a5e-1111-4c4c-9c9c-123456789abc"})
        );
        assert_eq!(r.retry, RetryClass::NotIdempotent);
        assert!(delete_chat_request(&MessageId::from("../users")).is_err());
    }
}
