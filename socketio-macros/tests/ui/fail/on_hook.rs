use socketio::{namespace, on};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("join")]
    async fn connect(&self) {}
}

fn main() {}
