//! The chat demo of the client doc: a browser page at `/` and Socket.IO at `/socket.io`,
//! namespace `/chat`.
//!
//! ```sh
//! scripts/chat.sh                      # installs the browser client, then runs this
//! CHAT_TOKEN=secret scripts/chat.sh    # /chat then wants auth {token: "secret"}
//! PORT=9000 scripts/chat.sh            # another port (8000 by default)
//! ```
//!
//! Several chat processes share one chat room through Redis (`REDIS_URL`), with each
//! other and with Node servers using `@socket.io/redis-adapter`:
//!
//! ```sh
//! REDIS_URL=redis://127.0.0.1:6379 PORT=8000 scripts/chat.sh &
//! REDIS_URL=redis://127.0.0.1:6379 PORT=8001 scripts/chat.sh
//! # open http://127.0.0.1:8000 and http://127.0.0.1:8001: one room
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::Full;
use serde::{Deserialize, Serialize};
use socketio::http;
use socketio::server::{shutdown_signal, Body, Cors, Incoming};
use socketio::{namespace, on, ConnectError, Event, Io, Socket};
use socketio_redis::{RedisCluster, RedisConfig};

/// What a client sends: `chat.emit("chat_message", { text: "Hello" }, ack)`.
#[derive(Deserialize)]
struct ChatMessage {
    text: String,
}

/// What every other client of `/chat` receives.
#[derive(Serialize, Event)]
#[event("chat_message")]
struct Relayed {
    text: String,
    from: String,
}

/// Sent to a client when it joins.
#[derive(Serialize, Event)]
#[event("system_message")]
struct SystemMessage {
    text: String,
}

/// The ack of a `chat_message`.
#[derive(Serialize)]
struct Receipt {
    ok: bool,
    id: usize,
}

/// The `auth` payload a client may send.
#[derive(Deserialize)]
struct Credentials {
    token: Option<String>,
}

/// The `/chat` namespace: its fields are the state every socket shares.
struct Chat {
    /// When set, clients must present this token.
    token: Option<String>,
    sent: AtomicUsize,
}

#[namespace("/chat")]
impl Chat {
    async fn connect(&self, socket: &Socket, auth: Option<Credentials>) -> Result<(), ConnectError> {
        if let Some(expected) = &self.token {
            let given = auth.and_then(|a| a.token);
            if given.as_deref() != Some(expected.as_str()) {
                return Err(ConnectError::new("invalid token"));
            }
        }
        let welcome = format!("Welcome! You are {}.", socket.id());
        let _ = socket.emit_event(&SystemMessage { text: welcome });
        Ok(())
    }

    #[on("chat_message")]
    async fn chat_message(&self, socket: &Socket, message: ChatMessage) -> Result<Receipt, String> {
        if message.text.trim().is_empty() {
            return Err("empty message".to_owned());
        }
        let relayed = Relayed { text: message.text, from: socket.id().to_string() };
        socket.broadcast().emit_event(&relayed).map_err(|e| e.to_string())?;
        Ok(Receipt { ok: true, id: self.sent.fetch_add(1, Ordering::Relaxed) })
    }
}

const PAGE: &str = include_str!("index.html");
const CLIENT: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/examples/chat/node_modules/socket.io-client/dist/socket.io.min.js");

/// The page and the official browser client (installed by `scripts/chat.sh` from npm).
async fn assets(req: http::Request<Incoming>) -> http::Response<Body> {
    let (status, content_type, body) = match req.uri().path() {
        "/" | "/index.html" => (200, "text/html; charset=utf-8", Bytes::from_static(PAGE.as_bytes())),
        "/vendor/socket.io.min.js" => match tokio::fs::read(CLIENT).await {
            Ok(js) => (200, "text/javascript; charset=utf-8", Bytes::from(js)),
            Err(_) => {
                (404, "text/plain", Bytes::from_static(b"run scripts/chat.sh: it installs socket.io-client"))
            }
        },
        _ => (404, "text/plain", Bytes::from_static(b"Not Found")),
    };
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(Full::new(body))
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8000);
    let token = std::env::var("CHAT_TOKEN").ok().filter(|t| !t.is_empty());
    let builder = Io::builder().cors(Cors::any()).register(Chat { token, sent: AtomicUsize::new(0) });
    // With REDIS_URL: a node of the cluster, subscribed before it listens (Redis
    // unreachable at start is an error, not a node silently alone).
    let io = match std::env::var("REDIS_URL") {
        Ok(url) => {
            RedisCluster::build(builder, RedisConfig::new(url)).await.map_err(std::io::Error::other)?
        }
        Err(_) => builder.build(),
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("chat: http://{addr}  (Socket.IO path /socket.io, namespace /chat)");
    io.server().fallback(assets).serve(listener, shutdown_signal()).await
}
