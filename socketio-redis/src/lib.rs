#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

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
