//! Errors.

use std::time::Duration;

use crate::wire::WireError;

/// Why a cluster operation failed.
///
/// ```
/// use socketio_redis::Error;
/// let e = Error::Timeout { what: "fetchSockets", after: std::time::Duration::from_secs(5) };
/// assert!(e.is_timeout());
/// assert_eq!(e.to_string(), "timeout reached while waiting for fetchSockets response (5s)");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Redis could not be reached or refused a command.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// The other nodes did not all answer in time (Node's `requestsTimeout`).
    #[error("timeout reached while waiting for {what} response ({after:?})")]
    Timeout {
        /// The request.
        what: &'static str,
        /// How long we waited.
        after: Duration,
    },
    /// A message could not be built or read.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The arguments could not be encoded as a Socket.IO packet.
    #[error("cannot encode the event: {0}")]
    Encode(String),
    /// The node's connection to Redis is shut down.
    #[error("the redis connection is closed")]
    Closed,
    /// A namespace's adapter could not start (subscribe to its channels).
    #[error(transparent)]
    Adapter(#[from] socketio_runtime::adapter::AdapterError),
}

impl Error {
    /// Whether the other nodes did not answer in time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether Redis itself failed (unreachable, refused).
    pub fn is_redis(&self) -> bool {
        matches!(self, Error::Redis(_))
    }
}
