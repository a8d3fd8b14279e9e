//! The obs-websocket v5 wire format, without I/O: op codes, the frames we
//! send and receive, the authentication string, close codes, request status
//! codes and event subscription bits (obs-websocket `docs/generated/protocol.md`).
//!
//! Parsing never puts message text into an error: a response may carry the
//! stream key (`GetStreamServiceSettings`), so errors say what was wrong with
//! the shape, never what the value was.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

/// The RPC version this client speaks (the only one obs-websocket 5.x has).
pub const RPC_VERSION: u32 = 1;

/// Message types (`op`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpCode {
    Hello = 0,
    Identify = 1,
    Identified = 2,
    Reidentify = 3,
    Event = 5,
    Request = 6,
    RequestResponse = 7,
    RequestBatch = 8,
    RequestBatchResponse = 9,
}

impl OpCode {
    pub fn from_u64(op: u64) -> Option<OpCode> {
        Some(match op {
            0 => OpCode::Hello,
            1 => OpCode::Identify,
            2 => OpCode::Identified,
            3 => OpCode::Reidentify,
            5 => OpCode::Event,
            6 => OpCode::Request,
            7 => OpCode::RequestResponse,
            8 => OpCode::RequestBatch,
            9 => OpCode::RequestBatchResponse,
            _ => return None,
        })
    }
}

/// `EventSubscription` bits for `Identify`.
pub mod event_subscription {
    pub const NONE: u32 = 0;
    pub const GENERAL: u32 = 1 << 0;
    pub const CONFIG: u32 = 1 << 1;
    pub const SCENES: u32 = 1 << 2;
    pub const INPUTS: u32 = 1 << 3;
    pub const TRANSITIONS: u32 = 1 << 4;
    pub const FILTERS: u32 = 1 << 5;
    pub const OUTPUTS: u32 = 1 << 6;
    pub const SCENE_ITEMS: u32 = 1 << 7;
    pub const MEDIA_INPUTS: u32 = 1 << 8;
    pub const VENDORS: u32 = 1 << 9;
    pub const UI: u32 = 1 << 10;
    /// What Kickstand listens to: `ExitStarted` (general), the scene events
    /// and `StreamStateChanged` (outputs). No high-volume categories.
    pub const KICKSTAND: u32 = GENERAL | SCENES | OUTPUTS;
}

/// `WebSocketCloseCode` values the server closes with.
pub mod close_code {
    pub const UNKNOWN_REASON: u16 = 4000;
    pub const MESSAGE_DECODE_ERROR: u16 = 4002;
    pub const MISSING_DATA_FIELD: u16 = 4003;
    pub const INVALID_DATA_FIELD_TYPE: u16 = 4004;
    pub const INVALID_DATA_FIELD_VALUE: u16 = 4005;
    pub const UNKNOWN_OP_CODE: u16 = 4006;
    pub const NOT_IDENTIFIED: u16 = 4007;
    pub const ALREADY_IDENTIFIED: u16 = 4008;
    pub const AUTHENTICATION_FAILED: u16 = 4009;
    pub const UNSUPPORTED_RPC_VERSION: u16 = 4010;
    /// The "Kick" button in OBS's session list: must not reconnect by itself.
    pub const SESSION_INVALIDATED: u16 = 4011;
    pub const UNSUPPORTED_FEATURE: u16 = 4012;
}

/// `RequestStatus` codes the client acts on.
pub mod status {
    pub const SUCCESS: u16 = 100;
    pub const NOT_READY: u16 = 207;
    pub const OUTPUT_RUNNING: u16 = 500;
    pub const OUTPUT_NOT_RUNNING: u16 = 501;
    pub const RESOURCE_NOT_FOUND: u16 = 600;
    pub const RESOURCE_ALREADY_EXISTS: u16 = 601;

    /// The documented name of a status code (for messages and logs).
    pub fn name(code: u16) -> &'static str {
        match code {
            0 => "Unknown",
            10 => "NoError",
            100 => "Success",
            203 => "MissingRequestType",
            204 => "UnknownRequestType",
            205 => "GenericError",
            206 => "UnsupportedRequestBatchExecutionType",
            207 => "NotReady",
            300 => "MissingRequestField",
            301 => "MissingRequestData",
            400 => "InvalidRequestField",
            401 => "InvalidRequestFieldType",
            402 => "RequestFieldOutOfRange",
            403 => "RequestFieldEmpty",
            404 => "TooManyRequestFields",
            500 => "OutputRunning",
            501 => "OutputNotRunning",
            502 => "OutputPaused",
            503 => "OutputNotPaused",
            504 => "OutputDisabled",
            505 => "StudioModeActive",
            506 => "StudioModeNotActive",
            600 => "ResourceNotFound",
            601 => "ResourceAlreadyExists",
            602 => "InvalidResourceType",
            603 => "NotEnoughResources",
            604 => "InvalidResourceState",
            605 => "InvalidInputKind",
            606 => "ResourceNotConfigurable",
            607 => "InvalidFilterKind",
            700 => "ResourceCreationFailed",
            701 => "ResourceActionFailed",
            702 => "RequestProcessingFailed",
            703 => "CannotAct",
            _ => "UnknownStatus",
        }
    }
}

/// The v5 authentication string:
/// `base64(sha256(base64(sha256(password + salt)) + challenge))`.
/// The intermediate secret is zeroed before returning.
pub fn auth_string(password: &str, salt: &str, challenge: &str) -> String {
    let mut h = Sha256::new();
    h.update(password.as_bytes());
    h.update(salt.as_bytes());
    let mut digest = h.finalize();
    let mut secret = B64.encode(digest);
    digest.as_mut_slice().zeroize();
    let mut h = Sha256::new();
    h.update(secret.as_bytes());
    h.update(challenge.as_bytes());
    secret.zeroize();
    B64.encode(h.finalize())
}

/// `Hello` (op 0) data.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Hello {
    /// Not sent by obs-websocket 5.1 (OBS 29, seen in the real-OBS tests).
    #[serde(default)]
    pub obs_studio_version: Option<String>,
    pub obs_web_socket_version: String,
    pub rpc_version: u32,
    #[serde(default)]
    pub authentication: Option<AuthChallenge>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct AuthChallenge {
    pub challenge: String,
    pub salt: String,
}

/// `requestStatus` of a response.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct RequestStatus {
    pub result: bool,
    pub code: u16,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `RequestResponse` (op 7). Not `Debug`: `data` may hold the stream key.
pub struct Response {
    pub request_type: String,
    pub request_id: String,
    pub status: RequestStatus,
    /// `responseData`, `Value::Null` when absent.
    pub data: Value,
}

/// `Event` (op 5).
#[derive(Clone, Debug)]
pub struct RawEvent {
    pub event_type: String,
    pub event_intent: u32,
    pub data: Value,
}

/// A message from the server, sorted by kind.
pub enum Incoming {
    Hello(Hello),
    Identified {
        negotiated_rpc_version: u32,
    },
    Event(RawEvent),
    Response(Response),
    /// A batch response (we send no batches; ignored).
    BatchResponse,
    /// A message in the old 4.x protocol (`message-id` / `update-type` at the
    /// top level, no `op`). Carries `obs-websocket-version` when the peer
    /// answered our `GetVersion` probe.
    V4 {
        version: Option<String>,
    },
}

/// Why a frame could not be understood. Never contains the frame's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("not JSON (line {line}, column {column})")]
    NotJson { line: usize, column: usize },
    #[error("not a JSON object")]
    NotAnObject,
    #[error("no `op` field")]
    MissingOp,
    #[error("unknown op code {0}")]
    UnknownOp(u64),
    #[error("`d` is missing or not an object")]
    MissingData,
    #[error("op {op}: unexpected shape ({what})")]
    BadShape { op: u64, what: &'static str },
}

impl Incoming {
    /// Parses one text frame.
    pub fn parse(text: &str) -> Result<Incoming, FrameError> {
        let v: Value = serde_json::from_str(text).map_err(|e| FrameError::NotJson {
            line: e.line(),
            column: e.column(),
        })?;
        let Value::Object(mut top) = v else {
            return Err(FrameError::NotAnObject);
        };
        let Some(op) = top.get("op") else {
            if top.contains_key("message-id") || top.contains_key("update-type") {
                let version = top
                    .get("obs-websocket-version")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                return Ok(Incoming::V4 { version });
            }
            return Err(FrameError::MissingOp);
        };
        let op_n = op.as_u64().ok_or(FrameError::MissingOp)?;
        let op = OpCode::from_u64(op_n).ok_or(FrameError::UnknownOp(op_n))?;
        let d = match top.remove("d") {
            Some(d @ Value::Object(_)) => d,
            _ => return Err(FrameError::MissingData),
        };
        let shape = |what| FrameError::BadShape { op: op_n, what };
        Ok(match op {
            OpCode::Hello => {
                Incoming::Hello(serde_json::from_value(d).map_err(|_| shape("Hello"))?)
            }
            OpCode::Identified => Incoming::Identified {
                negotiated_rpc_version: d
                    .get("negotiatedRpcVersion")
                    .and_then(Value::as_u64)
                    .ok_or(shape("negotiatedRpcVersion"))?
                    as u32,
            },
            OpCode::Event => {
                let Value::Object(mut d) = d else {
                    unreachable!("checked above")
                };
                let event_type = match d.remove("eventType") {
                    Some(Value::String(s)) => s,
                    _ => return Err(shape("eventType")),
                };
                Incoming::Event(RawEvent {
                    event_type,
                    event_intent: d.get("eventIntent").and_then(Value::as_u64).unwrap_or(0) as u32,
                    data: d.remove("eventData").unwrap_or(Value::Null),
                })
            }
            OpCode::RequestResponse => {
                let Value::Object(mut d) = d else {
                    unreachable!("checked above")
                };
                let mut string = |k: &'static str| match d.remove(k) {
                    Some(Value::String(s)) => Ok(s),
                    _ => Err(shape(k)),
                };
                let request_type = string("requestType")?;
                let request_id = string("requestId")?;
                let status = d
                    .remove("requestStatus")
                    .and_then(|s| serde_json::from_value(s).ok())
                    .ok_or(shape("requestStatus"))?;
                Incoming::Response(Response {
                    request_type,
                    request_id,
                    status,
                    data: d.remove("responseData").unwrap_or(Value::Null),
                })
            }
            OpCode::RequestBatchResponse => Incoming::BatchResponse,
            OpCode::Identify | OpCode::Reidentify | OpCode::Request | OpCode::RequestBatch => {
                return Err(shape("a client-to-server op"))
            }
        })
    }
}

/// `Identify` (op 1).
pub fn identify(authentication: Option<&str>, event_subscriptions: u32) -> String {
    let mut d = json!({
        "rpcVersion": RPC_VERSION,
        "eventSubscriptions": event_subscriptions,
    });
    if let Some(a) = authentication {
        d["authentication"] = Value::String(a.to_owned());
    }
    json!({"op": OpCode::Identify as u8, "d": d}).to_string()
}

/// `Request` (op 6).
pub fn request(request_type: &str, request_id: &str, data: Option<Value>) -> String {
    let mut d = json!({"requestType": request_type, "requestId": request_id});
    if let Some(data) = data {
        d["requestData"] = data;
    }
    json!({"op": OpCode::Request as u8, "d": d}).to_string()
}

/// A 4.x `GetVersion` request, sent only when the peer stays silent instead
/// of saying Hello: a 4.x server answers it (with `obs-websocket-version`), a
/// 5.x server never sees it because it greets first.
pub fn v4_probe() -> String {
    json!({"request-type": "GetVersion", "message-id": "kickstand-v4-probe"}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of protocol.md ("Creating an authentication string"):
    /// password `supersecretpassword` with the `Hello` example's salt and challenge.
    /// (The doc's `Identify` example string `Dj6cLS…` is a placeholder, not
    /// derived from these values.) Cross-checked with Python's hashlib.
    #[test]
    fn auth_string_matches_the_documented_example() {
        assert_eq!(
            auth_string(
                "supersecretpassword",
                "lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI=",
                "+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY="
            ),
            "1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4="
        );
        // The 4.x docs' pseudo-code example (same algorithm).
        assert_eq!(
            auth_string(
                "supersecretpassword",
                "PZVbYpvAnZut2SS6JNJytDm9",
                "ztTBnnuqrqaKDzRM3xcVdbYm"
            ),
            "zZgWipvwSGrw748kHN4gNpBC1IaeiiWX3Hjkrm849Sc="
        );
    }

    #[test]
    fn parses_hello_with_and_without_auth() {
        let with = r#"{"op":0,"d":{"obsStudioVersion":"30.2.2","obsWebSocketVersion":"5.5.2","rpcVersion":1,
            "authentication":{"challenge":"+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY=","salt":"lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI="}}}"#;
        let Incoming::Hello(h) = Incoming::parse(with).unwrap() else {
            panic!("not hello")
        };
        assert_eq!(h.rpc_version, 1);
        assert_eq!(h.obs_web_socket_version, "5.5.2");
        assert_eq!(h.obs_studio_version.as_deref(), Some("30.2.2"));
        assert_eq!(
            h.authentication.unwrap().salt,
            "lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI="
        );
        // OBS 29's obs-websocket 5.1 sends no obsStudioVersion.
        let without = r#"{"op":0,"d":{"obsWebSocketVersion":"5.1.0","rpcVersion":1}}"#;
        let Incoming::Hello(h) = Incoming::parse(without).unwrap() else {
            panic!("not hello")
        };
        assert!(h.authentication.is_none());
        assert!(h.obs_studio_version.is_none());
    }

    #[test]
    fn parses_identified_event_and_response() {
        assert!(matches!(
            Incoming::parse(r#"{"op":2,"d":{"negotiatedRpcVersion":1}}"#).unwrap(),
            Incoming::Identified {
                negotiated_rpc_version: 1
            }
        ));
        let Incoming::Event(e) = Incoming::parse(
            r#"{"op":5,"d":{"eventType":"StreamStateChanged","eventIntent":64,
                "eventData":{"outputActive":true,"outputState":"OBS_WEBSOCKET_OUTPUT_STARTED"}}}"#,
        )
        .unwrap() else {
            panic!("not an event")
        };
        assert_eq!(e.event_type, "StreamStateChanged");
        assert_eq!(e.event_intent, 64);
        assert_eq!(e.data["outputActive"], true);

        let Incoming::Response(r) = Incoming::parse(
            r#"{"op":7,"d":{"requestType":"SetCurrentProgramScene","requestId":"f819",
                "requestStatus":{"result":false,"code":608,"comment":"Parameter: sceneName"}}}"#,
        )
        .unwrap() else {
            panic!("not a response")
        };
        assert_eq!(r.request_id, "f819");
        assert!(!r.status.result);
        assert_eq!(r.status.code, 608);
        assert_eq!(r.status.comment.as_deref(), Some("Parameter: sceneName"));
        assert!(r.data.is_null());
    }

    #[test]
    fn recognises_the_old_v4_protocol() {
        let reply = r#"{"message-id":"kickstand-v4-probe","status":"ok","obs-websocket-version":"4.9.1","version":1.1}"#;
        assert!(matches!(
            Incoming::parse(reply).unwrap(),
            Incoming::V4 { version: Some(v) } if v == "4.9.1"
        ));
        let event = r#"{"update-type":"SwitchScenes","scene-name":"Scene 2"}"#;
        assert!(matches!(
            Incoming::parse(event).unwrap(),
            Incoming::V4 { version: None }
        ));
        assert!(v4_probe().contains("\"request-type\":\"GetVersion\""));
    }

    #[test]
    fn frame_errors_never_echo_the_frame() {
        let key = "sk_us-west-2_SECRETSECRET";
        let bad = [
            format!(
                "{{\"op\":7,\"d\":{{\"requestType\":1,\"responseData\":{{\"key\":\"{key}\"}}}}}}"
            ),
            format!("{{\"op\":99,\"d\":{{\"key\":\"{key}\"}}}}"),
            format!("{{\"key\":\"{key}\""),
            format!("[\"{key}\"]"),
            format!("{{\"op\":0,\"d\":{{\"obsWebSocketVersion\":5,\"key\":\"{key}\"}}}}"),
        ];
        for b in bad {
            let e = Incoming::parse(&b).err().expect("must fail");
            assert!(!format!("{e} {e:?}").contains("SECRET"), "{e:?}");
        }
    }

    #[test]
    fn frames_we_send() {
        let id: Value = serde_json::from_str(&identify(Some("abc"), 69)).unwrap();
        assert_eq!(
            id,
            json!({"op":1,"d":{"rpcVersion":1,"authentication":"abc","eventSubscriptions":69}})
        );
        let id: Value = serde_json::from_str(&identify(None, 0)).unwrap();
        assert!(id["d"].get("authentication").is_none());

        let r: Value = serde_json::from_str(&request(
            "SetCurrentProgramScene",
            "7",
            Some(json!({"sceneName":"Scene 12"})),
        ))
        .unwrap();
        assert_eq!(
            r,
            json!({"op":6,"d":{"requestType":"SetCurrentProgramScene","requestId":"7","requestData":{"sceneName":"Scene 12"}}})
        );
        let r: Value = serde_json::from_str(&request("GetStreamStatus", "8", None)).unwrap();
        assert!(r["d"].get("requestData").is_none());
    }

    #[test]
    fn op_codes_and_subscriptions() {
        for (n, op) in [
            (0, OpCode::Hello),
            (1, OpCode::Identify),
            (2, OpCode::Identified),
            (3, OpCode::Reidentify),
            (5, OpCode::Event),
            (6, OpCode::Request),
            (7, OpCode::RequestResponse),
            (8, OpCode::RequestBatch),
            (9, OpCode::RequestBatchResponse),
        ] {
            assert_eq!(OpCode::from_u64(n), Some(op));
            assert_eq!(op as u64, n);
        }
        assert_eq!(OpCode::from_u64(4), None);
        assert_eq!(event_subscription::KICKSTAND, 1 + 4 + 64);
        assert_eq!(status::name(500), "OutputRunning");
    }
}
