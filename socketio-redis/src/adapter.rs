//! The adapter: one [`RedisAdapter`] per namespace, all sharing the node's [`RedisCluster`]
//! connections.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use bytes::Bytes;
use socketio_runtime::adapter::{
    send_with_ack, Adapter, AdapterError, BroadcastFlags, BroadcastOptions, LocalNamespace, MemoryAdapter,
    Room, ServerEmitError,
};
use socketio_runtime::engine::Sid;
use socketio_runtime::namespace::{BoxFuture, FetchedSocket};
use socketio_runtime::protocol::{Args, EncodedPacket};
use socketio_runtime::socket::{AckCollector, AckSender, Socket};
use tokio::sync::oneshot;

use crate::convert::{
    arg_value, arg_values, args_of, cluster_packet, encode_for_sockets, handshake_value, json_value, to_json,
};
use crate::link::{Link, Listener, Subscriptions};
use crate::wire::{
    event_name, BroadcastMessage, BroadcastOpts, ChannelKind, Channels, ClusterPacket, Flags, Membership,
    RemoteSocket, Request, RequestBody, Response, ResponseBody, RoomFilter, Selector, Value,
};
use crate::{Error, RedisConfig};
use socketio_runtime::io::{Io, IoBuilder};

/// A node's membership of a Redis cluster: the connections to Redis, shared by the
/// adapters of all its namespaces. Everything else goes through the runtime's
/// ordinary API (`Io::ready`, `Namespace::fetch_sockets`, `server_side_emit`, ...).
///
/// ```no_run
/// use socketio_runtime::io::Io;
/// use socketio_redis::{RedisCluster, RedisConfig};
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let cluster = RedisCluster::connect(RedisConfig::new("redis://127.0.0.1:6379")).await?;
/// let io = Io::builder().adapter(cluster.adapter()).build();
/// io.ready().await?; // every namespace subscribed: now accept connections
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisCluster {
    link: Arc<Link>,
}

impl RedisCluster {
    /// Connects to Redis; an error when it cannot be reached now. Later losses are
    /// survived: see the crate docs.
    pub async fn connect(config: RedisConfig) -> Result<RedisCluster, Error> {
        Ok(RedisCluster { link: Link::connect(config).await? })
    }

    /// The adapter factory to give `IoBuilder::adapter`: each namespace gets a
    /// [`RedisAdapter`], which subscribes to its channels when the runtime initializes
    /// it (`Io::ready` waits for that).
    pub fn adapter(&self) -> impl Fn(LocalNamespace) -> Arc<dyn Adapter> + Send + Sync + 'static {
        let link = self.link.clone();
        move |ns| Arc::new(RedisAdapter::new(ns, link.clone())) as Arc<dyn Adapter>
    }

    /// The options in use.
    pub fn config(&self) -> &RedisConfig {
        &self.link.config
    }

    /// Connects, builds the server with this cluster's adapter and waits until every
    /// namespace is subscribed: the three steps a node takes before it listens.
    ///
    /// ```no_run
    /// use socketio_runtime::io::Io;
    /// use socketio_redis::{RedisCluster, RedisConfig};
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let io = RedisCluster::build(Io::builder(), RedisConfig::new("redis://127.0.0.1:6379")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn build(builder: IoBuilder, config: RedisConfig) -> Result<Io, Error> {
        let cluster = RedisCluster::connect(config).await?;
        let io = builder.adapter(cluster.adapter()).build();
        io.ready().await?;
        Ok(io)
    }
}

impl std::fmt::Debug for RedisCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCluster")
            .field("url", &self.link.config.url)
            .field("key", &self.link.config.key)
            .finish()
    }
}

/// The adapter of one namespace: rooms of this node in memory, every cluster
/// operation also published to the other nodes (`@socket.io/redis-adapter` 8.x's
/// protocol), and their messages applied here.
pub struct RedisAdapter {
    core: Arc<Core>,
}

struct Core {
    ns: LocalNamespace,
    local: MemoryAdapter,
    uid: String,
    link: Arc<Link>,
    channels: Channels,
    pending: Mutex<HashMap<String, Pending>>,
}

/// A request of ours waiting for the other nodes.
enum Pending {
    /// Responses are gathered until `expected` came.
    Collect { expected: usize, responses: Vec<ResponseBody>, done: Option<oneshot::Sender<()>> },
    /// A broadcast with acks: client counts and acks go to the collector.
    Acks { collector: AckCollector, servers: Option<usize>, answered: usize },
}

/// A request that did not get every answer.
struct Unanswered {
    error: AdapterError,
    /// The answers that came.
    responses: Vec<ResponseBody>,
    /// How many were expected.
    expected: usize,
}

impl RedisAdapter {
    fn new(ns: LocalNamespace, link: Arc<Link>) -> RedisAdapter {
        let channels = Channels::new(&link.config.key, ns.name());
        let core = Core {
            local: MemoryAdapter::new(ns.clone()),
            ns,
            uid: random_id(),
            link,
            channels,
            pending: Mutex::default(),
        };
        RedisAdapter { core: Arc::new(core) }
    }

    /// This node's uid in the cluster (6 characters, as the official adapter's).
    pub fn uid(&self) -> &str {
        &self.core.uid
    }
}

impl std::fmt::Debug for RedisAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisAdapter").field("uid", &self.core.uid).field("ns", &self.core.ns.name()).finish()
    }
}

/// uid2-style: random letters and digits.
pub(crate) fn random_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        // No random source: fall back on the clock (ids only need to differ between nodes).
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        bytes.copy_from_slice(&nanos.to_le_bytes()[..6]);
    }
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

fn options(filter: &RoomFilter) -> BroadcastOptions {
    let mut opts = BroadcastOptions::default();
    opts.rooms = filter.rooms.iter().map(Room::from).collect();
    opts.except = filter.except.iter().map(Room::from).collect();
    opts
}

fn filter(opts: &BroadcastOptions) -> RoomFilter {
    RoomFilter {
        rooms: opts.rooms.iter().map(|r| r.as_str().to_owned()).collect(),
        except: opts.except.iter().map(|r| r.as_str().to_owned()).collect(),
    }
}

/// The flags a broadcast carries, as Node writes them (only those that are set).
fn wire_flags(flags: &BroadcastFlags) -> Flags {
    let mut wire = Flags::default();
    if flags.volatile {
        wire = wire.with("volatile", Value::Bool(true));
    }
    if let Some(compress) = flags.compress {
        wire = wire.with("compress", Value::Bool(compress));
    }
    if let Some(timeout) = flags.timeout {
        wire = wire.with("timeout", Value::UInt(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)));
    }
    wire
}

/// The options of a broadcast another node published.
fn received_options(opts: &BroadcastOpts) -> BroadcastOptions {
    let mut options = options(&opts.filter());
    options.flags.volatile = opts.flags.volatile();
    options.flags.compress = opts.flags.compress();
    options.flags.timeout = opts.flags.timeout_ms().map(Duration::from_millis);
    options
}

fn adapter_error(what: &'static str, e: Error) -> AdapterError {
    match e {
        Error::Timeout { after, .. } => AdapterError::timeout(what, after),
        other => AdapterError::other(other),
    }
}

impl Core {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn subscriptions(&self) -> Subscriptions {
        let ch = &self.channels;
        Subscriptions {
            pattern: ch.broadcast_pattern(),
            channels: vec![
                ch.request().to_owned(),
                ch.response().to_owned(),
                ch.specific_response(&self.uid),
            ],
        }
    }

    fn publish_request(&self, request: &Request) {
        self.link.publish(self.channels.request().to_owned(), request.encode());
    }

    /// The channel of a response to `requester`.
    fn response_channel(&self, requester: Option<&str>) -> String {
        match requester {
            Some(uid) if self.link.config.publish_on_specific_response_channel => {
                self.channels.specific_response(uid)
            }
            _ => self.channels.response().to_owned(),
        }
    }

    fn publish_response(&self, requester: Option<&str>, response: Response) {
        self.link.publish(self.response_channel(requester), response.encode());
    }

    fn request(&self, body: RequestBody, request_id: Option<String>) -> Request {
        Request { uid: Some(self.uid.clone()), request_id, body }
    }

    /// How many other nodes subscribe to this namespace's requests.
    async fn other_servers(&self) -> Result<usize, Error> {
        Ok(self.link.numsub(self.channels.request()).await?.saturating_sub(1))
    }

    /// Publishes a request and gathers one response per other node, within
    /// `requestsTimeout`.
    async fn ask(&self, what: &'static str, body: RequestBody) -> Result<Vec<ResponseBody>, Unanswered> {
        let others = self.other_servers().await.map_err(|e| Unanswered {
            error: adapter_error(what, e),
            responses: Vec::new(),
            expected: 0,
        })?;
        if others == 0 {
            return Ok(Vec::new());
        }
        let id = random_id();
        let (tx, rx) = oneshot::channel();
        self.lock()
            .insert(id.clone(), Pending::Collect { expected: others, responses: Vec::new(), done: Some(tx) });
        self.publish_request(&self.request(body, Some(id.clone())));
        let timeout = self.link.config.requests_timeout;
        let answered = tokio::time::timeout(timeout, rx).await.is_ok();
        let responses = match self.lock().remove(&id) {
            Some(Pending::Collect { responses, .. }) => responses,
            _ => Vec::new(),
        };
        if answered {
            Ok(responses)
        } else {
            Err(Unanswered { error: AdapterError::timeout(what, timeout), responses, expected: others })
        }
    }

    /// A local socket as a fetch response describes it.
    fn describe(&self, socket: &Socket) -> RemoteSocket {
        RemoteSocket {
            id: socket.id().to_string(),
            handshake: handshake_value(socket),
            rooms: socket.rooms().iter().map(|r| r.as_str().to_owned()).collect(),
            data: json_value(socket.public_data()),
        }
    }

    fn local_sockets(&self, f: &RoomFilter) -> Vec<Socket> {
        self.local.local_sockets(&options(f))
    }

    // ---- messages from the cluster ----

    fn on_broadcast(&self, room: Option<&str>, payload: &Bytes) {
        // As the official adapter: a room channel of a room this node has no member of
        // is skipped before decoding.
        if let Some(room) = room {
            if self.local.room_members(room).is_empty() {
                return;
            }
        }
        let message = match BroadcastMessage::decode(payload, &self.link.config.limits) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "malformed broadcast from redis dropped");
                return;
            }
        };
        if message.uid == self.uid {
            return;
        }
        if message.packet.nsp != self.ns.name() {
            tracing::debug!(nsp = %message.packet.nsp, "broadcast for another namespace ignored");
            return;
        }
        let packet = match encode_for_sockets(&message.packet, None) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "broadcast from redis not deliverable: dropped");
                return;
            }
        };
        self.local.broadcast(&packet, &received_options(&message.opts));
    }

    fn on_request(self: &Arc<Self>, payload: &Bytes) {
        let request = match Request::decode(payload, &self.link.config.limits) {
            Ok(r) => r,
            Err(crate::wire::WireError::UnknownRequestType(t)) => {
                tracing::debug!(request_type = t, "request of an unknown type ignored");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "malformed request from redis dropped");
                return;
            }
        };
        if request.uid.as_deref() == Some(self.uid.as_str()) {
            return;
        }
        let requester = request.uid.as_deref();
        let respond = |body: ResponseBody| {
            if let Some(id) = &request.request_id {
                self.publish_response(requester, Response { request_id: id.clone(), body });
            }
        };
        match &request.body {
            RequestBody::Sockets { rooms } => {
                let f = RoomFilter { rooms: rooms.clone(), except: Vec::new() };
                let ids = self.local_sockets(&f).iter().map(|s| Value::Str(s.id().to_string())).collect();
                respond(ResponseBody::Sockets(ids));
            }
            RequestBody::AllRooms => {
                respond(ResponseBody::Rooms(
                    self.local.rooms().iter().map(|r| r.as_str().to_owned()).collect(),
                ));
            }
            RequestBody::Join(Membership::Matching { opts, rooms }) => {
                let rooms: Vec<Room> = rooms.iter().map(Room::from).collect();
                for socket in self.local_sockets(opts) {
                    socket.join(rooms.clone());
                }
            }
            RequestBody::Leave(Membership::Matching { opts, rooms }) => {
                for socket in self.local_sockets(opts) {
                    for room in rooms {
                        socket.leave(room.as_str());
                    }
                }
            }
            RequestBody::Join(Membership::Socket { sid, room })
            | RequestBody::Leave(Membership::Socket { sid, room }) => {
                let Some(socket) = Sid::parse(sid).and_then(|sid| self.ns.socket(&sid)) else { return };
                if matches!(request.body, RequestBody::Join(_)) {
                    socket.join(room.as_str());
                } else {
                    socket.leave(room.as_str());
                }
                respond(ResponseBody::Done);
            }
            RequestBody::Disconnect { target, close } => {
                let sockets = match target {
                    Selector::Matching(opts) => self.local_sockets(opts),
                    Selector::Socket(sid) => {
                        Sid::parse(sid).and_then(|sid| self.ns.socket(&sid)).into_iter().collect()
                    }
                };
                let single = matches!(target, Selector::Socket(_)) && !sockets.is_empty();
                for socket in sockets {
                    if *close {
                        socket.disconnect_and_close();
                    } else {
                        socket.disconnect();
                    }
                }
                if single {
                    respond(ResponseBody::Done);
                }
            }
            RequestBody::Fetch { opts } => {
                let sockets = self.local_sockets(opts).iter().map(|s| self.describe(s).to_value()).collect();
                respond(ResponseBody::Sockets(sockets));
            }
            RequestBody::ServerSideEmit { data } => self.on_server_side_emit(&request, data),
            RequestBody::Broadcast { packet, opts } => self.on_broadcast_with_ack(&request, packet, opts),
        }
    }

    /// Another node's `serverSideEmit`: to the namespace's handler, with an ack that
    /// publishes the answer when the sender waits for one.
    fn on_server_side_emit(&self, request: &Request, data: &[Value]) {
        let Some(name) = data.first().and_then(event_name) else {
            tracing::warn!("server-side event without a name dropped");
            return;
        };
        let args = match args_of(data.get(1..).unwrap_or_default()) {
            Ok(args) => args,
            Err(e) => {
                tracing::warn!(error = %e, event = %name, "server-side event not readable: dropped");
                return;
            }
        };
        let ack = request.request_id.clone().map(|request_id| {
            let (link, limits) = (self.link.clone(), self.link.config.limits.clone());
            // As the official adapter: always on the shared response channel.
            let channel = self.channels.response().to_owned();
            AckSender::from_fn(move |answer: Args| {
                let body = ResponseBody::ServerSideEmitAck(arg_value(&answer, 0, &limits));
                link.publish(channel, Response { request_id, body }.encode());
            })
        });
        self.ns.server_event(&name, args, ack);
    }

    /// Another node's broadcast with acks: sent to the local sockets under one ack id of
    /// the namespace; the count, then each client's answer, go back to the requester.
    fn on_broadcast_with_ack(&self, request: &Request, packet: &ClusterPacket, opts: &BroadcastOpts) {
        let Some(request_id) = request.request_id.clone() else { return };
        let Some(ns) = self.ns.namespace() else { return };
        let local = match encode_for_sockets(packet, Some(ns.next_ack_id())) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "broadcast with ack from redis not deliverable: dropped");
                return;
            }
        };
        let channel = self.response_channel(request.uid.as_deref());
        let (link, limits, id) = (self.link.clone(), self.link.config.limits.clone(), request_id.clone());
        let acks = AckCollector::with_listener(move |answer| {
            let body = ResponseBody::BroadcastAck(arg_value(&answer.args, 0, &limits));
            link.publish(channel.clone(), Response { request_id: id.clone(), body }.encode());
        });
        let opts = received_options(opts);
        self.local.broadcast_with_ack(&local, &opts, &acks);
        let count = u64::try_from(acks.expected()).unwrap_or(u64::MAX);
        self.publish_response(
            request.uid.as_deref(),
            Response { request_id, body: ResponseBody::ClientCount(count) },
        );
        // The official adapter keeps waiting forever; we stop after the request's timeout.
        let timeout = opts.flags.timeout.unwrap_or(self.link.config.requests_timeout);
        tokio::spawn(acks.wait(timeout));
    }

    fn on_response(&self, payload: &Bytes) {
        let response = match Response::decode(payload, &self.link.config.limits) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "malformed response from redis dropped");
                return;
            }
        };
        let mut pending = self.lock();
        let Some(entry) = pending.get_mut(&response.request_id) else {
            return; // another node's request, or one that timed out
        };
        match entry {
            Pending::Collect { expected, responses, done } => {
                responses.push(response.body);
                if responses.len() >= *expected {
                    if let Some(tx) = done.take() {
                        let _ = tx.send(());
                    }
                }
            }
            Pending::Acks { collector, servers, answered } => match response.body {
                ResponseBody::ClientCount(n) => {
                    collector.expect(usize::try_from(n).unwrap_or(usize::MAX));
                    *answered += 1;
                    if servers.is_some_and(|s| *answered >= s) {
                        collector.counted();
                    }
                }
                ResponseBody::BroadcastAck(value) => match args_of(std::slice::from_ref(&value)) {
                    Ok(args) => collector.respond(None, args),
                    Err(e) => tracing::warn!(error = %e, "a remote ack could not be read"),
                },
                _ => tracing::debug!("unexpected response to a broadcast with ack"),
            },
        }
    }
}

impl Listener for Core {
    fn on_message(self: Arc<Self>, channel: &str, payload: Bytes) {
        match self.channels.classify(channel) {
            Some(ChannelKind::Broadcast { room }) => self.on_broadcast(room, &payload),
            Some(ChannelKind::Request) => self.on_request(&payload),
            Some(ChannelKind::Response) => self.on_response(&payload),
            None => tracing::trace!(%channel, "message on a channel of no namespace"),
        }
    }
}

impl Adapter for RedisAdapter {
    fn init(&self) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let listener: Weak<Core> = Arc::downgrade(&self.core);
            self.core
                .link
                .subscribe(listener as Weak<dyn Listener>, self.core.subscriptions())
                .await
                .map_err(|e| adapter_error("SUBSCRIBE", e))
        })
    }

    fn close(&self) {
        self.core.link.unsubscribe(self.core.subscriptions());
    }

    fn add_all(&self, sid: &Sid, rooms: &[Room]) {
        self.core.local.add_all(sid, rooms);
    }

    fn del(&self, sid: &Sid, room: &Room) {
        self.core.local.del(sid, room);
    }

    fn del_all(&self, sid: &Sid) {
        self.core.local.del_all(sid);
    }

    fn socket_rooms(&self, sid: &Sid) -> Vec<Room> {
        self.core.local.socket_rooms(sid)
    }

    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Socket> {
        self.core.local.local_sockets(opts)
    }

    fn local_rooms(&self) -> HashSet<Room> {
        self.core.local.local_rooms()
    }

    fn broadcast(&self, packet: &EncodedPacket, opts: &BroadcastOptions) {
        self.core.local.broadcast(packet, opts);
        if opts.flags.local {
            return;
        }
        let cluster = match cluster_packet(packet, self.core.ns.name(), &self.core.link.config.limits) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "broadcast not published to the cluster");
                return;
            }
        };
        let f = filter(opts);
        let channel = self.core.channels.for_rooms(f.rooms.iter().map(String::as_str));
        let message = BroadcastMessage {
            uid: self.core.uid.clone(),
            packet: cluster,
            opts: BroadcastOpts { rooms: f.rooms, except: f.except, flags: wire_flags(&opts.flags) },
        };
        self.core.link.publish(channel, message.encode());
    }

    fn broadcast_with_ack(&self, packet: &EncodedPacket, opts: &BroadcastOptions, acks: &AckCollector) {
        acks.expect(send_with_ack(self.core.local.local_sockets(opts), packet, &opts.flags, acks));
        if opts.flags.local {
            return acks.counted();
        }
        let cluster = match cluster_packet(packet, self.core.ns.name(), &self.core.link.config.limits) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "broadcast with ack not published to the cluster");
                return acks.counted();
            }
        };
        let id = random_id();
        let timeout = opts.flags.timeout.unwrap_or(self.core.link.config.requests_timeout);
        self.core
            .lock()
            .insert(id.clone(), Pending::Acks { collector: acks.clone(), servers: None, answered: 0 });
        let f = filter(opts);
        let mut flags = opts.flags;
        flags.timeout = Some(timeout);
        let request = self.core.request(
            RequestBody::Broadcast {
                packet: cluster,
                opts: BroadcastOpts { rooms: f.rooms, except: f.except, flags: wire_flags(&flags) },
            },
            Some(id.clone()),
        );
        self.core.publish_request(&request);
        let core = self.core.clone();
        tokio::spawn(async move {
            let servers = core.other_servers().await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "server count unknown: remote acks not awaited");
                0
            });
            if let Some(Pending::Acks { collector, servers: s, answered }) = core.lock().get_mut(&id) {
                *s = Some(servers);
                if *answered >= servers {
                    collector.counted();
                }
            }
            // The official adapter forgets the request after the broadcast's timeout.
            tokio::time::sleep(timeout).await;
            core.lock().remove(&id);
        });
    }

    fn fetch_sockets(
        &self,
        opts: &BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<FetchedSocket>, AdapterError>> {
        let opts = opts.clone();
        Box::pin(async move {
            let mut sockets: Vec<FetchedSocket> =
                self.core.local.local_sockets(&opts).into_iter().map(FetchedSocket::local).collect();
            if opts.flags.local {
                return Ok(sockets);
            }
            let Some(ns) = self.core.ns.namespace() else { return Ok(sockets) };
            let responses = self
                .core
                .ask("fetchSockets", RequestBody::Fetch { opts: filter(&opts) })
                .await
                .map_err(|unanswered| unanswered.error)?;
            for body in responses {
                let ResponseBody::Sockets(records) = body else { continue };
                for record in records {
                    let remote = match RemoteSocket::from_value(&record) {
                        Ok(s) => s,
                        Err(e) => {
                            tracing::warn!(error = %e, "malformed remote socket dropped");
                            continue;
                        }
                    };
                    let Some(sid) = Sid::parse(&remote.id) else {
                        tracing::debug!(id = %remote.id, "remote socket id not usable");
                        continue;
                    };
                    let rooms = remote.rooms.iter().map(Room::from).collect();
                    let (handshake, data) = (to_json(&remote.handshake), to_json(&remote.data));
                    sockets.push(FetchedSocket::remote(ns.clone(), sid, rooms, handshake, data));
                }
            }
            Ok(sockets)
        })
    }

    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.core.local.local_sockets(opts) {
            self.core.local.add_all(socket.id(), rooms);
        }
        if !opts.flags.local {
            let rooms = rooms.iter().map(|r| r.as_str().to_owned()).collect();
            let body = RequestBody::Join(Membership::Matching { opts: filter(opts), rooms });
            self.core.publish_request(&self.core.request(body, None));
        }
    }

    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.core.local.local_sockets(opts) {
            for room in rooms {
                self.core.local.del(socket.id(), room);
            }
        }
        if !opts.flags.local {
            let rooms = rooms.iter().map(|r| r.as_str().to_owned()).collect();
            let body = RequestBody::Leave(Membership::Matching { opts: filter(opts), rooms });
            self.core.publish_request(&self.core.request(body, None));
        }
    }

    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool) {
        if !opts.flags.local {
            let body = RequestBody::Disconnect { target: Selector::Matching(filter(opts)), close };
            self.core.publish_request(&self.core.request(body, None));
        }
        for socket in self.core.local.local_sockets(opts) {
            if close {
                socket.disconnect_and_close();
            } else {
                socket.disconnect();
            }
        }
    }

    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(async move {
            let others = self.core.other_servers().await.map_err(|e| adapter_error("serverCount", e))?;
            Ok(others + 1)
        })
    }

    fn all_rooms(&self) -> BoxFuture<'_, Result<HashSet<Room>, AdapterError>> {
        Box::pin(async move {
            let mut rooms = self.core.local.local_rooms();
            let responses = self
                .core
                .ask("allRooms", RequestBody::AllRooms)
                .await
                .map_err(|unanswered| unanswered.error)?;
            for body in responses {
                if let ResponseBody::Rooms(list) = body {
                    rooms.extend(list.into_iter().map(Room::from));
                }
            }
            Ok(rooms)
        })
    }

    fn server_side_emit(&self, event: &str, args: &Args) -> Result<(), AdapterError> {
        let data = self.server_event_data(event, args);
        self.core.publish_request(&self.core.request(RequestBody::ServerSideEmit { data }, None));
        Ok(())
    }

    fn server_side_emit_with_ack(
        &self,
        event: &str,
        args: &Args,
    ) -> BoxFuture<'_, Result<Vec<Args>, ServerEmitError>> {
        let data = self.server_event_data(event, args);
        Box::pin(async move {
            let answers = |responses: Vec<ResponseBody>| -> Vec<Args> {
                responses
                    .into_iter()
                    .filter_map(|r| match r {
                        ResponseBody::ServerSideEmitAck(v) => args_of(std::slice::from_ref(&v))
                            .map_err(|e| tracing::warn!(error = %e, "a server's answer could not be read"))
                            .ok(),
                        _ => None,
                    })
                    .collect()
            };
            match self.core.ask("serverSideEmit", RequestBody::ServerSideEmit { data }).await {
                Ok(responses) => Ok(answers(responses)),
                Err(Unanswered { error, responses, expected }) if error.is_timeout() => {
                    Err(ServerEmitError::Timeout { responses: answers(responses), expected })
                }
                Err(Unanswered { error, .. }) => Err(ServerEmitError::Adapter(error)),
            }
        })
    }
}

impl RedisAdapter {
    /// `[event, ...args]`, binary arguments as MessagePack bin (JSON-encoded requests
    /// turn them into Node's `Buffer` JSON, as the official adapter's do).
    fn server_event_data(&self, event: &str, args: &Args) -> Vec<Value> {
        let mut data = Vec::with_capacity(1 + args.len());
        data.push(Value::Str(event.to_owned()));
        data.extend(arg_values(args, &self.core.link.config.limits));
        data
    }
}
