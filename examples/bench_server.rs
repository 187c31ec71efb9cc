//! The server of the benchmark suite (`bench/run.sh`): the peers' contract on `/`.
//!
//! `PORT=3000 cargo run --release --example bench_server` serves Socket.IO at
//! `/socket.io` on 127.0.0.1:$PORT (pingInterval 25 s, pingTimeout 20 s) and prints
//! `ready` once it listens:
//! - `"message"` → `"message-back"` with the same arguments, to the sender;
//! - `"message-with-ack"` → an ack with the same arguments;
//! - `"broadcast"` → `"broadcast-back"` with the same arguments, to every socket of `/`
//!   (the sender too).

use std::io::Write;
use std::net::SocketAddr;

use socketio::io::Io;
use socketio::namespace::{BoxFuture, NamespaceHandler};
use socketio::server::{shutdown_signal, Engine, Server};
use socketio::socket::{IncomingEvent, Socket};

/// The contract of the benchmark on the main namespace.
struct Bench;

impl NamespaceHandler for Bench {
    fn event<'a>(&'a self, socket: &'a Socket, mut event: IncomingEvent) -> BoxFuture<'a, ()> {
        match event.name() {
            "message" => {
                let _ = socket.emit("message-back", event.args());
            }
            "message-with-ack" => {
                if let Some(ack) = event.take_ack() {
                    let _ = ack.send(event.args());
                }
            }
            "broadcast" => {
                let _ = socket.ns().emit("broadcast-back", event.args());
            }
            _ => {}
        }
        Box::pin(std::future::ready(()))
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    // The engine's defaults are the Node server's: pingInterval 25 s, pingTimeout 20 s.
    let io = Io::builder().namespace("/", Bench).build();
    let server = Server::new().mount("/socket.io", Engine::new(io.clone(), io.engine_config().clone()));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    println!("ready");
    std::io::stdout().flush()?;
    server.serve(listener, shutdown_signal()).await
}
