use socketio::namespace;

struct Chat;

#[namespace("/chat,room")]
impl Chat {}

fn main() {}
