use socketio::{namespace, on};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message<T: serde::de::DeserializeOwned>(&self, message: T) {
        let _ = message;
    }
}

fn main() {}
