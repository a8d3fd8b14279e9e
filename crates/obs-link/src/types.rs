//! Typed views of what OBS answers, and the comparisons Kickstand makes on
//! them (stale key, read-back after set-up) without showing a secret.

use kickstand_secret::{ct_eq, Secret};
use serde::Serialize;
use serde_json::Value;

/// Kick's ingest for the streamer's channel (`stream.url` and `stream.key`
/// of `GET /public/v1/channels`, API.md §6). Both are secrets. The URL is
/// kept exactly as Kick returns it (`rtmps://<id>.global-contribute.live-video.net:443/app/`).
#[derive(Clone, Debug)]
pub struct KickIngest {
    pub server: Secret,
    pub key: Secret,
}

impl KickIngest {
    pub fn new(server: impl Into<String>, key: impl Into<String>) -> Self {
        KickIngest {
            server: Secret::new(server),
            key: Secret::new(key),
        }
    }
}

/// OBS's identity as its `Hello` told it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    pub obs_websocket_version: String,
    pub obs_studio_version: Option<String>,
    pub rpc_version: u32,
}

/// `ObsOutputState` of the stream output (`StreamStateChanged.outputState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputState {
    Starting,
    Started,
    Stopping,
    Stopped,
    Reconnecting,
    Reconnected,
    Unknown,
}

impl OutputState {
    pub fn parse(s: &str) -> OutputState {
        match s {
            "OBS_WEBSOCKET_OUTPUT_STARTING" => OutputState::Starting,
            "OBS_WEBSOCKET_OUTPUT_STARTED" => OutputState::Started,
            "OBS_WEBSOCKET_OUTPUT_STOPPING" => OutputState::Stopping,
            "OBS_WEBSOCKET_OUTPUT_STOPPED" => OutputState::Stopped,
            "OBS_WEBSOCKET_OUTPUT_RECONNECTING" => OutputState::Reconnecting,
            "OBS_WEBSOCKET_OUTPUT_RECONNECTED" => OutputState::Reconnected,
            _ => OutputState::Unknown,
        }
    }
}

/// `GetStreamStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StreamStatus {
    pub active: bool,
    pub reconnecting: bool,
    pub timecode: String,
    pub duration_ms: u64,
    pub congestion: f64,
    pub bytes: u64,
    /// `outputSkippedFrames`: frames the output dropped (network).
    pub skipped_frames: u64,
    pub total_frames: u64,
}

impl StreamStatus {
    pub fn from_response(d: &Value) -> StreamStatus {
        let u = |k: &str| d.get(k).and_then(Value::as_f64).unwrap_or(0.0).max(0.0) as u64;
        StreamStatus {
            active: d
                .get("outputActive")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            reconnecting: d
                .get("outputReconnecting")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            timecode: d
                .get("outputTimecode")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            duration_ms: u("outputDuration"),
            congestion: d
                .get("outputCongestion")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
            bytes: u("outputBytes"),
            skipped_frames: u("outputSkippedFrames"),
            total_frames: u("outputTotalFrames"),
        }
    }
}

/// OBS's scenes, in the order OBS's Scenes dock shows them (top first), and
/// the scene on program (live).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SceneList {
    pub current: Option<String>,
    pub scenes: Vec<String>,
}

impl SceneList {
    /// From `GetSceneList`: obs-websocket lists scenes bottom-first with
    /// `sceneIndex` 0 at the bottom of the dock; sort by index descending.
    pub fn from_response(d: &Value) -> SceneList {
        let mut scenes: Vec<(i64, String)> = d
            .get("scenes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| {
                        Some((
                            s.get("sceneIndex").and_then(Value::as_i64).unwrap_or(0),
                            s.get("sceneName")?.as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        scenes.sort_by_key(|s| std::cmp::Reverse(s.0));
        SceneList {
            current: d
                .get("currentProgramSceneName")
                .and_then(Value::as_str)
                .map(str::to_owned),
            scenes: scenes.into_iter().map(|(_, n)| n).collect(),
        }
    }
}

/// OBS's stream destination (`GetStreamServiceSettings`). The server and key
/// are moved out of the response into [`Secret`]s, so they print redacted.
#[derive(Clone, Debug)]
pub struct StreamService {
    /// `rtmp_custom`, `rtmp_common`, `whip_custom`, …
    pub service_type: String,
    /// For `rtmp_common`: the listed service's name (e.g. "Twitch").
    pub service_name: Option<String>,
    pub server: Option<Secret>,
    pub key: Option<Secret>,
}

impl StreamService {
    /// Takes the response apart, moving the secret strings (no copies left
    /// in the `Value`).
    pub fn from_response(mut d: Value) -> StreamService {
        let service_type = d
            .get("streamServiceType")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let mut settings = d.get_mut("streamServiceSettings");
        let mut take = |k: &str| -> Option<Secret> {
            match settings.as_deref_mut()?.get_mut(k)? {
                Value::String(s) => Some(Secret::new(std::mem::take(s))),
                _ => None,
            }
        };
        let server = take("server");
        let key = take("key");
        let service_name = take("service").map(|s| s.expose().to_owned());
        StreamService {
            service_type,
            service_name,
            server,
            key,
        }
    }
}

pub const RTMP_CUSTOM: &str = "rtmp_custom";

/// Whether OBS's stream settings still point at the streamer's current Kick
/// ingest. Computed in Rust; neither value is ever shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum KeyCheck {
    /// OBS streams to Kick with the current key.
    Matches,
    /// OBS has a custom server set, but the key and/or server is not Kick's
    /// current one (a stale key, or another destination).
    Differs {
        key_differs: bool,
        server_differs: bool,
    },
    /// OBS has no stream key set (a fresh OBS: no service chosen).
    NotConfigured,
    /// OBS uses another kind of service (a listed service such as Twitch,
    /// or WHIP); `service` is the listed service's name when there is one.
    OtherService {
        service_type: String,
        service: Option<String>,
    },
}

/// Trailing slashes do not change where RTMP goes (`…/app` and `…/app/`).
fn same_server(a: &str, b: &str) -> bool {
    ct_eq(a.trim_end_matches('/'), b.trim_end_matches('/'))
}

/// Compares OBS's settings with Kick's ingest.
pub fn check_key(obs: &StreamService, kick: &KickIngest) -> KeyCheck {
    let key = obs.key.as_ref().filter(|k| !k.is_empty());
    let server = obs.server.as_ref().filter(|s| !s.is_empty());
    // A fresh OBS: `rtmp_common` with no service, server or key at all.
    if key.is_none() && (server.is_none() || obs.service_type != RTMP_CUSTOM) {
        return KeyCheck::NotConfigured;
    }
    if obs.service_type != RTMP_CUSTOM {
        return KeyCheck::OtherService {
            service_type: obs.service_type.clone(),
            service: obs.service_name.clone(),
        };
    }
    let key_differs = !key.is_some_and(|k| k.matches(&kick.key));
    let server_differs = !server.is_some_and(|s| same_server(s.expose(), kick.server.expose()));
    if key_differs || server_differs {
        KeyCheck::Differs {
            key_differs,
            server_differs,
        }
    } else {
        KeyCheck::Matches
    }
}

/// The outcome of "Set up OBS for Kick": what reading the settings back showed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ReadBack {
    /// OBS now holds exactly Kick's URL and key as a custom RTMP service.
    Matches,
    Mismatch {
        service_type_ok: bool,
        server_ok: bool,
        key_ok: bool,
    },
}

/// Read-back comparison: exact (the URL must be exactly as Kick gave it).
pub fn read_back(obs: &StreamService, kick: &KickIngest) -> ReadBack {
    let service_type_ok = obs.service_type == RTMP_CUSTOM;
    let server_ok = obs.server.as_ref().is_some_and(|s| s.matches(&kick.server));
    let key_ok = obs.key.as_ref().is_some_and(|k| k.matches(&kick.key));
    if service_type_ok && server_ok && key_ok {
        ReadBack::Matches
    } else {
        ReadBack::Mismatch {
            service_type_ok,
            server_ok,
            key_ok,
        }
    }
}

/// Events from OBS that Kickstand uses, typed.
#[derive(Clone, Debug, PartialEq)]
pub enum ObsEvent {
    StreamStateChanged {
        active: bool,
        state: OutputState,
    },
    CurrentProgramSceneChanged {
        scene: String,
    },
    /// `SceneListChanged`, `SceneCreated`, `SceneRemoved`, `SceneNameChanged`:
    /// the list should be fetched again.
    ScenesChanged,
    /// OBS is shutting down.
    ExitStarted,
    Other {
        event_type: String,
    },
}

impl ObsEvent {
    pub fn from_raw(e: &crate::protocol::RawEvent) -> ObsEvent {
        let d = &e.data;
        match e.event_type.as_str() {
            "StreamStateChanged" => ObsEvent::StreamStateChanged {
                active: d
                    .get("outputActive")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                state: OutputState::parse(
                    d.get("outputState").and_then(Value::as_str).unwrap_or(""),
                ),
            },
            "CurrentProgramSceneChanged" => ObsEvent::CurrentProgramSceneChanged {
                scene: d
                    .get("sceneName")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            },
            "SceneListChanged" | "SceneCreated" | "SceneRemoved" | "SceneNameChanged" => {
                ObsEvent::ScenesChanged
            }
            "ExitStarted" => ObsEvent::ExitStarted,
            other => ObsEvent::Other {
                event_type: other.to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(t: &str, server: &str, key: &str) -> StreamService {
        StreamService::from_response(json!({
            "streamServiceType": t,
            "streamServiceSettings": {"server": server, "key": key}
        }))
    }

    const URL: &str = "rtmps://fa723fc1b171.global-contribute.live-video.net:443/app/";

    #[test]
    fn key_check() {
        let kick = KickIngest::new(URL, "sk_new");
        assert_eq!(
            check_key(&service("rtmp_custom", URL, "sk_new"), &kick),
            KeyCheck::Matches
        );
        assert_eq!(
            check_key(
                &service("rtmp_custom", URL.trim_end_matches('/'), "sk_new"),
                &kick
            ),
            KeyCheck::Matches
        );
        assert_eq!(
            check_key(&service("rtmp_custom", URL, "sk_old"), &kick),
            KeyCheck::Differs {
                key_differs: true,
                server_differs: false
            }
        );
        assert_eq!(
            check_key(&service("rtmp_custom", "rtmp://other/app", "sk_new"), &kick),
            KeyCheck::Differs {
                key_differs: false,
                server_differs: true
            }
        );
        assert_eq!(
            check_key(&service("rtmp_custom", "", ""), &kick),
            KeyCheck::NotConfigured
        );
        let twitch = StreamService::from_response(json!({
            "streamServiceType": "rtmp_common",
            "streamServiceSettings": {"service": "Twitch", "server": "auto", "key": "live_x"}
        }));
        assert_eq!(
            check_key(&twitch, &kick),
            KeyCheck::OtherService {
                service_type: "rtmp_common".into(),
                service: Some("Twitch".into())
            }
        );
        // A fresh OBS (29) answers `rtmp_common` with empty settings.
        let fresh = StreamService::from_response(json!({
            "streamServiceType": "rtmp_common", "streamServiceSettings": {}
        }));
        assert_eq!(check_key(&fresh, &kick), KeyCheck::NotConfigured);
        let empty_custom = StreamService::from_response(json!({
            "streamServiceType": "rtmp_custom", "streamServiceSettings": {}
        }));
        assert_eq!(check_key(&empty_custom, &kick), KeyCheck::NotConfigured);
    }

    #[test]
    fn read_back_is_exact() {
        let kick = KickIngest::new(URL, "sk_new");
        assert_eq!(
            read_back(&service("rtmp_custom", URL, "sk_new"), &kick),
            ReadBack::Matches
        );
        assert_eq!(
            read_back(
                &service("rtmp_custom", URL.trim_end_matches('/'), "sk_new"),
                &kick
            ),
            ReadBack::Mismatch {
                service_type_ok: true,
                server_ok: false,
                key_ok: true
            }
        );
    }

    #[test]
    fn stream_service_debug_is_redacted() {
        let s = service("rtmp_custom", URL, "sk_us-west-2_SECRET");
        let d = format!("{s:?}");
        assert!(!d.contains("SECRET") && !d.contains("live-video"), "{d}");
        assert_eq!(s.key.unwrap().expose(), "sk_us-west-2_SECRET");
    }

    #[test]
    fn scene_list_in_dock_order() {
        // As obs-websocket sends it: bottom of the dock first (index 0).
        let d = json!({
            "currentProgramSceneName": "Live",
            "scenes": [
                {"sceneIndex": 0, "sceneName": "BRB"},
                {"sceneIndex": 1, "sceneName": "Live"},
                {"sceneIndex": 2, "sceneName": "Starting"}
            ]
        });
        let l = SceneList::from_response(&d);
        assert_eq!(l.scenes, vec!["Starting", "Live", "BRB"]);
        assert_eq!(l.current.as_deref(), Some("Live"));
    }

    #[test]
    fn stream_status_and_events() {
        let s = StreamStatus::from_response(&json!({
            "outputActive": true, "outputReconnecting": false, "outputTimecode": "00:00:05.000",
            "outputDuration": 5000, "outputCongestion": 0.0, "outputBytes": 625000,
            "outputSkippedFrames": 3, "outputTotalFrames": 150
        }));
        assert!(s.active);
        assert_eq!(
            (s.bytes, s.skipped_frames, s.total_frames, s.duration_ms),
            (625_000, 3, 150, 5000)
        );
        let e = ObsEvent::from_raw(&crate::protocol::RawEvent {
            event_type: "StreamStateChanged".into(),
            event_intent: 64,
            data: json!({"outputActive": false, "outputState": "OBS_WEBSOCKET_OUTPUT_STOPPING"}),
        });
        assert_eq!(
            e,
            ObsEvent::StreamStateChanged {
                active: false,
                state: OutputState::Stopping
            }
        );
    }
}
