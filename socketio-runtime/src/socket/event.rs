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

/// An event a client emitted (or, in
/// [`NamespaceHandler::server_event`](crate::namespace::NamespaceHandler::server_event),
/// another server): its name, its arguments, and the means to acknowledge it if the
/// sender asked for an ack.
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

/// Sends the acknowledgement of one event: to a client, `43[/nsp,]<id>[args...]` (or a
/// binary ack); to another server, what its adapter carries back. It is consumed by
/// [`AckSender::send`], so a sender gets at most one ack per event; dropping it sends
/// nothing.
pub struct AckSender(To);

enum To {
    Client { socket: Socket, id: u64 },
    Elsewhere(Box<dyn FnOnce(Args) + Send>),
}

impl AckSender {
    pub(crate) fn new(socket: Socket, id: u64) -> AckSender {
        AckSender(To::Client { socket, id })
    }

    /// An ack whose arguments go to `f`: how a cluster adapter answers another server's
    /// event (see [`LocalNamespace::server_event`](crate::adapter::LocalNamespace::server_event)).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use socketio_runtime::protocol::Args;
    /// use socketio_runtime::socket::AckSender;
    /// let answer = Arc::new(Mutex::new(None));
    /// let slot = answer.clone();
    /// let ack = AckSender::from_fn(move |args: Args| *slot.lock().unwrap() = Some(args));
    /// assert_eq!(ack.id(), None);
    /// ack.send(("pong", 1)).unwrap();
    /// assert_eq!(answer.lock().unwrap().as_ref().unwrap().get::<String>(0).unwrap(), "pong");
    /// ```
    pub fn from_fn(f: impl FnOnce(Args) + Send + 'static) -> AckSender {
        AckSender(To::Elsewhere(Box::new(f)))
    }

    /// The ack id the client chose; `None` for an answer to another server.
    pub fn id(&self) -> Option<u64> {
        match &self.0 {
            To::Client { id, .. } => Some(*id),
            To::Elsewhere(_) => None,
        }
    }

    /// Sends the ack. `args` follows the rules of [`Socket::emit`]: a tuple is several
    /// arguments, `()` none, anything else one. Another server receives only the first
    /// argument, as Node's do.
    pub fn send(self, args: impl Serialize) -> Result<(), EmitError> {
        match self.0 {
            To::Client { socket, id } => {
                let packet = encode::ack(socket.ns().name(), id, &args)?;
                socket.send_packet(&packet)
            }
            To::Elsewhere(f) => {
                f(Args::from_value(&args)?);
                Ok(())
            }
        }
    }
}

impl std::fmt::Debug for AckSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            To::Client { socket, id } => {
                f.debug_struct("AckSender").field("socket", socket.id()).field("id", id).finish()
            }
            To::Elsewhere(_) => f.debug_struct("AckSender").field("to", &"another server").finish(),
        }
    }
}
