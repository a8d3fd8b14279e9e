//! Models shared by several endpoints and the webhook payloads.

use crate::ids::CategoryId;
use serde::Deserialize;

/// A category as channels, livestreams and webhooks embed it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct CategoryRef {
    #[serde(default)]
    pub id: CategoryId,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::de::null_default")]
    pub thumbnail: String,
}
