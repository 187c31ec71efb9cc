//! The adapter: one [`RedisAdapter`] per namespace, all sharing the node's [`RedisCluster`]
//! connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use socketio_runtime::adapter::{Adapter, BroadcastOptions, LocalNamespace, MemoryAdapter, Room};
use socketio_runtime::engine::Sid;
use socketio_runtime::namespace::{BoxFuture, FetchedSocket};
use socketio_runtime::protocol::EncodedPacket;
use socketio_runtime::socket::{AckCollector, Socket};
use tokio::sync::oneshot;

use crate::convert::{arg_value, args_of, cluster_packet, encode_for_sockets, handshake_value, Spread};
use crate::link::{Link, Listener, Subscriptions};
use crate::wire::{
    BroadcastMessage, BroadcastOpts, ChannelKind, Channels, ClusterPacket, Flags, Membership, RemoteSocket,
    Request, RequestBody, Response, ResponseBody, RoomFilter, Selector, Value,
};
use crate::{Error, RedisConfig};

/// A node's membership of a Redis cluster: the connections to Redis, shared by the
/// adapters of all its namespaces.
///
/// ```no_run
/// use socketio_runtime::io::Io;
/// use socketio_redis::{RedisCluster, RedisConfig};
/// # async fn f() -> Result<(), socketio_redis::Error> {
/// let cluster = RedisCluster::connect(RedisConfig::new("redis://127.0.0.1:6379")).await?;
/// let io = Io::builder().adapter(cluster.adapter()).build();
/// cluster.ready().await; // subscribed: now accept connections
/// # let _ = io; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisCluster {
    link: Arc<Link>,
    shared: Arc<Shared>,
}

/// What the adapters of one node share besides the connections.
#[derive(Default)]
struct Shared {
    cores: Mutex<Vec<Weak<Core>>>,
    server_events: std::sync::RwLock<Option<ServerEventHandler>>,
    socket_data: std::sync::RwLock<Option<SocketDataProvider>>,
}

type SocketDataProvider = Arc<dyn Fn(&Socket) -> serde_json::Value + Send + Sync>;

type ServerEventHandler = Arc<dyn Fn(ServerEvent) + Send + Sync>;

impl RedisCluster {
    /// Connects to Redis; an error when it cannot be reached now. Later losses are
    /// survived: see the crate docs.
    pub async fn connect(config: RedisConfig) -> Result<RedisCluster, Error> {
        Ok(RedisCluster { link: Link::connect(config).await?, shared: Arc::default() })
    }

    /// The adapter factory to give `IoBuilder::adapter`: each namespace gets a
    /// [`RedisAdapter`] that subscribes to its channels.
    pub fn adapter(&self) -> impl Fn(LocalNamespace) -> Arc<dyn Adapter> + Send + Sync + 'static {
        let link = self.link.clone();
        let shared = self.shared.clone();
        move |ns| Arc::new(RedisAdapter::new(ns, link.clone(), shared.clone())) as Arc<dyn Adapter>
    }

    /// Waits until every namespace built so far is subscribed on a live connection:
    /// call it before accepting clients, so no message of the cluster is missed.
    pub async fn ready(&self) {
        self.link.ready().await;
    }

    /// The options in use.
    pub fn config(&self) -> &RedisConfig {
        &self.link.config
    }
}

impl RedisCluster {
    /// Receives the events other servers send with `serverSideEmit` (Node's
    /// `io.on("event", ...)` on the server side), for every namespace. The handler runs on
    /// the task that reads Redis, in order: spawn for anything that waits.
    ///
    /// ```no_run
    /// # fn f(cluster: &socketio_redis::RedisCluster) {
    /// cluster.on_server_event(|event| {
    ///     if event.name().as_deref() == Some("ping") {
    ///         let _ = event.ack("pong");
    ///     }
    /// });
    /// # }
    /// ```
    pub fn on_server_event(&self, handler: impl Fn(ServerEvent) + Send + Sync + 'static) {
        *self.shared.server_events.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(handler));
    }

    /// Says what other servers see as `socket.data` of this node's sockets when they
    /// fetch them (the runtime's socket data is typed; `null` without a provider).
    ///
    /// ```no_run
    /// # fn f(cluster: &socketio_redis::RedisCluster) {
    /// #[derive(Clone)]
    /// struct User(String);
    /// cluster.socket_data(|socket| match socket.data().get::<User>() {
    ///     Some(User(name)) => serde_json::json!({ "user": name }),
    ///     None => serde_json::Value::Null,
    /// });
    /// # }
    /// ```
    pub fn socket_data(&self, provider: impl Fn(&Socket) -> serde_json::Value + Send + Sync + 'static) {
        *self.shared.socket_data.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(provider));
    }

    /// The sockets of namespace `nsp` in any of `rooms` (all when empty) and in none of
    /// `except`, on every node, with their handshake, rooms and data (Node's
    /// `fetchSockets()`, whose `RemoteSocket` carries them). Fails, as Node's, when a node
    /// does not answer within `requests_timeout`.
    pub async fn fetch_sockets(
        &self,
        nsp: &str,
        rooms: &[&str],
        except: &[&str],
    ) -> Result<Vec<RemoteSocket>, Error> {
        let core = self.core(nsp)?;
        let filter = RoomFilter {
            rooms: rooms.iter().map(|r| (*r).to_owned()).collect(),
            except: except.iter().map(|r| (*r).to_owned()).collect(),
        };
        let mut sockets: Vec<RemoteSocket> =
            core.local_sockets(&filter).iter().map(|s| core.describe(s)).collect();
        for body in core.ask("fetchSockets", RequestBody::Fetch { opts: filter }).await? {
            let ResponseBody::Sockets(records) = body else { continue };
            for record in records {
                match RemoteSocket::from_value(&record) {
                    Ok(s) => sockets.push(s),
                    Err(e) => tracing::warn!(error = %e, "malformed remote socket dropped"),
                }
            }
        }
        Ok(sockets)
    }

    /// Every room of namespace `nsp` on every node (Node's `adapter.allRooms()`), sorted;
    /// fails when a node does not answer within `requests_timeout`.
    pub async fn all_rooms(&self, nsp: &str) -> Result<Vec<String>, Error> {
        let core = self.core(nsp)?;
        let mut rooms: std::collections::BTreeSet<String> =
            core.local.rooms().iter().map(|r| r.as_str().to_owned()).collect();
        for body in core.ask("allRooms", RequestBody::AllRooms).await? {
            if let ResponseBody::Rooms(list) = body {
                rooms.extend(list);
            }
        }
        Ok(rooms.into_iter().collect())
    }

    fn core(&self, nsp: &str) -> Result<Arc<Core>, Error> {
        let cores = self.shared.cores.lock().unwrap_or_else(|e| e.into_inner());
        cores
            .iter()
            .filter_map(Weak::upgrade)
            .find(|c| c.name() == Some(nsp))
            .ok_or_else(|| Error::Encode(format!("no namespace {nsp:?} on this node")))
    }

    /// Sends an event to the other servers of namespace `nsp` (Node's
    /// `io.of(nsp).serverSideEmit(event, ...args)`); `args` as for `Socket::emit`.
    pub fn server_side_emit(&self, nsp: &str, event: &str, args: impl serde::Serialize) -> Result<(), Error> {
        let core = self.core(nsp)?;
        let data = event_data(nsp, event, &args, &self.link.config)?;
        core.publish_request(&core.request(RequestBody::ServerSideEmit { data }, None));
        Ok(())
    }

    /// Sends an event to the other servers and collects one answer from each within
    /// `requests_timeout` (Node's `serverSideEmitWithAck`).
    pub async fn server_side_emit_with_ack(
        &self,
        nsp: &str,
        event: &str,
        args: impl serde::Serialize,
    ) -> Result<Vec<Value>, Error> {
        let core = self.core(nsp)?;
        let data = event_data(nsp, event, &args, &self.link.config)?;
        let responses = core.ask("serverSideEmit", RequestBody::ServerSideEmit { data }).await?;
        Ok(responses
            .into_iter()
            .filter_map(|r| match r {
                ResponseBody::ServerSideEmitAck(v) => Some(v),
                _ => None,
            })
            .collect())
    }
}

fn event_data(
    nsp: &str,
    event: &str,
    args: &impl serde::Serialize,
    config: &RedisConfig,
) -> Result<Vec<Value>, Error> {
    let encoded = socketio_runtime::protocol::encode::event(nsp, event, args, None)
        .map_err(|e| Error::Encode(e.to_string()))?;
    Ok(cluster_packet(&encoded, &config.limits)?.data)
}

/// An event another server sent with `serverSideEmit`.
pub struct ServerEvent {
    nsp: String,
    data: Vec<Value>,
    ack: Option<ServerAck>,
}

struct ServerAck {
    core: Arc<Core>,
    request_id: String,
}

impl ServerEvent {
    /// The namespace it was sent on.
    pub fn namespace(&self) -> &str {
        &self.nsp
    }

    /// The event name (the first item, when it is a string).
    pub fn name(&self) -> Option<String> {
        match self.data.first()? {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// The arguments after the name.
    pub fn args(&self) -> &[Value] {
        self.data.get(1..).unwrap_or(&[])
    }

    /// Argument `index` as `T` (through JSON; a missing one reads as `null`).
    pub fn arg<T: serde::de::DeserializeOwned>(&self, index: usize) -> Result<T, serde_json::Error> {
        let json = self.args().get(index).map(Value::to_json).unwrap_or_else(|| "null".to_owned());
        serde_json::from_str(&json)
    }

    /// Whether the sender waits for an answer.
    pub fn wants_ack(&self) -> bool {
        self.ack.is_some()
    }

    /// Answers the sender (once; nothing happens when it asked for no answer).
    pub fn ack(self, value: impl serde::Serialize) -> Result<(), Error> {
        let Some(ack) = self.ack else { return Ok(()) };
        let value = serde_json::to_value(value).map_err(|e| Error::Encode(e.to_string()))?;
        let Some((_, ch)) = ack.core.channels() else { return Ok(()) };
        // As the official adapter: always on the shared response channel.
        let response = Response {
            request_id: ack.request_id,
            body: ResponseBody::ServerSideEmitAck(Value::from(value)),
        };
        ack.core.link.publish(ch.response().to_owned(), response.encode());
        Ok(())
    }
}

impl std::fmt::Debug for ServerEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerEvent")
            .field("nsp", &self.nsp)
            .field("data", &self.data)
            .field("ack", &self.ack.is_some())
            .finish()
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
    /// The namespace's name and channels, known once the namespace is built.
    channels: OnceLock<(String, Channels)>,
    pending: Mutex<HashMap<String, Pending>>,
    shared: Arc<Shared>,
}

/// A request of ours waiting for the other nodes.
enum Pending {
    /// Responses are gathered until `expected` came.
    Collect {
        expected: usize,
        responses: Vec<ResponseBody>,
        done: Option<oneshot::Sender<Vec<ResponseBody>>>,
    },
    /// A broadcast with acks: client counts and acks go to the collector.
    Acks { collector: AckCollector, servers: Option<usize>, answered: usize },
}

impl RedisAdapter {
    fn new(ns: LocalNamespace, link: Arc<Link>, shared: Arc<Shared>) -> RedisAdapter {
        let core = Arc::new(Core {
            local: MemoryAdapter::new(ns.clone()),
            ns,
            uid: random_id(),
            link: link.clone(),
            channels: OnceLock::new(),
            pending: Mutex::default(),
            shared: shared.clone(),
        });
        let weak: Weak<Core> = Arc::downgrade(&core);
        {
            let mut cores = shared.cores.lock().unwrap_or_else(|e| e.into_inner());
            cores.retain(|c| c.strong_count() > 0);
            cores.push(weak.clone());
        }
        link.register(weak as Weak<dyn Listener>);
        RedisAdapter { core }
    }

    /// This node's uid in the cluster (6 characters, as the official adapter's).
    pub fn uid(&self) -> &str {
        &self.core.uid
    }
}

impl std::fmt::Debug for RedisAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisAdapter").field("uid", &self.core.uid).field("ns", &self.core.name()).finish()
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

impl Core {
    fn channels(&self) -> Option<&(String, Channels)> {
        if let Some(c) = self.channels.get() {
            return Some(c);
        }
        let ns = self.ns.namespace()?;
        let name = ns.name().to_owned();
        let channels = Channels::new(&self.link.config.key, &name);
        Some(self.channels.get_or_init(|| (name, channels)))
    }

    fn name(&self) -> Option<&str> {
        self.channels().map(|(n, _)| n.as_str())
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn publish_request(&self, request: &Request) {
        let Some((_, ch)) = self.channels() else {
            tracing::warn!("request before the namespace was built: not published");
            return;
        };
        self.link.publish(ch.request().to_owned(), request.encode());
    }

    fn publish_response(&self, requester: Option<&str>, response: Response) {
        let Some((_, ch)) = self.channels() else { return };
        let channel = match requester {
            Some(uid) if self.link.config.publish_on_specific_response_channel => ch.specific_response(uid),
            _ => ch.response().to_owned(),
        };
        self.link.publish(channel, response.encode());
    }

    fn request(&self, body: RequestBody, request_id: Option<String>) -> Request {
        Request { uid: Some(self.uid.clone()), request_id, body }
    }

    /// How many other nodes subscribe to this namespace's requests.
    async fn other_servers(&self) -> Result<usize, Error> {
        let Some((_, ch)) = self.channels() else { return Ok(0) };
        Ok(self.link.numsub(ch.request()).await?.saturating_sub(1))
    }

    /// Publishes a request and gathers one response per other node, within
    /// `requestsTimeout`.
    async fn ask(&self, what: &'static str, body: RequestBody) -> Result<Vec<ResponseBody>, Error> {
        let others = self.other_servers().await?;
        if others == 0 {
            return Ok(Vec::new());
        }
        let id = random_id();
        let (tx, rx) = oneshot::channel();
        self.lock()
            .insert(id.clone(), Pending::Collect { expected: others, responses: Vec::new(), done: Some(tx) });
        let request = self.request(body, Some(id.clone()));
        self.publish_request(&request);
        let timeout = self.link.config.requests_timeout;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(responses)) => Ok(responses),
            _ => {
                self.lock().remove(&id);
                Err(Error::Timeout { what, after: timeout })
            }
        }
    }

    /// A local socket as a fetch response describes it.
    fn describe(&self, socket: &Socket) -> RemoteSocket {
        let provider = self.shared.socket_data.read().unwrap_or_else(|e| e.into_inner()).clone();
        RemoteSocket {
            id: socket.id().to_string(),
            handshake: handshake_value(socket, &self.link.config.limits),
            rooms: socket.rooms().iter().map(|r| r.as_str().to_owned()).collect(),
            // The runtime's socket data is typed: the application says what to share.
            data: provider.map_or(Value::Nil, |p| Value::from(p(socket))),
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
        if Some(message.packet.nsp.as_str()) != self.name() {
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
        self.local.broadcast(&packet, &options(&message.opts.filter()));
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
            RequestBody::ServerSideEmit { data } => {
                let handler = self.shared.server_events.read().unwrap_or_else(|e| e.into_inner()).clone();
                let Some(handler) = handler else {
                    tracing::debug!(event = ?data.first(), "server-side event with no handler ignored");
                    return;
                };
                let ack =
                    request.request_id.clone().map(|id| ServerAck { core: self.clone(), request_id: id });
                let nsp = self.name().unwrap_or("/").to_owned();
                handler(ServerEvent { nsp, data: data.clone(), ack });
            }
            RequestBody::Broadcast { packet, opts } => self.on_broadcast_with_ack(&request, packet, opts),
        }
    }

    /// Another node's broadcast with acks: send to the local sockets, report how many,
    /// and forward each client's ack.
    fn on_broadcast_with_ack(
        self: &Arc<Self>,
        request: &Request,
        packet: &ClusterPacket,
        opts: &BroadcastOpts,
    ) {
        let Some(id) = request.request_id.clone() else { return };
        let Some(name) = packet.event_name() else {
            tracing::warn!("broadcast with ack without an event name dropped");
            return;
        };
        let timeout =
            opts.flags.timeout_ms().map(Duration::from_millis).unwrap_or(self.link.config.requests_timeout);
        let sockets = self.local_sockets(&opts.filter());
        let requester = request.uid.clone();
        let mut count = 0;
        let mut waiting = Vec::with_capacity(sockets.len());
        for socket in sockets {
            // Each socket gets its own ack id from its namespace (clients cannot tell).
            waiting.push(socket.emit_with_ack(&name, Spread(packet.args())).timeout(timeout));
            count += 1;
        }
        self.publish_response(
            requester.as_deref(),
            Response { request_id: id.clone(), body: ResponseBody::ClientCount(count) },
        );
        for ack in waiting {
            let core = self.clone();
            let (id, requester) = (id.clone(), requester.clone());
            tokio::spawn(async move {
                match ack.await {
                    Ok(args) => {
                        let first = arg_value(&args, 0, &core.link.config.limits);
                        core.publish_response(
                            requester.as_deref(),
                            Response { request_id: id, body: ResponseBody::BroadcastAck(first) },
                        );
                    }
                    Err(e) => tracing::debug!(error = %e, "no ack for a cluster broadcast"),
                }
            });
        }
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
                    let responses = std::mem::take(responses);
                    if let Some(tx) = done.take() {
                        let _ = tx.send(responses);
                    }
                    pending.remove(&response.request_id);
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
                ResponseBody::BroadcastAck(value) => {
                    match (args_of(std::slice::from_ref(&value)), Sid::parse("remote")) {
                        (Some(args), Some(sid)) => collector.respond(sid, args),
                        _ => tracing::warn!("a remote ack could not be read"),
                    }
                }
                _ => tracing::debug!("unexpected response to a broadcast with ack"),
            },
        }
    }
}

impl Listener for Core {
    fn subscriptions(&self) -> Option<Subscriptions> {
        let (_, ch) = self.channels()?;
        Some(Subscriptions {
            pattern: ch.broadcast_pattern(),
            channels: vec![
                ch.request().to_owned(),
                ch.response().to_owned(),
                ch.specific_response(&self.uid),
            ],
        })
    }

    fn on_message(self: Arc<Self>, channel: &str, payload: Bytes) {
        let Some((_, ch)) = self.channels() else { return };
        match ch.classify(channel) {
            Some(ChannelKind::Broadcast { room }) => self.on_broadcast(room, &payload),
            Some(ChannelKind::Request) => self.on_request(&payload),
            Some(ChannelKind::Response) => self.on_response(&payload),
            None => tracing::trace!(%channel, "message on a channel of no namespace"),
        }
    }
}

impl Adapter for RedisAdapter {
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

    fn broadcast(&self, packet: &EncodedPacket, opts: &BroadcastOptions) {
        self.core.local.broadcast(packet, opts);
        if opts.flags.local {
            return;
        }
        let Some((_, ch)) = self.core.channels() else { return };
        let cluster = match cluster_packet(packet, &self.core.link.config.limits) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "broadcast not published to the cluster");
                return;
            }
        };
        let f = filter(opts);
        let channel = ch.for_rooms(f.rooms.iter().map(String::as_str));
        let message = BroadcastMessage {
            uid: self.core.uid.clone(),
            packet: cluster,
            opts: BroadcastOpts { rooms: f.rooms, except: f.except, flags: Flags::default() },
        };
        self.core.link.publish(channel, message.encode());
    }

    fn broadcast_with_ack(
        &self,
        packet: &EncodedPacket,
        ack_id: u64,
        opts: &BroadcastOptions,
        acks: &AckCollector,
    ) {
        let mut count = 0;
        for socket in self.core.local.local_sockets(opts) {
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
        let cluster = match (opts.flags.local, cluster_packet(packet, &self.core.link.config.limits)) {
            (false, Ok(p)) => p,
            (true, _) => return acks.counted(),
            (false, Err(e)) => {
                tracing::error!(error = %e, "broadcast with ack not published to the cluster");
                return acks.counted();
            }
        };
        let id = random_id();
        let timeout = self.core.link.config.requests_timeout;
        self.core
            .lock()
            .insert(id.clone(), Pending::Acks { collector: acks.clone(), servers: None, answered: 0 });
        let f = filter(opts);
        let flags = Flags::default()
            .with("timeout", Value::UInt(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)));
        let request = self.core.request(
            RequestBody::Broadcast {
                packet: cluster,
                opts: BroadcastOpts { rooms: f.rooms, except: f.except, flags },
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

    fn fetch_sockets(&self, opts: &BroadcastOptions) -> BoxFuture<'_, Vec<FetchedSocket>> {
        let opts = opts.clone();
        Box::pin(async move {
            let mut sockets: Vec<FetchedSocket> =
                self.core.local.local_sockets(&opts).into_iter().map(FetchedSocket::local).collect();
            if opts.flags.local {
                return sockets;
            }
            let Some(ns) = self.core.ns.namespace() else { return sockets };
            match self.core.ask("fetchSockets", RequestBody::Fetch { opts: filter(&opts) }).await {
                Ok(responses) => {
                    for body in responses {
                        let ResponseBody::Sockets(records) = body else { continue };
                        for record in records {
                            match RemoteSocket::from_value(&record) {
                                Ok(s) => match Sid::parse(&s.id) {
                                    Some(sid) => sockets.push(FetchedSocket::remote(
                                        ns.clone(),
                                        sid,
                                        s.rooms.iter().map(Room::from).collect(),
                                    )),
                                    None => tracing::debug!(id = %s.id, "remote socket id not usable"),
                                },
                                Err(e) => tracing::warn!(error = %e, "malformed remote socket dropped"),
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "fetch_sockets: only some nodes answered"),
            }
            sockets
        })
    }

    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.core.local.local_sockets(opts) {
            self.core.local.add_all(socket.id(), rooms);
        }
        if !opts.flags.local {
            let rooms = rooms.iter().map(|r| r.as_str().to_owned()).collect();
            self.core.publish_request(
                &self
                    .core
                    .request(RequestBody::Join(Membership::Matching { opts: filter(opts), rooms }), None),
            );
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
            self.core.publish_request(
                &self
                    .core
                    .request(RequestBody::Leave(Membership::Matching { opts: filter(opts), rooms }), None),
            );
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

    fn server_count(&self) -> BoxFuture<'_, usize> {
        Box::pin(async move {
            match self.core.other_servers().await {
                Ok(n) => n + 1,
                Err(e) => {
                    tracing::warn!(error = %e, "server count unknown");
                    1
                }
            }
        })
    }
}
