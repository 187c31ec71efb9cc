//! Every kind of parameter and return value.

use serde::{Deserialize, Serialize};
use socketio::{fallback, namespace, on, AckSender, Auth, Binary, DisconnectReason, IncomingEvent, Socket};

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

struct Game;

#[namespace("/game")]
impl Game {
    // The raw auth object.
    async fn connect(&self, auth: &Auth) -> bool {
        auth.as_str() != "{\"banned\":true}"
    }

    async fn disconnect(&self, reason: DisconnectReason, socket: Socket) {
        let _ = (reason, socket.id());
    }

    // Several positional payload arguments, no socket.
    #[on("move")]
    async fn r#move(&self, player: String, step: Move, speed: Option<u8>) -> Position {
        let _ = (player, speed);
        Position { x: step.x, y: step.y }
    }

    // The ack sent by hand; the handler runs only when the client asked for one.
    #[on("ping")]
    async fn ping(&self, socket: &Socket, ack: AckSender) {
        let _ = socket;
        let _ = ack.send("pong");
    }

    // The handler runs either way.
    #[on("maybe")]
    async fn maybe(&self, ack: Option<AckSender>) {
        if let Some(ack) = ack {
            let _ = ack.send(());
        }
    }

    // No ack; the socket by value (a cheap handle) can move into a task.
    #[on("typing")]
    async fn typing(&self, socket: Socket) {
        tokio::spawn(async move {
            let _ = socket.broadcast().emit("typing", ());
        });
    }

    // Binary attachments are payloads of type `Binary`.
    #[on("upload")]
    async fn upload(&self, name: String, file: Binary) -> usize {
        let _ = name;
        file.as_ref().len()
    }

    #[on("log")]
    async fn log(&self, line: String) -> Result<(), std::io::Error> {
        let _ = line;
        Ok(())
    }

    // Plain methods are left alone.
    fn helper(&self) -> u8 {
        1
    }

    #[fallback]
    async fn unknown(&self, socket: &Socket, event: IncomingEvent, ack: Option<AckSender>) {
        let _ = (socket, event.name(), self.helper());
        if let Some(ack) = ack {
            let _ = ack.send("unknown event");
        }
    }
}

fn main() {}
