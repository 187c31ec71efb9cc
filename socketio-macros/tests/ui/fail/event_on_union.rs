use socketio::Event;

#[derive(Event)]
#[event("bits")]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
