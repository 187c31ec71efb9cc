use socketio::{namespace, on};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on = "chat_message"]
    async fn chat_message(&self, text: String) {
        let _ = text;
    }
}

fn main() {}
