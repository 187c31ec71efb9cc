//! Rooms and broadcasts: the [`Adapter`] between a namespace and the sockets that a
//! broadcast reaches, on this server ([`MemoryAdapter`], the default) or across a
//! cluster (a Redis adapter speaking `@socket.io/redis-adapter`'s protocol can
//! implement the same trait).
//!
//! A broadcast encodes its packet once ([`EncodedPacket`]); each recipient is queued a
//! reference-counted clone of the same frames. A recipient whose outbound queue is full
//! is disconnected by the engine (see [`Socket`]); the broadcast goes on to the others.

mod memory;
mod room;

use std::collections::HashSet;
use std::sync::Weak;

pub use memory::MemoryAdapter;
pub use room::{IntoRooms, Room};

use crate::engine::Sid;
use crate::namespace::{BoxFuture, FetchedSocket, Namespace, NsInner};
use crate::protocol::EncodedPacket;
use crate::socket::{AckCollector, Socket};

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

/// Broadcast modifiers, as in Node's `BroadcastFlags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BroadcastFlags {
    /// Only this server's sockets (cluster adapters skip the other servers).
    pub local: bool,
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
/// other servers return futures. A cluster adapter delivers locally at once and
/// publishes to the other servers in the background. Adapters never call user code,
/// and are called with no lock of the namespace held.
pub trait Adapter: Send + Sync + 'static {
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

    /// Sends an encoded packet to every socket `opts` reaches.
    fn broadcast(&self, packet: &EncodedPacket, opts: &BroadcastOptions) {
        for socket in self.local_sockets(opts) {
            if let Err(e) = socket.send_packet(packet) {
                tracing::debug!(socket = %socket.id(), error = %e, "broadcast not delivered");
            }
        }
    }

    /// Sends a packet carrying ack id `ack_id` to every socket `opts` reaches, and has
    /// each one's answer delivered to `acks`, after telling it how many to expect.
    fn broadcast_with_ack(
        &self,
        packet: &EncodedPacket,
        ack_id: u64,
        opts: &BroadcastOptions,
        acks: &AckCollector,
    ) {
        let mut count = 0;
        for socket in self.local_sockets(opts) {
            acks.wait_on(&socket, ack_id);
            match socket.send_packet(packet) {
                Ok(()) => count += 1,
                Err(e) => {
                    acks.cancel(&socket, ack_id);
                    tracing::debug!(socket = %socket.id(), error = %e, "broadcast not delivered");
                }
            }
        }
        acks.expect(count);
        acks.counted();
    }

    /// The sockets `opts` reaches, on every server.
    fn fetch_sockets(&self, opts: &BroadcastOptions) -> BoxFuture<'_, Vec<FetchedSocket>> {
        let sockets = self.local_sockets(opts).into_iter().map(FetchedSocket::local).collect();
        Box::pin(std::future::ready(sockets))
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
    fn server_count(&self) -> BoxFuture<'_, usize> {
        Box::pin(std::future::ready(1))
    }
}

/// What an adapter is given of its namespace: a weak handle (the namespace owns the
/// adapter) to look sockets up by id.
#[derive(Clone)]
pub struct LocalNamespace(pub(crate) Weak<NsInner>);

impl LocalNamespace {
    /// The namespace, unless it is gone.
    pub fn namespace(&self) -> Option<Namespace> {
        self.0.upgrade().map(Namespace::from_inner)
    }

    /// A connected local socket.
    pub fn socket(&self, sid: &Sid) -> Option<Socket> {
        self.namespace()?.get_socket(sid)
    }

    /// Every connected local socket.
    pub fn sockets(&self) -> Vec<Socket> {
        self.namespace().map(|ns| ns.sockets()).unwrap_or_default()
    }
}

impl std::fmt::Debug for LocalNamespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LocalNamespace").field(&self.namespace().map(|ns| ns.name().to_owned())).finish()
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
