use socketio::{namespace, on};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("disconnect")]
    async fn bye(&self) {}
}

fn main() {}
