//! The benchmark contract on socketioxide: `PORT=3400 socketioxide-peer` serves
//! Socket.IO at `/socket.io` on 127.0.0.1:$PORT (pingInterval 25 s, pingTimeout 20 s)
//! and prints `ready` once it listens.

use std::io::Write;
use std::time::Duration;

use axum::serve::ListenerExt;
use serde_json::Value;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide::SocketIo;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3400".into());
    let (layer, io) = SocketIo::builder()
        .ping_interval(Duration::from_secs(25))
        .ping_timeout(Duration::from_secs(20))
        .build_layer();
    io.ns("/", async |socket: SocketRef| {
        socket.on("message", async |socket: SocketRef, Data::<Value>(data)| {
            let _ = socket.emit("message-back", &data);
        });
        socket.on("message-with-ack", async |Data::<Value>(data), ack: AckSender| {
            let _ = ack.send(&data);
        });
        socket.on("broadcast", async |io: SocketIo, Data::<Value>(data)| {
            let _ = io.emit("broadcast-back", &data).await;
        });
    });
    let app = axum::Router::new().layer(layer);
    // TCP_NODELAY as the other servers of the suite set it (axum leaves Nagle on).
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    println!("ready");
    std::io::stdout().flush()?;
    axum::serve(listener, app).await
}
