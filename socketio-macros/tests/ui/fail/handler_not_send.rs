use std::rc::Rc;

use socketio::{namespace, on};

async fn save(_: &str) {}

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, text: String) {
        let text = Rc::new(text);
        save(&text).await;
    }
}

fn main() {}
