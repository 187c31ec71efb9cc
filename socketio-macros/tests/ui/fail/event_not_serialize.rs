use socketio::Event;

#[derive(Event)]
#[event("system_message")]
struct SystemMessage {
    text: String,
}

fn main() {}
