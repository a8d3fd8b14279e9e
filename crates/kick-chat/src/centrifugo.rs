//! Centrifugo client protocol v2 in JSON, as Kick runs it (REALTIME.md §c):
//! commands, replies, pushes, `\n` batching both ways, and the error and
//! close-code policy. Sans-I/O: text in, values out.

use crate::wire::{self, next, skip, Key, Lenient, Payload, U64Of};
use serde::de::MapAccess;
use serde_json::{json, Value};
use std::borrow::Cow;

/// What a client sends. `id` > 0 and unique per connection.
pub fn connect(id: u64, token: &str) -> String {
    // `name: "js"` is what kick.com's own client sends (§c.3).
    json!({"connect": {"token": token, "name": "js"}, "id": id}).to_string()
}

/// `flag: 1` asks for channel compaction, as the web client does; Kick
/// answers `{}` (not negotiated), and pushes by numeric id are handled too.
pub fn subscribe(id: u64, channel: &str) -> String {
    json!({"subscribe": {"channel": channel, "flag": 1}, "id": id}).to_string()
}

pub fn unsubscribe(id: u64, channel: &str) -> String {
    json!({"unsubscribe": {"channel": channel}, "id": id}).to_string()
}

pub fn refresh(id: u64, token: &str) -> String {
    json!({"refresh": {"token": token}, "id": id}).to_string()
}

/// The answer to a server ping when the connect reply said `pong: true`.
pub const PONG: &str = "{}";

/// Several commands in one frame, one JSON object per line.
pub fn batch<S: AsRef<str>>(commands: &[S]) -> String {
    commands
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The connect reply's fields Kick sets (§c.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectResult {
    pub client: String,
    pub version: String,
    pub expires: bool,
    /// Seconds until the token expires.
    pub ttl: u64,
    /// Server ping interval, seconds (0 = none).
    pub ping: u64,
    /// Answer pings with `{}`.
    pub pong: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorReply {
    pub code: u32,
    pub message: String,
    pub temporary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyBody {
    Connect(ConnectResult),
    /// `compact_id` when the server negotiated channel compaction.
    Subscribe {
        compact_id: Option<u64>,
    },
    Unsubscribe,
    Refresh {
        expires: bool,
        ttl: u64,
    },
    Error(ErrorReply),
    /// A reply to a method this client never sends.
    Other(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum PushBody {
    /// `pub.data = {event, data}`; `data` decoded whether it came as a JSON
    /// string or an object (a string that is not JSON stays a string).
    Publication {
        event: String,
        data: Value,
    },
    /// A publication whose `pub.data` has no event name.
    Unnamed,
    Unsubscribe {
        code: u32,
        reason: String,
    },
    Disconnect {
        code: u16,
        reason: String,
    },
    /// `join`, `leave`, `message`, … (ignored).
    Other(String),
}

/// Where a push is addressed: a channel name, or a compaction id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    Channel(String),
    Compact(u64),
    None,
}

/// One server line.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// `{}`: a server ping.
    Ping,
    Reply {
        id: u64,
        body: ReplyBody,
    },
    Push {
        to: Address,
        body: PushBody,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError(pub String);

fn u64_of(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

/// Decodes an inner payload: a JSON string is parsed (kept as a string if it
/// is not JSON), anything else is taken as it is.
pub fn decode_data(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

/// Parses one line (one JSON object).
pub fn parse_line(line: &str) -> Result<Incoming, LineError> {
    match parse_publication(line) {
        Some(p) => Ok(Incoming::Push {
            to: match p.to {
                RawAddress::Channel(c) => Address::Channel(c.into_owned()),
                RawAddress::Compact(id) => Address::Compact(id),
                RawAddress::None => Address::None,
            },
            body: PushBody::Publication {
                event: p.event.into_owned(),
                data: p.data.into_value(),
            },
        }),
        None => parse_line_value(line),
    }
}

/// [`parse_line`] through a `Value` tree (what [`parse_publication`] does
/// not read).
pub(crate) fn parse_line_value(line: &str) -> Result<Incoming, LineError> {
    let v: Value = serde_json::from_str(line).map_err(|e| LineError(e.to_string()))?;
    let obj = v
        .as_object()
        .ok_or_else(|| LineError("not an object".into()))?;
    if obj.is_empty() {
        return Ok(Incoming::Ping);
    }
    if let Some(push) = obj.get("push") {
        let to = match (push.get("channel").and_then(Value::as_str), push.get("id")) {
            (Some(c), _) if !c.is_empty() => Address::Channel(c.to_owned()),
            (_, Some(id)) => u64_of(id).map(Address::Compact).unwrap_or(Address::None),
            _ => Address::None,
        };
        let body = if let Some(p) = push.get("pub") {
            // `pub.data` is `{event, data}`; one client also meets it as a
            // JSON string (defensive, §c.5).
            let d = decode_data(p.get("data").unwrap_or(&Value::Null));
            match d.get("event").and_then(Value::as_str) {
                Some(event) => PushBody::Publication {
                    event: event.to_owned(),
                    data: decode_data(d.get("data").unwrap_or(&Value::Null)),
                },
                None => PushBody::Unnamed,
            }
        } else if let Some(u) = push.get("unsubscribe") {
            PushBody::Unsubscribe {
                code: u.get("code").and_then(u64_of).unwrap_or(0) as u32,
                reason: u
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            }
        } else if let Some(d) = push.get("disconnect") {
            PushBody::Disconnect {
                code: d
                    .get("code")
                    .and_then(u64_of)
                    .unwrap_or(0)
                    .min(u16::MAX as u64) as u16,
                reason: d
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            }
        } else {
            PushBody::Other(
                push.as_object()
                    .and_then(|o| o.keys().find(|k| *k != "channel" && *k != "id").cloned())
                    .unwrap_or_default(),
            )
        };
        return Ok(Incoming::Push { to, body });
    }
    let id = obj
        .get("id")
        .and_then(u64_of)
        .filter(|id| *id > 0)
        .ok_or_else(|| LineError("neither a push, a ping nor a reply".into()))?;
    let body = if let Some(e) = obj.get("error") {
        ReplyBody::Error(ErrorReply {
            code: e.get("code").and_then(u64_of).unwrap_or(0) as u32,
            message: e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            temporary: e.get("temporary").and_then(Value::as_bool).unwrap_or(false),
        })
    } else if let Some(c) = obj.get("connect") {
        ReplyBody::Connect(ConnectResult {
            client: c
                .get("client")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            version: c
                .get("version")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            // One capture has `ttl` without `expires` (§c.3): a ttl expires.
            expires: c
                .get("expires")
                .and_then(Value::as_bool)
                .unwrap_or_else(|| c.get("ttl").and_then(u64_of).is_some_and(|t| t > 0)),
            ttl: c.get("ttl").and_then(u64_of).unwrap_or(0),
            ping: c.get("ping").and_then(u64_of).unwrap_or(0),
            pong: c.get("pong").and_then(Value::as_bool).unwrap_or(false),
        })
    } else if let Some(s) = obj.get("subscribe") {
        ReplyBody::Subscribe {
            compact_id: s.get("id").and_then(u64_of),
        }
    } else if obj.contains_key("unsubscribe") {
        ReplyBody::Unsubscribe
    } else if let Some(r) = obj.get("refresh") {
        ReplyBody::Refresh {
            expires: r
                .get("expires")
                .and_then(Value::as_bool)
                .unwrap_or_else(|| r.get("ttl").and_then(u64_of).is_some_and(|t| t > 0)),
            ttl: r.get("ttl").and_then(u64_of).unwrap_or(0),
        }
    } else {
        ReplyBody::Other(obj.keys().find(|k| *k != "id").cloned().unwrap_or_default())
    };
    Ok(Incoming::Reply { id, body })
}

/// Where a publication is addressed, borrowed from its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawAddress<'a> {
    Channel(Cow<'a, str>),
    Compact(u64),
    None,
}

/// A publication read without a `Value` tree: `data` as it came.
#[derive(Clone, Debug, PartialEq)]
pub struct Publication<'a> {
    pub to: RawAddress<'a>,
    pub event: Cow<'a, str>,
    pub data: Payload<'a>,
}

/// The line's object: only `push` matters here (the last one, as a `Value`
/// map keeps the last of repeated keys).
#[derive(Default)]
struct Line<'a> {
    push: Option<Push<'a>>,
}

#[derive(Default)]
struct Push<'a> {
    channel: Option<Cow<'a, str>>,
    /// Present (then `u64_of`) or not.
    id: Option<U64Of>,
    /// Present (then `pub.data` as an envelope) or not.
    publication: Option<Envelope<'a>>,
}

/// `pub.data` when it is an object: `{event, data}`.
#[derive(Default)]
struct Envelope<'a> {
    /// `pub` was an object whose `data` was an object.
    object: bool,
    event: Option<Cow<'a, str>>,
    data: Option<Payload<'a>>,
}

/// `pub`: its `data`, the envelope.
#[derive(Default)]
struct Pub<'a>(Envelope<'a>);

impl<'de> Lenient<'de> for Line<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut l = Line::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "push" => l.push = Some(next(&mut map)?),
                _ => skip(&mut map)?,
            }
        }
        Ok(l)
    }
}

impl<'de> Lenient<'de> for Push<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut p = Push::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "channel" => p.channel = next(&mut map)?,
                "id" => p.id = Some(next(&mut map)?),
                "pub" => p.publication = Some(next::<Pub, _>(&mut map)?.0),
                _ => skip(&mut map)?,
            }
        }
        Ok(p)
    }
}

impl<'de> Lenient<'de> for Pub<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut p = Pub::default();
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "data" => p.0 = next(&mut map)?,
                _ => skip(&mut map)?,
            }
        }
        Ok(p)
    }
}

impl<'de> Lenient<'de> for Envelope<'de> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut e = Envelope {
            object: true,
            ..Envelope::default()
        };
        while let Some(Key(k)) = map.next_key()? {
            match &*k {
                "event" => e.event = next(&mut map)?,
                "data" => e.data = Some(map.next_value()?),
                _ => skip(&mut map)?,
            }
        }
        Ok(e)
    }
}

/// The hot line, a publication with `pub.data` an object, read without a
/// `Value` tree. `None` for anything else (pings, replies, other pushes, a
/// `pub.data` sent as a string, broken lines): [`parse_line`] reads those.
/// When `Some`, [`parse_line`] answers the same publication, with
/// `data.into_value()` as its data.
pub fn parse_publication(line: &str) -> Option<Publication<'_>> {
    let push = wire::read::<Line>(line).ok()?.push?;
    let env = push.publication?;
    if !env.object {
        return None;
    }
    let to = match (push.channel, push.id) {
        (Some(c), _) if !c.is_empty() => RawAddress::Channel(c),
        (_, Some(U64Of(Some(id)))) => RawAddress::Compact(id),
        _ => RawAddress::None,
    };
    Some(Publication {
        to,
        event: env.event?,
        data: env.data.unwrap_or(Payload::Json(Value::Null)),
    })
}

/// Splits a frame on `\n`, skips empty lines, parses each line on its own
/// (a broken line does not spoil the others).
pub fn parse_frame(text: &str) -> Vec<Result<Incoming, LineError>> {
    frame_lines(text).map(parse_line).collect()
}

/// The lines of a frame (a server may batch several, `\n`-separated),
/// blank ones skipped.
pub fn frame_lines(text: &str) -> impl Iterator<Item = &str> {
    // `split('\n')` with a SIMD search: core's byte search was 4 % of the
    // client in a Centrifugo flood.
    let mut rest = Some(text);
    std::iter::from_fn(move || loop {
        let t = rest?;
        let line = match memchr::memchr(b'\n', t.as_bytes()) {
            // Cut at an ASCII byte: on a char boundary.
            Some(i) => {
                rest = Some(&t[i + 1..]);
                &t[..i]
            }
            None => {
                rest = None;
                t
            }
        };
        if !line.trim().is_empty() {
            return Some(line);
        }
    })
}

/// What a close code (frame or `disconnect` push) asks of the client
/// (Centrifuge's rule, §c.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseAction {
    /// 3000–3499, 4000–4499, ≥ 5000: reconnect with backoff (a fresh token
    /// comes with every reconnect, which covers 3005 "expired" and 3014).
    Reconnect,
    /// 3500–3999, 4500–4999 (and 1009 "message too big"): reconnecting the
    /// same way fails again; come back much later as a new client.
    Terminal,
    /// Transport-level (1000, 1001, 1006, no code): reconnect with backoff.
    Transport,
}

pub fn close_action(code: Option<u16>) -> CloseAction {
    match code {
        Some(3500..=3999) | Some(4500..=4999) | Some(1009) => CloseAction::Terminal,
        Some(3000..=3499) | Some(4000..=4499) => CloseAction::Reconnect,
        Some(c) if c >= 5000 => CloseAction::Reconnect,
        _ => CloseAction::Transport,
    }
}

/// What an error reply to `connect` asks (centrifuge-js rule, §c.8):
/// `code < 100`, temporary or 109 "token expired" → reconnect (with a new
/// token); anything else → terminal.
pub fn connect_error_action(e: &ErrorReply) -> CloseAction {
    if e.code < 100 || e.temporary || e.code == 109 || e.code == 110 {
        CloseAction::Reconnect
    } else {
        CloseAction::Terminal
    }
}

/// What an error reply to `subscribe` asks (§c.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscribeAction {
    /// 105: already subscribed; it is ours.
    Joined,
    /// `code < 100`, temporary (111) or 109: subscribe again later.
    RetryLater,
    /// 102, 103, 106, …: leave the channel unsubscribed.
    Leave,
}

pub fn subscribe_error_action(e: &ErrorReply) -> SubscribeAction {
    if e.code == 105 {
        SubscribeAction::Joined
    } else if e.code < 100 || e.temporary || e.code == 109 {
        SubscribeAction::RetryLater
    } else {
        SubscribeAction::Leave
    }
}

/// An `unsubscribe` push: 2000 = stay unsubscribed; ≥ 2500 = subscribe again.
pub fn resubscribe_after_unsubscribe(code: u32) -> bool {
    code >= 2500
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_json_objects_with_ids() {
        let v: Value = serde_json::from_str(&connect(1, "tok")).unwrap();
        assert_eq!(v["id"], 1);
        assert_eq!(v["connect"]["token"], "tok");
        assert_eq!(v["connect"]["name"], "js");
        let b = batch(&[subscribe(2, "a"), subscribe(3, "b")]);
        assert_eq!(b.lines().count(), 2);
        let v: Value = serde_json::from_str(b.lines().nth(1).unwrap()).unwrap();
        assert_eq!(v["subscribe"]["channel"], "b");
        assert_eq!(v["subscribe"]["flag"], 1);
        let v: Value = serde_json::from_str(&refresh(9, "t2")).unwrap();
        assert_eq!(v["refresh"]["token"], "t2");
    }

    #[test]
    fn lines_are_split_at_newlines_and_blank_ones_dropped() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "\na",
            "a\n\n \t\nb",
            " a \nb\n\n",
            "é\nü\n",
        ] {
            let want: Vec<&str> = text.split('\n').filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(frame_lines(text).collect::<Vec<_>>(), want, "{text:?}");
        }
    }

    #[test]
    fn a_frame_with_a_reply_a_push_and_a_ping() {
        let frame = concat!(
            r#"{"id":1,"connect":{"client":"c1","version":"6.9.6 PRO","expires":true,"ttl":2699,"ping":25,"pong":true}}"#,
            "\n",
            r#"{"push":{"channel":"chatrooms.1.v2","pub":{"data":{"event":"App\\Events\\ChatMessageEvent","data":"{\"id\":\"m1\"}"}}}}"#,
            "\n\n{}\n"
        );
        let got: Vec<_> = parse_frame(frame).into_iter().map(Result::unwrap).collect();
        assert_eq!(got.len(), 3);
        match &got[0] {
            Incoming::Reply {
                id: 1,
                body: ReplyBody::Connect(c),
            } => {
                assert_eq!((c.ttl, c.ping, c.pong, c.expires), (2699, 25, true, true));
            }
            other => panic!("{other:?}"),
        }
        match &got[1] {
            Incoming::Push {
                to: Address::Channel(c),
                body: PushBody::Publication { event, data },
            } => {
                assert_eq!(c, "chatrooms.1.v2");
                assert_eq!(event, r"App\Events\ChatMessageEvent");
                assert_eq!(data["id"], "m1");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(got[2], Incoming::Ping);
    }

    #[test]
    fn a_ttl_expires_with_or_without_the_expires_flag() {
        // Both observed connect replies (§c.3), and a refresh reply.
        for (line, ttl, expires) in [
            (
                r#"{"id":1,"connect":{"client":"c","version":"6.9.2 PRO","ttl":2699,"ping":25}}"#,
                2699,
                true,
            ),
            (
                r#"{"id":1,"connect":{"client":"c","expires":true,"ttl":2699,"ping":25,"pong":true}}"#,
                2699,
                true,
            ),
            (r#"{"id":1,"connect":{"client":"c","ping":25}}"#, 0, false),
            (
                r#"{"id":1,"connect":{"client":"c","expires":false,"ttl":0}}"#,
                0,
                false,
            ),
        ] {
            match &parse_frame(line)[0] {
                Ok(Incoming::Reply {
                    body: ReplyBody::Connect(c),
                    ..
                }) => {
                    assert_eq!((c.ttl, c.expires), (ttl, expires), "{line}");
                }
                other => panic!("{other:?}"),
            }
        }
        match &parse_frame(r#"{"id":4,"refresh":{"ttl":2699}}"#)[0] {
            Ok(Incoming::Reply { body, .. }) => {
                assert_eq!(
                    *body,
                    ReplyBody::Refresh {
                        expires: true,
                        ttl: 2699
                    }
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn inner_data_may_be_an_object_a_string_or_not_json() {
        let obj = r#"{"push":{"channel":"c","pub":{"data":{"event":"E","data":{"id":"x"}}}}}"#;
        let s = r#"{"push":{"channel":"c","pub":{"data":{"event":"E","data":"plain words"}}}}"#;
        let whole =
            r#"{"push":{"channel":"c","pub":{"data":"{\"event\":\"E\",\"data\":\"[]\"}"}}}"#;
        let data = |l: &str| match parse_line(l).unwrap() {
            Incoming::Push {
                body: PushBody::Publication { data, .. },
                ..
            } => data,
            other => panic!("{other:?}"),
        };
        assert_eq!(data(obj)["id"], "x");
        assert_eq!(data(s), Value::String("plain words".into()));
        assert_eq!(data(whole), json!([]));
    }

    #[test]
    fn compaction_pushes_carry_an_id_instead_of_the_channel() {
        match parse_line(r#"{"push":{"id":3,"pub":{"data":{"event":"E","data":"{}"}}}}"#).unwrap() {
            Incoming::Push {
                to: Address::Compact(3),
                ..
            } => {}
            other => panic!("{other:?}"),
        }
        match parse_line(r#"{"id":4,"subscribe":{"id":3}}"#).unwrap() {
            Incoming::Reply {
                id: 4,
                body:
                    ReplyBody::Subscribe {
                        compact_id: Some(3),
                    },
            } => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_unsubscribes_and_disconnects() {
        let l = r#"{"id":1,"error":{"code":109,"message":"token expired"}}"#;
        let Incoming::Reply {
            body: ReplyBody::Error(e),
            ..
        } = parse_line(l).unwrap()
        else {
            panic!()
        };
        assert_eq!(connect_error_action(&e), CloseAction::Reconnect);
        let e101 = ErrorReply {
            code: 101,
            message: "unauthorized".into(),
            temporary: false,
        };
        assert_eq!(connect_error_action(&e101), CloseAction::Terminal);
        let mut e111 = e101.clone();
        e111.code = 111;
        e111.temporary = true;
        assert_eq!(subscribe_error_action(&e111), SubscribeAction::RetryLater);
        e111.code = 103;
        e111.temporary = false;
        assert_eq!(subscribe_error_action(&e111), SubscribeAction::Leave);
        e111.code = 105;
        assert_eq!(subscribe_error_action(&e111), SubscribeAction::Joined);
        match parse_line(r#"{"push":{"disconnect":{"code":3005,"reason":"connection expired"}}}"#)
            .unwrap()
        {
            Incoming::Push {
                body: PushBody::Disconnect { code: 3005, .. },
                ..
            } => {}
            other => panic!("{other:?}"),
        }
        match parse_line(
            r#"{"push":{"channel":"c","unsubscribe":{"code":2500,"reason":"insufficient state"}}}"#,
        )
        .unwrap()
        {
            Incoming::Push {
                body: PushBody::Unsubscribe { code, .. },
                ..
            } => assert!(resubscribe_after_unsubscribe(code)),
            other => panic!("{other:?}"),
        }
        assert!(!resubscribe_after_unsubscribe(2000));
    }

    #[test]
    fn broken_lines_are_errors_and_do_not_spoil_the_frame() {
        let r = parse_frame("{}\n{\"push\":{\"channel\":\n[]\n{\"id\":0}");
        assert_eq!(r.len(), 4);
        assert_eq!(r[0], Ok(Incoming::Ping));
        assert!(r[1].is_err() && r[2].is_err() && r[3].is_err());
    }

    #[test]
    fn close_codes_follow_centrifuge() {
        for c in [3000, 3001, 3005, 3008, 3011, 3012, 3014, 4000, 4499, 5000] {
            assert_eq!(close_action(Some(c)), CloseAction::Reconnect, "{c}");
        }
        for c in [3500, 3501, 3502, 3504, 3505, 3999, 4500, 4999, 1009] {
            assert_eq!(close_action(Some(c)), CloseAction::Terminal, "{c}");
        }
        for c in [Some(1000), Some(1001), Some(1006), None] {
            assert_eq!(close_action(c), CloseAction::Transport, "{c:?}");
        }
    }
}
