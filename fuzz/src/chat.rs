//! Targets for `kick-chat`: the Pusher frame decoder, the Centrifugo line
//! decoder, the typed Kick events behind both, and the chat message and
//! emote parser.

use kick_chat::centrifugo::{self as cf, Address, Incoming, PushBody, ReplyBody};
use kick_chat::event::{ChatEvent, ChatMessage, GiftChunk, Kick, Span};
use kick_chat::filter::{Filter, Verdict, GATHER};
use kick_chat::protocol::{close_policy, Frame, FrameError};
use serde_json::{json, Value};
use std::time::Instant;

/// `Frame::parse` on one text frame (tungstenite hands text frames over as
/// UTF-8, so other bytes never reach it), then the event behind it.
///
/// Asserts: parse agrees with a plain JSON parse (an error exactly when the
/// text is not JSON or has no string `event`); `event`, `channel` and the
/// (double-)decoded `data` are the frame's; the connection and error
/// accessors answer only for their event and report the values sent (an
/// out-of-range error code is `None`, never a different code); plus every
/// property of [`check_kick_event`].
pub fn pusher_frame(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let raw = serde_json::from_str::<Value>(text);
    let frame = match (Frame::parse(text), raw) {
        (Ok(f), Ok(v)) => {
            assert_eq!(Some(f.event.as_str()), v["event"].as_str());
            assert_eq!(f.channel.as_deref(), v["channel"].as_str());
            let want = match v.get("data") {
                Some(Value::String(s)) => {
                    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
                }
                Some(other) => other.clone(),
                None => Value::Null,
            };
            assert_eq!(f.data, want);
            f
        }
        (Err(FrameError::NotJson(_)), Err(_)) => return,
        (Err(FrameError::NoEvent), Ok(v)) => {
            assert!(v.get("event").and_then(Value::as_str).is_none());
            return;
        }
        (got, raw) => panic!("Frame::parse {got:?} disagrees with serde_json {raw:?}"),
    };

    match frame.connection_established() {
        Some((id, timeout)) => {
            assert_eq!(frame.event, "pusher:connection_established");
            assert_eq!(Some(id.as_str()), frame.data["socket_id"].as_str());
            let secs = frame.data["activity_timeout"].as_u64().unwrap_or(120);
            assert_eq!(timeout.as_secs(), secs);
        }
        None => assert!(
            frame.event != "pusher:connection_established"
                || frame.data["socket_id"].as_str().is_none()
        ),
    }
    match frame.error() {
        Some((code, _msg)) => {
            assert_eq!(frame.event, "pusher:error");
            // The code reported is the code sent, or none: a code that does
            // not fit a close code must not turn into another one.
            if let Some(c) = code {
                assert_eq!(Some(c as u64), frame.data["code"].as_u64());
            }
            let _ = close_policy(code);
        }
        None => assert_ne!(frame.event, "pusher:error"),
    }

    let kick = ChatEvent::from_kick(&frame.event, &frame.data);
    let typed = match &kick {
        Kick::Event(e) => Some(e.clone()),
        _ => None,
    };
    assert_eq!(ChatEvent::from_frame(&frame), typed);
    // The fast lane (kick_chat::fast), where it answers, answers the same.
    if let Some(e) = kick_chat::fast::pusher_frame(text) {
        assert_eq!(e.name(), frame.event);
        assert_eq!(e.channel, frame.channel.as_deref());
        assert_eq!(e.kick(&mut String::new()), kick);
    }
    check_kick_event(&frame.event, &frame.data, kick);
}

/// Centrifugo server frames: `\n`-separated JSON lines.
///
/// Asserts: one result per non-blank line, each the same as parsing that
/// line alone (a broken line spoils nothing else); an empty object is a
/// ping and nothing else is; replies carry an id > 0; a disconnect code
/// saturates instead of wrapping; a publication's event and data are what
/// `pub.data` held, whether it came as an object or as a JSON string; and
/// the same Kick event carried over Pusher decodes to the same typed event
/// (the transport must not change what the streamer sees), plus every
/// property of [`check_kick_event`].
pub fn centrifugo_frame(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<&str> = text.split('\n').filter(|l| !l.trim().is_empty()).collect();
    let results = cf::parse_frame(text);
    assert_eq!(results.len(), lines.len());
    for (line, result) in lines.iter().zip(results) {
        assert_eq!(result, cf::parse_line(line));
        let fast = kick_chat::fast::publication(line);
        let Ok(incoming) = result else {
            assert!(fast.is_none(), "the fast lane read a line serde refused");
            continue;
        };
        if let Some(e) = fast {
            let Incoming::Push {
                to: Address::Channel(c),
                body: PushBody::Publication { event, data },
            } = &incoming
            else {
                panic!("the fast lane read a publication serde did not: {incoming:?}");
            };
            assert_eq!(Some(c.as_str()), e.channel);
            assert_eq!(e.name(), event.as_str());
            assert_eq!(
                e.kick(&mut String::new()),
                ChatEvent::from_kick(event, data)
            );
        }
        let v: Value = serde_json::from_str(line).expect("a parsed line is JSON");
        let obj = v.as_object().expect("a parsed line is an object");
        assert_eq!(obj.is_empty(), incoming == Incoming::Ping);
        match incoming {
            Incoming::Ping => assert!(obj.is_empty()),
            Incoming::Reply { id, body } => {
                assert!(id > 0);
                assert!(!obj.contains_key("push"));
                if let ReplyBody::Error(e) = &body {
                    let _ = cf::connect_error_action(e);
                    let _ = cf::subscribe_error_action(e);
                }
            }
            Incoming::Push { to, body } => {
                let push = &obj["push"];
                match &to {
                    Address::Channel(c) => {
                        assert!(!c.is_empty());
                        assert_eq!(Some(c.as_str()), push["channel"].as_str());
                    }
                    Address::Compact(_) | Address::None => {}
                }
                match body {
                    PushBody::Publication { event, data } => {
                        let d = cf::decode_data(&push["pub"]["data"]);
                        assert_eq!(Some(event.as_str()), d["event"].as_str());
                        assert_eq!(data, cf::decode_data(&d["data"]));
                        same_over_pusher(&to, &event, &data);
                        let kick = ChatEvent::from_kick(&event, &data);
                        check_kick_event(&event, &data, kick);
                    }
                    PushBody::Disconnect { code, .. } => {
                        let sent = push["disconnect"]["code"].as_u64();
                        if let Some(sent) = sent {
                            assert_eq!(code as u64, sent.min(u16::MAX as u64));
                        }
                        let _ = cf::close_action(Some(code));
                    }
                    PushBody::Unsubscribe { code, .. } => {
                        let _ = cf::resubscribe_after_unsubscribe(code);
                    }
                    PushBody::Unnamed | PushBody::Other(_) => {}
                }
            }
        }
    }
}

/// The Pusher frame Kick would send for the same event decodes to the same
/// thing as the Centrifugo publication.
fn same_over_pusher(to: &Address, event: &str, data: &Value) {
    let channel = match to {
        Address::Channel(c) => c.clone(),
        _ => "chatrooms.1.v2".to_owned(),
    };
    let text = json!({
        "event": event,
        "channel": channel,
        "data": serde_json::to_string(data).expect("a Value serialises"),
    })
    .to_string();
    let frame = Frame::parse(&text).expect("a frame built from a publication parses");
    assert_eq!(frame.event, event);
    // Exact with serde_json's `float_roundtrip` (on in this crate).
    assert_eq!(&frame.data, data);
    assert_eq!(
        ChatEvent::from_kick(&frame.event, &frame.data),
        ChatEvent::from_kick(event, data)
    );
}

/// What a Kick event (name + decoded data) must satisfy, whatever carried it:
/// - the name matches on the part after the last `\` (prefixed and bare
///   names are the same event);
/// - chat messages keep their markup (see [`check_spans`]) and their id;
/// - every typed event serialises for the UI;
/// - through the dedupe filter, an event with an id (or a pin or unpin) is
///   delivered once and a repeat is a duplicate; a gift is delivered (or held, then flushed) once,
///   and its twin is a duplicate.
pub fn check_kick_event(event: &str, data: &Value, kick: Kick) {
    let bare = event.rsplit('\\').next().unwrap_or_default();
    assert_eq!(ChatEvent::from_kick(bare, data), kick);
    assert_eq!(
        ChatEvent::from_kick(&format!(r"App\Events\{bare}"), data),
        kick
    );
    let mut filter = Filter::new(16);
    match kick {
        Kick::Event(ev) => {
            serde_json::to_string(&ev).expect("a typed event serialises");
            match &ev {
                ChatEvent::Message(m) => {
                    assert_eq!(Some(m.id.as_str()), data["id"].as_str());
                    check_message(m);
                }
                ChatEvent::Pinned {
                    message: Some(m), ..
                } => check_message(m),
                _ => {}
            }
            // Events with Kick's id, and a pin or unpin (it comes on two
            // channels: the same change again at once is its twin).
            let keyed = matches!(
                ev,
                ChatEvent::Message(_)
                    | ChatEvent::KicksGifted { .. }
                    | ChatEvent::MessageDeleted { .. }
                    | ChatEvent::RewardRedeemed {
                        redemption_id: Some(_),
                        ..
                    }
                    | ChatEvent::Pinned { .. }
                    | ChatEvent::Unpinned
            );
            assert_eq!(filter.event(ev.clone()), Verdict::Deliver(ev.clone()));
            let again = filter.event(ev.clone());
            if keyed {
                assert_eq!(again, Verdict::Duplicate);
            } else {
                assert_eq!(again, Verdict::Deliver(ev));
            }
        }
        Kick::Gift(g) => check_gift(&mut filter, g),
        Kick::Twin | Kick::Ignored | Kick::Invalid | Kick::Unknown => {}
    }
}

fn check_gift(filter: &mut Filter, g: GiftChunk) {
    let now = Instant::now();
    let first = filter.gift(g.clone(), now);
    let delivered = match first {
        Verdict::Deliver(ev) => Some(ev),
        Verdict::Pending => {
            assert!(g.chunk.as_ref().is_some_and(|(_, _, total)| *total > 1));
            assert!(filter.flush(now).is_empty());
            None
        }
        Verdict::Duplicate => panic!("the first gift is a duplicate: {g:?}"),
    };
    // The twin (the other event name, or the same chunk again) counts once.
    assert_eq!(filter.gift(g.clone(), now), Verdict::Duplicate);
    let flushed = filter.flush(now + GATHER);
    let gift = match delivered {
        Some(ev) => {
            assert!(flushed.is_empty());
            ev
        }
        None => {
            assert_eq!(flushed.len(), 1, "a held gift is flushed once");
            flushed.into_iter().next().unwrap()
        }
    };
    match gift {
        ChatEvent::GiftedSubscriptions {
            gift_id,
            gifter,
            recipients,
            ..
        } => {
            assert_eq!(gifter, g.gifter);
            assert_eq!(gift_id, g.chunk.map(|(c, _, _)| c));
            assert_eq!(recipients, g.recipients);
        }
        other => panic!("a gift became {other:?}"),
    }
    assert!(filter.flush(now + GATHER * 2).is_empty());
}

fn check_message(m: &ChatMessage) {
    check_spans(&m.content, &m.spans);
    serde_json::to_string(m).expect("a message serialises");
}

/// `parse_emotes`' contract: the spans, with emotes written back as
/// `[emote:ID:NAME]`, reproduce the text exactly (so with no emote matched,
/// the text spans alone reproduce it); no text span is empty and no two are
/// adjacent; an emote has a non-empty all-digit id and a non-empty name
/// without `]`.
pub fn check_spans(content: &str, spans: &[Span]) {
    let mut back = String::with_capacity(content.len());
    let mut previous_text = false;
    for s in spans {
        match s {
            Span::Text { text } => {
                assert!(!text.is_empty(), "empty text span in {spans:?}");
                assert!(!previous_text, "adjacent text spans in {spans:?}");
                previous_text = true;
                back.push_str(text);
            }
            Span::Emote { id, name } => {
                assert!(!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
                assert!(!name.is_empty() && !name.contains(']'));
                previous_text = false;
                back.push_str("[emote:");
                back.push_str(id);
                back.push(':');
                back.push_str(name);
                back.push(']');
            }
        }
    }
    assert_eq!(back, content);
    if !spans.iter().any(|s| matches!(s, Span::Emote { .. })) {
        assert!(spans.len() <= 1);
    }
}

/// The chat message and emote parser. The input is used twice: as message
/// text for `parse_emotes`, and (when it is JSON) as a ChatMessageEvent's
/// `data` for `ChatMessage::from_data`.
///
/// Asserts: the span properties of [`check_spans`]; `from_data` is `Some`
/// exactly when `id` is a string and `sender.id` a number (or a decimal
/// string), and then keeps id, sender id and content as sent and parses the
/// content's markup; the result serialises.
pub fn chat_message(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_spans(text, &kick_chat::parse_emotes(text));

    // The fast lane, on the text and on the text escaped as it sits in a
    // frame (as serde_json and as PHP, Kick's servers, escape it): where it
    // answers, it answers what the serde decoders answer.
    let fast = kick_chat::fast::message(text);
    let body = serde_json::to_string(text).expect("a str serialises");
    for escaped in [
        &body[1..body.len() - 1],
        kick_chat::fast::php_string_body(text).as_str(),
    ] {
        if let Some(m) = kick_chat::fast::message_escaped(escaped) {
            assert_eq!(
                Some(&m),
                fast.as_ref(),
                "escaped and plain disagree: {escaped}"
            );
        }
    }
    let Ok(d) = serde_json::from_str::<Value>(text) else {
        assert!(fast.is_none(), "the fast lane read what is not JSON");
        // The same text as the content of a well-formed message.
        let d = json!({"id": "m", "sender": {"id": 1}, "content": text});
        let m = ChatMessage::from_data(&d).expect("a well-formed message parses");
        assert_eq!(m.content, text);
        check_message(&m);
        return;
    };
    let sender_id = d["sender"]["id"]
        .as_u64()
        .or_else(|| d["sender"]["id"].as_str()?.parse().ok());
    let well_formed = d["id"].is_string() && d.get("sender").is_some() && sender_id.is_some();
    if let Some(m) = &fast {
        assert_eq!(Some(m), ChatMessage::from_data(&d).as_ref());
    }
    match ChatMessage::from_data(&d) {
        Some(m) => {
            assert!(well_formed);
            assert_eq!(Some(m.id.as_str()), d["id"].as_str());
            assert_eq!(Some(m.sender.id), sender_id);
            assert_eq!(m.content, d["content"].as_str().unwrap_or_default());
            check_message(&m);
        }
        None => assert!(!well_formed, "a well-formed message was refused: {d}"),
    }
}
