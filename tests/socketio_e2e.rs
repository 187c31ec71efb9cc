//! The Socket.IO layer behind the real engine and transports: WebSocket and polling
//! clients on a loopback server.

mod common;

use std::time::Duration;

use common::*;
use futures_util::SinkExt;
use socketio::io::Io;
use socketio::namespace::{BoxFuture, ConnectError, NamespaceHandler};
use socketio::server::{Cors, Engine, Server};
use socketio::socket::{Auth, IncomingEvent, Socket};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Echoes `message`, acks `message-with-ack`, relays `say` to the room `lobby` (that
/// every socket joins), and refuses clients whose auth has `"deny"`.
struct Chat;

impl NamespaceHandler for Chat {
    fn connect<'a>(&'a self, socket: &'a Socket, auth: &'a Auth) -> BoxFuture<'a, Result<(), ConnectError>> {
        Box::pin(async move {
            if auth.get::<serde_json::Value>().is_ok_and(|a| a.get("deny").is_some()) {
                return Err(ConnectError::new("denied"));
            }
            socket.join("lobby");
            socket.emit("auth", auth).map_err(|e| ConnectError::new(e.to_string()))
        })
    }

    fn event<'a>(&'a self, socket: &'a Socket, mut event: IncomingEvent) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            match event.name() {
                "message" => {
                    let _ = socket.emit("message-back", event.args());
                }
                "message-with-ack" => {
                    if let Some(ack) = event.take_ack() {
                        let _ = ack.send(event.args());
                    }
                }
                "say" => {
                    let text: String = event.arg(0).unwrap_or_default();
                    let _ = socket.to("lobby").emit("said", (socket.id().as_str(), text));
                }
                _ => {}
            }
        })
    }
}

async fn sio_server() -> (TestServer, Io) {
    let io = Io::builder()
        .connect_timeout(Duration::from_millis(500))
        .engine(fast_config())
        .namespace("/", Chat)
        .build();
    let engine = Engine::new(io.clone(), io.engine_config().clone()).with_cors(Cors::any());
    (serve(Server::new().mount("/socket.io", engine)).await, io)
}

async fn sio_ws(server: &TestServer) -> Ws {
    let mut ws = ws_connect(server.addr, "/socket.io/?EIO=4&transport=websocket").await;
    assert!(next_text(&mut ws).await.starts_with('0'));
    ws
}

async fn joined(server: &TestServer) -> (Ws, String) {
    let mut ws = sio_ws(server).await;
    ws.send(WsMessage::text("40")).await.unwrap();
    let reply = next_text(&mut ws).await;
    let sid =
        serde_json::from_str::<serde_json::Value>(&reply[2..]).unwrap()["sid"].as_str().unwrap().to_owned();
    assert_eq!(next_text(&mut ws).await, r#"42["auth",{}]"#);
    (ws, sid)
}

#[tokio::test]
async fn websocket_clients_talk_through_a_room() {
    let (server, io) = sio_server().await;
    let (mut a, sid_a) = joined(&server).await;
    let (mut b, _) = joined(&server).await;
    assert_eq!(io.sockets().sockets().len(), 2);

    a.send(WsMessage::text(r#"42["say","hi"]"#)).await.unwrap();
    assert_eq!(next_text(&mut b).await, format!(r#"42["said","{sid_a}","hi"]"#));

    // From outside any handler: the whole namespace.
    io.emit("news", 7).unwrap();
    assert_eq!(next_text(&mut a).await, r#"42["news",7]"#);
    assert_eq!(next_text(&mut b).await, r#"42["news",7]"#);
}

#[tokio::test]
async fn binary_packets_over_websocket() {
    let (server, _io) = sio_server().await;
    let (mut ws, _) = joined(&server).await;
    ws.send(WsMessage::text(r#"451-3["message-with-ack",{"_placeholder":true,"num":0}]"#)).await.unwrap();
    ws.send(WsMessage::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(next_text(&mut ws).await, r#"461-3[{"_placeholder":true,"num":0}]"#);
    match next_msg(&mut ws).await {
        Some(WsMessage::Binary(b)) => assert_eq!(&b[..], &[1, 2, 3]),
        other => panic!("expected the attachment, got {other:?}"),
    }
}

#[tokio::test]
async fn refusals_and_violations() {
    let (server, _io) = sio_server().await;
    let mut ws = sio_ws(&server).await;
    ws.send(WsMessage::text(r#"40{"deny":1}"#)).await.unwrap();
    assert_eq!(next_text(&mut ws).await, r#"44{"message":"denied"}"#);
    ws.send(WsMessage::text("40/nope,")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, r#"44/nope,{"message":"Invalid namespace"}"#);
    // Still open; a malformed packet closes it.
    ws.send(WsMessage::text(r#"42{}"#)).await.unwrap();
    wait_closed(&mut ws).await;

    // No namespace joined within connect_timeout.
    let mut idle = sio_ws(&server).await;
    wait_closed(&mut idle).await;
}

#[tokio::test]
async fn polling_client_with_binary_attachments() {
    let (server, _io) = sio_server().await;
    let open = get(server.addr, "/socket.io/?EIO=4&transport=polling").await;
    let sid = serde_json::from_str::<serde_json::Value>(&open.text()[1..]).unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");

    assert_eq!(post(server.addr, &path, b"40").await.status, 200);
    let r = get(server.addr, &path).await.text();
    let packets: Vec<&str> = r.split('\x1e').collect();
    assert!(packets[0].starts_with("40{\"sid\":"), "{r}");
    assert_eq!(packets[1], r#"42["auth",{}]"#);

    // A binary packet and its attachment in one POST (base64 in a polling payload).
    let body = "451-[\"message\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID";
    assert_eq!(post(server.addr, &path, body.as_bytes()).await.status, 200);
    let r = get(server.addr, &path).await.text();
    assert_eq!(r, "451-[\"message-back\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID");
}
