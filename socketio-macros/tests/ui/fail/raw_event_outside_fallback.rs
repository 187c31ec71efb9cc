use socketio::{namespace, on, IncomingEvent};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, event: IncomingEvent) {
        let _ = event;
    }
}

fn main() {}
