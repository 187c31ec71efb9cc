//! `loadgen`: drives a server under test and measures it from `/proc`.
//!
//! ```text
//! loadgen idle --url ws://127.0.0.1:3000/engine.io/ --connections 10000 --pid <server pid> [--sio]
//! ```
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

/// Sends `messages` messages with at most `window` unanswered, counting replies.
async fn echo_client(
    mut ws: Client,
    messages: usize,
    window: usize,
    request: String,
    reply_prefix: String,
) -> usize {
    let mut sent = 0;
    let mut received = 0;
    while received < messages {
        while sent < messages && sent - received < window {
            if ws.feed(Message::text(request.clone())).await.is_err() {
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

async fn echo(args: Args) {
    let target = target_of(&args.url);
    let url = format!("{}?EIO=4&transport=websocket", args.url);
    let text = "x".repeat(args.payload);
    let (request, reply) = if args.sio {
        (format!("42[\"message\",\"{text}\"]"), "42[\"message-back\"".to_owned())
    } else {
        (format!("4{text}"), "4".to_owned())
    };
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
    let cpu_before = args.pid.map(cpu_seconds);
    let start = Instant::now();
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|ws| tokio::spawn(echo_client(ws, args.messages, args.window, request.clone(), reply.clone())))
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = args.pid.map(|p| cpu_seconds(p) - cpu_before.unwrap_or(0.0));
    let mut report = serde_json::json!({
        "mode": "echo",
        "sio": args.sio,
        "connections": args.connections,
        "messages": total,
        "window": args.window,
        "wall_seconds": wall,
        "messages_per_second": (total as f64 / wall).round(),
    });
    if let Some(cpu) = cpu {
        report["server_cpu_seconds"] = cpu.into();
        report["server_cpu_us_per_message"] =
            ((cpu * 1e6 / total.max(1) as f64 * 100.0).round() / 100.0).into();
    }
    println!("{report}");
    std::process::exit(if total == args.messages * args.connections { 0 } else { 1 });
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
        "echo" => echo(args).await,
        _ => usage(),
    }
}
