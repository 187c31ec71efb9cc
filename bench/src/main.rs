//! `loadgen`: drives a server under test and measures it from `/proc`.
//!
//! ```text
//! loadgen idle      --url ws://127.0.0.1:3000/socket.io/ --sio --connections 10000 --pid <server pid>
//! loadgen echo      --url ws://127.0.0.1:3000/socket.io/ --sio --connections 50 --messages 2000 --window 10 --pid <pid>
//! loadgen ack       --url ws://127.0.0.1:3000/socket.io/ --sio --connections 50 --messages 2000 --window 10 --pid <pid>
//! loadgen broadcast --url ws://127.0.0.1:3000/socket.io/ --sio --connections 1000 --messages 200 --window 10 --pid <pid>
//! loadgen polling   --url ws://127.0.0.1:3000/socket.io/ --connections 50 --messages 1000 --window 10 --pid <pid>
//! ```
//!
//! Every mode prints one JSON line (with `--label NAME`, `"server": NAME` in it); with
//! `--pid`, the server's CPU time (user + system of its process tree, in nanoseconds from
//! `clock_getcpuclockid`) over the measured phase, per message or delivery. Sessions are
//! opened before the measured phase starts.
//!
//! `idle` opens N WebSocket sessions (Engine.IO, or Socket.IO with `--sio`: each also
//! connects the main namespace), answers every ping, waits `--settle-ms`, and reports
//! the server's resident memory before and after, per connection. With `--hold-secs S`
//! it then keeps the sessions S more seconds, answering pings, and reports how many are
//! still open and how many pings they answered (the scale test). Local source addresses
//! are rotated (`--source 127.0.0.1 --sources 8`) so more than 28,000 connections fit
//! on one port.

mod measure;
mod polling;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use measure::{rss_kib, Meter, Reading};

struct Args {
    mode: String,
    url: String,
    label: Option<String>,
    connections: usize,
    pid: Option<u32>,
    sio: bool,
    settle: Duration,
    hold: Duration,
    messages: usize,
    window: usize,
    payload: usize,
    source: Ipv4Addr,
    sources: u32,
    batched: bool,
    limit: Duration,
    pace_on_all: bool,
}

fn parse_args() -> Args {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| usage());
    let mut out = Args {
        mode,
        url: "ws://127.0.0.1:3000/engine.io/".into(),
        label: None,
        connections: 1000,
        pid: None,
        sio: false,
        settle: Duration::from_secs(3),
        hold: Duration::ZERO,
        messages: 2000,
        window: 10,
        payload: 16,
        source: Ipv4Addr::new(127, 0, 0, 1),
        sources: 8,
        batched: true,
        limit: Duration::from_secs(120),
        pace_on_all: true,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--url" => out.url = value(),
            "--label" => out.label = Some(value()),
            "--connections" => out.connections = number(&value()),
            "--pid" => out.pid = Some(number(&value())),
            "--settle-ms" => out.settle = Duration::from_millis(number(&value())),
            "--hold-secs" => out.hold = Duration::from_secs(number(&value())),
            "--sio" => out.sio = true,
            "--messages" => out.messages = number(&value()),
            "--window" => out.window = number::<usize>(&value()).max(1),
            "--payload" => out.payload = number(&value()),
            "--source" => out.source = value().parse().unwrap_or_else(|_| usage()),
            "--sources" => out.sources = number::<u32>(&value()).max(1),
            "--limit-secs" => out.limit = Duration::from_secs(number(&value())),
            "--pace" => {
                out.pace_on_all = match value().as_str() {
                    "all" => true,
                    "sender" => false,
                    _ => usage(),
                }
            }
            "--client" => {
                out.batched = match value().as_str() {
                    "batched" => true,
                    "eager" => false,
                    _ => usage(),
                }
            }
            _ => usage(),
        }
    }
    out
}

fn number<T: std::str::FromStr>(text: &str) -> T {
    text.parse().unwrap_or_else(|_| usage())
}

fn usage() -> ! {
    eprintln!(
        "usage: loadgen idle|echo|ack|broadcast|polling --url ws://HOST:PORT/PATH/ [--sio] \\
         [--connections N] [--pid SERVER_PID] [--label NAME] [--messages N] [--window W] \\
         [--payload BYTES] [--client batched|eager] [--pace all|sender] [--limit-secs 120] \\
         [--settle-ms MS] [--hold-secs S] \\
         [--source 127.0.0.1 --sources 8]"
    );
    std::process::exit(2)
}

type Client = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// A small client read buffer: 100,000 clients of the scale test must fit beside the
/// servers.
fn client_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(4096)
}

/// Where the load comes from: `count` addresses from `first` on, round robin.
#[derive(Clone, Copy)]
struct Sources {
    first: Ipv4Addr,
    count: u32,
}

impl Sources {
    fn nth(&self, i: usize) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.first) + (i as u32 % self.count))
    }
}

/// Opens one session (and the main namespace with `sio`), answering pings meanwhile.
async fn open_session(url: &str, target: SocketAddr, source: Ipv4Addr, sio: bool) -> Result<Client, String> {
    let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
    socket.bind(SocketAddr::from((source, 0))).map_err(|e| format!("bind {source}: {e}"))?;
    let stream = socket.connect(target).await.map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(client_config()))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    // The open packet.
    match ws.next().await {
        Some(Ok(Message::Text(t))) if t.starts_with('0') => {}
        other => return Err(format!("no open packet: {other:?}")),
    }
    if sio {
        ws.send(Message::text("40")).await.map_err(|e| format!("send: {e}"))?;
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) if t.starts_with("40") => break,
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                    ws.send(Message::text("3")).await.map_err(|e| format!("send: {e}"))?
                }
                Some(Ok(_)) => {}
                other => return Err(format!("no CONNECT reply: {other:?}")),
            }
        }
    }
    Ok(ws)
}

/// Makes the text of request number `i`.
type MakeRequest = Arc<dyn Fn(usize) -> String + Send + Sync>;

/// Sends `messages` requests with at most `window` unanswered, counting replies.
///
/// A `batched` client takes every reply already received before it refills the window,
/// so one write carries as many requests as replies came in one read; an eager client
/// writes a new request as soon as one reply arrives (a browser emitting events one by
/// one does that).
async fn exchange_client(
    mut ws: Client,
    messages: usize,
    window: usize,
    batched: bool,
    request: MakeRequest,
    reply_prefix: String,
    counter: Arc<AtomicUsize>,
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
        // Wait for one reply, then (batched) take those already received without waiting.
        let mut next = ws.next().await;
        loop {
            match next {
                Some(Ok(Message::Text(t))) if t.starts_with(reply_prefix.as_str()) => {
                    received += 1;
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                    if ws.feed(Message::text("3")).await.is_err() {
                        return received;
                    }
                }
                Some(Ok(_)) => {}
                _ => return received,
            }
            if !batched {
                break;
            }
            match ws.next().now_or_never() {
                Some(m) => next = m,
                None => break,
            }
        }
    }
    received
}

/// Waits for the clients, at most `limit`: a server that loses a reply must not hang the
/// suite (the run then counts fewer messages than expected and is no figure).
async fn join_within<T>(tasks: Vec<tokio::task::JoinHandle<T>>, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    for mut t in tasks {
        if tokio::time::timeout_at(deadline, &mut t).await.is_err() {
            eprintln!("gave up waiting after {} s", limit.as_secs());
            return;
        }
    }
}

/// Opens `--connections` sessions, `PARALLEL` handshakes at a time.
async fn open_all(args: &Args) -> Vec<Client> {
    const PARALLEL: usize = 64;
    let target = target_of(&args.url);
    let url = Arc::new(format!("{}?EIO=4&transport=websocket", args.url));
    let sources = Sources { first: args.source, count: args.sources };
    let mut sessions = Vec::with_capacity(args.connections);
    let mut pending = tokio::task::JoinSet::new();
    for i in 0..args.connections {
        if pending.len() >= PARALLEL {
            sessions.push(joined(pending.join_next().await));
        }
        let (url, sio) = (url.clone(), args.sio);
        pending.spawn(async move { open_session(&url, target, sources.nth(i), sio).await });
    }
    while let Some(r) = pending.join_next().await {
        sessions.push(joined(Some(r)));
    }
    sessions
}

fn joined(r: Option<Result<Result<Client, String>, tokio::task::JoinError>>) -> Client {
    match r {
        Some(Ok(Ok(ws))) => ws,
        Some(Ok(Err(e))) => {
            eprintln!("could not open a session: {e}");
            std::process::exit(1);
        }
        _ => {
            eprintln!("could not open a session");
            std::process::exit(1);
        }
    }
}

/// What one measured phase did.
struct Measured {
    mode: &'static str,
    /// Messages or deliveries counted, and how many were expected.
    count: usize,
    expected: usize,
    /// `messages` or `deliveries`, and the singular.
    unit: (&'static str, &'static str),
    reading: Reading,
}

fn base_report(args: &Args, mode: &str) -> serde_json::Value {
    let mut report = serde_json::json!({
        "mode": mode,
        "sio": args.sio,
        "connections": args.connections,
    });
    if let Some(label) = &args.label {
        report["server"] = label.as_str().into();
    }
    if let Some(load) = load1() {
        report["load1_at_end"] = load.into();
    }
    report
}

fn unix_now() -> f64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (now.as_secs_f64() * 1000.0).round() / 1000.0
}

/// The machine's 1-minute load average: figures taken while it is high are provisional.
fn load1() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

fn finish(args: &Args, m: Measured) -> ! {
    let (plural, singular) = m.unit;
    let Reading { wall, cpu, others } = m.reading;
    let mut report = base_report(args, m.mode);
    report[plural] = m.count.into();
    report["expected"] = m.expected.into();
    report["window"] = args.window.into();
    if matches!(m.mode, "echo" | "ack") {
        report["client"] = if args.batched { "batched" } else { "eager" }.into();
    }
    if m.mode == "broadcast" {
        report["pace"] = if args.pace_on_all { "all" } else { "sender" }.into();
    }
    report["payload"] = args.payload.into();
    report["wall_seconds"] = ((wall * 1e4).round() / 1e4).into();
    report[format!("{plural}_per_second")] = (m.count as f64 / wall).round().into();
    // /proc/stat counts 10 ms ticks: over a shorter phase the share means nothing.
    if wall >= 0.25 {
        report["other_processes_cpu_share"] = ((others.min(1.0) * 1000.0).round() / 1000.0).into();
    }
    if let Some(cpu) = cpu {
        report["server_cpu_seconds"] = ((cpu * 1e6).round() / 1e6).into();
        report[format!("server_cpu_us_per_{singular}")] =
            ((cpu * 1e6 / m.count.max(1) as f64 * 1000.0).round() / 1000.0).into();
    }
    println!("{report}");
    std::process::exit(if m.count == m.expected { 0 } else { 1 });
}

/// `echo` and `ack`: every client sends `--messages` requests, `--window` in flight.
async fn exchange(args: Args, ack: bool) {
    let text = "x".repeat(args.payload);
    let (request, reply): (MakeRequest, String) = match (args.sio, ack) {
        (true, false) => {
            let r = format!("42[\"message\",\"{text}\"]");
            (Arc::new(move |_| r.clone()), "42[\"message-back\"".to_owned())
        }
        (true, true) => {
            (Arc::new(move |i| format!("42{i}[\"message-with-ack\",\"{text}\"]")), "43".to_owned())
        }
        (false, _) => {
            let r = format!("4{text}");
            (Arc::new(move |_| r.clone()), "4".to_owned())
        }
    };
    let sessions = open_all(&args).await;
    let counter = Arc::new(AtomicUsize::new(0));
    let meter = Meter::start(args.pid);
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|ws| {
            tokio::spawn(exchange_client(
                ws,
                args.messages,
                args.window,
                args.batched,
                request.clone(),
                reply.clone(),
                counter.clone(),
            ))
        })
        .collect();
    join_within(tasks, args.limit).await;
    let total = counter.load(Ordering::Relaxed);
    let reading = meter.stop();
    let mode = if ack { "ack" } else { "echo" };
    let expected = args.messages * args.connections;
    finish(&args, Measured { mode, count: total, expected, unit: ("messages", "message"), reading });
}

/// Deliveries counted by every receiver of the broadcast mode, and a wake-up for the
/// sender when they reach what it waits for.
struct Deliveries {
    count: AtomicUsize,
    wanted: AtomicUsize,
    reached: tokio::sync::Notify,
}

impl Deliveries {
    fn add(&self) {
        let n = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        if n >= self.wanted.load(Ordering::Relaxed) {
            self.reached.notify_one();
        }
    }

    /// Waits until `need` deliveries were counted; `false` after `patience` without one.
    async fn reach(&self, need: usize, patience: Duration) -> bool {
        self.wanted.store(need, Ordering::Relaxed);
        while self.count.load(Ordering::Relaxed) < need {
            let before = self.count.load(Ordering::Relaxed);
            if tokio::time::timeout(patience, self.reached.notified()).await.is_err()
                && self.count.load(Ordering::Relaxed) == before
            {
                return false;
            }
        }
        true
    }
}

/// `broadcast`: `--connections` sessions all count every `broadcast-back`; one of them
/// also sends `--messages` broadcasts. With `--pace all` (the default) at most `--window`
/// of them are not yet delivered to every session, so no session's queue holds more
/// than the window; with `--pace sender` the sender only waits for its own copies (a
/// burst: the other sessions' queues grow as far as the server lets them).
async fn broadcast(args: Args) {
    let text = "x".repeat(args.payload);
    let request = format!("42[\"broadcast\",\"{text}\"]");
    let mut sessions = open_all(&args).await;
    let Some(sender) = sessions.pop() else { usage() };
    let (mut sink, sender_stream) = sender.split();
    let counter = || {
        Arc::new(Deliveries {
            count: AtomicUsize::new(0),
            wanted: AtomicUsize::new(usize::MAX),
            reached: Default::default(),
        })
    };
    let (deliveries, own) = (counter(), counter());
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let expected = args.messages;
    let sessions_count = args.connections;
    let meter = Meter::start(args.pid);
    // Every session but the sender answers pings; the sender's stream only counts (the
    // runs are shorter than a ping interval).
    let streams = sessions
        .into_iter()
        .map(|ws| {
            let (sink, stream) = ws.split();
            (Some(sink), stream, None)
        })
        .chain(std::iter::once((None, sender_stream, Some(own.clone()))));
    for (mut pong, mut stream, own) in streams {
        let done = done_tx.clone();
        let deliveries = deliveries.clone();
        tokio::spawn(async move {
            let mut got = 0;
            while got < expected {
                match stream.next().await {
                    Some(Ok(Message::Text(t))) if t.starts_with("42[\"broadcast-back\"") => {
                        got += 1;
                        deliveries.add();
                        if let Some(own) = &own {
                            own.add();
                        }
                    }
                    Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                        if let Some(sink) = &mut pong {
                            let _ = sink.send(Message::text("3")).await;
                        }
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                }
            }
            let _ = done.send(());
            drop(done);
            // Stay open until everyone is done: a broadcast reaches a fixed audience.
            let _ = tokio::time::timeout(Duration::from_secs(60), stream.next()).await;
            drop(pong);
        });
    }
    drop(done_tx);
    // A delivery 10 s late is taken as lost: the run is then no figure.
    let patience = Duration::from_secs(10);
    for k in 0..expected {
        let reached = k < args.window
            || if args.pace_on_all {
                deliveries.reach((k + 1 - args.window) * sessions_count, patience).await
            } else {
                own.reach(k + 1 - args.window, patience).await
            };
        if !reached {
            eprintln!("broadcast: broadcast {} did not reach every session", k + 1 - args.window);
            break;
        }
        if sink.send(Message::text(request.clone())).await.is_err() {
            break;
        }
    }
    let deadline = tokio::time::Instant::now() + patience;
    let mut finished = 0;
    while finished < sessions_count {
        match tokio::time::timeout_at(deadline, done_rx.recv()).await {
            Ok(Some(())) => finished += 1,
            _ => break,
        }
    }
    if finished < sessions_count {
        eprintln!("broadcast: {} of {sessions_count} sessions missed deliveries", sessions_count - finished);
    }
    let total = deliveries.count.load(Ordering::Relaxed);
    let reading = meter.stop();
    let expected = expected * sessions_count;
    finish(
        &args,
        Measured { mode: "broadcast", count: total, expected, unit: ("deliveries", "delivery"), reading },
    );
}

fn target_of(url: &str) -> SocketAddr {
    let authority = url.trim_start_matches("ws://").split('/').next().unwrap_or("127.0.0.1:3000");
    authority.parse().unwrap_or_else(|_| usage())
}

/// Counters of the idle sessions.
#[derive(Default)]
struct IdleStats {
    ready: AtomicUsize,
    open: AtomicUsize,
    pings: AtomicUsize,
}

/// Opens one session and keeps it alive, answering pings, until the process ends.
async fn idle_client(
    url: Arc<String>,
    target: SocketAddr,
    source: Ipv4Addr,
    sio: bool,
    stats: Arc<IdleStats>,
) {
    let mut ws = match open_session(&url, target, source, sio).await {
        Ok(ws) => ws,
        Err(e) => return eprintln!("{e}"),
    };
    stats.ready.fetch_add(1, Ordering::Relaxed);
    stats.open.fetch_add(1, Ordering::Relaxed);
    while let Some(Ok(m)) = ws.next().await {
        if let Message::Text(t) = m {
            if t.as_str() == "2" {
                if ws.send(Message::text("3")).await.is_err() {
                    break;
                }
                stats.pings.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    stats.open.fetch_sub(1, Ordering::Relaxed);
}

async fn idle(args: Args) {
    let target = target_of(&args.url);
    let url = Arc::new(format!("{}?EIO=4&transport=websocket", args.url));
    let sources = Sources { first: args.source, count: args.sources };
    let before = args.pid.map(rss_kib);
    let stats = Arc::new(IdleStats::default());
    let start = Instant::now();
    // At most 256 handshakes in flight: a burst of SYNs beyond the listen backlog only
    // costs retransmission timeouts.
    const IN_FLIGHT: usize = 256;
    for i in 0..args.connections {
        while i - stats.ready.load(Ordering::Relaxed) >= IN_FLIGHT {
            if start.elapsed() > Duration::from_secs(120) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::spawn(idle_client(url.clone(), target, sources.nth(i), args.sio, stats.clone()));
    }
    // Every session open, or no progress for 30 s.
    let mut last = (0, Instant::now());
    while stats.ready.load(Ordering::Relaxed) < args.connections {
        let ready = stats.ready.load(Ordering::Relaxed);
        if ready != last.0 {
            last = (ready, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ready = stats.ready.load(Ordering::Relaxed);
    let opened = start.elapsed();
    tokio::time::sleep(args.settle).await;
    let after = args.pid.map(rss_kib);
    let mut report = base_report(&args, "idle");
    report["connections"] = ready.into();
    report["requested"] = args.connections.into();
    report["open_seconds"] = ((opened.as_secs_f64() * 100.0).round() / 100.0).into();
    if let (Some(b), Some(a)) = (before, after) {
        let per = (a.saturating_sub(b) as f64 * 1024.0) / ready.max(1) as f64;
        report["server_rss_before_kib"] = b.into();
        report["server_rss_after_kib"] = a.into();
        report["server_bytes_per_connection"] = (per.round() as u64).into();
    }
    if !args.hold.is_zero() {
        let pings_before = stats.pings.load(Ordering::Relaxed);
        report["hold_start_unix"] = unix_now().into();
        report["open_at_hold_start"] = stats.open.load(Ordering::Relaxed).into();
        tokio::time::sleep(args.hold).await;
        report["hold_end_unix"] = unix_now().into();
        report["hold_seconds"] = args.hold.as_secs().into();
        report["open_after_hold"] = stats.open.load(Ordering::Relaxed).into();
        report["pings_answered_during_hold"] = (stats.pings.load(Ordering::Relaxed) - pings_before).into();
        if let Some(pid) = args.pid {
            report["server_rss_after_hold_kib"] = rss_kib(pid).into();
        }
    }
    println!("{report}");
    // Sessions end with the process, not one by one.
    std::process::exit(if ready == args.connections { 0 } else { 1 });
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    match args.mode.as_str() {
        "idle" => idle(args).await,
        "echo" => exchange(args, false).await,
        "ack" => exchange(args, true).await,
        "broadcast" => broadcast(args).await,
        "polling" => polling::polling(args).await,
        _ => usage(),
    }
}
