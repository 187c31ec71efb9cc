//! Namespaces: the handler of each, its sockets, and what can be sent to them from
//! anywhere.

mod handler;
mod operators;
mod pattern;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Serialize;

pub(crate) use handler::AcceptAll;
pub use handler::{BoxFuture, ConnectError, NamespaceHandler, NamespacePath};
pub use operators::{BroadcastOperators, FetchedSocket};
pub use pattern::{NamespacePattern, PatternError};

use crate::adapter::{Adapter, AdapterFactory, BroadcastOptions, IntoRooms, LocalNamespace, Room};
use crate::engine::Sid;
use crate::protocol::MAX_ACK_ID;
use crate::socket::{AckResponse, BroadcastAckError, EmitError, Event, Socket};

/// A namespace: cheap to clone, usable from any task.
///
/// Emitting from a namespace reaches its sockets (every server's, with a cluster
/// adapter); [`Namespace::to`] and [`Namespace::except`] narrow that down to rooms.
///
/// ```
/// # use socketio_runtime::namespace::Namespace;
/// # fn f(chat: &Namespace) -> Result<(), socketio_runtime::socket::EmitError> {
/// chat.emit("announcement", "maintenance at noon")?;
/// chat.to("room-1").except("muted").emit("message", ("bob", "hi"))?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Namespace(Arc<NsInner>);

pub(crate) struct NsInner {
    name: Box<str>,
    handler: Arc<dyn NamespaceHandler>,
    adapter: Arc<dyn Adapter>,
    sockets: RwLock<HashMap<Sid, Socket>>,
    ack_ids: AtomicU64,
    ack_timeout: Duration,
    /// The values of a dynamic namespace's placeholders (`id` = `42` for `/room-{id}`).
    params: Vec<(String, String)>,
}

impl Namespace {
    pub(crate) fn new(
        name: &str,
        handler: Arc<dyn NamespaceHandler>,
        adapter: &AdapterFactory,
        ack_timeout: Duration,
    ) -> Namespace {
        Namespace(Arc::new_cyclic(|weak| NsInner {
            name: name.into(),
            handler,
            adapter: adapter(LocalNamespace(weak.clone())),
            sockets: RwLock::default(),
            ack_ids: AtomicU64::new(0),
            ack_timeout,
            params: Vec::new(),
        }))
    }

    /// A namespace made on demand for a name that matched a dynamic pattern.
    pub(crate) fn child(
        name: &str,
        handler: Arc<dyn NamespaceHandler>,
        adapter: &AdapterFactory,
        ack_timeout: Duration,
        params: Vec<(String, String)>,
    ) -> Namespace {
        Namespace(Arc::new_cyclic(|weak| NsInner {
            name: name.into(),
            handler,
            adapter: adapter(LocalNamespace(weak.clone())),
            sockets: RwLock::default(),
            ack_ids: AtomicU64::new(0),
            ack_timeout,
            params,
        }))
    }

    pub(crate) fn from_inner(inner: Arc<NsInner>) -> Namespace {
        Namespace(inner)
    }

    /// The name (`/`, `/chat`, ...).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The value of a placeholder of the dynamic pattern this namespace matched: for a
    /// namespace registered as `/room-{id}` and opened as `/room-42`, `param("id")` is
    /// `Some("42")`. `None` for a static namespace.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.0.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every placeholder value, in pattern order.
    pub fn params(&self) -> &[(String, String)] {
        &self.0.params
    }

    /// The adapter.
    pub fn adapter(&self) -> &Arc<dyn Adapter> {
        &self.0.adapter
    }

    pub(crate) fn handler(&self) -> Arc<dyn NamespaceHandler> {
        self.0.handler.clone()
    }

    pub(crate) fn ack_timeout(&self) -> Duration {
        self.0.ack_timeout
    }

    /// The next ack id of the namespace (shared by its sockets, as in Node).
    pub(crate) fn next_ack_id(&self) -> u64 {
        self.0.ack_ids.fetch_add(1, Ordering::Relaxed) % (MAX_ACK_ID + 1)
    }

    /// The connected sockets of this server.
    pub fn sockets(&self) -> Vec<Socket> {
        self.0.sockets.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect()
    }

    /// A connected socket of this server.
    pub fn get_socket(&self, id: &Sid) -> Option<Socket> {
        self.0.sockets.read().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    pub(crate) fn insert(&self, socket: Socket) {
        self.0.sockets.write().unwrap_or_else(|e| e.into_inner()).insert(socket.id().clone(), socket);
    }

    pub(crate) fn remove(&self, id: &Sid) {
        self.0.sockets.write().unwrap_or_else(|e| e.into_inner()).remove(id);
    }

    pub(crate) fn broadcast_operators(&self) -> BroadcastOperators {
        BroadcastOperators::new(self.clone(), BroadcastOptions::default())
    }

    /// The sockets of a room.
    pub fn to(&self, room: impl Into<Room>) -> BroadcastOperators {
        self.broadcast_operators().to(room)
    }

    /// Every socket but those of a room.
    pub fn except(&self, room: impl Into<Room>) -> BroadcastOperators {
        self.broadcast_operators().except(room)
    }

    /// Only this server's sockets.
    pub fn local(&self) -> BroadcastOperators {
        self.broadcast_operators().local()
    }

    /// Sets the timeout of [`BroadcastOperators::emit_with_ack`].
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperators {
        self.broadcast_operators().timeout(timeout)
    }

    /// Emits to every socket of the namespace. See [`Socket::emit`] for `args`.
    pub fn emit(&self, event: &str, args: impl Serialize) -> Result<(), EmitError> {
        self.broadcast_operators().emit(event, args)
    }

    /// Emits a typed event to every socket of the namespace.
    pub fn emit_event<E: Event>(&self, event: &E) -> Result<(), EmitError> {
        self.broadcast_operators().emit_event(event)
    }

    /// Emits to every socket now, and collects their acks (one ack id for all); see
    /// [`BroadcastOperators::emit_with_ack`].
    pub fn emit_with_ack(
        &self,
        event: &str,
        args: impl Serialize,
    ) -> impl Future<Output = Result<Vec<AckResponse>, BroadcastAckError>> + Send + 'static {
        self.broadcast_operators().emit_with_ack(event, args)
    }

    /// Every socket of the namespace, on every server.
    pub async fn fetch_sockets(&self) -> Vec<FetchedSocket> {
        self.broadcast_operators().fetch_sockets().await
    }

    /// Makes every socket join rooms.
    pub fn sockets_join(&self, rooms: impl IntoRooms) {
        self.broadcast_operators().join(rooms)
    }

    /// Makes every socket leave rooms.
    pub fn sockets_leave(&self, rooms: impl IntoRooms) {
        self.broadcast_operators().leave(rooms)
    }

    /// Disconnects every socket; `close` also closes their connections.
    pub fn disconnect_sockets(&self, close: bool) {
        self.broadcast_operators().disconnect(close)
    }
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace").field("name", &self.name()).finish()
    }
}
