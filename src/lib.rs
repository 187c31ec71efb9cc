//! A declarative Socket.IO v5 server for Rust.
//!
//! This is the facade crate: it re-exports the runtime ([`socketio_runtime`]) and the
//! macros. See `docs/guide.md` for a tour.

pub use socketio_runtime::*;

/// Scale-out on Redis, in one cluster with Node.js servers (feature `redis`): see the
/// `socketio-redis` crate.
#[cfg(feature = "redis")]
pub use socketio_redis as redis;
