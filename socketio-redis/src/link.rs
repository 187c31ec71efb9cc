//! The node's two Redis connections and the tasks that drive them.
//!
//! - One **publisher** task owns a multiplexed connection (redis-rs `ConnectionManager`,
//!   which reconnects by itself) and publishes queued messages in order, pipelining
//!   what has queued up meanwhile. The queue is bounded: when Redis is gone long enough
//!   to fill it, messages are dropped with an error log, and local delivery goes on.
//! - One **subscriber** task owns the pub/sub connection. It subscribes the channels of
//!   every registered namespace, then hands each received message, in order, to its
//!   namespace. When the connection drops it reconnects with backoff (100 ms doubling
//!   to 5 s) and subscribes again; [`Link::subscribe`] resolves once a namespace's
//!   channels are subscribed the first time.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubSink, PubSubStream};
use tokio::sync::{mpsc, oneshot};

use crate::{Error, RedisConfig};

/// Most messages waiting to be published before new ones are dropped.
const PUBLISH_QUEUE: usize = 65_536;
/// Most messages sent in one pipeline.
const PUBLISH_BATCH: usize = 512;
/// How long one pipeline of publishes may take before its messages count as lost.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Where a namespace's messages go.
pub(crate) trait Listener: Send + Sync + 'static {
    /// A message on one of its channels. Runs on the subscriber task: must not block.
    fn on_message(self: Arc<Self>, channel: &str, payload: Bytes);
}

/// A pattern to PSUBSCRIBE and channels to SUBSCRIBE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Subscriptions {
    pub(crate) pattern: String,
    pub(crate) channels: Vec<String>,
}

enum Command {
    /// Subscribe a listener's channels (again after each reconnection); the sender is
    /// told once they are subscribed the first time.
    Register(Weak<dyn Listener>, Subscriptions, oneshot::Sender<()>),
    /// Unsubscribe them.
    Unregister(Subscriptions),
}

/// A node's connections to Redis, shared by its namespaces.
pub(crate) struct Link {
    pub(crate) config: RedisConfig,
    publish: mpsc::Sender<(String, Vec<u8>)>,
    commands: ConnectionManager,
    register: mpsc::UnboundedSender<Command>,
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
        tokio::spawn(publish_loop(publisher.clone(), publish_rx));
        let subscriber = Subscriber { client, listeners: Vec::new(), routes: HashMap::new() };
        tokio::spawn(subscriber.run(pubsub, register_rx));
        Ok(Arc::new(Link { config, publish, commands: publisher, register }))
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

    /// Has a listener's channels subscribed (now, and again after each reconnection);
    /// resolves once they are subscribed, at most after `requests_timeout`.
    pub(crate) async fn subscribe(
        &self,
        listener: Weak<dyn Listener>,
        subs: Subscriptions,
    ) -> Result<(), Error> {
        let (done, subscribed) = oneshot::channel();
        if self.register.send(Command::Register(listener, subs, done)).is_err() {
            return Err(Error::Closed);
        }
        let after = self.config.requests_timeout;
        match tokio::time::timeout(after, subscribed).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Error::Closed),
            Err(_) => Err(Error::Timeout { what: "SUBSCRIBE", after }),
        }
    }

    /// Unsubscribes a listener's channels.
    pub(crate) fn unsubscribe(&self, subs: Subscriptions) {
        let _ = self.register.send(Command::Unregister(subs));
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
    subs: Subscriptions,
    subscribed: bool,
    /// Told once the channels are subscribed the first time.
    done: Option<oneshot::Sender<()>>,
}

struct Subscriber {
    client: redis::Client,
    listeners: Vec<Registered>,
    /// Pattern or channel → index in `listeners`.
    routes: HashMap<String, usize>,
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
            if let Err(e) = self.subscribe_all(&mut sink).await {
                tracing::warn!(error = %e, "redis subscriber: subscribing failed");
                continue;
            }
            tracing::info!("redis subscriber connected");
            backoff = MIN_BACKOFF;
            let open = self.serve(&mut sink, &mut stream, &mut commands).await;
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
        loop {
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(command) => {
                        let unsubscribe = self.apply(command);
                        if let Err(e) = self.unsubscribe(sink, unsubscribe).await {
                            tracing::warn!(error = %e, "redis subscriber: unsubscribing failed");
                            return true;
                        }
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
                    // Not connected: nothing to unsubscribe from.
                    Some(command) => drop(self.apply(command)),
                    None => return false,
                },
            }
        }
    }

    /// Records a command; returns the subscriptions to drop from the connection.
    fn apply(&mut self, command: Command) -> Option<Subscriptions> {
        match command {
            Command::Register(listener, subs, done) => {
                self.listeners.push(Registered { listener, subs, subscribed: false, done: Some(done) });
                None
            }
            Command::Unregister(subs) => {
                let before = self.listeners.len();
                self.listeners.retain(|r| r.subs != subs);
                if self.listeners.len() == before {
                    return None;
                }
                // What another listener (a second server on this link) still uses stays.
                let used = |name: &String| {
                    self.listeners.iter().any(|r| r.subs.pattern == *name || r.subs.channels.contains(name))
                };
                let pattern = if used(&subs.pattern) { String::new() } else { subs.pattern };
                let channels = subs.channels.into_iter().filter(|c| !used(c)).collect();
                Some(Subscriptions { pattern, channels })
            }
        }
    }

    async fn unsubscribe(
        &mut self,
        sink: &mut PubSubSink,
        subs: Option<Subscriptions>,
    ) -> redis::RedisResult<()> {
        let Some(subs) = subs else { return Ok(()) };
        tracing::debug!(pattern = %subs.pattern, channels = ?subs.channels, "unsubscribing");
        if !subs.pattern.is_empty() {
            sink.punsubscribe(&subs.pattern).await?;
        }
        for channel in &subs.channels {
            sink.unsubscribe(channel).await?;
        }
        Ok(())
    }

    async fn subscribe_all(&mut self, sink: &mut PubSubSink) -> redis::RedisResult<()> {
        self.listeners.retain(|r| r.listener.strong_count() > 0);
        self.routes.clear();
        for i in 0..self.listeners.len() {
            let r = &mut self.listeners[i];
            if !r.subscribed {
                tracing::debug!(pattern = %r.subs.pattern, channels = ?r.subs.channels, "subscribing");
                sink.psubscribe(&r.subs.pattern).await?;
                for channel in &r.subs.channels {
                    sink.subscribe(channel).await?;
                }
                r.subscribed = true;
                if let Some(done) = r.done.take() {
                    let _ = done.send(());
                }
            }
            self.routes.insert(r.subs.pattern.clone(), i);
            for channel in &r.subs.channels {
                self.routes.insert(channel.clone(), i);
            }
        }
        Ok(())
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
