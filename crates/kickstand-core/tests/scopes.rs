//! The scopes Kickstand asks for at login (`core::SCOPES`) cover every
//! endpoint the app calls. The core runs in demo mode with a request
//! observer in its Kick config; every feature that talks to Kick is used
//! once, and each endpoint the client sent must declare a scope in SCOPES.

use kick_api::endpoints;
use kick_api::RequestObserver;
use kickstand_core::core::{Core, SCOPES};
use kickstand_core::dto::{ChannelUpdate, ChatSendRequest, ModAction};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;
use common::*;

type Seen = Arc<Mutex<BTreeMap<&'static str, Option<&'static str>>>>;

async fn wait_until_sent(seen: &Seen, endpoint: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.lock().unwrap().contains_key(endpoint) {
        assert!(Instant::now() < deadline, "{endpoint} was never sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_login_scopes_cover_every_endpoint_the_app_calls() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let mut opts = demo_options();
    opts.kick = opts
        .kick
        .with_observer(RequestObserver::new(move |endpoint, scope| {
            s.lock().unwrap().insert(endpoint, scope);
        }));
    let rec = Recorder::default();
    let core = Core::start(opts, rec.sink()).await.unwrap();
    core.login(|_: &str| Ok(())).await.unwrap();

    // The channel editor.
    core.channel().await.unwrap();
    core.update_channel(ChannelUpdate {
        title: Some("Scopes check".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    core.search_categories("chess").await.unwrap();
    // The watchlist (the poller resolves slugs, then asks who is live).
    core.watchlist_add("NightOwlNina").unwrap();
    wait_until_sent(&seen, "GET /public/v1/users/livestreams").await;
    // The stream key.
    core.reveal_stream_key().await.unwrap();
    // Chat: send, then every moderation action.
    core.chat_send(ChatSendRequest {
        content: "scopes check".into(),
        as_bot: false,
        reply_to: None,
    })
    .await
    .unwrap();
    let viewer = kick_api::UserId(7_300_001);
    core.chat_moderate(ModAction::Timeout {
        user_id: viewer,
        minutes: 1,
    })
    .await
    .unwrap();
    core.chat_moderate(ModAction::Unban { user_id: viewer })
        .await
        .unwrap();
    core.chat_moderate(ModAction::Ban { user_id: viewer })
        .await
        .unwrap();
    core.chat_moderate(ModAction::Unban { user_id: viewer })
        .await
        .unwrap();
    // An unknown message: Kick answers 404, but the call was made.
    let _ = core
        .chat_moderate(ModAction::Delete {
            message_id: "0b0f4a5e-1111-4c4c-9c9c-123456789abc".into(),
        })
        .await;

    let seen = seen.lock().unwrap().clone();
    for expected in [
        "GET /public/v1/users",
        "GET /public/v1/channels",
        "GET /public/v1/channels (stream key)",
        "PATCH /public/v1/channels",
        "GET /public/v2/categories",
        "GET /public/v1/users/livestreams",
        "POST /public/v1/chat",
        "POST /public/v1/moderation/bans",
        "DELETE /public/v1/moderation/bans",
        "DELETE /public/v1/chat/{message_id}",
    ] {
        assert!(seen.contains_key(expected), "{expected} not sent: {seen:?}");
    }
    for (endpoint, scope) in &seen {
        let info = endpoints::endpoint_info(endpoint)
            .unwrap_or_else(|| panic!("{endpoint} is not in kick_api::endpoints::ENDPOINTS"));
        assert_eq!(*scope, info.scope, "{endpoint}");
        if let Some(scope) = scope {
            assert!(
                SCOPES.contains(scope),
                "{endpoint} needs {scope}, which the login does not ask for"
            );
        }
    }
}
