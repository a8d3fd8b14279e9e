//! Kick's answer shapes: `{data, message:"OK"}` envelopes, 204s, and the
//! error bodies of the API host (`{message, data:null}`) and the id host
//! (`{error}`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;

pub fn ok<T: Serialize>(data: T) -> Response {
    Json(json!({ "data": data, "message": "OK" })).into_response()
}

/// A v2 list page; `next_cursor` is `""` on the last page.
pub fn ok_paged<T: Serialize>(data: T, next_cursor: Option<String>) -> Response {
    Json(json!({
        "data": data,
        "message": "OK",
        "pagination": { "next_cursor": next_cursor.unwrap_or_default() }
    }))
    .into_response()
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// An API-host error: `{"message": ..., "data": null}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Invalid request")
    }
    pub fn bad_request_msg(m: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, m)
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized")
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, m)
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found")
    }
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "message": self.message, "data": null })),
        )
            .into_response()
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// An id-host error: `{"error": ...}` (optionally `error_description`).
#[derive(Debug)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: String,
    pub description: Option<String>,
}

impl OAuthError {
    /// Kick's documented failure: 400 `{"error":"Invalid request"}`.
    pub fn invalid_request() -> Self {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "Invalid request".into(),
            description: None,
        }
    }
    pub fn with(status: StatusCode, error: &str, description: &str) -> Self {
        OAuthError {
            status,
            error: error.into(),
            description: Some(description.into()),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = match self.description {
            Some(d) => json!({ "error": self.error, "error_description": d }),
            None => json!({ "error": self.error }),
        };
        (self.status, Json(body)).into_response()
    }
}
