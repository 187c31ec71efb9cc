use socketio::Event;

#[derive(Event)]
struct SystemMessage {
    text: String,
}

fn main() {}
