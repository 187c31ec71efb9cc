use socketio::{fallback, namespace, on, Event};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    #[fallback]
    async fn anything(&self, event: Event) {
        let _ = event;
    }
}

fn main() {}
