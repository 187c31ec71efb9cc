use socketio::Event;

#[derive(Event)]
#[event("system_message")]
#[event("notice")]
struct SystemMessage {
    text: String,
}

fn main() {}
