#![doc = include_str!("../README.md")]
//!
//! This is the facade crate: it re-exports the runtime ([`socketio_runtime`]) and the
//! macros; the [`guide`] is a tour.

pub use socketio_runtime::*;

// The macros, and what their users name in handler signatures.
pub use socketio_macros::{fallback, namespace, on, Event};
pub use socketio_runtime::io::Io;
pub use socketio_runtime::namespace::{ConnectError, NamespaceHandler, NamespacePath};
pub use socketio_runtime::protocol::Binary;
pub use socketio_runtime::socket::{AckSender, Auth, DisconnectReason, Event, IncomingEvent, Socket};

#[doc(hidden)]
pub mod __private;

/// The guide (`docs/guide.md`): its Rust snippets are compiled as doc tests.
#[doc = include_str!("../docs/guide.md")]
pub mod guide {}

/// Scale-out on Redis, in one cluster with Node.js servers (feature `redis`): see the
/// `socketio-redis` crate.
#[cfg(feature = "redis")]
pub use socketio_redis as redis;
