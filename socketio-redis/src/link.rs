//! The node's two Redis connections and the tasks that drive them.
//!
//! - One **publisher** task owns a multiplexed connection (redis-rs `ConnectionManager`,
//!   which reconnects by itself) and publishes queued messages in order, pipelining
//!   what has queued up meanwhile. The queue is bounded: when Redis is gone long enough
//!   to fill it, messages are dropped with an error log, and local delivery goes on.
//! - One **subscriber** task owns the pub/sub connection. It subscribes the channels of
//!   every registered namespace, then hands each received message, in order, to its
//!   namespace. When the connection drops it reconnects with backoff (100 ms doubling
//!   to 5 s) and subscribes again; [`Link::ready`] waits for the subscriptions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubSink, PubSubStream};
use tokio::sync::{mpsc, watch};

use crate::{Error, RedisConfig};

/// Most messages waiting to be published before new ones are dropped.
const PUBLISH_QUEUE: usize = 65_536;
/// Most messages sent in one pipeline.
const PUBLISH_BATCH: usize = 512;
/// How long one pipeline of publishes may take before its messages count as lost.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// What a namespace listens to, and where its messages go.
pub(crate) trait Listener: Send + Sync + 'static {
    /// Its pattern and channels; `None` while it cannot tell yet (its namespace is
    /// still being built).
    fn subscriptions(&self) -> Option<Subscriptions>;

    /// A message on one of them. Runs on the subscriber task: must not block.
    fn on_message(self: Arc<Self>, channel: &str, payload: Bytes);
}

/// A pattern to PSUBSCRIBE and channels to SUBSCRIBE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Subscriptions {
    pub(crate) pattern: String,
    pub(crate) channels: Vec<String>,
}

enum Command {
    Register(Weak<dyn Listener>),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct SubState {
    connected: bool,
    /// Registered listeners not subscribed on the current connection.
    pending: usize,
}

/// A node's connections to Redis, shared by its namespaces.
pub(crate) struct Link {
    pub(crate) config: RedisConfig,
    publish: mpsc::Sender<(String, Vec<u8>)>,
    commands: ConnectionManager,
    register: mpsc::UnboundedSender<Command>,
    state: watch::Receiver<SubState>,
    pending_registrations: Arc<Mutex<usize>>,
}

impl Link {
    /// Connects both connections; fails when Redis cannot be reached now.
    pub(crate) async fn connect(config: RedisConfig) -> Result<Arc<Link>, Error> {
        let client = redis::Client::open(config.url.as_str())?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.connect_timeout))
            .set_min_delay(MIN_BACKOFF)
            .set_max_delay(MAX_BACKOFF)
            // Few retries per attempt: a command fails soon while Redis is away (the next
            // one tries again), and an unreachable Redis at start is reported at once.
            .set_number_of_retries(2);
        let publisher = ConnectionManager::new_with_config(client.clone(), manager_config).await?;
        let pubsub = tokio::time::timeout(config.connect_timeout, client.get_async_pubsub())
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connecting to redis timed out"))
            .map_err(redis::RedisError::from)??;
        let (publish, publish_rx) = mpsc::channel(PUBLISH_QUEUE);
        let (register, register_rx) = mpsc::unbounded_channel();
        let (state_tx, state) = watch::channel(SubState { connected: true, pending: 0 });
        let pending_registrations = Arc::new(Mutex::new(0));
        tokio::spawn(publish_loop(publisher.clone(), publish_rx));
        let subscriber = Subscriber {
            client,
            listeners: Vec::new(),
            routes: HashMap::new(),
            state: state_tx,
            pending_registrations: pending_registrations.clone(),
        };
        tokio::spawn(subscriber.run(pubsub, register_rx));
        Ok(Arc::new(Link { config, publish, commands: publisher, register, state, pending_registrations }))
    }

    /// Queues a message; in order with every other message of this node.
    pub(crate) fn publish(&self, channel: String, payload: Vec<u8>) {
        match self.publish.try_send((channel, payload)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full((channel, _))) => {
                tracing::error!(%channel, "redis publish queue full (redis unreachable?): message dropped");
            }
            Err(mpsc::error::TrySendError::Closed((channel, _))) => {
                tracing::error!(%channel, "redis publisher stopped: message dropped");
            }
        }
    }

    /// Has a listener's channels subscribed (now, and again after each reconnection).
    pub(crate) fn register(&self, listener: Weak<dyn Listener>) {
        *lock(&self.pending_registrations) += 1;
        if self.register.send(Command::Register(listener)).is_err() {
            tracing::error!("redis subscriber stopped: namespace not subscribed");
        }
    }

    /// Waits until every registered listener is subscribed on a live connection.
    pub(crate) async fn ready(&self) {
        let mut state = self.state.clone();
        loop {
            let s = *state.borrow_and_update();
            if s.connected && s.pending == 0 && *lock(&self.pending_registrations) == 0 {
                return;
            }
            if state.changed().await.is_err() {
                return;
            }
        }
    }

    /// `PUBSUB NUMSUB <channel>`: how many connections subscribe to it.
    pub(crate) async fn numsub(&self, channel: &str) -> Result<usize, Error> {
        let mut conn = self.commands.clone();
        // The connection manager may be busy reconnecting: bound the wait.
        let mut cmd = redis::cmd("PUBSUB");
        cmd.arg("NUMSUB").arg(channel);
        let query = cmd.query_async::<(String, usize)>(&mut conn);
        match tokio::time::timeout(self.config.connect_timeout, query).await {
            Ok(reply) => Ok(reply?.1),
            Err(_) => Err(Error::Timeout { what: "PUBSUB NUMSUB", after: self.config.connect_timeout }),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

async fn publish_loop(mut conn: ConnectionManager, mut rx: mpsc::Receiver<(String, Vec<u8>)>) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while rx.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for (channel, payload) in &batch {
            pipe.cmd("PUBLISH").arg(channel).arg(payload).ignore();
        }
        match tokio::time::timeout(PUBLISH_TIMEOUT, pipe.query_async::<()>(&mut conn)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, lost = batch.len(), "redis publish failed"),
            Err(_) => tracing::error!(lost = batch.len(), "redis publish timed out"),
        }
        batch.clear();
    }
}

struct Registered {
    listener: Weak<dyn Listener>,
    subs: Option<Subscriptions>,
    subscribed: bool,
}

struct Subscriber {
    client: redis::Client,
    listeners: Vec<Registered>,
    /// Pattern or channel → index in `listeners`.
    routes: HashMap<String, usize>,
    state: watch::Sender<SubState>,
    pending_registrations: Arc<Mutex<usize>>,
}

impl Subscriber {
    async fn run(mut self, first: redis::aio::PubSub, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut connection = Some(first);
        let mut backoff = MIN_BACKOFF;
        loop {
            let pubsub = match connection.take() {
                Some(c) => c,
                None => match self.client.get_async_pubsub().await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, retry_in = ?backoff, "redis subscriber: reconnection failed");
                        if !self.wait_or_register(&mut commands, backoff).await {
                            return;
                        }
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        continue;
                    }
                },
            };
            let (mut sink, mut stream) = pubsub.split();
            for r in &mut self.listeners {
                r.subscribed = false;
            }
            self.publish_state(true);
            if let Err(e) = self.subscribe_all(&mut sink).await {
                tracing::warn!(error = %e, "redis subscriber: subscribing failed");
                self.publish_state(false);
                continue;
            }
            tracing::info!("redis subscriber connected");
            backoff = MIN_BACKOFF;
            let open = self.serve(&mut sink, &mut stream, &mut commands).await;
            self.publish_state(false);
            if !open {
                return;
            }
            tracing::error!(retry_in = ?backoff, "redis subscriber: connection lost; local delivery goes on");
            if !self.wait_or_register(&mut commands, backoff).await {
                return;
            }
        }
    }

    /// Reads messages until the connection drops (`true`) or the node is gone (`false`).
    async fn serve(
        &mut self,
        sink: &mut PubSubSink,
        stream: &mut PubSubStream,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> bool {
        let mut retry = tokio::time::interval(Duration::from_millis(20));
        loop {
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(Command::Register(listener)) => {
                        self.add(listener);
                        if let Err(e) = self.subscribe_all(sink).await {
                            tracing::warn!(error = %e, "redis subscriber: subscribing failed");
                            return true;
                        }
                    }
                    None => return false,
                },
                message = stream.next() => match message {
                    Some(msg) => self.dispatch(&msg),
                    None => return true,
                },
                // A listener whose namespace was still being built when it registered.
                _ = retry.tick(), if self.listeners.iter().any(|r| r.subs.is_none()) => {
                    if let Err(e) = self.subscribe_all(sink).await {
                        tracing::warn!(error = %e, "redis subscriber: subscribing failed");
                        return true;
                    }
                }
            }
        }
    }

    /// Sleeps `delay`, taking registrations meanwhile; `false` when the node is gone.
    async fn wait_or_register(
        &mut self,
        commands: &mut mpsc::UnboundedReceiver<Command>,
        delay: Duration,
    ) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => return true,
                command = commands.recv() => match command {
                    Some(Command::Register(listener)) => self.add(listener),
                    None => return false,
                },
            }
        }
    }

    fn add(&mut self, listener: Weak<dyn Listener>) {
        self.listeners.push(Registered { listener, subs: None, subscribed: false });
        let mut pending = lock(&self.pending_registrations);
        *pending = pending.saturating_sub(1);
        drop(pending);
        // Copy out first: publishing takes the watch's write lock.
        let connected = self.state.borrow().connected;
        self.publish_state(connected);
    }

    async fn subscribe_all(&mut self, sink: &mut PubSubSink) -> redis::RedisResult<()> {
        self.listeners.retain(|r| r.listener.strong_count() > 0);
        self.routes.clear();
        for i in 0..self.listeners.len() {
            let r = &mut self.listeners[i];
            if r.subs.is_none() {
                r.subs = r.listener.upgrade().and_then(|l| l.subscriptions());
            }
            let Some(subs) = r.subs.clone() else { continue };
            if !r.subscribed {
                tracing::debug!(pattern = %subs.pattern, channels = ?subs.channels, "subscribing");
                sink.psubscribe(&subs.pattern).await?;
                for channel in &subs.channels {
                    sink.subscribe(channel).await?;
                }
                self.listeners[i].subscribed = true;
            }
            self.routes.insert(subs.pattern.clone(), i);
            for channel in subs.channels {
                self.routes.insert(channel, i);
            }
        }
        self.publish_state(true);
        Ok(())
    }

    fn publish_state(&self, connected: bool) {
        let pending =
            self.listeners.iter().filter(|r| !r.subscribed && r.listener.strong_count() > 0).count();
        self.state.send_replace(SubState { connected, pending });
    }

    fn dispatch(&self, msg: &redis::Msg) {
        let channel = msg.get_channel_name();
        let route = if msg.from_pattern() {
            msg.get_pattern::<String>().ok().and_then(|p| self.routes.get(&p))
        } else {
            self.routes.get(channel)
        };
        let Some(listener) = route.and_then(|&i| self.listeners.get(i)).and_then(|r| r.listener.upgrade())
        else {
            tracing::trace!(%channel, "message for no namespace");
            return;
        };
        listener.on_message(channel, Bytes::copy_from_slice(msg.get_payload_bytes()));
    }
}
