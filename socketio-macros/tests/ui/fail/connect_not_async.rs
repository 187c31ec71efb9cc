use socketio::{namespace, Socket};

struct Chat;

#[namespace("/chat")]
impl Chat {
    fn connect(&self, socket: &Socket) -> bool {
        let _ = socket;
        true
    }
}

fn main() {}
