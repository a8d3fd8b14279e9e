//! The Kick API calls the core makes, in one place: channel, categories,
//! live status, stream key, and the loopback login helpers.

use crate::dto::{CategoryView, ChannelLimits, ChannelUpdate, ChannelView, LiveEntry, UserSummary};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::poller::{LiveSource, Resolved, SlugResolution};
use kick_api::endpoints::categories::CategoryQuery;
use kick_api::endpoints::channels::{self as ch, Channel, ChannelLookup, ChannelPatch};
use kick_api::endpoints::livestreams::Livestream;
use kick_api::{AuthorizationRequest, KickClient, LoopbackListener, Secret, UserId};
use std::collections::HashMap;
use std::time::Duration;

pub struct KickSource {
    client: KickClient,
    me: UserSummary,
}

impl KickSource {
    pub fn new(client: KickClient, me: UserSummary) -> Self {
        KickSource { client, me }
    }
}

fn resolved(c: &Channel) -> Resolved {
    Resolved {
        user_id: c.broadcaster_user_id,
        slug: c.slug.clone(),
        display_name: c.slug.clone(),
        avatar_url: String::new(),
    }
}

/// Kick refuses a lookup with an unknown slug with 400 (and our own check
/// refuses malformed ones): the slug, not the call, is at fault.
fn is_bad_slug(e: &kick_api::Error) -> bool {
    e.status() == Some(400) || matches!(e, kick_api::Error::Validation { .. })
}

impl LiveSource for KickSource {
    async fn own_channel(&self) -> Result<ChannelView, kick_api::Error> {
        own_channel(&self.client, Some(&self.me)).await
    }

    /// Slugs to user ids, 50 per call. Kick fails a whole call on one unknown
    /// slug (400), so a failed batch is retried slug by slug to find it.
    async fn resolve_slugs(
        &self,
        slugs: &[String],
    ) -> Result<Vec<SlugResolution>, kick_api::Error> {
        let mut out = Vec::with_capacity(slugs.len());
        for chunk in slugs.chunks(ch::MAX_CHANNEL_LOOKUPS) {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            match self.client.channels(ChannelLookup::Slugs(&refs)).await {
                Ok(list) => {
                    for slug in chunk {
                        let hit = list.iter().find(|c| c.slug.eq_ignore_ascii_case(slug));
                        out.push((
                            slug.clone(),
                            hit.map(resolved)
                                .ok_or_else(|| format!("No Kick channel named “{slug}”.")),
                        ));
                    }
                }
                Err(e) if is_bad_slug(&e) => {
                    for slug in chunk {
                        let r = match self.client.channels(ChannelLookup::Slugs(&[slug])).await {
                            Ok(list) => list
                                .first()
                                .map(resolved)
                                .ok_or_else(|| format!("No Kick channel named “{slug}”.")),
                            Err(e) if is_bad_slug(&e) => {
                                Err(format!("No Kick channel named “{slug}”."))
                            }
                            Err(e) => return Err(e),
                        };
                        out.push((slug.clone(), r));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    async fn live_by_ids(
        &self,
        ids: &[UserId],
    ) -> Result<HashMap<UserId, LiveEntry>, kick_api::Error> {
        let live = self.client.live_by_user_ids(ids).await?;
        Ok(live
            .into_iter()
            .map(|l| (l.broadcaster_user.id, live_entry(&l)))
            .collect())
    }
}

fn live_entry(l: &Livestream) -> LiveEntry {
    LiveEntry {
        slug: l.channel.slug.clone(),
        display_name: if l.broadcaster_user.username.is_empty() {
            l.channel.slug.clone()
        } else {
            l.broadcaster_user.username.clone()
        },
        avatar_url: l.broadcaster_user.profile_picture.clone(),
        is_live: true,
        viewer_count: l.viewer_count,
        started_at_ms: l.started_at.map(|t| t.timestamp_millis()),
        title: l.title.clone(),
        category: (!l.category.name.is_empty()).then(|| l.category.name.clone()),
    }
}

fn channel_view(c: &Channel, me: Option<&UserSummary>) -> ChannelView {
    let (display_name, avatar_url) = match me {
        Some(u) if u.user_id == c.broadcaster_user_id => {
            (u.name.clone(), u.profile_picture.clone())
        }
        _ => (c.slug.clone(), String::new()),
    };
    ChannelView {
        broadcaster_user_id: c.broadcaster_user_id,
        slug: c.slug.clone(),
        display_name,
        avatar_url,
        title: c.stream_title.clone(),
        category: (c.category.id.0 != 0).then(|| CategoryView {
            id: c.category.id,
            name: c.category.name.clone(),
            thumbnail: c.category.thumbnail.clone(),
        }),
        tags: c.stream.custom_tags.clone(),
        language: c.stream.language.clone(),
        is_live: c.stream.is_live,
        viewer_count: c.stream.viewer_count,
        started_at_ms: c
            .stream
            .start_time
            .filter(|_| c.stream.is_live)
            .map(|t| t.timestamp_millis()),
    }
}

pub async fn own_channel(
    client: &KickClient,
    me: Option<&UserSummary>,
) -> Result<ChannelView, kick_api::Error> {
    let c = client.own_channel().await?;
    Ok(channel_view(&c, me))
}

pub fn channel_limits() -> ChannelLimits {
    ChannelLimits {
        title_max_chars: ch::MAX_TITLE_CHARS as u32,
        tags_max: ch::MAX_TAGS as u32,
        tag_max_chars: ch::MAX_TAG_CHARS as u32,
    }
}

pub async fn update_channel(client: &KickClient, u: &ChannelUpdate) -> Result<(), kick_api::Error> {
    client
        .update_channel(&ChannelPatch {
            stream_title: u.title.clone(),
            category_id: u.category_id,
            custom_tags: u.tags.clone(),
        })
        .await
}

pub async fn search_categories(
    client: &KickClient,
    q: &str,
) -> Result<Vec<CategoryView>, kick_api::Error> {
    let mut query = CategoryQuery::search(q);
    query.limit = Some(20);
    let page = client.categories(&query).await?;
    Ok(page
        .data
        .into_iter()
        .map(|c| CategoryView {
            id: c.id,
            name: c.name,
            thumbnail: c.thumbnail,
        })
        .collect())
}

/// The ingest URL and stream key of the own channel (needs `streamkey:read`).
pub async fn stream_key(client: &KickClient) -> Result<(Secret, Secret), kick_api::Error> {
    let c = client.own_channel_with_stream_key().await?;
    match c.stream_credentials() {
        Some((url, key)) => Ok((url.clone(), key.clone())),
        None => {
            // Only a login without the permission is sent to log in again.
            let held = client
                .tokens()
                .and_then(|t| t.snapshot())
                .is_some_and(|t| t.has_scope(kick_api::scopes::STREAMKEY_READ));
            Err(kick_api::Error::Forbidden {
                endpoint: "GET /public/v1/channels (stream key)",
                message: "Kick did not send the stream key".into(),
                missing_scope: (!held).then_some(kick_api::scopes::STREAMKEY_READ),
            })
        }
    }
}

pub struct Loopback(LoopbackListener);

impl Loopback {
    pub fn port(&self) -> u16 {
        self.0.port()
    }
}

pub async fn bind_loopback(port: u16) -> AppResult<Loopback> {
    LoopbackListener::bind(port, kick_api::loopback::DEFAULT_PATH)
        .await
        .map(Loopback)
        .map_err(|e| {
            AppError::new(
                ErrorCode::LoginFailed,
                format!(
                    "Could not listen for the Kick login on localhost:{port} ({e}). \
                     Is another Kickstand or program using that port? You can change the port in settings."
                ),
            )
        })
}

pub async fn wait_for_code(
    l: Loopback,
    auth: &AuthorizationRequest,
    timeout: Duration,
) -> AppResult<Secret> {
    l.0.wait_for_code(&auth.state, timeout)
        .await
        .map_err(|e| AppError::new(ErrorCode::LoginFailed, e.to_string()))
}

/// Demo mode: the embedded fake accepts our loopback redirect URI.
pub fn register_demo_redirect(fake: &kick_fake::RunningFake, uri: &str) {
    kick_fake::oauth::register_redirect_uri(&fake.state, uri);
}

/// Demo mode without a browser: plays the browser against the
/// auto-approving fake (authorize, then follow the redirect to the loopback).
/// Each step is tried three times (a request that fails at once is retried
/// after 200 ms, then 500 ms) within 10 s; the error says which step failed,
/// so the login ends with it instead of waiting for a callback that will not
/// come (the window stayed on "Starting…" for the login's whole timeout).
pub async fn follow_authorize_in_process(url: String) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    async fn get(http: &reqwest::Client, url: &str) -> Result<reqwest::Response, String> {
        let mut last = String::new();
        for pause in [0, 200, 500] {
            tokio::time::sleep(Duration::from_millis(pause)).await;
            match http.get(url).send().await {
                Ok(r) => return Ok(r),
                Err(e) => last = e.without_url().to_string(),
            }
        }
        Err(last)
    }
    let resp = get(&http, &url)
        .await
        .map_err(|e| format!("the demo's authorize page did not answer: {e}"))?;
    let next = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| {
            format!(
                "the demo's authorize page answered {} without a redirect",
                resp.status().as_u16()
            )
        })?;
    get(&http, &next)
        .await
        .map(drop)
        .map_err(|e| format!("the redirect to Kickstand failed: {e}"))
}

/// The chat room of a channel, from kick.com's internal channel API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChatRoom {
    pub chatroom_id: u64,
    /// The channel id (not the user id) for the `channel.*` socket channels.
    pub channel_id: Option<u64>,
}

/// Best effort: the chat room and channel ids from kick.com's internal
/// channel API (`{site}/api/v2/channels/{slug}` → `chatroom.id`, `id`).
/// Behind Cloudflare and often refused; `None` then, and the UI asks.
pub async fn lookup_chatroom(site_base: &str, slug: &str) -> Option<ChatRoom> {
    if slug.is_empty() {
        return None;
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .user_agent("Mozilla/5.0 (X11; Linux x86_64) Kickstand")
        .build()
        .ok()?;
    let v: serde_json::Value = http
        .get(format!("{site_base}/api/v2/channels/{slug}"))
        .send()
        .await
        .ok()?
        .error_for_status()
        .ok()?
        .json()
        .await
        .ok()?;
    Some(ChatRoom {
        chatroom_id: v.get("chatroom")?.get("id")?.as_u64()?,
        channel_id: v.get("id").and_then(|i| i.as_u64()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server answering every request with `answer` (a whole HTTP response).
    async fn server(answer: &'static str) -> String {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/oauth/authorize?x=1", l.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(answer.as_bytes()).await;
            }
        });
        url
    }

    #[tokio::test]
    async fn the_demo_login_follow_says_which_step_failed() {
        // An authorize page that does not redirect: said at once.
        let url =
            server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
        let e = follow_authorize_in_process(url).await.unwrap_err();
        assert!(e.contains("200 without a redirect"), "{e}");

        // Nothing listening: retried, then said (no waiting for the login's timeout).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t = std::time::Instant::now();
        let e = follow_authorize_in_process(format!("http://127.0.0.1:{port}/oauth/authorize"))
            .await
            .unwrap_err();
        assert!(e.contains("did not answer"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());

        // A redirect whose target refuses: the second step is named.
        let url = server(
            "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:9/callback?code=c\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        )
        .await;
        let e = follow_authorize_in_process(url).await.unwrap_err();
        assert!(e.contains("redirect to Kickstand failed"), "{e}");
    }
}
