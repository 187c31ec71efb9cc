//! facade

pub use socketio_macros::{fallback, namespace, on, Event};

// Placeholders for the runtime's handler types, until the runtime's namespace layer
// lands on this branch.
pub struct Socket;
pub struct AckSender;
pub struct Attachments;
pub struct Event;
pub struct DisconnectReason;
pub struct Auth;
pub struct State<T>(pub T);
