use socketio::namespace;

struct Token(String);

struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn connect(&self, auth: Option<Token>) -> bool {
        auth.is_some_and(|token| !token.0.is_empty())
    }
}

fn main() {}
