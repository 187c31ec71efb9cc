use socketio::{namespace, on, Socket};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, socket: &mut Socket, text: String) {
        let _ = (socket, text);
    }
}

fn main() {}
