//! The chat namespace of the seed's demo.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use socketio::{namespace, on, ConnectError, DisconnectReason, Event, Io, NamespaceHandler, NamespacePath, Socket};

#[derive(Deserialize)]
struct ChatMessage {
    text: String,
}

#[derive(Serialize)]
struct Receipt {
    id: usize,
}

#[derive(Serialize, Event)]
#[event("system_message")]
struct SystemMessage {
    text: String,
}

#[derive(Default)]
struct Chat {
    token: Option<String>,
    sent: AtomicUsize,
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

#[namespace("/chat")]
impl Chat {
    async fn connect(&self, socket: &Socket, auth: Option<Token>) -> Result<(), ConnectError> {
        match (&self.token, auth) {
            (None, _) => {}
            (Some(expected), Some(auth)) if auth.token == *expected => {}
            _ => return Err(ConnectError::new("invalid token")),
        }
        let _ = socket.emit_event(&SystemMessage { text: "welcome".into() });
        Ok(())
    }

    async fn disconnect(&self, socket: &Socket, reason: DisconnectReason) {
        let _ = (socket, reason);
    }

    #[on("chat_message")]
    async fn chat_message(&self, socket: &Socket, message: ChatMessage) -> Result<Receipt, String> {
        if message.text.is_empty() {
            return Err("empty message".to_owned());
        }
        let _ = socket.broadcast().emit("chat_message", &serde_json::json!({ "text": message.text }));
        Ok(Receipt { id: self.sent.fetch_add(1, Ordering::Relaxed) })
    }
}

fn assert_handler<N: NamespaceHandler>() {}

fn main() {
    assert_handler::<Chat>();
    let io = Io::builder().namespace(Chat::PATH, Chat::default()).build();
    assert!(io.of("/chat").is_some());
}
