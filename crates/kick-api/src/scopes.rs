//! Kick's OAuth scopes (API.md §2.6, the complete official list).

pub const USER_READ: &str = "user:read";
pub const CHANNEL_READ: &str = "channel:read";
pub const CHANNEL_WRITE: &str = "channel:write";
pub const CHANNEL_REWARDS_READ: &str = "channel:rewards:read";
pub const CHANNEL_REWARDS_WRITE: &str = "channel:rewards:write";
pub const CHAT_WRITE: &str = "chat:write";
pub const STREAMKEY_READ: &str = "streamkey:read";
pub const EVENTS_SUBSCRIBE: &str = "events:subscribe";
pub const MODERATION_BAN: &str = "moderation:ban";
pub const MODERATION_CHAT_MESSAGE_MANAGE: &str = "moderation:chat_message:manage";
pub const KICKS_READ: &str = "kicks:read";

pub const ALL: &[&str] = &[
    USER_READ,
    CHANNEL_READ,
    CHANNEL_WRITE,
    CHANNEL_REWARDS_READ,
    CHANNEL_REWARDS_WRITE,
    CHAT_WRITE,
    STREAMKEY_READ,
    EVENTS_SUBSCRIBE,
    MODERATION_BAN,
    MODERATION_CHAT_MESSAGE_MANAGE,
    KICKS_READ,
];
