//! Newtype IDs. Numeric Kick IDs are `u64` (never f64: one client tests
//! 9007199254740993); ULIDs and UUIDs are kept as strings and not force-parsed.
//! With the `specta` feature they describe themselves for generated
//! TypeScript (as their inner number or string), so the app can carry them
//! all the way to the window.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

macro_rules! numeric_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl<'de> Deserialize<'de> for $name {
            /// Accepts a JSON number or a decimal string.
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::de::u64_or_string(d).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<u64> for $name {
            fn from(v: u64) -> Self {
                $name(v)
            }
        }
    };
}

macro_rules! string_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl<'de> Deserialize<'de> for $name {
            /// Accepts a JSON string or a number (sources disagree for some IDs).
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::de::string_or_number(d).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(v: &str) -> Self {
                $name(v.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(v: String) -> Self {
                $name(v)
            }
        }
    };
}

numeric_id!(
    /// A Kick user id; also the broadcaster id of that user's channel.
    UserId
);
numeric_id!(
    /// A category id.
    CategoryId
);
string_id!(
    /// A chat message id (UUID).
    MessageId
);
string_id!(
    /// An event subscription id (ULID).
    SubscriptionId
);
string_id!(
    /// A channel reward id (ULID).
    RewardId
);
string_id!(
    /// A reward redemption id (ULID).
    RedemptionId
);
string_id!(
    /// A livestream id (UUID on v2 endpoints).
    LivestreamId
);
string_id!(
    /// A webhook delivery id (`Kick-Event-Message-Id`, ULID).
    WebhookMessageId
);
string_id!(
    /// An emote id (string in the docs, a number in some clients).
    EmoteId
);
