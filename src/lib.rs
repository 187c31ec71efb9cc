//! A declarative Socket.IO v5 server for Rust.
//!
//! This is the facade crate: it re-exports the runtime ([`socketio_runtime`]) and the
//! macros. See `docs/guide.md` for a tour.

pub use socketio_runtime::*;
