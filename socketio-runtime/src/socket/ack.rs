//! Acks the server waits for: one socket's ([`AckFuture`]) or many sockets' answers
//! to one broadcast ([`AckCollector`]).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use tokio::time::Sleep;

use super::{EmitError, Socket};
use crate::engine::Sid;
use crate::protocol::Args;

/// Why an ack did not come.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// The client did not answer in time (`operation has timed out`).
    #[error("operation has timed out")]
    Timeout,
    /// The socket left before answering.
    #[error("the socket disconnected before acknowledging")]
    Disconnected,
    /// The event could not be sent.
    #[error(transparent)]
    Emit(#[from] EmitError),
}

/// One client's answer to a broadcast with ack.
#[derive(Debug, Clone)]
pub struct AckResponse {
    /// The socket that answered, when it is on this server; `None` for a client of
    /// another server (the cluster protocol does not say which).
    pub socket: Option<Sid>,
    /// Its ack arguments (only the first travels between servers, as in Node).
    pub args: Args,
}

/// A broadcast with ack that did not get all its answers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BroadcastAckError {
    /// Not every recipient answered in time; `responses` holds those that did.
    #[error("operation has timed out ({} of {expected} acks)", responses.len())]
    Timeout {
        /// The answers that came.
        responses: Vec<AckResponse>,
        /// How many answers were expected.
        expected: usize,
    },
    /// The event could not be encoded.
    #[error(transparent)]
    Emit(#[from] EmitError),
}

/// Who waits for an ack id of one socket.
pub(crate) enum AckTarget {
    One(oneshot::Sender<Args>),
    Many(AckCollector),
}

/// The acks a socket is waiting for, by id.
#[derive(Default)]
pub(crate) struct PendingAcks {
    map: Mutex<HashMap<u64, AckTarget>>,
}

impl PendingAcks {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, AckTarget>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn insert(&self, id: u64, target: AckTarget) {
        self.lock().insert(id, target);
    }

    pub(crate) fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Delivers a client's ack; `false` for an id nobody waits for (unknown, late, or
    /// a second ack).
    pub(crate) fn resolve(&self, id: u64, socket: &Sid, args: Args) -> bool {
        let Some(target) = self.lock().remove(&id) else {
            return false;
        };
        match target {
            AckTarget::One(tx) => {
                let _ = tx.send(args);
            }
            AckTarget::Many(collector) => collector.respond(Some(socket.clone()), args),
        }
        true
    }

    /// The socket left: single waiters see [`AckError::Disconnected`], broadcasts stop
    /// counting on it.
    pub(crate) fn disconnect(&self) {
        let targets: Vec<AckTarget> = self.lock().drain().map(|(_, t)| t).collect();
        for target in targets {
            if let AckTarget::Many(collector) = target {
                collector.gone();
            }
        }
    }
}

/// The answer of one client to [`Socket::emit_with_ack`]: resolves to the client's ack
/// arguments, or an [`AckError`]. The event is sent when `emit_with_ack` is called;
/// awaiting only waits. Dropping it forgets the ack.
#[must_use = "the ack is only received by awaiting the future"]
pub struct AckFuture {
    state: AckState,
}

enum AckState {
    Failed(Option<AckError>),
    Waiting {
        rx: oneshot::Receiver<Args>,
        socket: Socket,
        id: u64,
        timeout: Duration,
        sleep: Option<Pin<Box<Sleep>>>,
    },
}

impl AckFuture {
    pub(crate) fn failed(e: AckError) -> AckFuture {
        AckFuture { state: AckState::Failed(Some(e)) }
    }

    pub(crate) fn waiting(
        rx: oneshot::Receiver<Args>,
        socket: Socket,
        id: u64,
        timeout: Duration,
    ) -> AckFuture {
        AckFuture { state: AckState::Waiting { rx, socket, id, timeout, sleep: None } }
    }

    /// Waits at most `timeout` (instead of the server's `ack_timeout`) from the first
    /// poll.
    pub fn timeout(mut self, timeout: Duration) -> AckFuture {
        if let AckState::Waiting { timeout: t, sleep, .. } = &mut self.state {
            *t = timeout;
            *sleep = None;
        }
        self
    }
}

impl Future for AckFuture {
    type Output = Result<Args, AckError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.state {
            AckState::Failed(e) => Poll::Ready(Err(e.take().unwrap_or(AckError::Timeout))),
            AckState::Waiting { rx, timeout, sleep, .. } => {
                if let Poll::Ready(r) = Pin::new(rx).poll(cx) {
                    return Poll::Ready(r.map_err(|_| AckError::Disconnected));
                }
                let sleep = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(*timeout)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(AckError::Timeout)),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl Drop for AckFuture {
    fn drop(&mut self) {
        // Resolved, timed out or abandoned: nobody waits for this id any more.
        if let AckState::Waiting { socket, id, .. } = &self.state {
            socket.inner().acks.remove(*id);
        }
    }
}

impl std::fmt::Debug for AckFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.state {
            AckState::Failed(e) => f.debug_tuple("AckFuture::Failed").field(e).finish(),
            AckState::Waiting { id, timeout, .. } => {
                f.debug_struct("AckFuture").field("id", id).field("timeout", timeout).finish()
            }
        }
    }
}

/// Collects the answers to one broadcast with ack: every recipient was sent the same
/// packet with the same ack id, and each answers at most once.
///
/// An [`Adapter`](crate::adapter::Adapter) reports how many answers to expect with
/// [`AckCollector::expect`] (a cluster adapter once per server), then calls
/// [`AckCollector::counted`]; the broadcast completes when every expected answer came.
///
/// ```
/// use socketio_runtime::protocol::Args;
/// use socketio_runtime::socket::AckCollector;
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let c = AckCollector::new();
/// c.expect(2);
/// c.counted();
/// assert!(!c.is_complete());
/// c.respond(None, Args::from_value(&"one").unwrap());
/// c.respond(None, Args::from_value(&"two").unwrap());
/// let answers = c.wait(std::time::Duration::from_secs(1)).await.unwrap();
/// assert_eq!(answers.len(), 2);
/// # });
/// ```
#[derive(Clone, Default)]
pub struct AckCollector(Arc<CollectorInner>);

/// What [`AckCollector::with_listener`] calls with each answer.
type Listener = Box<dyn Fn(&AckResponse) + Send + Sync>;

#[derive(Default)]
struct CollectorInner {
    state: Mutex<Collected>,
    notify: Notify,
    /// Sockets whose ack map holds this collector, to forget it once done.
    waiting: Mutex<Vec<(Socket, u64)>>,
    listener: Option<Listener>,
}

#[derive(Default)]
struct Collected {
    expected: usize,
    counted: bool,
    responses: Vec<AckResponse>,
}

impl AckCollector {
    /// A collector expecting no answer yet.
    pub fn new() -> AckCollector {
        AckCollector::default()
    }

    /// A collector that also hands each answer to `listener` as it comes (on the task
    /// that received it: keep it short). This is how a cluster adapter answers another
    /// server's broadcast with acks, with the official semantics: one ack id of the
    /// namespace for every local recipient, each answer forwarded to the requester.
    ///
    /// ```
    /// use std::time::Duration;
    /// use socketio_runtime::adapter::{Adapter, BroadcastOptions};
    /// use socketio_runtime::namespace::Namespace;
    /// use socketio_runtime::protocol::encode;
    /// use socketio_runtime::socket::AckCollector;
    ///
    /// /// Sends another server's event to the local sockets it selects and forwards
    /// /// their answers; returns how many sockets it was sent to.
    /// fn answer_remote_broadcast(ns: &Namespace, local: &dyn Adapter, event: &str, opts: &BroadcastOptions) -> usize {
    ///     let acks = AckCollector::with_listener(|answer| println!("forward {:?}", answer.args));
    ///     let Ok(packet) = encode::event(ns.name(), event, &(), Some(ns.next_ack_id())) else { return 0 };
    ///     local.broadcast_with_ack(&packet, opts, &acks);
    ///     let count = acks.expected();
    ///     // Forget the recipients that did not answer after the request's timeout.
    ///     tokio::spawn(acks.wait(opts.flags.timeout.unwrap_or(Duration::from_secs(5))));
    ///     count
    /// }
    /// ```
    pub fn with_listener(listener: impl Fn(&AckResponse) + Send + Sync + 'static) -> AckCollector {
        AckCollector(Arc::new(CollectorInner {
            state: Mutex::default(),
            notify: Notify::new(),
            waiting: Mutex::default(),
            listener: Some(Box::new(listener)),
        }))
    }

    /// How many answers are expected so far.
    pub fn expected(&self) -> usize {
        self.lock().expected
    }

    fn lock(&self) -> MutexGuard<'_, Collected> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `n` more recipients were sent the packet.
    pub fn expect(&self, n: usize) {
        self.lock().expected += n;
        self.0.notify.notify_one();
    }

    /// No more [`AckCollector::expect`] will come.
    pub fn counted(&self) {
        self.lock().counted = true;
        self.0.notify.notify_one();
    }

    /// A recipient answered: a local socket (`Some(id)`), or a client of another
    /// server (`None`).
    pub fn respond(&self, socket: Option<Sid>, args: Args) {
        let response = AckResponse { socket, args };
        if let Some(listener) = &self.0.listener {
            listener(&response);
        }
        self.lock().responses.push(response);
        self.0.notify.notify_one();
    }

    /// A recipient left without answering.
    pub(crate) fn gone(&self) {
        let mut s = self.lock();
        s.expected = s.expected.saturating_sub(1);
        drop(s);
        self.0.notify.notify_one();
    }

    /// Whether every expected answer came.
    pub fn is_complete(&self) -> bool {
        let s = self.lock();
        s.counted && s.responses.len() >= s.expected
    }

    /// Registers this collector as the waiter of ack `id` on a local `socket` (before
    /// sending it the packet, so that no answer is missed).
    pub fn wait_on(&self, socket: &Socket, id: u64) {
        socket.inner().acks.insert(id, AckTarget::Many(self.clone()));
        self.0.waiting.lock().unwrap_or_else(|e| e.into_inner()).push((socket.clone(), id));
    }

    /// Undoes [`AckCollector::wait_on`] for a socket the packet could not be sent to.
    pub fn cancel(&self, socket: &Socket, id: u64) {
        socket.inner().acks.remove(id);
    }

    /// Waits until every expected answer came, or `timeout`; then forgets the local
    /// recipients that did not answer (their late answers are ignored).
    pub async fn wait(self, timeout: Duration) -> Result<Vec<AckResponse>, BroadcastAckError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let complete = loop {
            let notified = self.0.notify.notified();
            if self.is_complete() {
                break true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                break self.is_complete();
            }
        };
        let waiting = std::mem::take(&mut *self.0.waiting.lock().unwrap_or_else(|e| e.into_inner()));
        for (socket, id) in waiting {
            socket.inner().acks.remove(id);
        }
        let mut s = self.lock();
        let responses = std::mem::take(&mut s.responses);
        if complete {
            Ok(responses)
        } else {
            Err(BroadcastAckError::Timeout { responses, expected: s.expected })
        }
    }
}

impl std::fmt::Debug for AckCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        f.debug_struct("AckCollector")
            .field("expected", &s.expected)
            .field("counted", &s.counted)
            .field("responses", &s.responses.len())
            .finish()
    }
}
