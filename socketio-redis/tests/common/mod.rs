//! The Redis the tests use: `REDIS_URL`, else 127.0.0.1:6379 when it answers, else a
//! private `redis-server` on a free port (Debian's, installed when missing), which a
//! watchdog stops when the test process ends.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn pings(addr: &str) -> bool {
    let Ok(addr) = addr.parse() else { return false };
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

fn redis_server_binary() -> Option<String> {
    let found = |p: &str| std::path::Path::new(p).exists().then(|| p.to_owned());
    found("/usr/bin/redis-server").or_else(|| found("/usr/local/bin/redis-server"))
}

fn start_private() -> String {
    if redis_server_binary().is_none() {
        let apt = |args: &[&str]| {
            Command::new("apt-get").args(args).env("DEBIAN_FRONTEND", "noninteractive").status()
        };
        let _ = apt(&["update", "-qq"]);
        let _ = apt(&["install", "-y", "-qq", "--no-install-recommends", "redis-server"]);
    }
    let binary = redis_server_binary().expect("redis-server is missing and could not be installed");
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let dir = std::env::temp_dir().join(format!("sio-redis-{port}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // The watchdog stops the server when this test process is gone; it outlives this
    // function on purpose.
    let script = format!(
        "{binary} --port {port} --bind 127.0.0.1 --save '' --appendonly no --dir {} & pid=$!; \
         while kill -0 {} 2>/dev/null; do sleep 1; done; kill $pid",
        dir.display(),
        std::process::id()
    );
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn redis-server");
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pings(&addr) {
        assert!(Instant::now() < deadline, "private redis-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    format!("redis://{addr}")
}

/// The URL of the Redis to test against.
pub fn redis_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("REDIS_URL") {
            return url;
        }
        if pings("127.0.0.1:6379") {
            return "redis://127.0.0.1:6379".to_owned();
        }
        start_private()
    })
    .clone()
}

/// A key prefix of this run's own.
pub fn unique_key(label: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("sio-rust-{label}-{}-{nanos}", std::process::id())
}
