//! The floor for per-message cost: a raw tokio-tungstenite server that answers each
//! Socket.IO event frame by rewriting its head, one flush per frame:
//! - `42["message",…]` → `42["message-back",…]` to the sender;
//! - `42<id>["message-with-ack",…]` → `43<id>[…]` to the sender;
//! - `42["broadcast",…]` → `42["broadcast-back",…]` to every connection (one shared
//!   text, cloned by reference count);
//! - `40` → `40{"sid":"floor"}`, any other Engine.IO message (`4…`) echoed.
//!
//! It speaks just enough Engine.IO for the load generator: the open packet, a ping every
//! 25 s, pongs ignored; no session ids, no timeouts, no parsing of the arguments.
//!
//! `PORT=3200 floor` (prints `ready` once it listens).

use std::io::Write;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

const PING_INTERVAL: Duration = Duration::from_secs(25);

/// The reply to one text frame: to the sender, to everyone, or none.
enum Reply {
    One(String),
    All(String),
    None,
}

fn reply(text: &str) -> Reply {
    if let Some(rest) = text.strip_prefix("42[\"message\"") {
        return Reply::One(format!("42[\"message-back\"{rest}"));
    }
    if let Some(rest) = text.strip_prefix("42[\"broadcast\"") {
        return Reply::All(format!("42[\"broadcast-back\"{rest}"));
    }
    if let Some(rest) = text.strip_prefix("42") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (id, rest) = rest.split_at(digits);
        if let Some(args) = rest.strip_prefix("[\"message-with-ack\"") {
            let args = args.strip_prefix(',').unwrap_or(args);
            return Reply::One(format!("43{id}[{args}"));
        }
        return Reply::None;
    }
    if text == "40" {
        return Reply::One(r#"40{"sid":"floor"}"#.to_owned());
    }
    if text.starts_with('4') {
        return Reply::One(text.to_owned());
    }
    Reply::None
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3200".into());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let (everyone, _) = broadcast::channel::<Utf8Bytes>(4096);
    println!("ready");
    std::io::stdout().flush()?;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let everyone = everyone.clone();
        let mut inbox = everyone.subscribe();
        tokio::spawn(async move {
            let config = WebSocketConfig::default().read_buffer_size(4096);
            let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
                return;
            };
            let open = r#"0{"sid":"floor","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
            if ws.send(Message::text(open)).await.is_err() {
                return;
            }
            let mut ping =
                tokio::time::interval_at(tokio::time::Instant::now() + PING_INTERVAL, PING_INTERVAL);
            loop {
                let out = tokio::select! {
                    m = ws.next() => {
                        let Some(Ok(msg)) = m else { return };
                        let Message::Text(text) = msg else { continue };
                        match reply(text.as_str()) {
                            Reply::One(r) => Message::text(r),
                            Reply::All(r) => {
                                let _ = everyone.send(r.into());
                                continue;
                            }
                            Reply::None => continue,
                        }
                    }
                    b = inbox.recv() => match b {
                        Ok(text) => Message::Text(text),
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = ping.tick() => Message::text("2"),
                };
                if ws.send(out).await.is_err() {
                    return;
                }
            }
        });
    }
}
