use socketio::{fallback, namespace, Event};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[fallback]
    async fn unknown(&self, event: Event) {
        let _ = event;
    }

    #[fallback]
    async fn other(&self, event: Event) {
        let _ = event;
    }
}

fn main() {}
