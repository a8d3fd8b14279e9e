//! Pusher Channels protocol v7 frames and the close-code policy (PUSHER.md §2).

use crate::wire::{self, next, skip, Key, Lenient, Payload};
use serde::de::MapAccess;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::time::Duration;

/// One text frame: `{event, channel?, data}`. Server `data` is usually a
/// string holding JSON (double-encoded); `pusher:error` may carry an object.
/// `data` here is always decoded to a JSON value.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub event: String,
    pub channel: Option<String>,
    pub data: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    NotJson(String),
    NoEvent,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::NotJson(e) => write!(f, "frame is not JSON: {e}"),
            FrameError::NoEvent => f.write_str("frame has no event name"),
        }
    }
}

impl std::error::Error for FrameError {}

/// A text frame read without a `Value` tree: the names borrowed from the
/// text where they can be, `data` as it came (decoded when needed).
#[derive(Clone, Debug, PartialEq)]
pub struct RawFrame<'a> {
    pub event: Cow<'a, str>,
    pub channel: Option<Cow<'a, str>>,
    pub data: Payload<'a>,
}

/// The frame's object: the last `event`, `channel` and `data` (as a
/// `Value` map keeps the last of repeated keys), anything else checked and
/// dropped.
#[derive(Default)]
struct Fields<'a> {
    event: Option<Cow<'a, str>>,
    channel: Option<Cow<'a, str>>,
    data: Option<Payload<'a>>,
}

impl<'de> Lenient<'de> for Fields<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut f = Fields::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "event" => f.event = next(&mut map)?,
                "channel" => f.channel = next(&mut map)?,
                "data" => f.data = Some(map.next_value()?),
                _ => skip(&mut map)?,
            }
        }
        Ok(f)
    }
}

impl<'a> RawFrame<'a> {
    /// Parses a text frame: the same outcome as [`Frame::parse`], with
    /// `data` left as it came.
    pub fn parse(text: &'a str) -> Result<RawFrame<'a>, FrameError> {
        let f: Fields = wire::read(text).map_err(|e| FrameError::NotJson(e.to_string()))?;
        Ok(RawFrame {
            event: f.event.ok_or(FrameError::NoEvent)?,
            channel: f.channel,
            data: f.data.unwrap_or(Payload::Json(Value::Null)),
        })
    }

    /// The frame with its `data` decoded.
    pub fn into_frame(self) -> Frame {
        Frame {
            event: self.event.into_owned(),
            channel: self.channel.map(Cow::into_owned),
            data: self.data.into_value(),
        }
    }
}

impl Frame {
    /// Parses a text frame. A string `data` that is itself JSON is decoded;
    /// one that is not stays a string (as pusher-js does).
    pub fn parse(text: &str) -> Result<Frame, FrameError> {
        RawFrame::parse(text).map(RawFrame::into_frame)
    }

    /// `pusher:connection_established`: socket id and activity timeout.
    pub fn connection_established(&self) -> Option<(String, Duration)> {
        if self.event != "pusher:connection_established" {
            return None;
        }
        let id = self.data.get("socket_id")?.as_str()?.to_owned();
        let secs = self
            .data
            .get("activity_timeout")
            .and_then(Value::as_u64)
            .unwrap_or(120);
        Some((id, Duration::from_secs(secs)))
    }

    /// `pusher:error`: code (may be null) and message.
    pub fn error(&self) -> Option<(Option<u16>, String)> {
        if self.event != "pusher:error" {
            return None;
        }
        // A code that does not fit a close code is no code: `as u16` made
        // 69537 read as 4001, a terminal close.
        let code = self
            .data
            .get("code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok());
        let msg = self
            .data
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| self.data.as_str().map(str::to_owned))
            .unwrap_or_default();
        Some((code, msg))
    }
}

/// Client frames: `data` is a plain object (not a string).
pub fn subscribe(channel: &str) -> String {
    json!({"event": "pusher:subscribe", "data": {"auth": "", "channel": channel}}).to_string()
}

pub fn unsubscribe(channel: &str) -> String {
    json!({"event": "pusher:unsubscribe", "data": {"channel": channel}}).to_string()
}

pub fn ping() -> String {
    json!({"event": "pusher:ping", "data": {}}).to_string()
}

pub fn pong() -> String {
    json!({"event": "pusher:pong", "data": {}}).to_string()
}

/// What to do after the server closed the socket with `code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosePolicy {
    /// 4000–4099 (and unknown ≥ 4300): reconnecting unchanged fails again.
    Stop,
    /// 4100–4199: back off (≥ 1 s) and reconnect.
    Backoff,
    /// 4200–4299: reconnect at once.
    Immediately,
    /// WebSocket-level closes and drops: reconnect after a short jittered delay.
    Retry,
}

pub fn close_policy(code: Option<u16>) -> ClosePolicy {
    match code {
        Some(4000..=4099) => ClosePolicy::Stop,
        Some(4100..=4199) => ClosePolicy::Backoff,
        Some(4200..=4299) => ClosePolicy::Immediately,
        Some(4300..=4999) => ClosePolicy::Stop,
        _ => ClosePolicy::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_encoded_data_is_decoded() {
        let f = Frame::parse(
            r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"123456.7890123\",\"activity_timeout\":120}"}"#,
        )
        .unwrap();
        let (id, t) = f.connection_established().unwrap();
        assert_eq!(id, "123456.7890123");
        assert_eq!(t, Duration::from_secs(120));
    }

    #[test]
    fn error_data_may_be_an_object_or_a_string() {
        let f = Frame::parse(r#"{"event":"pusher:error","data":{"code":null,"message":"Bad"}}"#)
            .unwrap();
        assert_eq!(f.error(), Some((None, "Bad".into())));
        let f = Frame::parse(
            r#"{"event":"pusher:error","data":"{\"code\":4201,\"message\":\"Pong\"}"}"#,
        )
        .unwrap();
        assert_eq!(f.error(), Some((Some(4201), "Pong".into())));
        let f = Frame::parse(r#"{"event":"pusher:error","data":"plain words"}"#).unwrap();
        assert_eq!(f.error(), Some((None, "plain words".into())));
    }

    #[test]
    fn an_error_code_out_of_range_is_no_code() {
        // 69537 = 65536 + 4001: it must not become 4001 (a terminal close).
        let f = Frame::parse(r#"{"event":"pusher:error","data":{"code":69537,"message":"x"}}"#)
            .unwrap();
        assert_eq!(f.error(), Some((None, "x".into())));
        let f = Frame::parse(r#"{"event":"pusher:error","data":{"code":65535,"message":"x"}}"#)
            .unwrap();
        assert_eq!(f.error(), Some((Some(65535), "x".into())));
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        assert!(matches!(
            Frame::parse("{not json"),
            Err(FrameError::NotJson(_))
        ));
        assert_eq!(Frame::parse(r#"{"data":{}}"#), Err(FrameError::NoEvent));
    }

    #[test]
    fn client_frames_send_data_as_objects() {
        let v: Value = serde_json::from_str(&subscribe("chatrooms.1.v2")).unwrap();
        assert_eq!(v["data"]["channel"], "chatrooms.1.v2");
        assert_eq!(v["data"]["auth"], "");
        assert!(v["data"].is_object());
    }

    #[test]
    fn close_codes_follow_the_protocol() {
        assert_eq!(close_policy(Some(4001)), ClosePolicy::Stop);
        assert_eq!(close_policy(Some(4100)), ClosePolicy::Backoff);
        assert_eq!(close_policy(Some(4201)), ClosePolicy::Immediately);
        assert_eq!(close_policy(Some(4301)), ClosePolicy::Stop);
        assert_eq!(close_policy(Some(1006)), ClosePolicy::Retry);
        assert_eq!(close_policy(None), ClosePolicy::Retry);
    }
}
