use socketio::{fallback, namespace, on, IncomingEvent};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    #[fallback]
    async fn anything(&self, event: IncomingEvent) {
        let _ = event;
    }
}

fn main() {}
