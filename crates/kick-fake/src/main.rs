//! `kick-fake`: runs the local fake Kick on 127.0.0.1 and prints one JSON line
//! with its URLs and app credentials on stdout, then logs to stderr.

// mimalloc, as the app that embeds the fake uses: when the fake feeds a
// client chat at full speed (the ingest benchmark), glibc's malloc and free
// were ~30 % of its CPU.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use kick_fake::{FakeConfig, FaultSettings, WebhookKeyType};
use std::io::Write;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "kick-fake",
    about = "A local fake of Kick's OAuth, REST API and webhooks"
)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Approve authorization requests at once instead of showing a consent page.
    #[arg(long)]
    auto_approve: bool,
    /// Client ID of the registered app (default: a new ULID).
    #[arg(long)]
    client_id: Option<String>,
    /// Client secret of the registered app (default: random).
    #[arg(long)]
    client_secret: Option<String>,
    /// Registered redirect URI (repeatable; exact match as on Kick).
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// User access token lifetime in seconds (Kick: 7200).
    #[arg(long, default_value_t = 7200)]
    user_token_ttl: u64,
    /// App access token lifetime in seconds (Kick: 5184000).
    #[arg(long, default_value_t = 5_184_000)]
    app_token_ttl: u64,
    /// Refresh tokens work once (Kick's default is lenient reuse).
    #[arg(long)]
    strict_refresh: bool,
    /// Refresh tokens of a grant die this many seconds after the login
    /// (Kick: about 30 days; 0 = never).
    #[arg(long, default_value_t = 30 * 24 * 3600)]
    refresh_token_lifetime: u64,
    /// Do not serve the `/_fake/*` control routes.
    #[arg(long)]
    no_control: bool,
    /// Webhook signing key type.
    #[arg(long, value_parser = ["rsa", "ed25519"], default_value = "rsa")]
    webhook_key: String,
    /// Added latency for every API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fraction of API requests answered 429.
    #[arg(long, default_value_t = 0.0)]
    rate_429: f64,
    /// Fraction of API requests answered 500.
    #[arg(long, default_value_t = 0.0)]
    rate_500: f64,
    /// World tick in milliseconds (viewer counts move); 0 = frozen.
    #[arg(long, default_value_t = 5000)]
    tick_ms: u64,
    /// Seed of the generated world.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Generated chat messages per second into every subscribed chatroom.
    #[arg(long)]
    chat_rate: Option<f64>,
    /// `activity_timeout` the chat socket announces, in seconds.
    #[arg(long, default_value_t = 120)]
    pusher_activity_timeout: u64,
    /// Run a real RTMP ingest (nginx + RTMP module) on 127.0.0.1: publishing
    /// with a channel's key takes it live; `stream.url` points there.
    #[arg(long)]
    ingest: bool,
    /// RTMP port of the ingest (0 = any free port).
    #[arg(long, default_value_t = 0)]
    ingest_port: u16,
    /// The nginx binary for the ingest.
    #[arg(long, default_value = "nginx")]
    nginx: std::path::PathBuf,
    /// Lifetime of realtime (Centrifugo) tokens, in seconds (Kick: 2699).
    #[arg(long, default_value_t = 2699)]
    realtime_token_ttl: u64,
    /// Centrifugo server ping interval, in seconds (Kick: 25).
    #[arg(long, default_value_t = 25)]
    centrifugo_ping: u64,
    /// Play the demo evening (follows, subs, gifts, KICKs, redemptions, a
    /// host, a timeout) while the streamer is live.
    #[arg(long)]
    evening: bool,
    /// Time factor of the demo evening (1 = real time).
    #[arg(long, default_value_t = 1.0)]
    evening_speed: f64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let a = Args::parse();
    let mut config = FakeConfig {
        port: a.port,
        auto_approve: a.auto_approve,
        client_id: a.client_id,
        client_secret: a.client_secret,
        user_token_ttl: Duration::from_secs(a.user_token_ttl),
        app_token_ttl: Duration::from_secs(a.app_token_ttl),
        strict_refresh: a.strict_refresh,
        refresh_token_lifetime: (a.refresh_token_lifetime > 0)
            .then(|| Duration::from_secs(a.refresh_token_lifetime)),
        control_routes: !a.no_control,
        webhook_key: if a.webhook_key == "ed25519" {
            WebhookKeyType::Ed25519
        } else {
            WebhookKeyType::Rsa
        },
        world_tick: (a.tick_ms > 0).then(|| Duration::from_millis(a.tick_ms)),
        seed: a.seed,
        chat_rate: a.chat_rate,
        pusher_activity_timeout: a.pusher_activity_timeout,
        ingest: a.ingest.then(|| kick_fake::ingest::IngestConfig {
            nginx: a.nginx.clone(),
            port: a.ingest_port,
            ..Default::default()
        }),
        realtime_token_ttl: Duration::from_secs(a.realtime_token_ttl),
        centrifugo: kick_fake::centrifugo::CentrifugoSettings {
            ping_ms: a.centrifugo_ping * 1000,
            ..Default::default()
        },
        evening: a.evening.then(|| kick_fake::EveningConfig {
            speed: a.evening_speed,
            ..Default::default()
        }),
        ..FakeConfig::default()
    };
    if !a.redirect_uris.is_empty() {
        config.redirect_uris = a.redirect_uris;
    }
    let fake = kick_fake::start(config).await?;
    fake.set_faults(FaultSettings {
        latency_ms: a.latency_ms,
        rate_429: a.rate_429,
        rate_500: a.rate_500,
        ..Default::default()
    });
    {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &fake.info)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    tracing::info!(addr = %fake.addr, "fake Kick ready");
    tokio::signal::ctrl_c().await?;
    fake.stop();
    Ok(())
}
