use socketio::namespace;

struct Room;

#[namespace("/room-{id}{part}")]
impl Room {}

fn main() {}
