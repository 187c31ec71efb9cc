//! `loadgen`: drives a server under test and measures it from `/proc`.
//!
//! ```text
//! loadgen idle      --url ws://127.0.0.1:3000/engine.io/ --connections 10000 --pid <server pid> [--sio]
//! loadgen echo      --url ws://127.0.0.1:3000/socket.io/ --sio --connections 50 --messages 2000 --window 10 --pid <pid>
//! loadgen ack       --url ws://127.0.0.1:3000/socket.io/ --sio --connections 50 --messages 2000 --window 10 --pid <pid>
//! loadgen broadcast --url ws://127.0.0.1:3000/socket.io/ --sio --connections 1000 --messages 200 --window 10 --pid <pid>
//! loadgen polling   --url ws://127.0.0.1:3000/socket.io/ --connections 50 --messages 1000 --window 10 --pid <pid>
//! ```
//!
//! Every mode prints one JSON line; with `--pid`, the server's CPU time (user + system,
//! its process tree, from `/proc`) over the measured phase, per message or delivery.
//!
//! `idle` opens N WebSocket sessions (Engine.IO, or Socket.IO with `--sio`: each also
//! connects the main namespace), answers every ping, waits two ping intervals, and
//! reports the server's resident memory before and after, per connection. Local source
//! addresses 127.0.0.x are rotated so more than 28,000 connections fit on one port.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;

struct Args {
    mode: String,
    url: String,
    connections: usize,
    pid: Option<u32>,
    sio: bool,
    settle: Duration,
    messages: usize,
    window: usize,
    payload: usize,
}

fn parse_args() -> Args {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| usage());
    let mut out = Args {
        mode,
        url: "ws://127.0.0.1:3000/engine.io/".into(),
        connections: 1000,
        pid: None,
        sio: false,
        settle: Duration::from_secs(3),
        messages: 2000,
        window: 10,
        payload: 16,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--url" => out.url = value(),
            "--connections" => out.connections = value().parse().unwrap_or_else(|_| usage()),
            "--pid" => out.pid = Some(value().parse().unwrap_or_else(|_| usage())),
            "--settle-ms" => out.settle = Duration::from_millis(value().parse().unwrap_or_else(|_| usage())),
            "--sio" => out.sio = true,
            "--messages" => out.messages = value().parse().unwrap_or_else(|_| usage()),
            "--window" => out.window = value().parse().unwrap_or_else(|_| usage()),
            "--payload" => out.payload = value().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    out
}

fn usage() -> ! {
    eprintln!(
        "usage: loadgen idle|echo --url ws://HOST:PORT/PATH/ --connections N --pid SERVER_PID [--sio] \\
         [--settle-ms MS] [--messages N] [--window W] [--payload BYTES]"
    );
    std::process::exit(2)
}

/// Resident memory of a process and its children, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let mut total = 0;
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{p}/status")) {
            total += status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")) {
            stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    total
}

/// CPU time (user + system) of a process and its children, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let mut ticks = 0u64;
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
            // Fields after the command name, which is in parentheses and may hold spaces.
            if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
                let fields: Vec<&str> = rest.split_whitespace().collect();
                // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
                ticks += fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                ticks += fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            }
        }
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")) {
            stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    ticks as f64 / 100.0
}

type Client = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Opens one session (and the main namespace with `sio`), answering pings meanwhile.
async fn open_session(url: &str, target: SocketAddr, source: Ipv4Addr, sio: bool) -> Option<Client> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::from((source, 0))).ok()?;
    let stream = socket.connect(target).await.ok()?;
    let _ = stream.set_nodelay(true);
    let (mut ws, _) = tokio_tungstenite::client_async(url, stream).await.ok()?;
    let _ = ws.next().await;
    if sio {
        ws.send(Message::text("40")).await.ok()?;
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) if t.starts_with("40") => break,
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => ws.send(Message::text("3")).await.ok()?,
                Some(Ok(_)) => {}
                _ => return None,
            }
        }
    }
    Some(ws)
}

/// Makes the text of request number `i`.
type MakeRequest = std::sync::Arc<dyn Fn(usize) -> String + Send + Sync>;

/// Sends `messages` requests with at most `window` unanswered, counting replies.
async fn exchange_client(
    mut ws: Client,
    messages: usize,
    window: usize,
    request: MakeRequest,
    reply_prefix: String,
) -> usize {
    let mut sent = 0;
    let mut received = 0;
    while received < messages {
        while sent < messages && sent - received < window {
            if ws.feed(Message::text(request(sent))).await.is_err() {
                return received;
            }
            sent += 1;
        }
        if ws.flush().await.is_err() {
            return received;
        }
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.starts_with(reply_prefix.as_str()) => received += 1,
            Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                if ws.send(Message::text("3")).await.is_err() {
                    return received;
                }
            }
            Some(Ok(_)) => {}
            _ => return received,
        }
    }
    received
}

async fn open_all(args: &Args) -> Vec<Client> {
    let target = target_of(&args.url);
    let url = format!("{}?EIO=4&transport=websocket", args.url);
    let mut sessions = Vec::new();
    for i in 0..args.connections {
        let source = Ipv4Addr::new(127, 0, 0, 1 + (i % 8) as u8);
        match open_session(&url, target, source, args.sio).await {
            Some(ws) => sessions.push(ws),
            None => {
                eprintln!("could not open session {i}");
                std::process::exit(1);
            }
        }
    }
    sessions
}

fn finish(
    args: &Args,
    mode: &str,
    count: usize,
    expected: usize,
    wall: f64,
    cpu: Option<f64>,
    unit: &str,
) -> ! {
    let mut report = serde_json::json!({
        "mode": mode,
        "sio": args.sio,
        "connections": args.connections,
        unit: count,
        "window": args.window,
        "wall_seconds": wall,
        format!("{unit}_per_second"): (count as f64 / wall).round(),
    });
    if let Some(cpu) = cpu {
        report["server_cpu_seconds"] = cpu.into();
        report[format!("server_cpu_us_per_{}", unit.trim_end_matches('s'))] =
            ((cpu * 1e6 / count.max(1) as f64 * 100.0).round() / 100.0).into();
    }
    println!("{report}");
    std::process::exit(if count == expected { 0 } else { 1 });
}

/// `echo` and `ack`: every client sends `--messages` requests, `--window` in flight.
async fn exchange(args: Args, ack: bool) {
    let text = "x".repeat(args.payload);
    let (request, reply): (MakeRequest, String) = match (args.sio, ack) {
        (true, false) => {
            let r = format!("42[\"message\",\"{text}\"]");
            (std::sync::Arc::new(move |_| r.clone()), "42[\"message-back\"".to_owned())
        }
        (true, true) => {
            (std::sync::Arc::new(move |i| format!("42{i}[\"message-with-ack\",\"{text}\"]")), "43".to_owned())
        }
        (false, _) => {
            let r = format!("4{text}");
            (std::sync::Arc::new(move |_| r.clone()), "4".to_owned())
        }
    };
    let sessions = open_all(&args).await;
    let cpu_before = args.pid.map(cpu_seconds);
    let start = Instant::now();
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|ws| {
            tokio::spawn(exchange_client(ws, args.messages, args.window, request.clone(), reply.clone()))
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = args.pid.map(|p| cpu_seconds(p) - cpu_before.unwrap_or(0.0));
    finish(
        &args,
        if ack { "ack" } else { "echo" },
        total,
        args.messages * args.connections,
        wall,
        cpu,
        "messages",
    );
}

/// `broadcast`: `--connections` receivers; the first also sends `--messages` broadcasts,
/// `--window` at a time; every receiver counts every `broadcast-back`.
async fn broadcast(args: Args) {
    let text = "x".repeat(args.payload);
    let request = format!("42[\"broadcast\",\"{text}\"]");
    let mut sessions = open_all(&args).await;
    let Some(mut sender) = sessions.pop() else { usage() };
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let expected = args.messages;
    let cpu_before = args.pid.map(cpu_seconds);
    let start = Instant::now();
    for mut ws in sessions {
        let done = done_tx.clone();
        tokio::spawn(async move {
            let mut got = 0;
            while got < expected {
                match ws.next().await {
                    Some(Ok(Message::Text(t))) if t.starts_with("42[\"broadcast-back\"") => got += 1,
                    Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                        let _ = ws.send(Message::text("3")).await;
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                }
            }
            let _ = done.send(got);
        });
    }
    // The sender receives its own broadcasts too: it paces itself on them.
    let sender_got = {
        let (mut sent, mut got) = (0, 0);
        while got < expected {
            while sent < expected && sent - got < args.window {
                if sender.feed(Message::text(request.clone())).await.is_err() {
                    break;
                }
                sent += 1;
            }
            let _ = sender.flush().await;
            match sender.next().await {
                Some(Ok(Message::Text(t))) if t.starts_with("42[\"broadcast-back\"") => got += 1,
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                    let _ = sender.send(Message::text("3")).await;
                }
                Some(Ok(_)) => {}
                _ => break,
            }
        }
        got
    };
    drop(done_tx);
    let mut total = sender_got;
    while let Some(n) = done_rx.recv().await {
        total += n;
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = args.pid.map(|p| cpu_seconds(p) - cpu_before.unwrap_or(0.0));
    finish(&args, "broadcast", total, expected * args.connections, wall, cpu, "deliveries");
}

/// A keep-alive HTTP/1.1 connection for the polling mode.
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

    async fn request(&mut self, method: &str, path: &str, body: &[u8]) -> Option<Vec<u8>> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
            self.host,
            body.len()
        );
        self.stream.write_all(head.as_bytes()).await.ok()?;
        self.stream.write_all(body).await.ok()?;
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if self.buf.len() >= end + 4 + len {
                    let body = self.buf[end + 4..end + 4 + len].to_vec();
                    self.buf.drain(..end + 4 + len);
                    return head.starts_with("http/1.1 200").then_some(body);
                }
            }
            let n = self.stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// One polling client: POSTs `window` events at a time, GETs until their replies came.
async fn polling_client(
    target: SocketAddr,
    path: String,
    messages: usize,
    window: usize,
    request: String,
) -> usize {
    let Some(mut http) = Http::connect(target).await else { return 0 };
    let Some(open) = http.request("GET", &format!("{path}?EIO=4&transport=polling"), b"").await else {
        return 0;
    };
    let open = String::from_utf8_lossy(&open).into_owned();
    let Some(sid) = open.split("\"sid\":\"").nth(1).and_then(|r| r.split('"').next()).map(str::to_owned)
    else {
        return 0;
    };
    let url = format!("{path}?EIO=4&transport=polling&sid={sid}");
    if http.request("POST", &url, b"40").await.is_none() {
        return 0;
    }
    // Wait for the namespace's CONNECT reply.
    loop {
        let Some(body) = http.request("GET", &url, b"").await else { return 0 };
        if body.starts_with(b"40") || body.windows(3).any(|w| w == b"\x1e40") {
            break;
        }
    }
    let mut received = 0;
    while received < messages {
        let n = window.min(messages - received);
        let batch = vec![request.as_str(); n].join("\x1e");
        if http.request("POST", &url, batch.as_bytes()).await.is_none() {
            return received;
        }
        let mut got = 0;
        while got < n {
            let Some(body) = http.request("GET", &url, b"").await else { return received + got };
            for packet in body.split(|&b| b == 0x1e) {
                if packet.starts_with(b"42[\"message-back\"") {
                    got += 1;
                } else if packet == b"2" && http.request("POST", &url, b"3").await.is_none() {
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
async fn polling(args: Args) {
    let target = target_of(&args.url);
    let path =
        format!("/{}", args.url.trim_start_matches("ws://").split_once('/').map_or("socket.io/", |x| x.1));
    let request = format!("42[\"message\",\"{}\"]", "x".repeat(args.payload));
    let cpu_before = args.pid.map(cpu_seconds);
    let start = Instant::now();
    let tasks: Vec<_> = (0..args.connections)
        .map(|_| {
            tokio::spawn(polling_client(target, path.clone(), args.messages, args.window, request.clone()))
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = args.pid.map(|p| cpu_seconds(p) - cpu_before.unwrap_or(0.0));
    finish(&args, "polling", total, args.messages * args.connections, wall, cpu, "messages");
}

fn target_of(url: &str) -> SocketAddr {
    let authority = url.trim_start_matches("ws://").split('/').next().unwrap_or("127.0.0.1:3000");
    authority.parse().unwrap_or_else(|_| usage())
}

/// Opens one session and keeps it alive until the process ends.
async fn idle_client(
    url: String,
    target: SocketAddr,
    source: Ipv4Addr,
    sio: bool,
    ready: tokio::sync::mpsc::Sender<()>,
) {
    let socket = match TcpSocket::new_v4() {
        Ok(s) => s,
        Err(e) => return eprintln!("socket: {e}"),
    };
    if let Err(e) = socket.bind(SocketAddr::from((source, 0))) {
        return eprintln!("bind {source}: {e}");
    }
    let stream = match socket.connect(target).await {
        Ok(s) => s,
        Err(e) => return eprintln!("connect: {e}"),
    };
    let (mut ws, _) = match tokio_tungstenite::client_async(url.as_str(), stream).await {
        Ok(ws) => ws,
        Err(e) => return eprintln!("handshake: {e}"),
    };
    // The open packet, then (Socket.IO) the namespace connect.
    let _ = ws.next().await;
    if sio {
        if ws.send(Message::text("40")).await.is_err() {
            return;
        }
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) if t.starts_with("40") => break,
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                    let _ = ws.send(Message::text("3")).await;
                }
                Some(Ok(_)) => {}
                _ => return,
            }
        }
    }
    let _ = ready.send(()).await;
    while let Some(Ok(m)) = ws.next().await {
        if let Message::Text(t) = m {
            if t.as_str() == "2" && ws.send(Message::text("3")).await.is_err() {
                return;
            }
        }
    }
}

async fn idle(args: Args) {
    let authority =
        args.url.trim_start_matches("ws://").split('/').next().unwrap_or("127.0.0.1:3000").to_owned();
    let target: SocketAddr = authority.parse().unwrap_or_else(|_| usage());
    let query = "?EIO=4&transport=websocket";
    let url = format!("{}{query}", args.url);
    let before = args.pid.map(rss_kib);
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let start = Instant::now();
    for i in 0..args.connections {
        // 127.0.0.1 .. 127.0.0.8, so each source address holds at most ~12,500 ports.
        let source = Ipv4Addr::new(127, 0, 0, 1 + (i % 8) as u8);
        tokio::spawn(idle_client(url.clone(), target, source, args.sio, tx.clone()));
        if i % 256 == 255 {
            tokio::task::yield_now().await;
        }
    }
    drop(tx);
    let mut ready = 0;
    while ready < args.connections {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some(())) => ready += 1,
            _ => break,
        }
    }
    let opened = start.elapsed();
    tokio::time::sleep(args.settle).await;
    let after = args.pid.map(rss_kib);
    let mut report = serde_json::json!({
        "mode": "idle",
        "sio": args.sio,
        "connections": ready,
        "requested": args.connections,
        "open_seconds": opened.as_secs_f64(),
    });
    if let (Some(b), Some(a)) = (before, after) {
        let per = (a.saturating_sub(b) as f64 * 1024.0) / ready.max(1) as f64;
        report["server_rss_before_kib"] = b.into();
        report["server_rss_after_kib"] = a.into();
        report["server_bytes_per_connection"] = (per.round() as u64).into();
    }
    println!("{report}");
    // Sessions end with the process, not one by one.
    std::process::exit(0);
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    match args.mode.as_str() {
        "idle" => idle(args).await,
        "echo" => exchange(args, false).await,
        "ack" => exchange(args, true).await,
        "broadcast" => broadcast(args).await,
        "polling" => polling(args).await,
        _ => usage(),
    }
}
