//! Dynamic namespaces: a pattern registered once, one namespace per name a client opens.

mod common;

use common::*;
use futures_util::SinkExt;
use socketio::{namespace, on, Io, Socket};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// `/room-{id}` for numeric ids; tells a client where it is and relays `say` to the
/// other sockets of the same room namespace only.
struct Room;

#[namespace("/room-{id}")]
impl Room {
    async fn connect(&self, socket: &Socket) -> bool {
        socket.ns().param("id").is_some_and(|id| id.parse::<u32>().is_ok())
    }

    #[on("where")]
    async fn where_am_i(&self, socket: &Socket) -> String {
        socket.ns().param("id").unwrap_or_default().to_owned()
    }

    #[on("say")]
    async fn say(&self, socket: &Socket, text: String) {
        let _ = socket.broadcast().emit("said", text);
    }
}

async fn server(max_dynamic_namespaces: usize) -> (TestServer, Io) {
    let mut config = socketio::io::IoConfig::default();
    config.engine = fast_config();
    config.max_dynamic_namespaces = max_dynamic_namespaces;
    let io = Io::builder().config(config).register(Room).build();
    (serve(io.server()).await, io)
}

async fn sio_ws(addr: std::net::SocketAddr) -> Ws {
    let (ws, _) = open_ws_at(addr, "/socket.io/?EIO=4&transport=websocket").await;
    ws
}

async fn open_ws_at(addr: std::net::SocketAddr, path: &str) -> (Ws, serde_json::Value) {
    let mut ws = ws_connect(addr, path).await;
    let open = next_text(&mut ws).await;
    (ws, serde_json::from_str(&open[1..]).unwrap())
}

#[tokio::test]
async fn each_matching_name_is_a_namespace_with_its_params() {
    let (server, io) = server(100).await;
    let mut a = sio_ws(server.addr).await;
    a.send(WsMessage::text("40/room-42,")).await.unwrap();
    assert!(next_text(&mut a).await.starts_with("40/room-42,{\"sid\":"));
    a.send(WsMessage::text("42/room-42,1[\"where\"]")).await.unwrap();
    assert_eq!(next_text(&mut a).await, "43/room-42,1[\"42\"]");
    assert_eq!(io.of("/room-42").and_then(|ns| ns.param("id").map(str::to_owned)), Some("42".to_owned()));

    // Another room is another namespace: its broadcasts stay there.
    let mut b = sio_ws(server.addr).await;
    b.send(WsMessage::text("40/room-7,")).await.unwrap();
    assert!(next_text(&mut b).await.starts_with("40/room-7,"));
    let mut c = sio_ws(server.addr).await;
    c.send(WsMessage::text("40/room-42,")).await.unwrap();
    assert!(next_text(&mut c).await.starts_with("40/room-42,"));
    b.send(WsMessage::text("42/room-7,[\"say\",\"seven\"]")).await.unwrap();
    c.send(WsMessage::text("42/room-42,[\"say\",\"forty-two\"]")).await.unwrap();
    assert_eq!(next_text(&mut a).await, "42/room-42,[\"said\",\"forty-two\"]");
}

#[tokio::test]
async fn names_that_do_not_match_or_are_refused() {
    let (server, _io) = server(100).await;
    let mut ws = sio_ws(server.addr).await;
    ws.send(WsMessage::text("40/other,")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "44/other,{\"message\":\"Invalid namespace\"}");
    ws.send(WsMessage::text("40/room-abc,")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "44/room-abc,{\"message\":\"Connection rejected by server\"}");
    ws.send(WsMessage::text("40/room-1/2,")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "44/room-1/2,{\"message\":\"Invalid namespace\"}");
}

#[tokio::test]
async fn clients_cannot_make_namespaces_without_bound() {
    let (server, io) = server(3).await;
    let mut ws = sio_ws(server.addr).await;
    for i in 0..3 {
        ws.send(WsMessage::text(format!("40/room-{i},"))).await.unwrap();
        assert!(next_text(&mut ws).await.starts_with(&format!("40/room-{i},")));
    }
    ws.send(WsMessage::text("40/room-3,")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "44/room-3,{\"message\":\"Invalid namespace\"}");
    assert_eq!(io.namespaces().len(), 4, "/ and three rooms");
}
