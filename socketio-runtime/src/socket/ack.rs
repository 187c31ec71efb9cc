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
    /// The socket that answered.
    pub socket: Sid,
    /// Its ack arguments.
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
            AckTarget::Many(collector) => collector.respond(socket.clone(), args),
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
/// use socketio_runtime::socket::AckCollector;
/// let c = AckCollector::new();
/// c.expect(2);
/// c.counted();
/// assert!(!c.is_complete());
/// ```
#[derive(Clone, Default)]
pub struct AckCollector(Arc<CollectorInner>);

#[derive(Default)]
struct CollectorInner {
    state: Mutex<Collected>,
    notify: Notify,
    /// Sockets whose ack map holds this collector, to forget it once done.
    waiting: Mutex<Vec<(Socket, u64)>>,
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

    /// A recipient answered.
    pub fn respond(&self, socket: Sid, args: Args) {
        self.lock().responses.push(AckResponse { socket, args });
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

    /// Waits for completion or `timeout`.
    pub(crate) async fn wait(self, timeout: Duration) -> Result<Vec<AckResponse>, BroadcastAckError> {
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
