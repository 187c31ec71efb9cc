use socketio::{namespace, on, AckSender};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, text: String, ack: AckSender) -> String {
        let _ = ack;
        text
    }
}

fn main() {}
