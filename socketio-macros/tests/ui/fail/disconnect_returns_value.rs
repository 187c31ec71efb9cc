use socketio::{namespace, DisconnectReason};

struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn disconnect(&self, reason: DisconnectReason) -> bool {
        let _ = reason;
        true
    }
}

fn main() {}
