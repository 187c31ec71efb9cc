use socketio::{namespace, on, Auth};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, auth: &Auth, text: String) {
        let _ = (auth, text);
    }
}

fn main() {}
