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
//! - `"fetch-data", room`: acks `[{id, data, auth}]` of those sockets, sorted by id
//!   (`data` is `{"user": auth.user}` on every node);
//! - `"sockets-join", room, target` / `"sockets-leave", room, target`: the sockets of
//!   `target` (all when null) join or leave `room` on every node;
//! - `"disconnect-sockets", room, close`: the sockets of `room` are disconnected;
//! - `"emit-with-ack", event, ...args`: emits to every other socket of the namespace with
//!   an ack and acks the list of answers (or `{"error": ..., "responses": [...]}`);
//! - `"server-count"`: acks the number of nodes;
//! - `"all-rooms"`: acks every room of the namespace on every node, sorted;
//! - `"server-emit", event, arg`: `serverSideEmit` to the other servers;
//! - `"server-emit-ack", event, arg`: the same with acks: acks the answers, sorted (or
//!   `{"error": ...}`);
//! - `"server-events"`: acks the server-side events this node received on the
//!   namespace, as `[event, ...args]`. A `"ping-server"` event is answered `{"pong": arg}`.
//!
//! It prints `listening on <port>` once its namespaces are subscribed.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use socketio_redis::{RedisCluster, RedisConfig};
use socketio_runtime::io::Io;
use socketio_runtime::namespace::{BoxFuture, ConnectError, Namespace, NamespaceHandler};
use socketio_runtime::server::{shutdown_signal, Cors, Engine, Server};
use socketio_runtime::socket::{AckResponse, Auth, BroadcastAckError, IncomingEvent, Socket};

struct Node {
    cluster: RedisCluster,
    /// Server-side events received, by namespace.
    events: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
}

fn room_arg(event: &IncomingEvent, index: usize) -> Option<String> {
    event.arg::<Option<String>>(index).ok().flatten()
}

async fn handle(node: &Node, socket: &Socket, mut event: IncomingEvent) {
    let ack = event.take_ack();
    let ns: &Namespace = socket.ns();
    let reply: serde_json::Value = match event.name() {
        "broadcast" => {
            let _ = socket.broadcast().emit("broadcast", event.args());
            serde_json::Value::Null
        }
        "to-room" => {
            if let Some(room) = room_arg(&event, 0) {
                let _ = ns.to(room).emit("to-room", event.args());
            }
            serde_json::Value::Null
        }
        "join" => {
            if let Some(room) = room_arg(&event, 0) {
                socket.join(room);
            }
            serde_json::Value::Null
        }
        "leave" => {
            if let Some(room) = room_arg(&event, 0) {
                socket.leave(room);
            }
            serde_json::Value::Null
        }
        "fetch-count" | "fetch-ids" => {
            let sockets = match room_arg(&event, 0) {
                Some(room) => ns.to(room).fetch_sockets().await,
                None => ns.fetch_sockets().await,
            };
            if event.name() == "fetch-count" {
                serde_json::json!(sockets.len())
            } else {
                let mut ids: Vec<String> = sockets.iter().map(|s| s.id().to_string()).collect();
                ids.sort();
                serde_json::json!(ids)
            }
        }
        "fetch-data" => {
            let room = room_arg(&event, 0).unwrap_or_default();
            match node.cluster.fetch_sockets(ns.name(), &[room.as_str()], &[]).await {
                Ok(mut sockets) => {
                    sockets.sort_by(|a, b| a.id.cmp(&b.id));
                    let json = |v: Option<&socketio_redis::wire::Value>| {
                        v.map(|v| serde_json::from_str::<serde_json::Value>(&v.to_json()).unwrap_or_default())
                    };
                    serde_json::json!(sockets
                        .iter()
                        .map(|s| serde_json::json!({ "id": s.id, "data": json(Some(&s.data)), "auth": json(s.handshake.get("auth")) }))
                        .collect::<Vec<_>>())
                }
                Err(e) => serde_json::json!({ "error": e.to_string() }),
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
            serde_json::Value::Null
        }
        "disconnect-sockets" => {
            if let Some(room) = room_arg(&event, 0) {
                let close = event.arg::<Option<bool>>(1).ok().flatten().unwrap_or(false);
                ns.to(room).disconnect(close);
            }
            serde_json::Value::Null
        }
        "emit-with-ack" => {
            let name = room_arg(&event, 0).unwrap_or_default();
            let arg = event.arg::<serde_json::Value>(1).unwrap_or_default();
            let op = socket.broadcast().timeout(Duration::from_secs(3));
            let firsts = |responses: &[AckResponse]| {
                let mut values: Vec<serde_json::Value> = responses
                    .iter()
                    .map(|r| r.args.get::<serde_json::Value>(0).unwrap_or_default())
                    .collect();
                values.sort_by_key(|v| v.to_string());
                values
            };
            match op.emit_with_ack(&name, arg).await {
                Ok(responses) => serde_json::json!(firsts(&responses)),
                Err(BroadcastAckError::Timeout { responses, .. }) => {
                    serde_json::json!({ "error": "operation has timed out", "responses": firsts(&responses) })
                }
                Err(e) => serde_json::json!({ "error": e.to_string() }),
            }
        }
        "server-count" => serde_json::json!(ns.adapter().server_count().await),
        "all-rooms" => match node.cluster.all_rooms(ns.name()).await {
            Ok(rooms) => serde_json::json!(rooms),
            Err(e) => serde_json::json!({ "error": e.to_string() }),
        },
        "server-emit" | "server-emit-ack" => {
            let name = room_arg(&event, 0).unwrap_or_default();
            let arg = event.arg::<serde_json::Value>(1).unwrap_or_default();
            if event.name() == "server-emit" {
                let _ = node.cluster.server_side_emit(ns.name(), &name, arg);
                serde_json::Value::Null
            } else {
                match node.cluster.server_side_emit_with_ack(ns.name(), &name, arg).await {
                    Ok(values) => {
                        let mut values: Vec<serde_json::Value> = values
                            .iter()
                            .map(|v| serde_json::from_str(&v.to_json()).unwrap_or_default())
                            .collect();
                        values.sort_by_key(|v| v.to_string());
                        serde_json::json!(values)
                    }
                    Err(e) => serde_json::json!({ "error": e.to_string() }),
                }
            }
        }
        "server-events" => {
            let events = node.events.lock().unwrap_or_else(|e| e.into_inner());
            serde_json::json!(events
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

impl NamespaceHandler for Node {
    fn connect<'a>(&'a self, socket: &'a Socket, auth: &'a Auth) -> BoxFuture<'a, Result<(), ConnectError>> {
        let _ = socket.emit("auth", auth);
        Box::pin(std::future::ready(Ok(())))
    }

    fn event<'a>(&'a self, socket: &'a Socket, event: IncomingEvent) -> BoxFuture<'a, ()> {
        Box::pin(handle(self, socket, event))
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
    let events: Arc<Mutex<Vec<(String, serde_json::Value)>>> = Arc::default();
    let recorded = events.clone();
    cluster.on_server_event(move |event| {
        let mut items = vec![serde_json::json!(event.name())];
        items.extend(event.args().iter().map(|v| serde_json::from_str(&v.to_json()).unwrap_or_default()));
        recorded.lock().unwrap_or_else(|e| e.into_inner()).push((event.namespace().to_owned(), items.into()));
        if event.name().as_deref() == Some("ping-server") {
            let arg: serde_json::Value = event.arg(0).unwrap_or_default();
            let _ = event.ack(serde_json::json!({ "pong": arg }));
        }
    });
    // What other servers see as socket.data: {"user": <auth.user>}.
    cluster.socket_data(|socket| {
        let auth: serde_json::Value = socket.handshake().auth().get().unwrap_or_default();
        serde_json::json!({ "user": auth.get("user").cloned().unwrap_or_default() })
    });
    let node = || Node { cluster: cluster.clone(), events: events.clone() };
    let io =
        Io::builder().adapter(cluster.adapter()).namespace("/", node()).namespace("/custom", node()).build();
    cluster.ready().await;
    let server = Server::new()
        .mount("/socket.io", Engine::new(io.clone(), io.engine_config().clone()).with_cors(Cors::any()));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {port}");
    server.serve(listener, shutdown_signal()).await?;
    Ok(())
}
