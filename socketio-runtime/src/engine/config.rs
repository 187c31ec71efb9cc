//! Engine.IO options with the Node server's defaults.

use std::time::Duration;

/// Engine.IO options. Defaults are the Node `engine.io` server's.
///
/// ```
/// use socketio_runtime::engine::EngineConfig;
/// use std::time::Duration;
/// let c = EngineConfig::default();
/// assert_eq!(c.ping_interval, Duration::from_millis(25_000));
/// assert_eq!(c.max_payload, 1_000_000);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EngineConfig {
    /// Interval between two pings (`pingInterval`, 25 s).
    pub ping_interval: Duration,
    /// How long a pong may take (`pingTimeout`, 20 s).
    pub ping_timeout: Duration,
    /// How long an upgrade may take between probe and `5` (`upgradeTimeout`, 10 s).
    pub upgrade_timeout: Duration,
    /// Largest POST body and largest WebSocket message, in bytes (`maxHttpBufferSize`, 1e6).
    pub max_payload: usize,
    /// Whether the polling transport is enabled.
    pub polling: bool,
    /// Whether the WebSocket transport is enabled.
    pub websocket: bool,
    /// Whether polling sessions may upgrade to WebSocket (`allowUpgrades`).
    pub allow_upgrades: bool,
    /// Bytes a session may have queued for its client (each frame counts its length
    /// plus 32) before it is closed as too slow; 4 × `max_payload` by default. Node has
    /// no such bound.
    pub max_buffered_bytes: usize,
    /// Node's `cookie` option: when set, the handshake response sets a cookie of this
    /// name (`io` in Node) holding the sid (`Path=/; HttpOnly; SameSite=Lax`), so that a
    /// load balancer can keep a polling session on one node. Off by default.
    pub cookie: Option<String>,
    /// Read buffer of each WebSocket, in bytes (2 KiB; tokio-tungstenite grows it while a
    /// larger message arrives). Most of an idle session's memory is this buffer.
    pub ws_read_buffer: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            upgrade_timeout: Duration::from_millis(10_000),
            max_payload: 1_000_000,
            polling: true,
            websocket: true,
            allow_upgrades: true,
            max_buffered_bytes: 4_000_000,
            ws_read_buffer: 2048,
            cookie: None,
        }
    }
}
