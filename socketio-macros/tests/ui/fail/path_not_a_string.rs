use socketio::namespace;

struct Chat;

#[namespace(chat)]
impl Chat {}

fn main() {}
