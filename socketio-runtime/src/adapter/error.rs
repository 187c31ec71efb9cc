//! What can go wrong when an operation needs the other servers.

use std::sync::Arc;
use std::time::Duration;

use crate::protocol::{Args, EncodeError};

/// A cluster operation that failed: other servers did not answer in time, or the
/// adapter could not reach them. Cheap to clone.
///
/// ```
/// use std::time::Duration;
/// use socketio_runtime::adapter::AdapterError;
/// let e = AdapterError::timeout("fetchSockets", Duration::from_secs(5));
/// assert!(e.is_timeout());
/// assert_eq!(e.to_string(), "timeout reached while waiting for fetchSockets response (5s)");
/// let e = AdapterError::other(std::io::Error::other("redis is away"));
/// assert!(!e.is_timeout());
/// assert_eq!(e.to_string(), "redis is away");
/// ```
#[derive(Clone, Debug, thiserror::Error)]
#[error(transparent)]
pub struct AdapterError(Kind);

#[derive(Clone, Debug, thiserror::Error)]
enum Kind {
    #[error("timeout reached while waiting for {what} response ({after:?})")]
    Timeout { what: &'static str, after: Duration },
    #[error(transparent)]
    Other(Arc<dyn std::error::Error + Send + Sync>),
}

impl AdapterError {
    /// Some server did not answer request `what` (Node's name for it, as in its message
    /// `timeout reached while waiting for fetchSockets response`) within `after`.
    pub fn timeout(what: &'static str, after: Duration) -> AdapterError {
        AdapterError(Kind::Timeout { what, after })
    }

    /// Any other failure of the adapter (its connection is lost, a request could not be
    /// sent).
    pub fn other(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> AdapterError {
        AdapterError(Kind::Other(Arc::from(source.into())))
    }

    /// Whether some server did not answer in time.
    pub fn is_timeout(&self) -> bool {
        matches!(self.0, Kind::Timeout { .. })
    }
}

/// Why [`Namespace::server_side_emit_with_ack`](crate::namespace::Namespace::server_side_emit_with_ack)
/// (or `server_side_emit`) failed.
///
/// ```
/// use socketio_runtime::adapter::ServerEmitError;
/// use socketio_runtime::protocol::Args;
/// let e = ServerEmitError::Timeout { responses: vec![Args::empty()], expected: 2 };
/// assert_eq!(e.to_string(), "timeout reached: only 1 responses received out of 2");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerEmitError {
    /// Not every other server answered in time (the adapter's requests timeout);
    /// `responses` holds the answers that came, as Node's error does.
    #[error("timeout reached: only {} responses received out of {expected}", responses.len())]
    Timeout {
        /// The answers that came.
        responses: Vec<Args>,
        /// How many servers were expected to answer.
        expected: usize,
    },
    /// The event name is reserved (`connect`, `disconnect`, ...).
    #[error("\"{0}\" is a reserved event name")]
    Reserved(String),
    /// The arguments could not be serialized.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The adapter could not send the event.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
}
