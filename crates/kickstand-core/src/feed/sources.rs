//! What each source says, as feed inputs: the chat socket's typed events
//! (already twin-free, REALTIME.md d.3) and Kick's verified webhooks.

use super::model::FeedInput;
use crate::dto::RedemptionStatus;
use kick_api::webhook::{EventUser, WebhookEvent};
use kick_chat::ChatEvent;

fn name(u: &EventUser) -> Option<String> {
    if u.is_anonymous {
        return None;
    }
    u.username.clone().filter(|n| !n.is_empty())
}

/// Kick names anonymous gifters "Anonymous" on the socket.
fn gifter(name: &str) -> Option<String> {
    let n = name.trim();
    (!n.is_empty() && !n.eq_ignore_ascii_case("anonymous")).then(|| n.to_owned())
}

pub fn status_of(s: &str) -> RedemptionStatus {
    match s.to_ascii_lowercase().as_str() {
        "accepted" => RedemptionStatus::Accepted,
        "rejected" => RedemptionStatus::Rejected,
        _ => RedemptionStatus::Pending,
    }
}

/// A socket event as feed inputs (chat lines are counted elsewhere).
pub fn from_socket(ev: &ChatEvent) -> Vec<FeedInput> {
    match ev {
        ChatEvent::Subscription { username, months } => vec![FeedInput::Sub {
            username: username.clone(),
            months: *months,
        }],
        ChatEvent::GiftedSubscriptions {
            gifter: g,
            count,
            recipients,
            ..
        } => vec![FeedInput::Gift {
            gifter: gifter(g),
            recipients: recipients.clone(),
            count: *count,
        }],
        ChatEvent::KicksGifted {
            sender,
            amount,
            name,
            message,
            ..
        } => vec![FeedInput::Kicks {
            sender: sender.clone(),
            amount: *amount,
            gift_name: name.clone(),
            message: message.clone(),
        }],
        ChatEvent::Host { host, viewers, .. } => vec![FeedInput::Host {
            host: host.clone(),
            viewers: *viewers,
        }],
        ChatEvent::RewardRedeemed {
            redemption_id,
            reward_title,
            user_id,
            username,
            user_input,
            ..
        } => vec![FeedInput::Redemption {
            id: redemption_id.clone().map(kick_api::RedemptionId),
            reward_title: reward_title.clone(),
            user_id: (*user_id != 0).then_some(*user_id),
            username: username.clone(),
            input: user_input.clone(),
            status: RedemptionStatus::Pending,
        }],
        ChatEvent::Follow {
            username,
            followed: true,
            ..
        } if !username.is_empty() => vec![FeedInput::Follow {
            username: username.clone(),
        }],
        ChatEvent::GoalProgress { kind, current, .. } if kind.eq_ignore_ascii_case("followers") => {
            vec![FeedInput::FollowerGoal { current: *current }]
        }
        ChatEvent::UserBanned {
            username,
            permanent,
            duration_minutes,
            banned_by,
            ..
        } => vec![FeedInput::Ban {
            username: username.clone(),
            moderator: banned_by.clone(),
            minutes: if *permanent {
                None
            } else {
                Some(duration_minutes.unwrap_or(0))
            },
        }],
        ChatEvent::Live { live, title, .. } => vec![FeedInput::Live {
            live: *live,
            title: title.clone(),
        }],
        _ => vec![],
    }
}

/// A verified webhook as feed inputs.
pub fn from_webhook(ev: &WebhookEvent) -> Vec<FeedInput> {
    match ev {
        WebhookEvent::ChannelFollowed(f) => name(&f.follower)
            .map(|username| vec![FeedInput::Follow { username }])
            .unwrap_or_default(),
        WebhookEvent::SubscriptionNew(s) | WebhookEvent::SubscriptionRenewal(s) => {
            name(&s.subscriber)
                .map(|username| {
                    vec![FeedInput::Sub {
                        username,
                        months: u64::from(s.duration.max(1)),
                    }]
                })
                .unwrap_or_default()
        }
        WebhookEvent::SubscriptionGifts(g) => {
            let recipients: Vec<String> = g.giftees.iter().filter_map(name).collect();
            vec![FeedInput::Gift {
                gifter: name(&g.gifter),
                count: g.giftees.len() as u64,
                recipients,
            }]
        }
        WebhookEvent::KicksGifted(k) => vec![FeedInput::Kicks {
            sender: name(&k.sender).unwrap_or_else(|| "Someone".into()),
            amount: k.gift.amount,
            gift_name: k.gift.name.clone(),
            message: k.gift.message.clone(),
        }],
        WebhookEvent::RewardRedemptionUpdated(r) => vec![FeedInput::Redemption {
            id: Some(r.id.clone()),
            reward_title: r.reward.title.clone(),
            user_id: r.redeemer.user_id,
            username: name(&r.redeemer).unwrap_or_default(),
            input: r.user_input.clone(),
            status: status_of(&r.status),
        }],
        WebhookEvent::ModerationBanned(b) => {
            let minutes = match (b.metadata.created_at, b.metadata.expires_at) {
                (Some(c), Some(e)) => Some(((e - c).num_seconds().max(0) as u64).div_ceil(60)),
                (None, Some(e)) => {
                    Some(((e - chrono::Utc::now()).num_seconds().max(0) as u64).div_ceil(60))
                }
                _ => None,
            };
            vec![FeedInput::Ban {
                username: name(&b.banned_user).unwrap_or_default(),
                moderator: name(&b.moderator).unwrap_or_default(),
                minutes,
            }]
        }
        WebhookEvent::LivestreamStatusUpdated(l) => vec![FeedInput::Live {
            live: l.is_live,
            title: l.title.clone(),
        }],
        WebhookEvent::LivestreamMetadataUpdated(m) => {
            let mut v = vec![FeedInput::Title {
                title: m.metadata.title.clone(),
            }];
            if let Some(c) = &m.metadata.category {
                if !c.name.is_empty() {
                    v.push(FeedInput::Category {
                        name: c.name.clone(),
                    });
                }
            }
            v
        }
        _ => vec![],
    }
}
