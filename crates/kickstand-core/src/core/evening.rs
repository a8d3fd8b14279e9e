//! The evening in the session: the activity feed stream, stream stats and
//! history, redemptions (accept/reject in Kick's batches of 25) and rewards.

use super::Core;
use crate::dto::*;
use crate::error::{AppError, AppResult, ErrorCode, ErrorField};
use crate::feed::model::{FeedInput, Source};
use crate::feed::{FeedService, FeedSubscriber};
use kick_api::endpoints::rewards::{
    FailureReason, RedemptionQuery, RedemptionStatus as KickStatus, Reward, RewardFields,
    MAX_REDEMPTION_IDS,
};
use kick_api::{RedemptionId, RewardId, UserId};
use std::collections::HashMap;

/// A reward as the rewards screen shows and edits it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq, specta::Type)]
pub struct RewardView {
    pub id: RewardId,
    pub title: String,
    pub description: String,
    pub cost: u64,
    pub background_color: String,
    pub is_enabled: bool,
    pub is_paused: bool,
    pub is_user_input_required: bool,
    pub should_redemptions_skip_request_queue: bool,
}

/// A new reward, or an edit of one (`None` = unchanged).
#[derive(
    Clone, Debug, Default, serde::Serialize, serde::Deserialize, PartialEq, Eq, specta::Type,
)]
pub struct RewardEdit {
    #[specta(optional)]
    pub title: Option<String>,
    #[specta(optional)]
    pub description: Option<String>,
    #[specta(optional)]
    pub cost: Option<u64>,
    #[specta(optional)]
    pub background_color: Option<String>,
    #[specta(optional)]
    pub is_enabled: Option<bool>,
    #[specta(optional)]
    pub is_paused: Option<bool>,
    #[specta(optional)]
    pub is_user_input_required: Option<bool>,
    #[specta(optional)]
    pub should_redemptions_skip_request_queue: Option<bool>,
}

fn view(r: Reward) -> RewardView {
    RewardView {
        id: r.id,
        title: r.title,
        description: r.description,
        cost: r.cost,
        background_color: r.background_color,
        is_enabled: r.is_enabled,
        is_paused: r.is_paused,
        is_user_input_required: r.is_user_input_required,
        should_redemptions_skip_request_queue: r.should_redemptions_skip_request_queue,
    }
}

/// Kick's limits (API.md §3.10), checked before anything is sent so the
/// error lands on the field.
pub fn check_reward(e: &RewardEdit, creating: bool) -> AppResult<RewardFields> {
    let title = e.title.as_ref().map(|t| t.trim().to_owned());
    match &title {
        Some(t) if t.is_empty() => {
            return Err(AppError::invalid(
                ErrorField::RewardTitle,
                "A reward needs a title.",
            ))
        }
        Some(t) if t.chars().count() > 50 => {
            return Err(AppError::invalid(
                ErrorField::RewardTitle,
                "Kick allows up to 50 characters in a reward title.",
            ))
        }
        None if creating => {
            return Err(AppError::invalid(
                ErrorField::RewardTitle,
                "A reward needs a title.",
            ))
        }
        _ => {}
    }
    match e.cost {
        Some(0) => {
            return Err(AppError::invalid(
                ErrorField::Cost,
                "The cost is at least 1 point.",
            ))
        }
        None if creating => {
            return Err(AppError::invalid(ErrorField::Cost, "Set a cost in points."))
        }
        _ => {}
    }
    if let Some(d) = &e.description {
        if d.chars().count() > 200 {
            return Err(AppError::invalid(
                ErrorField::Description,
                "Kick allows up to 200 characters in a description.",
            ));
        }
    }
    if let Some(c) = &e.background_color {
        let ok =
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
        if !ok {
            return Err(AppError::invalid(
                ErrorField::BackgroundColor,
                "Use a colour like #00e701.",
            ));
        }
    }
    let fields = RewardFields {
        title,
        cost: e.cost,
        description: e.description.clone(),
        background_color: e.background_color.clone(),
        is_enabled: e.is_enabled,
        is_paused: e.is_paused,
        is_user_input_required: e.is_user_input_required,
        should_redemptions_skip_request_queue: e.should_redemptions_skip_request_queue,
    };
    if !creating && fields == RewardFields::default() {
        return Err(AppError::invalid(ErrorField::Other, "Nothing to change."));
    }
    Ok(fields)
}

/// Kick's reason for a redemption it refused, in words.
fn reason_text(r: &FailureReason) -> &'static str {
    match r {
        FailureReason::NotPending => "Already accepted or rejected (NOT_PENDING)",
        FailureReason::NotFound => "Kick does not know this redemption (NOT_FOUND)",
        FailureReason::NotOwned => {
            "Another app's reward: only the app that created it can decide (NOT_OWNED)"
        }
        FailureReason::Unknown | FailureReason::Other => "Kick could not apply it (UNKNOWN)",
    }
}

impl Core {
    fn feed(&self) -> AppResult<FeedService> {
        self.inner
            .session
            .lock()
            .unwrap()
            .live()
            .map(|l| l.feed.clone())
            .ok_or_else(|| AppError::new(ErrorCode::NotLoggedIn, "Log in with Kick first."))
    }

    /// Opens the feed stream: everything kept first, then each change.
    pub fn feed_open(&self, stream: FeedSubscriber) -> AppResult<()> {
        self.feed()?.attach(stream);
        Ok(())
    }

    pub fn feed_mark_read(&self) -> AppResult<()> {
        self.feed()?.mark_all_read();
        Ok(())
    }

    pub async fn stream_stats(&self) -> AppResult<StreamStats> {
        Ok(self.feed()?.stats().await)
    }

    /// The last 30 streams, newest first.
    pub async fn stream_history(&self) -> AppResult<Vec<StreamSummary>> {
        Ok(self.feed()?.streams().await)
    }

    pub fn set_notify_prefs(&self, prefs: NotifyPrefs) -> AppResult<NotifyPrefs> {
        self.edit_settings(|s| {
            s.notify = prefs.clone();
            Ok(())
        })?;
        if let Ok(f) = self.feed() {
            f.set_prefs(prefs.clone());
        }
        Ok(prefs)
    }

    pub fn notify_prefs(&self) -> NotifyPrefs {
        self.settings().notify
    }

    /// The pending redemptions the feed shows whose Kick id is known.
    pub async fn redemptions_pending(&self) -> AppResult<Vec<RedemptionId>> {
        Ok(self.feed()?.pending_redemptions().await)
    }

    /// Asks Kick for the pending redemptions and puts them in the feed (with
    /// their ids, so they can be accepted or rejected).
    pub async fn redemptions_refresh(&self) -> AppResult<u32> {
        let client = self.client()?;
        let feed = self.feed()?;
        let mut cursor = None;
        let mut found = Vec::new();
        for _ in 0..20 {
            let r = client
                .redemptions(&RedemptionQuery {
                    status: Some(KickStatus::Pending),
                    cursor: cursor.clone(),
                    ..Default::default()
                })
                .await
                .map_err(|e| self.app_error("list redemptions", e));
            let page = self.check_dead_login(&client, r).await?;
            for g in page.data {
                for r in g.redemptions {
                    found.push((g.reward.title.clone(), r));
                }
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        // The API names the redeemer by id only: ask for the names (50 a call).
        let mut names: HashMap<UserId, String> = HashMap::new();
        let ids: Vec<UserId> = {
            let mut v: Vec<UserId> = found.iter().map(|(_, r)| r.redeemer.user_id).collect();
            v.sort();
            v.dedup();
            v
        };
        for chunk in ids.chunks(50) {
            if let Ok(users) = client.users(chunk).await {
                for u in users {
                    names.insert(u.user_id, u.name);
                }
            }
        }
        let n = found.len() as u32;
        for (title, r) in found {
            feed.input(
                FeedInput::Redemption {
                    id: Some(r.id),
                    reward_title: title,
                    user_id: Some(r.redeemer.user_id.0),
                    username: names.get(&r.redeemer.user_id).cloned().unwrap_or_default(),
                    input: r.user_input,
                    status: RedemptionStatus::Pending,
                },
                Source::Api,
            );
        }
        Ok(n)
    }

    /// Accepts or rejects redemptions, in Kick's batches of 25. Kick answers
    /// with the ones it refused (and why); the rest are applied. A batch Kick
    /// did not take fails whole, and the batches after it are not sent (each
    /// of their ids is reported as not sent).
    pub async fn redemptions_decide(
        &self,
        ids: Vec<RedemptionId>,
        accept: bool,
    ) -> AppResult<RedemptionResult> {
        if ids.is_empty() {
            return Err(AppError::invalid(
                ErrorField::Redemptions,
                "Pick a redemption first.",
            ));
        }
        let mut unique = ids;
        unique.sort();
        unique.dedup();
        let client = self.client()?;
        let feed = self.feed()?;
        let status = if accept {
            RedemptionStatus::Accepted
        } else {
            RedemptionStatus::Rejected
        };
        let mut result = RedemptionResult {
            applied: 0,
            failed: vec![],
        };
        let chunks: Vec<&[RedemptionId]> = unique.chunks(MAX_REDEMPTION_IDS).collect();
        for (n, chunk) in chunks.iter().copied().enumerate() {
            let r = if accept {
                client.accept_redemptions(chunk).await
            } else {
                client.reject_redemptions(chunk).await
            }
            .map_err(|e| self.app_error("decide redemptions", e));
            let failures = match self.check_dead_login(&client, r).await {
                Ok(f) => f,
                Err(e) => {
                    // This batch did not reach Kick: every id in it failed
                    // with that reason. Later batches are not sent, and say
                    // so: each id is in `applied` or `failed`, none lost.
                    for id in chunk {
                        feed.redemption(id.clone(), None, Some(e.message.clone()));
                        result.failed.push((id.clone(), e.message.clone()));
                    }
                    let not_sent = format!(
                        "Not sent: Kick did not take the batch before it ({}). Still pending; try again.",
                        e.headline()
                    );
                    for id in chunks[n + 1..].iter().copied().flatten() {
                        feed.redemption(id.clone(), None, Some(not_sent.clone()));
                        result.failed.push((id.clone(), not_sent.clone()));
                    }
                    if result.applied == 0 {
                        return Err(e);
                    }
                    return Ok(result);
                }
            };
            for id in chunk {
                match failures.iter().find(|f| &f.id == id) {
                    Some(f) => {
                        let why = reason_text(&f.reason).to_owned();
                        feed.redemption(id.clone(), None, Some(why.clone()));
                        result.failed.push((id.clone(), why));
                    }
                    None => {
                        feed.redemption(id.clone(), Some(status), None);
                        result.applied += 1;
                    }
                }
            }
        }
        Ok(result)
    }

    // ----- rewards -----

    pub async fn rewards(&self) -> AppResult<Vec<RewardView>> {
        let client = self.client()?;
        let r = client
            .rewards()
            .await
            .map_err(|e| self.app_error("list rewards", e));
        Ok(self
            .check_dead_login(&client, r)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    pub async fn reward_create(&self, edit: RewardEdit) -> AppResult<RewardView> {
        let fields = check_reward(&edit, true)?;
        let client = self.client()?;
        let r = client
            .create_reward(&fields)
            .await
            .map_err(|e| self.app_error("create a reward", e));
        Ok(view(self.check_dead_login(&client, r).await?))
    }

    pub async fn reward_update(&self, id: RewardId, edit: RewardEdit) -> AppResult<RewardView> {
        let fields = check_reward(&edit, false)?;
        let client = self.client()?;
        let r = client
            .update_reward(&id, &fields)
            .await
            .map_err(|e| self.app_error("edit a reward", e));
        Ok(view(self.check_dead_login(&client, r).await?))
    }

    pub async fn reward_delete(&self, id: RewardId) -> AppResult<()> {
        let client = self.client()?;
        let r = client
            .delete_reward(&id)
            .await
            .map_err(|e| self.app_error("delete a reward", e));
        self.check_dead_login(&client, r).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reward_limits_are_checked_on_the_field() {
        let e = |f: fn(&mut RewardEdit)| {
            let mut r = RewardEdit {
                title: Some("Hydrate".into()),
                cost: Some(100),
                ..Default::default()
            };
            f(&mut r);
            check_reward(&r, true).err().and_then(|e| e.field)
        };
        assert_eq!(e(|_| {}), None);
        assert_eq!(
            e(|r| r.title = Some("x".repeat(51))),
            Some(ErrorField::RewardTitle)
        );
        assert_eq!(e(|r| r.title = None), Some(ErrorField::RewardTitle));
        assert_eq!(e(|r| r.cost = Some(0)), Some(ErrorField::Cost));
        assert_eq!(
            e(|r| r.description = Some("d".repeat(201))),
            Some(ErrorField::Description)
        );
        assert_eq!(
            e(|r| r.background_color = Some("green".into())),
            Some(ErrorField::BackgroundColor)
        );
        assert!(
            check_reward(&RewardEdit::default(), false).is_err(),
            "an empty edit"
        );
        assert!(check_reward(
            &RewardEdit {
                is_paused: Some(true),
                ..Default::default()
            },
            false
        )
        .is_ok());
    }
}
