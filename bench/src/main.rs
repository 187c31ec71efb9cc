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

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

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
         [--payload BYTES] [--client batched|eager] [--settle-ms MS] [--hold-secs S] \\
         [--source 127.0.0.1 --sources 8]"
    );
    std::process::exit(2)
}

/// A process and its descendants (children listed by `/proc`).
fn process_tree(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        out.push(p);
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else { continue };
        for task in tasks.flatten() {
            if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
            }
        }
    }
    out
}

/// Resident memory of a process and its descendants, in KiB.
fn rss_kib(pid: u32) -> u64 {
    process_tree(pid)
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/status")).ok())
        .filter_map(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .sum()
}

/// CPU time (user + system, every thread) of a process and its descendants, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    use nix::time::{clock_getcpuclockid, clock_gettime};
    use nix::unistd::Pid;
    process_tree(pid)
        .into_iter()
        .filter_map(|p| {
            let clock = clock_getcpuclockid(Pid::from_raw(i32::try_from(p).ok()?)).ok()?;
            let t = clock_gettime(clock).ok()?;
            Some(t.tv_sec() as f64 + t.tv_nsec() as f64 * 1e-9)
        })
        .sum()
}

/// The machine's busy CPU time (every core, every process) from `/proc/stat`, in
/// seconds, and the number of cores.
fn machine_busy_seconds() -> (f64, usize) {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else { return (0.0, 1) };
    let cores = stat.lines().filter(|l| l.starts_with("cpu") && !l.starts_with("cpu ")).count().max(1);
    let busy = stat
        .lines()
        .next()
        .map(|l| {
            let f: Vec<u64> = l.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
            // user nice system idle iowait irq softirq steal: all but idle and iowait.
            [0, 1, 2, 5, 6, 7].iter().filter_map(|&i| f.get(i)).sum::<u64>()
        })
        .unwrap_or(0);
    (busy as f64 / 100.0, cores)
}

/// The load generator's own CPU time, in seconds.
fn own_cpu_seconds() -> f64 {
    use nix::time::{clock_gettime, ClockId};
    clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map(|t| t.tv_sec() as f64 + t.tv_nsec() as f64 * 1e-9)
        .unwrap_or(0.0)
}

/// Measures one phase: wall time, the server's CPU time, and how much of the machine
/// other processes used meanwhile (the machine is shared: figures taken while others
/// were busy are provisional).
struct Meter {
    pid: Option<u32>,
    start: Instant,
    server: f64,
    own: f64,
    busy: f64,
}

/// What a [`Meter`] read.
struct Reading {
    wall: f64,
    cpu: Option<f64>,
    /// CPU time of every other process, as a share of the machine's capacity.
    others: f64,
}

impl Meter {
    fn start(pid: Option<u32>) -> Meter {
        Meter {
            pid,
            server: pid.map_or(0.0, cpu_seconds),
            own: own_cpu_seconds(),
            busy: machine_busy_seconds().0,
            start: Instant::now(),
        }
    }

    fn stop(self) -> Reading {
        let wall = self.start.elapsed().as_secs_f64();
        let cpu = self.pid.map(|p| cpu_seconds(p) - self.server);
        let own = own_cpu_seconds() - self.own;
        let (busy, cores) = machine_busy_seconds();
        let others = (busy - self.busy - own - cpu.unwrap_or(0.0)).max(0.0) / (wall * cores as f64);
        Reading { wall, cpu, others }
    }
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
                Some(Ok(Message::Text(t))) if t.starts_with(reply_prefix.as_str()) => received += 1,
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
            ))
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    let reading = meter.stop();
    let mode = if ack { "ack" } else { "echo" };
    let expected = args.messages * args.connections;
    finish(&args, Measured { mode, count: total, expected, unit: ("messages", "message"), reading });
}

/// `broadcast`: `--connections` receivers; the last opened also sends `--messages`
/// broadcasts, `--window` at a time, pacing itself on its own copies; every receiver
/// counts every `broadcast-back`.
async fn broadcast(args: Args) {
    let text = "x".repeat(args.payload);
    let request = format!("42[\"broadcast\",\"{text}\"]");
    let mut sessions = open_all(&args).await;
    let Some(mut sender) = sessions.pop() else { usage() };
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let expected = args.messages;
    let meter = Meter::start(args.pid);
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
            drop(done);
            // Stay open until everyone is done: a broadcast reaches a fixed audience.
            let _ = tokio::time::timeout(Duration::from_secs(60), ws.next()).await;
        });
    }
    let sender_got = {
        let (mut sent, mut got) = (0, 0);
        'send: while got < expected {
            while sent < expected && sent - got < args.window {
                if sender.feed(Message::text(request.clone())).await.is_err() {
                    break;
                }
                sent += 1;
            }
            let _ = sender.flush().await;
            let mut next = sender.next().await;
            loop {
                match next {
                    Some(Ok(Message::Text(t))) if t.starts_with("42[\"broadcast-back\"") => got += 1,
                    Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                        let _ = sender.feed(Message::text("3")).await;
                    }
                    Some(Ok(_)) => {}
                    _ => break 'send,
                }
                match sender.next().now_or_never() {
                    Some(m) => next = m,
                    None => break,
                }
            }
        }
        got
    };
    drop(done_tx);
    let mut total = sender_got;
    while let Some(n) = done_rx.recv().await {
        total += n;
    }
    let reading = meter.stop();
    let expected = expected * args.connections;
    finish(
        &args,
        Measured { mode: "broadcast", count: total, expected, unit: ("deliveries", "delivery"), reading },
    );
}

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
async fn polling_client(mut s: PollingSession, messages: usize, window: usize, request: Arc<str>) -> usize {
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
async fn polling(args: Args) {
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
    let meter = Meter::start(args.pid);
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|s| tokio::spawn(polling_client(s, args.messages, args.window, request.clone())))
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    let reading = meter.stop();
    let expected = args.messages * args.connections;
    finish(
        &args,
        Measured { mode: "polling", count: total, expected, unit: ("messages", "message"), reading },
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
        "polling" => polling(args).await,
        _ => usage(),
    }
}
