use socketio::namespace;

struct Chat;

#[namespace]
impl Chat {}

fn main() {}
