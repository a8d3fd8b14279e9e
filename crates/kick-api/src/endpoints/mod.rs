//! One module per area of Kick's REST API (API.md §3). Each endpoint has a pure
//! request builder (`*_request`, validates input, no I/O) and a method on
//! [`crate::client::KickClient`] that runs it. Every builder declares the
//! scope its endpoint needs; [`ENDPOINTS`] lists them all.

pub mod categories;
pub mod channels;
pub mod chat;
pub mod events;
pub mod kicks;
pub mod livestreams;
pub mod moderation;
pub mod public_key;
pub mod rewards;
pub mod users;

use crate::scopes;

/// An endpoint (as named in errors and in [`crate::transport::ApiRequest`])
/// and the scope a user token needs for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointInfo {
    pub endpoint: &'static str,
    pub scope: Option<&'static str>,
}

const fn info(endpoint: &'static str, scope: Option<&'static str>) -> EndpointInfo {
    EndpointInfo { endpoint, scope }
}

/// Every endpoint this crate calls, with its scope (API.md §2.6, §3.0).
/// The same call read for different data can need another scope: the own
/// channel read for its stream key is its own entry.
pub const ENDPOINTS: &[EndpointInfo] = &[
    info("GET /public/v1/users", Some(scopes::USER_READ)),
    info("GET /public/v1/channels", Some(scopes::CHANNEL_READ)),
    info(
        "GET /public/v1/channels (stream key)",
        Some(scopes::STREAMKEY_READ),
    ),
    info("PATCH /public/v1/channels", Some(scopes::CHANNEL_WRITE)),
    info("GET /public/v2/categories", None),
    info("GET /public/v2/livestreams", None),
    info("GET /public/v1/users/livestreams", None),
    info("GET /public/v1/livestreams/stats", None),
    info("POST /public/v1/chat", Some(scopes::CHAT_WRITE)),
    info(
        "DELETE /public/v1/chat/{message_id}",
        Some(scopes::MODERATION_CHAT_MESSAGE_MANAGE),
    ),
    info(
        "POST /public/v1/moderation/bans",
        Some(scopes::MODERATION_BAN),
    ),
    info(
        "DELETE /public/v1/moderation/bans",
        Some(scopes::MODERATION_BAN),
    ),
    info("GET /public/v1/public-key", None),
    // Kick declares no scope for listing subscriptions (API.md §3.0 row 17).
    info("GET /public/v1/events/subscriptions", None),
    info(
        "POST /public/v1/events/subscriptions",
        Some(scopes::EVENTS_SUBSCRIBE),
    ),
    info(
        "DELETE /public/v1/events/subscriptions",
        Some(scopes::EVENTS_SUBSCRIBE),
    ),
    info("GET /public/v1/kicks/leaderboard", Some(scopes::KICKS_READ)),
    // `channel:rewards:write` satisfies the reads too (API.md §2.6).
    info(
        "GET /public/v1/channels/rewards",
        Some(scopes::CHANNEL_REWARDS_READ),
    ),
    info(
        "POST /public/v1/channels/rewards",
        Some(scopes::CHANNEL_REWARDS_WRITE),
    ),
    info(
        "PATCH /public/v1/channels/rewards/{id}",
        Some(scopes::CHANNEL_REWARDS_WRITE),
    ),
    info(
        "DELETE /public/v1/channels/rewards/{id}",
        Some(scopes::CHANNEL_REWARDS_WRITE),
    ),
    info(
        "GET /public/v1/channels/rewards/redemptions",
        Some(scopes::CHANNEL_REWARDS_READ),
    ),
    info(
        "POST /public/v1/channels/rewards/redemptions/accept",
        Some(scopes::CHANNEL_REWARDS_WRITE),
    ),
    info(
        "POST /public/v1/channels/rewards/redemptions/reject",
        Some(scopes::CHANNEL_REWARDS_WRITE),
    ),
];

/// The registry entry of an endpoint, `None` for an endpoint this crate
/// does not call.
pub fn endpoint_info(endpoint: &str) -> Option<&'static EndpointInfo> {
    ENDPOINTS.iter().find(|e| e.endpoint == endpoint)
}

/// The scope an endpoint needs (`None`: no scope, or not an endpoint of
/// this crate; [`endpoint_info`] tells the two apart).
pub fn scope_of(endpoint: &str) -> Option<&'static str> {
    endpoint_info(endpoint).and_then(|e| e.scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CategoryId, MessageId, RedemptionId, RewardId, SubscriptionId, UserId};
    use crate::transport::ApiRequest;
    use std::collections::BTreeSet;

    /// One request from every builder (valid input).
    fn every_request() -> Vec<ApiRequest> {
        let reward = RewardId::from("01JREWARD");
        let redemption = [RedemptionId::from("01JREDEMPTION")];
        let fields = rewards::RewardFields {
            title: Some("Hydrate".into()),
            cost: Some(100),
            ..Default::default()
        };
        vec![
            users::users_request(&[]).unwrap(),
            users::users_request(&[UserId(1)]).unwrap(),
            channels::channels_request(channels::ChannelLookup::Own).unwrap(),
            channels::channels_request(channels::ChannelLookup::Ids(&[UserId(1)])).unwrap(),
            channels::channels_request(channels::ChannelLookup::Slugs(&["a"])).unwrap(),
            channels::stream_key_request(),
            channels::update_channel_request(&channels::ChannelPatch {
                category_id: Some(CategoryId(15)),
                ..Default::default()
            })
            .unwrap(),
            categories::categories_request(&categories::CategoryQuery::search("chess")).unwrap(),
            livestreams::livestreams_request(&Default::default()).unwrap(),
            livestreams::users_livestreams_request(&[UserId(1)]).unwrap(),
            livestreams::livestream_stats_request(),
            chat::send_chat_request(&chat::ChatSend {
                sender: chat::ChatAs::Bot,
                content: "hi".into(),
                reply_to: None,
            })
            .unwrap(),
            chat::delete_chat_request(&MessageId::from("m-1")).unwrap(),
            moderation::ban_request(UserId(1), UserId(2), None, None).unwrap(),
            moderation::ban_request(UserId(1), UserId(2), Some(5), None).unwrap(),
            moderation::unban_request(UserId(1), UserId(2)),
            public_key::public_key_request(),
            events::list_request(None),
            events::create_request(None, &[events::EventSpec::v1("chat.message.sent")]).unwrap(),
            events::delete_request(&[SubscriptionId::from("01JSUB")]).unwrap(),
            kicks::leaderboard_request(10).unwrap(),
            rewards::rewards_request(),
            rewards::create_reward_request(&fields).unwrap(),
            rewards::update_reward_request(&reward, &fields).unwrap(),
            rewards::delete_reward_request(&reward).unwrap(),
            rewards::redemptions_request(&Default::default()).unwrap(),
            rewards::decide_request(&redemption, true).unwrap(),
            rewards::decide_request(&redemption, false).unwrap(),
        ]
    }

    #[test]
    fn every_builder_declares_its_registered_scope() {
        let mut seen = BTreeSet::new();
        for req in every_request() {
            let info = endpoint_info(req.endpoint)
                .unwrap_or_else(|| panic!("{} is not in ENDPOINTS", req.endpoint));
            assert_eq!(req.scope, info.scope, "{}", req.endpoint);
            seen.insert(req.endpoint);
        }
        // No stale or doubled entries: every entry has a builder, once.
        let registered: BTreeSet<_> = ENDPOINTS.iter().map(|e| e.endpoint).collect();
        assert_eq!(
            registered.len(),
            ENDPOINTS.len(),
            "an endpoint is listed twice"
        );
        assert_eq!(seen, registered);
        for e in ENDPOINTS {
            if let Some(s) = e.scope {
                assert!(
                    scopes::ALL.contains(&s),
                    "{}: {s} is not a Kick scope",
                    e.endpoint
                );
            }
        }
    }

    #[test]
    fn scope_lookup() {
        assert_eq!(scope_of("PATCH /public/v1/channels"), Some("channel:write"));
        assert_eq!(scope_of("GET /public/v1/public-key"), None);
        assert!(endpoint_info("GET /public/v1/public-key").is_some());
        assert!(endpoint_info("GET /nowhere").is_none());
        assert_eq!(
            scope_of("DELETE /public/v1/chat/{message_id}"),
            Some("moderation:chat_message:manage")
        );
    }
}
