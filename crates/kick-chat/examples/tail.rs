//! Prints every chat event (and connection state) as one JSON line.
//!
//!     cargo run -p kick-chat --example tail -- --url <ws url incl. /app/KEY?protocol=7> --chatroom <id> [--channel <id>]
//!
//! Works against any Pusher-protocol server: Kick's (`wss://ws-us2.pusher.com/app/32cbd69e4b950bf97679?protocol=7&...`)
//! or the local fake (`pusher_url` in its startup line).

use clap::Parser;
use kick_chat::{spawn, ChatConfig};
use std::io::Write;

#[derive(Parser)]
struct Args {
    /// Full socket URL including `/app/KEY?protocol=7`.
    #[arg(long)]
    url: String,
    /// Chatroom id (not the broadcaster id).
    #[arg(long)]
    chatroom: u64,
    /// Channel id for `channel.{id}` events.
    #[arg(long)]
    channel: Option<u64>,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let a = Args::parse();
    let mut cfg = ChatConfig::kick(a.chatroom, a.channel);
    cfg.url = a.url;
    let (_handle, mut rx) = spawn(cfg);
    let mut out = std::io::stdout().lock();
    while let Some(ev) = rx.recv().await {
        if serde_json::to_writer(&mut out, &ev).is_err() || writeln!(out).is_err() {
            break;
        }
        let _ = out.flush();
    }
}
