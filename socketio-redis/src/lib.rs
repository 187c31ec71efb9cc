//! Scale a `socketio` server out over Redis, in one cluster with Node.js servers.
//!
//! This crate speaks the protocol of the official `@socket.io/redis-adapter` 8.x
//! (classic pub/sub, default key `socket.io`) and `@socket.io/redis-emitter` 5.x, so Rust
//! and Node.js nodes share rooms and broadcasts, and either emitter drives both.
//!
//! - [`wire`]: the messages, sans-IO: channel names, MessagePack and JSON payloads,
//!   decoded as untrusted input under [`wire::Limits`].
//! - [`RedisCluster`] and [`RedisAdapter`]: a node of the cluster.
//! - [`Emitter`]: publish to the cluster from any process, with no server.

mod adapter;
mod config;
mod convert;
mod emitter;
mod error;
mod link;
pub mod wire;

pub use adapter::{RedisAdapter, RedisCluster};
pub use config::RedisConfig;
pub use emitter::{BroadcastOperator, Emitter};
pub use error::Error;
