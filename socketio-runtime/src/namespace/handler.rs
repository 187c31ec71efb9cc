//! The extension point: what a namespace does when a client connects, emits, and leaves.
//! Users implement [`NamespaceHandler`] by hand or with `#[namespace]`.

use std::future::Future;
use std::pin::Pin;

use super::Namespace;
use crate::socket::{Auth, DisconnectReason, IncomingEvent, Socket};

/// A boxed, `Send` future borrowing for `'a` (the return type of the handler methods).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a namespace does. One value serves every socket of its namespace, so it holds
/// the namespace's shared state; per-socket state lives in [`Socket::data`].
///
/// The methods of one socket are called in arrival order. A method whose future
/// completes without waiting runs inline, before the next packet of the client is
/// read; a future that waits is moved to a task of its own, and the socket's next
/// events may then start before it ends.
///
/// ```
/// use socketio_runtime::namespace::{BoxFuture, ConnectError, NamespaceHandler};
/// use socketio_runtime::socket::{Auth, IncomingEvent, Socket};
///
/// /// Echoes every event back as `"<name>-back"`, acknowledging with the same arguments.
/// struct Echo;
///
/// impl NamespaceHandler for Echo {
///     fn connect<'a>(&'a self, _socket: &'a Socket, auth: &'a Auth) -> BoxFuture<'a, Result<(), ConnectError>> {
///         Box::pin(async move {
///             match auth.get::<serde_json::Value>() {
///                 Ok(v) if v.get("banned").is_some() => Err(ConnectError::new("banned")),
///                 _ => Ok(()),
///             }
///         })
///     }
///
///     fn event<'a>(&'a self, socket: &'a Socket, mut event: IncomingEvent) -> BoxFuture<'a, ()> {
///         Box::pin(async move {
///             if let Some(ack) = event.take_ack() {
///                 let _ = ack.send(event.args());
///             } else {
///                 let _ = socket.emit(&format!("{}-back", event.name()), event.args());
///             }
///         })
///     }
/// }
/// ```
pub trait NamespaceHandler: Send + Sync + 'static {
    /// A client asks to join the namespace. `Ok` accepts it: the client gets its
    /// CONNECT reply, then whatever `socket` emitted meanwhile. `Err` refuses it with a
    /// CONNECT_ERROR carrying the error's `message` and `data`.
    ///
    /// The default accepts everyone.
    fn connect<'a>(&'a self, socket: &'a Socket, auth: &'a Auth) -> BoxFuture<'a, Result<(), ConnectError>> {
        let _ = (socket, auth);
        Box::pin(std::future::ready(Ok(())))
    }

    /// The client emitted an event on this namespace.
    fn event<'a>(&'a self, socket: &'a Socket, event: IncomingEvent) -> BoxFuture<'a, ()>;

    /// The socket left the namespace. It has already left its rooms and can no longer
    /// emit. The default does nothing.
    fn disconnect<'a>(&'a self, socket: &'a Socket, reason: DisconnectReason) -> BoxFuture<'a, ()> {
        let _ = (socket, reason);
        Box::pin(std::future::ready(()))
    }

    /// Another server of the cluster emitted an event to namespace `ns` with
    /// [`Namespace::server_side_emit`] (or Node's `serverSideEmit`). When it waits for an
    /// answer, [`IncomingEvent::take_ack`] gives the means to send one (its first
    /// argument travels). Events from other servers are handled in arrival order, as a
    /// socket's are.
    ///
    /// The default ignores them (a sender waiting for an answer then times out, as with
    /// a Node server that has no listener for the event).
    ///
    /// ```
    /// use socketio_runtime::namespace::{BoxFuture, Namespace, NamespaceHandler};
    /// use socketio_runtime::socket::{IncomingEvent, Socket};
    ///
    /// struct Chat;
    ///
    /// impl NamespaceHandler for Chat {
    ///     fn event<'a>(&'a self, _: &'a Socket, _: IncomingEvent) -> BoxFuture<'a, ()> {
    ///         Box::pin(async {})
    ///     }
    ///
    ///     fn server_event<'a>(&'a self, ns: &'a Namespace, mut event: IncomingEvent) -> BoxFuture<'a, ()> {
    ///         Box::pin(async move {
    ///             if event.name() == "local-users?" {
    ///                 if let Some(ack) = event.take_ack() {
    ///                     let _ = ack.send(ns.sockets().len());
    ///                 }
    ///             }
    ///         })
    ///     }
    /// }
    /// ```
    fn server_event<'a>(&'a self, ns: &'a Namespace, event: IncomingEvent) -> BoxFuture<'a, ()> {
        tracing::debug!(ns = ns.name(), event = event.name(), "server-side event with no handler ignored");
        Box::pin(std::future::ready(()))
    }
}

/// A namespace that knows its path: `#[namespace("/chat")]` implements it next to
/// [`NamespaceHandler`], so registering it with [`crate::io::IoBuilder::register`] does not
/// repeat the path.
///
/// ```
/// use socketio_runtime::io::Io;
/// use socketio_runtime::namespace::{BoxFuture, NamespaceHandler, NamespacePath};
/// use socketio_runtime::socket::{IncomingEvent, Socket};
///
/// struct Chat;
/// impl NamespaceHandler for Chat {
///     fn event<'a>(&'a self, _: &'a Socket, _: IncomingEvent) -> BoxFuture<'a, ()> {
///         Box::pin(async {})
///     }
/// }
/// impl NamespacePath for Chat {
///     const PATH: &'static str = "/chat";
/// }
///
/// let io = Io::builder().register(Chat).build();
/// assert!(io.of("/chat").is_some());
/// ```
pub trait NamespacePath {
    /// The namespace's name, as clients write it (`/chat`).
    const PATH: &'static str;
}

/// Why a namespace refused a client: sent as `44[/nsp,]{"message":...,"data":...}`.
/// The JavaScript client raises `connect_error` with `err.message` and `err.data`, and
/// does not retry.
///
/// ```
/// use socketio_runtime::namespace::ConnectError;
/// let e = ConnectError::new("not authorized").with_data(serde_json::json!({"retry": false}));
/// assert_eq!(e.message, "not authorized");
/// assert_eq!(e.to_string(), "not authorized");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectError {
    /// `err.message` on the client.
    pub message: String,
    /// `err.data` on the client.
    pub data: Option<serde_json::Value>,
}

impl ConnectError {
    /// A refusal with a message and no data.
    pub fn new(message: impl Into<String>) -> ConnectError {
        ConnectError { message: message.into(), data: None }
    }

    /// Adds `data` (anything serializable; a value that fails to serialize is dropped).
    pub fn with_data(mut self, data: impl serde::Serialize) -> ConnectError {
        self.data = serde_json::to_value(data).ok();
        self
    }
}

/// The handler of a namespace nobody registered but that always exists: the main
/// namespace `/` accepts every client and ignores its events.
pub(crate) struct AcceptAll;

impl NamespaceHandler for AcceptAll {
    fn event<'a>(&'a self, _socket: &'a Socket, _event: IncomingEvent) -> BoxFuture<'a, ()> {
        Box::pin(std::future::ready(()))
    }
}
