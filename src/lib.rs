//! A declarative Socket.IO v5 server for Rust.
//!
//! This is the facade crate: it re-exports the runtime ([`socketio_runtime`]) and the
//! macros. See `docs/guide.md` for a tour.

pub use socketio_runtime::*;

// The macros, and what their users name in handler signatures.
pub use socketio_macros::{fallback, namespace, on, Event};
pub use socketio_runtime::io::Io;
pub use socketio_runtime::namespace::{ConnectError, NamespaceHandler};
pub use socketio_runtime::protocol::Binary;
pub use socketio_runtime::socket::{AckSender, Auth, DisconnectReason, Event, IncomingEvent, Socket};

/// A namespace that knows its path: `#[namespace("/chat")]` implements it next to
/// [`NamespaceHandler`], so registering it does not repeat the path.
///
/// ```
/// use socketio::{namespace, Io, NamespacePath};
///
/// struct Chat;
///
/// #[namespace("/chat")]
/// impl Chat {}
///
/// let io = Io::builder().namespace(Chat::PATH, Chat).build();
/// assert!(io.of("/chat").is_some());
/// ```
pub trait NamespacePath {
    /// The path given to `#[namespace]`.
    const PATH: &'static str;
}

#[doc(hidden)]
pub mod __private;
