//! The wire format of `@socket.io/redis-adapter` 8.x and `@socket.io/redis-emitter` 5.x,
//! sans-IO: channel names, and the bytes of every message, both ways.
//!
//! There is no written spec; the official sources are it, and the fixtures under
//! `tests/fixtures/` (captured from the official packages by
//! `tests/redis/capture-fixtures.mjs`) pin it. In short, with the default key `socket.io`:
//!
//! | what | channel | payload |
//! | --- | --- | --- |
//! | broadcast | `socket.io#<nsp>#`, or `socket.io#<nsp>#<room>#` for exactly one room | MessagePack `[uid, {type, data, nsp}, {rooms, except, flags}]` ([`BroadcastMessage`]) |
//! | request | `socket.io-request#<nsp>#` | JSON `{uid, requestId, type, …}`; MessagePack for `BROADCAST` ([`Request`]) |
//! | response | `socket.io-response#<nsp>#` (or `…#<uid>#`) | JSON `{requestId, …}`; MessagePack for `BROADCAST_ACK` ([`Response`]) |
//!
//! Everything read here is untrusted (security note E11): decoding checks sizes,
//! counts, depth and types, and returns a [`WireError`], never panics.

mod channel;
mod message;
mod request;
mod value;

pub use channel::{ChannelKind, Channels, DEFAULT_KEY};
pub(crate) use message::event_name;
pub use message::{BroadcastMessage, BroadcastOpts, ClusterPacket, Flags, RoomFilter, EMITTER_UID};
pub use request::{
    Membership, RemoteSocket, Request, RequestBody, RequestType, Response, ResponseBody, Selector,
};
pub use value::Value;

/// Bounds on what a received message may make a node allocate.
///
/// ```
/// use socketio_redis::wire::{Limits, Value, WireError};
/// let tight = Limits::default().max_items(3);
/// // An array announcing 2^32-1 items costs nothing: the items are not there.
/// let err = Value::from_msgpack(&[0xdd, 0xff, 0xff, 0xff, 0xff, 0x01], &tight).unwrap_err();
/// assert!(matches!(err, WireError::Msgpack(_)));
/// let err = Value::from_msgpack(&[0x94, 1, 2, 3, 4], &tight).unwrap_err();
/// assert!(matches!(err, WireError::TooManyItems { limit: 3 }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest message, in bytes (default 16 MiB).
    pub max_message_bytes: usize,
    /// Most values (array items, map keys and values, scalars) in one message
    /// (default 1,048,576).
    pub max_items: usize,
    /// Deepest nesting of arrays and maps (default 128, serde_json's own limit).
    pub max_depth: usize,
    /// Most rooms in a room list of a message (default 100,000).
    pub max_rooms: usize,
}

impl Limits {
    /// Sets [`Limits::max_message_bytes`].
    pub fn max_message_bytes(mut self, n: usize) -> Limits {
        self.max_message_bytes = n;
        self
    }

    /// Sets [`Limits::max_items`].
    pub fn max_items(mut self, n: usize) -> Limits {
        self.max_items = n;
        self
    }

    /// Sets [`Limits::max_depth`].
    pub fn max_depth(mut self, n: usize) -> Limits {
        self.max_depth = n;
        self
    }

    /// Sets [`Limits::max_rooms`].
    pub fn max_rooms(mut self, n: usize) -> Limits {
        self.max_rooms = n;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_message_bytes: 16 << 20, max_items: 1 << 20, max_depth: 128, max_rooms: 100_000 }
    }
}

/// A message that cannot be read.
///
/// ```
/// use socketio_redis::wire::{BroadcastMessage, Limits, WireError};
/// let err = BroadcastMessage::decode(&b"\xc1"[..].into(), &Limits::default()).unwrap_err();
/// assert!(matches!(err, WireError::Msgpack(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// Larger than [`Limits::max_message_bytes`].
    #[error("message of {size} bytes is over the limit of {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// More values than [`Limits::max_items`].
    #[error("message has more than {limit} values")]
    TooManyItems {
        /// The limit.
        limit: usize,
    },
    /// Nested deeper than [`Limits::max_depth`].
    #[error("message is nested deeper than {limit}")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// Not MessagePack.
    #[error("bad MessagePack: {0}")]
    Msgpack(&'static str),
    /// Not JSON.
    #[error("bad JSON: {0}")]
    Json(String),
    /// A field is missing or of the wrong type.
    #[error("bad field `{field}`: {problem}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A request of a type this node does not know.
    #[error("unknown request type {0}")]
    UnknownRequestType(u64),
}

impl WireError {
    pub(crate) fn field(field: &'static str, problem: &'static str) -> WireError {
        WireError::Field { field, problem }
    }
}

/// Decodes a request or response payload: JSON when it starts with `{`, as the official
/// adapter decides, MessagePack otherwise.
pub(crate) fn decode_either(payload: &bytes::Bytes, limits: &Limits) -> Result<Value, WireError> {
    if payload.first() == Some(&b'{') {
        Value::from_json(payload, limits)
    } else {
        Value::from_msgpack_bytes(payload, limits)
    }
}

#[cfg(test)]
mod tests;
