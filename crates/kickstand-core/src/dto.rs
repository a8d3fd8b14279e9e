//! Everything that crosses to the web UI, as plain serialisable types.
//! The shell generates the TypeScript bindings (`ui/src/lib/bindings.ts`)
//! from these types and its commands (tauri-specta); a test fails when the
//! committed file drifts.
//! Nothing here holds a token or the client secret; the stream key appears
//! only in [`StreamKeyReveal`], the answer of the one reveal command.

use kick_api::{CategoryId, MessageId, UserId};
use serde::{Deserialize, Serialize};
use specta::Type;

/// Where the app talks to: the embedded fake Kick, or kick.com.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Demo,
    Kick,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(rename_all = "snake_case")]
pub enum SessionPhase {
    /// Just started: reading the keyring, starting the mode.
    Starting,
    /// No Kick app credentials stored yet (first run).
    NeedsCredentials,
    /// Credentials stored, not logged in.
    LoggedOut,
    /// Waiting for the browser callback.
    LoggingIn,
    /// A stored login is being checked with Kick (retrying while Kick
    /// cannot be reached; see `AppStatus::problem`).
    Restoring,
    LoggedIn,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct UserSummary {
    pub user_id: UserId,
    pub name: String,
    pub profile_picture: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct KeyringStatus {
    pub available: bool,
    /// Why not, and how to fix it, when unavailable.
    pub message: Option<String>,
}

/// The app's state as the UI needs it on start and after every change
/// (event `kickstand://status`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct AppStatus {
    pub mode: Mode,
    pub phase: SessionPhase,
    pub user: Option<UserSummary>,
    pub keyring: KeyringStatus,
    /// The redirect URL to register in the Kick app settings.
    pub redirect_uri: String,
    /// The scopes Kickstand asks for.
    pub scopes: Vec<String>,
    /// The stored client id (not secret), to prefill the form.
    pub client_id: Option<String>,
    /// While restoring: why it takes long ("Kick is unreachable. Retrying in 8 s.").
    pub problem: Option<String>,
    /// Logged out because the last login ended: why, and what to do.
    pub prompt: Option<String>,
    /// When Kick is expected to ask for a new login (about 30 days after it).
    pub login_expires_at_ms: Option<i64>,
    /// Shown in the last week before that.
    pub relogin_warning: Option<String>,
    /// The chat transport setting.
    pub chat_transport: ChatTransport,
    /// Chat is on unless the streamer turned it off.
    pub chat_enabled: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct CategoryView {
    pub id: CategoryId,
    pub name: String,
    pub thumbnail: String,
}

/// The streamer's own channel.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct ChannelView {
    pub broadcaster_user_id: UserId,
    pub slug: String,
    pub display_name: String,
    pub avatar_url: String,
    pub title: String,
    pub category: Option<CategoryView>,
    pub tags: Vec<String>,
    pub language: String,
    pub is_live: bool,
    pub viewer_count: u64,
    /// Unix milliseconds, when live.
    pub started_at_ms: Option<i64>,
}

/// An edit of the channel; `None` = unchanged.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct ChannelUpdate {
    #[specta(optional)]
    pub title: Option<String>,
    #[specta(optional)]
    pub category_id: Option<CategoryId>,
    #[specta(optional)]
    pub tags: Option<Vec<String>>,
}

/// Kick's limits, so the UI can validate as the user types.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct ChannelLimits {
    pub title_max_chars: u32,
    pub tags_max: u32,
    pub tag_max_chars: u32,
}

/// Live state of one channel (own or watched).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct LiveEntry {
    pub slug: String,
    pub display_name: String,
    pub avatar_url: String,
    pub is_live: bool,
    pub viewer_count: u64,
    pub started_at_ms: Option<i64>,
    pub title: String,
    pub category: Option<String>,
}

/// Pushed by the live poller (event `kickstand://live`) whenever something changed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct LiveSnapshot {
    /// The own channel; while Kick cannot be asked (`problem`), as last seen.
    pub own: Option<LiveEntry>,
    pub watchlist: Vec<WatchEntry>,
    /// Current poll interval, milliseconds.
    pub interval_ms: u64,
    /// Why polling is slowed down or failing, in words, if it is.
    pub problem: Option<String>,
    /// Unix milliseconds of the last successful poll.
    pub updated_at_ms: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct WatchEntry {
    pub slug: String,
    /// `None` until Kick first answered for the channel; while Kick cannot
    /// be asked (`problem`), what it said last (never a guessed "offline").
    pub live: Option<LiveEntry>,
    /// Set when the slug could not be resolved (e.g. no such channel).
    pub error: Option<String>,
}

/// The answer of `reveal_stream_key`, the only place the key crosses to the UI.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct StreamKeyReveal {
    pub ingest_url: String,
    pub stream_key: String,
    /// Unix milliseconds when the UI must hide it again.
    pub hide_at_ms: i64,
}

impl std::fmt::Debug for StreamKeyReveal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamKeyReveal")
            .field("ingest_url", &"<redacted>")
            .field("stream_key", &"<redacted>")
            .field("hide_at_ms", &self.hide_at_ms)
            .finish()
    }
}

/// A background problem or success the UI should show as a toast
/// (event `kickstand://notice`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct Notice {
    pub level: NoticeLevel,
    pub message: String,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    Info,
    Success,
    Warning,
    Error,
}

/// Which realtime transport chat uses.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(rename_all = "snake_case")]
pub enum ChatTransport {
    /// What Kick's negotiation names (Centrifugo today, Pusher as fallback).
    #[default]
    Auto,
    Centrifugo,
    Pusher,
}

impl From<ChatTransport> for kick_chat::TransportChoice {
    fn from(t: ChatTransport) -> Self {
        match t {
            ChatTransport::Auto => kick_chat::TransportChoice::Auto,
            ChatTransport::Centrifugo => kick_chat::TransportChoice::Centrifugo,
            ChatTransport::Pusher => kick_chat::TransportChoice::Pusher,
        }
    }
}

/// The chat socket's state as the panel shows it: which transport Kick
/// gave (Centrifugo or Pusher) and, when it is down, why in plain words.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChatStatus {
    Off {
        reason: Option<String>,
    },
    Connecting {
        transport: Option<String>,
    },
    Connected {
        transport: String,
        /// Why Kick's old Pusher values are in use (Kick's chat negotiation
        /// failed; Kickstand keeps asking).
        fallback: Option<String>,
    },
    Reconnecting {
        in_ms: u64,
        reason: String,
        transport: Option<String>,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChatSpan {
    Text {
        text: String,
    },
    /// Image at `https://files.kick.com/emotes/{id}/fullsize`.
    Emote {
        id: String,
        name: String,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct ChatLine {
    pub id: MessageId,
    pub user_id: UserId,
    pub username: String,
    pub color: String,
    pub badges: Vec<String>,
    pub spans: Vec<ChatSpan>,
    /// The text this message replies to.
    pub reply_to: Option<String>,
    pub created_at_ms: Option<i64>,
    /// Mentions the streamer.
    pub mention: bool,
    /// Deleted by a moderator (or Kick's automod); the text is kept as sent.
    pub deleted: bool,
}

/// One row of the chat panel. A line that arrives again (deleted) replaces
/// the row with the same id.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatItem {
    Line(ChatLine),
    /// Mod actions, subs, gifts, hosts: one line of text.
    Notice {
        id: String,
        text: String,
    },
}

/// What arrived since the last batch (at most one per frame), on the chat
/// stream the panel opened; the first batch of a stream is the history.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct ChatBatch {
    pub items: Vec<ChatItem>,
    pub status: ChatStatus,
}

/// A message to send.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct ChatSendRequest {
    pub content: String,
    /// Send as the app's bot instead of the streamer.
    pub as_bot: bool,
    pub reply_to: Option<MessageId>,
}

/// A moderation action from the user card.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ModAction {
    Delete { message_id: MessageId },
    Timeout { user_id: UserId, minutes: u32 },
    Ban { user_id: UserId },
    Unban { user_id: UserId },
}

// ----- the evening: activity feed, stats, redemptions, rewards -----

/// What happened, for the activity feed's filters.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, Type)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    /// A named follow (Kick's webhook, or an older socket event).
    Follow,
    /// Followers Kick counted without names (the socket's follower goal).
    Followers,
    Sub,
    Resub,
    GiftedSubs,
    Kicks,
    Redemption,
    Host,
    Ban,
    Timeout,
    Live,
    Offline,
    TitleChanged,
    CategoryChanged,
}

/// A redemption's state at Kick.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionStatus {
    Pending,
    Accepted,
    Rejected,
}

/// What Kickstand knows of a redemption (to accept or reject it).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct RedemptionRef {
    /// Kick's redemption id, once known (the socket does not carry it; the
    /// webhook and the API do).
    pub id: Option<kick_api::RedemptionId>,
    pub reward_title: String,
    pub input: String,
    pub status: RedemptionStatus,
    /// Why the last accept/reject of it failed, in Kick's words.
    pub error: Option<String>,
}

/// One line of the activity feed. An item that comes again (a redemption
/// accepted) replaces the one with the same id.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct FeedItem {
    pub id: String,
    pub kind: FeedKind,
    pub at_ms: i64,
    /// Who did it (the follower, the gifter, the host...), `None` if anonymous.
    pub actor: Option<String>,
    /// The line to show, e.g. "gg_gary subscribed for 3 months".
    pub text: String,
    /// A message, the input of a redemption, the recipients of a gift.
    pub detail: Option<String>,
    /// Months, subs gifted, KICKs, viewers, minutes of a timeout.
    pub amount: Option<u64>,
    pub redemption: Option<RedemptionRef>,
    pub read: bool,
}

/// What the feed stream carries: changed or new items (newest last) and
/// the unread count. The first batch of a stream is the kept history.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct FeedBatch {
    pub items: Vec<FeedItem>,
    pub unread: u32,
    /// The first batch of a stream: replace what is shown.
    pub reset: bool,
}

/// One viewer count sample of the stream.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct ViewerSample {
    pub at_ms: i64,
    pub viewers: u64,
}

/// The numbers of the current (or last) stream.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct StreamStats {
    pub live: bool,
    pub started_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    pub title: String,
    pub current_viewers: u64,
    pub peak_viewers: u64,
    pub average_viewers: u64,
    pub new_followers: u64,
    pub subs: u64,
    pub gifted_subs: u64,
    pub kicks: u64,
    /// Chat messages in the last minute.
    pub chat_per_minute: u64,
    pub samples: Vec<ViewerSample>,
}

/// A past stream, for the history table.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct StreamSummary {
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub title: String,
    pub peak_viewers: u64,
    pub average_viewers: u64,
    pub new_followers: u64,
    pub subs: u64,
    pub gifted_subs: u64,
    pub kicks: u64,
}

/// Accept or reject several redemptions: how many were applied, and each
/// id that was not, with why (Kick's reason, Kick's trouble, or "Not sent"
/// for a batch after one that failed).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct RedemptionResult {
    pub applied: u32,
    /// (redemption id, why it was not applied).
    pub failed: Vec<(kick_api::RedemptionId, String)>,
}

/// Which feed items raise a desktop notification (while the window is not
/// focused).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct NotifyPrefs {
    pub kinds: Vec<FeedKind>,
    /// KICKs gifts notify from this amount up.
    pub kicks_min: u64,
}

impl Default for NotifyPrefs {
    fn default() -> Self {
        NotifyPrefs {
            kinds: vec![
                FeedKind::Sub,
                FeedKind::Resub,
                FeedKind::GiftedSubs,
                FeedKind::Kicks,
                FeedKind::Host,
            ],
            kicks_min: 100,
        }
    }
}

impl NotifyPrefs {
    pub fn wants(&self, item: &FeedItem) -> bool {
        self.kinds.contains(&item.kind)
            && (item.kind != FeedKind::Kicks || item.amount.unwrap_or(0) >= self.kicks_min)
    }
}

/// The webhook receiver: on or off, where, and what it let in or refused.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct WebhookStatus {
    pub enabled: bool,
    pub running: bool,
    pub port: u16,
    /// The local address to point the streamer's tunnel at.
    pub local_url: Option<String>,
    pub received: u64,
    pub accepted: u64,
    /// Bad or missing signatures (forged or tampered).
    pub forged: u64,
    /// Timestamps more than 5 minutes off.
    pub stale: u64,
    /// Deliveries already processed (Kick's duplicates, or replays).
    pub replayed: u64,
    pub too_large: u64,
    /// Valid signatures for another app's subscription.
    pub foreign: u64,
    /// Signed by Kick but not readable.
    pub malformed: u64,
    pub last_error: Option<String>,
}

/// One webhook event type: wanted by the streamer, subscribed at Kick.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct WebhookEventState {
    pub name: String,
    pub description: String,
    pub version: u32,
    pub wanted: bool,
    pub subscription_id: Option<kick_api::SubscriptionId>,
    /// Kick's words when it refused to subscribe.
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct WebhookSubscriptions {
    pub events: Vec<WebhookEventState>,
}

// ----- OBS -----

/// Where Kickstand finds OBS's websocket server (the password is in the
/// keyring; only whether one is set crosses to the window).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct ObsSettings {
    pub host: String,
    pub port: u16,
    pub has_password: bool,
    /// Connect at start (once the streamer connected OBS).
    pub enabled: bool,
}

/// The OBS connection as the panel shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ObsState {
    /// Not set up (the streamer has not connected OBS).
    Off,
    Connecting,
    /// OBS cannot be reached (not running, websocket server off); retrying.
    NotRunning {
        message: String,
        retry_in_ms: u64,
    },
    /// Connected; `output`: idle, starting or stopping.
    Connected {
        output: String,
    },
    /// OBS is streaming (`reconnecting`: OBS lost the ingest and retries).
    Streaming {
        reconnecting: bool,
    },
    Reconnecting {
        message: String,
        retry_in_ms: u64,
    },
    /// Wrong password, an old OBS (v4), ...: the streamer must act.
    NeedsAttention {
        message: String,
    },
}

/// OBS's stream as OBS reports it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Type)]
pub struct ObsHealth {
    pub active: bool,
    pub reconnecting: bool,
    pub bitrate_kbps: Option<u32>,
    pub dropped_frames: u64,
    pub total_frames: u64,
    pub dropped_percent: f64,
    /// 0 (none) to 1 (fully congested).
    pub congestion: f64,
    pub duration_ms: u64,
}

/// Whether OBS streams to the streamer's current Kick ingest (compared in
/// Rust; neither key is ever shown).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
#[serde(tag = "key", rename_all = "snake_case")]
pub enum ObsKeyState {
    Matches,
    /// OBS has another key (a stale one) or another server.
    Differs {
        key_differs: bool,
        server_differs: bool,
    },
    NotConfigured,
    OtherService {
        service: Option<String>,
    },
}

/// Everything the OBS panel shows (event `kickstand://obs`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Type)]
pub struct ObsView {
    /// Grows with every view Kickstand builds. Views reach the window by
    /// event and as commands' answers, in either order: the window keeps
    /// the one with the highest number.
    pub seq: u64,
    pub settings: ObsSettings,
    pub state: ObsState,
    pub scenes: Vec<String>,
    pub current_scene: Option<String>,
    pub health: Option<ObsHealth>,
    /// The last check of OBS's stream settings against Kick's.
    pub key: Option<ObsKeyState>,
    /// Whether the stream reaches Kick, in words, while OBS streams.
    pub arrival: Option<String>,
    /// Kick shows the stream live (from the poller), for the side-by-side view.
    pub kick_live: bool,
}

// ----- About -----

/// The Kick hosts the app talks to now (Kick's, or the demo's fake on
/// 127.0.0.1). No secret.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Type)]
pub struct KickEndpoints {
    pub oauth: String,
    pub api: String,
    /// kick.com's own site API (channel lookup, chat negotiation).
    pub web: String,
    pub site: String,
}
