//! `#[derive(Event)]` on structs, enums and generic types.

use serde::Serialize;
use socketio::Event;

#[derive(Serialize, Event)]
#[event("system_message")]
struct SystemMessage {
    text: String,
}

#[derive(Serialize, Event)]
#[event("presence")]
enum Presence {
    Joined { name: String },
    Left { name: String },
}

#[derive(Serialize, Event)]
#[event("page")]
struct Page<T: Serialize> {
    items: Vec<T>,
}

fn name<E: Event>(_: &E) -> &'static str {
    E::NAME
}

fn main() {
    assert_eq!(name(&SystemMessage { text: "hi".into() }), "system_message");
    assert_eq!(name(&Presence::Joined { name: "a".into() }), "presence");
    let _ = Presence::Left { name: "a".into() };
    assert_eq!(name(&Page::<u8> { items: vec![] }), "page");
}
