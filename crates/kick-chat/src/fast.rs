//! The fast lane of the hot path: a chat message as Kick sends it, read in
//! one pass with no serde machinery and without unescaping Kick's
//! double-encoded `data` first; anything it does not expect goes to the
//! typed serde decoders ([`crate::wire`]).
//!
//! Why: Kick double-encodes every event (`data` is a JSON *string* holding
//! JSON), so a chat message is a ~450-byte string with an escaped quote
//! every ~7 bytes. serde_json unescapes it (one step per escape) and then
//! parses the copy; on this project's 2 GHz build machine that was ~3.3 µs
//! of a message's decode, most of kick-chat's CPU at 20,000 msg/s
//! (docs/PERFORMANCE.md). Here the message inside is read straight from the
//! escaped text (an inner quote is `\"`), strings without escapes are
//! borrowed, and runs of plain bytes are scanned eight at a time.
//!
//! The contract, checked by the tests in [`crate::wire`] on the same edge
//! cases, fuzz seeds and seeded mutations as the serde decoders (each
//! message also encoded as PHP's `json_encode` does, `\/` and `\uXXXX`
//! included): whenever a function here answers `Some`, it answers exactly
//! what the serde decoders answer for that text. It answers `None` for
//! anything unusual (a value of a type Kick does not send, numbers with
//! fractions or exponents, lone surrogates, escapes in keys, repeated keys,
//! deep nesting, broken JSON): the caller then takes the serde path, which
//! decides.

use crate::event::{parse_emotes, parse_time, Badge, ChatMessage, Sender};
use std::borrow::Cow;

/// Deeper than this, a skipped value is left to serde (whose limit is 128).
const MAX_DEPTH: usize = 64;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The lowest set byte of the mask marks the first byte of `w` (read little
/// endian) that is `"`, `\` or a control character. Bytes above it may be
/// marked wrongly (a borrow), so only the lowest one is used.
#[inline]
fn specials(w: u64) -> u64 {
    let q = w ^ (LO * u64::from(b'"'));
    let bs = w ^ (LO * u64::from(b'\\'));
    ((q.wrapping_sub(LO) & !q) | (bs.wrapping_sub(LO) & !bs) | (w.wrapping_sub(LO * 0x20) & !w))
        & HI
}

/// Where the run of plain bytes starting at `i` ends: the first `"`, `\`
/// or control character at or after `i` (or the end).
#[inline]
fn run_end(b: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        // Sixteen bytes at a time with SSE2 (every x86-64 CPU has it): this
        // scan was ~15 % of the client's CPU in a Centrifugo flood.
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
            _mm_or_si128, _mm_set1_epi8,
        };
        while let Some(chunk) = b.get(i..i + 16) {
            // SAFETY: SSE2 is part of the x86_64 baseline, and the load is
            // unaligned and reads exactly the 16 bytes of `chunk`.
            let mask = unsafe {
                let w = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
                let quote = _mm_cmpeq_epi8(w, _mm_set1_epi8(b'"' as i8));
                let backslash = _mm_cmpeq_epi8(w, _mm_set1_epi8(b'\\' as i8));
                // A byte is a control character when min(byte, 0x1f) is
                // itself (unsigned).
                let control = _mm_cmpeq_epi8(_mm_min_epu8(w, _mm_set1_epi8(0x1f)), w);
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
            };
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    while let Some(chunk) = b.get(i..i + 8) {
        let m = specials(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// A cursor over a JSON text. `ESC`: the text is the body of a JSON string
/// holding JSON (Kick's `data`), still escaped: a quote of the inner
/// document is `\"`, and whitespace is only spaces (`\n` and the like
/// there are left to serde).
struct Cur<'a, const ESC: bool> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a, const ESC: bool> Cur<'a, ESC> {
    fn new(s: &'a str) -> Self {
        Cur {
            s,
            b: s.as_bytes(),
            i: 0,
        }
    }

    /// The next byte that is not whitespace (not consumed).
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        while let Some(&c) = self.b.get(self.i) {
            let ws = if ESC {
                c == b' '
            } else {
                matches!(c, b' ' | b'\n' | b'\r' | b'\t')
            };
            if !ws {
                return Some(c);
            }
            self.i += 1;
        }
        None
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// An opening quote.
    #[inline]
    fn quote(&mut self) -> Option<()> {
        if ESC {
            self.eat(b'\\')?;
            (self.b.get(self.i) == Some(&b'"')).then(|| self.i += 1)
        } else {
            self.eat(b'"')
        }
    }

    fn end(&mut self) -> Option<()> {
        self.peek().is_none().then_some(())
    }

    /// A string with no escapes, borrowed. `None` at anything else (the
    /// cursor is then somewhere inside it: restore it to retry).
    #[inline]
    fn plain_str(&mut self) -> Option<&'a str> {
        self.quote()?;
        let start = self.i;
        let end = run_end(self.b, start);
        match (self.b.get(end)?, self.b.get(end + 1)) {
            (b'"', _) if !ESC => self.i = end + 1,
            (b'\\', Some(b'"')) if ESC => self.i = end + 2,
            _ => return None,
        }
        // Cut at ASCII bytes of a `str`: on char boundaries.
        Some(&self.s[start..end])
    }

    /// A string, unescaped: borrowed when it has no escapes.
    fn str(&mut self) -> Option<Cow<'a, str>> {
        let save = self.i;
        if let Some(s) = self.plain_str() {
            return Some(Cow::Borrowed(s));
        }
        self.i = save;
        self.quote()?;
        let mut out = Vec::new();
        if ESC {
            // The inner string's bytes as the inner document has them (its
            // own escapes still in), up to its closing quote (an outer
            // escape that decodes to a quote no inner backslash escapes),
            // then unescaped as a JSON string body.
            let mut inner = Vec::new();
            let mut escaping = false;
            loop {
                let end = run_end(self.b, self.i);
                inner.extend_from_slice(&self.b[self.i..end]);
                if end > self.i {
                    escaping = false;
                }
                self.i = end;
                if *self.b.get(self.i)? != b'\\' {
                    return None; // a quote or control character of the outer string
                }
                let at = inner.len();
                self.i = unescape_one(self.b, self.i, &mut inner)?;
                let one = (inner.len() == at + 1).then(|| inner[at]);
                if one == Some(b'"') && !escaping {
                    inner.pop();
                    break;
                }
                escaping = !escaping && one == Some(b'\\');
            }
            unescape_body(&inner, &mut out)?;
        } else {
            self.i = unescape(self.b, self.i, &mut out)?;
        }
        String::from_utf8(out).ok().map(Cow::Owned)
    }

    /// A key: a string without escapes, then `:`.
    #[inline]
    fn key(&mut self) -> Option<&'a str> {
        let k = self.plain_str()?;
        self.eat(b':')?;
        Some(k)
    }

    /// After a value in an object: `,` and more (true) or `}` (false).
    #[inline]
    fn next_in_object(&mut self) -> Option<bool> {
        match self.peek()? {
            b',' => {
                self.i += 1;
                Some(true)
            }
            b'}' => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// `{`, and whether a first key follows.
    fn open_object(&mut self) -> Option<bool> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(false);
        }
        Some(true)
    }

    /// An object, member by member: `f` reads the value after each key
    /// (`{}` calls it never). `None` from `f`, or broken JSON: `None`.
    #[inline]
    fn members(&mut self, mut f: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        if self.open_object()? {
            loop {
                let k = self.key()?;
                f(self, k)?;
                if !self.next_in_object()? {
                    break;
                }
            }
        }
        Some(())
    }

    /// A non-negative integer that fits u64, written plainly (a fraction
    /// or an exponent is left to serde).
    fn u64(&mut self) -> Option<u64> {
        self.peek()?;
        let start = self.i;
        let mut n: u64 = 0;
        while let Some(&c @ b'0'..=b'9') = self.b.get(self.i) {
            n = n.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        match self.b.get(self.i) {
            Some(b'.' | b'e' | b'E') => None,
            _ => Some(n),
        }
    }

    /// `null`, or a `u64`.
    fn null_or_u64(&mut self) -> Option<Option<u64>> {
        if self.peek()? == b'n' {
            self.lit(b"null")?;
            Some(None)
        } else {
            self.u64().map(Some)
        }
    }

    fn lit(&mut self, word: &[u8]) -> Option<()> {
        self.peek()?;
        self.b[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    /// Skips any value, checked as serde checks it (strings unescaped in
    /// full; integers only: a fraction or an exponent is left to serde).
    fn skip(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' | b'\\' => self.str().map(drop),
            b'{' => self.members(|c, _| c.skip(depth + 1)),
            b'[' => {
                self.i += 1;
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.lit(b"true"),
            b'f' => self.lit(b"false"),
            b'n' => self.lit(b"null"),
            b'-' => {
                self.i += 1;
                self.u64().map(drop)
            }
            _ => self.u64().map(drop),
        }
    }

    /// The `data` string of a Kick event: its raw body, and the chat
    /// message in it when `maybe_message` (the event is a chat message, or
    /// not known yet: Kick's key order varies) and the body is one.
    ///
    /// The message is read straight from the escaped text in the same pass
    /// that finds where the string ends (its reading checks every byte of
    /// the body as [`Cur::raw_str`] would); anything else is scanned again
    /// by `raw_str`.
    fn data_str(&mut self, maybe_message: bool) -> Option<(&'a str, Option<ChatMessage>)> {
        if !ESC && maybe_message && self.peek()? == b'"' {
            let start = self.i + 1;
            let mut inner = Cur::<true> {
                s: self.s,
                b: self.b,
                i: start,
            };
            if let Some(m) = message_doc(&mut inner) {
                // Trailing spaces, then the string's closing quote.
                if inner.peek() == Some(b'"') {
                    self.i = inner.i + 1;
                    return Some((&self.s[start..inner.i], Some(m)));
                }
            }
        }
        Some((self.raw_str()?, None))
    }

    /// The raw body of a string (escapes as they are, each checked), for a
    /// string that is itself a JSON document.
    fn raw_str(&mut self) -> Option<&'a str> {
        self.quote()?;
        let start = self.i;
        loop {
            let end = run_end(self.b, self.i);
            match *self.b.get(end)? {
                b'"' if !ESC => {
                    self.i = end + 1;
                    return Some(&self.s[start..end]);
                }
                b'\\' => self.i = check_escape(self.b, end)?,
                _ => return None,
            }
        }
    }
}

/// Checks the escape at `b[i]` (a backslash) as [`unescape_one`] would
/// read it, without writing it anywhere; returns the index after it.
#[inline]
fn check_escape(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i + 1)? {
        b'"' | b'\\' | b'/' | b'n' | b't' | b'r' | b'b' | b'f' => Some(i + 2),
        b'u' => unescape_one(b, i, &mut Vec::with_capacity(4)),
        _ => None,
    }
}

/// Unescapes one escape at `b[i]` (a backslash) onto `out`; returns the
/// index after it. `None`: a bad escape or a lone surrogate.
#[inline]
fn unescape_one(b: &[u8], i: usize, out: &mut Vec<u8>) -> Option<usize> {
    let e = *b.get(i + 1)?;
    match e {
        b'"' | b'\\' | b'/' => out.push(e),
        b'n' => out.push(b'\n'),
        b't' => out.push(b'\t'),
        b'r' => out.push(b'\r'),
        b'b' => out.push(0x08),
        b'f' => out.push(0x0c),
        b'u' => {
            let hi = hex4(b, i + 2)?;
            let (c, next) = match hi {
                0xd800..=0xdbff => {
                    // A pair: the low half must follow.
                    if b.get(i + 6..i + 8) != Some(b"\\u") {
                        return None;
                    }
                    let lo = hex4(b, i + 8)?;
                    if !(0xdc00..=0xdfff).contains(&lo) {
                        return None;
                    }
                    (0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00), i + 12)
                }
                0xdc00..=0xdfff => return None,
                c => (c, i + 6),
            };
            let c = char::from_u32(c)?;
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            return Some(next);
        }
        _ => return None,
    }
    Some(i + 2)
}

/// Unescapes the JSON string body that starts at `b[from]` (after its
/// opening quote) into `out` (cleared first); returns the index after the
/// closing quote. `None`: a control character, a bad escape, a lone
/// surrogate, or no closing quote.
fn unescape(b: &[u8], from: usize, out: &mut Vec<u8>) -> Option<usize> {
    out.clear();
    let mut i = from;
    loop {
        let end = run_end(b, i);
        out.extend_from_slice(&b[i..end]);
        match *b.get(end)? {
            b'"' => return Some(end + 1),
            b'\\' => i = unescape_one(b, end, out)?,
            _ => return None, // a control character
        }
    }
}

/// Unescapes a whole string body (no closing quote: the end of `b` ends
/// it) into `out` (cleared first).
fn unescape_body(b: &[u8], out: &mut Vec<u8>) -> Option<()> {
    out.clear();
    let mut i = 0;
    loop {
        let end = run_end(b, i);
        out.extend_from_slice(&b[i..end]);
        match b.get(end) {
            None => return Some(()),
            Some(b'\\') => i = unescape_one(b, end, out)?,
            Some(_) => return None, // a quote or a control character
        }
    }
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let h = b.get(at..at + 4)?;
    let mut n = 0u32;
    for &c in h {
        n = n * 16 + (c as char).to_digit(16)?;
    }
    Some(n)
}

/// A Kick event as the hot path reads it: where it was published, and its
/// name and `data` strings as they came (escapes checked, not decoded).
#[derive(Debug)]
pub struct Event<'a> {
    /// The channel (Centrifugo's `push.channel`, Pusher's `channel`).
    pub channel: Option<&'a str>,
    /// The body of the event's name string (Kick's `App\\Events\\…`).
    pub event: &'a str,
    /// The body of the `data` string.
    pub data: &'a str,
    /// The chat message in `data`, read in the same pass, when it is one.
    message: Option<ChatMessage>,
}

impl Event<'_> {
    /// The event's name, unescaped.
    pub fn name(&self) -> Cow<'_, str> {
        unescaped(self.event)
    }

    /// The event as a typed Kick event; `buf` takes the unescaped data
    /// when the message is not read straight from the escaped text.
    pub fn kick(mut self, buf: &mut String) -> crate::event::Kick {
        use crate::event::{ChatEvent, Kick};
        // The short name after the last backslash of the raw name
        // (`App\\Events\\…`). When it reads `ChatMessageEvent` the escape
        // before it can only be `\\` (any other escape leaves its letter or
        // sign in front), so the unescaped name ends the same way.
        if is_message_event(self.event) {
            let data = self.data;
            if let Some(m) = self.message.take().or_else(|| message_escaped(data)) {
                return Kick::Event(ChatEvent::Message(Box::new(m)));
            }
        }
        let mut bytes = std::mem::take(buf).into_bytes();
        let ok = unescape_body(self.data.as_bytes(), &mut bytes).is_some();
        *buf = String::from_utf8(bytes).unwrap_or_default();
        if !ok {
            return Kick::Invalid; // not reached: the data was checked
        }
        ChatEvent::from_kick_payload(&self.name(), crate::wire::Payload::Text(Cow::Borrowed(buf)))
    }
}

/// Whether an event whose name (raw body) is `event`, or not read yet, may
/// carry a chat message.
fn may_be_message(event: Option<&str>) -> bool {
    event.is_none_or(is_message_event)
}

/// Whether the short name after the last backslash of a raw name is
/// `ChatMessageEvent` (what `rsplit('\\').next()` answers, without the
/// backwards search).
fn is_message_event(raw: &str) -> bool {
    raw.strip_suffix("ChatMessageEvent")
        .is_some_and(|head| head.is_empty() || head.ends_with('\\'))
}

/// A checked string body, unescaped (borrowed when it has no escapes).
fn unescaped(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    match unescape_body(raw.as_bytes(), &mut out).map(|()| String::from_utf8(out)) {
        Some(Ok(s)) => Cow::Owned(s),
        _ => Cow::Borrowed(""), // not reached: the body was checked
    }
}

/// A Centrifugo line that is a publication with `pub.data` an object whose
/// `data` is a string: its channel, event name and data. `None` for
/// anything else, or anything unusual
/// ([`crate::centrifugo::parse_publication`] reads those).
pub fn publication(line: &str) -> Option<Event<'_>> {
    let mut c = Cur::<false>::new(line);
    let (mut channel, mut event, mut data) = (None, None, None);
    let mut got_push = false;
    if !c.open_object()? {
        return None;
    }
    loop {
        match c.key()? {
            "push" if !got_push => {
                got_push = true;
                if !c.open_object()? {
                    return None;
                }
                let mut got_pub = false;
                loop {
                    match c.key()? {
                        "channel" if channel.is_none() => channel = Some(c.plain_str()?),
                        "pub" if !got_pub => {
                            got_pub = true;
                            if !c.open_object()? {
                                return None;
                            }
                            let mut got_env = false;
                            loop {
                                match c.key()? {
                                    "data" if !got_env => {
                                        got_env = true;
                                        if !c.open_object()? {
                                            return None;
                                        }
                                        loop {
                                            match c.key()? {
                                                "event" if event.is_none() => {
                                                    event = Some(c.raw_str()?)
                                                }
                                                "data" if data.is_none() => {
                                                    data = Some(c.data_str(may_be_message(event))?)
                                                }
                                                // Repeated: the last one counts,
                                                // serde's business.
                                                "event" | "data" => return None,
                                                _ => c.skip(4)?,
                                            }
                                            if !c.next_in_object()? {
                                                break;
                                            }
                                        }
                                    }
                                    "data" => return None,
                                    _ => c.skip(3)?,
                                }
                                if !c.next_in_object()? {
                                    break;
                                }
                            }
                        }
                        // Repeated, or compaction's `id`: serde's business.
                        "channel" | "pub" | "id" => return None,
                        _ => c.skip(2)?,
                    }
                    if !c.next_in_object()? {
                        break;
                    }
                }
            }
            "push" => return None,
            _ => c.skip(1)?,
        }
        if !c.next_in_object()? {
            break;
        }
    }
    c.end()?;
    let (data, message) = data?;
    Some(Event {
        channel: Some(channel.filter(|c| !c.is_empty())?),
        event: event?,
        data,
        message,
    })
}

/// A Pusher frame whose `data` is a string: its channel, event name and
/// data. `None` for anything else, or anything unusual
/// ([`crate::protocol::RawFrame::parse`] reads those).
pub fn pusher_frame(text: &str) -> Option<Event<'_>> {
    let mut c = Cur::<false>::new(text);
    let (mut channel, mut event, mut data) = (None, None, None);
    let mut got_channel = false;
    if !c.open_object()? {
        return None;
    }
    loop {
        match c.key()? {
            "event" if event.is_none() => event = Some(c.raw_str()?),
            "data" if data.is_none() => data = Some(c.data_str(may_be_message(event))?),
            "channel" if !got_channel => {
                got_channel = true;
                channel = Some(c.plain_str()?);
            }
            "event" | "data" | "channel" => return None,
            _ => c.skip(1)?,
        }
        if !c.next_in_object()? {
            break;
        }
    }
    c.end()?;
    let (data, message) = data?;
    Some(Event {
        channel,
        event: event?,
        data,
        message,
    })
}

/// A `ChatMessageEvent`'s data as Kick sends it, read field by field.
/// `None`: not of that shape (the serde decoder reads it).
pub fn message(text: &str) -> Option<ChatMessage> {
    let mut c = Cur::<false>::new(text);
    let m = message_doc(&mut c)?;
    c.end()?;
    Some(m)
}

/// [`message`] on the data still escaped, as it sits in its frame (the
/// body of a JSON string, escapes checked).
pub fn message_escaped(raw: &str) -> Option<ChatMessage> {
    let mut c = Cur::<true>::new(raw);
    let m = message_doc(&mut c)?;
    c.end()?;
    Some(m)
}

/// The message document at the cursor (what follows it is the caller's).
fn message_doc<const ESC: bool>(c: &mut Cur<'_, ESC>) -> Option<ChatMessage> {
    let mut m = Fields::default();
    c.members(|c, k| {
        // A known key seen twice: serde keeps the last, and so could
        // this, but Kick never sends one; leave it to serde.
        match k {
            "id" => {
                m.once(1)?;
                m.id = Some(c.str()?)
            }
            "chatroom_id" => {
                m.once(2)?;
                m.chatroom_id = Some(c.u64()?)
            }
            "content" => {
                m.once(4)?;
                m.content = Some(c.str()?)
            }
            "type" => {
                m.once(8)?;
                m.kind = Some(c.str()?)
            }
            "created_at" => {
                m.once(16)?;
                m.created_at = Some(c.str()?)
            }
            "sender" => {
                m.once(32)?;
                m.sender = Some(sender(c)?)
            }
            "metadata" => {
                m.once(64)?;
                metadata(c, &mut m)?
            }
            "gift" => {
                m.once(128)?;
                m.gift = Some(gift(c)?)
            }
            _ => c.skip(1)?,
        }
        Some(())
    })?;
    let s = m.sender?;
    let content = m.content.map(Cow::into_owned).unwrap_or_default();
    Some(ChatMessage {
        id: m.id?.into_owned(),
        chatroom_id: m.chatroom_id.unwrap_or(0),
        sender: Sender {
            id: s.id?,
            username: s.username.map(Cow::into_owned).unwrap_or_default(),
            slug: s.slug.map(Cow::into_owned).unwrap_or_default(),
            color: s.color.map(Cow::into_owned).unwrap_or_default(),
            badges: s.badges,
        },
        spans: parse_emotes(&content),
        content,
        kind: m.kind.map_or_else(|| "message".to_owned(), Cow::into_owned),
        reply_to: m.reply,
        created_at: m.created_at.as_deref().and_then(parse_time),
        celebration: m.celebration,
        paid_amount: m.gift.flatten(),
    })
}

#[derive(Default)]
struct Fields<'a> {
    keys: u16,
    id: Option<Cow<'a, str>>,
    chatroom_id: Option<u64>,
    content: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    created_at: Option<Cow<'a, str>>,
    sender: Option<SenderFields<'a>>,
    reply: Option<(String, String)>,
    celebration: Option<(String, u64)>,
    gift: Option<Option<u64>>,
}

impl Fields<'_> {
    /// Marks a known key seen: `None` when it was seen before.
    fn once(&mut self, bit: u16) -> Option<()> {
        let fresh = self.keys & bit == 0;
        self.keys |= bit;
        fresh.then_some(())
    }
}

#[derive(Default)]
struct SenderFields<'a> {
    id: Option<u64>,
    username: Option<Cow<'a, str>>,
    slug: Option<Cow<'a, str>>,
    color: Option<Cow<'a, str>>,
    badges: Vec<Badge>,
}

/// `sender`: an object (`id` a number; `username`, `slug` strings;
/// `identity` an object with `color` and `badges`).
fn sender<'a, const ESC: bool>(c: &mut Cur<'a, ESC>) -> Option<SenderFields<'a>> {
    let mut s = SenderFields::default();
    let mut keys = 0u8;
    c.members(|c, k| {
        let bit = match k {
            "id" => 1,
            "username" => 2,
            "slug" => 4,
            "identity" => 8,
            _ => 0,
        };
        if keys & bit != 0 {
            return None;
        }
        keys |= bit;
        match k {
            "id" => s.id = Some(c.u64()?),
            "username" => s.username = Some(c.str()?),
            "slug" => s.slug = Some(c.str()?),
            "identity" => identity(c, &mut s)?,
            _ => c.skip(2)?,
        }
        Some(())
    })?;
    Some(s)
}

fn identity<'a, const ESC: bool>(c: &mut Cur<'a, ESC>, s: &mut SenderFields<'a>) -> Option<()> {
    let (mut color, mut badges) = (false, false);
    c.members(|c, k| {
        match k {
            "color" if !color => {
                color = true;
                s.color = Some(c.str()?);
            }
            "badges" if !badges => {
                badges = true;
                s.badges = badge_list(c)?;
            }
            "color" | "badges" => return None,
            _ => c.skip(3)?,
        }
        Some(())
    })?;
    Some(())
}

/// `badges`: a list of objects with `type` and `text` strings and `count`
/// null or a number. Anything else: serde's business (there a badge that
/// does not fit empties the list).
fn badge_list<const ESC: bool>(c: &mut Cur<'_, ESC>) -> Option<Vec<Badge>> {
    c.eat(b'[')?;
    let mut out = Vec::new();
    if c.peek()? == b']' {
        c.i += 1;
        return Some(out);
    }
    loop {
        let (mut kind, mut text, mut count) = (None, None, None);
        c.members(|c, k| {
            match k {
                "type" if kind.is_none() => kind = Some(c.str()?.into_owned()),
                "text" if text.is_none() => text = Some(c.str()?.into_owned()),
                "count" if count.is_none() => count = Some(c.null_or_u64()?),
                "type" | "text" | "count" => return None,
                _ => c.skip(5)?,
            }
            Some(())
        })?;
        out.push(Badge {
            kind: kind.unwrap_or_default(),
            text: text.unwrap_or_default(),
            count: count.flatten(),
        });
        match c.peek()? {
            b',' => c.i += 1,
            b']' => {
                c.i += 1;
                return Some(out);
            }
            _ => return None,
        }
    }
}

/// `metadata`: an object; `original_message` (`id` a string, `content` a
/// string or null) and `celebration` (`type` a string, `total_months` a
/// number) are read, anything else checked and dropped.
fn metadata<const ESC: bool>(c: &mut Cur<'_, ESC>, m: &mut Fields) -> Option<()> {
    let (mut original, mut celebration) = (false, false);
    c.members(|c, k| {
        match k {
            "original_message" if !original => {
                original = true;
                let (mut id, mut content) = (None, None);
                c.members(|c, k| {
                    match k {
                        "id" if id.is_none() => id = Some(c.str()?.into_owned()),
                        "content" if content.is_none() => {
                            content = Some(if c.peek()? == b'n' {
                                c.lit(b"null")?;
                                String::new()
                            } else {
                                c.str()?.into_owned()
                            })
                        }
                        "id" | "content" => return None,
                        _ => c.skip(3)?,
                    }
                    Some(())
                })?;
                m.reply = id.zip(content);
            }
            "celebration" if !celebration => {
                celebration = true;
                let (mut kind, mut months) = (None, None);
                c.members(|c, k| {
                    match k {
                        "type" if kind.is_none() => kind = Some(c.str()?.into_owned()),
                        "total_months" if months.is_none() => months = Some(c.u64()?),
                        "type" | "total_months" => return None,
                        _ => c.skip(3)?,
                    }
                    Some(())
                })?;
                m.celebration = kind.map(|k| (k, months.unwrap_or(0)));
            }
            "original_message" | "celebration" => return None,
            _ => c.skip(2)?,
        }
        Some(())
    })?;
    Some(())
}

/// `gift`: an object with `amount` a number.
fn gift<const ESC: bool>(c: &mut Cur<'_, ESC>) -> Option<Option<u64>> {
    let mut amount = None;
    c.members(|c, k| {
        match k {
            "amount" if amount.is_none() => amount = Some(c.u64()?),
            "amount" => return None,
            _ => c.skip(2)?,
        }
        Some(())
    })?;
    Some(amount)
}

/// A checked string body unescaped. For tests.
#[cfg(test)]
pub(crate) fn unescaped_for_tests(raw: &str) -> String {
    unescaped(raw).into_owned()
}

/// Encodes `text` as a JSON string body the way PHP's `json_encode` does
/// by default (Kick's servers are PHP): `/` as `\/`, everything outside
/// ASCII as `\uXXXX` (pairs for astral characters). For tests (this
/// crate's and the fuzz targets').
#[doc(hidden)]
pub fn php_string_body(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_what_json_escapes() {
        let mut out = Vec::new();
        let text = r#"a\"b\\c\/d\n\t\r\b\f\u00e9\ud83d\ude00z" tail"#;
        let end = unescape(text.as_bytes(), 0, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "a\"b\\c/d\n\t\r\u{8}\u{c}é😀z"
        );
        assert_eq!(&text[end..], " tail");
        for bad in [
            r#"\ud800x""#,
            r#"\udc00""#,
            r#"\x""#,
            "a\u{1}\"",
            r#"\u12""#,
            "abc",
        ] {
            assert_eq!(unescape(bad.as_bytes(), 0, &mut out), None, "{bad:?}");
        }
    }

    #[test]
    fn a_message_event_is_known_by_its_short_name() {
        for raw in [
            "ChatMessageEvent",
            r"App\\Events\\ChatMessageEvent",
            r"App\Events\ChatMessageEvent",
            r"\ChatMessageEvent",
            "XChatMessageEvent",
            r"App\\Events\\ChatMessageEventX",
            r"ChatMessageEvent\",
            "",
        ] {
            let want = raw.rsplit('\\').next() == Some("ChatMessageEvent");
            assert_eq!(is_message_event(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn runs_end_at_the_first_special_byte() {
        for text in [
            "",
            "abc",
            "abcdefgh\"",
            "abcdefghijklmnop\\x",
            "a\u{1}",
            "ééééé\"x",
            "abcdefg\"\\",
        ] {
            let want = text
                .bytes()
                .position(|c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(text.len());
            assert_eq!(run_end(text.as_bytes(), 0), want, "{text:?}");
        }
        // Every special byte at every place of a 40-byte run, from every
        // start (the 16-byte and 8-byte steps and the tail), among bytes
        // above 0x7f too.
        let specials = (0u8..0x20).chain([b'"', b'\\']);
        for special in specials {
            for at in 0..40 {
                let mut b: Vec<u8> = (0..40u8)
                    .map(|k| if k % 3 == 0 { 0xc3 } else { b'a' + k % 26 })
                    .collect();
                b[at] = special;
                for start in 0..=at {
                    assert_eq!(run_end(&b, start), at, "{special:#x} at {at} from {start}");
                }
            }
        }
        let plain: Vec<u8> = (0..=255u8)
            .filter(|&c| c >= 0x20 && c != b'"' && c != b'\\')
            .collect();
        for start in 0..plain.len() {
            assert_eq!(run_end(&plain, start), plain.len());
        }
    }

    const DATA: &str = r##"{"id":"0b6f2c1e","chatroom_id":4240,"content":"hi [emote:37227:LULW] \"q\" \\ é 😀 a/b","type":"reply","created_at":"2025-09-15T20:56:04+00:00","sender":{"id":5550123,"username":"SomeUser","slug":"someuser","identity":{"color":"#FF9D00","badges":[{"type":"moderator","text":"Moderator"},{"type":"subscriber","text":"Subscriber","count":10}]}},"metadata":{"original_sender":{"id":1,"username":"a"},"original_message":{"id":"m0","content":"question?"},"message_ref":"1757969000123"},"gift":{"amount":100}}"##;

    /// Kick's usual shapes take the fast lane (the serde fallback answers the
    /// same, so only this can tell that the lane is used at all); the
    /// equivalence with serde on odd input is checked in `wire`'s tests.
    #[test]
    fn kick_shaped_events_take_the_fast_lane() {
        let want = ChatMessage::from_json(DATA).unwrap().unwrap();
        let m = message(DATA).expect("the fast lane reads a Kick message");
        assert_eq!(m, want);
        assert_eq!(m.content, "hi [emote:37227:LULW] \"q\" \\ é 😀 a/b");
        assert_eq!(m.sender.badges.len(), 2);
        assert_eq!(m.reply_to, Some(("m0".into(), "question?".into())));
        assert_eq!(m.paid_amount, Some(100));

        // Inside its frame, escaped as serde_json escapes and as PHP does.
        let serde_body = serde_json::to_string(DATA).unwrap();
        let serde_body = &serde_body[1..serde_body.len() - 1];
        for body in [serde_body, &php_string_body(DATA)] {
            assert_eq!(message_escaped(body).as_ref(), Some(&want), "{body}");
            let line = format!(
                r#"{{"push":{{"channel":"chatrooms.4240.v2","pub":{{"data":{{"data":"{body}","event":"App\\Events\\ChatMessageEvent"}},"offset":7}}}}}}"#
            );
            let e = publication(&line).expect("the fast lane reads a publication");
            assert_eq!(e.channel, Some("chatrooms.4240.v2"));
            assert_eq!(e.name(), r"App\Events\ChatMessageEvent");
            assert_eq!(e.data, body);
            let mut buf = String::new();
            assert_eq!(
                e.kick(&mut buf),
                crate::event::Kick::Event(crate::event::ChatEvent::Message(Box::new(want.clone())))
            );
            let frame = format!(
                r#"{{"event":"App\\Events\\ChatMessageEvent","data":"{body}","channel":"chatrooms.4240.v2"}}"#
            );
            let e = pusher_frame(&frame).expect("the fast lane reads a frame");
            assert_eq!(
                (&*e.name(), e.channel, e.data),
                (
                    r"App\Events\ChatMessageEvent",
                    Some("chatrooms.4240.v2"),
                    body
                )
            );
        }
    }

    #[test]
    fn numbers_are_plain_integers_or_left_to_serde() {
        for (text, n) in [
            ("0", Some(0)),
            ("42", Some(42)),
            ("18446744073709551615", Some(u64::MAX)),
        ] {
            assert_eq!(Cur::<false>::new(text).u64(), n, "{text}");
        }
        for text in ["01", "1.0", "1e3", "18446744073709551616", "-1", "", "x"] {
            assert_eq!(Cur::<false>::new(text).u64(), None, "{text}");
        }
    }
}
