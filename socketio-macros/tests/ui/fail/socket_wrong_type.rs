use socketio::{namespace, on};

mod mine {
    pub struct Socket;
}
use mine::Socket;

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, socket: &Socket, text: String) {
        let _ = (socket, text);
    }
}

fn main() {}
