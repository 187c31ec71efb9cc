//! Stand-ins for the runtime's namespace layer (`Socket`, `Event`, `AckSender`,
//! `NamespaceHandler`, ...) in the shape its engineer announced, so the macros can be
//! built and tested before it lands. Replaced by re-exports of `socketio_runtime` then.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use socketio_runtime::protocol::{ArgError, Args, Decoder, PacketData, RawJson};

/// A boxed `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the runtime calls for each socket of a namespace; `#[namespace]` implements it.
pub trait NamespaceHandler: Send + Sync + 'static {
    /// The namespace's path.
    const PATH: &'static str;
    /// A client asks to join the namespace.
    fn connect<'a>(
        &'a self,
        socket: &'a Socket,
        auth: &'a Auth,
    ) -> BoxFuture<'a, Result<(), ConnectError>>;
    /// A client sent an event.
    fn event<'a>(&'a self, socket: &'a Socket, event: Event) -> BoxFuture<'a, ()>;
    /// A socket left.
    fn disconnect<'a>(&'a self, socket: &'a Socket, reason: DisconnectReason) -> BoxFuture<'a, ()>;
}

/// A server-to-client event type.
pub trait EmitEvent: Serialize {
    /// The event's name.
    const NAME: &'static str;
}

/// One client in one namespace.
#[derive(Debug, Default)]
pub struct Socket {
    id: String,
}

impl Socket {
    /// A socket with this id.
    pub fn new(id: &str) -> Socket {
        Socket { id: id.to_owned() }
    }

    /// The socket's id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The auth payload of a CONNECT packet.
#[derive(Debug, Default)]
pub struct Auth(Option<RawJson>);

impl Auth {
    /// The payload of a `40<auth>` packet.
    pub fn from_packet(text: &str) -> Auth {
        match Decoder::default().decode_text(text.to_owned().into()) {
            Ok(Some(packet)) => match packet.into_data() {
                PacketData::Connect(auth) => Auth(auth),
                _ => Auth(None),
            },
            _ => Auth(None),
        }
    }

    /// The payload as `T` (an absent payload reads as `null`).
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        match &self.0 {
            Some(raw) => raw.deserialize(),
            None => serde_json::from_str("null"),
        }
    }
}

/// A refused connection: `message` and `data` reach the client as `connect_error`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectError {
    /// The message.
    pub message: String,
    /// The data, if any.
    pub data: Option<serde_json::Value>,
}

impl ConnectError {
    /// A refusal with this message.
    pub fn new(message: impl Into<String>) -> ConnectError {
        ConnectError {
            message: message.into(),
            data: None,
        }
    }
}

impl From<&str> for ConnectError {
    fn from(message: &str) -> Self {
        ConnectError::new(message)
    }
}

impl From<String> for ConnectError {
    fn from(message: String) -> Self {
        ConnectError::new(message)
    }
}

/// Why a socket left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The client left the namespace.
    ClientNamespaceDisconnect,
    /// The transport closed.
    TransportClose,
}

/// A received event.
pub struct Event {
    name: String,
    args: Args,
    ack: Option<AckSender>,
}

impl Event {
    /// The event of a Socket.IO `2[..]` or `2<id>[..]` packet; with an id, its ack goes to the
    /// returned [`AckSlot`].
    pub fn from_packet(text: &str) -> (Event, AckSlot) {
        let packet = Decoder::default()
            .decode_text(text.to_owned().into())
            .expect("a valid packet")
            .expect("a text packet");
        let slot = AckSlot::default();
        let ack = packet.id().map(|_| AckSender {
            slot: Some(slot.clone()),
        });
        let PacketData::Event { name, args } = packet.into_data() else {
            panic!("not an event packet");
        };
        let event = Event {
            name: name.as_str().to_owned(),
            args,
            ack,
        };
        (event, slot)
    }

    /// The event's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Argument `index` as `T`.
    pub fn arg<T: serde::de::DeserializeOwned>(&self, index: usize) -> Result<T, ArgError> {
        self.args.get(index)
    }

    /// All the arguments.
    pub fn args(&self) -> &Args {
        &self.args
    }

    /// The ack the client asked for, once.
    pub fn take_ack(&mut self) -> Option<AckSender> {
        self.ack.take()
    }
}

/// Answers the client's ack callback, at most once.
pub struct AckSender {
    slot: Option<AckSlot>,
}

impl AckSender {
    /// A sender that sends nothing (the client asked for no ack).
    pub fn noop() -> AckSender {
        AckSender { slot: None }
    }

    /// Sends `args` (a tuple or a value, serialized as the ack's argument list).
    pub fn send<T: Serialize>(self, args: &T) {
        if let Some(slot) = self.slot {
            let value = serde_json::to_value(args).expect("serializable ack");
            let args = match value {
                serde_json::Value::Array(args) => args,
                other => vec![other],
            };
            *slot.0.lock().unwrap() = Some(serde_json::Value::Array(args));
        }
    }
}

/// Where a test reads an ack.
#[derive(Clone, Default)]
pub struct AckSlot(Arc<Mutex<Option<serde_json::Value>>>);

impl AckSlot {
    /// The ack's arguments as a JSON array, if one was sent.
    pub fn get(&self) -> Option<serde_json::Value> {
        self.0.lock().unwrap().clone()
    }
}
