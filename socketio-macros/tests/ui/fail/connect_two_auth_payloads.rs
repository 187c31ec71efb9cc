use socketio::{namespace, Socket};

struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn connect(&self, socket: &Socket, token: Option<String>, name: Option<String>) -> bool {
        let _ = (socket, name);
        token.is_some()
    }
}

fn main() {}
