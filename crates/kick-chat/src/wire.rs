//! Typed, borrowed decoding of the hot path: the outer Pusher frame, the
//! Centrifugo publication line and a `ChatMessageEvent`'s data, without
//! building a `serde_json::Value` tree for each event.
//!
//! Every decoder here answers exactly what the `Value` decoders answer
//! (`Frame::parse`'s reference, `centrifugo::parse_line`,
//! `ChatMessage::from_data`); the tests below check that:
//! - every value, known or not, is read with `deserialize_any`, as
//!   `Value` does, so the same texts fail (depth limit, numbers out of
//!   range) — serde's usual `IgnoredAny` skips without those checks;
//! - a repeated key takes its last value, as `Value`'s map does;
//! - a field of an unexpected type reads as absent where the `Value` code
//!   reads it with `as_str`/`as_u64` (never an error);
//! - what cannot be matched cheaply (badges sent as arrays) is an error
//!   the caller answers by taking the `Value` path.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// An event's `data` as it came: a string (usually JSON inside, decoded
/// only when needed) or any other JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload<'a> {
    Text(Cow<'a, str>),
    Json(Value),
}

impl Payload<'_> {
    /// The decoded value: a string that is JSON is parsed, one that is not
    /// stays a string (as pusher-js does); anything else as it is.
    pub fn into_value(self) -> Value {
        match self {
            Payload::Text(s) => {
                serde_json::from_str(&s).unwrap_or_else(|_| Value::String(s.into_owned()))
            }
            Payload::Json(v) => v,
        }
    }
}

impl<'de> Deserialize<'de> for Payload<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Payload<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Payload::Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Payload::Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(Payload::Text(Cow::Owned(s)))
            }
            fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
                Ok(Payload::Json(Value::Bool(b)))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
                Ok(Payload::Json(Value::from(n)))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
                Ok(Payload::Json(Value::from(n)))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
                Ok(Payload::Json(Value::from(n)))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Payload::Json(Value::Null))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Payload::Json(Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Payload::Json)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Payload::Json)
            }
        }
        d.deserialize_any(V)
    }
}

/// An object key, borrowed unless it had escapes.
pub(crate) struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A type read leniently from any JSON value: each kind of value has a
/// meaning or falls back to [`Lenient::other`] (by default "absent").
pub(crate) trait Lenient<'de>: Sized + Default {
    /// Any value without a meaning of its own here (null, booleans, ...).
    fn other() -> Self {
        Self::default()
    }
    fn null() -> Self {
        Self::other()
    }
    fn from_str(_s: Cow<'de, str>) -> Self {
        Self::other()
    }
    fn from_u64(_n: u64) -> Self {
        Self::other()
    }
    fn from_i64(_n: i64) -> Self {
        Self::other()
    }
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map.next_entry::<L<()>, L<()>>()?.is_some() {}
        Ok(Self::other())
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<L<()>>()?.is_some() {}
        Ok(Self::other())
    }
}

/// Reads a [`Lenient`] type with `deserialize_any`.
pub(crate) struct L<T>(pub T);

impl<'de, T: Lenient<'de>> Deserialize<'de> for L<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Lenient<'de>> Visitor<'de> for V<T> {
            type Value = L<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(L(T::from_str(Cow::Borrowed(s))))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(L(T::from_str(Cow::Owned(s.to_owned()))))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(L(T::from_str(Cow::Owned(s))))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
                Ok(L(T::from_u64(n)))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
                Ok(L(T::from_i64(n)))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(L(T::other()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(L(T::other()))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(L(T::null()))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(L(T::null()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                T::from_seq(seq).map(L)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::from_map(map).map(L)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Anything, read and dropped (checked as `Value` would check it).
impl Lenient<'_> for () {}

/// `as_str`: a string, or absent.
impl<'de> Lenient<'de> for Option<Cow<'de, str>> {
    fn from_str(s: Cow<'de, str>) -> Self {
        Some(s)
    }
}

/// `u64_of`: a non-negative integer or a decimal string, or absent.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct U64Of(pub Option<u64>);

impl<'de> Lenient<'de> for U64Of {
    fn from_u64(n: u64) -> Self {
        U64Of(Some(n))
    }
    fn from_i64(n: i64) -> Self {
        U64Of(u64::try_from(n).ok())
    }
    fn from_str(s: Cow<'de, str>) -> Self {
        U64Of(s.parse().ok())
    }
}

/// The next value of `map` read leniently.
pub(crate) fn next<'de, T: Lenient<'de>, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
    Ok(map.next_value::<L<T>>()?.0)
}

/// Skips the next value of `map`.
pub(crate) fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<L<()>>().map(|_| ())
}

/// Reads `text` (a whole JSON document) as a lenient `T`.
pub(crate) fn read<'de, T: Lenient<'de>>(text: &'de str) -> serde_json::Result<T> {
    serde_json::from_str::<L<T>>(text).map(|l| l.0)
}

/// The error that sends a decoder to the `Value` path.
pub(crate) fn use_value<E: de::Error>() -> E {
    E::custom("decoded through Value instead")
}

/// The typed decoders against the `Value` ones they replace, on edge cases,
/// the fuzz seeds and seeded random mutations of both.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::centrifugo::{parse_line, parse_line_value, parse_publication};
    use crate::event::{ChatEvent, ChatMessage, Kick};
    use crate::protocol::{Frame, FrameError, RawFrame};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use serde_json::json;

    /// `Frame::parse` as it was, through a `Value`.
    fn frame_by_value(text: &str) -> Result<Frame, FrameError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| FrameError::NotJson(e.to_string()))?;
        let event = v
            .get("event")
            .and_then(Value::as_str)
            .ok_or(FrameError::NoEvent)?
            .to_owned();
        let channel = v.get("channel").and_then(Value::as_str).map(str::to_owned);
        let data = match v.get("data") {
            Some(Value::String(s)) => {
                serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
            }
            Some(other) => other.clone(),
            None => Value::Null,
        };
        Ok(Frame {
            event,
            channel,
            data,
        })
    }

    const EVENTS: &[&str] = &[
        r"App\Events\ChatMessageEvent",
        "ChatMessageEvent",
        r"App\Events\ChatMessageSentEvent",
        "PinnedMessageCreatedEvent",
        "KicksGifted",
    ];

    /// A chat message's data text: the typed decode agrees with `from_data`,
    /// and so does the fast lane where it answers.
    fn check_message(text: &str) {
        let by_value = serde_json::from_str::<Value>(text);
        if let Some(m) = crate::fast::message(text) {
            let v = by_value
                .as_ref()
                .unwrap_or_else(|e| panic!("{text}: fast read broken JSON ({e})"));
            assert_eq!(Some(m), ChatMessage::from_data(v), "fast: {text}");
        }
        match (ChatMessage::from_json(text), &by_value) {
            (Ok(m), Ok(v)) => assert_eq!(m, ChatMessage::from_data(v), "{text}"),
            // Broken JSON; a syntax error here is one for `Value` too.
            (Err(e), Err(v)) => assert!(e.is_data() || e.classify() == v.classify(), "{text}: {e}"),
            // Left to the `Value` path (badges as arrays).
            (Err(e), Ok(_)) => assert!(e.is_data(), "{text}: {e}"),
            (Ok(m), Err(e)) => panic!("{text}: typed {m:?}, Value {e}"),
        }
        let payload = Payload::Text(Cow::Borrowed(text));
        for event in EVENTS {
            assert_eq!(
                ChatEvent::from_kick_payload(event, payload.clone()),
                ChatEvent::from_kick(event, &payload.clone().into_value()),
                "{event} {text}"
            );
        }
    }

    fn check_frame(text: &str) {
        let raw = RawFrame::parse(text);
        if let Some(f) = crate::fast::pusher_frame(text) {
            let r = raw
                .as_ref()
                .unwrap_or_else(|e| panic!("{text}: fast read what serde refused ({e})"));
            assert_eq!(f.name(), r.event, "{text}");
            assert_eq!(f.channel, r.channel.as_deref(), "{text}");
            let mut buf = String::new();
            let raw_data = f.data;
            let kick = f.kick(&mut buf);
            assert_eq!(
                kick,
                ChatEvent::from_kick_payload(&r.event, r.data.clone()),
                "{text}"
            );
            assert_eq!(
                Payload::Text(Cow::Owned(crate::fast::unescaped_for_tests(raw_data))),
                r.data,
                "{text}"
            );
        }
        let fast = raw.clone().map(RawFrame::into_frame);
        let slow = frame_by_value(text);
        match (&fast, &slow) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
            (Err(FrameError::NotJson(_)), Err(FrameError::NotJson(_))) => {}
            (a, b) => assert_eq!(a, b, "{text}"),
        }
        assert_eq!(Frame::parse(text), fast);
        if let (Ok(raw), Ok(f)) = (raw, slow) {
            assert_eq!(
                ChatEvent::from_kick_payload(&raw.event, raw.data),
                ChatEvent::from_kick(&f.event, &f.data),
                "{text}"
            );
        }
    }

    fn check_line(line: &str) {
        let slow = parse_line_value(line);
        assert_eq!(parse_line(line), slow, "{line}");
        if let Some(f) = crate::fast::publication(line) {
            let p = parse_publication(line)
                .unwrap_or_else(|| panic!("{line}: fast read what serde did not"));
            assert_eq!(f.name(), p.event, "{line}");
            assert_eq!(
                crate::centrifugo::RawAddress::Channel(Cow::Borrowed(f.channel.unwrap())),
                p.to,
                "{line}"
            );
            let mut buf = String::new();
            let raw_data = f.data;
            let kick = f.kick(&mut buf);
            assert_eq!(
                kick,
                ChatEvent::from_kick_payload(&p.event, p.data.clone()),
                "{line}"
            );
            assert_eq!(
                Payload::Text(Cow::Owned(crate::fast::unescaped_for_tests(raw_data))),
                p.data,
                "{line}"
            );
        }
        if let Some(p) = parse_publication(line) {
            let Ok(crate::centrifugo::Incoming::Push {
                body: crate::centrifugo::PushBody::Publication { event, data },
                ..
            }) = slow
            else {
                panic!("{line}: {slow:?}")
            };
            assert_eq!(
                ChatEvent::from_kick_payload(&p.event, p.data),
                ChatEvent::from_kick(&event, &data),
                "{line}"
            );
        }
    }

    /// One message's data carried every way: alone, in a Pusher frame, in a
    /// Centrifugo publication (data as a string and as an object).
    fn check_everywhere(data: &str) {
        check_message(data);
        // Still escaped, as it sits in a frame: as serde_json and as PHP
        // (Kick's servers) escape it.
        let serde_body = serde_json::to_string(data).unwrap();
        let php_body = crate::fast::php_string_body(data);
        for body in [&serde_body[1..serde_body.len() - 1], php_body.as_str()] {
            if let Some(m) = crate::fast::message_escaped(body) {
                let v = serde_json::from_str::<Value>(data)
                    .unwrap_or_else(|e| panic!("{data}: fast read broken JSON ({e})"));
                assert_eq!(Some(m), ChatMessage::from_data(&v), "escaped: {body}");
            }
            check_frame(&format!(
                r#"{{"event":"App\\Events\\ChatMessageEvent","channel":"chatrooms.1.v2","data":"{body}"}}"#
            ));
            check_line(&format!(
                r#"{{"push":{{"channel":"chatrooms.1.v2","pub":{{"data":{{"event":"App\\Events\\ChatMessageEvent","data":"{body}"}}}}}}}}"#
            ));
        }
        let s = serde_body;
        check_frame(&format!(
            r#"{{"event":"App\\Events\\ChatMessageEvent","channel":"chatrooms.1.v2","data":{s}}}"#
        ));
        check_frame(&format!(
            r#"{{"event":"App\\Events\\ChatMessageEvent","data":{data}}}"#
        ));
        check_line(&format!(
            r#"{{"push":{{"channel":"chatrooms.1.v2","pub":{{"data":{{"event":"App\\Events\\ChatMessageEvent","data":{s}}}}}}}}}"#
        ));
        check_line(&format!(
            r#"{{"push":{{"id":3,"pub":{{"data":{{"event":"ChatMessageEvent","data":{data}}}}}}}}}"#
        ));
    }

    const MESSAGE: &str = r##"{"id":"0b6f2c1e-5d3a","chatroom_id":4240,"content":"hi [emote:37227:LULW] \"q\" é","type":"reply","created_at":"2025-09-15T20:56:04+00:00","sender":{"id":5550123,"username":"SomeUser","slug":"someuser","identity":{"color":"#FF9D00","badges":[{"type":"moderator","text":"Moderator"},{"type":"subscriber","text":"Subscriber","count":10}]}},"metadata":{"original_sender":{"id":1,"username":"a"},"original_message":{"id":"m0","content":"question?"},"message_ref":"1757969000123"},"gift":{"amount":100}}"##;

    #[test]
    fn edge_cases_decode_as_through_a_value() {
        let cases = [
            MESSAGE,
            r#"{"id":"m","sender":{"id":"42"}}"#,
            r#"{"id":"m","sender":{"id":" 42"}}"#,
            r#"{"id":"m","sender":{"id":-1}}"#,
            r#"{"id":"m","sender":{"id":1.0}}"#,
            r#"{"id":"m","sender":{"id":1e3}}"#,
            r#"{"id":"m","sender":{"id":18446744073709551616}}"#,
            r#"{"id":"m","sender":null}"#,
            r#"{"id":"m","sender":[1]}"#,
            r#"{"id":5,"sender":{"id":1}}"#,
            r#"{"sender":{"id":1}}"#,
            r#"{"id":"m"}"#,
            r#"{"id":"m","sender":{"id":1},"content":null,"type":5,"created_at":7}"#,
            r#"{"id":"m","sender":{"id":1},"created_at":"2025-09-15 20:56:04"}"#,
            r#"{"id":"m","sender":{"id":1},"created_at":"2025-09-15T20:56:04.123456Z"}"#,
            r#"{"id":"m","sender":{"id":1},"created_at":"yesterday"}"#,
            r#"{"id":"m","sender":{"id":1,"identity":null}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":null,"color":5}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":{}}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":[{"type":"a","text":"A","count":null,"active":true}]}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":[{"type":"a"},{"type":5}]}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":[{"type":"a","count":"3"}]}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":[{"type":"a","count":-3}]}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":[{"type":"a","count":3.5}]}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":[{"type":null}]}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":[null]}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":["a"]}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":[["a","b",1]]}}}"#,
            r#"{"id":"m","sender":{"id":1,"identity":{"badges":[{"type":5,"type":"x"}]}}}"#,
            r#"{"id":"m","id":"n","sender":{"id":1},"sender":{"id":2}}"#,
            r#"{"id":"m","sender":{"id":1},"id":null}"#,
            r#"{"id":"m","sender":{"id":1},"metadata":"{\"original_message\":{}}"}"#,
            r#"{"id":"m","sender":{"id":1},"metadata":{"original_message":{"id":"o"}}}"#,
            r#"{"id":"m","sender":{"id":1},"metadata":{"original_message":{"id":"o","content":null}}}"#,
            r#"{"id":"m","sender":{"id":1},"metadata":{"original_message":{"id":1,"content":"c"}}}"#,
            r#"{"id":"m","sender":{"id":1},"metadata":{"celebration":{"type":"subscription_renewed","total_months":"7"}}}"#,
            r#"{"id":"m","sender":{"id":1},"metadata":{"celebration":{"total_months":7}}}"#,
            r#"{"id":"m","sender":{"id":1},"metadata":null,"gift":{"amount":"12"}}"#,
            r#"{"id":"m","sender":{"id":1},"gift":[1]}"#,
            r#"{"i\u0064":"m\n","sender":{"\u0069d":1,"username":"\ud83d\ude00"}}"#,
            r#"{"id":"m","sender":{"id":1},"x":1e999}"#,
            r#"{"id":"m","sender":{"id":1},"x":-0}"#,
            r#"{"id":"m","sender":{"id":1}} x"#,
            r#"{"id":"m","sender":{"id":1}"#,
            r#"{"id":"m","sender":{"id":1},"x":"\ud800"}"#,
            "[]",
            r#"["m",1]"#,
            r#""text""#,
            "null",
            "",
            "{broken",
        ];
        for c in cases {
            check_everywhere(c);
        }
        let deep = format!(
            r#"{{"id":"m","sender":{{"id":1}},"x":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        check_everywhere(&deep);
        for line in [
            "{}",
            r#"{"id":1,"connect":{"client":"c"}}"#,
            r#"{"push":{"channel":"","id":"3","pub":{"data":{"event":"E","data":"{}"}}}}"#,
            r#"{"push":{"channel":"","id":"x","pub":{"data":{"event":"E"}}}}"#,
            r#"{"push":{"channel":5,"pub":{"data":{"event":"E","data":[]}}}}"#,
            r#"{"push":{"channel":"c","pub":{"data":"{\"event\":\"E\",\"data\":\"[]\"}"}}}"#,
            r#"{"push":{"channel":"c","pub":{"data":{"event":7,"data":"{}"}}}}"#,
            r#"{"push":{"channel":"c","pub":[]}}"#,
            r#"{"push":{"channel":"c","pub":{"data":{"event":"E"}},"pub":5}}"#,
            r#"{"push":{"channel":"c","pub":5,"pub":{"data":{"event":"E"}}}}"#,
            r#"{"push":{"channel":"c","disconnect":{"code":3005}}}"#,
            r#"{"push":1,"push":{"channel":"c","pub":{"data":{"event":"E"}}}}"#,
            r#"{"push":{"channel":"c","pub":{"data":{"event":"E"}}},"x":1e999}"#,
            "[1]",
        ] {
            check_line(line);
        }
        for frame in [
            r#"{"event":"pusher:error","data":{"code":null,"message":"Bad"}}"#,
            r#"{"event":"pusher:error","data":"plain words"}"#,
            r#"{"event":"E","event":5}"#,
            r#"{"event":5,"event":"E","channel":"c","channel":null,"data":1.5}"#,
            r#"{"event":"E","data":-3}"#,
            r#"{"event":"E","data":[{"a":1e400}]}"#,
            r#"{"data":{}}"#,
            "[1]",
            "[1] x",
        ] {
            check_frame(frame);
        }
    }

    #[test]
    fn a_kick_shaped_message_is_read_in_full() {
        let m = ChatMessage::from_json(MESSAGE).unwrap().unwrap();
        assert_eq!(m.sender.badges.len(), 2);
        assert_eq!(m.reply_to, Some(("m0".into(), "question?".into())));
        assert_eq!(m.paid_amount, Some(100));
        assert!(m.created_at.is_some());
        let m = ChatMessage::from_json(
            r#"{"id":"m","sender":{"id":"42"},"content":null,"type":5,"identity":7}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (m.sender.id, m.content.as_str(), m.kind.as_str()),
            (42, "", "message")
        );
        // Badges that do not decode are no badges, not a lost message.
        let m = ChatMessage::from_json(
            r##"{"id":"m","sender":{"id":1,"identity":{"color":"#fff","badges":[{"type":"a"},{"count":"x"}]}}}"##,
        )
        .unwrap()
        .unwrap();
        assert!(m.sender.badges.is_empty());
        assert_eq!(m.sender.color, "#fff");
        assert_eq!(ChatMessage::from_json(r#"{"id":"m"}"#).unwrap(), None);
    }

    /// Replaces one value somewhere in `v` with an odd one.
    fn mutate(v: &mut Value, rng: &mut StdRng) {
        let odd = || -> Vec<Value> {
            vec![
                Value::Null,
                json!(5),
                json!(-5),
                json!(1.5),
                json!("7"),
                json!("x"),
                json!(true),
                json!([]),
                json!({}),
                json!([{"type": "a", "text": "b"}]),
                json!(["a", "b", 1]),
                json!({"id": "o", "content": null}),
                json!({"type": "t", "total_months": "3"}),
                json!("2025-09-15 20:56:04"),
            ]
        };
        let mut cur = v;
        loop {
            let keys: Vec<String> = match cur {
                Value::Object(o) if !o.is_empty() => o.keys().cloned().collect(),
                _ => break,
            };
            let k = &keys[rng.gen_range(0..keys.len())];
            if rng.gen_bool(0.4) {
                let choices = odd();
                cur[k.as_str()] = choices[rng.gen_range(0..choices.len())].clone();
                return;
            }
            if rng.gen_bool(0.1) {
                cur.as_object_mut().unwrap().remove(k.as_str());
                return;
            }
            cur = &mut cur[k.as_str()];
        }
        if let Value::Array(a) = cur {
            if !a.is_empty() {
                let choices = odd();
                let i = rng.gen_range(0..a.len());
                a[i] = choices[rng.gen_range(0..choices.len())].clone();
            }
        }
    }

    /// Seeds: the edge cases' kind of message, and the committed fuzz seeds
    /// of the chat targets when the fuzz folder is there.
    fn seeds() -> Vec<String> {
        let mut out = vec![MESSAGE.to_owned()];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
        for dir in ["chat_message", "pusher_frame", "centrifugo_frame"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for e in entries.flatten() {
                if let Ok(s) = std::fs::read_to_string(e.path()) {
                    out.push(s);
                }
            }
        }
        out
    }

    #[test]
    fn fuzz_seeds_and_mutations_decode_as_through_a_value() {
        let mut rng = StdRng::seed_from_u64(0x6b69636b);
        let seeds = seeds();
        for s in &seeds {
            check_message(s);
            check_frame(s);
            for line in s.split('\n').filter(|l| !l.trim().is_empty()) {
                check_line(line);
            }
        }
        // Message-shaped values, with odd values in odd places.
        let mut messages: Vec<Value> = vec![serde_json::from_str(MESSAGE).unwrap()];
        for s in &seeds {
            if let Ok(v) = serde_json::from_str::<Value>(s) {
                if v.get("id").is_some() && v.get("sender").is_some() {
                    messages.push(v);
                }
            }
        }
        for i in 0..2000 {
            let mut v = messages[i % messages.len()].clone();
            for _ in 0..rng.gen_range(1..4) {
                mutate(&mut v, &mut rng);
            }
            let text = v.to_string();
            check_everywhere(&text);
            // And byte-level damage.
            let mut chars: Vec<char> = text.chars().collect();
            let at = rng.gen_range(0..chars.len());
            match rng.gen_range(0..3) {
                0 => {
                    chars.remove(at);
                }
                1 => chars.insert(
                    at,
                    ['"', '{', '}', ',', ':', '[', '\\', '1'][rng.gen_range(0..8)],
                ),
                _ => chars.truncate(at),
            }
            check_everywhere(&chars.into_iter().collect::<String>());
        }
    }

    #[test]
    fn twins_are_not_decoded() {
        assert_eq!(
            ChatEvent::from_kick_payload(
                r"App\Events\ChatMessageSentEvent",
                Payload::Text(Cow::Borrowed("{broken"))
            ),
            Kick::Twin
        );
    }
}
