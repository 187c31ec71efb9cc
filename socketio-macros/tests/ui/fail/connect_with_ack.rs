use socketio::{namespace, AckSender, Socket};

struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn connect(&self, socket: &Socket, ack: AckSender) {
        let _ = (socket, ack);
    }
}

fn main() {}
