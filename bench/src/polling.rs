//! The `polling` mode: Socket.IO echo over HTTP long-polling, one keep-alive
//! connection per client, spoken by hand.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::measure::Meter;
use crate::{finish, join_within, target_of, Args, Measured};

/// A keep-alive HTTP/1.1 connection for the polling mode (Content-Length or chunked
/// responses).
struct Http {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
    host: String,
}

impl Http {
    async fn connect(target: SocketAddr) -> Option<Http> {
        let stream = tokio::net::TcpStream::connect(target).await.ok()?;
        let _ = stream.set_nodelay(true);
        Some(Http { stream, buf: Vec::new(), host: target.to_string() })
    }

    /// Reads more bytes into the buffer; `None` at the end of the stream.
    async fn fill(&mut self) -> Option<()> {
        use tokio::io::AsyncReadExt;
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Some(())
    }

    async fn request(&mut self, method: &str, path: &str, body: &[u8]) -> Option<Vec<u8>> {
        use tokio::io::AsyncWriteExt;
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
            self.host,
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        self.stream.write_all(&req).await.ok()?;
        let end = loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
        self.buf.drain(..end + 4);
        let ok = head.starts_with("http/1.1 200");
        let header = |name: &str| head.lines().find_map(|l| l.strip_prefix(name)).map(str::trim);
        let body = if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
            self.chunked().await?
        } else {
            let len: usize = header("content-length:").and_then(|v| v.parse().ok()).unwrap_or(0);
            while self.buf.len() < len {
                self.fill().await?;
            }
            self.buf.drain(..len).collect()
        };
        ok.then_some(body)
    }

    async fn chunked(&mut self) -> Option<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                self.fill().await?;
            };
            let size_text = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            self.buf.drain(..line_end + 2);
            while self.buf.len() < size + 2 {
                self.fill().await?;
            }
            body.extend(self.buf.drain(..size));
            self.buf.drain(..2);
            if size == 0 {
                return Some(body);
            }
        }
    }
}

/// A polling session that joined the main namespace.
struct PollingSession {
    http: Http,
    url: String,
}

async fn open_polling(target: SocketAddr, path: &str) -> Option<PollingSession> {
    let mut http = Http::connect(target).await?;
    let open = http.request("GET", &format!("{path}?EIO=4&transport=polling"), b"").await?;
    let open = String::from_utf8_lossy(&open).into_owned();
    let sid = open.split("\"sid\":\"").nth(1).and_then(|r| r.split('"').next())?.to_owned();
    let url = format!("{path}?EIO=4&transport=polling&sid={sid}");
    http.request("POST", &url, b"40").await?;
    // Wait for the namespace's CONNECT reply.
    loop {
        let body = http.request("GET", &url, b"").await?;
        if body.split(|&b| b == 0x1e).any(|p| p.starts_with(b"40")) {
            return Some(PollingSession { http, url });
        }
    }
}

/// One polling client: POSTs `window` events at a time, GETs until their replies came.
async fn polling_client(
    mut s: PollingSession,
    messages: usize,
    window: usize,
    request: Arc<str>,
    counter: Arc<AtomicUsize>,
) -> usize {
    let mut received = 0;
    while received < messages {
        let n = window.min(messages - received);
        let batch = vec![&*request; n].join("\x1e");
        if s.http.request("POST", &s.url, batch.as_bytes()).await.is_none() {
            return received;
        }
        let mut got = 0;
        while got < n {
            let Some(body) = s.http.request("GET", &s.url, b"").await else { return received + got };
            for packet in body.split(|&b| b == 0x1e) {
                if packet.starts_with(b"42[\"message-back\"") {
                    got += 1;
                    counter.fetch_add(1, Ordering::Relaxed);
                } else if packet == b"2" && s.http.request("POST", &s.url, b"3").await.is_none() {
                    return received + got;
                }
            }
        }
        received += got;
    }
    received
}

/// `polling`: echo over HTTP long-polling (Socket.IO events, one keep-alive connection
/// per client).
pub(crate) async fn polling(args: Args) {
    let target = target_of(&args.url);
    let path =
        format!("/{}", args.url.trim_start_matches("ws://").split_once('/').map_or("socket.io/", |x| x.1));
    let request: Arc<str> = format!("42[\"message\",\"{}\"]", "x".repeat(args.payload)).into();
    let mut opening = tokio::task::JoinSet::new();
    for _ in 0..args.connections {
        let path = path.clone();
        opening.spawn(async move { open_polling(target, &path).await });
    }
    let mut sessions = Vec::new();
    while let Some(r) = opening.join_next().await {
        match r {
            Ok(Some(s)) => sessions.push(s),
            _ => {
                eprintln!("could not open a polling session");
                std::process::exit(1);
            }
        }
    }
    let counter = Arc::new(AtomicUsize::new(0));
    let meter = Meter::start(args.pid);
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|s| {
            tokio::spawn(polling_client(s, args.messages, args.window, request.clone(), counter.clone()))
        })
        .collect();
    join_within(tasks, args.limit).await;
    let total = counter.load(Ordering::Relaxed);
    let reading = meter.stop();
    let expected = args.messages * args.connections;
    finish(
        &args,
        Measured { mode: "polling", count: total, expected, unit: ("messages", "message"), reading },
    );
}
