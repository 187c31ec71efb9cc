//! Nodes in one process on a real Redis (clients are covered by `tests/redis/*.mjs`).

mod common;

use std::time::Duration;

use socketio_redis::{RedisCluster, RedisConfig};
use socketio_runtime::io::Io;

async fn node(url: &str, key: &str) -> (RedisCluster, Io) {
    let cluster = RedisCluster::connect(RedisConfig::new(url).key(key)).await.expect("redis");
    let io = Io::builder().adapter(cluster.adapter()).build();
    cluster.ready().await;
    (cluster, io)
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
    let url = common::redis_url();
    let key = common::unique_key("cluster");
    let (_a, io_a) = node(&url, &key).await;
    let main = io_a.of("/").expect("main namespace");
    assert_eq!(main.adapter().server_count().await, 1);
    let (_b, io_b) = node(&url, &key).await;
    assert_eq!(main.adapter().server_count().await, 2);
    // A fetch goes to the other node and comes back (empty) well before the timeout.
    let started = std::time::Instant::now();
    assert!(main.fetch_sockets().await.is_empty());
    assert!(started.elapsed() < Duration::from_secs(4), "answered, not timed out");
    drop(io_b);
}
