use socketio::{namespace, on, Event};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, event: Event) {
        let _ = event;
    }
}

fn main() {}
