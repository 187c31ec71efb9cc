//! The server the official protocol suites and the client tests run against.
//!
//! `PORT=3000 cargo run --release --example conformance` serves, on 127.0.0.1:$PORT:
//! - a raw Engine.IO echo at `/engine.io` (every text and binary message echoed back);
//! - Socket.IO at `/socket.io`: namespaces `/` and `/custom` emit `"auth"` with the
//!   client's auth on connect; on `/`, `"message"` is echoed as `"message-back"` and
//!   `"message-with-ack"` is acknowledged with its own arguments (connectTimeout 1 s);
//!
//! with pingInterval 300 ms, pingTimeout 200 ms and maxPayload 1000000, and lets any
//! origin use polling.

use std::net::SocketAddr;
use std::time::Duration;

use socketio::engine::{CloseReason, EngineConfig, EngineHandler, EngineSocket, Frame, Message};
use socketio::io::Io;
use socketio::namespace::{BoxFuture, ConnectError, NamespaceHandler};
use socketio::server::{shutdown_signal, Cors, Engine, Server};
use socketio::socket::{Auth, IncomingEvent, Socket};

/// Echoes every message back to its sender.
struct Echo;

impl EngineHandler for Echo {
    type Session = EngineSocket;

    fn open(&self, socket: EngineSocket) -> EngineSocket {
        socket
    }

    fn message(&self, socket: &mut EngineSocket, message: Message) {
        let frame = match message {
            Message::Text(text) => Frame::text(&text),
            Message::Binary(bytes) => Frame::binary(bytes),
        };
        let _ = socket.send(frame);
    }

    fn close(&self, _socket: EngineSocket, _reason: CloseReason) {}
}

/// The main namespace of the Socket.IO suite.
struct Main;

impl NamespaceHandler for Main {
    fn connect<'a>(&'a self, socket: &'a Socket, auth: &'a Auth) -> BoxFuture<'a, Result<(), ConnectError>> {
        let _ = socket.emit("auth", auth);
        Box::pin(std::future::ready(Ok(())))
    }

    fn event<'a>(&'a self, socket: &'a Socket, mut event: IncomingEvent) -> BoxFuture<'a, ()> {
        match event.name() {
            // The arguments go back as they came, binary attachments included.
            "message" => {
                let _ = socket.emit("message-back", event.args());
            }
            "message-with-ack" => {
                if let Some(ack) = event.take_ack() {
                    let _ = ack.send(event.args());
                }
            }
            _ => {}
        }
        Box::pin(std::future::ready(()))
    }
}

/// The `/custom` namespace of the Socket.IO suite.
struct Custom;

impl NamespaceHandler for Custom {
    fn connect<'a>(&'a self, socket: &'a Socket, auth: &'a Auth) -> BoxFuture<'a, Result<(), ConnectError>> {
        let _ = socket.emit("auth", auth);
        Box::pin(std::future::ready(Ok(())))
    }

    fn event<'a>(&'a self, _socket: &'a Socket, _event: IncomingEvent) -> BoxFuture<'a, ()> {
        Box::pin(std::future::ready(()))
    }
}

fn config() -> EngineConfig {
    let mut config = EngineConfig::default();
    config.ping_interval = Duration::from_millis(300);
    config.ping_timeout = Duration::from_millis(200);
    config.max_payload = 1_000_000;
    config
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let io = Io::builder()
        .connect_timeout(Duration::from_millis(1000))
        .engine(config())
        .namespace("/", Main)
        .namespace("/custom", Custom)
        .build();
    let server = Server::new()
        .mount("/engine.io", Engine::new(Echo, config()).with_cors(Cors::any()))
        .mount("/socket.io", Engine::new(io.clone(), io.engine_config().clone()).with_cors(Cors::any()));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("conformance server listening on http://{addr}");
    server.serve(listener, shutdown_signal()).await
}
