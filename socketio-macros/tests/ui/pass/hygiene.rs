//! The generated code names everything by absolute paths: prelude items shadowed by
//! user types do not change it, and it has no warning. (Its locals are plain words such
//! as `socket` and `ack`, which a lowercase unit struct of that name would capture, as it
//! would capture the user's own parameters.)
#![deny(warnings)]
#![allow(dead_code, non_camel_case_types)]

use serde::Deserialize;
use socketio::{namespace, on, Socket};

struct Result;
struct Ok;
struct Err;
struct Option;
struct Some;
struct None;
struct Box;
struct String;
struct Vec;

#[derive(Deserialize)]
struct Message {
    text: std::string::String,
}

struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn connect(&self, socket: &Socket) -> bool {
        let _ = socket;
        true
    }

    #[on("message")]
    async fn message(&self, socket: &Socket, message: Message) -> usize {
        let _ = socket;
        message.text.len()
    }
}

fn main() {}
