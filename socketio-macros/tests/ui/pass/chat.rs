//! The chat namespace of the seed's demo.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use socketio::{namespace, on, Auth, ConnectError, DisconnectReason, Event, NamespaceHandler, Socket};

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
        let _ = socket;
        match (&self.token, auth) {
            (None, _) => Ok(()),
            (Some(expected), Some(auth)) if auth.token == *expected => Ok(()),
            _ => Err(ConnectError::new("invalid token")),
        }
    }

    async fn disconnect(&self, socket: &Socket, reason: DisconnectReason) {
        let _ = (socket, reason);
    }

    #[on("chat_message")]
    async fn chat_message(&self, socket: &Socket, message: ChatMessage) -> Result<Receipt, String> {
        let _ = socket;
        if message.text.is_empty() {
            return Err("empty message".to_owned());
        }
        Ok(Receipt {
            id: self.sent.fetch_add(1, Ordering::Relaxed),
        })
    }
}

fn assert_handler<N: NamespaceHandler>() {}

fn main() {
    assert_handler::<Chat>();
    assert_eq!(<Chat as NamespaceHandler>::PATH, "/chat");
    let _ = SystemMessage { text: String::new() };
    let _ = Auth::default();
}
