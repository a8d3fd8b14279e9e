//! The streamer's evening against a fake Kick on 127.0.0.1: redemptions in
//! Kick's batches, rewards with limits checked before sending, webhook
//! subscriptions that come back after Kick drops one, the receiver that
//! refuses forged/tampered/stale/replayed deliveries, and a feed (with its
//! seen webhook ids) that survives a restart.

use kick_fake::social::{FakeRedemption, CHATTER_ID_BASE};
use kick_fake::{RunningFake, STREAMER_ID};
use kickstand_core::core::evening::RewardEdit;
use kickstand_core::core::Core;
use kickstand_core::dto::{FeedBatch, FeedKind, RedemptionStatus};
use kickstand_core::error::{ErrorCode, ErrorField};
use kickstand_core::secrets::{MemoryStore, SecretStore};
use kickstand_core::settings::SettingsFile;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;
use common::*;

/// A logged-in Kick-mode core against its own fake, with a data folder.
async fn session(data: &Path, fake: &RunningFake, store: Arc<dyn SecretStore>) -> Core {
    let port = fake_port_of(fake);
    let mut opts = kick_options(fake, store.clone(), settings_in(data, port));
    opts.data_dir = Some(data.to_path_buf());
    let core = Core::start(opts, Recorder::default().sink()).await.unwrap();
    if core.status().phase != kickstand_core::dto::SessionPhase::LoggedIn {
        core.save_credentials(&fake.info.client_id, &fake.info.client_secret)
            .await
            .unwrap();
        core.login(browser()).await.unwrap();
    }
    core
}

fn fake_port_of(fake: &RunningFake) -> u16 {
    // The redirect URI the fake registered carries the loopback port.
    fake.info
        .redirect_uri
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap()
}

fn settings_in(dir: &std::path::Path, port: u16) -> SettingsFile {
    let f = SettingsFile::new(dir.join("settings.json"));
    if !f.path().exists() {
        f.save(&kickstand_core::settings::Settings {
            loopback_port: port,
            ..Default::default()
        })
        .unwrap();
    }
    f
}

fn temp_dir(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("kickstand-evening-{name}-{}", rand_suffix()))
}

/// A feed stream's batches.
#[derive(Clone, Default)]
struct FeedStream(Arc<Mutex<Vec<FeedBatch>>>);

impl FeedStream {
    fn sub(&self) -> kickstand_core::feed::FeedSubscriber {
        let b = self.0.clone();
        Box::new(move |x| {
            b.lock().unwrap().push(x);
            true
        })
    }
    fn items(&self) -> Vec<kickstand_core::dto::FeedItem> {
        // The latest version of each item, in order of first appearance.
        let mut out: Vec<kickstand_core::dto::FeedItem> = Vec::new();
        for b in self.0.lock().unwrap().iter() {
            if b.reset {
                out.clear();
            }
            for i in &b.items {
                match out.iter_mut().find(|o| o.id == i.id) {
                    Some(o) => *o = i.clone(),
                    None => out.push(i.clone()),
                }
            }
        }
        out
    }
    async fn wait(&self, what: &str, f: impl Fn(&[kickstand_core::dto::FeedItem]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !f(&self.items()) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {:#?}",
                self.items()
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
}

/// `n` more pending "Song request" redemptions at Kick, from the seeded
/// chatters.
fn pending_song_requests(fake: &RunningFake, n: u64) {
    let mut w = fake.state.world.lock().unwrap();
    let reward = w.social.rewards[1].id.clone();
    for i in 0..n {
        w.social.redemptions.push(FakeRedemption {
            id: ulid::Ulid::new().to_string(),
            reward_id: reward.clone(),
            broadcaster_user_id: STREAMER_ID,
            redeemer_user_id: CHATTER_ID_BASE + (i % 12),
            redeemer_username: kick_fake::social::chatter((i % 12) as usize).username,
            user_input: format!("song {i}"),
            status: "pending",
            redeemed_at: chrono::Utc::now(),
        });
    }
}

/// Fifty-five redemptions go in three calls; the second fails at Kick (a
/// 500): the first 25 are accepted, the second 25 failed with Kick's
/// trouble, and the last 5, never sent, are said to be still pending: each
/// id is counted once, none is lost.
#[tokio::test]
async fn a_failed_middle_batch_leaves_no_redemption_unaccounted() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let data = temp_dir("redeem-mid");
    let core = session(&data, &fake, Arc::new(MemoryStore::default())).await;
    pending_song_requests(&fake, 55);
    let feed = FeedStream::default();
    core.feed_open(feed.sub()).unwrap();
    core.redemptions_refresh().await.unwrap();
    let mut ids = core.redemptions_pending().await.unwrap();
    ids.truncate(55);
    assert_eq!(ids.len(), 55);
    fake.state.faults.set(kick_fake::faults::FaultSettings {
        // The second call fails however often it is tried (accepting is
        // idempotent at Kick, so the client retries a 500).
        pass_first: 1,
        next_500: 50,
        only_path: Some("/public/v1/channels/rewards/redemptions/accept".into()),
        ..Default::default()
    });
    let result = core.redemptions_decide(ids.clone(), true).await.unwrap();
    fake.state.faults.set(Default::default());
    assert_eq!(result.applied, 25);
    assert_eq!(result.failed.len(), 30, "{:?}", result.failed);
    let not_sent = result
        .failed
        .iter()
        .filter(|(_, why)| why.starts_with("Not sent"))
        .count();
    assert_eq!(not_sent, 5, "{:?}", result.failed);
    let mut counted: Vec<_> = result.failed.iter().map(|(id, _)| id.clone()).collect();
    counted.sort();
    counted.dedup();
    assert_eq!(counted.len(), 30, "each id once");
    // At Kick: 25 accepted, the other 30 still pending.
    let w = fake.state.world.lock().unwrap();
    let status = |id: &kick_api::RedemptionId| {
        w.social
            .redemptions
            .iter()
            .find(|r| r.id == id.as_str())
            .unwrap()
            .status
    };
    assert_eq!(ids.iter().filter(|id| status(id) == "accepted").count(), 25);
    for (id, _) in &result.failed {
        assert_eq!(status(id), "pending");
    }
}

#[tokio::test]
async fn thirty_redemptions_in_two_calls_with_one_refused() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let data = temp_dir("redeem");
    let core = session(&data, &fake, Arc::new(MemoryStore::default())).await;
    // 30 more pending redemptions at Kick (6 are seeded).
    pending_song_requests(&fake, 30);
    let feed = FeedStream::default();
    core.feed_open(feed.sub()).unwrap();
    assert!(core.redemptions_refresh().await.unwrap() >= 36);
    feed.wait("36 pending redemptions with ids and names", |items| {
        items
            .iter()
            .filter(|i| {
                i.kind == FeedKind::Redemption
                    && i.redemption.as_ref().is_some_and(|r| r.id.is_some())
                    && i.actor.as_deref().is_some_and(|a| !a.is_empty())
            })
            .count()
            >= 36
    })
    .await;
    let mut ids = core.redemptions_pending().await.unwrap();
    ids.truncate(30);
    assert_eq!(ids.len(), 30);
    // Someone already accepted one (on kick.com): Kick refuses that id.
    let taken = ids[7].clone();
    {
        let mut w = fake.state.world.lock().unwrap();
        let r = w
            .social
            .redemptions
            .iter_mut()
            .find(|r| r.id == taken.as_str())
            .unwrap();
        r.status = "accepted";
    }
    let before = fake.metrics()["api_requests"].as_u64().unwrap();
    let result = core.redemptions_decide(ids.clone(), true).await.unwrap();
    let calls = fake.metrics()["api_requests"].as_u64().unwrap() - before;
    assert_eq!(calls, 2, "25 + 5 ids in two calls");
    assert_eq!(result.applied, 29);
    assert_eq!(result.failed.len(), 1);
    assert_eq!(result.failed[0].0, taken);
    assert!(
        result.failed[0].1.contains("NOT_PENDING"),
        "{:?}",
        result.failed
    );
    // Applied at Kick, and shown.
    {
        let w = fake.state.world.lock().unwrap();
        for id in &ids {
            let r = w
                .social
                .redemptions
                .iter()
                .find(|r| r.id == id.as_str())
                .unwrap();
            assert_eq!(r.status, "accepted");
        }
    }
    feed.wait("29 accepted and one with Kick's reason", |items| {
        let mine: Vec<_> = items
            .iter()
            .filter_map(|i| i.redemption.as_ref())
            .filter(|r| r.id.as_ref().is_some_and(|id| ids.contains(id)))
            .collect();
        mine.iter()
            .filter(|r| r.status == RedemptionStatus::Accepted)
            .count()
            == 29
            && mine.iter().any(|r| {
                r.error
                    .as_deref()
                    .is_some_and(|e| e.contains("NOT_PENDING"))
            })
    })
    .await;
}

#[tokio::test]
async fn rewards_round_trip_and_limits_are_refused_before_sending() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let core = session(
        &temp_dir("rewards"),
        &fake,
        Arc::new(MemoryStore::default()),
    )
    .await;
    let before = core.rewards().await.unwrap().len();
    let requests = fake.metrics()["api_requests"].as_u64().unwrap();
    let err = core
        .reward_create(RewardEdit {
            title: Some("x".repeat(51)),
            cost: Some(10),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(err.field, Some(ErrorField::RewardTitle));
    assert_eq!(
        fake.metrics()["api_requests"].as_u64().unwrap(),
        requests,
        "nothing was sent"
    );
    let r = core
        .reward_create(RewardEdit {
            title: Some("Push-ups".into()),
            cost: Some(250),
            description: Some("10 push-ups on stream".into()),
            background_color: Some("#ff5c5c".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(r.title, "Push-ups");
    let r = core
        .reward_update(
            r.id.clone(),
            RewardEdit {
                cost: Some(300),
                is_paused: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.cost, 300);
    assert!(r.is_paused);
    let list = core.rewards().await.unwrap();
    assert_eq!(list.len(), before + 1);
    core.reward_delete(r.id.clone()).await.unwrap();
    assert_eq!(core.rewards().await.unwrap().len(), before);

    // A reward made on kick.com (or by another app) is not Kickstand's to
    // change: Kick says so, and the streamer is not sent to log in again
    // for a permission the login already has.
    fake.add_reward_made_elsewhere("Made on kick.com", 300);
    let theirs = core
        .rewards()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.title == "Made on kick.com")
        .expect("listed with the others");
    let err = core
        .reward_update(
            theirs.id.clone(),
            RewardEdit {
                cost: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::KickError, "{err:?}");
    assert_eq!(
        err.message,
        "Kick did not allow this: Only the app that created this reward can change it."
    );
    assert!(!err.message.contains("log in"), "{}", err.message);
}

#[tokio::test]
async fn subscriptions_come_back_after_kick_drops_one() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let core = session(&temp_dir("subs"), &fake, Arc::new(MemoryStore::default())).await;
    let view = core.webhook_reconcile().await.unwrap();
    let wanted = view.events.iter().filter(|e| e.wanted).count();
    assert!(wanted >= 9);
    assert_eq!(
        view.events
            .iter()
            .filter(|e| e.wanted && e.subscription_id.is_some())
            .count(),
        wanted
    );
    // Kick drops one (a day of failed deliveries).
    {
        let mut w = fake.state.world.lock().unwrap();
        let id = w
            .webhooks
            .subscriptions
            .values()
            .find(|s| s.event == "kicks.gifted")
            .unwrap()
            .id
            .clone();
        w.webhooks.subscriptions.remove(&id);
    }
    let view = core.webhook_subscriptions().await.unwrap();
    assert!(view
        .events
        .iter()
        .any(|e| e.name == "kicks.gifted" && e.subscription_id.is_none()));
    let view = core.webhook_reconcile().await.unwrap();
    assert!(view
        .events
        .iter()
        .any(|e| e.name == "kicks.gifted" && e.subscription_id.is_some()));
    let at_kick = fake
        .state
        .world
        .lock()
        .unwrap()
        .webhooks
        .subscriptions
        .values()
        .filter(|s| s.event == "kicks.gifted")
        .count();
    assert_eq!(at_kick, 1, "re-created once, not twice");
    // Unwanted: unsubscribed at Kick.
    let view = core
        .webhook_set_wanted("moderation.banned".into(), false)
        .await
        .unwrap();
    assert!(view
        .events
        .iter()
        .any(|e| e.name == "moderation.banned" && !e.wanted && e.subscription_id.is_none()));
}

/// A delivery signed with the fake's key (as Kick signs).
fn signed(
    fake: &RunningFake,
    sub: &str,
    event_type: &str,
    body: &serde_json::Value,
    ts: chrono::DateTime<chrono::Utc>,
) -> (Vec<(&'static str, String)>, Vec<u8>) {
    let d = kick_fake::webhooks::build_delivery(&fake.state, sub, event_type, body, ts);
    (d.headers, d.body)
}

async fn post(url: &str, headers: &[(&'static str, String)], body: Vec<u8>) -> u16 {
    let mut r = reqwest::Client::new().post(url).body(body);
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    r.send().await.unwrap().status().as_u16()
}

fn follow_body(name: &str) -> serde_json::Value {
    serde_json::json!({
        "broadcaster": kick_fake::social::event_user(STREAMER_ID, "DemoStreamer", None),
        "follower": kick_fake::social::event_user(7_399_001, name, None),
    })
}

#[tokio::test]
async fn the_receiver_refuses_forged_tampered_stale_and_replayed_deliveries_and_remembers() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let data = temp_dir("receiver");
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let core = session(&data, &fake, store.clone()).await;
    let st = core.webhook_set_receiver(true, 0).await.unwrap();
    assert!(st.running);
    let url = st.local_url.clone().unwrap();
    let subs = core.webhook_subscriptions().await.unwrap();
    let sub = subs
        .events
        .iter()
        .find(|e| e.name == "channel.followed")
        .and_then(|e| e.subscription_id.clone())
        .unwrap();
    let feed = FeedStream::default();
    core.feed_open(feed.sub()).unwrap();
    let now = chrono::Utc::now;

    // A good one: shown.
    let (h, b) = signed(
        &fake,
        sub.as_str(),
        "channel.followed",
        &follow_body("new_fan"),
        now(),
    );
    let (orig_h, orig_b) = (h.clone(), b.clone());
    assert_eq!(post(&url, &h, b.clone()).await, 200);
    feed.wait("the follow", |i| {
        i.iter().any(|x| x.text == "new_fan followed")
    })
    .await;
    // The same delivery again (Kick's duplicate, or a replay): 200, not shown again.
    assert_eq!(post(&url, &h, b.clone()).await, 200);
    // Tampered: the body changed after signing.
    let tampered = String::from_utf8(b).unwrap().replace("new_fan", "evil_fan");
    let (h2, _) = signed(
        &fake,
        sub.as_str(),
        "channel.followed",
        &follow_body("x"),
        now(),
    );
    let mut h3 = h2.clone();
    h3.retain(|(k, _)| *k != "Kick-Event-Message-Id");
    h3.push(("Kick-Event-Message-Id", "01TAMPERED000000000000000".into()));
    assert_eq!(post(&url, &h3, tampered.clone().into_bytes()).await, 401);
    // Forged: a signature of our own making.
    let mut forged = h2.clone();
    forged.retain(|(k, _)| *k != "Kick-Event-Signature");
    forged.push(("Kick-Event-Signature", "AAAA".repeat(86)));
    assert_eq!(post(&url, &forged, b"{}".to_vec()).await, 401);
    // Stale: signed, but ten minutes old.
    let (h4, b4) = signed(
        &fake,
        sub.as_str(),
        "channel.followed",
        &follow_body("old_fan"),
        now() - chrono::Duration::minutes(10),
    );
    assert_eq!(post(&url, &h4, b4).await, 400);
    // Too big.
    assert_eq!(post(&url, &h2, vec![b' '; 300 * 1024]).await, 413);
    let st = core.webhook_status();
    assert_eq!(st.accepted, 1);
    assert_eq!(st.replayed, 1);
    assert!(st.forged >= 2, "{st:?}");
    assert_eq!(st.stale, 1);
    assert_eq!(st.too_large, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let shown: Vec<_> = feed
        .items()
        .into_iter()
        .filter(|i| i.kind == FeedKind::Follow)
        .collect();
    assert_eq!(shown.len(), 1, "only the good one: {shown:?}");

    // A restart: the feed is back, and the old delivery is still known.
    drop(core);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let core = session(&data, &fake, store).await;
    let st = core.webhook_set_receiver(true, 0).await.unwrap();
    let url = st.local_url.unwrap();
    let again = FeedStream::default();
    core.feed_open(again.sub()).unwrap();
    again
        .wait("the feed after a restart", |i| {
            i.iter().any(|x| x.text == "new_fan followed")
        })
        .await;
    // The very delivery from before the restart: remembered (the store keeps
    // seen ids for a day), so acknowledged and not shown.
    assert_eq!(post(&url, &orig_h, orig_b).await, 200);
    let st = core.webhook_status();
    assert_eq!(st.accepted, 0, "{st:?}");
    assert_eq!(st.replayed, 1);
    // A new delivery for the same follower within the hour: one follow.
    let (h, b) = signed(
        &fake,
        sub.as_str(),
        "channel.followed",
        &follow_body("new_fan"),
        now(),
    );
    assert_eq!(post(&url, &h, b).await, 200);
    assert_eq!(core.webhook_status().accepted, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        again
            .items()
            .iter()
            .filter(|i| i.kind == FeedKind::Follow)
            .count(),
        1,
        "the same follower within the hour is one follow"
    );
}

/// Plays one of each kind of action at the fake (each goes out on the
/// socket with Kick's twins and as one signed webhook). `tag` keeps the
/// names of each round apart.
fn play_everything(fake: &RunningFake, tag: &str) {
    use kick_fake::actions as a;
    let b = STREAMER_ID;
    let s = &fake.state;
    let n = |x: &str| format!("{x}_{tag}");
    a::follow(s, b, &n("fan"), true).unwrap();
    a::subscribe(s, b, &n("newsub"), 1).unwrap();
    a::subscribe(s, b, &n("oldsub"), 7).unwrap();
    let giftees: Vec<String> = (0..3).map(|i| n(&format!("lucky{i}"))).collect();
    a::gift_subs(s, b, Some(&n("gifter")), &giftees, 2, true).unwrap();
    let anon: Vec<String> = (0..2).map(|i| n(&format!("quiet{i}"))).collect();
    a::gift_subs(s, b, None, &anon, 0, false).unwrap();
    a::kicks(s, b, &n("kicker"), 500, &format!("gg {tag}")).unwrap();
    a::redeem(
        s,
        b,
        &a::RewardPick {
            id: None,
            title: Some("Song request".into()),
        },
        &n("redeemer"),
        Some(&format!("song {tag}")),
    )
    .unwrap();
    a::host(s, b, &n("raider"), 42, "").unwrap();
    a::ban(s, b, &n("troll"), Some(10), "spam", None).unwrap();
}

/// What one round must show, each exactly once.
fn expect_once(items: &[kickstand_core::dto::FeedItem], tag: &str) -> Result<(), String> {
    let n = |x: &str| format!("{x}_{tag}");
    let want = [
        (FeedKind::Follow, format!("{} followed", n("fan"))),
        (FeedKind::Sub, format!("{} subscribed", n("newsub"))),
        (
            FeedKind::Resub,
            format!("{} resubscribed for 7 months", n("oldsub")),
        ),
        (
            FeedKind::GiftedSubs,
            format!("{} gifted 3 subs", n("gifter")),
        ),
        (FeedKind::GiftedSubs, "Anonymous gifted 2 subs".to_string()),
        (FeedKind::Kicks, format!("{} sent 500 KICKs", n("kicker"))),
        (
            FeedKind::Redemption,
            format!("{} redeemed Song request", n("redeemer")),
        ),
        (
            FeedKind::Host,
            format!("{} is hosting with 42 viewers", n("raider")),
        ),
        (
            FeedKind::Timeout,
            format!("{} was timed out for 10 min", n("troll")),
        ),
    ];
    for (kind, text) in want {
        let hits = items
            .iter()
            .filter(|i| {
                i.kind == kind
                    && (i.text == text || i.text.starts_with(&format!("{text} (")))
                    && (kind != FeedKind::GiftedSubs
                        || i.detail.as_deref().is_some_and(|d| d.contains(tag)))
            })
            .count();
        if hits != 1 {
            return Err(format!("{kind:?} {text:?}: {hits} times"));
        }
    }
    // Nothing unnamed on top of the named follow.
    if items.iter().any(|i| i.kind == FeedKind::Followers) {
        return Err("a +N followers item next to a named follow".into());
    }
    Ok(())
}

#[tokio::test]
async fn every_kind_arrives_once_from_the_socket_from_webhooks_and_from_both_with_duplicates() {
    let port = free_port();
    let fake = kick_fake(port).await;
    let core = session(&temp_dir("once"), &fake, Arc::new(MemoryStore::default())).await;
    let feed = FeedStream::default();
    core.feed_open(feed.sub()).unwrap();
    let stream = ChatStream::default();
    core.chat_start(None, stream.subscriber()).await.unwrap();
    stream.connected().await;
    tokio::time::sleep(Duration::from_millis(300)).await; // every channel subscribed

    // 1. The socket alone (no webhooks yet).
    play_everything(&fake, "sock");
    let ok = |tag: &'static str| {
        let feed = feed.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                let items = feed.items();
                let round: Vec<_> = items
                    .into_iter()
                    .filter(|i| {
                        i.actor.as_deref().is_some_and(|a| a.ends_with(tag))
                            || i.detail.as_deref().is_some_and(|d| d.contains(tag))
                    })
                    .collect();
                match expect_once(&round, tag) {
                    Ok(()) => return,
                    Err(e) if Instant::now() > deadline => panic!("{tag}: {e}\n{round:#?}"),
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
    };
    ok("sock").await;

    // 2. Both sources, each webhook delivered twice (Kick's duplicates).
    let st = core.webhook_set_receiver(true, 0).await.unwrap();
    let url = st.local_url.unwrap();
    control(
        &fake,
        "/_fake/webhooks/target",
        serde_json::json!({"url": url}),
    )
    .await;
    control(
        &fake,
        "/_fake/webhooks/settings",
        serde_json::json!({"duplicate_next": 100}),
    )
    .await;
    play_everything(&fake, "both");
    ok("both").await;
    // Every webhook (and its duplicate) has come in too; still once each.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let st = core.webhook_status();
        if st.accepted >= 8 && st.replayed >= 8 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "webhooks and their duplicates: {st:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    ok("both").await;

    // 3. Webhooks alone (chat off: no socket).
    core.chat_stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    play_everything(&fake, "hook");
    // The host has no webhook at Kick: it needs the socket.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let items = feed.items();
        let round: Vec<_> = items
            .into_iter()
            .filter(|i| {
                i.actor.as_deref().is_some_and(|a| a.ends_with("hook"))
                    || i.detail.as_deref().is_some_and(|d| d.contains("hook"))
            })
            .collect();
        let host = round.iter().filter(|i| i.kind == FeedKind::Host).count();
        let rest = round.len() - host;
        if rest == 8 {
            assert_eq!(host, 0);
            break;
        }
        assert!(Instant::now() < deadline, "webhooks alone: {round:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A webhook-only redemption carries Kick's id at once.
    let r = feed
        .items()
        .into_iter()
        .find(|i| i.actor.as_deref() == Some("redeemer_hook"))
        .unwrap();
    assert!(r.redemption.unwrap().id.is_some());
}
