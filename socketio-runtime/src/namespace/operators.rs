//! Broadcast operators: `to`, `except`, `local`, `timeout`, then an emit or a bulk
//! operation on the sockets they select.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use super::Namespace;
use crate::adapter::{AdapterError, BroadcastOptions, IntoRooms, Room};
use crate::engine::Sid;
use crate::protocol::encode;
use crate::socket::{AckCollector, AckResponse, BroadcastAckError, EmitError, Event, Socket};

/// A selection of the sockets of a namespace, built with [`to`](Self::to),
/// [`except`](Self::except) and [`local`](Self::local), then used once.
///
/// ```
/// # use socketio_runtime::namespace::Namespace;
/// # async fn f(ns: Namespace) {
/// use std::time::Duration;
/// // Everyone in "game-1" but the spectators; one packet encoded for all of them.
/// ns.to("game-1").except("spectators").emit("tick", 42).unwrap();
/// // Ask every player, wait two seconds for the answers.
/// match ns.to("game-1").timeout(Duration::from_secs(2)).emit_with_ack("ready?", ()).await {
///     Ok(answers) => println!("{} ready", answers.len()),
///     Err(e) => println!("{e}"),
/// }
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "operators do nothing until an emit or an operation is called"]
pub struct BroadcastOperators {
    ns: Namespace,
    opts: BroadcastOptions,
}

impl BroadcastOperators {
    pub(crate) fn new(ns: Namespace, opts: BroadcastOptions) -> BroadcastOperators {
        BroadcastOperators { ns, opts }
    }

    /// Adds a target room (sockets in any target room are reached).
    pub fn to(mut self, room: impl Into<Room>) -> Self {
        self.opts.rooms.insert(room.into());
        self
    }

    /// Same as [`to`](Self::to).
    pub fn within(self, room: impl Into<Room>) -> Self {
        self.to(room)
    }

    /// Leaves out the sockets of a room.
    pub fn except(mut self, room: impl Into<Room>) -> Self {
        self.opts.except.insert(room.into());
        self
    }

    /// Only this server's sockets.
    pub fn local(mut self) -> Self {
        self.opts.flags.local = true;
        self
    }

    /// How long [`emit_with_ack`](Self::emit_with_ack) waits (default: the server's
    /// `ack_timeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.opts.flags.timeout = Some(timeout);
        self
    }

    /// Lets the packet be dropped for clients that cannot take it now (Node's
    /// `volatile`): those still being connected, and those whose outbound queue is full,
    /// which are then not disconnected for it. For frequent updates that the next one
    /// replaces (positions, tickers).
    pub fn volatile(mut self) -> Self {
        self.opts.flags.volatile = true;
        self
    }

    /// Sets Node's `compress` flag, carried to the other servers of a cluster (this
    /// server does not compress frames).
    pub fn compress(mut self, compress: bool) -> Self {
        self.opts.flags.compress = Some(compress);
        self
    }

    /// The selection.
    pub fn options(&self) -> &BroadcastOptions {
        &self.opts
    }

    /// Emits to the selected sockets; the packet is encoded once. See
    /// [`Socket::emit`] for `args`.
    pub fn emit(self, event: &str, args: impl Serialize) -> Result<(), EmitError> {
        let packet = encode::event(self.ns.name(), event, &args, None)?;
        self.ns.adapter().broadcast(&packet, &self.opts);
        Ok(())
    }

    /// Emits a typed event to the selected sockets.
    pub fn emit_event<E: Event>(self, event: &E) -> Result<(), EmitError> {
        self.emit(E::NAME, event)
    }

    /// Emits to the selected sockets with one ack id, and collects each one's first
    /// answer. Completes when all answered, or with [`BroadcastAckError::Timeout`]
    /// (holding the answers that came) after the timeout. The packet is sent now.
    pub fn emit_with_ack(
        self,
        event: &str,
        args: impl Serialize,
    ) -> impl Future<Output = Result<Vec<AckResponse>, BroadcastAckError>> + Send + 'static {
        let mut opts = self.opts;
        let timeout = *opts.flags.timeout.get_or_insert_with(|| self.ns.ack_timeout());
        let id = self.ns.next_ack_id();
        let sent = encode::event(self.ns.name(), event, &args, Some(id)).map(|packet| {
            let acks = AckCollector::new();
            self.ns.adapter().broadcast_with_ack(&packet, &opts, &acks);
            acks
        });
        async move {
            match sent {
                Ok(acks) => acks.wait(timeout).await,
                Err(e) => Err(BroadcastAckError::Emit(EmitError::Encode(e))),
            }
        }
    }

    /// The selected sockets, on every server; see [`Namespace::fetch_sockets`].
    pub async fn fetch_sockets(self) -> Result<Vec<FetchedSocket>, AdapterError> {
        self.ns.adapter().fetch_sockets(&self.opts).await
    }

    /// Makes the selected sockets join rooms.
    pub fn join(self, rooms: impl IntoRooms) {
        self.ns.adapter().add_sockets(&self.opts, &rooms.into_rooms());
    }

    /// Makes the selected sockets leave rooms.
    pub fn leave(self, rooms: impl IntoRooms) {
        self.ns.adapter().del_sockets(&self.opts, &rooms.into_rooms());
    }

    /// Disconnects the selected sockets; `close` also closes their connections.
    pub fn disconnect(self, close: bool) {
        self.ns.adapter().disconnect_sockets(&self.opts, close);
    }
}

/// A socket found by `fetch_sockets`: on this server (then [`FetchedSocket::as_local`]
/// gives the [`Socket`]) or, with a cluster adapter, on another one. Its operations
/// go through the adapter, so they work in both cases; its handshake and data are
/// JSON, as other servers (Node's included) describe their sockets.
#[derive(Clone, Debug)]
pub struct FetchedSocket {
    id: Sid,
    rooms: Vec<Room>,
    ns: Namespace,
    place: Place,
}

#[derive(Clone, Debug)]
enum Place {
    Local(Socket),
    Remote { handshake: serde_json::Value, data: serde_json::Value },
}

impl FetchedSocket {
    /// A socket of this server.
    pub fn local(socket: Socket) -> FetchedSocket {
        FetchedSocket {
            id: socket.id().clone(),
            rooms: socket.rooms(),
            ns: socket.ns().clone(),
            place: Place::Local(socket),
        }
    }

    /// A socket of another server, as a cluster adapter reports it: its id and rooms,
    /// its handshake (as [`Handshake::to_json`](crate::socket::Handshake::to_json)
    /// describes one) and its data (Node's `socket.data`, [`Socket::public_data`] of a
    /// Rust server).
    pub fn remote(
        ns: Namespace,
        id: Sid,
        rooms: Vec<Room>,
        handshake: serde_json::Value,
        data: serde_json::Value,
    ) -> FetchedSocket {
        FetchedSocket { id, rooms, ns, place: Place::Remote { handshake, data } }
    }

    /// The socket id.
    pub fn id(&self) -> &Sid {
        &self.id
    }

    /// Its rooms when it was fetched.
    pub fn rooms(&self) -> &[Room] {
        &self.rooms
    }

    /// The socket, if it is on this server.
    pub fn as_local(&self) -> Option<&Socket> {
        match &self.place {
            Place::Local(socket) => Some(socket),
            Place::Remote { .. } => None,
        }
    }

    /// Its handshake, as Node describes one: `headers`, `time`, `address`, `xdomain`,
    /// `secure`, `issued`, `url`, `query`, `auth` (see
    /// [`Handshake::to_json`](crate::socket::Handshake::to_json)).
    pub fn handshake(&self) -> serde_json::Value {
        match &self.place {
            Place::Local(socket) => socket.handshake().to_json(),
            Place::Remote { handshake, .. } => handshake.clone(),
        }
    }

    /// Its data as other servers see it: [`Socket::public_data`] of a socket of a Rust
    /// server, `socket.data` of a Node one.
    pub fn data(&self) -> serde_json::Value {
        match &self.place {
            Place::Local(socket) => socket.public_data(),
            Place::Remote { data, .. } => data.clone(),
        }
    }

    fn only_me(&self) -> BroadcastOperators {
        self.ns.to(Room::from(&self.id))
    }

    /// Emits to this socket.
    pub fn emit(&self, event: &str, args: impl Serialize) -> Result<(), EmitError> {
        match &self.place {
            Place::Local(socket) => socket.emit(event, args),
            Place::Remote { .. } => self.only_me().emit(event, args),
        }
    }

    /// Makes it join rooms.
    pub fn join(&self, rooms: impl IntoRooms) {
        self.only_me().join(rooms)
    }

    /// Makes it leave rooms.
    pub fn leave(&self, rooms: impl IntoRooms) {
        self.only_me().leave(rooms)
    }

    /// Disconnects it; `close` also closes its connection.
    pub fn disconnect(&self, close: bool) {
        self.only_me().disconnect(close)
    }
}
