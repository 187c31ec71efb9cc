//! The handle the layer above Engine.IO (Socket.IO, or an application) holds on a session.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;

use super::message::{Message, Outgoing};
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

pub(crate) enum Control {
    Close(CloseReason),
}

pub(crate) struct Shared {
    pub(crate) sid: Sid,
    pub(crate) request: RequestInfo,
    pub(crate) transport: AtomicU8,
    pub(crate) data_tx: mpsc::Sender<Outgoing>,
    pub(crate) control_tx: mpsc::UnboundedSender<Control>,
}

/// A cheap, cloneable handle on one Engine.IO session.
///
/// Sending never waits: a frame goes into the session's bounded outbound queue, which
/// the session's task writes to the transport. A client that lets the queue fill up is
/// disconnected (see [`SendError::Full`]).
#[derive(Clone)]
pub struct EngineSocket {
    pub(crate) shared: Arc<Shared>,
}

impl EngineSocket {
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
        match self.shared.data_tx.try_send(out.into()) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::debug!(sid = %self.shared.sid, "outbound queue full: closing the session");
                let _ = self
                    .shared
                    .control_tx
                    .send(Control::Close(CloseReason::TransportError));
                Err(SendError::Full)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(SendError::Closed),
        }
    }

    /// Closes the session from the server side (`forced close`).
    pub fn close(&self) {
        let _ = self
            .shared
            .control_tx
            .send(Control::Close(CloseReason::ForcedClose));
    }

    /// Whether the session is closed.
    pub fn is_closed(&self) -> bool {
        self.shared.data_tx.is_closed()
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
