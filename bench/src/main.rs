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
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--url" => out.url = value(),
            "--connections" => out.connections = value().parse().unwrap_or_else(|_| usage()),
            "--pid" => out.pid = Some(value().parse().unwrap_or_else(|_| usage())),
            "--settle-ms" => out.settle = Duration::from_millis(value().parse().unwrap_or_else(|_| usage())),
            "--sio" => out.sio = true,
            _ => usage(),
        }
    }
    out
}

fn usage() -> ! {
    eprintln!("usage: loadgen idle --url ws://HOST:PORT/PATH/ --connections N --pid SERVER_PID [--sio] [--settle-ms MS]");
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

/// Opens one session and keeps it alive until the process ends.
async fn idle_client(url: String, target: SocketAddr, source: Ipv4Addr, sio: bool, ready: tokio::sync::mpsc::Sender<()>) {
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
    let authority = args
        .url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:3000")
        .to_owned();
    let target: SocketAddr = authority.parse().unwrap_or_else(|_| usage());
    let query = if args.sio { "?EIO=4&transport=websocket" } else { "?EIO=4&transport=websocket" };
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
        _ => usage(),
    }
}
