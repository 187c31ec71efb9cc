use socketio::namespace;

struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn connect(&self) -> Result<(), u16> {
        Err(401)
    }
}

fn main() {}
