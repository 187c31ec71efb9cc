//! Received events, their acknowledgements, and typed events.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{EmitError, Socket};
use crate::protocol::{encode, ArgError, Args, EventName};

/// A typed event: a name and a payload type, so that emitting and receiving it cannot
/// disagree on either. The payload is one argument. `#[derive(Event)]` implements it.
///
/// ```
/// use socketio_runtime::socket::Event;
/// #[derive(serde::Serialize)]
/// struct SystemMessage { text: String }
/// impl Event for SystemMessage { const NAME: &'static str = "system"; }
///
/// let p = socketio_runtime::protocol::encode::event("/", SystemMessage::NAME,
///     &SystemMessage { text: "hi".into() }, None).unwrap();
/// assert_eq!(p.frame().as_text(), Some(r#"42["system",{"text":"hi"}]"#));
/// ```
pub trait Event: Serialize {
    /// The event name on the wire.
    const NAME: &'static str;
}

/// An event a client emitted: its name, its arguments, and the means to acknowledge it
/// if the client asked for an ack.
///
/// ```
/// use socketio_runtime::socket::IncomingEvent;
/// fn describe(event: &IncomingEvent) -> String {
///     let first: Option<String> = event.arg(0).ok().flatten();
///     format!("{} with {} args, first {first:?}", event.name(), event.len())
/// }
/// ```
#[derive(Debug)]
pub struct IncomingEvent {
    name: EventName,
    args: Args,
    ack: Option<AckSender>,
}

impl IncomingEvent {
    pub(crate) fn new(name: EventName, args: Args, ack: Option<AckSender>) -> IncomingEvent {
        IncomingEvent { name, args, ack }
    }

    /// The event name.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// How many arguments came after the name.
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// Whether no argument came after the name.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// Argument `index` as `T`, deserialized from the received JSON; binary
    /// placeholders read as [`Binary`](crate::protocol::Binary). A missing argument
    /// reads as `null` (so `Option<T>` may be omitted by the client).
    pub fn arg<T: DeserializeOwned>(&self, index: usize) -> Result<T, ArgError> {
        self.args.get(index)
    }

    /// All the arguments, as received (emitting `&Args` sends them back unchanged,
    /// attachments included).
    pub fn args(&self) -> &Args {
        &self.args
    }

    /// The binary attachments, in placeholder order.
    pub fn attachments(&self) -> &[Bytes] {
        self.args.attachments()
    }

    /// Whether the client asked for an ack (and it was not taken yet).
    pub fn wants_ack(&self) -> bool {
        self.ack.is_some()
    }

    /// The ack of this event, if the client asked for one; only once.
    pub fn take_ack(&mut self) -> Option<AckSender> {
        self.ack.take()
    }

    /// The name, the arguments and the ack.
    pub fn into_parts(self) -> (EventName, Args, Option<AckSender>) {
        (self.name, self.args, self.ack)
    }
}

/// Sends the acknowledgement of one event: `43[/nsp,]<id>[args...]` (or a binary ack).
/// It is consumed by [`AckSender::send`], so a client gets at most one ack per event;
/// dropping it sends nothing.
#[derive(Debug)]
pub struct AckSender {
    socket: Socket,
    id: u64,
}

impl AckSender {
    pub(crate) fn new(socket: Socket, id: u64) -> AckSender {
        AckSender { socket, id }
    }

    /// The ack id the client chose.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Sends the ack. `args` follows the rules of [`Socket::emit`]: a tuple is several
    /// arguments, `()` none, anything else one.
    pub fn send(self, args: impl Serialize) -> Result<(), EmitError> {
        let packet = encode::ack(self.socket.ns().name(), self.id, &args)?;
        self.socket.send_packet(&packet)
    }
}
