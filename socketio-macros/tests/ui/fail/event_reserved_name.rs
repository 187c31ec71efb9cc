use socketio::Event;

#[derive(Event)]
#[event("connect_error")]
struct Oops {
    text: String,
}

fn main() {}
