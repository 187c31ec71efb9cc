use socketio::namespace;

struct Room;

#[namespace("/room-{id")]
impl Room {}

fn main() {}
