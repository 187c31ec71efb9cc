//! The layer driven through its `EngineHandler`, with real `EngineSocket`s whose queues
//! the tests read: the Socket.IO half of the official conformance suite, then the
//! malformed inputs of security.md section D, then rooms, broadcasts and acks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::engine::{
    CloseReason, Control, EngineHandler, EngineSocket, Frame, Message, Outbox, Outgoing, RequestInfo, Sid,
    TransportKind,
};
use crate::io::Io;
use crate::namespace::{BoxFuture, ConnectError, Namespace, NamespaceHandler};
use crate::protocol::Binary;
use crate::socket::{AckError, Auth, DisconnectReason, IncomingEvent, Socket};

/// The handlers of the conformance suite's server, plus a log of what happened.
#[derive(Default, Clone)]
struct Conformance {
    log: Arc<Mutex<Vec<String>>>,
    sockets: Arc<Mutex<Vec<Socket>>>,
}

impl Conformance {
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn socket(&self, i: usize) -> Socket {
        self.sockets.lock().unwrap()[i].clone()
    }
}

impl NamespaceHandler for Conformance {
    fn connect<'a>(&'a self, socket: &'a Socket, auth: &'a Auth) -> BoxFuture<'a, Result<(), ConnectError>> {
        Box::pin(async move {
            if auth.get::<serde_json::Value>().is_ok_and(|a| a.get("refuse").is_some()) {
                let _ = socket.emit("never", ());
                return Err(ConnectError::new("refused").with_data(serde_json::json!({"code": 7})));
            }
            if auth.get::<serde_json::Value>().is_ok_and(|a| a.get("slow").is_some()) {
                tokio::task::yield_now().await;
            }
            socket.emit("auth", auth).unwrap();
            self.sockets.lock().unwrap().push(socket.clone());
            Ok(())
        })
    }

    fn event<'a>(&'a self, socket: &'a Socket, mut event: IncomingEvent) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.log.lock().unwrap().push(format!("event {}", event.name()));
            match event.name() {
                "message" => socket.emit("message-back", event.args()).unwrap(),
                "message-with-ack" => {
                    if let Some(ack) = event.take_ack() {
                        ack.send(event.args()).unwrap();
                    }
                }
                "slow" => {
                    tokio::task::yield_now().await;
                    socket.emit("slow-done", ()).unwrap();
                }
                "join" => socket.join(event.arg::<String>(0).unwrap()),
                _ => {}
            }
        })
    }

    fn disconnect<'a>(&'a self, _socket: &'a Socket, reason: DisconnectReason) -> BoxFuture<'a, ()> {
        self.log.lock().unwrap().push(format!("disconnect {reason}"));
        Box::pin(std::future::ready(()))
    }

    fn server_event<'a>(&'a self, ns: &'a Namespace, mut event: IncomingEvent) -> BoxFuture<'a, ()> {
        self.log.lock().unwrap().push(format!(
            "server-event {} {} {:?}",
            ns.name(),
            event.name(),
            event.args()
        ));
        Box::pin(async move {
            if let Some(ack) = event.take_ack() {
                ack.send(serde_json::json!({ "pong": event.arg::<serde_json::Value>(0).unwrap() })).unwrap();
            }
        })
    }
}

fn server(h: &Conformance) -> Io {
    Io::builder()
        .connect_timeout(Duration::from_millis(1000))
        .namespace("/", h.clone())
        .namespace("/custom", h.clone())
        .build()
}

/// A session handle with no transport: the test reads its queue and close requests.
fn engine(max_queued: usize) -> (EngineSocket, Outbox) {
    let request = RequestInfo {
        headers: http::HeaderMap::new(),
        uri: http::Uri::from_static("/socket.io/?EIO=4&transport=websocket"),
        remote_addr: None,
        time: std::time::SystemTime::now(),
    };
    EngineSocket::new(Sid::generate(), request, TransportKind::WebSocket, max_queued)
}

/// One client: its session as the engine would drive it.
struct Conn {
    io: Io,
    client: Option<crate::client::Client>,
    engine: EngineSocket,
    /// Frames for the client, and requests for the session task (closes).
    out: Outbox,
}

impl Conn {
    fn open(io: &Io) -> Conn {
        let (engine, out) = engine(1 << 20);
        let client = io.open(engine.clone());
        Conn { io: io.clone(), client: Some(client), engine, out }
    }

    /// Sends a text message, written `4...` as in the protocol's examples.
    fn send(&mut self, text: &str) {
        let text = text.strip_prefix('4').unwrap_or(text);
        let client = self.client.as_mut().unwrap();
        self.io.message(client, Message::Text(text.into()));
    }

    fn send_binary(&mut self, bytes: &'static [u8]) {
        let client = self.client.as_mut().unwrap();
        self.io.message(client, Message::Binary(Bytes::from_static(bytes)));
    }

    /// The engine ends the session.
    fn close(&mut self, reason: CloseReason) {
        if let Some(client) = self.client.take() {
            self.io.close(client, reason);
        }
    }

    /// What is queued now, as text (binary frames as `<bin:..>`).
    fn queued(&mut self) -> Vec<String> {
        let mut v = Vec::new();
        while let Some(out) = self.out.try_recv() {
            v.extend(frames(out).iter().map(show));
        }
        v
    }

    /// The next queued entry, waiting for it (handlers that wait run on tasks).
    async fn next(&mut self) -> Outgoing {
        tokio::time::timeout(Duration::from_secs(5), self.out.recv()).await.expect("a frame")
    }

    async fn next_text(&mut self) -> String {
        frames(self.next().await).iter().map(show).collect::<Vec<_>>().join(" + ")
    }

    /// Whether the layer asked the engine to close the session.
    fn closing(&mut self) -> bool {
        matches!(self.out.try_recv_control(), Some(Control::Close(CloseReason::ForcedClose)))
    }

    /// Connects to "/" and reads the CONNECT reply and the `auth` event.
    fn connect_main(&mut self) {
        self.send("40");
        let q = self.queued();
        assert_eq!(q.len(), 2, "{q:?}");
    }
}

fn frames(out: Outgoing) -> Vec<Frame> {
    match out {
        Outgoing::One(f) => vec![f],
        Outgoing::Many(v) => v,
    }
}

fn show(f: &Frame) -> String {
    match f {
        Frame::Text(t) => t.as_str().to_owned(),
        Frame::Binary(b) => format!("<bin:{:?}>", &b[..]),
    }
}

fn sid_of(reply: &str, prefix: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(reply.strip_prefix(prefix).unwrap()).unwrap();
    assert_eq!(json.as_object().unwrap().len(), 1, "only a sid: {reply}");
    json["sid"].as_str().unwrap().to_owned()
}

// ---- the conformance suite's "Socket.IO protocol" tests ----

#[tokio::test]
async fn connects_to_the_main_namespace() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.send("40");
    let q = c.queued();
    let sid = sid_of(&q[0], "40");
    assert_eq!(sid.len(), 22);
    assert_ne!(sid, c.engine.sid().as_str(), "the socket id is not the engine's secret sid");
    assert_eq!(q[1], r#"42["auth",{}]"#);
    assert!(!c.closing());
}

#[tokio::test]
async fn connects_with_a_payload() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.send(r#"40{"token":"123"}"#);
    let q = c.queued();
    sid_of(&q[0], "40");
    assert_eq!(q[1], r#"42["auth",{"token":"123"}]"#);
}

#[tokio::test]
async fn connects_to_a_custom_namespace() {
    let h = Conformance::default();
    for (connect, auth) in
        [("40/custom,", "{}"), ("40/custom", "{}"), (r#"40/custom,{"token":"abc"}"#, r#"{"token":"abc"}"#)]
    {
        let mut c = Conn::open(&server(&h));
        c.send(connect);
        let q = c.queued();
        sid_of(&q[0], "40/custom,");
        assert_eq!(q[1], format!(r#"42/custom,["auth",{auth}]"#));
    }
}

#[tokio::test]
async fn refuses_an_unknown_namespace_and_keeps_the_connection() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.send("40/random");
    assert_eq!(c.queued(), [r#"44/random,{"message":"Invalid namespace"}"#]);
    assert!(!c.closing());
    c.send("40/random,");
    assert_eq!(c.queued(), [r#"44/random,{"message":"Invalid namespace"}"#]);
    c.connect_main();
}

#[tokio::test]
async fn the_main_namespace_exists_when_only_another_is_registered() {
    let h = Conformance::default();
    let io = Io::builder().namespace("/chat", h.clone()).build();
    let mut c = Conn::open(&io);
    c.send("40");
    let q = c.queued();
    assert_eq!(q.len(), 1, "accept-all main namespace emits nothing: {q:?}");
    sid_of(&q[0], "40");
    c.send(r#"42["anything"]"#);
    assert!(!c.closing());
    c.send("40/chat,");
    assert!(c.queued()[0].starts_with("40/chat,"));
}

#[tokio::test]
async fn invalid_handshake_closes() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.send("4abc");
    assert!(c.closing());
}

#[tokio::test]
async fn closes_when_no_namespace_is_joined_in_time() {
    tokio::time::pause();
    let h = Conformance::default();
    let io = server(&h);
    let mut idle = Conn::open(&io);
    let mut joined = Conn::open(&io);
    joined.connect_main();
    tokio::time::sleep(Duration::from_millis(999)).await;
    assert!(!idle.closing());
    tokio::time::sleep(Duration::from_millis(2)).await;
    assert!(idle.closing());
    assert!(!joined.closing());
}

#[tokio::test]
async fn disconnects_from_the_main_namespace_without_closing() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    c.send("41");
    assert!(!c.closing());
    assert!(c.queued().is_empty());
    assert_eq!(h.log(), ["disconnect client namespace disconnect"]);
    // The namespace is left: an event for it is now a violation.
    c.send(r#"42["message"]"#);
    assert!(c.closing());
}

#[tokio::test]
async fn connects_then_disconnects_from_a_custom_namespace() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    c.send("40/custom");
    assert_eq!(c.queued().len(), 2);
    c.send("41/custom");
    c.send(r#"42["message","message to main namespace"]"#);
    assert_eq!(c.queued(), [r#"42["message-back","message to main namespace"]"#]);
    assert!(!c.closing());
}

#[tokio::test]
async fn echoes_a_plain_text_packet() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    c.send(r#"42["message",1,"2",{"3":[true]}]"#);
    assert_eq!(c.queued(), [r#"42["message-back",1,"2",{"3":[true]}]"#]);
}

#[tokio::test]
async fn echoes_binary_attachments_as_one_queued_entry() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    c.send(r#"452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#);
    c.send_binary(&[1, 2, 3]);
    assert!(c.queued().is_empty());
    c.send_binary(&[4, 5, 6]);
    let out = c.out.try_recv().unwrap();
    let Outgoing::Many(frames) = out else { panic!("header and attachments stay together") };
    let shown: Vec<String> = frames.iter().map(show).collect();
    assert_eq!(
        shown,
        [
            r#"452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
            "<bin:[1, 2, 3]>",
            "<bin:[4, 5, 6]>"
        ]
    );
}

#[tokio::test]
async fn acknowledges_a_plain_text_packet() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    c.send(r#"42456["message-with-ack",1,"2",{"3":[false]}]"#);
    assert_eq!(c.queued(), [r#"43456[1,"2",{"3":[false]}]"#]);
}

#[tokio::test]
async fn acknowledges_with_binary_attachments() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    c.send(r#"452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#);
    c.send_binary(&[1, 2, 3]);
    c.send_binary(&[4, 5, 6]);
    assert_eq!(
        c.queued(),
        [
            r#"462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
            "<bin:[1, 2, 3]>",
            "<bin:[4, 5, 6]>"
        ]
    );
}

// ---- protocol violations close the whole session (security.md D) ----

#[tokio::test]
async fn violations_close_the_session() {
    let cases: &[&[&str]] = &[
        &["4abc"],                                                           // D1
        &["47"],                                                             // D1
        &["4"],                                                              // C12
        &["42{}"],                                                           // D10
        &[r#"42abc["message-with-ack",1]"#],                                 // D13
        &[r#"42["x"]"#],                                                     // D2 (nothing joined)
        &["40", r#"42/custom,["x"]"#],                                       // D2
        &["40", "40"],                                                       // D3
        &["44{}"],                                                           // D6
        &["40", r#"42["connect"]"#],                                         // D12
        &["40", "41/custom,"],                                               // D17
        &["40", r#"41{"a":1}"#],                                             // D17
        &["40", r#"4511-["x"]"#],                                            // D18
        &["40", r#"450-["x"]"#],                                             // D19
        &["40", r#"451-["x",{"_placeholder":true,"num":"splice"}]"#],        // D20
        &["40", r#"451-["x",{"_placeholder":true,"num":0}]"#, r#"42["y"]"#], // D22
        &["40", r#"42999999999999999999999["x"]"#],                          // D14
        &["40", "431{}"],                                                    // D16
    ];
    for steps in cases {
        let h = Conformance::default();
        let mut c = Conn::open(&server(&h));
        for step in *steps {
            c.send(step);
        }
        assert!(c.closing(), "{steps:?} should close the session");
    }
    // C13: a binary message with no binary packet pending.
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    c.send_binary(&[1]);
    assert!(c.closing());
}

#[tokio::test]
async fn harmless_inputs_do_not_close() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    for text in [
        r#"43["x"]"#,                               // D15: ack without id
        r#"4399["x"]"#,                             // D15: unknown id
        r#"42["error"]"#,                           // D12: "error" is ordinary
        r#"42[1,"a"]"#,                             // D11: numeric name
        r#"42["x",{"_placeholder":true,"num":0}]"#, // D21
        r#"42["message","\ud83d"]"#,                // D26
    ] {
        c.send(text);
        assert!(!c.closing(), "{text}");
    }
    assert_eq!(c.queued(), [r#"42["message-back","\ud83d"]"#]);
}

// ---- connect handler ----

#[tokio::test]
async fn a_refused_connect_sends_connect_error_and_nothing_else() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.send(r#"40/custom,{"refuse":true}"#);
    assert_eq!(c.queued(), [r#"44/custom,{"message":"refused","data":{"code":7}}"#]);
    assert!(!c.closing());
    assert!(h.log().is_empty(), "no disconnect for a socket that never connected");
    // The client may try again.
    c.send("40/custom,");
    assert!(c.queued()[0].starts_with("40/custom,"));
}

#[tokio::test]
async fn emits_of_a_waiting_connect_handler_follow_the_connect_reply() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.send(r#"40{"slow":true}"#);
    let first = c.next_text().await;
    sid_of(&first, "40");
    assert_eq!(c.next_text().await, r#"42["auth",{"slow":true}]"#);
    // While it was connecting, an event for the namespace was a violation; now it is not.
    c.send(r#"42["message",1]"#);
    assert_eq!(c.queued(), [r#"42["message-back",1]"#]);
}

#[tokio::test]
async fn events_during_a_pending_connect_close_the_session() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.send(r#"40{"slow":true}"#);
    c.send(r#"42["message",1]"#);
    assert!(c.closing());
}

// ---- disconnection ----

#[tokio::test]
async fn closing_the_engine_disconnects_every_namespace() {
    let h = Conformance::default();
    let io = server(&h);
    let mut c = Conn::open(&io);
    c.connect_main();
    c.send("40/custom,");
    c.queued();
    let socket = h.socket(0);
    socket.join("room");
    assert_eq!(io.sockets().sockets().len(), 1);
    c.close(CloseReason::PingTimeout);
    assert_eq!(h.log(), ["disconnect ping timeout", "disconnect ping timeout"]);
    assert!(io.sockets().sockets().is_empty());
    assert!(io.of("/custom").unwrap().sockets().is_empty());
    assert!(socket.rooms().is_empty());
    assert!(!socket.connected());
    assert!(matches!(socket.emit("x", ()), Err(crate::socket::EmitError::Disconnected)));
}

#[tokio::test]
async fn server_side_disconnect_sends_disconnect_and_keeps_the_engine() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    c.send("40/custom,");
    c.queued();
    let custom = h.socket(1);
    assert_eq!(custom.ns().name(), "/custom");
    custom.disconnect();
    assert_eq!(c.queued(), ["41/custom,"]);
    assert_eq!(h.log(), ["disconnect server namespace disconnect"]);
    assert!(!c.closing());
    // "/" is still joined; "/custom" may be joined again.
    c.send(r#"42["message",2]"#);
    assert_eq!(c.queued(), [r#"42["message-back",2]"#]);
    c.send("40/custom,");
    assert_eq!(c.queued().len(), 2);
}

#[tokio::test]
async fn disconnect_and_close() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    c.send("40/custom,");
    c.queued();
    h.socket(0).disconnect_and_close();
    let mut q = c.queued();
    q.sort();
    assert_eq!(q, ["41", "41/custom,"]);
    assert!(c.closing());
}

// ---- handlers that wait ----

#[tokio::test]
async fn waiting_handlers_run_on_tasks_and_ready_ones_inline() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    c.send(r#"42["slow"]"#);
    c.send(r#"42["message","inline"]"#);
    assert_eq!(
        c.queued(),
        [r#"42["message-back","inline"]"#],
        "the ready handler did not wait for the slow one"
    );
    assert_eq!(c.next_text().await, r#"42["slow-done"]"#);
    assert_eq!(h.log(), ["event slow", "event message"]);
}

// ---- server to client acks ----

#[tokio::test]
async fn emit_with_ack_resolves_with_the_clients_answer() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.send("40/custom,");
    c.queued();
    let socket = h.socket(0);
    let answer = socket.emit_with_ack("question", "6x7");
    let sent = c.queued();
    assert_eq!(sent.len(), 1);
    let id: u64 = sent[0]
        .strip_prefix("42/custom,")
        .and_then(|r| r.strip_suffix(r#"["question","6x7"]"#))
        .unwrap()
        .parse()
        .unwrap();
    c.send(&format!("43/custom,{id}[42]"));
    let args = answer.await.unwrap();
    assert_eq!(args.get::<u32>(0).unwrap(), 42);
    // A second (late) ack for that id is ignored.
    c.send(&format!("43/custom,{id}[43]"));
    assert!(!c.closing());
}

#[tokio::test]
async fn emit_with_ack_times_out_and_forgets_the_id() {
    tokio::time::pause();
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    let socket = h.socket(0);
    let r = socket.emit_with_ack("q", ()).timeout(Duration::from_millis(100)).await;
    assert!(matches!(r, Err(AckError::Timeout)));
    let sent = c.queued();
    assert_eq!(sent, [r#"420["q"]"#]);
    c.send(r#"430[1]"#);
    assert!(!c.closing());
}

#[tokio::test]
async fn emit_with_ack_fails_when_the_socket_leaves() {
    let h = Conformance::default();
    let mut c = Conn::open(&server(&h));
    c.connect_main();
    let answer = h.socket(0).emit_with_ack("q", ());
    c.send("41");
    assert!(matches!(answer.await, Err(AckError::Disconnected)));
}

mod cluster;
