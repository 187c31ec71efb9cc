use socketio::{namespace, Socket};

struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn connect(&self, socket: &Socket) -> String {
        let _ = socket;
        String::new()
    }
}

fn main() {}
