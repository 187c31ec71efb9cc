//! The generated dispatch, driven as the runtime drives it: events in, acks and
//! `connect` results out.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use socketio::{
    fallback, namespace, on, AckSender, Auth, ConnectError, DisconnectReason, Event,
    NamespaceHandler, Socket,
};

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

#[derive(Default)]
struct Chat {
    token: Option<String>,
    calls: AtomicUsize,
    log: Mutex<Vec<String>>,
}

#[namespace("/chat")]
impl Chat {
    async fn connect(&self, socket: &Socket, auth: Option<Token>) -> Result<(), ConnectError> {
        self.log(format!("connect {}", socket.id()));
        match (&self.token, auth) {
            (None, _) => Ok(()),
            (Some(expected), Some(auth)) if auth.token == *expected => Ok(()),
            _ => Err(ConnectError::new("invalid token")),
        }
    }

    async fn disconnect(&self, reason: DisconnectReason) {
        self.log(format!("disconnect {reason:?}"));
    }

    #[on("chat_message")]
    async fn chat_message(&self, message: ChatMessage) -> Result<Receipt, String> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if message.text.is_empty() {
            return Err("empty message".to_owned());
        }
        self.log(format!("chat_message {}", message.text));
        Ok(Receipt { id: 7 })
    }

    #[on("add")]
    async fn add(&self, a: i64, b: i64, c: Option<i64>) -> i64 {
        a + b + c.unwrap_or(0)
    }

    #[on("typing")]
    async fn typing(&self, socket: &Socket) {
        self.log(format!("typing {}", socket.id()));
    }

    #[on("ping")]
    async fn ping(&self, ack: AckSender) {
        ack.send(&("pong", 1));
    }

    #[fallback]
    async fn unknown(&self, event: Event, ack: AckSender) {
        self.log(format!("fallback {}", event.name()));
        ack.send(&(format!("no handler for {}", event.name()),));
    }
}

impl Chat {
    fn log(&self, line: String) {
        self.log.lock().unwrap().push(line);
    }

    fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

// The user's `connect` and `disconnect` are inherent methods, which method-call syntax
// prefers: the tests call the generated trait methods by their path.

/// Dispatches one `2[..]` (or `2<id>[..]`) packet; returns the ack's arguments, if one was sent.
async fn dispatch<N: NamespaceHandler>(namespace: &N, packet: &str) -> Option<Value> {
    let (event, ack) = Event::from_packet(packet);
    namespace.event(&Socket::new("s1"), event).await;
    ack.get()
}

#[tokio::test]
async fn the_return_value_is_the_ack() {
    let chat = Chat::default();
    let ack = dispatch(&chat, r#"21["chat_message",{"text":"hi"}]"#).await;
    assert_eq!(ack, Some(json!([{"id": 7}])));
    assert_eq!(chat.lines(), ["chat_message hi"]);
}

#[tokio::test]
async fn an_err_acks_an_error_object() {
    let chat = Chat::default();
    let ack = dispatch(&chat, r#"21["chat_message",{"text":""}]"#).await;
    assert_eq!(ack, Some(json!([{"error": "empty message"}])));
}

#[tokio::test]
async fn an_invalid_payload_acks_what_was_wrong_and_skips_the_handler() {
    let chat = Chat::default();
    let ack = dispatch(&chat, r#"21["chat_message",{"txt":"hi"}]"#).await;
    let ack = ack.expect("an error ack");
    let error = ack[0]["error"].as_str().expect("an error string");
    assert!(
        error.contains("argument 0") && error.contains("missing field `text`"),
        "{error}"
    );
    assert_eq!(chat.calls.load(Ordering::Relaxed), 0);

    let ack = dispatch(&chat, r#"21["chat_message"]"#).await;
    assert_eq!(ack, Some(json!([{"error": "argument 0 is missing"}])));
}

#[tokio::test]
async fn an_invalid_payload_without_ack_is_dropped() {
    let chat = Chat::default();
    assert_eq!(dispatch(&chat, r#"2["chat_message",42]"#).await, None);
    assert_eq!(chat.calls.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn payload_arguments_are_positional() {
    let chat = Chat::default();
    assert_eq!(
        dispatch(&chat, r#"21["add",1,2,3]"#).await,
        Some(json!([6]))
    );
    // A missing `Option` argument reads as `None`.
    assert_eq!(dispatch(&chat, r#"21["add",1,2]"#).await, Some(json!([3])));
    let ack = dispatch(&chat, r#"21["add",1,"two"]"#).await.unwrap();
    assert!(ack[0]["error"]
        .as_str()
        .unwrap()
        .starts_with("argument 1 is invalid"));
}

#[tokio::test]
async fn a_unit_handler_sends_no_ack() {
    let chat = Chat::default();
    assert_eq!(dispatch(&chat, r#"21["typing"]"#).await, None);
    assert_eq!(chat.lines(), ["typing s1"]);
}

#[tokio::test]
async fn an_ack_sender_parameter_acks_by_hand() {
    let chat = Chat::default();
    assert_eq!(
        dispatch(&chat, r#"21["ping"]"#).await,
        Some(json!(["pong", 1]))
    );
    // Without an ack requested, the sender sends nothing.
    assert_eq!(dispatch(&chat, r#"2["ping"]"#).await, None);
}

#[tokio::test]
async fn the_fallback_receives_unknown_events() {
    let chat = Chat::default();
    let ack = dispatch(&chat, r#"21["what",1]"#).await;
    assert_eq!(ack, Some(json!(["no handler for what"])));
    assert_eq!(chat.lines(), ["fallback what"]);
}

struct Quiet;

#[namespace("/quiet")]
impl Quiet {
    #[on("known")]
    async fn known(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn unknown_events_are_ignored_without_fallback() {
    assert_eq!(dispatch(&Quiet, r#"21["unknown"]"#).await, None);
    assert_eq!(
        dispatch(&Quiet, r#"21["known"]"#).await,
        Some(json!([true]))
    );
}

#[tokio::test]
async fn a_namespace_without_connect_accepts_everyone() {
    let socket = Socket::new("s1");
    assert_eq!(
        NamespaceHandler::connect(&Quiet, &socket, &Auth::from_packet("0")).await,
        Ok(())
    );
    NamespaceHandler::disconnect(&Quiet, &socket, DisconnectReason::TransportClose).await;
}

#[tokio::test]
async fn connect_reads_a_typed_auth_payload() {
    let socket = Socket::new("s1");
    let open = Chat::default();
    assert_eq!(
        NamespaceHandler::connect(&open, &socket, &Auth::from_packet("0")).await,
        Ok(())
    );

    let guarded = Chat {
        token: Some("secret".into()),
        ..Chat::default()
    };
    let connect = |auth: &'static str| {
        let guarded = &guarded;
        let socket = &socket;
        async move { NamespaceHandler::connect(guarded, socket, &Auth::from_packet(auth)).await }
    };
    assert_eq!(connect(r#"0{"token":"secret"}"#).await, Ok(()));
    assert_eq!(
        connect(r#"0{"token":"wrong"}"#).await,
        Err(ConnectError::new("invalid token"))
    );
    assert_eq!(connect("0").await, Err(ConnectError::new("invalid token")));
    // An auth payload of the wrong shape is refused before `connect` runs.
    let refused = connect(r#"0{"token":42}"#).await.unwrap_err();
    assert!(
        refused.message.starts_with("invalid auth payload"),
        "{refused:?}"
    );
    assert_eq!(guarded.lines(), ["connect s1", "connect s1", "connect s1"]);
}

#[tokio::test]
async fn disconnect_receives_the_reason() {
    let chat = Chat::default();
    let reason = DisconnectReason::ClientNamespaceDisconnect;
    NamespaceHandler::disconnect(&chat, &Socket::new("s1"), reason).await;
    assert_eq!(chat.lines(), ["disconnect ClientNamespaceDisconnect"]);
}

struct Gate;

#[namespace("/gate")]
impl Gate {
    async fn connect(&self, socket: &Socket) -> bool {
        socket.id() == "friend"
    }
}

#[tokio::test]
async fn connect_returning_false_refuses() {
    let auth = Auth::from_packet("0");
    assert_eq!(
        NamespaceHandler::connect(&Gate, &Socket::new("friend"), &auth).await,
        Ok(())
    );
    assert_eq!(
        NamespaceHandler::connect(&Gate, &Socket::new("stranger"), &auth).await,
        Err(ConnectError::new("Connection rejected by server"))
    );
}

#[test]
fn the_path_is_the_namespace() {
    assert_eq!(<Chat as NamespaceHandler>::PATH, "/chat");
}
