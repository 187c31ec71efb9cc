//! The client: what Socket.IO keeps per Engine.IO session (Node's `Client`). It decodes
//! the session's messages, routes packets to the namespaces it joined, and enforces
//! the protocol: any violation closes the whole session.

mod task;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

pub(crate) use task::run_handler;

use crate::engine::EngineSocket;
use crate::io::Io;
use crate::namespace::ConnectError;
use crate::protocol::{encode, Decoder, Packet, PacketData};
use crate::socket::{Auth, DisconnectReason, Socket};

/// The Socket.IO state of one Engine.IO session (the `Session` of [`Io`]'s
/// [`EngineHandler`](crate::engine::EngineHandler) implementation).
pub struct Client {
    shared: Arc<ClientShared>,
    decoder: Decoder,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("engine", &self.shared.engine).finish()
    }
}

/// What sockets and the connect task share with the session.
pub(crate) struct ClientShared {
    engine: EngineSocket,
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    closed: bool,
    nsps: HashMap<Box<str>, Slot>,
    connect_timer: Option<tokio::task::AbortHandle>,
}

enum Slot {
    /// The connect handler runs.
    Connecting(Socket),
    Connected(Socket),
}

impl ClientShared {
    fn lock(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the session for a protocol violation.
    fn violation(&self, what: &str) {
        tracing::debug!(engine = %self.engine.sid(), "{what}: closing the connection");
        self.engine.close();
    }

    fn connected(&self, nsp: &str) -> Option<Socket> {
        match self.lock().nsps.get(nsp) {
            Some(Slot::Connected(socket)) => Some(socket.clone()),
            _ => None,
        }
    }

    /// Forgets a socket that leaves its namespace.
    pub(crate) fn forget(&self, socket: &Socket) {
        let mut slots = self.lock();
        let mine = match slots.nsps.get(socket.ns().name()) {
            Some(Slot::Connected(s) | Slot::Connecting(s)) => s == socket,
            None => false,
        };
        if mine {
            slots.nsps.remove(socket.ns().name());
        }
    }

    /// Disconnects every connected socket of the client (server side).
    pub(crate) fn disconnect_all(&self) {
        let sockets: Vec<Socket> = self
            .lock()
            .nsps
            .values()
            .filter_map(|slot| match slot {
                Slot::Connected(s) => Some(s.clone()),
                Slot::Connecting(_) => None,
            })
            .collect();
        for socket in sockets {
            socket.disconnect();
        }
    }

    /// The connect handler of `socket` returned.
    fn finish_connect(&self, socket: Socket, result: Result<(), ConnectError>) {
        let mut slots = self.lock();
        let name = socket.ns().name();
        let current = matches!(slots.nsps.get(name), Some(Slot::Connecting(s)) if *s == socket);
        if slots.closed || !current {
            drop(slots);
            socket.abandon();
            return;
        }
        match result {
            Ok(()) => {
                slots.nsps.insert(name.into(), Slot::Connected(socket.clone()));
                if let Some(timer) = slots.connect_timer.take() {
                    timer.abort();
                }
                // Under the lock, so that a close of the session sees either a
                // connecting socket (abandoned) or a connected one (disconnected).
                socket.accept();
            }
            Err(e) => {
                slots.nsps.remove(name);
                drop(slots);
                socket.abandon();
                tracing::debug!(nsp = name, message = %e.message, "connection refused by the namespace");
                let reply = encode::connect_error(name, &e.message, e.data.as_ref());
                let _ = self.engine.send(reply.outgoing());
            }
        }
    }
}

impl Io {
    pub(crate) fn open_client(&self, engine: EngineSocket) -> Client {
        let shared = Arc::new(ClientShared { engine, slots: Mutex::default() });
        let weak = Arc::downgrade(&shared);
        let timeout = self.config().connect_timeout;
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let timer = rt.spawn(async move {
                tokio::time::sleep(timeout).await;
                if let Some(shared) = weak.upgrade() {
                    let joined = shared.lock().nsps.values().any(|s| matches!(s, Slot::Connected(_)));
                    if !joined {
                        shared.violation("no namespace joined within connect_timeout");
                    }
                }
            });
            shared.lock().connect_timer = Some(timer.abort_handle());
        }
        Client { shared, decoder: Decoder::new(self.config().decoder) }
    }

    pub(crate) fn client_message(&self, client: &mut Client, message: crate::engine::Message) {
        let decoded = match message {
            crate::engine::Message::Text(text) => client.decoder.decode_text(text),
            crate::engine::Message::Binary(bytes) => client.decoder.decode_binary(bytes),
        };
        match decoded {
            Ok(Some(packet)) => self.dispatch(&client.shared, packet),
            Ok(None) => {}
            Err(e) => client.shared.violation(&format!("invalid packet ({e})")),
        }
    }

    pub(crate) fn close_client(&self, client: Client, reason: DisconnectReason) {
        let nsps = {
            let mut slots = client.shared.lock();
            slots.closed = true;
            if let Some(timer) = slots.connect_timer.take() {
                timer.abort();
            }
            std::mem::take(&mut slots.nsps)
        };
        for slot in nsps.into_values() {
            if let Slot::Connected(socket) = slot {
                socket.on_disconnect(reason);
            }
        }
    }

    fn dispatch(&self, shared: &Arc<ClientShared>, packet: Packet) {
        match packet.data() {
            PacketData::Connect(_) => return self.connect(shared, packet),
            PacketData::ConnectError(_) => return shared.violation("CONNECT_ERROR from a client"),
            _ => {}
        }
        let Some(socket) = shared.connected(packet.nsp()) else {
            return shared.violation("packet for a namespace the client has not joined");
        };
        let id = packet.id();
        match packet.into_data() {
            PacketData::Event { name, args } => socket.on_event(name, args, id),
            PacketData::Ack(args) => socket.on_ack(id, args),
            PacketData::Disconnect => {
                shared.forget(&socket);
                socket.on_disconnect(DisconnectReason::ClientNamespaceDisconnect);
            }
            _ => {}
        }
    }

    fn connect(&self, shared: &Arc<ClientShared>, packet: Packet) {
        let Some(ns) = self.resolve(packet.nsp()) else {
            tracing::debug!(nsp = packet.nsp(), "CONNECT to an unknown namespace");
            let reply = encode::connect_error(packet.nsp(), "Invalid namespace", None);
            let _ = shared.engine.send(reply.outgoing());
            return;
        };
        let PacketData::Connect(auth) = packet.into_data() else {
            return;
        };
        let socket = Socket::new(ns, shared.engine.clone(), Auth::new(auth), Arc::downgrade(shared));
        {
            let mut slots = shared.lock();
            if slots.closed {
                return;
            }
            if slots.nsps.contains_key(socket.ns().name()) {
                drop(slots);
                return shared.violation("second CONNECT to a namespace");
            }
            slots.nsps.insert(socket.ns().name().into(), Slot::Connecting(socket.clone()));
        }
        let mut pending = PendingConnect { shared: shared.clone(), socket: Some(socket) };
        run_handler(async move {
            let Some(socket) = pending.socket.clone() else {
                return;
            };
            // No socket before the adapter is ready (subscribed, for a cluster); it is
            // at once but for the first clients of a namespace.
            let _ = socket.ns().ready().await;
            let handler = socket.ns().handler();
            let result = handler.connect(&socket, socket.handshake().auth()).await;
            pending.finish(result);
        });
    }
}

/// A connect handler that runs. If it panics, its client is refused rather than left
/// half-connected.
struct PendingConnect {
    shared: Arc<ClientShared>,
    socket: Option<Socket>,
}

impl PendingConnect {
    fn finish(&mut self, result: Result<(), ConnectError>) {
        if let Some(socket) = self.socket.take() {
            self.shared.finish_connect(socket, result);
        }
    }
}

impl Drop for PendingConnect {
    fn drop(&mut self) {
        self.finish(Err(ConnectError::new("Internal error")));
    }
}
