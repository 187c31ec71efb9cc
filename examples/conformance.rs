//! The server the official protocol suites and the client tests run against.
//!
//! `PORT=3000 cargo run --release --example conformance` serves, on 127.0.0.1:$PORT:
//! - a raw Engine.IO echo at `/engine.io` (every text and binary message echoed back);
//! - Socket.IO at `/socket.io` (connectTimeout 1 s), namespaces `/` and `/custom`, each:
//!   on connect, `"auth"` with the client's auth payload (`{}` when none);
//!   `"message"` → `"message-back"` with the same arguments (binary included);
//!   `"message-with-ack"` → ack with the same arguments;
//!   `"join"`/`"leave"` (room) → join or leave it, ack `true`;
//!   `"to-room"` (room, event, ...args) → event with args to every socket in the room;
//!   `"broadcast"` (event, ...args) → event with args to every other socket;
//!   `"server-ack"` (event, ...args) + ack → the server emits event with args asking for an
//!   ack (5 s), and acks the original with the client's answer (`{"error": ...}` if none);
//!   `"disconnect-me"` → the server disconnects that socket;
//!   `"fetch-count"` (room) + ack → how many sockets of the namespace are in the room,
//!   across the whole cluster with Redis (`(await nsp.in(room).fetchSockets()).length`;
//!   `{"error": ...}` when some node did not answer in time);
//!
//! With `REDIS_URL` (e.g. `redis://127.0.0.1:6379`) it joins a cluster through the Redis
//! adapter with the official defaults (key `socket.io`) in both namespaces: any number of
//! these and of Node servers with `io.adapter(createAdapter(pubClient, subClient))` on the
//! same Redis form one cluster (broadcast, to-room, join/leave, the official emitter). It
//! listens only once subscribed. Without `REDIS_URL`, the in-memory adapter.
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
use socketio_redis::{RedisCluster, RedisConfig};

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

/// Both namespaces of the Socket.IO contract (`/` and `/custom`): the official suite's
/// events, and the ones the client test suites use.
struct Conformance;

impl NamespaceHandler for Conformance {
    fn connect<'a>(&'a self, socket: &'a Socket, auth: &'a Auth) -> BoxFuture<'a, Result<(), ConnectError>> {
        let _ = socket.emit("auth", auth);
        Box::pin(std::future::ready(Ok(())))
    }

    fn event<'a>(&'a self, socket: &'a Socket, event: IncomingEvent) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let (name, args, ack) = event.into_parts();
            let string = |i: usize| args.get::<String>(i).ok();
            match name.as_str() {
                // The arguments go back as they came, binary attachments included.
                "message" => {
                    let _ = socket.emit("message-back", &args);
                }
                "message-with-ack" => {
                    if let Some(ack) = ack {
                        let _ = ack.send(&args);
                    }
                }
                "join" | "leave" => {
                    if let Some(room) = string(0) {
                        if name.as_str() == "join" {
                            socket.join(room);
                        } else {
                            socket.leave(room);
                        }
                    }
                    if let Some(ack) = ack {
                        let _ = ack.send(true);
                    }
                }
                "to-room" => {
                    if let (Some(room), Some(event)) = (string(0), string(1)) {
                        let _ = socket.ns().to(room).emit(&event, args.skip(2));
                    }
                }
                "broadcast" => {
                    if let Some(event) = string(0) {
                        let _ = socket.broadcast().emit(&event, args.skip(1));
                    }
                }
                "server-ack" => {
                    let (Some(event), Some(ack)) = (string(0), ack) else { return };
                    let answer =
                        socket.emit_with_ack(&event, args.skip(1)).timeout(Duration::from_secs(5)).await;
                    let _ = match answer {
                        Ok(answer) => ack.send(&answer),
                        Err(e) => ack.send(serde_json::json!({ "error": e.to_string() })),
                    };
                }
                "disconnect-me" => socket.disconnect(),
                "fetch-count" => {
                    let Some(ack) = ack else { return };
                    let sockets = match string(0) {
                        Some(room) => socket.ns().to(room).fetch_sockets().await,
                        None => socket.ns().fetch_sockets().await,
                    };
                    let _ = match sockets {
                        Ok(sockets) => ack.send(sockets.len()),
                        // Some node did not answer in time (Node's fetchSockets rejects).
                        Err(e) => ack.send(serde_json::json!({ "error": e.to_string() })),
                    };
                }
                _ => {}
            }
        })
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
    let builder = Io::builder()
        .connect_timeout(Duration::from_millis(1000))
        .engine(config())
        .namespace("/", Conformance)
        .namespace("/custom", Conformance);
    // With REDIS_URL: a node of the cluster, subscribed before it listens (Redis
    // unreachable at start is an error, not a node silently alone).
    let io = match std::env::var("REDIS_URL") {
        Ok(url) => {
            RedisCluster::build(builder, RedisConfig::new(url)).await.map_err(std::io::Error::other)?
        }
        Err(_) => builder.build(),
    };
    let server = Server::new()
        .mount("/engine.io", Engine::new(Echo, config()).with_cors(Cors::any()))
        .mount("/socket.io", Engine::new(io.clone(), io.engine_config().clone()).with_cors(Cors::any()));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("conformance server listening on http://{addr}");
    server.serve(listener, shutdown_signal()).await
}
