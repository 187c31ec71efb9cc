//! Helpers shared by the integration tests: a server on a free loopback port, a raw
//! HTTP/1.1 client (so malformed and overlapping requests can be sent as they are) and a
//! WebSocket client.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use socketio::engine::{CloseReason, EngineConfig, EngineHandler, EngineSocket, Frame, Message};
use socketio::server::{Cors, Engine, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Echoes every message back; the text `close-me` makes the server close the session.
pub struct Echo;

impl EngineHandler for Echo {
    type Session = EngineSocket;
    fn open(&self, socket: EngineSocket) -> EngineSocket {
        socket
    }
    fn message(&self, socket: &mut EngineSocket, message: Message) {
        let frame = match message {
            Message::Text(t) if t.as_str() == "close-me" => return socket.close(),
            Message::Text(t) => Frame::text(&t),
            Message::Binary(b) => Frame::binary(b),
        };
        let _ = socket.send(frame);
    }
    fn close(&self, _: EngineSocket, _: CloseReason) {}
}

/// A running test server; dropping it stops the server.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    pub done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Triggers the graceful shutdown and waits for `serve` to return.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let result = tokio::time::timeout(Duration::from_secs(10), done).await;
            assert!(matches!(result, Ok(Ok(Ok(())))), "serve returned {result:?}");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Options of the test engine: short timers so heartbeat tests finish quickly.
pub fn fast_config() -> EngineConfig {
    let mut c = EngineConfig::default();
    c.ping_interval = Duration::from_millis(300);
    c.ping_timeout = Duration::from_millis(200);
    c.max_payload = 1_000_000;
    c
}

/// Serves `server` on a free loopback port.
pub async fn serve(server: Server) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(server.serve(listener, async move {
        let _ = stopped.await;
    }));
    TestServer { addr, stop: Some(stop), done: Some(done) }
}

/// An echo engine at `/engine.io` with `config`, any origin allowed.
pub async fn echo_server(config: EngineConfig) -> TestServer {
    serve(Server::new().mount("/engine.io", Engine::new(Echo, config).with_cors(Cors::any()))).await
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends one request on a fresh connection and reads the whole response.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let mut stream = send_request(addr, method, path, headers, body).await;
    read_response(&mut stream).await
}

/// Writes a GET and returns the connection to read its response from later: the
/// request is on the wire before anything the test does next.
pub async fn start_get(addr: SocketAddr, path: &str) -> tokio::task::JoinHandle<HttpResponse> {
    let mut stream = send_request(addr, "GET", path, &[], b"").await;
    tokio::spawn(async move { read_response(&mut stream).await })
}

/// Writes one request on a fresh connection.
pub async fn send_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream
}

/// Reads a response with a Content-Length (what the server always sends).
pub async fn read_response(stream: &mut TcpStream) -> HttpResponse {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the response head: {:?}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    while buf.len() < header_end + len {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed inside the body");
        buf.extend_from_slice(&chunk[..n]);
    }
    HttpResponse { status, headers, body: buf[header_end..header_end + len].to_vec() }
}

pub async fn get(addr: SocketAddr, path: &str) -> HttpResponse {
    request(addr, "GET", path, &[], b"").await
}

pub async fn post(addr: SocketAddr, path: &str, body: &[u8]) -> HttpResponse {
    request(addr, "POST", path, &[("Content-Type", "text/plain;charset=UTF-8")], body).await
}

/// Opens a polling session; returns its sid and the handshake JSON.
pub async fn open_polling(addr: SocketAddr) -> (String, serde_json::Value) {
    let r = get(addr, "/engine.io/?EIO=4&transport=polling").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    assert!(text.starts_with('0'), "{text}");
    let json: serde_json::Value = serde_json::from_str(&text[1..]).unwrap();
    (json["sid"].as_str().unwrap().to_owned(), json)
}

pub fn poll_path(sid: &str) -> String {
    format!("/engine.io/?EIO=4&transport=polling&sid={sid}")
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects a WebSocket to `path`.
pub async fn ws_connect(addr: SocketAddr, path: &str) -> Ws {
    let (ws, response) = tokio_tungstenite::connect_async(format!("ws://{addr}{path}")).await.unwrap();
    assert_eq!(response.status(), 101);
    ws
}

/// Opens a WebSocket session; returns the socket and the handshake JSON.
pub async fn open_ws(addr: SocketAddr) -> (Ws, serde_json::Value) {
    let mut ws = ws_connect(addr, "/engine.io/?EIO=4&transport=websocket").await;
    let open = next_text(&mut ws).await;
    assert!(open.starts_with('0'), "{open}");
    (ws, serde_json::from_str(&open[1..]).unwrap())
}

/// The next data message (text or binary); `None` when the server closed.
pub async fn next_msg(ws: &mut Ws) -> Option<WsMessage> {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("no message within 5 s");
        match m {
            Some(Ok(WsMessage::Text(_) | WsMessage::Binary(_))) => return m.and_then(Result::ok),
            Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// The next text message, skipping pings.
pub async fn next_text(ws: &mut Ws) -> String {
    loop {
        match next_msg(ws).await {
            Some(WsMessage::Text(t)) if t.as_str() == "2" => {
                ws.send(WsMessage::text("3")).await.unwrap();
            }
            Some(WsMessage::Text(t)) => return t.as_str().to_owned(),
            other => panic!("expected text, got {other:?}"),
        }
    }
}

/// Waits for the server to close the WebSocket; returns the close code if one came.
pub async fn wait_closed(ws: &mut Ws) -> Option<u16> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("not closed within 5 s") {
            Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| f.code.into()),
            None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}
