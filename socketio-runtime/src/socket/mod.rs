//! A client's membership of one namespace: the [`Socket`] handle, what it receives
//! ([`IncomingEvent`]), and what it waits for ([`AckFuture`]).

mod ack;
mod data;
mod event;
mod handshake;
mod reason;

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use serde::Serialize;
use tokio::sync::oneshot;
use tracing::Instrument;

pub use ack::{AckCollector, AckError, AckFuture, AckResponse, BroadcastAckError};
pub(crate) use ack::{AckTarget, PendingAcks};
pub use data::SocketData;
pub use event::{AckSender, Event, IncomingEvent};
pub use handshake::{Auth, Handshake};
pub use reason::DisconnectReason;

use crate::adapter::{IntoRooms, Room};
use crate::client::{run_handler, ClientShared};
use crate::engine::{EngineSocket, Outgoing, SendError, Sid};
use crate::namespace::{BroadcastOperators, Namespace};
use crate::protocol::{encode, Args, EncodeError, EncodedPacket, EventName};

/// Packets a socket may queue while its connect handler runs; past that, emits fail
/// with [`SendError::Full`].
const MAX_BUFFERED_WHILE_CONNECTING: usize = 1024;

/// Why an emit failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The arguments could not be serialized.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The client's outbound queue is full (the client is disconnected for it) or its
    /// connection is closed.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The socket has left its namespace.
    #[error("the socket is disconnected")]
    Disconnected,
}

/// [`Socket::set_public_data`]'s slot among the typed data (a type nobody else can name),
/// so that a socket without public data pays nothing for it.
#[derive(Clone)]
struct PublicData(serde_json::Value);

/// One client in one namespace: a cheap handle to clone and keep anywhere.
///
/// Emitting never waits: the packet goes into the client's bounded outbound queue. A
/// client that does not read fast enough to keep that queue from filling up is
/// disconnected ([`DisconnectReason::TransportError`]), and the emit that found it
/// full returns [`SendError::Full`].
///
/// A socket is in a room named after its own id from the moment it connects, so
/// `to(id)` reaches it from anywhere.
#[derive(Clone)]
pub struct Socket(Arc<SocketInner>);

pub(crate) struct SocketInner {
    id: Sid,
    ns: Namespace,
    engine: EngineSocket,
    handshake: Handshake,
    state: Mutex<State>,
    pub(crate) acks: PendingAcks,
    data: SocketData,
    client: Weak<ClientShared>,
}

enum State {
    /// The connect handler runs; emits wait here for the CONNECT reply.
    Connecting(Vec<Outgoing>),
    Connected,
    Disconnected,
}

impl Socket {
    pub(crate) fn new(ns: Namespace, engine: EngineSocket, auth: Auth, client: Weak<ClientShared>) -> Socket {
        Socket(Arc::new(SocketInner {
            id: Sid::generate(),
            handshake: Handshake::new(engine.clone(), auth),
            ns,
            engine,
            state: Mutex::new(State::Connecting(Vec::new())),
            acks: PendingAcks::default(),
            data: SocketData::default(),
            client,
        }))
    }

    pub(crate) fn inner(&self) -> &SocketInner {
        &self.0
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The socket id: random, public (other clients may see it), distinct from the
    /// secret Engine.IO session id.
    pub fn id(&self) -> &Sid {
        &self.0.id
    }

    /// The namespace of the socket.
    pub fn ns(&self) -> &Namespace {
        &self.0.ns
    }

    /// The handshake: headers, query, address and time of the client's connection,
    /// and the `auth` of its CONNECT.
    pub fn handshake(&self) -> &Handshake {
        &self.0.handshake
    }

    /// Typed per-socket data.
    pub fn data(&self) -> &SocketData {
        &self.0.data
    }

    /// Sets what this socket shows as its data to [`Namespace::fetch_sockets`] on
    /// other servers ([`FetchedSocket::data`](crate::namespace::FetchedSocket::data);
    /// Node's `socket.data`, which a Node server in the cluster reads as `data` of the
    /// `RemoteSocket`). Unlike [`Socket::data`], which stays in this process and is
    /// typed, this is JSON, public to every server of the cluster: put there only what
    /// they may see.
    ///
    /// ```
    /// # fn f(socket: &socketio_runtime::socket::Socket) -> Result<(), serde_json::Error> {
    /// #[derive(serde::Serialize)]
    /// struct Profile { user: String, admin: bool }
    /// socket.set_public_data(Profile { user: "ann".into(), admin: false })?;
    /// assert_eq!(socket.public_data()["user"], "ann");
    /// # Ok(()) }
    /// ```
    pub fn set_public_data(&self, data: impl Serialize) -> Result<(), serde_json::Error> {
        self.0.data.insert(PublicData(serde_json::to_value(data)?));
        Ok(())
    }

    /// What [`Socket::set_public_data`] set; `{}` (Node's default `socket.data`) until
    /// then.
    pub fn public_data(&self) -> serde_json::Value {
        match self.0.data.get::<PublicData>() {
            Some(PublicData(value)) => value,
            None => serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    /// Whether the socket is connected to its namespace (not before the connect
    /// handler accepted it, not after it left).
    pub fn connected(&self) -> bool {
        matches!(*self.state(), State::Connected)
    }

    /// Emits `event` to this client. `args` is anything `Serialize`: a tuple (or an
    /// array) is spread into several arguments, `()` sends none, and any other value
    /// is one argument. [`Binary`](crate::protocol::Binary) values anywhere in it
    /// become binary attachments.
    ///
    /// ```
    /// # use socketio_runtime::socket::Socket;
    /// # use socketio_runtime::protocol::Binary;
    /// # fn f(socket: &Socket) -> Result<(), socketio_runtime::socket::EmitError> {
    /// socket.emit("hello", "world")?;                      // 42["hello","world"]
    /// socket.emit("move", (1, 2))?;                         // 42["move",1,2]
    /// socket.emit("list", vec![1, 2])?;                     // 42["list",[1,2]]
    /// socket.emit("file", ("a.png", Binary::from(vec![0u8])))?; // 451-["file","a.png",{..}] + bytes
    /// # Ok(()) }
    /// ```
    pub fn emit(&self, event: &str, args: impl Serialize) -> Result<(), EmitError> {
        let packet = encode::event(self.ns().name(), event, &args, None)?;
        self.send_packet(&packet)
    }

    /// Emits a typed event.
    pub fn emit_event<E: Event>(&self, event: &E) -> Result<(), EmitError> {
        self.emit(E::NAME, event)
    }

    /// Emits `event` and waits for the client's ack (at most the server's
    /// `ack_timeout`, or [`AckFuture::timeout`]). The packet is sent now.
    ///
    /// ```
    /// # use socketio_runtime::socket::Socket;
    /// # async fn f(socket: Socket) {
    /// match socket.emit_with_ack("question", "6 x 7?").timeout(std::time::Duration::from_secs(2)).await {
    ///     Ok(args) => println!("answer: {:?}", args.get::<u32>(0)),
    ///     Err(e) => println!("no answer: {e}"),
    /// }
    /// # }
    /// ```
    pub fn emit_with_ack(&self, event: &str, args: impl Serialize) -> AckFuture {
        let id = self.ns().next_ack_id();
        let packet = match encode::event(self.ns().name(), event, &args, Some(id)) {
            Ok(p) => p,
            Err(e) => return AckFuture::failed(AckError::Emit(e.into())),
        };
        let (tx, rx) = oneshot::channel();
        self.0.acks.insert(id, AckTarget::One(tx));
        let future = AckFuture::waiting(rx, self.clone(), id, self.ns().ack_timeout());
        match self.send_packet(&packet) {
            Ok(()) => future,
            Err(e) => AckFuture::failed(AckError::Emit(e)),
        }
    }

    /// Joins rooms (one, or a list).
    ///
    /// ```
    /// # fn f(socket: &socketio_runtime::socket::Socket) {
    /// socket.join("lobby");
    /// socket.join(["team-a", "team-b"]);
    /// assert!(socket.rooms().iter().any(|r| r == "lobby"));
    /// # }
    /// ```
    pub fn join(&self, rooms: impl IntoRooms) {
        if matches!(*self.state(), State::Disconnected) {
            return;
        }
        self.ns().adapter().add_all(self.id(), &rooms.into_rooms());
    }

    /// Leaves a room.
    pub fn leave(&self, room: impl Into<Room>) {
        self.ns().adapter().del(self.id(), &room.into());
    }

    /// The rooms of the socket (its own id included).
    pub fn rooms(&self) -> Vec<Room> {
        self.ns().adapter().socket_rooms(self.id())
    }

    /// The other sockets of a room (this one excluded): `socket.to("room").emit(..)`.
    pub fn to(&self, room: impl Into<Room>) -> BroadcastOperators {
        self.broadcast().to(room)
    }

    /// Every socket of the namespace but this one and those of `room`.
    pub fn except(&self, room: impl Into<Room>) -> BroadcastOperators {
        self.broadcast().except(room)
    }

    /// Every socket of the namespace but this one.
    pub fn broadcast(&self) -> BroadcastOperators {
        self.ns().broadcast_operators().except(Room::from(self.id()))
    }

    /// Removes the socket from its namespace: the client gets a DISCONNECT packet,
    /// the handler's `disconnect` runs with
    /// [`DisconnectReason::ServerNamespaceDisconnect`]. The client's connection and
    /// its other namespaces stay.
    pub fn disconnect(&self) {
        if let Some(client) = self.0.client.upgrade() {
            client.forget(self);
        }
        let was_connected = matches!(*self.state(), State::Connected);
        if was_connected {
            let _ = self.0.engine.send(encode::disconnect(self.ns().name()).outgoing());
        }
        self.on_disconnect(DisconnectReason::ServerNamespaceDisconnect);
    }

    /// Removes the client from every namespace (each gets a DISCONNECT) and closes
    /// its connection.
    pub fn disconnect_and_close(&self) {
        match self.0.client.upgrade() {
            Some(client) => client.disconnect_all(),
            None => self.disconnect(),
        }
        self.0.engine.close();
    }

    // ---- crate side ----

    /// Queues an already encoded packet for this client (after the CONNECT reply if
    /// the connect handler still runs). Adapters deliver broadcasts with it.
    ///
    /// ```
    /// # fn f(socket: &socketio_runtime::socket::Socket) {
    /// use socketio_runtime::protocol::encode;
    /// let packet = encode::event(socket.ns().name(), "hello", &(), None).unwrap();
    /// let _ = socket.send_packet(&packet);
    /// # }
    /// ```
    pub fn send_packet(&self, packet: &EncodedPacket) -> Result<(), EmitError> {
        let mut state = self.state();
        match &mut *state {
            State::Connected => Ok(self.0.engine.send(packet.outgoing())?),
            State::Connecting(buffered) if buffered.len() < MAX_BUFFERED_WHILE_CONNECTING => {
                buffered.push(packet.outgoing());
                Ok(())
            }
            State::Connecting(_) => Err(EmitError::Send(SendError::Full)),
            State::Disconnected => Err(EmitError::Disconnected),
        }
    }

    /// Queues an encoded packet unless the client cannot take it now (Node's
    /// `volatile`): a socket whose connect handler still runs, or whose outbound queue
    /// is full, is skipped (`Ok(false)`), and not disconnected for it.
    pub fn send_packet_volatile(&self, packet: &EncodedPacket) -> Result<bool, EmitError> {
        let state = self.state();
        match &*state {
            State::Connected => match self.0.engine.try_send(packet.outgoing()) {
                Ok(()) => Ok(true),
                Err(SendError::Full) => Ok(false),
                Err(e) => Err(EmitError::Send(e)),
            },
            State::Connecting(_) => Ok(false),
            State::Disconnected => Err(EmitError::Disconnected),
        }
    }

    /// The connect handler accepted: join the own room, send the CONNECT reply, then
    /// what was emitted meanwhile.
    pub(crate) fn accept(&self) {
        self.ns().adapter().add_all(self.id(), &[Room::from(self.id())]);
        self.ns().insert(self.clone());
        let mut state = self.state();
        let State::Connecting(buffered) = std::mem::replace(&mut *state, State::Connected) else {
            return;
        };
        let reply = encode::connect(self.ns().name(), self.id().as_str());
        let _ = self.0.engine.send(reply.outgoing());
        for out in buffered {
            if self.0.engine.send(out).is_err() {
                break;
            }
        }
    }

    /// The connect handler refused, or the client left before it finished: the
    /// socket never existed for anyone but its handler.
    pub(crate) fn abandon(&self) {
        *self.state() = State::Disconnected;
        self.ns().adapter().del_all(self.id());
        self.0.acks.disconnect();
    }

    /// An event from the client.
    pub(crate) fn on_event(&self, name: EventName, args: Args, id: Option<u64>) {
        let span = tracing::debug_span!(
            "event",
            ns = self.ns().name(),
            socket = %self.id(),
            event = name.as_str(),
            ack = id
        );
        let ack = id.map(|id| AckSender::new(self.clone(), id));
        let event = IncomingEvent::new(name, args, ack);
        let socket = self.clone();
        run_handler(
            async move {
                let handler = socket.ns().handler();
                handler.event(&socket, event).await;
            }
            .instrument(span),
        );
    }

    /// An ack from the client.
    pub(crate) fn on_ack(&self, id: Option<u64>, args: Args) {
        let resolved = id.is_some_and(|id| self.0.acks.resolve(id, self.id(), args));
        if !resolved {
            tracing::debug!(socket = %self.id(), ?id, "ack nobody waits for: ignored");
        }
    }

    /// The socket leaves its namespace (once): rooms, acks, then the handler.
    pub(crate) fn on_disconnect(&self, reason: DisconnectReason) {
        {
            let mut state = self.state();
            if !matches!(*state, State::Connected) {
                return;
            }
            *state = State::Disconnected;
        }
        self.ns().remove(self.id());
        self.ns().adapter().del_all(self.id());
        self.0.acks.disconnect();
        let socket = self.clone();
        run_handler(async move {
            let handler = socket.ns().handler();
            handler.disconnect(&socket, reason).await;
        });
    }
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket").field("id", self.id()).field("ns", &self.ns().name()).finish()
    }
}

impl PartialEq for Socket {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Socket {}
