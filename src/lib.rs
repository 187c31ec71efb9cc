//! A declarative Socket.IO v5 server.

pub use socketio_macros::{fallback, namespace, on, Event};

pub use interim::{
    AckSender, AckSlot, Auth, ConnectError, DisconnectReason, EmitEvent, Event, NamespaceHandler,
    Socket,
};
pub use socketio_runtime::protocol::Binary;

mod interim;

#[doc(hidden)]
pub mod __private;
