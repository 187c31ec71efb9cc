//! The floor for per-message cost: a raw tokio-tungstenite server that answers each
//! Socket.IO event frame by swapping the event name (`"message"` → `"message-back"`)
//! and each Engine.IO message by echoing it, one flush per frame. It speaks just enough
//! Engine.IO for the load generator: the open packet, pings every 25 s, pongs ignored.
//!
//! `PORT=3200 floor` (prints `ready` once it listens).

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3200".into());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("ready");
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let config = WebSocketConfig::default().read_buffer_size(4096);
            let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
                return;
            };
            let open = r#"0{"sid":"floor","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
            if ws.send(Message::text(open)).await.is_err() {
                return;
            }
            while let Some(Ok(msg)) = ws.next().await {
                let Message::Text(text) = msg else { continue };
                let reply = if let Some(rest) = text.strip_prefix("42[\"message\"") {
                    format!("42[\"message-back\"{rest}")
                } else if text.as_str() == "40" {
                    r#"40{"sid":"floor"}"#.to_owned()
                } else if text.starts_with('4') {
                    text.as_str().to_owned()
                } else {
                    continue;
                };
                if ws.send(Message::text(reply)).await.is_err() {
                    return;
                }
            }
        });
    }
}
