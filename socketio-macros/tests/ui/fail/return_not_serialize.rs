use socketio::{namespace, on};

struct Receipt {
    id: u64,
}

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, text: String) -> Receipt {
        Receipt { id: text.len() as u64 }
    }
}

fn main() {}
