//! The Socket.IO server as the engine sees it: options, the registered namespaces, and
//! the [`EngineHandler`] that the HTTP server mounts at `/socket.io/`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::adapter::{Adapter, AdapterFactory, MemoryAdapter, Room};
use crate::client::Client;
use crate::engine::{CloseReason, EngineConfig, EngineHandler, EngineSocket, Message};
use crate::namespace::{AcceptAll, BroadcastOperators, Namespace, NamespaceHandler, NamespacePath};
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
    /// # Panics
    /// When `path` does not start with `/` or contains a `,` (a client could not name
    /// it), or when it is registered twice.
    pub fn namespace(mut self, path: &str, handler: impl NamespaceHandler) -> Self {
        assert!(path.starts_with('/') && !path.contains(','), "invalid namespace name {path:?}");
        assert!(!self.handlers.iter().any(|(p, _)| p == path), "namespace {path:?} registered twice");
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
        let namespaces = handlers
            .into_iter()
            .map(|(path, handler)| {
                let ns = Namespace::new(&path, handler, &adapter, config.ack_timeout);
                (path.into_boxed_str(), ns)
            })
            .collect();
        Io(Arc::new(IoInner { config, namespaces }))
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

    /// A registered namespace.
    pub fn of(&self, path: &str) -> Option<Namespace> {
        self.0.namespaces.get(path).cloned()
    }

    /// The main namespace `/`.
    pub fn sockets(&self) -> Namespace {
        match self.of("/") {
            Some(ns) => ns,
            // `build` always registers `/`.
            None => unreachable!("the main namespace exists"),
        }
    }

    /// Every registered namespace.
    pub fn namespaces(&self) -> Vec<Namespace> {
        self.0.namespaces.values().cloned().collect()
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
