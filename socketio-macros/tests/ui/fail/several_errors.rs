// One build reports every mistake.
use socketio::{namespace, on};

struct Chat;

#[namespace("chat")]
impl Chat {
    #[on("chat_message")]
    fn chat_message(&self, text: String) {
        let _ = text;
    }

    #[on]
    async fn typing(self) {}
}

fn main() {}
