//! Every kind of parameter and return value.

use serde::{Deserialize, Serialize};
use socketio::{fallback, namespace, on, AckSender, Binary, DisconnectReason, Event, Socket};

#[derive(Deserialize)]
struct Move {
    x: i32,
    y: i32,
}

#[derive(Serialize)]
struct Position {
    x: i32,
    y: i32,
}

mod model {
    /// A user type that shares its name with `socketio::Event`: written with its module
    /// path, it is a payload.
    #[derive(serde::Deserialize)]
    pub struct Event {
        pub kind: String,
    }
}

struct Game;

#[namespace("/game")]
impl Game {
    async fn connect(&self) -> bool {
        true
    }

    async fn disconnect(&self, reason: DisconnectReason) {
        let _ = reason;
    }

    // Several positional payload arguments, no socket.
    #[on("move")]
    async fn r#move(&self, player: String, step: Move, speed: Option<u8>) -> Position {
        let _ = (player, speed);
        Position { x: step.x, y: step.y }
    }

    // The ack sent by hand.
    #[on("ping")]
    async fn ping(&self, socket: &Socket, ack: AckSender) {
        let _ = socket;
        ack.send(&("pong",));
    }

    // No ack.
    #[on("typing")]
    async fn typing(&self, socket: &Socket) {
        let _ = socket;
    }

    // Binary attachments are payloads of type `Binary`.
    #[on("upload")]
    async fn upload(&self, name: String, file: Binary) -> usize {
        let _ = name;
        file.as_ref().len()
    }

    #[on("log")]
    async fn log(&self, event: model::Event) -> Result<(), std::io::Error> {
        let _ = event.kind;
        Ok(())
    }

    // Plain methods are left alone.
    fn helper(&self) -> u8 {
        1
    }

    #[fallback]
    async fn unknown(&self, socket: &Socket, event: Event, ack: AckSender) {
        let _ = (socket, event.name(), self.helper());
        ack.send(&("unknown event",));
    }
}

fn main() {}
