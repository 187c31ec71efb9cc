use socketio::{namespace, on, State};

struct Chat;
struct Db;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, db: State<Db>, text: String) {
        let _ = (db, text);
    }
}

fn main() {}
