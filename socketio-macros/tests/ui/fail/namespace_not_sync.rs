use std::cell::Cell;

use socketio::{namespace, on};

struct Chat {
    count: Cell<u32>,
}

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, text: String) {
        let _ = text;
        self.count.set(self.count.get() + 1);
    }
}

fn main() {}
