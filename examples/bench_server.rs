//! The server of the benchmark suite (`bench/run.sh`): the peers' contract on `/`.
//!
//! `PORT=3000 cargo run --release --example bench_server` serves Socket.IO at
//! `/socket.io` on 127.0.0.1:$PORT (pingInterval 25 s, pingTimeout 20 s) and prints
//! `ready` once it listens:
//! - `"message"` → `"message-back"` with the same argument, to the sender;
//! - `"message-with-ack"` → an ack with the same argument;
//! - `"broadcast"` → `"broadcast-back"` with the same argument, to every socket of `/`
//!   (the sender too).
//!
//! The argument is passed through as raw JSON (`Box<RawValue>`): checked, not parsed
//! into a tree. The load generator sends one argument per event.

use std::io::Write;
use std::net::SocketAddr;

use serde_json::value::RawValue;
use socketio::server::shutdown_signal;
use socketio::{namespace, on, Io, Socket};

/// The contract of the benchmark on the main namespace.
struct Bench;

#[namespace("/")]
impl Bench {
    #[on("message")]
    async fn message(&self, socket: &Socket, arg: Box<RawValue>) {
        let _ = socket.emit("message-back", &arg);
    }

    #[on("message-with-ack")]
    async fn message_with_ack(&self, arg: Box<RawValue>) -> Box<RawValue> {
        arg
    }

    #[on("broadcast")]
    async fn broadcast(&self, socket: &Socket, arg: Box<RawValue>) {
        let _ = socket.ns().emit("broadcast-back", &arg);
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    // The engine's defaults are the Node server's: pingInterval 25 s, pingTimeout 20 s.
    let io = Io::builder().register(Bench).build();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    println!("ready");
    std::io::stdout().flush()?;
    io.server().serve(listener, shutdown_signal()).await
}
