use socketio::{namespace, on};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("limit")]
    const LIMIT: usize = 10;
}

fn main() {}
