//! The handle the layer above Engine.IO (Socket.IO, or an application) holds on a session.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use super::message::{Message, Outgoing};
use super::queue::Queues;
use super::sid::Sid;

/// Why an Engine.IO session ended, in the words of the Node server
/// (`socket.on("close", reason)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client closed (a `1` packet) or its connection went away.
    TransportClose,
    /// The transport failed (an oversize POST, a slow consumer, an overlapping request).
    TransportError,
    /// No pong within `pingTimeout` of a ping.
    PingTimeout,
    /// The client sent something that is not Engine.IO.
    ParseError,
    /// The application closed the session ([`EngineSocket::close`]).
    ForcedClose,
    /// The server is shutting down.
    ServerShuttingDown,
}

impl CloseReason {
    /// The reason as the Node server spells it.
    ///
    /// ```
    /// use socketio_runtime::engine::CloseReason;
    /// assert_eq!(CloseReason::PingTimeout.as_str(), "ping timeout");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ServerShuttingDown => "server shutting down",
        }
    }
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The transport a session currently uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

impl TransportKind {
    /// The name used in the `transport` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::WebSocket => "websocket",
        }
    }
}

/// The HTTP request that opened a session: what Socket.IO calls the handshake.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    /// Request headers.
    pub headers: http::HeaderMap,
    /// The request URI (path and query).
    pub uri: http::Uri,
    /// The peer address, when known.
    pub remote_addr: Option<SocketAddr>,
    /// When the session was opened.
    pub time: SystemTime,
}

impl RequestInfo {
    /// The decoded query parameters (the last value of a repeated key wins, as in Node).
    pub fn query(&self) -> Vec<(String, String)> {
        super::handshake::parse_query(self.uri.query().unwrap_or(""))
    }
}

/// Why a frame could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The session's outbound queue is full: the client does not read fast enough.
    /// The session is closed with [`CloseReason::TransportError`].
    #[error("the outbound queue of the session is full")]
    Full,
    /// The session is closed.
    #[error("the session is closed")]
    Closed,
}

/// What a session's task is asked to do, by the application or by an HTTP request.
pub(crate) enum Control {
    /// Close the session.
    Close(CloseReason),
    /// A polling GET: answer with the queued packets when there are some.
    Poll(tokio::sync::oneshot::Sender<Result<bytes::Bytes, super::EngineError>>),
    /// A polling POST body (already read, within maxPayload).
    Post(bytes::Bytes, tokio::sync::oneshot::Sender<Result<(), super::EngineError>>),
    /// A WebSocket that wants to take the session over (an upgrade).
    Upgrade(Box<crate::transport::websocket::WsStream>),
}

pub(crate) struct Shared {
    pub(crate) sid: Sid,
    pub(crate) request: RequestInfo,
    pub(crate) transport: AtomicU8,
    /// Frames for the client and requests for the session's task.
    pub(crate) queues: Queues,
    /// Bytes queued for the client and not yet taken by the transport.
    pub(crate) queued: AtomicUsize,
    pub(crate) max_queued: usize,
    /// Set while a polling POST is being read: a second one overlapping it is refused.
    pub(crate) post_in_flight: std::sync::atomic::AtomicBool,
}

/// What a queued item counts against the session's budget: its bytes plus a fixed
/// overhead, so that a flood of empty frames is bounded too.
fn cost(out: &Outgoing) -> usize {
    const OVERHEAD: usize = 32;
    match out {
        Outgoing::One(f) => f.len() + OVERHEAD,
        Outgoing::Many(fs) => fs.iter().map(|f| f.len() + OVERHEAD).sum(),
    }
}

/// The receiving end of a session's outbound queue, kept by its task; it gives the
/// bytes it hands out back to the session's budget. Dropping it closes the session's
/// queues.
pub(crate) struct Outbox {
    shared: Arc<Shared>,
}

impl Outbox {
    fn taken(&self, out: Outgoing) -> Outgoing {
        self.shared.queued.fetch_sub(cost(&out), Ordering::Relaxed);
        out
    }

    pub(crate) async fn recv(&self) -> Outgoing {
        let out = self.shared.queues.recv_data().await;
        self.taken(out)
    }

    pub(crate) fn try_recv(&mut self) -> Option<Outgoing> {
        let out = self.shared.queues.pop_data()?;
        Some(self.taken(out))
    }

    /// Takes no more frames; what is queued can still be received.
    pub(crate) fn close(&mut self) {
        self.shared.queues.close_data();
    }

    /// The next request for the session's task.
    pub(crate) async fn recv_control(&self) -> Control {
        self.shared.queues.recv_control().await
    }

    /// A request already queued.
    #[cfg(test)]
    pub(crate) fn try_recv_control(&mut self) -> Option<Control> {
        self.shared.queues.pop_control()
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.shared.queues.close_all();
    }
}

/// A cheap, cloneable handle on one Engine.IO session.
///
/// Sending never waits: a frame goes into the session's outbound queue, which the
/// session's task writes to the transport. The queue is bounded in bytes
/// ([`crate::engine::EngineConfig::max_buffered_bytes`]): a client that lets it fill up
/// is disconnected with `transport error` (see [`SendError::Full`]), so a slow or
/// malicious reader cannot grow the server's memory.
#[derive(Clone)]
pub struct EngineSocket {
    pub(crate) shared: Arc<Shared>,
}

impl EngineSocket {
    /// A handle and the receiving ends its session task (or a test) reads.
    pub(crate) fn new(
        sid: Sid,
        request: RequestInfo,
        transport: TransportKind,
        max_queued: usize,
    ) -> (EngineSocket, Outbox) {
        let shared = Shared {
            sid,
            request,
            transport: AtomicU8::new(transport as u8),
            queues: Queues::default(),
            queued: AtomicUsize::new(0),
            max_queued,
            post_in_flight: Default::default(),
        };
        let shared = Arc::new(shared);
        let outbox = Outbox { shared: shared.clone() };
        (EngineSocket { shared }, outbox)
    }

    /// Asks the session's task to do something; gives the request back when it is gone.
    pub(crate) fn control(&self, control: Control) -> Result<(), Control> {
        self.shared.queues.push_control(control)
    }

    /// The session id (secret to the client: never show it to other clients).
    pub fn sid(&self) -> &Sid {
        &self.shared.sid
    }

    /// The request that opened the session.
    pub fn request(&self) -> &RequestInfo {
        &self.shared.request
    }

    /// The transport in use now.
    pub fn transport(&self) -> TransportKind {
        match self.shared.transport.load(Ordering::Relaxed) {
            0 => TransportKind::Polling,
            _ => TransportKind::WebSocket,
        }
    }

    pub(crate) fn set_transport(&self, kind: TransportKind) {
        self.shared.transport.store(kind as u8, Ordering::Relaxed);
    }

    /// Queues one frame, or several that stay together.
    pub fn send(&self, out: impl Into<Outgoing>) -> Result<(), SendError> {
        self.queue(out.into(), true)
    }

    /// Queues like [`EngineSocket::send`], but a full queue drops `out` and keeps the
    /// session ([`SendError::Full`] says so): for what may be lost (volatile packets).
    pub fn try_send(&self, out: impl Into<Outgoing>) -> Result<(), SendError> {
        self.queue(out.into(), false)
    }

    /// Queues `out` within the session's byte budget; past it, the session is closed
    /// (`close_when_full`) or `out` is dropped.
    fn queue(&self, out: Outgoing, close_when_full: bool) -> Result<(), SendError> {
        let size = cost(&out);
        let before = self.shared.queued.fetch_add(size, Ordering::Relaxed);
        if before + size > self.shared.max_queued {
            self.shared.queued.fetch_sub(size, Ordering::Relaxed);
            if self.is_closed() {
                return Err(SendError::Closed);
            }
            if close_when_full {
                tracing::debug!(sid = %self.shared.sid, queued = before, "outbound queue full: closing the session");
                let _ = self.control(Control::Close(CloseReason::TransportError));
            }
            return Err(SendError::Full);
        }
        self.push(out, size)
    }

    fn push(&self, out: Outgoing, size: usize) -> Result<(), SendError> {
        self.shared.queues.push_data(out).map_err(|_| {
            self.shared.queued.fetch_sub(size, Ordering::Relaxed);
            SendError::Closed
        })
    }

    /// Closes the session from the server side (`forced close`).
    pub fn close(&self) {
        let _ = self.control(Control::Close(CloseReason::ForcedClose));
    }

    /// Whether the session is closed.
    pub fn is_closed(&self) -> bool {
        self.shared.queues.data_closed()
    }
}

impl std::fmt::Debug for EngineSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineSocket")
            .field("sid", &self.shared.sid)
            .field("transport", &self.transport())
            .finish()
    }
}

/// What runs on top of Engine.IO: the Socket.IO layer, or a raw Engine.IO application.
///
/// Its methods are called from the session's own task, in order, one at a time; they
/// must not block. `Session` is the per-session state the handler keeps (the Socket.IO
/// layer keeps the client's namespaces and its binary-packet decoder there).
///
/// ```
/// use socketio_runtime::engine::{CloseReason, EngineHandler, EngineSocket, Frame, Message};
/// /// Echoes every message back.
/// struct Echo;
/// impl EngineHandler for Echo {
///     type Session = EngineSocket;
///     fn open(&self, socket: EngineSocket) -> EngineSocket { socket }
///     fn message(&self, socket: &mut EngineSocket, message: Message) {
///         let frame = match message {
///             Message::Text(t) => Frame::text(&t),
///             Message::Binary(b) => Frame::binary(b),
///         };
///         let _ = socket.send(frame);
///     }
///     fn close(&self, _socket: EngineSocket, _reason: CloseReason) {}
/// }
/// ```
pub trait EngineHandler: Send + Sync + 'static {
    /// State kept per session.
    type Session: Send + 'static;
    /// A session was opened (its handshake is already on its way to the client).
    fn open(&self, socket: EngineSocket) -> Self::Session;
    /// A message arrived.
    fn message(&self, session: &mut Self::Session, message: Message);
    /// The session ended; no other call follows for it.
    fn close(&self, session: Self::Session, reason: CloseReason);
}
