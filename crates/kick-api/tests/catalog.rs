//! Channels, categories and livestreams against the fake over real HTTP.

mod common;

use common::*;
use kick_api::endpoints::categories::CategoryQuery;
use kick_api::endpoints::channels::{ChannelLookup, ChannelPatch};
use kick_api::endpoints::livestreams::LivestreamQuery;
use kick_api::{scopes, CategoryId, Error, UserId};
use kick_fake::STREAMER_ID;

#[tokio::test]
async fn own_channel_carries_the_stream_key_only_with_streamkey_read() {
    let fake = fake().await;
    let with = user_client(&fake, &[scopes::CHANNEL_READ, scopes::STREAMKEY_READ]);
    let c = with.own_channel().await.unwrap();
    assert_eq!(c.broadcaster_user_id, UserId(STREAMER_ID));
    assert_eq!(c.slug, "demostreamer");
    assert_eq!(c.category.name, "Just Chatting");
    let (url, key) = c
        .stream_credentials()
        .expect("own channel with streamkey:read");
    assert!(url.expose().starts_with("rtmps://"));
    assert!(key.expose().starts_with("sk_"));
    // Offline: Kick's zero time decodes to None.
    assert!(!c.stream.is_live);
    assert_eq!(c.stream.start_time, None);
    assert!(
        !format!("{c:?}").contains(key.expose()),
        "Debug leaks the key"
    );

    let without = user_client(&fake, &[scopes::CHANNEL_READ]);
    let c = without.own_channel().await.unwrap();
    assert!(c.stream_credentials().is_none());

    // Another channel never shows its key, even with the scope.
    let other = with
        .channels(ChannelLookup::Slugs(&["nightowlnina"]))
        .await
        .unwrap();
    assert_eq!(other.len(), 1);
    assert!(other[0].stream_credentials().is_none());
}

#[tokio::test]
async fn lookups_by_ids_and_slugs_and_kicks_refusals() {
    let fake = fake().await;
    let app = app_client(&fake);
    let by_slug = app
        .channels(ChannelLookup::Slugs(&["demostreamer", "NightOwlNina"]))
        .await
        .unwrap();
    assert_eq!(by_slug.len(), 2);
    let ids: Vec<UserId> = by_slug.iter().map(|c| c.broadcaster_user_id).collect();
    let by_id = app.channels(ChannelLookup::Ids(&ids)).await.unwrap();
    assert_eq!(by_id.len(), 2);

    // One unknown slug fails the whole call with 400, as on Kick.
    let err = app
        .channels(ChannelLookup::Slugs(&["demostreamer", "nobody-here"]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");

    // Mixing ids and slugs is a 400 at the fake (the client cannot even build it).
    let token = fake.mint_app_token();
    let (status, body) = raw_get(
        &fake,
        "/public/v1/channels?broadcaster_user_id=4250001&slug=demostreamer",
        &token,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Invalid request");
    assert!(body["data"].is_null());
    let many: String = (0..51)
        .map(|i| format!("broadcaster_user_id={i}&"))
        .collect();
    let (status, _) = raw_get(&fake, &format!("/public/v1/channels?{many}"), &token).await;
    assert_eq!(status, 400);

    // Scope enforced for user tokens.
    let no_scope = user_client(&fake, &[scopes::USER_READ]);
    let err = no_scope.own_channel().await.unwrap_err();
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn patch_changes_the_channel_and_validates_first() {
    let fake = fake().await;
    let c = user_client(&fake, &[scopes::CHANNEL_READ, scopes::CHANNEL_WRITE]);
    let mut events = fake.state.events.subscribe();
    c.update_channel(&ChannelPatch {
        stream_title: Some("New title for tonight".into()),
        category_id: Some(CategoryId(15)),
        custom_tags: Some(vec!["English".into(), "Cozy".into(), "Music".into()]),
    })
    .await
    .unwrap();
    let after = c.own_channel().await.unwrap();
    assert_eq!(after.stream_title, "New title for tonight");
    assert_eq!(after.stream.custom_tags, vec!["English", "Cozy", "Music"]);
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.event_type, "livestream.metadata.updated");
    assert_eq!(ev.payload["metadata"]["title"], "New title for tonight");

    // An unknown category is Kick's 400, with its message kept.
    let err = c
        .update_channel(&ChannelPatch {
            category_id: Some(CategoryId(999_999)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 400, .. }), "{err:?}");

    // Client-side validation: nothing reaches the fake.
    let before = fake.metrics()["api_requests"].as_u64().unwrap();
    let err = c
        .update_channel(&ChannelPatch {
            stream_title: Some("x".repeat(500)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { field: "title", .. }));
    assert_eq!(fake.metrics()["api_requests"].as_u64().unwrap(), before);

    // Without channel:write: 403.
    let ro = user_client(&fake, &[scopes::CHANNEL_READ]);
    let err = ro
        .update_channel(&ChannelPatch {
            stream_title: Some("nope".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn categories_search_and_cursor_paging() {
    let fake = fake().await;
    let c = user_client(&fake, &[scopes::USER_READ]);
    let page = c.categories(&CategoryQuery::search("just")).await.unwrap();
    assert!(page
        .data
        .iter()
        .any(|c| c.name == "Just Chatting" && c.id == CategoryId(15)));

    // Walk all categories 40 at a time: every one exactly once, last cursor empty.
    let all = c
        .all_categories(
            CategoryQuery {
                limit: Some(40),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
    assert!(
        all.len() >= 250,
        "a few hundred categories, got {}",
        all.len()
    );
    let mut ids: Vec<_> = all.iter().map(|c| c.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "paging repeated a category");

    // Comma lists and repeated keys both work at the fake (API.md §3.3).
    let token = fake.mint_app_token();
    let (s1, b1) = raw_get(&fake, "/public/v2/categories?id=15,102", &token).await;
    let (s2, b2) = raw_get(&fake, "/public/v2/categories?id=15&id=102", &token).await;
    let (s3, b3) = raw_get(&fake, "/public/v2/categories?id[]=15&id[]=102", &token).await;
    assert_eq!((s1, s2, s3), (200, 200, 200));
    assert_eq!(b1["data"].as_array().unwrap().len(), 2);
    assert_eq!(b1["data"], b2["data"]);
    assert_eq!(b2["data"], b3["data"]);
    assert_eq!(b1["pagination"]["next_cursor"], "");
    let (s, _) = raw_get(&fake, "/public/v2/categories?cursor=x", &token).await;
    assert_eq!(s, 400);

    // Too-short searches are refused before sending.
    assert!(matches!(
        c.categories(&CategoryQuery::search("j")).await,
        Err(Error::Validation { .. })
    ));
}

#[tokio::test]
async fn live_status_batches_and_follows_the_stream() {
    let fake = fake().await;
    let c = user_client(&fake, &[scopes::CHANNEL_READ]);
    // 150 ids, some real: split into two calls of <= 100.
    let before = fake.metrics()["api_requests"].as_u64().unwrap();
    let mut ids: Vec<UserId> = (0..150).map(|i| UserId(9_000_000 + i)).collect();
    ids.push(UserId(STREAMER_ID));
    let live = c.live_by_user_ids(&ids).await.unwrap();
    assert!(live.is_empty(), "the streamer starts offline");
    assert_eq!(fake.metrics()["api_requests"].as_u64().unwrap() - before, 2);

    let mut events = fake.state.events.subscribe();
    control(
        &fake,
        "/_fake/stream/live",
        serde_json::json!({"viewers": 321}),
    )
    .await;
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.event_type, "livestream.status.updated");
    assert_eq!(ev.payload["is_live"], true);
    let live = c.live_by_user_ids(&ids).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].broadcaster_user.id, UserId(STREAMER_ID));
    assert_eq!(live[0].viewer_count, 321);
    assert!(live[0].id.is_some());
    assert!(live[0].started_at.is_some());
    let own = c.own_channel().await.unwrap();
    assert!(own.stream.is_live);
    assert!(own.stream.start_time.is_some());

    control(&fake, "/_fake/stream/offline", serde_json::json!({})).await;
    assert!(c.live_by_user_ids(&ids).await.unwrap().is_empty());
}

#[tokio::test]
async fn livestreams_v2_pages_oldest_first_and_stats_match() {
    let fake = fake().await;
    let c = app_client(&fake);
    let mut all = Vec::new();
    let mut q = LivestreamQuery {
        limit: Some(5),
        ..Default::default()
    };
    loop {
        let page = c.livestreams(&q).await.unwrap();
        all.extend(page.data);
        match page.next_cursor {
            Some(cur) => q.cursor = Some(cur),
            None => break,
        }
    }
    assert!(all.len() >= 5, "the seeded world has live channels");
    let starts: Vec<_> = all.iter().map(|l| l.started_at).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted, "oldest first");
    let stats = c.livestream_stats().await.unwrap();
    assert_eq!(stats.total_count as usize, all.len());

    let cat = all[0].category.id;
    let filtered = c
        .livestreams(&LivestreamQuery {
            category_ids: vec![cat],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(filtered.data.iter().all(|l| l.category.id == cat));
}

#[tokio::test]
async fn the_world_moves_on_its_own() {
    let fake = fake_with(kick_fake::FakeConfig {
        world_tick: Some(std::time::Duration::from_millis(20)),
        ..Default::default()
    })
    .await;
    let c = app_client(&fake);
    let first = c
        .livestreams(&LivestreamQuery::default())
        .await
        .unwrap()
        .data;
    let v1: u64 = first.iter().map(|l| l.viewer_count).sum();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let later = c
        .livestreams(&LivestreamQuery::default())
        .await
        .unwrap()
        .data;
    let v2: u64 = later.iter().map(|l| l.viewer_count).sum();
    assert_ne!(v1, v2, "viewer counts drift over time");
}
