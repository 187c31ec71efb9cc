use socketio::namespace;

struct Chat;

#[namespace("/chat", path = "/chat")]
impl Chat {}

fn main() {}
