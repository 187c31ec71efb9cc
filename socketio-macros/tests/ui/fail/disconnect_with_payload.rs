use socketio::{namespace, Socket};

struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn disconnect(&self, socket: &Socket, text: String) {
        let _ = (socket, text);
    }
}

fn main() {}
