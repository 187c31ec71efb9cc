use socketio::{namespace, on};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, text: impl std::fmt::Display) {
        let _ = text.to_string();
    }
}

fn main() {}
