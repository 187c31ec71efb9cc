//! Rooms and broadcasts: the [`Adapter`] between a namespace and the sockets that a
//! broadcast reaches, on this server ([`MemoryAdapter`], the default) or across a
//! cluster (`socketio-redis` implements the same trait, speaking
//! `@socket.io/redis-adapter`'s protocol).
//!
//! A broadcast encodes its packet once ([`EncodedPacket`]); each recipient is queued a
//! reference-counted clone of the same frames. A recipient whose outbound queue is full
//! is disconnected by the engine (see [`Socket`]), or skipped when the broadcast is
//! [volatile](BroadcastFlags::volatile); the broadcast goes on to the others.
//!
//! Everything a cluster needs goes through the trait, so the ordinary API works on
//! every server whatever the adapter: broadcasts and bulk operations
//! ([`Namespace::to`]), [`Namespace::fetch_sockets`] (remote sockets with their
//! handshake and [public data](Socket::set_public_data)), [`Namespace::server_side_emit`]
//! and its acks (received in [`NamespaceHandler::server_event`](crate::namespace::NamespaceHandler::server_event)),
//! [`Namespace::server_count`] and [`Namespace::all_rooms`]. With the in-memory
//! adapter they act on this server alone: there is no other server to ask.

mod error;
mod memory;
mod room;

use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

pub use error::{AdapterError, ServerEmitError};
pub use memory::MemoryAdapter;
pub use room::{IntoRooms, Room};

use crate::client::run_handler;
use crate::engine::Sid;
use crate::namespace::{BoxFuture, FetchedSocket, Namespace, NsInner};
use crate::protocol::{Args, EncodedPacket, EventName};
use crate::socket::{AckCollector, AckSender, IncomingEvent, Socket};

/// Which sockets a broadcast (or a bulk operation) reaches: those in any of `rooms`
/// (every socket when empty), minus those in any of `except`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BroadcastOptions {
    /// Target rooms; empty means the whole namespace.
    pub rooms: HashSet<Room>,
    /// Rooms whose sockets are left out.
    pub except: HashSet<Room>,
    /// Modifiers.
    pub flags: BroadcastFlags,
}

/// Broadcast modifiers, as in Node's `BroadcastFlags`; a cluster adapter carries them
/// to the other servers.
///
/// ```
/// # use socketio_runtime::namespace::Namespace;
/// # fn f(ns: &Namespace) {
/// use std::time::Duration;
/// let op = ns.to("room").volatile().compress(false).timeout(Duration::from_secs(2));
/// let flags = op.options().flags;
/// assert!(flags.volatile && !flags.local);
/// assert_eq!((flags.compress, flags.timeout), (Some(false), Some(Duration::from_secs(2))));
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BroadcastFlags {
    /// Only this server's sockets (cluster adapters skip the other servers).
    pub local: bool,
    /// The packet may be dropped for a client that cannot take it now: one still being
    /// connected, or one whose outbound queue is full (which is then not disconnected
    /// for it).
    pub volatile: bool,
    /// Whether the packet may be compressed (Node's `compress`). Carried to the other
    /// servers; this server sends frames uncompressed either way.
    pub compress: Option<bool>,
    /// How long a broadcast with acks waits for the answers (Node's `timeout`; the
    /// server's `ack_timeout` when unset). Other servers forget the request after it.
    pub timeout: Option<Duration>,
}

impl BroadcastOptions {
    /// Whether a socket in `socket_rooms` is reached.
    pub fn matches<'a>(&self, mut socket_rooms: impl Iterator<Item = &'a Room> + Clone) -> bool {
        let in_target = self.rooms.is_empty() || socket_rooms.clone().any(|r| self.rooms.contains(r));
        in_target && !socket_rooms.any(|r| self.except.contains(r))
    }
}

/// Room membership and delivery for one namespace.
///
/// Methods that only touch this server's state are synchronous; those that may ask
/// other servers return futures, and fail with an [`AdapterError`] (a timeout, as
/// Node's) when some server does not answer. A cluster adapter delivers locally at
/// once and publishes to the other servers in the background. Adapters never call
/// user code but through [`LocalNamespace::server_event`], and are called with no lock
/// of the namespace held.
///
/// The defaults are the single-server behaviour, in terms of the local methods: an
/// adapter for one server implements the five required methods (and
/// [`Adapter::local_rooms`] when it can do better than asking every socket).
///
/// ```
/// use std::collections::HashSet;
/// use std::sync::Arc;
/// use socketio_runtime::adapter::{Adapter, BroadcastOptions, LocalNamespace, MemoryAdapter, Room};
/// use socketio_runtime::engine::Sid;
/// use socketio_runtime::io::Io;
/// use socketio_runtime::socket::Socket;
///
/// /// Rooms in memory, and a log line per broadcast.
/// struct Logged(MemoryAdapter);
///
/// impl Adapter for Logged {
///     fn add_all(&self, sid: &Sid, rooms: &[Room]) { self.0.add_all(sid, rooms) }
///     fn del(&self, sid: &Sid, room: &Room) { self.0.del(sid, room) }
///     fn del_all(&self, sid: &Sid) { self.0.del_all(sid) }
///     fn socket_rooms(&self, sid: &Sid) -> Vec<Room> { self.0.socket_rooms(sid) }
///     fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Socket> { self.0.local_sockets(opts) }
///     fn local_rooms(&self) -> HashSet<Room> { self.0.local_rooms() }
///     fn broadcast(&self, packet: &socketio_runtime::protocol::EncodedPacket, opts: &BroadcastOptions) {
///         println!("broadcast {:?} to {:?}", packet.data_json(), opts.rooms);
///         self.0.broadcast(packet, opts)
///     }
/// }
///
/// let io = Io::builder().adapter(|ns: LocalNamespace| Arc::new(Logged(MemoryAdapter::new(ns))) as Arc<dyn Adapter>).build();
/// io.emit("hello", ()).unwrap();
/// ```
pub trait Adapter: Send + Sync + 'static {
    /// Gets ready to serve (a cluster adapter subscribes to its channels here). The
    /// namespace awaits it before it accepts its first socket, and
    /// [`Io::ready`](crate::io::Io::ready) awaits it for every namespace. On an error
    /// the namespace serves anyway, after logging it. The default has nothing to do.
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// The namespace is dropped: release what [`Adapter::init`] took (subscriptions).
    /// The default has nothing to do.
    fn close(&self) {}

    /// Adds a local socket to rooms.
    fn add_all(&self, sid: &Sid, rooms: &[Room]);

    /// Removes a local socket from a room.
    fn del(&self, sid: &Sid, room: &Room);

    /// Removes a local socket from every room.
    fn del_all(&self, sid: &Sid);

    /// The rooms of a local socket.
    fn socket_rooms(&self, sid: &Sid) -> Vec<Room>;

    /// The local sockets `opts` reaches.
    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Socket>;

    /// Every room that has a local socket in it (the sockets' own rooms included).
    fn local_rooms(&self) -> HashSet<Room> {
        self.local_sockets(&BroadcastOptions::default())
            .iter()
            .flat_map(|s| self.socket_rooms(s.id()))
            .collect()
    }

    /// Sends an encoded packet to every socket `opts` reaches (a cluster adapter
    /// publishes [`EncodedPacket::data_json`] and its attachments to the other servers).
    fn broadcast(&self, packet: &EncodedPacket, opts: &BroadcastOptions) {
        for socket in self.local_sockets(opts) {
            let sent = if opts.flags.volatile {
                socket.send_packet_volatile(packet).map(drop)
            } else {
                socket.send_packet(packet)
            };
            if let Err(e) = sent {
                tracing::debug!(socket = %socket.id(), error = %e, "broadcast not delivered");
            }
        }
    }

    /// Sends a packet carrying an ack id ([`EncodedPacket::ack_id`], one for every
    /// recipient) to every socket `opts` reaches, and has each one's answer delivered to
    /// `acks`, after telling it how many to expect ([`AckCollector::expect`], once per
    /// server for a cluster, then [`AckCollector::counted`]).
    ///
    /// A cluster adapter answering another server's broadcast with acks calls the
    /// default (its local part) with a collector made by
    /// [`AckCollector::with_listener`], which hands it each answer as it comes.
    fn broadcast_with_ack(&self, packet: &EncodedPacket, opts: &BroadcastOptions, acks: &AckCollector) {
        acks.expect(send_with_ack(self.local_sockets(opts), packet, &opts.flags, acks));
        acks.counted();
    }

    /// The sockets `opts` reaches, on every server: local ones with
    /// [`FetchedSocket::local`], those of other servers with [`FetchedSocket::remote`].
    fn fetch_sockets(
        &self,
        opts: &BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<FetchedSocket>, AdapterError>> {
        let sockets = self.local_sockets(opts).into_iter().map(FetchedSocket::local).collect();
        Box::pin(std::future::ready(Ok(sockets)))
    }

    /// Makes the sockets `opts` reaches join `rooms`, on every server.
    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.local_sockets(opts) {
            self.add_all(socket.id(), rooms);
        }
    }

    /// Makes the sockets `opts` reaches leave `rooms`, on every server.
    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.local_sockets(opts) {
            for room in rooms {
                self.del(socket.id(), room);
            }
        }
    }

    /// Disconnects the sockets `opts` reaches, on every server; `close` also closes
    /// their clients' connections.
    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool) {
        for socket in self.local_sockets(opts) {
            if close {
                socket.disconnect_and_close();
            } else {
                socket.disconnect();
            }
        }
    }

    /// How many servers share this namespace (1 without a cluster).
    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(std::future::ready(Ok(1)))
    }

    /// Every room of the namespace on every server (Node's `adapter.allRooms()`).
    fn all_rooms(&self) -> BoxFuture<'_, Result<HashSet<Room>, AdapterError>> {
        Box::pin(std::future::ready(Ok(self.local_rooms())))
    }

    /// Sends an event to this namespace on the other servers (Node's `serverSideEmit`),
    /// which hand it to [`LocalNamespace::server_event`]. One server: nothing to do.
    fn server_side_emit(&self, event: &str, args: &Args) -> Result<(), AdapterError> {
        let _ = (event, args);
        Ok(())
    }

    /// The same, asking each other server for one answer: resolves to the answers, or
    /// fails with [`ServerEmitError::Timeout`] carrying those that came when some server
    /// did not answer in time. The event may be sent only once the future is polled (a
    /// cluster adapter first asks how many servers there are, as Node's). One server:
    /// no answer to wait for.
    fn server_side_emit_with_ack(
        &self,
        event: &str,
        args: &Args,
    ) -> BoxFuture<'_, Result<Vec<Args>, ServerEmitError>> {
        let _ = (event, args);
        Box::pin(std::future::ready(Ok(Vec::new())))
    }
}

/// Sends `packet`, which carries an ack id, to each of `sockets`, with `acks` waiting
/// for each one's answer; returns how many it was sent to. The local half of
/// [`Adapter::broadcast_with_ack`]: the default is this, then `acks.expect(n)` and
/// `acks.counted()`; a cluster adapter calls `counted` once every server reported.
///
/// A packet without an ack id is sent as a plain broadcast, and no answer is awaited.
pub fn send_with_ack(
    sockets: impl IntoIterator<Item = Socket>,
    packet: &EncodedPacket,
    flags: &BroadcastFlags,
    acks: &AckCollector,
) -> usize {
    let ack_id = packet.ack_id();
    let mut count = 0;
    for socket in sockets {
        if let Some(id) = ack_id {
            acks.wait_on(&socket, id);
        }
        let sent = if flags.volatile {
            socket.send_packet_volatile(packet)
        } else {
            socket.send_packet(packet).map(|()| true)
        };
        match (sent, ack_id) {
            (Ok(true), Some(_)) => count += 1,
            (Ok(true), None) => {}
            (Ok(false), id) => {
                if let Some(id) = id {
                    acks.cancel(&socket, id);
                }
            }
            (Err(e), id) => {
                if let Some(id) = id {
                    acks.cancel(&socket, id);
                }
                tracing::debug!(socket = %socket.id(), error = %e, "broadcast not delivered");
            }
        }
    }
    if ack_id.is_none() {
        tracing::warn!("broadcast with ack of a packet without an ack id: no answer awaited");
    }
    count
}

/// What an adapter is given of its namespace: its name, and a weak handle (the
/// namespace owns the adapter) to look sockets up by id and to hand it what other
/// servers send.
///
/// The handle cannot be upgraded while the adapter is being built (the namespace does
/// not exist yet); the name can be read at once.
#[derive(Clone)]
pub struct LocalNamespace {
    name: Arc<str>,
    inner: Weak<NsInner>,
}

impl LocalNamespace {
    pub(crate) fn new(name: &str, inner: Weak<NsInner>) -> LocalNamespace {
        LocalNamespace { name: name.into(), inner }
    }

    /// A handle on no namespace, named `name`: for testing an adapter alone.
    ///
    /// ```
    /// use socketio_runtime::adapter::LocalNamespace;
    /// let ns = LocalNamespace::detached("/chat");
    /// assert_eq!(ns.name(), "/chat");
    /// assert!(ns.namespace().is_none() && ns.sockets().is_empty());
    /// ```
    pub fn detached(name: &str) -> LocalNamespace {
        LocalNamespace::new(name, Weak::new())
    }

    /// The namespace's name (`/`, `/chat`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace, unless it is gone (or not built yet).
    pub fn namespace(&self) -> Option<Namespace> {
        self.inner.upgrade().map(Namespace::from_inner)
    }

    /// A connected local socket.
    pub fn socket(&self, sid: &Sid) -> Option<Socket> {
        self.namespace()?.get_socket(sid)
    }

    /// Every connected local socket.
    pub fn sockets(&self) -> Vec<Socket> {
        self.namespace().map(|ns| ns.sockets()).unwrap_or_default()
    }

    /// Hands an event another server sent with `serverSideEmit` to the namespace's
    /// [`NamespaceHandler::server_event`](crate::namespace::NamespaceHandler::server_event);
    /// `ack` (made with [`AckSender::from_fn`]) carries its answer back when the sender
    /// waits for one. Events are handled in the order they are handed over, as a
    /// socket's are.
    ///
    /// ```
    /// use socketio_runtime::adapter::LocalNamespace;
    /// use socketio_runtime::protocol::Args;
    /// use socketio_runtime::socket::AckSender;
    /// # let local = LocalNamespace::detached("/");
    /// // What a cluster adapter does with a server-side event it received:
    /// let args = Args::from_json(r#"[1,"two"]"#, vec![]).unwrap();
    /// let ack = AckSender::from_fn(|answer: Args| println!("publish {answer:?} to the sender"));
    /// local.server_event("hello", args, Some(ack));
    /// ```
    pub fn server_event(&self, event: &str, args: Args, ack: Option<AckSender>) {
        let Some(ns) = self.namespace() else {
            tracing::debug!(ns = %self.name, event, "server-side event for a namespace that is gone");
            return;
        };
        let span = tracing::debug_span!("server_event", ns = %self.name, event, ack = ack.is_some());
        let event = IncomingEvent::new(EventName::owned(event.to_owned()), args, ack);
        run_handler(tracing::Instrument::instrument(
            async move {
                let handler = ns.handler();
                handler.server_event(&ns, event).await;
            },
            span,
        ));
    }
}

impl std::fmt::Debug for LocalNamespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LocalNamespace").field(&self.name).finish()
    }
}

/// Builds the adapter of each namespace.
///
/// ```
/// use std::sync::Arc;
/// use socketio_runtime::adapter::{Adapter, AdapterFactory, MemoryAdapter};
/// let factory: AdapterFactory = Arc::new(|ns| Arc::new(MemoryAdapter::new(ns)) as Arc<dyn Adapter>);
/// ```
pub type AdapterFactory = std::sync::Arc<dyn Fn(LocalNamespace) -> std::sync::Arc<dyn Adapter> + Send + Sync>;
