use socketio::{namespace, on};

#[derive(Debug)]
struct TooLong;

struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on("chat_message")]
    async fn chat_message(&self, text: String) -> Result<usize, TooLong> {
        if text.len() > 10 {
            return Err(TooLong);
        }
        Ok(text.len())
    }
}

fn main() {}
