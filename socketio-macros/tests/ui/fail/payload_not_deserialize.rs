use socketio::{namespace, on};

struct ChatMessage {
    text: String,
}

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, message: ChatMessage) {
        let _ = message.text;
    }
}

fn main() {}
