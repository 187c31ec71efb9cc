use socketio::{namespace, on};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on]
    async fn chat_message(&self, text: String) {
        let _ = text;
    }
}

fn main() {}
