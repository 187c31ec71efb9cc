//! The generated dispatch over a real server: a WebSocket client speaks Engine.IO and
//! Socket.IO to a `#[namespace]`, and reads its acks and `connect_error`s as a browser
//! would.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use socketio::server::{Engine, Server};
use socketio::{
    fallback, namespace, on, AckSender, Binary, ConnectError, DisconnectReason, IncomingEvent, Io,
    NamespacePath, Socket,
};
use tokio_tungstenite::tungstenite::Message;

#[derive(Deserialize)]
struct ChatMessage {
    text: String,
}

#[derive(Serialize)]
struct Receipt {
    id: usize,
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

#[derive(Serialize, socketio::Event)]
#[event("system_message")]
struct SystemMessage {
    text: String,
}

#[derive(Default, Clone)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }

    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

#[derive(Default)]
struct Chat {
    token: Option<String>,
    calls: AtomicUsize,
    log: Log,
}

#[namespace("/chat")]
impl Chat {
    async fn connect(&self, socket: &Socket, auth: Option<Token>) -> Result<(), ConnectError> {
        match (&self.token, auth) {
            (None, _) => {}
            (Some(expected), Some(auth)) if auth.token == *expected => {}
            _ => return Err(ConnectError::new("invalid token").with_data(json!({"retry": false}))),
        }
        let _ = socket.emit_event(&SystemMessage { text: "welcome".into() });
        Ok(())
    }

    async fn disconnect(&self, reason: DisconnectReason) {
        self.log.push(format!("disconnect {}", reason.as_str()));
    }

    #[on("chat_message")]
    async fn chat_message(&self, socket: Socket, message: ChatMessage) -> Result<Receipt, String> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if message.text.is_empty() {
            return Err("empty message".to_owned());
        }
        let _ = socket.broadcast().emit("chat_message", json!({"text": message.text}));
        Ok(Receipt { id: 7 })
    }

    #[on("add")]
    async fn add(&self, a: i64, b: i64, c: Option<i64>) -> i64 {
        a + b + c.unwrap_or(0)
    }

    #[on("typing")]
    async fn typing(&self, socket: &Socket) {
        self.log.push(format!("typing {}", socket.connected()));
    }

    #[on("ping")]
    async fn ping(&self, ack: AckSender) {
        let _ = ack.send(("pong", 1));
    }

    #[on("maybe_ack")]
    async fn maybe_ack(&self, ack: Option<AckSender>) {
        self.log.push(format!("maybe_ack {}", ack.is_some()));
    }

    #[on("upload")]
    async fn upload(&self, name: String, file: Binary) -> String {
        format!("{name}: {} bytes", file.as_ref().len())
    }

    #[fallback]
    async fn unknown(&self, event: IncomingEvent, ack: Option<AckSender>) {
        self.log.push(format!("fallback {}", event.name()));
        if let Some(ack) = ack {
            let _ = ack.send(format!("no handler for {}", event.name()));
        }
    }
}

struct Quiet;

#[namespace("/quiet")]
impl Quiet {
    async fn connect(&self, socket: &Socket) -> bool {
        socket.handshake().query_param("friend").is_some()
    }

    #[on("known")]
    async fn known(&self) -> bool {
        true
    }
}

/// Serves `io` on a free port until the test ends.
async fn serve(io: Io) -> SocketAddr {
    let engine = Engine::new(io.clone(), io.engine_config().clone());
    let server = Server::new().mount("/socket.io", engine);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve(listener, std::future::pending()));
    addr
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An Engine.IO v4 WebSocket client that speaks Socket.IO packets.
struct Client(Ws);

impl Client {
    async fn open(addr: SocketAddr, query: &str) -> Client {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket{query}");
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut client = Client(ws);
        let open = client.frame().await;
        assert!(open.starts_with('0'), "{open}");
        client
    }

    /// Opens a connection and joins `/chat` (the CONNECT reply is read).
    async fn chat(addr: SocketAddr) -> Client {
        let mut client = Client::open(addr, "").await;
        client.send("0/chat,").await;
        assert!(client.packet().await.starts_with(r#"0/chat,{"sid":"#));
        assert_eq!(client.packet().await, r#"2/chat,["system_message",{"text":"welcome"}]"#);
        client
    }

    async fn send(&mut self, packet: &str) {
        self.0.send(Message::text(format!("4{packet}"))).await.unwrap();
    }

    async fn frame(&mut self) -> String {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.0.next())
                .await
                .expect("a frame within 5 s")
                .expect("an open connection")
                .unwrap();
            match message {
                Message::Text(text) if text.as_str() == "2" => self.0.send(Message::text("3")).await.unwrap(),
                Message::Text(text) => return text.as_str().to_owned(),
                _ => {}
            }
        }
    }

    /// The next Socket.IO packet.
    async fn packet(&mut self) -> String {
        let frame = self.frame().await;
        frame.strip_prefix('4').unwrap_or_else(|| panic!("not a message: {frame}")).to_owned()
    }

    /// Sends `2/chat,<id>[..]` and returns the ack's arguments.
    async fn call(&mut self, id: u32, args: &str) -> Value {
        self.send(&format!("2/chat,{id}{args}")).await;
        let ack = self.packet().await;
        let prefix = format!("3/chat,{id}");
        let args = ack.strip_prefix(&prefix).unwrap_or_else(|| panic!("not ack {id}: {ack}"));
        serde_json::from_str(args).unwrap()
    }
}

fn chat_server(chat: Chat) -> Io {
    Io::builder().namespace(Chat::PATH, chat).namespace(Quiet::PATH, Quiet).build()
}

#[tokio::test]
async fn the_return_value_is_the_ack() {
    let addr = serve(chat_server(Chat::default())).await;
    let mut client = Client::chat(addr).await;
    assert_eq!(client.call(1, r#"["chat_message",{"text":"hi"}]"#).await, json!([{"id": 7}]));
    assert_eq!(client.call(2, r#"["add",1,2,3]"#).await, json!([6]));
    // A missing `Option` argument reads as `None`.
    assert_eq!(client.call(3, r#"["add",1,2]"#).await, json!([3]));
}

#[tokio::test]
async fn an_err_acks_an_error_object() {
    let addr = serve(chat_server(Chat::default())).await;
    let mut client = Client::chat(addr).await;
    assert_eq!(client.call(1, r#"["chat_message",{"text":""}]"#).await, json!([{"error": "empty message"}]));
}

#[tokio::test]
async fn an_invalid_payload_acks_what_was_wrong_and_the_connection_stays() {
    let chat = Chat::default();
    let addr = serve(chat_server(chat)).await;
    let mut client = Client::chat(addr).await;
    let ack = client.call(1, r#"["chat_message",{"txt":"hi"}]"#).await;
    let error = ack[0]["error"].as_str().expect("an error string");
    assert!(error.starts_with("argument 0 is invalid") && error.contains("missing field `text`"), "{error}");
    assert_eq!(client.call(2, r#"["chat_message"]"#).await, json!([{"error": "argument 0 is missing"}]));
    let ack = client.call(3, r#"["add",1,"two"]"#).await;
    assert!(ack[0]["error"].as_str().unwrap().starts_with("argument 1 is invalid"), "{ack}");
    // Without an ack, nothing comes back, and the connection still works.
    client.send(r#"2/chat,["chat_message",42]"#).await;
    assert_eq!(client.call(4, r#"["chat_message",{"text":"still here"}]"#).await, json!([{"id": 7}]));
}

#[tokio::test]
async fn acks_by_hand_and_unit_handlers() {
    let chat = Chat::default();
    let log = chat.log.clone();
    let addr = serve(chat_server(chat)).await;
    let mut client = Client::chat(addr).await;
    assert_eq!(client.call(1, r#"["ping"]"#).await, json!(["pong", 1]));
    // A unit handler sends no ack: the next packet is the ack of the next call.
    client.send(r#"2/chat,2["typing"]"#).await;
    // An `AckSender` handler called without an ack is skipped; `Option<AckSender>` runs.
    client.send(r#"2/chat,["ping"]"#).await;
    client.send(r#"2/chat,["maybe_ack"]"#).await;
    assert_eq!(client.call(3, r#"["add",0,0]"#).await, json!([0]));
    assert_eq!(log.lines(), ["typing true", "maybe_ack false"]);
}

#[tokio::test]
async fn binary_attachments_are_binary_payloads() {
    let addr = serve(chat_server(Chat::default())).await;
    let mut client = Client::chat(addr).await;
    client.send(r#"51-/chat,1["upload","a.bin",{"_placeholder":true,"num":0}]"#).await;
    client.0.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(client.packet().await, r#"3/chat,1["a.bin: 3 bytes"]"#);
}

#[tokio::test]
async fn the_fallback_receives_unknown_events() {
    let chat = Chat::default();
    let log = chat.log.clone();
    let addr = serve(chat_server(chat)).await;
    let mut client = Client::chat(addr).await;
    assert_eq!(client.call(1, r#"["what",1]"#).await, json!(["no handler for what"]));
    assert_eq!(log.lines(), ["fallback what"]);
}

#[tokio::test]
async fn without_fallback_unknown_events_are_ignored() {
    let addr = serve(chat_server(Chat::default())).await;
    let mut client = Client::open(addr, "&friend=1").await;
    client.send("0/quiet,").await;
    assert!(client.packet().await.starts_with(r#"0/quiet,{"sid":"#));
    client.send(r#"2/quiet,1["unknown"]"#).await;
    client.send(r#"2/quiet,2["known"]"#).await;
    assert_eq!(client.packet().await, r#"3/quiet,2[true]"#);
}

#[tokio::test]
async fn connect_false_refuses_with_connect_error() {
    let addr = serve(chat_server(Chat::default())).await;
    let mut client = Client::open(addr, "").await;
    client.send("0/quiet,").await;
    assert_eq!(client.packet().await, r#"4/quiet,{"message":"Connection rejected by server"}"#);
}

#[tokio::test]
async fn connect_reads_a_typed_auth_payload() {
    let chat = Chat { token: Some("secret".into()), ..Chat::default() };
    let addr = serve(chat_server(chat)).await;
    let mut client = Client::open(addr, "").await;
    client.send(r#"0/chat,{"token":"wrong"}"#).await;
    assert_eq!(client.packet().await, r#"4/chat,{"message":"invalid token","data":{"retry":false}}"#);
    client.send("0/chat,").await;
    assert_eq!(client.packet().await, r#"4/chat,{"message":"invalid token","data":{"retry":false}}"#);
    // An auth payload of the wrong shape is refused before `connect` runs.
    client.send(r#"0/chat,{"token":42}"#).await;
    let refused = client.packet().await;
    assert!(refused.starts_with(r#"4/chat,{"message":"invalid auth payload: "#), "{refused}");
    client.send(r#"0/chat,{"token":"secret"}"#).await;
    assert!(client.packet().await.starts_with(r#"0/chat,{"sid":"#));
    assert_eq!(client.packet().await, r#"2/chat,["system_message",{"text":"welcome"}]"#);
}

#[tokio::test]
async fn disconnect_receives_the_reason_and_broadcasts_reach_others() {
    let chat = Chat::default();
    let log = chat.log.clone();
    let addr = serve(chat_server(chat)).await;
    let mut alice = Client::chat(addr).await;
    let mut bob = Client::chat(addr).await;
    assert_eq!(alice.call(1, r#"["chat_message",{"text":"hello bob"}]"#).await, json!([{"id": 7}]));
    assert_eq!(bob.packet().await, r#"2/chat,["chat_message",{"text":"hello bob"}]"#);
    alice.send("1/chat,").await;
    for _ in 0..50 {
        if !log.lines().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(log.lines(), ["disconnect client namespace disconnect"]);
}
