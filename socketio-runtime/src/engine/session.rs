//! The session state machine: heartbeat, upgrade and close rules, fed packets and time.
//!
//! A transport owns one [`Session`], hands it every packet it decodes and the current
//! time, asks it when to wake up next ([`Session::poll_timeout`]) and does what it says.
//! Nothing here reads a clock or touches a socket, so every rule is tested with plain
//! `Instant`s.

use std::time::{Duration, Instant};

use super::message::Message;
use super::packet::Packet;
use super::socket::{CloseReason, TransportKind};

/// The timers of a session.
#[derive(Clone, Copy, Debug)]
pub struct Timers {
    /// Interval between a pong (or the open) and the next ping.
    pub ping_interval: Duration,
    /// Time a client has to answer a ping.
    pub ping_timeout: Duration,
    /// Time a client has between opening the probe WebSocket and sending `5`.
    pub upgrade_timeout: Duration,
}

/// Where an upgrade from polling to WebSocket stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upgrade {
    /// No upgrade under way.
    None,
    /// A probe WebSocket is open; waiting for `2probe`.
    AwaitingProbe,
    /// `3probe` was sent; waiting for `5`.
    Probed,
}

/// What a packet on the probe WebSocket asks of the transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradeStep {
    /// Answer `3probe` on the probe, and release a pending poll with a noop.
    SendProbePong,
    /// Switch to the WebSocket: release a pending poll, flush buffered packets on it.
    Complete,
    /// Close the probe; the session stays on polling.
    Abort,
}

/// What the transport must do when a timer fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeout {
    /// Send a ping.
    SendPing,
    /// The client did not answer in time: close the session.
    Close(CloseReason),
    /// The upgrade took too long: close the probe WebSocket.
    AbortUpgrade,
}

/// One Engine.IO session's protocol state.
///
/// ```
/// use socketio_runtime::engine::session::{Session, Timeout, Timers};
/// use socketio_runtime::engine::TransportKind;
/// use std::time::{Duration, Instant};
/// let t0 = Instant::now();
/// let timers = Timers {
///     ping_interval: Duration::from_millis(300),
///     ping_timeout: Duration::from_millis(200),
///     upgrade_timeout: Duration::from_secs(10),
/// };
/// let mut s = Session::new(TransportKind::WebSocket, timers, t0);
/// assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_millis(300)));
/// assert_eq!(s.handle_timeout(t0 + Duration::from_millis(300)), Some(Timeout::SendPing));
/// ```
#[derive(Debug)]
pub struct Session {
    timers: Timers,
    transport: TransportKind,
    upgrade: Upgrade,
    upgrade_deadline: Option<Instant>,
    next_ping: Option<Instant>,
    pong_deadline: Option<Instant>,
}

impl Session {
    /// A session opened at `now` on `transport`.
    pub fn new(transport: TransportKind, timers: Timers, now: Instant) -> Session {
        Session {
            timers,
            transport,
            upgrade: Upgrade::None,
            upgrade_deadline: None,
            next_ping: Some(now + timers.ping_interval),
            pong_deadline: None,
        }
    }

    /// The transport in use.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// Where the upgrade stands.
    pub fn upgrade(&self) -> Upgrade {
        self.upgrade
    }

    /// A packet from the client on the session's transport.
    ///
    /// Returns the message to deliver, nothing, or the reason to close the session.
    pub fn handle_packet(&mut self, packet: Packet, now: Instant) -> Result<Option<Message>, CloseReason> {
        match packet {
            Packet::Message(m) => Ok(Some(m)),
            Packet::Pong { .. } => {
                // A pong with no ping outstanding is ignored: it must not let a client
                // move the heartbeat around.
                if self.pong_deadline.take().is_some() {
                    self.next_ping = Some(now + self.timers.ping_interval);
                }
                Ok(None)
            }
            // In v4 the server pings; a ping from the client breaks the protocol.
            Packet::Ping { .. } => Err(CloseReason::TransportError),
            Packet::Close => Err(CloseReason::TransportClose),
            Packet::Open(_) | Packet::Upgrade | Packet::Noop => Ok(None),
        }
    }

    /// A WebSocket asks to take over this session. Returns whether it may probe: only a
    /// polling session with no upgrade under way may upgrade, and only if `allowed`.
    pub fn begin_upgrade(&mut self, allowed: bool, now: Instant) -> bool {
        if !allowed || self.transport != TransportKind::Polling || self.upgrade != Upgrade::None {
            return false;
        }
        self.upgrade = Upgrade::AwaitingProbe;
        self.upgrade_deadline = Some(now + self.timers.upgrade_timeout);
        true
    }

    /// A packet on the probe WebSocket.
    pub fn handle_upgrade_packet(&mut self, packet: &Packet) -> UpgradeStep {
        match (self.upgrade, packet) {
            (Upgrade::AwaitingProbe, Packet::Ping { probe: true }) => {
                self.upgrade = Upgrade::Probed;
                UpgradeStep::SendProbePong
            }
            // The upgrade packet is honoured only after the probe (stricter than Node,
            // whose clients always probe first).
            (Upgrade::Probed, Packet::Upgrade) => {
                self.upgrade = Upgrade::None;
                self.upgrade_deadline = None;
                self.transport = TransportKind::WebSocket;
                UpgradeStep::Complete
            }
            _ => {
                self.abort_upgrade();
                UpgradeStep::Abort
            }
        }
    }

    /// The probe WebSocket went away or was refused: the session stays on polling.
    pub fn abort_upgrade(&mut self) {
        self.upgrade = Upgrade::None;
        self.upgrade_deadline = None;
    }

    /// When the transport must call [`Session::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.next_ping, self.pong_deadline, self.upgrade_deadline].into_iter().flatten().min()
    }

    /// Time passed: returns what is due, one thing at a time (call again until `None`).
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Timeout> {
        if self.pong_deadline.is_some_and(|d| d <= now) {
            self.pong_deadline = None;
            return Some(Timeout::Close(CloseReason::PingTimeout));
        }
        if self.upgrade_deadline.is_some_and(|d| d <= now) {
            self.abort_upgrade();
            return Some(Timeout::AbortUpgrade);
        }
        if self.next_ping.is_some_and(|d| d <= now) {
            self.next_ping = None;
            self.pong_deadline = Some(now + self.timers.ping_timeout);
            return Some(Timeout::SendPing);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn timers() -> Timers {
        Timers { ping_interval: 300 * MS, ping_timeout: 200 * MS, upgrade_timeout: 1000 * MS }
    }

    #[test]
    fn pings_then_times_out_without_pong() {
        let t0 = Instant::now();
        let mut s = Session::new(TransportKind::Polling, timers(), t0);
        assert_eq!(s.handle_timeout(t0 + 299 * MS), None);
        assert_eq!(s.handle_timeout(t0 + 300 * MS), Some(Timeout::SendPing));
        assert_eq!(s.poll_timeout(), Some(t0 + 500 * MS));
        assert_eq!(s.handle_timeout(t0 + 499 * MS), None);
        assert_eq!(s.handle_timeout(t0 + 500 * MS), Some(Timeout::Close(CloseReason::PingTimeout)));
    }

    #[test]
    fn pong_reschedules_the_next_ping_from_the_pong() {
        let t0 = Instant::now();
        let mut s = Session::new(TransportKind::WebSocket, timers(), t0);
        assert_eq!(s.handle_timeout(t0 + 300 * MS), Some(Timeout::SendPing));
        assert_eq!(s.handle_packet(Packet::Pong { probe: false }, t0 + 350 * MS), Ok(None));
        assert_eq!(s.poll_timeout(), Some(t0 + 650 * MS));
        assert_eq!(s.handle_timeout(t0 + 600 * MS), None);
        assert_eq!(s.handle_timeout(t0 + 650 * MS), Some(Timeout::SendPing));
    }

    #[test]
    fn unsolicited_pongs_do_not_move_the_heartbeat() {
        let t0 = Instant::now();
        let mut s = Session::new(TransportKind::WebSocket, timers(), t0);
        for i in 0..100 {
            assert_eq!(s.handle_packet(Packet::Pong { probe: false }, t0 + i * MS), Ok(None));
        }
        assert_eq!(s.poll_timeout(), Some(t0 + 300 * MS));
    }

    #[test]
    fn client_ping_and_close() {
        let t0 = Instant::now();
        let mut s = Session::new(TransportKind::WebSocket, timers(), t0);
        assert_eq!(s.handle_packet(Packet::Ping { probe: false }, t0), Err(CloseReason::TransportError));
        assert_eq!(s.handle_packet(Packet::Close, t0), Err(CloseReason::TransportClose));
        assert_eq!(s.handle_packet(Packet::Noop, t0), Ok(None));
        let msg = Message::Text("x".into());
        assert_eq!(s.handle_packet(Packet::Message(msg.clone()), t0), Ok(Some(msg)));
    }

    #[test]
    fn upgrade_needs_probe_then_upgrade() {
        let t0 = Instant::now();
        let mut s = Session::new(TransportKind::Polling, timers(), t0);
        assert!(s.begin_upgrade(true, t0));
        assert!(!s.begin_upgrade(true, t0), "one upgrade at a time");
        assert_eq!(s.handle_upgrade_packet(&Packet::Ping { probe: true }), UpgradeStep::SendProbePong);
        assert_eq!(s.handle_upgrade_packet(&Packet::Upgrade), UpgradeStep::Complete);
        assert_eq!(s.transport(), TransportKind::WebSocket);
        assert!(!s.begin_upgrade(true, t0), "a WebSocket session never upgrades again");
    }

    #[test]
    fn upgrade_without_probe_or_with_junk_aborts() {
        let t0 = Instant::now();
        let mut s = Session::new(TransportKind::Polling, timers(), t0);
        assert!(s.begin_upgrade(true, t0));
        assert_eq!(s.handle_upgrade_packet(&Packet::Upgrade), UpgradeStep::Abort);
        assert_eq!(s.transport(), TransportKind::Polling);
        assert!(s.begin_upgrade(true, t0));
        let junk = Packet::Message(Message::Text("hello".into()));
        assert_eq!(s.handle_upgrade_packet(&junk), UpgradeStep::Abort);
        assert!(!s.begin_upgrade(false, t0), "upgrades can be disabled");
    }

    #[test]
    fn upgrade_times_out() {
        let t0 = Instant::now();
        let mut s = Session::new(TransportKind::Polling, timers(), t0);
        assert!(s.begin_upgrade(true, t0 + 100 * MS));
        assert_eq!(s.handle_timeout(t0 + 300 * MS), Some(Timeout::SendPing));
        assert_eq!(s.handle_packet(Packet::Pong { probe: false }, t0 + 301 * MS), Ok(None));
        assert_eq!(s.handle_timeout(t0 + 1100 * MS), Some(Timeout::AbortUpgrade));
        assert_eq!(s.upgrade(), Upgrade::None);
    }

    #[test]
    fn websocket_sessions_never_upgrade() {
        let t0 = Instant::now();
        let mut s = Session::new(TransportKind::WebSocket, timers(), t0);
        assert!(!s.begin_upgrade(true, t0));
    }
}
