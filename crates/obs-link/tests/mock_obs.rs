//! The connection errors and the service's reconnect policy against small
//! scripted peers (no OBS needed): an obs-websocket 5 stand-in with
//! authentication, an old 4.x server, a silent one, a plain HTTP server.

use futures::{SinkExt, StreamExt};
use obs_link::protocol::auth_string;
use obs_link::{LinkEvent, LinkOptions, LinkState, ObsConfig, ObsError, ObsLink, Secret};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

fn cfg(port: u16, password: Option<&str>) -> ObsConfig {
    ObsConfig {
        hello_timeout: Duration::from_millis(600),
        ..ObsConfig::new("127.0.0.1", port, password.map(Secret::new))
    }
}

async fn listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

/// An obs-websocket 5 stand-in: greets, checks the auth string, answers
/// the requests the service makes, and closes on command with a code.
struct MockV5 {
    port: u16,
    close_all: broadcast::Sender<u16>,
    identifies: Arc<Mutex<Vec<Value>>>,
}

async fn mock_v5(password: Option<&'static str>) -> MockV5 {
    let (l, port) = listener().await;
    let (close_all, _) = broadcast::channel(4);
    let identifies = Arc::new(Mutex::new(Vec::new()));
    let (tx, ids) = (close_all.clone(), identifies.clone());
    tokio::spawn(async move {
        loop {
            let (tcp, _) = l.accept().await.unwrap();
            let mut closer = tx.subscribe();
            let ids = ids.clone();
            tokio::spawn(async move {
                let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
                let (salt, challenge) = ("c2FsdHNhbHQ=", "Y2hhbGxlbmdl");
                let mut hello = json!({"op":0,"d":{"obsWebSocketVersion":"5.1.0","rpcVersion":1}});
                if password.is_some() {
                    hello["d"]["authentication"] = json!({"challenge": challenge, "salt": salt});
                }
                ws.send(Message::text(hello.to_string())).await.unwrap();
                let Some(Ok(Message::Text(t))) = ws.next().await else {
                    return;
                };
                let identify: Value = serde_json::from_str(t.as_str()).unwrap();
                ids.lock().unwrap().push(identify.clone());
                if let Some(pw) = password {
                    if identify["d"]["authentication"] != auth_string(pw, salt, challenge).as_str()
                    {
                        let _ = ws
                            .send(Message::Close(Some(CloseFrame {
                                code: CloseCode::from(4009),
                                reason: "Authentication failed.".into(),
                            })))
                            .await;
                        return;
                    }
                }
                ws.send(Message::text(
                    json!({"op":2,"d":{"negotiatedRpcVersion":1}}).to_string(),
                ))
                .await
                .unwrap();
                loop {
                    tokio::select! {
                        m = ws.next() => {
                            let Some(Ok(Message::Text(t))) = m else { return };
                            let r: Value = serde_json::from_str(t.as_str()).unwrap();
                            let d = &r["d"];
                            let data = match d["requestType"].as_str().unwrap() {
                                "GetStreamStatus" => json!({"outputActive": false, "outputReconnecting": false,
                                    "outputTimecode": "00:00:00.000", "outputDuration": 0, "outputCongestion": 0,
                                    "outputBytes": 0, "outputSkippedFrames": 0, "outputTotalFrames": 0}),
                                "GetSceneList" => json!({"currentProgramSceneName": "Scene",
                                    "scenes": [{"sceneIndex": 0, "sceneName": "Scene"}]}),
                                _ => json!({}),
                            };
                            let resp = json!({"op":7,"d":{"requestType": d["requestType"], "requestId": d["requestId"],
                                "requestStatus": {"result": true, "code": 100}, "responseData": data}});
                            ws.send(Message::text(resp.to_string())).await.unwrap();
                        }
                        code = closer.recv() => {
                            let code = code.unwrap();
                            if code == 0 {
                                return; // drop the TCP connection without a close frame
                            }
                            let _ = ws.send(Message::Close(Some(CloseFrame {
                                code: CloseCode::from(code),
                                reason: "".into(),
                            }))).await;
                            return;
                        }
                    }
                }
            });
        }
    });
    MockV5 {
        port,
        close_all,
        identifies,
    }
}

#[tokio::test]
async fn authenticates_with_the_challenge_and_says_when_the_password_is_wrong() {
    let m = mock_v5(Some("right-pw")).await;
    let info = obs_link::test_connection(&cfg(m.port, Some("right-pw")))
        .await
        .unwrap();
    assert_eq!(info.obs_websocket_version, "5.1.0");
    let id = m.identifies.lock().unwrap()[0].clone();
    assert_eq!(id["op"], 1);
    assert_eq!(id["d"]["rpcVersion"], 1);
    // General | Scenes | Outputs.
    assert_eq!(id["d"]["eventSubscriptions"], 69);
    assert_eq!(
        obs_link::test_connection(&cfg(m.port, Some("wrong-pw")))
            .await
            .unwrap_err(),
        ObsError::WrongPassword
    );
    assert_eq!(
        obs_link::test_connection(&cfg(m.port, None))
            .await
            .unwrap_err(),
        ObsError::PasswordRequired
    );
    // A password for an OBS that asks for none is fine.
    let open = mock_v5(None).await;
    obs_link::test_connection(&cfg(open.port, Some("unused")))
        .await
        .unwrap();
    assert!(open.identifies.lock().unwrap()[0]["d"]
        .get("authentication")
        .is_none());
}

#[tokio::test]
async fn recognises_an_old_obs_websocket_4() {
    let (l, port) = listener().await;
    tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        // 4.x says nothing until asked; then answers with message-id.
        while let Some(Ok(Message::Text(t))) = ws.next().await {
            let r: Value = serde_json::from_str(t.as_str()).unwrap();
            let reply = json!({"message-id": r["message-id"], "status": "ok",
                "obs-websocket-version": "4.9.1", "obs-studio-version": "27.2.4", "version": 1.1});
            ws.send(Message::text(reply.to_string())).await.unwrap();
        }
    });
    let e = obs_link::test_connection(&cfg(port, None))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ObsError::OldProtocol {
            version: Some("4.9.1".into())
        }
    );
    assert_eq!(e.code(), "obs_old_protocol");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_silent_peer_times_out_and_an_http_server_is_not_obs() {
    let (l, port) = listener().await;
    tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(ws);
    });
    let e = obs_link::test_connection(&cfg(port, None))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ObsError::Timeout {
            stage: obs_link::Stage::Hello
        }
    );

    let (l, port) = listener().await;
    tokio::spawn(async move {
        let (mut tcp, _) = l.accept().await.unwrap();
        let mut buf = [0u8; 1024];
        let _ = tcp.read(&mut buf).await;
        let _ = tcp
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
            .await;
    });
    let e = obs_link::test_connection(&cfg(port, None))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "obs_not_websocket", "{e:?}");
    assert!(e.to_string().contains("HTTP 200"), "{e}");
}

#[tokio::test]
async fn nothing_listening() {
    let (l, port) = listener().await;
    drop(l);
    let e = obs_link::test_connection(&cfg(port, None))
        .await
        .unwrap_err();
    // Wording depends on whether some OBS runs on this machine.
    let expect = if obs_link::process::obs_process_running() == Some(true) {
        "obs_server_off"
    } else {
        "obs_not_running"
    };
    assert_eq!(e.code(), expect, "{e}");
}

fn fast() -> LinkOptions {
    LinkOptions {
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        ..LinkOptions::default()
    }
}

async fn wait_state(link: &ObsLink, what: &str, f: impl Fn(&LinkState) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let s = link.state();
        if f(&s) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waiting for {what}; state is {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn reconnects_after_a_drop_but_not_after_a_kick() {
    let m = mock_v5(None).await;
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    let link = ObsLink::start_with(
        cfg(m.port, None),
        fast(),
        Arc::new(move |e: LinkEvent| ev.lock().unwrap().push(e)),
    );
    wait_state(&link, "connected", LinkState::is_connected).await;
    assert_eq!(link.scenes().unwrap().current.as_deref(), Some("Scene"));

    // The connection drops (OBS crashed and came back at once): reconnects.
    m.close_all.send(0).unwrap();
    wait_state(&link, "reconnecting", |s| {
        matches!(s, LinkState::Reconnecting { .. })
    })
    .await;
    wait_state(&link, "connected again", LinkState::is_connected).await;

    // Kicked from OBS's session list (4011): stays off until asked.
    m.close_all.send(4011).unwrap();
    wait_state(
        &link,
        "needs attention",
        |s| matches!(s, LinkState::NeedsAttention { error } if error.code == "obs_kicked"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(matches!(link.state(), LinkState::NeedsAttention { .. }));
    link.reconnect_now();
    wait_state(&link, "connected after Reconnect", LinkState::is_connected).await;

    // Dropping the last handle stops the link.
    let probe = link.clone();
    drop(link);
    assert!(probe.state().is_connected());
    probe.stop();
    wait_state(&probe, "stopped", |s| *s == LinkState::Stopped).await;
    let evs = events.lock().unwrap();
    assert!(matches!(
        evs.first(),
        Some(LinkEvent::State(LinkState::Connecting))
    ));
    assert!(matches!(
        evs.last(),
        Some(LinkEvent::State(LinkState::Stopped))
    ));
}

#[tokio::test]
async fn commands_without_a_connection_say_so() {
    let (l, port) = listener().await;
    drop(l);
    let link = ObsLink::start_with(cfg(port, None), fast(), Arc::new(|_| {}));
    let kick = obs_link::KickIngest::new("rtmps://x.example:443/app/", "sk_x");
    assert_eq!(
        link.start_stream().await.unwrap_err(),
        ObsError::NotConnected
    );
    assert_eq!(
        link.check_key(&kick).await.unwrap_err(),
        ObsError::NotConnected
    );
    let e = link
        .setup_for_kick(&obs_link::KickIngest::new("", ""))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "obs_invalid_input");
    let e = link
        .setup_for_kick(&obs_link::KickIngest::new("https://kick.com", "sk_x"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "obs_invalid_input");
}
