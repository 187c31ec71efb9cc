//! A declarative Socket.IO v5 server for Rust.
//!
//! This is the facade crate: it re-exports the runtime ([`socketio_runtime`]) and the
//! macros. See `docs/guide.md` for a tour.

pub use socketio_runtime::*;

// The macros, and what their users name in handler signatures.
pub use socketio_macros::{fallback, namespace, on, Event};
pub use socketio_runtime::io::Io;
pub use socketio_runtime::namespace::{ConnectError, NamespaceHandler, NamespacePath};
pub use socketio_runtime::protocol::Binary;
pub use socketio_runtime::socket::{AckSender, Auth, DisconnectReason, Event, IncomingEvent, Socket};

#[doc(hidden)]
pub mod __private;
