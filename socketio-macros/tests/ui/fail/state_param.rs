use socketio::{namespace, on};

// Whatever `State` is, namespace state lives in the namespace's fields.
struct State<T>(T);
struct Db;

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, db: State<Db>, text: String) {
        let _ = (db.0, text);
    }
}

fn main() {}
