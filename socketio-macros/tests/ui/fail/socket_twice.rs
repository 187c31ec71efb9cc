use socketio::{namespace, on, Socket};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, socket: &Socket, text: String, again: &Socket) {
        let _ = (socket, text, again);
    }
}

fn main() {}
