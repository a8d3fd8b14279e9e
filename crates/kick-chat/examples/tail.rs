//! Prints every chat event (and connection state) as one JSON line.
//!
//!     # real Kick, ids known (chatroom and channel ids differ):
//!     cargo run -p kick-chat --example tail -- --chatroom 668 --channel 676
//!     # real Kick by slug (best effort: kick.com/api/v2 is often behind Cloudflare):
//!     cargo run -p kick-chat --example tail -- --slug xqc --transport centrifugo
//!     # the local fake (its startup line has web_base):
//!     cargo run -p kick-chat --example tail -- --web http://127.0.0.1:PORT --slug demostreamer
//!
//! `--transport auto|centrifugo|pusher` (default auto: what Kick's
//! descriptor names); `--pusher-url` for a fixed Pusher socket (no
//! negotiation).

use clap::Parser;
use kick_chat::{spawn, ChatConfig, TransportChoice};
use std::io::Write;

#[derive(Parser)]
struct Args {
    /// Channel slug; its ids are looked up (kick.com, or the fake's web base).
    #[arg(long)]
    slug: Option<String>,
    /// Chatroom id (not the channel id).
    #[arg(long)]
    chatroom: Option<u64>,
    /// Channel id (`channel.{id}` events and the chat descriptor).
    #[arg(long)]
    channel: Option<u64>,
    /// auto, centrifugo or pusher.
    #[arg(long, default_value = "auto")]
    transport: String,
    /// The web base of the realtime negotiation (a local fake's `web_base`).
    #[arg(long, default_value = kick_chat::KICK_WEB_BASE)]
    web: String,
    /// A fixed Pusher socket URL (skips negotiation).
    #[arg(long)]
    pusher_url: Option<String>,
    /// No Origin header (default: `https://kick.com`).
    #[arg(long)]
    no_origin: bool,
}

/// `GET /api/v2/channels/{slug}` → (chatroom id, channel id), best effort.
async fn lookup(web: &str, slug: &str) -> Option<(u64, u64)> {
    let base = if web == kick_chat::KICK_WEB_BASE {
        "https://kick.com"
    } else {
        web
    };
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v2/channels/{slug}",
            base.trim_end_matches('/')
        ))
        .header("accept", "application/json")
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    Some((v["chatroom"]["id"].as_u64()?, v["id"].as_u64()?))
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let a = Args::parse();
    let (mut chatroom, mut channel) = (a.chatroom, a.channel);
    if let Some(slug) = &a.slug {
        match lookup(&a.web, slug).await {
            Some((c, s)) => {
                chatroom = chatroom.or(Some(c));
                channel = channel.or(Some(s));
            }
            None => eprintln!("could not look up {slug}; pass --chatroom (and --channel)"),
        }
    }
    let Some(chatroom) = chatroom else {
        eprintln!("a chatroom id is needed: --chatroom ID or --slug SLUG");
        std::process::exit(2);
    };
    let mut cfg = if a.web == kick_chat::KICK_WEB_BASE {
        ChatConfig::kick(chatroom, channel)
    } else {
        let host = url::Url::parse(&a.web)
            .ok()
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
            .unwrap_or_default();
        ChatConfig::local(
            &a.web,
            &format!("ws://{host}/app/{{key}}?protocol=7&client=js&version=8.4.0&flash=false"),
            chatroom,
            channel,
        )
    };
    cfg.transport = match a.transport.as_str() {
        "centrifugo" => TransportChoice::Centrifugo,
        "pusher" => TransportChoice::Pusher,
        _ => TransportChoice::Auto,
    };
    cfg.pusher_url = a.pusher_url;
    if a.no_origin {
        cfg.origin = None;
    }
    let (_handle, mut rx) = spawn(cfg);
    let mut out = std::io::stdout().lock();
    while let Some(ev) = rx.recv().await {
        if serde_json::to_writer(&mut out, &ev).is_err() || writeln!(out).is_err() {
            break;
        }
        let _ = out.flush();
    }
}
