//! A Socket.IO load generator for the many-connections benchmark
//! (`tests/redis/bench-connections.mjs`): holds N websocket sessions on one server,
//! answers every ping, and counts the `"<event>"` events they receive.
//!
//! `sio_loadgen ws://127.0.0.1:3001 <connections> <event> <first-source-octet>`
//!
//! Prints `connected <n> failed <m>` once every session has tried to connect, then
//! `received <count>` each time the count of events changes (at most every 200 ms).
//! Source addresses rotate over 127.0.0.<first>..<first+7>, so one process can hold more
//! sessions than one source address has ephemeral ports.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpSocket;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

async fn session(
    url: String,
    target: SocketAddr,
    source: Ipv4Addr,
    event_prefix: Arc<str>,
    received: Arc<AtomicUsize>,
    opened: tokio::sync::oneshot::Sender<bool>,
) {
    let open = async {
        let socket = TcpSocket::new_v4().ok()?;
        socket.bind(SocketAddr::from((source, 0))).ok()?;
        let stream = socket.connect(target).await.ok()?;
        let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
        let (mut ws, _) =
            tokio_tungstenite::client_async_with_config(url, stream, Some(config)).await.ok()?;
        let _ = ws.next().await?; // the Engine.IO open packet
        ws.send(Message::text("40")).await.ok()?;
        loop {
            match ws.next().await? {
                Ok(Message::Text(t)) if t.starts_with("40") => return Some(ws),
                Ok(Message::Text(t)) if t.as_str() == "2" => ws.send(Message::text("3")).await.ok()?,
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    };
    let Some(mut ws) = open.await else {
        let _ = opened.send(false);
        return;
    };
    let _ = opened.send(true);
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Text(t) = message {
            if t.as_str() == "2" {
                if ws.send(Message::text("3")).await.is_err() {
                    return;
                }
            } else if t.starts_with(&*event_prefix) {
                received.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:3000".to_owned());
    let connections: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let event = args.next().unwrap_or_else(|| "broadcast".to_owned());
    let first: u8 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let target: SocketAddr = base.trim_start_matches("ws://").parse().expect("ws://ip:port");
    let url = format!("{base}/socket.io/?EIO=4&transport=websocket");
    let prefix: Arc<str> = format!("42[\"{event}\"").into();
    let received = Arc::new(AtomicUsize::new(0));
    // Connect at most 256 at a time: the server accepts, not the SYN queue, is the limit.
    let limit = Arc::new(Semaphore::new(256));
    let mut waits = Vec::with_capacity(connections);
    for i in 0..connections {
        let source = Ipv4Addr::new(127, 0, 0, first.wrapping_add((i % 8) as u8));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let permit = limit.clone().acquire_owned().await.expect("semaphore");
        let (url, prefix, received) = (url.clone(), prefix.clone(), received.clone());
        tokio::spawn(async move {
            let (tx2, rx2) = tokio::sync::oneshot::channel();
            let task = tokio::spawn(session(url, target, source, prefix, received, tx2));
            let ok = rx2.await.unwrap_or(false);
            drop(permit);
            let _ = tx.send(ok);
            let _ = task.await;
        });
        waits.push(rx);
    }
    let mut ok = 0;
    for w in waits {
        if w.await.unwrap_or(false) {
            ok += 1;
        }
    }
    println!("connected {ok} failed {}", connections - ok);
    let mut last = usize::MAX;
    loop {
        let now = received.load(Ordering::Relaxed);
        if now != last {
            println!("received {now}");
            last = now;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
