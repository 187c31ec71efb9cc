//! A node of a Redis cluster, for the mixed Rust/Node.js tests (`tests/redis/`).
//!
//! `REDIS_URL=redis://127.0.0.1:6379 PORT=3001 cargo run -p socketio-redis --example cluster_node`
//!
//! Socket.IO at `/socket.io`, namespaces `/` and `/custom`, the official adapter's
//! defaults (key `REDIS_KEY`, `socket.io` by default). On connect it emits `"auth"` with
//! the client's auth. Events (each acknowledged once done, when the client asks):
//! - `"broadcast", ...args`: `"broadcast"` with the same arguments to every other socket
//!   of the namespace, on every node;
//! - `"to-room", room, ...args`: `"to-room"` with the same arguments (room included) to
//!   the room, on every node;
//! - `"join", room` / `"leave", room`: this socket joins or leaves;
//! - `"fetch-count", room`: acks how many sockets of the namespace are in the room across
//!   the cluster;
//! - `"fetch-ids", room`: acks their ids, sorted;
//! - `"fetch-data", room`: acks `[{id, data, auth, tag, header, url, issued, time, address}]`
//!   of those sockets, sorted by id: `data` is their public data (`{"user": auth.user}`
//!   on every node), `auth` the handshake's auth, `tag` its `query.tag`, `header` its
//!   `x-tag` header, and the last four whether `url` starts with `/socket.io/`, `issued`
//!   is a number, `time` a string, `address` a string;
//! - `"sockets-join", room, target` / `"sockets-leave", room, target`: the sockets of
//!   `target` (all when null) join or leave `room` on every node;
//! - `"disconnect-sockets", room, close`: the sockets of `room` are disconnected;
//! - `"emit-with-ack", event, ...args`: emits to every other socket of the namespace with
//!   an ack and acks the list of answers (or `{"error": ..., "responses": [...]}`);
//! - `"server-count"`: acks the number of nodes;
//! - `"all-rooms"`: acks every room of the namespace on every node, sorted;
//! - `"server-emit", event, arg`: `serverSideEmit` to the other servers;
//! - `"server-emit-ack", event, arg`: the same with acks: acks the answers, sorted (or
//!   `{"error": ..., "responses": [...]}`);
//! - `"server-events"`: acks the server-side events this node received on the
//!   namespace, as `[event, ...args]`. A `"ping-server"` event is answered `{"pong": arg}`
//!   (by every node), a `"ping-rust"` one `{"rust": arg}` (by Rust nodes only).
//!
//! Fetches, counts and room lists that some node does not answer in time ack
//! `{"error": ...}`. It prints `listening on <port>` once its namespaces are subscribed.
//!
//! Everything goes through the runtime's ordinary API: nothing here is specific to Redis
//! but `RedisCluster::connect` and `adapter()`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use socketio_redis::{RedisCluster, RedisConfig};
use socketio_runtime::adapter::ServerEmitError;
use socketio_runtime::io::Io;
use socketio_runtime::namespace::{BoxFuture, ConnectError, FetchedSocket, Namespace, NamespaceHandler};
use socketio_runtime::protocol::Args;
use socketio_runtime::server::{shutdown_signal, Cors, Engine, Server};
use socketio_runtime::socket::{AckResponse, Auth, BroadcastAckError, IncomingEvent, Socket};

/// The handler of both namespaces.
#[derive(Clone, Default)]
struct Node {
    /// Server-side events received, with their namespace.
    events: Arc<Mutex<Vec<(String, Value)>>>,
}

fn room_arg(event: &IncomingEvent, index: usize) -> Option<String> {
    event.arg::<Option<String>>(index).ok().flatten()
}

/// First arguments as JSON, sorted (answers come in any order).
fn sorted_firsts<'a>(all: impl Iterator<Item = &'a Args>) -> Vec<Value> {
    let mut values: Vec<Value> = all.map(|a| a.get::<Value>(0).unwrap_or_default()).collect();
    values.sort_by_key(|v| v.to_string());
    values
}

/// What the tests check of a fetched socket.
fn summary(socket: &FetchedSocket) -> Value {
    let hs = socket.handshake();
    json!({
        "id": socket.id().as_str(),
        "data": socket.data(),
        "auth": hs["auth"],
        "tag": hs["query"]["tag"],
        "header": hs["headers"]["x-tag"],
        "url": hs["url"].as_str().is_some_and(|u| u.starts_with("/socket.io/")),
        "issued": hs["issued"].is_number(),
        "time": hs["time"].is_string(),
        "address": hs["address"].is_string(),
    })
}

impl Node {
    async fn handle(&self, socket: &Socket, mut event: IncomingEvent) {
        let ack = event.take_ack();
        let ns: &Namespace = socket.ns();
        let error = |e: &dyn std::fmt::Display| json!({ "error": e.to_string() });
        let reply: Value = match event.name() {
            "broadcast" => {
                let _ = socket.broadcast().emit("broadcast", event.args());
                Value::Null
            }
            "to-room" => {
                if let Some(room) = room_arg(&event, 0) {
                    let _ = ns.to(room).emit("to-room", event.args());
                }
                Value::Null
            }
            "join" => {
                if let Some(room) = room_arg(&event, 0) {
                    socket.join(room);
                }
                Value::Null
            }
            "leave" => {
                if let Some(room) = room_arg(&event, 0) {
                    socket.leave(room);
                }
                Value::Null
            }
            "fetch-count" | "fetch-ids" | "fetch-data" => {
                let sockets = match room_arg(&event, 0) {
                    Some(room) => ns.to(room).fetch_sockets().await,
                    None => ns.fetch_sockets().await,
                };
                match sockets {
                    Ok(sockets) if event.name() == "fetch-count" => json!(sockets.len()),
                    Ok(mut sockets) => {
                        sockets.sort_by(|a, b| a.id().as_str().cmp(b.id().as_str()));
                        if event.name() == "fetch-ids" {
                            json!(sockets.iter().map(|s| s.id().as_str()).collect::<Vec<_>>())
                        } else {
                            json!(sockets.iter().map(summary).collect::<Vec<_>>())
                        }
                    }
                    Err(e) => error(&e),
                }
            }
            "sockets-join" | "sockets-leave" => {
                if let Some(room) = room_arg(&event, 0) {
                    let target = match room_arg(&event, 1) {
                        Some(target) => ns.to(target),
                        None => ns.except("\u{0}none"),
                    };
                    if event.name() == "sockets-join" {
                        target.join(room);
                    } else {
                        target.leave(room);
                    }
                }
                Value::Null
            }
            "disconnect-sockets" => {
                if let Some(room) = room_arg(&event, 0) {
                    let close = event.arg::<Option<bool>>(1).ok().flatten().unwrap_or(false);
                    ns.to(room).disconnect(close);
                }
                Value::Null
            }
            "emit-with-ack" => {
                let name = room_arg(&event, 0).unwrap_or_default();
                let arg = event.arg::<Value>(1).unwrap_or_default();
                let op = socket.broadcast().timeout(Duration::from_secs(3));
                let args = |responses: &[AckResponse]| sorted_firsts(responses.iter().map(|r| &r.args));
                match op.emit_with_ack(&name, arg).await {
                    Ok(responses) => json!(args(&responses)),
                    Err(BroadcastAckError::Timeout { responses, .. }) => {
                        json!({ "error": "operation has timed out", "responses": args(&responses) })
                    }
                    Err(e) => error(&e),
                }
            }
            "server-count" => match ns.server_count().await {
                Ok(n) => json!(n),
                Err(e) => error(&e),
            },
            "all-rooms" => match ns.all_rooms().await {
                Ok(rooms) => {
                    let mut rooms: Vec<String> = rooms.iter().map(|r| r.to_string()).collect();
                    rooms.sort();
                    json!(rooms)
                }
                Err(e) => error(&e),
            },
            "server-emit" => {
                let name = room_arg(&event, 0).unwrap_or_default();
                match ns.server_side_emit(&name, event.arg::<Value>(1).unwrap_or_default()) {
                    Ok(()) => Value::Null,
                    Err(e) => error(&e),
                }
            }
            "server-emit-ack" => {
                let name = room_arg(&event, 0).unwrap_or_default();
                match ns.server_side_emit_with_ack(&name, event.arg::<Value>(1).unwrap_or_default()).await {
                    Ok(answers) => json!(sorted_firsts(answers.iter())),
                    Err(e) => {
                        let responses = match &e {
                            ServerEmitError::Timeout { responses, .. } => sorted_firsts(responses.iter()),
                            _ => Vec::new(),
                        };
                        json!({ "error": e.to_string(), "responses": responses })
                    }
                }
            }
            "server-events" => {
                let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
                json!(events
                    .iter()
                    .filter(|(n, _)| n == ns.name())
                    .map(|(_, e)| e.clone())
                    .collect::<Vec<_>>())
            }
            _ => return,
        };
        if let Some(ack) = ack {
            let _ = ack.send(reply);
        }
    }
}

impl NamespaceHandler for Node {
    fn connect<'a>(&'a self, socket: &'a Socket, auth: &'a Auth) -> BoxFuture<'a, Result<(), ConnectError>> {
        let _ = socket.emit("auth", auth);
        // What other servers see as socket.data: {"user": <auth.user>}, as the Node node sets.
        let user = auth.get::<Value>().ok().and_then(|a| a.get("user").cloned()).unwrap_or_default();
        let _ = socket.set_public_data(json!({ "user": user }));
        Box::pin(std::future::ready(Ok(())))
    }

    fn event<'a>(&'a self, socket: &'a Socket, event: IncomingEvent) -> BoxFuture<'a, ()> {
        Box::pin(self.handle(socket, event))
    }

    fn server_event<'a>(&'a self, ns: &'a Namespace, mut event: IncomingEvent) -> BoxFuture<'a, ()> {
        let mut items = vec![json!(event.name())];
        items.extend((0..event.len()).map(|i| event.arg::<Value>(i).unwrap_or_default()));
        self.events.lock().unwrap_or_else(|e| e.into_inner()).push((ns.name().to_owned(), items.into()));
        let arg: Value = event.arg(0).unwrap_or_default();
        let answer = match event.name() {
            "ping-server" => Some(json!({ "pong": arg })),
            "ping-rust" => Some(json!({ "rust": arg })),
            _ => None,
        };
        if let (Some(answer), Some(ack)) = (answer, event.take_ack()) {
            let _ = ack.send(answer);
        }
        Box::pin(std::future::ready(()))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let mut config = RedisConfig::new(url);
    if let Ok(key) = std::env::var("REDIS_KEY") {
        config = config.key(key);
    }
    let cluster = RedisCluster::connect(config).await?;
    let node = Node::default();
    let io = Io::builder()
        .adapter(cluster.adapter())
        .namespace("/", node.clone())
        .namespace("/custom", node)
        .build();
    io.ready().await?;
    let server = Server::new()
        .mount("/socket.io", Engine::new(io.clone(), io.engine_config().clone()).with_cors(Cors::any()));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {port}");
    server.serve(listener, shutdown_signal()).await?;
    Ok(())
}
