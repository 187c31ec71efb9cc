//! Our `Emitter` publishes, on a real Redis, the very bytes `@socket.io/redis-emitter` 5.1
//! published in the captured fixtures, on the same channels.

mod common;

use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Serialize;
use socketio_redis::{Emitter, RedisConfig};
use socketio_runtime::protocol::Binary;
use socketio_runtime::socket::Event;

/// The payload and the channel (key replaced by `KEY`) of a fixture.
fn fixture(name: &str) -> (String, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(format!("{name}.json"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON");
    let key = json["key"].as_str().expect("key");
    let channel = json["channel"].as_str().expect("channel").replacen(key, "KEY", 1);
    let hex = json["payload_hex"].as_str().expect("hex");
    let bytes =
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect();
    (channel, bytes)
}

#[derive(Serialize)]
struct Point {
    a: u32,
}

impl Event for Point {
    const NAME: &'static str = "ev";
}

#[tokio::test]
async fn the_emitter_publishes_what_the_official_emitter_publishes() {
    let url = common::redis_url();
    let key = common::unique_key("emitter");
    let client = redis::Client::open(url.as_str()).expect("url");
    let mut pubsub = client.get_async_pubsub().await.expect("redis");
    pubsub.psubscribe(format!("{key}*")).await.expect("psubscribe");
    let mut messages = pubsub.into_on_message();

    let emitter = Emitter::connect(RedisConfig::new(url).key(key.clone())).await.expect("emitter");
    let expected = [
        "emitter-emit-0",
        "emitter-to-room-0",
        "emitter-to-rooms-except-0",
        "emitter-binary-0",
        "emitter-of-nsp-0",
        "emitter-flags-0",
        "emitter-sockets-join-0",
        "emitter-sockets-join-one-0",
        "emitter-sockets-leave-0",
        "emitter-disconnect-sockets-0",
        "emitter-disconnect-sockets-default-0",
        "emitter-server-side-emit-0",
    ];
    emitter.emit("hello", "world").await.expect("emit");
    emitter.to("room1").emit("ev", 1).await.expect("to");
    // A typed event: same bytes as `emit("ev", {a: 1})`.
    emitter.to("r1").to("r2").except("r3").emit_event(&Point { a: 1 }).await.expect("typed");
    emitter.emit("bin", (Binary::from(vec![1u8, 2, 3]), Binary::from(vec![9u8]))).await.expect("binary");
    emitter.of("custom").to("room9").emit("x", ()).await.expect("of");
    emitter.volatile().compress(true).emit("v", ()).await.expect("flags");
    emitter.in_("a").except("b").sockets_join(["c", "d"]).await.expect("join");
    emitter.sockets_join("c").await.expect("join one");
    emitter.sockets_leave("c").await.expect("leave");
    emitter.in_("nobody").disconnect_sockets(true).await.expect("disconnect");
    emitter.in_("nobody").disconnect_sockets(false).await.expect("disconnect");
    emitter.server_side_emit("hello-server", (1, "two")).await.expect("server side");

    for name in expected {
        let msg = tokio::time::timeout(Duration::from_secs(5), messages.next())
            .await
            .expect("a message")
            .expect("open");
        let channel = msg.get_channel_name().replacen(&key, "KEY", 1);
        let (want_channel, want_payload) = fixture(name);
        assert_eq!(channel, want_channel, "{name}: channel");
        assert_eq!(msg.get_payload_bytes(), want_payload.as_slice(), "{name}: payload");
    }
}

#[tokio::test]
async fn reserved_names_are_refused_and_unreachable_redis_is_an_error() {
    let url = common::redis_url();
    let emitter = Emitter::connect(RedisConfig::new(url)).await.expect("emitter");
    assert!(emitter.emit("connect", ()).await.is_err());
    assert!(emitter.to("r").emit("disconnecting", ()).await.is_err());
    let closed =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let config =
        RedisConfig::new(format!("redis://127.0.0.1:{closed}")).connect_timeout(Duration::from_millis(500));
    let err = Emitter::connect(config).await.expect_err("nothing listens there");
    assert!(err.is_redis(), "{err}");
}
