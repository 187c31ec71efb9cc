//! The emitter: publishes to a cluster from any process, with no server, exactly what
//! `@socket.io/redis-emitter` 5.x publishes.

use std::sync::Arc;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::Serialize;
use socketio_runtime::adapter::IntoRooms;
use socketio_runtime::protocol::{encode, RESERVED_EVENTS};
use socketio_runtime::socket::Event;

use crate::convert::cluster_packet;
use crate::wire::{
    BroadcastMessage, BroadcastOpts, Channels, ClusterPacket, Flags, Membership, Request, RequestBody,
    RoomFilter, Selector, Value, EMITTER_UID,
};
use crate::{Error, RedisConfig};

struct Shared {
    conn: ConnectionManager,
    config: RedisConfig,
}

/// Publishes events and bulk operations to every node of a cluster (Rust or Node.js),
/// for a namespace (`/` unless [`Emitter::of`] says otherwise).
///
/// Each call is published when it returns `Ok`: the nodes subscribed at that moment
/// receive it; there is no ack and no delivery report, as with the official emitter.
///
/// ```no_run
/// use socketio_redis::{Emitter, RedisConfig};
/// use socketio_runtime::protocol::Binary;
/// # async fn f() -> Result<(), socketio_redis::Error> {
/// let emitter = Emitter::connect(RedisConfig::new("redis://127.0.0.1:6379")).await?;
/// emitter.emit("time", "12:00").await?;
/// emitter.of("/chat").to("room1").to("room2").except("muted").emit("message", ("bot", "hi")).await?;
/// emitter.to("uploads").emit("file", Binary::from(vec![1u8, 2, 3])).await?;
/// emitter.of("/chat").to("room1").sockets_join("announcements").await?;
/// emitter.to("banned").disconnect_sockets(true).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Emitter {
    shared: Arc<Shared>,
    nsp: String,
    channels: Channels,
}

impl std::fmt::Debug for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter").field("nsp", &self.nsp).field("key", &self.shared.config.key).finish()
    }
}

impl Emitter {
    /// Connects to Redis (one multiplexed connection, reconnecting by itself); an error
    /// when it cannot be reached now.
    pub async fn connect(config: RedisConfig) -> Result<Emitter, Error> {
        let client = redis::Client::open(config.url.as_str())?;
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.connect_timeout))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client, manager).await?;
        let channels = Channels::new(&config.key, "/");
        Ok(Emitter { shared: Arc::new(Shared { conn, config }), nsp: "/".to_owned(), channels })
    }

    /// The emitter of another namespace (`"chat"` is `"/chat"`, as in Node).
    pub fn of(&self, nsp: &str) -> Emitter {
        let nsp = if nsp.starts_with('/') { nsp.to_owned() } else { format!("/{nsp}") };
        Emitter { shared: self.shared.clone(), channels: Channels::new(&self.shared.config.key, &nsp), nsp }
    }

    fn operator(&self) -> BroadcastOperator {
        BroadcastOperator {
            emitter: self.clone(),
            rooms: Vec::new(),
            except: Vec::new(),
            flags: Flags::default(),
        }
    }

    /// Targets a room (or several).
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.operator().to(rooms)
    }

    /// Same as [`Emitter::to`].
    pub fn in_(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.to(rooms)
    }

    /// Leaves out the sockets of a room (or several).
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.operator().except(rooms)
    }

    /// The event may be dropped for clients that are not ready.
    pub fn volatile(&self) -> BroadcastOperator {
        self.operator().volatile()
    }

    /// Sets the `compress` flag.
    pub fn compress(&self, compress: bool) -> BroadcastOperator {
        self.operator().compress(compress)
    }

    /// Emits to every socket of the namespace. `args` as for `Socket::emit`: a tuple
    /// is several arguments, `()` none, anything else one; `Binary` values travel as
    /// binary.
    pub async fn emit(&self, event: &str, args: impl Serialize) -> Result<(), Error> {
        self.operator().emit(event, args).await
    }

    /// Emits a typed event (`#[derive(Event)]`) to every socket of the namespace.
    pub async fn emit_event<E: Event>(&self, event: &E) -> Result<(), Error> {
        self.operator().emit_event(event).await
    }

    /// Makes every socket of the namespace join rooms.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), Error> {
        self.operator().sockets_join(rooms).await
    }

    /// Makes every socket of the namespace leave rooms.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), Error> {
        self.operator().sockets_leave(rooms).await
    }

    /// Disconnects every socket of the namespace; `close` also closes their connections.
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), Error> {
        self.operator().disconnect_sockets(close).await
    }

    /// Sends an event to the servers themselves (their `serverSideEmit` listeners);
    /// acks are not supported, as with the official emitter.
    pub async fn server_side_emit(&self, event: &str, args: impl Serialize) -> Result<(), Error> {
        let packet = self.packet(event, &args)?;
        let request = Request {
            uid: Some(EMITTER_UID.to_owned()),
            request_id: None,
            body: RequestBody::ServerSideEmit { data: packet.data },
        };
        self.publish(self.channels.request(), &request.encode()).await
    }

    fn packet(&self, event: &str, args: &impl Serialize) -> Result<ClusterPacket, Error> {
        let encoded =
            encode::event(&self.nsp, event, args, None).map_err(|e| Error::Encode(e.to_string()))?;
        Ok(cluster_packet(&encoded, &self.nsp, &self.shared.config.limits)?)
    }

    async fn publish(&self, channel: &str, payload: &[u8]) -> Result<(), Error> {
        let mut conn = self.shared.conn.clone();
        let _: i64 = redis::cmd("PUBLISH").arg(channel).arg(payload).query_async(&mut conn).await?;
        Ok(())
    }
}

/// An emit or bulk operation being built: rooms, except and flags.
///
/// ```no_run
/// # async fn f(emitter: socketio_redis::Emitter) -> Result<(), socketio_redis::Error> {
/// emitter.to(["a", "b"]).except("c").volatile().emit("tick", 1).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "an operator does nothing until emit (or a bulk operation) is awaited"]
pub struct BroadcastOperator {
    emitter: Emitter,
    rooms: Vec<String>,
    except: Vec<String>,
    flags: Flags,
}

fn add_rooms(list: &mut Vec<String>, rooms: impl IntoRooms) {
    for room in rooms.into_rooms() {
        if !list.iter().any(|r| r == room.as_str()) {
            list.push(room.as_str().to_owned());
        }
    }
}

impl BroadcastOperator {
    /// Targets a room (or several) more.
    pub fn to(mut self, rooms: impl IntoRooms) -> Self {
        add_rooms(&mut self.rooms, rooms);
        self
    }

    /// Same as [`BroadcastOperator::to`].
    pub fn in_(self, rooms: impl IntoRooms) -> Self {
        self.to(rooms)
    }

    /// Leaves out the sockets of a room (or several) more.
    pub fn except(mut self, rooms: impl IntoRooms) -> Self {
        add_rooms(&mut self.except, rooms);
        self
    }

    /// The event may be dropped for clients that are not ready.
    pub fn volatile(mut self) -> Self {
        self.flags = self.flags.with("volatile", Value::Bool(true));
        self
    }

    /// Sets the `compress` flag.
    pub fn compress(mut self, compress: bool) -> Self {
        self.flags = self.flags.with("compress", Value::Bool(compress));
        self
    }

    /// Emits to the selected sockets of every node.
    pub async fn emit(self, event: &str, args: impl Serialize) -> Result<(), Error> {
        if RESERVED_EVENTS.contains(&event) {
            return Err(Error::Encode(format!("\"{event}\" is a reserved event name")));
        }
        let packet = self.emitter.packet(event, &args)?;
        let channel = self.emitter.channels.for_rooms(self.rooms.iter().map(String::as_str));
        let message = BroadcastMessage {
            uid: EMITTER_UID.to_owned(),
            packet,
            opts: BroadcastOpts { rooms: self.rooms, except: self.except, flags: self.flags },
        };
        self.emitter.publish(&channel, &message.encode_as_emitter()).await
    }

    /// Emits a typed event (`#[derive(Event)]`).
    pub async fn emit_event<E: Event>(self, event: &E) -> Result<(), Error> {
        self.emit(E::NAME, event).await
    }

    fn filter(&self) -> RoomFilter {
        RoomFilter { rooms: self.rooms.clone(), except: self.except.clone() }
    }

    async fn request(&self, body: RequestBody) -> Result<(), Error> {
        let request = Request { uid: None, request_id: None, body };
        self.emitter.publish(self.emitter.channels.request(), &request.encode()).await
    }

    /// Makes the selected sockets join rooms.
    pub async fn sockets_join(self, rooms: impl IntoRooms) -> Result<(), Error> {
        let rooms = rooms.into_rooms().iter().map(|r| r.as_str().to_owned()).collect();
        self.request(RequestBody::Join(Membership::Matching { opts: self.filter(), rooms })).await
    }

    /// Makes the selected sockets leave rooms.
    pub async fn sockets_leave(self, rooms: impl IntoRooms) -> Result<(), Error> {
        let rooms = rooms.into_rooms().iter().map(|r| r.as_str().to_owned()).collect();
        self.request(RequestBody::Leave(Membership::Matching { opts: self.filter(), rooms })).await
    }

    /// Disconnects the selected sockets; `close` also closes their connections.
    pub async fn disconnect_sockets(self, close: bool) -> Result<(), Error> {
        self.request(RequestBody::Disconnect { target: Selector::Matching(self.filter()), close }).await
    }
}
