//! Why a socket left its namespace.

use crate::engine::CloseReason;

/// Why a socket left its namespace, in the words of the Node server
/// (`socket.on("disconnect", reason)`).
///
/// ```
/// use socketio_runtime::socket::DisconnectReason;
/// use socketio_runtime::engine::CloseReason;
/// assert_eq!(DisconnectReason::from(CloseReason::PingTimeout).as_str(), "ping timeout");
/// assert_eq!(DisconnectReason::ClientNamespaceDisconnect.to_string(), "client namespace disconnect");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The client left the namespace (`socket.disconnect()` on the client, a `41`).
    ClientNamespaceDisconnect,
    /// The server removed the socket ([`Socket::disconnect`](super::Socket::disconnect)).
    ServerNamespaceDisconnect,
    /// The client's connection closed.
    TransportClose,
    /// The client stopped answering pings.
    PingTimeout,
    /// The connection failed (for example, the client did not read fast enough).
    TransportError,
    /// The client sent something that is not Engine.IO.
    ParseError,
    /// The server closed the client's connection (a protocol violation, or
    /// [`Socket::disconnect_and_close`](super::Socket::disconnect_and_close) on another socket of it).
    ForcedClose,
    /// The server is shutting down.
    ServerShuttingDown,
}

impl DisconnectReason {
    /// The reason as the Node server spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ForcedClose => "forced close",
            DisconnectReason::ServerShuttingDown => "server shutting down",
        }
    }
}

impl From<CloseReason> for DisconnectReason {
    fn from(r: CloseReason) -> Self {
        match r {
            CloseReason::TransportClose => DisconnectReason::TransportClose,
            CloseReason::TransportError => DisconnectReason::TransportError,
            CloseReason::PingTimeout => DisconnectReason::PingTimeout,
            CloseReason::ParseError => DisconnectReason::ParseError,
            CloseReason::ForcedClose => DisconnectReason::ForcedClose,
            CloseReason::ServerShuttingDown => DisconnectReason::ServerShuttingDown,
            // `CloseReason` is non-exhaustive: a reason added later is still a close.
            #[allow(unreachable_patterns)]
            _ => DisconnectReason::TransportClose,
        }
    }
}

impl std::fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
