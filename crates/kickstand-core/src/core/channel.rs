//! The streamer's channel (title, category, tags), the stream key, and the
//! live status of the own channel and the watchlist.

use super::session::ModeState;
use super::Core;
use crate::dto::*;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::CoreEvent;
use crate::kick_source;
use crate::streamkey::{self, Clipboard};
use crate::validate;
use kick_api::Secret;
use std::sync::Arc;

impl Core {
    pub async fn channel(&self) -> AppResult<ChannelView> {
        let client = self.client()?;
        let user = self.logged_in_user();
        let r = kick_source::own_channel(&client, user.as_ref())
            .await
            .map_err(|e| self.app_error("load the channel", e));
        let view = self.check_dead_login(&client, r).await?;
        self.remember_channel(&view);
        Ok(view)
    }

    pub fn channel_limits(&self) -> ChannelLimits {
        kick_source::channel_limits()
    }

    /// Validates and saves an edit, then returns (and pushes) the fresh
    /// channel. When Kick took the edit but the read-back failed, the save
    /// still counts: the answer is the last known channel with the edit
    /// applied, and the poller fills in Kick's view shortly.
    pub async fn update_channel(&self, update: ChannelUpdate) -> AppResult<ChannelView> {
        let client = self.client()?;
        let r = kick_source::update_channel(&client, &update)
            .await
            .map_err(|e| self.app_error("save the channel", e));
        self.check_dead_login(&client, r).await?;
        let view = match self.channel().await {
            Ok(v) => v,
            Err(e) => match self.edited_view(&update) {
                Some(v) => {
                    tracing::warn!(error = %e.message, "saved, but could not reload the channel");
                    self.notice(
                        NoticeLevel::Warning,
                        "Saved. Kick did not answer when Kickstand reloaded your channel; it refreshes by itself shortly.",
                    );
                    self.remember_channel(&v);
                    v
                }
                None => return Err(e),
            },
        };
        self.emit(CoreEvent::Channel(view.clone()));
        if let Some(p) = self.poller() {
            p.poke();
        }
        Ok(view)
    }

    /// Category search (Kick needs at least 3 letters; fewer gives no results).
    pub async fn search_categories(&self, query: &str) -> AppResult<Vec<CategoryView>> {
        let q = query.trim();
        if q.chars().count() < 3 {
            return Ok(Vec::new());
        }
        let client = self.client()?;
        let r = kick_source::search_categories(&client, q)
            .await
            .map_err(|e| self.app_error("search categories", e));
        let found = self.check_dead_login(&client, r).await?;
        if let Some(live) = self.inner.session.lock().unwrap().live_mut() {
            if live.categories.len() > 2_000 {
                live.categories.clear();
            }
            for c in &found {
                live.categories.insert(c.id, c.clone());
            }
        }
        Ok(found)
    }

    fn logged_in_user(&self) -> Option<UserSummary> {
        self.inner
            .session
            .lock()
            .unwrap()
            .live()
            .map(|l| l.user.clone())
    }

    fn remember_channel(&self, view: &ChannelView) {
        if let Some(live) = self.inner.session.lock().unwrap().live_mut() {
            live.channel = Some(view.clone());
        }
    }

    /// The last known channel with `update` applied (for a save whose
    /// read-back failed).
    fn edited_view(&self, update: &ChannelUpdate) -> Option<ChannelView> {
        let s = self.inner.session.lock().unwrap();
        let live = s.live()?;
        let mut v = live.channel.clone()?;
        if let Some(t) = &update.title {
            v.title = t.trim().to_owned();
        }
        if let Some(tags) = &update.tags {
            v.tags = tags.clone();
        }
        if let Some(id) = update.category_id {
            v.category = live.categories.get(&id).cloned().or(v.category);
        }
        Some(v)
    }

    // ----- live status and watchlist -----

    pub fn live_snapshot(&self) -> Option<LiveSnapshot> {
        self.poller().and_then(|p| p.last())
    }

    pub fn watchlist(&self) -> Vec<String> {
        let demo = match &self.inner.session.lock().unwrap().mode {
            ModeState::Demo(d) => Some(d.watchlist.clone()),
            _ => None,
        };
        demo.unwrap_or_else(|| self.settings().watchlist)
    }

    pub fn watchlist_add(&self, slug: &str) -> AppResult<Vec<String>> {
        let slug = validate::normalise_slug(slug)?;
        self.edit_watchlist(|w| {
            if w.iter().any(|s| s == &slug) {
                return Err(AppError::invalid(
                    crate::error::ErrorField::Slug,
                    format!("{slug} is already on your watchlist."),
                ));
            }
            if w.len() >= 500 {
                return Err(AppError::invalid(
                    crate::error::ErrorField::Slug,
                    "The watchlist holds up to 500 channels.",
                ));
            }
            w.push(slug.clone());
            Ok(())
        })
    }

    pub fn watchlist_remove(&self, slug: &str) -> AppResult<Vec<String>> {
        let slug = slug.trim().to_ascii_lowercase();
        self.edit_watchlist(|w| {
            w.retain(|s| s != &slug);
            Ok(())
        })
    }

    fn edit_watchlist(
        &self,
        f: impl FnOnce(&mut Vec<String>) -> AppResult<()>,
    ) -> AppResult<Vec<String>> {
        // The demo's list stays in memory; a real account's is saved.
        let list = {
            let mut s = self.inner.session.lock().unwrap();
            match &mut s.mode {
                ModeState::Demo(d) => {
                    let mut next = d.watchlist.clone();
                    f(&mut next)?;
                    d.watchlist = next.clone();
                    next
                }
                _ => {
                    drop(s);
                    self.edit_settings(|s| {
                        f(&mut s.watchlist)?;
                        Ok(s.watchlist.clone())
                    })?
                }
            }
        };
        if let Some(p) = self.poller() {
            p.set_watchlist(list.clone());
        }
        Ok(list)
    }

    // ----- stream key -----

    /// Fetches the ingest URL and stream key for display; they must be
    /// hidden again at `hide_at_ms` (a `StreamKeyHidden` event follows).
    pub async fn reveal_stream_key(&self) -> AppResult<StreamKeyReveal> {
        let (url, key) = self.fetch_stream_key().await?;
        let hide_at_ms =
            chrono::Utc::now().timestamp_millis() + self.inner.opts.reveal_for.as_millis() as i64;
        self.inner
            .reveal
            .start(self.inner.opts.reveal_for, self.inner.sink.clone());
        Ok(StreamKeyReveal {
            ingest_url: url.expose().to_owned(),
            stream_key: key.expose().to_owned(),
            hide_at_ms,
        })
    }

    pub fn hide_stream_key(&self) {
        self.inner.reveal.hide_now(&self.inner.sink);
    }

    /// Copies the key to the clipboard (it never crosses to the UI) and
    /// clears it again after the reveal time.
    pub async fn copy_stream_key(&self, clipboard: Arc<dyn Clipboard>) -> AppResult<()> {
        let (_, key) = self.fetch_stream_key().await?;
        streamkey::copy_and_clear_later(clipboard, key, self.inner.opts.reveal_for)
            .map_err(|e| AppError::internal(format!("Could not use the clipboard: {e}")))
    }

    /// The ingest URL and key, as secrets (for the reveal, the clipboard
    /// and OBS; never for a log or an event).
    pub(crate) async fn fetch_stream_key(&self) -> AppResult<(Secret, Secret)> {
        let client = self.client()?;
        let r = kick_source::stream_key(&client)
            .await
            .map_err(|e| self.app_error("read the stream key", e));
        let (url, key) = self.check_dead_login(&client, r).await?;
        if key.is_empty() {
            return Err(AppError::new(
                ErrorCode::MissingPermission,
                "Kick did not share the stream key. Log out and log in again to grant Kickstand the \"stream key\" permission.",
            ));
        }
        Ok((url, key))
    }
}
