use socketio::{fallback, namespace, IncomingEvent};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[fallback]
    async fn unknown(&self, event: IncomingEvent) {
        let _ = event;
    }

    #[fallback]
    async fn other(&self, event: IncomingEvent) {
        let _ = event;
    }
}

fn main() {}
