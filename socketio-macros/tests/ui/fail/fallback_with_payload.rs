use socketio::{fallback, namespace};

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[fallback]
    async fn unknown(&self, text: String) {
        let _ = text;
    }
}

fn main() {}
