//! One task per Engine.IO session.
//!
//! The task owns everything the session has: the sans-IO [`Session`], the WebSocket or
//! the pending poll, the outbound queue, the probe WebSocket of an upgrade, and the
//! handler's per-session state. Nothing is shared behind a lock; HTTP requests and the
//! application talk to the task through channels. Writes to a WebSocket are batched: the
//! task feeds every frame that is already queued, then flushes once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};
use tracing::{debug, trace};

use super::registry::Registry;
use super::websocket::{to_ws, WsStream};
use crate::engine::packet::Packet;
use crate::engine::session::{Session, Timeout, Timers, Upgrade, UpgradeStep};
use crate::engine::{
    payload, CloseReason, Control, EngineConfig, EngineError, EngineHandler, EngineSocket, Frame, Outbox,
    Outgoing, TransportKind,
};

/// Most frames written to a WebSocket before one flush.
const WRITE_BATCH: usize = 64;
/// How long a closing polling session waits for a GET to deliver its close (Node's
/// `closeTimeout`).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client that closed with a POST while no GET was pending may still have
/// one arrive: a client sends both at once, and two connections may be served out of
/// order. That GET gets the noop it would have had, not a 400.
const CLIENT_CLOSE_GRACE: Duration = Duration::from_millis(100);

type PollReply = oneshot::Sender<Result<Bytes, EngineError>>;

#[allow(clippy::large_enum_variant)] // one per session, never moved around
enum Transport {
    Polling,
    WebSocket(WsStream),
}

enum Event {
    Control(Control),
    Data(Outgoing),
    Ws(Option<Result<WsMessage, WsError>>),
    Probe(Option<Result<WsMessage, WsError>>),
    Timer,
    PollGone,
}

/// How a session ends.
enum End {
    /// At once: the client is gone or broke the protocol.
    Now(CloseReason),
    /// After the queued frames and a close packet reach the client.
    Graceful(CloseReason),
    /// The client closed with a POST while no GET was pending: a GET sent with it may
    /// still arrive (`transport close`).
    ClientClosedPolling,
}

pub(crate) struct Connection<H: EngineHandler> {
    socket: EngineSocket,
    handler: Arc<H>,
    config: Arc<EngineConfig>,
    registry: Registry,
    session: Session,
    /// The session's queues: frames for the client, requests for this task.
    data_rx: Outbox,
    transport: Transport,
    probe: Option<Box<WsStream>>,
    /// Engine packets (pings, noops) waiting for a poll.
    buffer: Vec<Frame>,
    pending_poll: Option<PollReply>,
    /// The session's next deadline, armed once and moved only when it changes.
    timer: std::pin::Pin<Box<tokio::time::Sleep>>,
    timer_at: Option<Instant>,
}

pub(crate) fn timers(config: &EngineConfig) -> Timers {
    Timers {
        ping_interval: config.ping_interval,
        ping_timeout: config.ping_timeout,
        upgrade_timeout: config.upgrade_timeout,
    }
}

impl<H: EngineHandler> Connection<H> {
    pub(crate) fn new(
        socket: EngineSocket,
        handler: Arc<H>,
        config: Arc<EngineConfig>,
        registry: Registry,
        data_rx: Outbox,
        ws: Option<WsStream>,
    ) -> Self {
        let kind = if ws.is_some() { TransportKind::WebSocket } else { TransportKind::Polling };
        let session = Session::new(kind, timers(&config), Instant::now());
        Connection {
            socket,
            handler,
            config,
            registry,
            session,
            data_rx,
            transport: ws.map_or(Transport::Polling, Transport::WebSocket),
            probe: None,
            buffer: Vec::new(),
            pending_poll: None,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
            timer_at: None,
        }
    }

    /// Runs the session to its end. `open` is the handshake packet for a WebSocket
    /// session (a polling session's handshake went out in the GET response).
    ///
    /// An `async move` block rather than an `async fn`: an `async fn` keeps its
    /// arguments twice (as received and moved into locals), which would make every idle
    /// session's task larger by a whole `Connection`; the block uses `self` in place.
    #[allow(clippy::manual_async_fn)] // on purpose, see above
    pub(crate) fn run(mut self, open: Option<Frame>) -> impl std::future::Future<Output = ()> {
        async move {
            if let (Some(open), Transport::WebSocket(ws)) = (open, &mut self.transport) {
                if ws.send(to_ws(open)).await.is_err() {
                    self.registry.remove(self.socket.sid());
                    return;
                }
            }
            let mut state = self.handler.open(self.socket.clone());
            let end = loop {
                let event = self.next_event().await;
                match self.handle(event, &mut state).await {
                    Ok(()) => {}
                    Err(end) => break end,
                }
            };
            let reason = match end {
                End::Now(r) | End::Graceful(r) => r,
                End::ClientClosedPolling => CloseReason::TransportClose,
            };
            debug!(%reason, "session closed");
            self.handler.close(state, reason);
            // The rare paths are boxed (here and in `handle`): an idle session's task is
            // as large as its largest state, and these hold timers and close futures.
            match end {
                End::Now(reason) => Box::pin(self.close_now(reason)).await,
                End::Graceful(reason) => Box::pin(self.close_gracefully(reason)).await,
                End::ClientClosedPolling => {
                    if let Some(poll) = Box::pin(self.wait_for_poll(CLIENT_CLOSE_GRACE)).await {
                        let _ = poll.send(Ok(payload::encode(&[Packet::Noop.encode()])));
                    }
                }
            }
            self.registry.remove(self.socket.sid());
        }
    }

    async fn next_event(&mut self) -> Event {
        let deadline = self.session.poll_timeout();
        if deadline != self.timer_at {
            self.timer_at = deadline;
            if let Some(at) = deadline {
                self.timer.as_mut().reset(at.into());
            }
        }
        let timer_armed = deadline.is_some();
        let polling = matches!(self.transport, Transport::Polling);
        // On polling, application frames stay in the bounded queue until a GET can take
        // them: that queue is the session's only buffer, so a client that stops polling
        // fills it and is closed.
        let take_data = !polling || (self.pending_poll.is_some() && !self.probed());
        let ws = match &mut self.transport {
            Transport::WebSocket(ws) => Some(ws),
            Transport::Polling => None,
        };
        tokio::select! {
            biased;
            c = self.data_rx.recv_control() => Event::Control(c),
            m = next_frame(ws) => Event::Ws(m),
            m = next_frame(self.probe.as_deref_mut()) => Event::Probe(m),
            d = self.data_rx.recv(), if take_data => Event::Data(d),
            () = self.timer.as_mut(), if timer_armed => Event::Timer,
            () = poll_gone(self.pending_poll.as_mut()) => Event::PollGone,
        }
    }

    async fn handle(&mut self, event: Event, state: &mut H::Session) -> Result<(), End> {
        match event {
            Event::Control(c) => {
                // A deadline that passed while this request was on its way is honoured
                // first: a poll that arrives after the ping timeout finds the session
                // closed, whatever the order the runtime woke things in.
                if self.session.poll_timeout().is_some_and(|d| d <= Instant::now()) {
                    self.timer_at = None;
                    Box::pin(self.on_timer()).await?;
                }
                Box::pin(self.on_control(c, state)).await
            }
            Event::Data(out) => self.on_data(out).await,
            Event::Ws(m) => self.on_ws(m, state).await,
            Event::Probe(m) => Box::pin(self.on_probe(m)).await,
            Event::Timer => {
                // Re-arm on the next turn even if the deadline did not move.
                self.timer_at = None;
                Box::pin(self.on_timer()).await
            }
            Event::PollGone => {
                debug!("pending poll closed by the client");
                self.pending_poll = None;
                Err(End::Now(CloseReason::TransportError))
            }
        }
    }

    async fn on_control(&mut self, control: Control, state: &mut H::Session) -> Result<(), End> {
        match control {
            Control::Close(reason @ (CloseReason::ForcedClose | CloseReason::ServerShuttingDown)) => {
                Err(End::Graceful(reason))
            }
            Control::Close(reason) => Err(End::Now(reason)),
            Control::Poll(reply) => self.on_poll(reply),
            Control::Post(body, reply) => self.on_post(body, reply, state),
            Control::Upgrade(mut ws) => {
                if self.session.begin_upgrade(self.config.allow_upgrades, Instant::now())
                    && self.probe.is_none()
                {
                    debug!("upgrade: probe WebSocket open");
                    self.probe = Some(ws);
                } else {
                    debug!("refused a second WebSocket for this session");
                    let _ = (*ws).close(None).await;
                }
                Ok(())
            }
        }
    }

    fn on_poll(&mut self, reply: PollReply) -> Result<(), End> {
        if !matches!(self.transport, Transport::Polling) {
            // The session moved to WebSocket: Node's TRANSPORT_MISMATCH, session kept.
            let _ = reply.send(Err(EngineError::BadRequest));
            return Ok(());
        }
        if self.pending_poll.is_some() {
            debug!("overlapping poll: closing the session");
            let _ = reply.send(Err(EngineError::TransportError("overlapping GET")));
            return Err(End::Now(CloseReason::TransportError));
        }
        if self.probed() {
            // The client is switching to the probe: release its last poll at once.
            self.buffer.push(Packet::Noop.encode());
        }
        self.pending_poll = Some(reply);
        self.drain_into_buffer();
        self.answer_poll();
        Ok(())
    }

    fn on_post(
        &mut self,
        body: Bytes,
        reply: oneshot::Sender<Result<(), EngineError>>,
        state: &mut H::Session,
    ) -> Result<(), End> {
        if !matches!(self.transport, Transport::Polling) {
            let _ = reply.send(Err(EngineError::BadRequest));
            return Ok(());
        }
        let packets = match payload::decode(body) {
            Ok(p) => p,
            Err(e) => {
                debug!(error = %e, "invalid polling payload");
                let _ = reply.send(Err(EngineError::TransportError("parse error")));
                return Err(End::Now(CloseReason::ParseError));
            }
        };
        for packet in packets {
            match self.session.handle_packet(packet, Instant::now()) {
                Ok(Some(message)) => self.handler.message(state, message),
                Ok(None) => {}
                Err(reason) => {
                    let _ = reply.send(Ok(()));
                    if reason == CloseReason::TransportClose {
                        // Node answers the pending GET of a client that closes with a noop.
                        match self.pending_poll.take() {
                            Some(poll) => {
                                let _ = poll.send(Ok(payload::encode(&[Packet::Noop.encode()])));
                            }
                            None => return Err(End::ClientClosedPolling),
                        }
                    }
                    return Err(End::Now(reason));
                }
            }
        }
        let _ = reply.send(Ok(()));
        Ok(())
    }

    async fn on_data(&mut self, first: Outgoing) -> Result<(), End> {
        match &mut self.transport {
            Transport::WebSocket(ws) => {
                let mut n = feed(ws, first).await.map_err(|_| End::Now(CloseReason::TransportError))?;
                while n < WRITE_BATCH {
                    let Some(out) = self.data_rx.try_recv() else { break };
                    n += feed(ws, out).await.map_err(|_| End::Now(CloseReason::TransportError))?;
                }
                ws.flush().await.map_err(|_| End::Now(CloseReason::TransportError))?;
                Ok(())
            }
            Transport::Polling => {
                push_outgoing(&mut self.buffer, first);
                self.drain_into_buffer();
                self.answer_poll();
                Ok(())
            }
        }
    }

    async fn on_ws(
        &mut self,
        message: Option<Result<WsMessage, WsError>>,
        state: &mut H::Session,
    ) -> Result<(), End> {
        let packet = match message {
            None => return Err(End::Now(CloseReason::TransportClose)),
            Some(Err(e)) => {
                debug!(error = %e, "WebSocket error");
                if let Transport::WebSocket(ws) = &mut self.transport {
                    let code = match e {
                        WsError::Capacity(_) => Some(CloseCode::Size),
                        WsError::Utf8(_) => Some(CloseCode::Invalid),
                        WsError::Protocol(_) => Some(CloseCode::Protocol),
                        _ => None,
                    };
                    if let Some(code) = code {
                        let frame = CloseFrame { code, reason: "".into() };
                        let _ = Box::pin(tokio::time::timeout(Duration::from_secs(1), ws.close(Some(frame))))
                            .await;
                    }
                }
                return Err(End::Now(CloseReason::TransportError));
            }
            Some(Ok(WsMessage::Text(text))) => match Packet::decode_text(text) {
                Ok(p) => p,
                Err(e) => {
                    debug!(error = %e, "invalid packet");
                    return Err(End::Now(CloseReason::ParseError));
                }
            },
            Some(Ok(WsMessage::Binary(bytes))) => Packet::decode_binary(bytes),
            Some(Ok(WsMessage::Close(_))) => return Err(End::Now(CloseReason::TransportClose)),
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_))) => {
                // tungstenite queued the pong; send it now.
                if let Transport::WebSocket(ws) = &mut self.transport {
                    let _ = ws.flush().await;
                }
                return Ok(());
            }
        };
        match self.session.handle_packet(packet, Instant::now()) {
            Ok(Some(message)) => {
                self.handler.message(state, message);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(reason) => Err(End::Now(reason)),
        }
    }

    async fn on_probe(&mut self, message: Option<Result<WsMessage, WsError>>) -> Result<(), End> {
        let packet = match message {
            Some(Ok(WsMessage::Text(text))) => Packet::decode_text(text).ok(),
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => return Ok(()),
            _ => None,
        };
        let step = match &packet {
            Some(p) => self.session.handle_upgrade_packet(p),
            None => {
                self.session.abort_upgrade();
                UpgradeStep::Abort
            }
        };
        match step {
            UpgradeStep::SendProbePong => {
                if let Some(probe) = &mut self.probe {
                    if probe.send(to_ws(Packet::Pong { probe: true }.encode())).await.is_err() {
                        self.session.abort_upgrade();
                        self.probe = None;
                        return Ok(());
                    }
                }
                if self.pending_poll.is_some() {
                    self.buffer.push(Packet::Noop.encode());
                    self.answer_poll();
                }
            }
            UpgradeStep::Complete => {
                debug!("upgraded to WebSocket");
                if let Some(poll) = self.pending_poll.take() {
                    let _ = poll.send(Ok(payload::encode(&[Packet::Noop.encode()])));
                }
                let Some(mut ws) = self.probe.take() else {
                    return Ok(());
                };
                let buffered = std::mem::take(&mut self.buffer);
                for frame in buffered {
                    ws.feed(to_ws(frame)).await.map_err(|_| End::Now(CloseReason::TransportError))?;
                }
                ws.flush().await.map_err(|_| End::Now(CloseReason::TransportError))?;
                self.transport = Transport::WebSocket(*ws);
                self.socket.set_transport(TransportKind::WebSocket);
                tracing::Span::current().record("transport", "websocket");
            }
            UpgradeStep::Abort => {
                debug!("upgrade aborted");
                if let Some(mut probe) = self.probe.take() {
                    let _ = tokio::time::timeout(Duration::from_secs(1), (*probe).close(None)).await;
                }
            }
        }
        Ok(())
    }

    async fn on_timer(&mut self) -> Result<(), End> {
        while let Some(due) = self.session.handle_timeout(Instant::now()) {
            match due {
                Timeout::SendPing => {
                    trace!("ping");
                    let ping = Packet::Ping { probe: false }.encode();
                    match &mut self.transport {
                        Transport::WebSocket(ws) => {
                            ws.send(to_ws(ping)).await.map_err(|_| End::Now(CloseReason::TransportError))?;
                        }
                        Transport::Polling => {
                            self.buffer.push(ping);
                            self.answer_poll();
                        }
                    }
                }
                Timeout::Close(reason) => return Err(End::Now(reason)),
                Timeout::AbortUpgrade => {
                    debug!("upgrade timed out");
                    if let Some(mut probe) = self.probe.take() {
                        let _ = tokio::time::timeout(Duration::from_secs(1), (*probe).close(None)).await;
                    }
                }
            }
        }
        Ok(())
    }

    /// Moves queued application frames into the poll buffer (only while a GET waits).
    fn drain_into_buffer(&mut self) {
        if self.probed() {
            return;
        }
        while let Some(out) = self.data_rx.try_recv() {
            push_outgoing(&mut self.buffer, out);
        }
    }

    /// Whether the client answered the probe: from then on it reads the WebSocket only,
    /// and application frames wait there.
    fn probed(&self) -> bool {
        self.probe.is_some() && self.session.upgrade() == Upgrade::Probed
    }

    /// Answers the pending GET if there is something to send.
    fn answer_poll(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        if let Some(poll) = self.pending_poll.take() {
            let frames = std::mem::take(&mut self.buffer);
            let _ = poll.send(Ok(payload::encode(&frames)));
        }
    }

    async fn close_now(&mut self, _reason: CloseReason) {
        if let Some(mut probe) = self.probe.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), (*probe).close(None)).await;
        }
        match &mut self.transport {
            Transport::WebSocket(ws) => {
                let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
            }
            Transport::Polling => {
                if let Some(poll) = self.pending_poll.take() {
                    self.buffer.push(Packet::Close.encode());
                    let frames = std::mem::take(&mut self.buffer);
                    let _ = poll.send(Ok(payload::encode(&frames)));
                }
            }
        }
    }

    /// Delivers what the application queued, then the close.
    async fn close_gracefully(&mut self, reason: CloseReason) {
        if let Some(mut probe) = self.probe.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), (*probe).close(None)).await;
        }
        self.data_rx.close();
        match &mut self.transport {
            Transport::WebSocket(ws) => {
                let write = async {
                    while let Some(out) = self.data_rx.try_recv() {
                        feed(ws, out).await?;
                    }
                    ws.close(None).await
                };
                let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
            }
            Transport::Polling => {
                while let Some(out) = self.data_rx.try_recv() {
                    push_outgoing(&mut self.buffer, out);
                }
                self.buffer.push(Packet::Close.encode());
                let poll = match self.pending_poll.take() {
                    Some(poll) => Some(poll),
                    // A server that shuts down accepts no more polls: nothing to wait for.
                    None if reason == CloseReason::ServerShuttingDown => None,
                    None => self.wait_for_poll(CLOSE_TIMEOUT).await,
                };
                if let Some(poll) = poll {
                    let frames = std::mem::take(&mut self.buffer);
                    let _ = poll.send(Ok(payload::encode(&frames)));
                }
            }
        }
    }

    /// A closing polling session waits for the client's next GET to tell it so.
    async fn wait_for_poll(&mut self, within: Duration) -> Option<PollReply> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let control = tokio::time::timeout_at(deadline, self.data_rx.recv_control()).await.ok()?;
            match control {
                Control::Poll(reply) => return Some(reply),
                Control::Post(_, reply) => {
                    let _ = reply.send(Ok(()));
                }
                Control::Upgrade(mut ws) => {
                    let _ = (*ws).close(None).await;
                }
                Control::Close(_) => return None,
            }
        }
    }
}

fn push_outgoing(buffer: &mut Vec<Frame>, out: Outgoing) {
    match out {
        Outgoing::One(f) => buffer.push(f),
        Outgoing::Many(fs) => buffer.extend(fs),
    }
}

/// Feeds an outgoing item to the WebSocket without flushing; returns the frame count.
async fn feed(ws: &mut WsStream, out: Outgoing) -> Result<usize, WsError> {
    match out {
        Outgoing::One(f) => {
            write_frame(ws, f).await?;
            Ok(1)
        }
        Outgoing::Many(fs) => {
            let n = fs.len();
            for f in fs {
                write_frame(ws, f).await?;
            }
            Ok(n)
        }
    }
}

/// Puts one frame in the WebSocket's write buffer (which goes out when it fills up or
/// on flush). Polled by hand rather than with `SinkExt::feed`, whose future carries the
/// message a second time in every session's task.
async fn write_frame(ws: &mut WsStream, frame: Frame) -> Result<(), WsError> {
    std::future::poll_fn(|cx| ws.poll_ready_unpin(cx)).await?;
    ws.start_send_unpin(to_ws(frame))
}

async fn next_frame(ws: Option<&mut WsStream>) -> Option<Result<WsMessage, WsError>> {
    match ws {
        Some(ws) => ws.next().await,
        None => std::future::pending().await,
    }
}

async fn poll_gone(poll: Option<&mut PollReply>) {
    match poll {
        Some(p) => p.closed().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every idle session holds its task: keep it small (docs/performance.md). 2,080
    /// bytes when `run` was an `async fn` holding the connection twice; 1,488 with
    /// rustc 1.95.
    #[test]
    fn session_task_stays_small() {
        fn output_size<A, B, R, F: FnOnce(A, B) -> R>(_: F) -> usize {
            std::mem::size_of::<R>()
        }
        let size = output_size(Connection::<crate::io::Io>::run);
        assert!(size <= 1792, "a session's task grew to {size} bytes");
    }
}
