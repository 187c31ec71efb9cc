//! The Socket.IO server as the engine sees it: options, the registered namespaces, and
//! the [`EngineHandler`] that the HTTP server mounts at `/socket.io/`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::adapter::{Adapter, AdapterFactory, MemoryAdapter, Room};
use crate::client::Client;
use crate::engine::{CloseReason, EngineConfig, EngineHandler, EngineSocket, Message};
use crate::namespace::{
    AcceptAll, BroadcastOperators, Namespace, NamespaceHandler, NamespacePath, NamespacePattern,
};
use crate::protocol::DecoderConfig;
use crate::server::{Cors, Engine, Server};
use crate::socket::{EmitError, Event};

/// Socket.IO options. Defaults are the Node server's, but for `ack_timeout`, which Node
/// does not have (its acks may wait forever).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IoConfig {
    /// How long a client may stay without joining a namespace (`connectTimeout`, 45 s).
    pub connect_timeout: Duration,
    /// How long the server waits for a client's ack by default (5 s).
    pub ack_timeout: Duration,
    /// Decoder limits (`maxAttachments` 10, nesting depth 128).
    pub decoder: DecoderConfig,
    /// The Engine.IO options.
    pub engine: EngineConfig,
    /// Where the server is mounted (`path`, `/socket.io`). This is the HTTP path, not a
    /// namespace.
    pub path: String,
    /// Which cross-origin pages may use polling (off, as in Node).
    pub cors: Option<Cors>,
    /// Most namespaces made on demand from dynamic patterns (10,000). Node keeps every
    /// child namespace forever; past this bound a new name is refused as an invalid
    /// namespace, so clients cannot grow the server's memory by inventing names.
    pub max_dynamic_namespaces: usize,
}

impl Default for IoConfig {
    fn default() -> Self {
        IoConfig {
            connect_timeout: Duration::from_secs(45),
            ack_timeout: Duration::from_secs(5),
            decoder: DecoderConfig::default(),
            engine: EngineConfig::default(),
            path: "/socket.io".to_owned(),
            cors: None,
            max_dynamic_namespaces: 10_000,
        }
    }
}

/// Builds an [`Io`].
///
/// ```
/// use std::time::Duration;
/// use socketio_runtime::io::Io;
/// use socketio_runtime::namespace::{BoxFuture, NamespaceHandler};
/// use socketio_runtime::socket::{IncomingEvent, Socket};
///
/// struct Chat;
/// impl NamespaceHandler for Chat {
///     fn event<'a>(&'a self, socket: &'a Socket, event: IncomingEvent) -> BoxFuture<'a, ()> {
///         Box::pin(async move { let _ = socket.to("lobby").emit(event.name(), event.args()); })
///     }
/// }
///
/// let io = Io::builder()
///     .connect_timeout(Duration::from_secs(10))
///     .max_attachments(4)
///     .namespace("/chat", Chat)
///     .build();
/// assert!(io.of("/chat").is_some());
/// assert!(io.of("/").is_some(), "the main namespace always exists");
/// assert!(io.of("/other").is_none());
/// ```
#[must_use = "call build() to get the server"]
pub struct IoBuilder {
    config: IoConfig,
    handlers: Vec<(String, Arc<dyn NamespaceHandler>)>,
    adapter: AdapterFactory,
}

impl IoBuilder {
    /// Sets [`IoConfig::connect_timeout`].
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.config.connect_timeout = d;
        self
    }

    /// Sets [`IoConfig::ack_timeout`].
    pub fn ack_timeout(mut self, d: Duration) -> Self {
        self.config.ack_timeout = d;
        self
    }

    /// Sets the most attachments a client's binary packet may have (10).
    pub fn max_attachments(mut self, n: usize) -> Self {
        self.config.decoder.max_attachments = n;
        self
    }

    /// Sets the Engine.IO options.
    pub fn engine(mut self, engine: EngineConfig) -> Self {
        self.config.engine = engine;
        self
    }

    /// Sets the HTTP path the server is mounted at by [`Io::server`] (`/socket.io`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.config.path = path.into();
        self
    }

    /// Sets the CORS policy of polling requests (off by default, as in Node).
    pub fn cors(mut self, cors: Cors) -> Self {
        self.config.cors = Some(cors);
        self
    }

    /// Sets every option at once.
    pub fn config(mut self, config: IoConfig) -> Self {
        self.config = config;
        self
    }

    /// Uses another adapter than [`MemoryAdapter`] (one per namespace).
    pub fn adapter(
        mut self,
        factory: impl Fn(crate::adapter::LocalNamespace) -> Arc<dyn Adapter> + Send + Sync + 'static,
    ) -> Self {
        self.adapter = Arc::new(factory);
        self
    }

    /// Registers the handler of a namespace (`/`, `/chat`, ...). Registering `/`
    /// replaces the default accept-all main namespace.
    ///
    /// A path with placeholders (`/room-{id}`) registers a dynamic namespace: each name
    /// a client opens that matches it (`/room-42`) becomes a namespace of its own, made
    /// on first use and served by `handler`; its values are [`Namespace::param`].
    /// Static names win over patterns, and patterns are tried in registration order.
    ///
    /// # Panics
    /// When `path` does not start with `/`, contains a `,` (a client could not name it)
    /// or is not a valid pattern, or when it is registered twice.
    pub fn namespace(mut self, path: &str, handler: impl NamespaceHandler) -> Self {
        assert!(path.starts_with('/') && !path.contains(','), "invalid namespace name {path:?}");
        assert!(!self.handlers.iter().any(|(p, _)| p == path), "namespace {path:?} registered twice");
        if NamespacePattern::is_pattern(path) {
            if let Err(e) = NamespacePattern::parse(path) {
                panic!("invalid namespace pattern {path:?}: {e}");
            }
        }
        self.handlers.push((path.to_owned(), Arc::new(handler)));
        self
    }

    /// Registers a namespace that knows its path (what `#[namespace("/chat")]` makes).
    ///
    /// # Panics
    /// As [`IoBuilder::namespace`].
    pub fn register<N: NamespaceHandler + NamespacePath>(self, handler: N) -> Self {
        self.namespace(N::PATH, handler)
    }

    /// The server.
    pub fn build(self) -> Io {
        let IoBuilder { config, mut handlers, adapter } = self;
        if !handlers.iter().any(|(p, _)| p == "/") {
            handlers.push(("/".to_owned(), Arc::new(AcceptAll)));
        }
        let mut namespaces = HashMap::new();
        let mut patterns = Vec::new();
        for (path, handler) in handlers {
            match NamespacePattern::is_pattern(&path).then(|| NamespacePattern::parse(&path)) {
                Some(Ok(pattern)) => patterns.push((pattern, handler)),
                // `namespace` checked every pattern.
                Some(Err(_)) => {}
                None => {
                    let ns = Namespace::new(&path, handler, &adapter, config.ack_timeout, Vec::new());
                    namespaces.insert(path.into_boxed_str(), ns);
                }
            }
        }
        Io(Arc::new(IoInner { config, namespaces, patterns, children: Mutex::default(), adapter }))
    }
}

/// The Socket.IO server: its namespaces, and the [`EngineHandler`] to mount under the
/// Engine.IO server at `/socket.io/`. Cheap to clone; emit from anywhere.
///
/// ```
/// use socketio_runtime::io::Io;
/// let io = Io::builder().build();
/// // No client yet: reaches nobody.
/// io.emit("tick", 1).unwrap();
/// io.to("room").emit("tick", 2).unwrap();
/// ```
#[derive(Clone)]
pub struct Io(Arc<IoInner>);

struct IoInner {
    config: IoConfig,
    namespaces: HashMap<Box<str>, Namespace>,
    patterns: Vec<(NamespacePattern, Arc<dyn NamespaceHandler>)>,
    /// Namespaces made from `patterns`, by name.
    children: Mutex<HashMap<Box<str>, Namespace>>,
    adapter: AdapterFactory,
}

impl Io {
    /// A builder with the default options and only the main namespace.
    pub fn builder() -> IoBuilder {
        IoBuilder {
            config: IoConfig::default(),
            handlers: Vec::new(),
            adapter: Arc::new(|ns| Arc::new(MemoryAdapter::new(ns)) as Arc<dyn Adapter>),
        }
    }

    /// Waits until the adapter of every registered namespace is ready (a cluster adapter
    /// has subscribed to its channels, so no message of the cluster is missed), and
    /// fails with the first error. Call it before accepting clients; a namespace made
    /// later from a dynamic pattern gets ready before its first client is accepted.
    ///
    /// ```
    /// # async fn f() -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// let io = socketio_runtime::io::Io::builder().build();
    /// io.ready().await?; // at once with the in-memory adapter
    /// # Ok(()) }
    /// ```
    pub async fn ready(&self) -> Result<(), crate::adapter::AdapterError> {
        for ns in self.0.namespaces.values() {
            ns.ready().await?;
        }
        Ok(())
    }

    /// The options.
    pub fn config(&self) -> &IoConfig {
        &self.0.config
    }

    /// The Engine.IO endpoint serving this server (with its CORS policy), to mount at a
    /// path of a [`Server`] or to call from an existing hyper application.
    pub fn engine(&self) -> Engine<Io> {
        let engine = Engine::new(self.clone(), self.0.config.engine.clone());
        match &self.0.config.cors {
            Some(cors) => engine.with_cors(cors.clone()),
            None => engine,
        }
    }

    /// A [`Server`] with this server mounted at its path (`/socket.io`); add a fallback
    /// for the application's pages and serve it.
    ///
    /// ```no_run
    /// use socketio_runtime::io::Io;
    /// use socketio_runtime::server::shutdown_signal;
    /// # async fn run() -> std::io::Result<()> {
    /// let io = Io::builder().build();
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
    /// io.server().serve(listener, shutdown_signal()).await
    /// # }
    /// ```
    pub fn server(&self) -> Server {
        Server::new().mount(&self.0.config.path, self.engine())
    }

    /// The Engine.IO options, for the server that mounts this handler.
    pub fn engine_config(&self) -> &EngineConfig {
        &self.0.config.engine
    }

    /// A namespace by name: a registered one, or one already made from a dynamic
    /// pattern.
    pub fn of(&self, path: &str) -> Option<Namespace> {
        if let Some(ns) = self.0.namespaces.get(path) {
            return Some(ns.clone());
        }
        self.children().get(path).cloned()
    }

    fn children(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Namespace>> {
        self.0.children.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The namespace a client asks for: a registered one, or one made now from the
    /// first dynamic pattern its name matches (within `max_dynamic_namespaces`).
    pub(crate) fn resolve(&self, name: &str) -> Option<Namespace> {
        if let Some(ns) = self.0.namespaces.get(name) {
            return Some(ns.clone());
        }
        let mut children = self.children();
        if let Some(ns) = children.get(name) {
            return Some(ns.clone());
        }
        let (params, handler) =
            self.0.patterns.iter().find_map(|(p, h)| p.matches(name).map(|params| (params, h.clone())))?;
        if children.len() >= self.0.config.max_dynamic_namespaces {
            tracing::debug!(name, "too many dynamic namespaces: refused");
            return None;
        }
        let ns = Namespace::new(name, handler, &self.0.adapter, self.0.config.ack_timeout, params);
        children.insert(name.into(), ns.clone());
        Some(ns)
    }

    /// The main namespace `/`.
    pub fn sockets(&self) -> Namespace {
        match self.of("/") {
            Some(ns) => ns,
            // `build` always registers `/`.
            None => unreachable!("the main namespace exists"),
        }
    }

    /// Every namespace: the registered ones and those made from dynamic patterns.
    pub fn namespaces(&self) -> Vec<Namespace> {
        let mut all: Vec<Namespace> = self.0.namespaces.values().cloned().collect();
        all.extend(self.children().values().cloned());
        all
    }

    /// Emits to every socket of the main namespace.
    pub fn emit(&self, event: &str, args: impl Serialize) -> Result<(), EmitError> {
        self.sockets().emit(event, args)
    }

    /// Emits a typed event to every socket of the main namespace.
    pub fn emit_event<E: Event>(&self, event: &E) -> Result<(), EmitError> {
        self.sockets().emit_event(event)
    }

    /// The sockets of a room of the main namespace.
    pub fn to(&self, room: impl Into<Room>) -> BroadcastOperators {
        self.sockets().to(room)
    }

    /// The sockets of the main namespace but those of a room.
    pub fn except(&self, room: impl Into<Room>) -> BroadcastOperators {
        self.sockets().except(room)
    }

    /// Disconnects every socket of every namespace and closes their connections
    /// ("server shutting down" is the engine's to report when it stops).
    pub fn disconnect_all(&self) {
        for ns in self.namespaces() {
            ns.disconnect_sockets(true);
        }
    }
}

impl std::fmt::Debug for Io {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.0.namespaces.keys().map(|k| &**k).collect();
        names.sort_unstable();
        f.debug_struct("Io").field("namespaces", &names).field("config", &self.0.config).finish()
    }
}

impl EngineHandler for Io {
    type Session = Client;

    fn open(&self, socket: EngineSocket) -> Client {
        self.open_client(socket)
    }

    fn message(&self, client: &mut Client, message: Message) {
        self.client_message(client, message)
    }

    fn close(&self, client: Client, reason: CloseReason) {
        self.close_client(client, reason.into())
    }
}
