//! Non-secret settings in a JSON file in the app's config folder: the
//! watchlist, the loopback port, poll intervals. Written atomically.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Kickstand's default loopback port for the OAuth redirect. The redirect
/// URL `http://localhost:<port>/callback` must be registered at Kick.
pub const DEFAULT_LOOPBACK_PORT: u16 = 53682;
/// The webhook receiver's default port (the streamer's tunnel points here).
pub const DEFAULT_WEBHOOK_PORT: u16 = 53690;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Settings {
    /// Watched channels by slug, in the order the streamer added them.
    pub watchlist: Vec<String>,
    pub loopback_port: u16,
    /// The own chat room id for the unofficial chat socket, typed by the
    /// streamer when Kick's lookup failed: per Kick account (user id → room
    /// id), so another account on this machine never gets this one's chat.
    pub chat_rooms: std::collections::BTreeMap<u64, u64>,
    /// Another Pusher host/app for the chat socket (full URL with
    /// `/app/{key}?protocol=7`); Kick's current one when unset.
    pub chat_url: Option<String>,
    /// Chat over what Kick offers, or one transport forced.
    pub chat_transport: crate::dto::ChatTransport,
    /// Chat (and the feed's socket events) on at login; off once turned off.
    pub chat_enabled: bool,
    /// Desktop notifications for feed items.
    pub notify: crate::dto::NotifyPrefs,
    /// Kick's webhooks: the local receiver (off by default) and its port.
    pub webhook_receiver: bool,
    pub webhook_port: u16,
    /// The webhook event types the streamer wants Kick to send.
    pub webhook_events: Vec<String>,
    /// OBS's websocket server (the password is in the keyring).
    pub obs_host: String,
    pub obs_port: u16,
    /// Connect to OBS at start (set once the streamer connected it).
    pub obs_enabled: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            watchlist: Vec::new(),
            loopback_port: DEFAULT_LOOPBACK_PORT,
            chat_rooms: Default::default(),
            chat_url: None,
            chat_transport: Default::default(),
            chat_enabled: true,
            notify: Default::default(),
            webhook_receiver: false,
            webhook_port: DEFAULT_WEBHOOK_PORT,
            webhook_events: crate::core::webhooks::default_wanted(),
            obs_host: obs_link::DEFAULT_HOST.to_owned(),
            obs_port: obs_link::DEFAULT_PORT,
            obs_enabled: false,
        }
    }
}

/// Loads and saves [`Settings`] at one path.
#[derive(Clone, Debug)]
pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SettingsFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Missing or unreadable files give the defaults (a damaged file is
    /// kept aside as `.bak` so nothing is silently lost).
    pub fn load(&self) -> Settings {
        match std::fs::read(&self.path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, path = %self.path.display(), "settings file is damaged; using defaults");
                    let _ = std::fs::rename(&self.path, self.path.with_extension("json.bak"));
                    Settings::default()
                }
            },
            Err(_) => Settings::default(),
        }
    }

    pub fn save(&self, s: &Settings) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(s)?)?;
        std::fs::rename(tmp, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_load_and_damaged_file() {
        let dir =
            std::env::temp_dir().join(format!("kickstand-settings-{}", rand::random::<u64>()));
        let f = SettingsFile::new(dir.join("settings.json"));
        assert_eq!(f.load(), Settings::default());
        let s = Settings {
            watchlist: vec!["xqc".into()],
            ..Settings::default()
        };
        f.save(&s).unwrap();
        assert_eq!(f.load(), s);
        std::fs::write(f.path(), b"{not json").unwrap();
        assert_eq!(f.load(), Settings::default());
        assert!(dir.join("settings.json.bak").exists());
        let _ = std::fs::remove_dir_all(dir);
    }
}
