//! Nodes in one process on a real Redis, through the runtime's ordinary API (clients
//! are covered by `tests/redis/*.mjs`).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use socketio_redis::{RedisCluster, RedisConfig};
use socketio_runtime::adapter::ServerEmitError;
use socketio_runtime::io::Io;
use socketio_runtime::namespace::{BoxFuture, Namespace, NamespaceHandler};
use socketio_runtime::socket::{IncomingEvent, Socket};

/// Answers `"ping"` from other servers with `{"pong": <arg>, "node": <name>}` and
/// records every server-side event it receives.
#[derive(Clone)]
struct Node {
    name: &'static str,
    received: Arc<Mutex<Vec<(String, String, serde_json::Value)>>>,
}

impl NamespaceHandler for Node {
    fn event<'a>(&'a self, _: &'a Socket, _: IncomingEvent) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    fn server_event<'a>(&'a self, ns: &'a Namespace, mut event: IncomingEvent) -> BoxFuture<'a, ()> {
        let arg: serde_json::Value = event.arg(0).unwrap_or_default();
        let entry = (ns.name().to_owned(), event.name().to_owned(), arg.clone());
        self.received.lock().unwrap().push(entry);
        if event.name() == "ping" {
            if let Some(ack) = event.take_ack() {
                ack.send(serde_json::json!({ "pong": arg, "node": self.name })).unwrap();
            }
        }
        Box::pin(async {})
    }
}

async fn node(name: &'static str, config: RedisConfig) -> (Node, Io) {
    let cluster = RedisCluster::connect(config).await.expect("redis");
    let handler = Node { name, received: Arc::default() };
    let io = Io::builder()
        .adapter(cluster.adapter())
        .namespace("/", handler.clone())
        .namespace("/custom", handler.clone())
        .build();
    io.ready().await.expect("subscribed");
    (handler, io)
}

fn config(key: &str) -> RedisConfig {
    RedisConfig::new(common::redis_url()).key(key).requests_timeout(Duration::from_millis(1500))
}

#[tokio::test]
async fn unreachable_redis_at_start_is_a_clear_error() {
    let closed =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let config =
        RedisConfig::new(format!("redis://127.0.0.1:{closed}")).connect_timeout(Duration::from_millis(300));
    let err = RedisCluster::connect(config).await.expect_err("nothing listens there");
    assert!(err.is_redis(), "{err}");
}

#[tokio::test]
async fn nodes_see_each_other_and_answer_requests() {
    let key = common::unique_key("cluster");
    let (_, io_a) = node("a", config(&key)).await;
    let main = io_a.of("/").expect("main namespace");
    assert_eq!(main.server_count().await.unwrap(), 1);
    let (_, io_b) = node("b", config(&key)).await;
    assert_eq!(main.server_count().await.unwrap(), 2);
    // A fetch goes to the other node and comes back (empty) well before the timeout.
    let started = std::time::Instant::now();
    assert!(main.fetch_sockets().await.unwrap().is_empty());
    assert!(main.all_rooms().await.unwrap().is_empty());
    assert!(started.elapsed() < Duration::from_secs(1), "answered, not timed out");
    drop(io_b);
}

#[tokio::test]
async fn server_side_events_reach_the_other_nodes_handler_and_acks_come_back() {
    let key = common::unique_key("sse");
    let (a, io_a) = node("a", config(&key)).await;
    let (b, _io_b) = node("b", config(&key)).await;
    let (c, _io_c) = node("c", config(&key)).await;
    let custom = io_a.of("/custom").expect("/custom");

    custom.server_side_emit("hello", "world").unwrap();
    let mut answers: Vec<serde_json::Value> = custom
        .server_side_emit_with_ack("ping", 7)
        .await
        .unwrap()
        .iter()
        .map(|args| args.get(0).unwrap())
        .collect();
    answers.sort_by_key(|v| v.to_string());
    assert_eq!(
        answers,
        [serde_json::json!({"node": "b", "pong": 7}), serde_json::json!({"node": "c", "pong": 7})]
    );
    // Each node handles the requests of one namespace in order: "hello" came first.
    for other in [&b, &c] {
        let received = other.received.lock().unwrap().clone();
        assert_eq!(received[0], ("/custom".to_owned(), "hello".to_owned(), "world".into()));
        assert_eq!(received[1].1, "ping");
    }
    assert!(a.received.lock().unwrap().is_empty(), "a node does not receive its own events");
    let reserved = custom.server_side_emit("connect", ()).unwrap_err();
    assert!(matches!(reserved, ServerEmitError::Reserved(_)), "{reserved}");
}

#[tokio::test]
async fn a_node_that_does_not_answer_is_a_timeout_error_with_the_answers_that_came() {
    let key = common::unique_key("timeout");
    let (_, io_a) = node("a", config(&key)).await;
    let (_, _io_b) = node("b", config(&key)).await;
    // A subscriber of the request channel that never answers, counted as a server.
    let client = redis::Client::open(common::redis_url()).expect("url");
    let mut silent = client.get_async_pubsub().await.expect("redis");
    silent.subscribe(format!("{key}-request#/#")).await.expect("subscribe");
    let main = io_a.of("/").expect("main");
    assert_eq!(main.server_count().await.unwrap(), 3);

    let e = main.fetch_sockets().await.expect_err("a node is silent");
    assert!(e.is_timeout());
    assert!(e.to_string().starts_with("timeout reached while waiting for fetchSockets response"), "{e}");
    assert!(main.all_rooms().await.expect_err("a node is silent").is_timeout());
    match main.server_side_emit_with_ack("ping", 1).await {
        Err(ServerEmitError::Timeout { responses, expected }) => {
            assert_eq!((responses.len(), expected), (1, 2));
            assert_eq!(responses[0].get::<serde_json::Value>(0).unwrap()["node"], "b");
        }
        other => panic!("{other:?}"),
    }
    // The silent node saw the requests, as JSON in the official format.
    let mut messages = silent.on_message();
    let first = messages.next().await.expect("a request");
    let request: serde_json::Value = serde_json::from_slice(first.get_payload_bytes()).expect("JSON");
    assert_eq!(request["type"], 5, "REMOTE_FETCH: {request}");
}
