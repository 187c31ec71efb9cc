//! Decoded packets.

use std::ops::Range;

use super::args::{Args, RawJson};
use crate::engine::Str;

/// The seven Socket.IO packet types.
///
/// ```
/// use socketio_runtime::protocol::PacketType;
/// assert_eq!(PacketType::from_digit(b'5'), Some(PacketType::BinaryEvent));
/// assert_eq!(PacketType::BinaryEvent.digit(), b'5');
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// `0`: join a namespace (client), or the reply (server).
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event.
    Event,
    /// `3`: the acknowledgement of an event.
    Ack,
    /// `4`: a refused CONNECT (server to client only).
    ConnectError,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an acknowledgement with binary attachments.
    BinaryAck,
}

impl PacketType {
    /// The type of an ASCII digit.
    pub fn from_digit(d: u8) -> Option<PacketType> {
        Some(match d {
            b'0' => PacketType::Connect,
            b'1' => PacketType::Disconnect,
            b'2' => PacketType::Event,
            b'3' => PacketType::Ack,
            b'4' => PacketType::ConnectError,
            b'5' => PacketType::BinaryEvent,
            b'6' => PacketType::BinaryAck,
            _ => return None,
        })
    }

    /// The ASCII digit of the type.
    pub fn digit(self) -> u8 {
        b'0' + self as u8
    }

    /// Whether the packet announces binary attachments.
    pub fn is_binary(self) -> bool {
        matches!(self, PacketType::BinaryEvent | PacketType::BinaryAck)
    }
}

/// An event name as received: a string, or the text of a number (`42[1,"x"]` is the
/// event `"1"`, as JavaScript's `EventEmitter` sees it).
#[derive(Clone, PartialEq, Eq)]
pub struct EventName(NameRepr);

#[derive(Clone, PartialEq, Eq)]
enum NameRepr {
    /// A slice of the received text (a name without escapes, or a number).
    Slice(Str, Range<usize>),
    /// A name that had escapes in it.
    Owned(Box<str>),
}

impl EventName {
    pub(crate) fn slice(text: Str, range: Range<usize>) -> EventName {
        EventName(NameRepr::Slice(text, range))
    }

    pub(crate) fn owned(name: String) -> EventName {
        EventName(NameRepr::Owned(name.into_boxed_str()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            NameRepr::Slice(text, range) => text.get(range.clone()).unwrap_or(""),
            NameRepr::Owned(s) => s,
        }
    }
}

impl std::ops::Deref for EventName {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for EventName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for EventName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Debug for EventName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for EventName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A packet received from a client, checked against the protocol.
///
/// ```
/// use socketio_runtime::protocol::{Decoder, PacketData};
/// let packet = Decoder::default().decode_text(r#"2/admin,13["foo",1]"#.into()).unwrap().unwrap();
/// assert_eq!(packet.nsp(), "/admin");
/// assert_eq!(packet.id(), Some(13));
/// let PacketData::Event { name, args } = packet.into_data() else { unreachable!() };
/// assert_eq!((name.as_str(), args.get::<i32>(0).unwrap()), ("foo", 1));
/// ```
#[derive(Clone, Debug)]
pub struct Packet {
    pub(crate) text: Str,
    /// `None` for the main namespace written implicitly.
    pub(crate) nsp: Option<Range<usize>>,
    pub(crate) id: Option<u64>,
    pub(crate) data: PacketData,
}

impl Packet {
    /// The namespace (`/` when the packet names none).
    pub fn nsp(&self) -> &str {
        match &self.nsp {
            Some(range) => self.text.get(range.clone()).unwrap_or("/"),
            None => "/",
        }
    }

    /// The ack id of an event (the client wants an ack) or of an ack.
    pub fn id(&self) -> Option<u64> {
        self.id
    }

    /// What the packet carries.
    pub fn data(&self) -> &PacketData {
        &self.data
    }

    /// What the packet carries, by value.
    pub fn into_data(self) -> PacketData {
        self.data
    }
}

/// What a received packet carries. Binary events and acks arrive here with their
/// attachments in [`Args::attachments`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PacketData {
    /// CONNECT, with the client's `auth` object if it sent one.
    Connect(Option<RawJson>),
    /// DISCONNECT.
    Disconnect,
    /// EVENT or BINARY_EVENT.
    Event {
        /// The event name.
        name: EventName,
        /// The arguments after the name.
        args: Args,
    },
    /// ACK or BINARY_ACK.
    Ack(Args),
    /// CONNECT_ERROR (valid JSON, but a client may not send it).
    ConnectError(RawJson),
}
