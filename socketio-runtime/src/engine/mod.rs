//! Engine.IO v4: the packet codec, the polling payload codec, request verification and
//! the session state machine. Everything here is sans-IO: plain values fed bytes and
//! time, tested without tokio. The transports in [`crate::transport`] drive it.

mod config;
mod error;
pub(crate) mod handshake;
mod message;
pub mod packet;
pub mod payload;
mod queue;
pub mod session;
mod sid;
mod socket;

pub use config::EngineConfig;
pub use error::EngineError;
pub use message::{Frame, Message, Outgoing, Str};
pub use sid::Sid;
pub use socket::{CloseReason, EngineHandler, EngineSocket, RequestInfo, SendError, TransportKind};
pub(crate) use socket::{Control, Outbox};
