//! Namespaces: the handler of each, its sockets, and what can be sent to them from
//! anywhere.

mod handler;
mod operators;
mod pattern;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Serialize;

pub(crate) use handler::AcceptAll;
pub use handler::{BoxFuture, ConnectError, NamespaceHandler, NamespacePath};
pub use operators::{BroadcastOperators, FetchedSocket};
pub use pattern::{NamespacePattern, PatternError};

use crate::adapter::{
    Adapter, AdapterError, AdapterFactory, BroadcastOptions, IntoRooms, LocalNamespace, Room, ServerEmitError,
};
use crate::engine::Sid;
use crate::protocol::{Args, MAX_ACK_ID, RESERVED_EVENTS};
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
    /// The outcome of the adapter's `init`, once it ran.
    ready: tokio::sync::OnceCell<Result<(), AdapterError>>,
    sockets: RwLock<HashMap<Sid, Socket>>,
    ack_ids: AtomicU64,
    ack_timeout: Duration,
    /// The values of a dynamic namespace's placeholders (`id` = `42` for `/room-{id}`).
    params: Vec<(String, String)>,
}

impl Drop for NsInner {
    fn drop(&mut self) {
        self.adapter.close();
    }
}

impl Namespace {
    /// A namespace (made on demand when `params` come from a dynamic pattern). Its
    /// adapter's `init` starts now when a tokio runtime runs, else at the first
    /// [`Namespace::ready`].
    pub(crate) fn new(
        name: &str,
        handler: Arc<dyn NamespaceHandler>,
        adapter: &AdapterFactory,
        ack_timeout: Duration,
        params: Vec<(String, String)>,
    ) -> Namespace {
        let ns = Namespace(Arc::new_cyclic(|weak| NsInner {
            name: name.into(),
            handler,
            adapter: adapter(LocalNamespace::new(name, weak.clone())),
            ready: tokio::sync::OnceCell::new(),
            sockets: RwLock::default(),
            ack_ids: AtomicU64::new(0),
            ack_timeout,
            params,
        }));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let starting = ns.clone();
            runtime.spawn(async move {
                let _ = starting.ready().await;
            });
        }
        ns
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

    /// The next ack id of the namespace, shared by its sockets and its broadcasts, as
    /// in Node (a cluster adapter takes one to answer another server's broadcast with
    /// acks: see [`AckCollector::with_listener`](crate::socket::AckCollector::with_listener)).
    pub fn next_ack_id(&self) -> u64 {
        self.0.ack_ids.fetch_add(1, Ordering::Relaxed) % (MAX_ACK_ID + 1)
    }

    /// Waits until the adapter is ready ([`Adapter::init`]: a cluster adapter has
    /// subscribed), and says whether it failed. The namespace accepts no socket before;
    /// [`Io::ready`](crate::io::Io::ready) waits for every namespace.
    pub async fn ready(&self) -> Result<(), AdapterError> {
        let inner = &self.0;
        inner
            .ready
            .get_or_init(|| async move {
                let result = inner.adapter.init().await;
                if let Err(e) = &result {
                    tracing::error!(ns = %inner.name, error = %e, "adapter init failed: serving anyway");
                }
                result
            })
            .await
            .clone()
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

    /// Lets the packet be dropped for clients that cannot take it now; see
    /// [`BroadcastOperators::volatile`].
    pub fn volatile(&self) -> BroadcastOperators {
        self.broadcast_operators().volatile()
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

    /// Every socket of the namespace, on every server (Node's `fetchSockets()`): those
    /// of other servers with their handshake, rooms and public data. Fails, as Node's,
    /// when some server does not answer in time.
    ///
    /// ```
    /// # async fn f(ns: socketio_runtime::namespace::Namespace) -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// for socket in ns.fetch_sockets().await? {
    ///     println!("{} in {:?}, data {}, from {}", socket.id(), socket.rooms(), socket.data(), socket.handshake()["address"]);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch_sockets(&self) -> Result<Vec<FetchedSocket>, AdapterError> {
        self.broadcast_operators().fetch_sockets().await
    }

    /// How many servers serve this namespace (1 without a cluster; Node's
    /// `adapter.serverCount()`).
    pub async fn server_count(&self) -> Result<usize, AdapterError> {
        self.adapter().server_count().await
    }

    /// Every room of the namespace that has a socket in it, on every server (the
    /// sockets' own rooms included; Node's `adapter.allRooms()`).
    ///
    /// ```
    /// # async fn f(ns: socketio_runtime::namespace::Namespace) -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// let lobbies = ns.all_rooms().await?.into_iter().filter(|r| r.as_str().starts_with("lobby-")).count();
    /// # Ok(()) }
    /// ```
    pub async fn all_rooms(&self) -> Result<HashSet<Room>, AdapterError> {
        self.adapter().all_rooms().await
    }

    /// Sends an event to this namespace on the other servers of the cluster (Node's
    /// `serverSideEmit`): their [`NamespaceHandler::server_event`] receives it, not their
    /// clients. `args` as for [`Socket::emit`]. With one server, nothing is sent.
    ///
    /// ```
    /// # fn f(ns: &socketio_runtime::namespace::Namespace) -> Result<(), socketio_runtime::adapter::ServerEmitError> {
    /// ns.server_side_emit("cache-invalidate", ("user", 42))?;
    /// # Ok(()) }
    /// ```
    pub fn server_side_emit(&self, event: &str, args: impl Serialize) -> Result<(), ServerEmitError> {
        let args = server_event_args(event, &args)?;
        Ok(self.adapter().server_side_emit(event, &args)?)
    }

    /// The same, asking every other server for an answer (Node's
    /// `serverSideEmitWithAck`): resolves to one [`Args`] per server (the first argument
    /// of its ack), or fails with [`ServerEmitError::Timeout`], holding the answers that
    /// came, when some server did not answer within the adapter's requests timeout.
    /// With one server, resolves at once to no answer. As with
    /// [`fetch_sockets`](Namespace::fetch_sockets), the request goes out when the future
    /// is awaited.
    ///
    /// ```
    /// # async fn f(ns: socketio_runtime::namespace::Namespace) {
    /// use socketio_runtime::adapter::ServerEmitError;
    /// match ns.server_side_emit_with_ack("load?", ()).await {
    ///     Ok(answers) => println!("{} other servers, loads {:?}", answers.len(), answers.iter().map(|a| a.get::<f64>(0).ok()).collect::<Vec<_>>()),
    ///     Err(ServerEmitError::Timeout { responses, expected }) => println!("{} of {expected} answered", responses.len()),
    ///     Err(e) => println!("not sent: {e}"),
    /// }
    /// # }
    /// ```
    pub fn server_side_emit_with_ack(
        &self,
        event: &str,
        args: impl Serialize,
    ) -> impl Future<Output = Result<Vec<Args>, ServerEmitError>> + Send + '_ {
        let sent = server_event_args(event, &args)
            .map(|args| self.adapter().server_side_emit_with_ack(event, &args));
        async move { sent?.await }
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

/// The arguments of a server-side event, unless its name is reserved.
fn server_event_args(event: &str, args: &impl Serialize) -> Result<Args, ServerEmitError> {
    if RESERVED_EVENTS.contains(&event) || matches!(event, "connection" | "new_namespace") {
        return Err(ServerEmitError::Reserved(event.to_owned()));
    }
    Ok(Args::from_value(args)?)
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace").field("name", &self.name()).finish()
    }
}
