//! Decoding alone: a Kick chat line as the fake (and Kick) sends it, through
//! the same steps the socket client takes for each one (Centrifugo
//! publication or Pusher frame through the fast lane (else serde), the
//! typed `ChatEvent`, the dedupe filter),
//! without a socket. Prints ns per message for each transport.
//!
//!     cargo run --release -p kick-chat --example decode_bench [passes]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use kick_chat::centrifugo as cf;
use kick_chat::event::Kick;
use kick_chat::fast;
use kick_chat::filter::{Filter, Verdict};
use kick_chat::protocol::RawFrame;
use kick_chat::ChatEvent;
use std::time::Instant;

const DATA: &str = r##"{"chatroom_id":4240017,"content":"chat is moving fast today","created_at":"2026-12-07T09:25:21+00:00","id":"ID","metadata":{"message_ref":"1796635521851"},"sender":{"id":7300010,"identity":{"badges":[{"text":"subscriber","type":"subscriber"}],"color":"#8D99AE"},"slug":"lurker-larry","username":"lurker_larry"},"type":"message"}"##;
const EVENT: &str = r"App\Events\ChatMessageEvent";

fn lines(n: usize, centrifugo: bool) -> Vec<String> {
    (0..n)
        .map(|i| {
            let data = DATA.replace("ID", &format!("01f264ad-2b7e-4345-bce8-{i:012}"));
            let data = serde_json::to_string(&data).unwrap();
            if centrifugo {
                format!(
                    r#"{{"push":{{"channel":"chatrooms.4240017.v2","pub":{{"data":{{"data":{data},"event":{}}}}}}}}}"#,
                    serde_json::to_string(EVENT).unwrap()
                )
            } else {
                format!(
                    r#"{{"event":{},"data":{data},"channel":"chatrooms.4240017.v2"}}"#,
                    serde_json::to_string(EVENT).unwrap()
                )
            }
        })
        .collect()
}

/// `passes` times over `n` distinct lines (a fresh dedupe window each pass),
/// each through what the client does with it: the fast lane, else serde.
fn run(centrifugo: bool, n: usize, passes: usize) -> f64 {
    let input = lines(n, centrifugo);
    let mut out = Vec::with_capacity(1024);
    let mut delivered = 0usize;
    let mut data = String::new();
    let t = Instant::now();
    for _ in 0..passes {
        let mut filter = Filter::new(5000);
        for line in &input {
            let fast = if centrifugo {
                fast::publication(line)
            } else {
                fast::pusher_frame(line)
            };
            let kick = match fast {
                Some(e) => e.kick(&mut data),
                None if centrifugo => {
                    let p = cf::parse_publication(line).expect("a publication");
                    ChatEvent::from_kick_payload(&p.event, p.data)
                }
                None => {
                    let f = RawFrame::parse(line).expect("a frame");
                    ChatEvent::from_kick_payload(&f.event, f.data)
                }
            };
            let Kick::Event(ev) = kick else {
                panic!("not a message")
            };
            if let Verdict::Deliver(ev) = filter.event(ev) {
                out.push(ev);
                delivered += 1;
            }
            if out.len() == 1024 {
                out.clear();
            }
        }
    }
    let ns = t.elapsed().as_nanos() as f64 / (n * passes) as f64;
    assert_eq!(delivered, n * passes);
    ns
}

fn main() {
    let passes: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let n = 10_000;
    for _ in 0..3 {
        println!(
            "{{\"centrifugo_ns_per_msg\":{:.0},\"pusher_ns_per_msg\":{:.0}}}",
            run(true, n, passes),
            run(false, n, passes)
        );
    }
}
