//! The fake's Centrifugo endpoint speaks the protocol as REALTIME.md §c and
//! the checklist §g say, seen from a raw socket.

use futures::{SinkExt, StreamExt};
use kick_fake::centrifugo::CentrifugoSettings;
use kick_fake::{FakeConfig, RunningFake};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn fake(c: CentrifugoSettings, ttl: u64) -> RunningFake {
    kick_fake::start(FakeConfig {
        world_tick: None,
        centrifugo: c,
        realtime_token_ttl: Duration::from_secs(ttl),
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn token(fake: &RunningFake, client_id: &str) -> String {
    let v: Value = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/realtime/auth/connection",
            fake.info.web_base
        ))
        .json(&json!({"client_id": client_id}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["message"], "success");
    v["data"]["token"].as_str().unwrap().to_owned()
}

async fn open(fake: &RunningFake, origin: Option<&str>) -> Result<Ws, Error> {
    let mut req = fake
        .info
        .centrifugo_url
        .as_str()
        .into_client_request()
        .unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("Origin", o.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

/// The next text frame's lines, or the close code.
async fn next(ws: &mut Ws) -> Result<Vec<Value>, Option<u16>> {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("an answer");
        match m {
            Some(Ok(Message::Text(t))) => {
                return Ok(t
                    .split('\n')
                    .filter(|l| !l.is_empty())
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect())
            }
            Some(Ok(Message::Close(c))) => return Err(c.map(|c| u16::from(c.code))),
            Some(Ok(_)) => continue,
            _ => return Err(None),
        }
    }
}

async fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text)).await.unwrap();
}

async fn connected(fake: &RunningFake) -> Ws {
    let t = token(fake, "c1").await;
    let mut ws = open(fake, None).await.unwrap();
    send(
        &mut ws,
        &json!({"connect": {"token": t, "name": "js"}, "id": 1}).to_string(),
    )
    .await;
    let r = next(&mut ws).await.unwrap();
    assert_eq!(r[0]["id"], 1);
    ws
}

#[tokio::test]
async fn origin_is_kick_com_or_none() {
    let f = fake(Default::default(), 2699).await;
    assert!(open(&f, Some("https://kick.com")).await.is_ok());
    assert!(open(&f, None).await.is_ok());
    for bad in ["https://evil.example", "chrome-extension://abc", "null"] {
        match open(&f, Some(bad)).await {
            Err(Error::Http(r)) => assert_eq!(r.status().as_u16(), 403),
            other => panic!("{bad}: {:?}", other.map(|_| ())),
        }
    }
}

#[tokio::test]
async fn connect_subscribe_and_batched_replies() {
    let f = fake(Default::default(), 2699).await;
    let t = token(&f, "c1").await;
    let mut ws = open(&f, Some("https://kick.com")).await.unwrap();
    // connect and two subscribes in one frame, a duplicate, an unknown method.
    let frame = [
        json!({"connect": {"token": t, "name": "js"}, "id": 1}),
        json!({"subscribe": {"channel": "chatrooms.1.v2", "flag": 1}, "id": 2}),
        json!({"subscribe": {"channel": "channel_1"}, "id": 3}),
        json!({"subscribe": {"channel": "channel_1"}, "id": 4}),
        json!({"publish": {"channel": "channel_1", "data": {}}, "id": 5}),
    ]
    .iter()
    .map(Value::to_string)
    .collect::<Vec<_>>()
    .join("\n");
    send(&mut ws, &frame).await;
    let r = next(&mut ws).await.unwrap();
    assert_eq!(r.len(), 5, "all replies in one frame: {r:?}");
    let c = &r[0]["connect"];
    assert_eq!(
        (c["expires"].clone(), c["ping"].clone(), c["pong"].clone()),
        (json!(true), json!(25), json!(true))
    );
    assert!(c["ttl"].as_u64().unwrap() >= 2698);
    assert_eq!(r[1], json!({"id": 2, "subscribe": {}}));
    assert_eq!(r[3]["error"]["code"], 105);
    assert_eq!(r[4]["error"]["code"], 104);
    // A publication on a subscribed channel: inner data as a JSON string.
    f.state.realtime.publish(
        "channel_1".into(),
        "KicksGifted",
        &json!({"gift_transaction_id": "t"}),
    );
    f.state
        .realtime
        .publish("channel.1".into(), "Other", &json!({}));
    let r = next(&mut ws).await.unwrap();
    assert_eq!(r.len(), 1, "only subscribed channels: {r:?}");
    assert_eq!(r[0]["push"]["channel"], "channel_1");
    let inner: Value =
        serde_json::from_str(r[0]["push"]["pub"]["data"]["data"].as_str().unwrap()).unwrap();
    assert_eq!(inner["gift_transaction_id"], "t");
    // Unsubscribe stops delivery at once.
    send(
        &mut ws,
        &json!({"unsubscribe": {"channel": "channel_1"}, "id": 6}).to_string(),
    )
    .await;
    assert_eq!(
        next(&mut ws).await.unwrap()[0],
        json!({"id": 6, "unsubscribe": {}})
    );
}

#[tokio::test]
async fn tokens_are_checked_at_connect_and_refresh() {
    let f = fake(Default::default(), 1).await;
    // Unknown token: 3500.
    let mut ws = open(&f, None).await.unwrap();
    send(&mut ws, r#"{"connect":{"token":"nope"},"id":1}"#).await;
    assert_eq!(next(&mut ws).await, Err(Some(3500)));
    // Expired token: error 109, the socket stays.
    let old = token(&f, "c2").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut ws = open(&f, None).await.unwrap();
    send(
        &mut ws,
        &json!({"connect": {"token": old}, "id": 1}).to_string(),
    )
    .await;
    assert_eq!(next(&mut ws).await.unwrap()[0]["error"]["code"], 109);
    // Refresh with an expired token: 3005; with another client's: 3500.
    let f = fake(Default::default(), 2).await;
    let mut ws = connected(&f).await;
    let other = token(&f, "someone-else").await;
    send(
        &mut ws,
        &json!({"refresh": {"token": other}, "id": 2}).to_string(),
    )
    .await;
    assert_eq!(next(&mut ws).await, Err(Some(3500)));
    let mut ws = connected(&f).await;
    let fresh = token(&f, "c1").await;
    send(
        &mut ws,
        &json!({"refresh": {"token": fresh}, "id": 2}).to_string(),
    )
    .await;
    assert_eq!(next(&mut ws).await.unwrap()[0]["refresh"]["expires"], true);
    let stale = token(&f, "c1").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    send(
        &mut ws,
        &json!({"refresh": {"token": stale}, "id": 3}).to_string(),
    )
    .await;
    assert_eq!(next(&mut ws).await, Err(Some(3005)));
}

#[tokio::test]
async fn timers_close_with_centrifugos_codes() {
    let s = CentrifugoSettings {
        ping_ms: 200,
        pong_timeout_ms: 150,
        stale_ms: 300,
        expire_grace_ms: 100,
        ..Default::default()
    };
    // No connect in time: 3502 (stale).
    let f = fake(s.clone(), 1).await;
    let mut ws = open(&f, None).await.unwrap();
    assert_eq!(next(&mut ws).await, Err(Some(3502)));
    // A ping `{}` comes; no pong: 3012.
    let mut ws = connected(&f).await;
    assert_eq!(next(&mut ws).await.unwrap(), vec![json!({})]);
    assert_eq!(next(&mut ws).await, Err(Some(3012)));
    // Pongs answered but no refresh: 3005 after ttl + grace.
    let mut ws = connected(&f).await;
    let t0 = std::time::Instant::now();
    let code = loop {
        match next(&mut ws).await {
            Ok(_) => send(&mut ws, "{}").await,
            Err(c) => break c,
        }
    };
    assert_eq!(code, Some(3005));
    assert!(t0.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn malformed_lines_and_commands_before_connect_are_bad_requests() {
    let f = fake(Default::default(), 2699).await;
    let mut ws = connected(&f).await;
    send(&mut ws, "{}\n{not json").await;
    assert_eq!(next(&mut ws).await, Err(Some(3501)));
    let mut ws = open(&f, None).await.unwrap();
    send(&mut ws, r#"{"subscribe":{"channel":"x"},"id":1}"#).await;
    assert_eq!(next(&mut ws).await, Err(Some(3501)));
}

#[tokio::test]
async fn refused_channels_and_the_descriptor_settings() {
    let f = fake(
        CentrifugoSettings {
            refuse_channels: vec!["predictions-channel-1".into()],
            channel_limit: 2,
            ..Default::default()
        },
        2699,
    )
    .await;
    let mut ws = connected(&f).await;
    for (i, ch) in ["predictions-channel-1", "a", "b", "c"].iter().enumerate() {
        send(
            &mut ws,
            &json!({"subscribe": {"channel": ch}, "id": i + 2}).to_string(),
        )
        .await;
    }
    let mut codes = Vec::new();
    while codes.len() < 4 {
        for l in next(&mut ws).await.unwrap() {
            codes.push(l["error"]["code"].as_u64());
        }
    }
    assert_eq!(codes, [Some(103), None, None, Some(106)]);
    // The descriptor: both providers in the server's order when asked.
    let http = reqwest::Client::new();
    http.post(format!("{}/_fake/realtime/descriptor", f.info.web_base))
        .json(&json!({"offer": ["pusher", "centrifugo"], "answer_all": true}))
        .send()
        .await
        .unwrap();
    let v: Value = http
        .post(format!("{}/api/v1/realtime/channels/1/chat/connection", f.info.web_base))
        .json(&json!({"client": {"id": "x", "type": "web"}, "capabilities": {"accepted_providers": [{"provider": "centrifugo"}, {"provider": "pusher"}]}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let c = &v["data"]["connections"];
    assert_eq!(c[0]["provider"], "pusher");
    assert_eq!(
        c[0]["credentials"]["app_key"],
        kick_fake::pusher::FAKE_PUSHER_KEY
    );
    assert_eq!(c[1]["provider"], "centrifugo");
    assert_eq!(c[1]["credentials"]["url"], f.info.centrifugo_url);
    assert_eq!(v["data"]["mode"], "websocket");
}
