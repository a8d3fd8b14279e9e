//! Chat in the session: on/off, history, sending and moderation. The chat
//! socket belongs to the logged-in session (it stops with it) and always
//! reads the chat of the mode it was started in: the embedded fake's in the
//! demo, Kick's (as configured) with a Kick login.

use super::session::ModeState;
use super::Core;
use crate::chat::ChatSubscriber;
use crate::dto::*;
use crate::error::{AppError, AppResult, ErrorCode};

impl Core {
    /// Turns chat on (the unofficial realtime socket of the own chat room)
    /// and opens a stream to the panel: the history first, then the batches.
    /// Chat already on for that room keeps its socket; the stream attaches.
    /// In Kick mode the chatroom id comes from `chatroom_id`, the settings,
    /// or a best-effort lookup at kick.com (often blocked by Cloudflare).
    pub async fn chat_start(
        &self,
        chatroom_id: Option<u64>,
        stream: ChatSubscriber,
    ) -> AppResult<ChatStatus> {
        self.ensure_chat(chatroom_id).await?;
        if !self.settings().chat_enabled {
            self.edit_settings(|s| {
                s.chat_enabled = true;
                Ok(())
            })?;
        }
        let s = self.inner.session.lock().unwrap();
        match s.live().and_then(|l| l.chat.as_ref()) {
            Some(c) => {
                c.attach(stream);
                Ok(c.snapshot().status)
            }
            None => Err(AppError::new(
                ErrorCode::NotLoggedIn,
                "Log in with Kick first.",
            )),
        }
    }

    /// The realtime socket of the own chat room, for the chat panel and the
    /// activity feed: started unless it runs for that room already.
    pub(crate) async fn ensure_chat(&self, chatroom_id: Option<u64>) -> AppResult<()> {
        let client = self.client()?;
        let (me, demo, kick, running) = {
            let s = self.inner.session.lock().unwrap();
            let me = s.live().map(|l| l.user.clone());
            let demo = match &s.mode {
                ModeState::Demo(d) => Some(d.fake.clone()),
                _ => None,
            };
            // A socket that stopped itself (Kick offered no transport we
            // speak, a terminal close) is started anew, not reused.
            let running = s
                .live()
                .and_then(|l| l.chat.as_ref())
                .filter(|c| !c.stopped())
                .map(|c| c.chatroom_id);
            (me, demo, s.mode.kick().cloned(), running)
        };
        let me =
            me.ok_or_else(|| AppError::new(ErrorCode::NotLoggedIn, "Log in with Kick first."))?;
        let kick =
            kick.ok_or_else(|| AppError::new(ErrorCode::NotLoggedIn, "Log in with Kick first."))?;
        let settings = self.settings();
        let (room, channel) = match demo {
            Some(f) => (f.info.chatroom_id, Some(f.info.channel_id)),
            None => {
                let typed = chatroom_id.or_else(|| settings.chat_rooms.get(&me.user_id.0).copied());
                if let (Some(t), Some(r)) = (typed, running) {
                    if t == r {
                        return Ok(());
                    }
                }
                let found = match typed.or(running) {
                    Some(_) => None,
                    None => {
                        let slug = crate::kick_source::own_channel(&client, Some(&me))
                            .await
                            .map(|c| c.slug)
                            .unwrap_or_default();
                        crate::kick_source::lookup_chatroom(&kick.site_base, &slug).await
                    }
                };
                let room = typed
                    .or(running)
                    .or(found.map(|f| f.chatroom_id))
                    .ok_or_else(|| {
                        AppError::invalid(
                            crate::error::ErrorField::Chatroom,
                            "Kick did not tell us your chat room id (kick.com often blocks this lookup). \
                             Open kick.com/api/v2/channels/<your name> in your browser and enter chatroom.id here.",
                        )
                    })?;
                if chatroom_id.is_some() {
                    self.edit_settings(|s| {
                        s.chat_rooms.insert(me.user_id.0, room);
                        Ok(())
                    })?;
                }
                (room, found.and_then(|f| f.channel_id))
            }
        };
        if running == Some(room) {
            return Ok(());
        }
        let mut cfg = chat_config(&kick, room, channel);
        cfg.transport = settings.chat_transport.into();
        // A fixed Pusher socket from the settings skips negotiation.
        cfg.pusher_url = settings.chat_url.clone();
        let (feed, redemptions) = {
            let s = self.inner.session.lock().unwrap();
            let live = s
                .live()
                .ok_or_else(|| AppError::new(ErrorCode::NotLoggedIn, "Log in with Kick first."))?;
            (live.feed.clone(), live.redemptions_changed.clone())
        };
        // Every socket event also feeds the evening (subs, gifts, KICKs, ...).
        let tap: crate::chat::EventTap = Box::new(move |ev| {
            if matches!(ev, kick_chat::ChatEvent::Message(_)) {
                feed.chat_line();
                return;
            }
            if let kick_chat::ChatEvent::RewardRedeemed {
                redemption_id: None,
                ..
            } = ev
            {
                // The socket has no redemption id: ask the API for it.
                redemptions.notify_one();
            }
            for input in crate::feed::sources::from_socket(ev) {
                feed.input(input, crate::feed::model::Source::Socket);
            }
        });
        let service = crate::chat::start(cfg, me.name.clone(), Some(tap));
        let old = {
            let mut s = self.inner.session.lock().unwrap();
            match s.live_mut() {
                // Still the session we started for (a logout meanwhile drops it).
                Some(live) if live.user.user_id == me.user_id => live.chat.replace(service),
                _ => {
                    service.stop();
                    return Err(AppError::new(
                        ErrorCode::NotLoggedIn,
                        "Log in with Kick first.",
                    ));
                }
            }
        };
        drop(old);
        Ok(())
    }

    /// Turns chat off (and keeps it off at the next login).
    pub fn chat_stop(&self) -> ChatStatus {
        let _ = self.edit_settings(|s| {
            s.chat_enabled = false;
            Ok(())
        });
        let old = self
            .inner
            .session
            .lock()
            .unwrap()
            .live_mut()
            .and_then(|l| l.chat.take());
        if let Some(c) = old {
            c.stop();
        }
        ChatStatus::Off { reason: None }
    }

    /// Up to `limit` chat messages before the one with id `before`: the
    /// page above a panel's oldest row, oldest first (empty when chat is off
    /// or that message is no longer kept).
    pub fn chat_history(&self, before: &str, limit: u32) -> Vec<ChatItem> {
        let s = self.inner.session.lock().unwrap();
        match s.live().and_then(|l| l.chat.as_ref()) {
            Some(c) => c.older(before, limit as usize),
            None => Vec::new(),
        }
    }

    /// The kept history and the state now (tests; the panel uses the stream).
    pub fn chat_snapshot(&self) -> ChatBatch {
        let s = self.inner.session.lock().unwrap();
        match s.live().and_then(|l| l.chat.as_ref()) {
            Some(c) => c.snapshot(),
            None => ChatBatch {
                items: vec![],
                status: ChatStatus::Off { reason: None },
            },
        }
    }

    /// Which realtime transport chat uses: what Kick offers (auto), or one
    /// forced. Takes effect when chat is turned on next.
    pub fn set_chat_transport(&self, choice: ChatTransport) -> AppResult<ChatTransport> {
        self.edit_settings(|s| {
            s.chat_transport = choice;
            Ok(())
        })?;
        self.publish_status();
        Ok(choice)
    }

    /// Sends through the official API (the message comes back over the socket).
    pub async fn chat_send(&self, req: ChatSendRequest) -> AppResult<()> {
        use kick_api::endpoints::chat::{ChatAs, ChatSend};
        let client = self.client()?;
        let me = self.me_id()?;
        let r = client
            .send_chat(&ChatSend {
                sender: if req.as_bot {
                    ChatAs::Bot
                } else {
                    ChatAs::User { broadcaster: me }
                },
                content: req.content,
                reply_to: req.reply_to,
            })
            .await
            .map_err(|e| self.app_error("send a chat message", e))
            .map_err(|mut e| {
                // A send is never retried (a retry after a 500 could post
                // twice): say what the streamer should do, not "we retry".
                match e.code {
                    ErrorCode::KickUnavailable => {
                        e.message = format!(
                            "Kick did not confirm the message ({}). It may have been posted: check the chat before sending it again.",
                            e.headline()
                        );
                    }
                    ErrorCode::RateLimited => {
                        e.message = "Kick is limiting how fast messages can be sent. Wait a moment, then send it again.".into();
                    }
                    _ => {}
                }
                e
            });
        let r = self.check_dead_login(&client, r).await?;
        // Kick answers 200 and `is_sent: false` when it did not post it.
        if !r.is_sent {
            return Err(AppError::new(
                ErrorCode::KickError,
                "Kick did not post the message (its chat rules may have held it back). Your text is still here.",
            ));
        }
        Ok(())
    }

    /// Delete, timeout, ban or unban in the own channel.
    pub async fn chat_moderate(&self, action: ModAction) -> AppResult<String> {
        let client = self.client()?;
        let me = self.me_id()?;
        let r = match action {
            ModAction::Delete { message_id } => client
                .delete_chat_message(&message_id)
                .await
                .map(|_| "Message deleted.".to_owned()),
            ModAction::Timeout { user_id, minutes } => client
                .timeout(me, user_id, minutes, None)
                .await
                .map(|_| format!("Timed out for {minutes} min.")),
            ModAction::Ban { user_id } => client
                .ban(me, user_id, None)
                .await
                .map(|_| "Banned.".to_owned()),
            ModAction::Unban { user_id } => client
                .unban(me, user_id)
                .await
                .map(|_| "Unbanned.".to_owned()),
        }
        .map_err(|e| self.app_error("moderate chat", e));
        self.check_dead_login(&client, r).await
    }
}

/// The realtime chat of the mode's Kick: negotiated (Centrifugo, else
/// Pusher) at its web host. A loopback host is a local fake Kick, whose
/// Pusher sockets live on that host too.
pub(crate) fn chat_config(
    kick: &kick_api::KickConfig,
    chatroom_id: u64,
    channel_id: Option<u64>,
) -> kick_chat::ChatConfig {
    match kick_chat::HostRule::for_web_base(&kick.web_base) {
        kick_chat::HostRule::Loopback => {
            let ws = kick.web_base.replacen("http", "ws", 1);
            kick_chat::ChatConfig::local(
                &kick.web_base,
                &format!("{ws}/app/{{key}}?protocol=7&client=js&version=8.4.0&flash=false"),
                chatroom_id,
                channel_id,
            )
        }
        _ => kick_chat::ChatConfig {
            web_base: kick.web_base.clone(),
            ..kick_chat::ChatConfig::kick(chatroom_id, channel_id)
        },
    }
}
