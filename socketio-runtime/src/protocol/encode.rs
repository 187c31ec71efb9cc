//! The encoder: `<type>[<n>-][<nsp>,][<id>][json]`, written once, straight into the
//! buffer of the Engine.IO frame that every recipient shares.
//!
//! Arguments are anything `Serialize`: a tuple (or an array) is spread into several
//! arguments, `()` is none, and any other value is one argument.
//!
//! ```
//! use socketio_runtime::protocol::encode;
//! let p = encode::event("/chat", "msg", &("hi", 2), Some(7)).unwrap();
//! assert_eq!(p.frame().as_text(), Some(r#"42/chat,7["msg","hi",2]"#));
//! let p = encode::event("/", "ping", &(), None).unwrap();
//! assert_eq!(p.frame().as_text(), Some(r#"42["ping"]"#));
//! let p = encode::ack("/", 3, &vec![1, 2]).unwrap();
//! assert_eq!(p.frame().as_text(), Some(r#"433[[1,2]]"#));
//! ```

use std::fmt;
use std::io::Write as _;

use bytes::Bytes;
use serde::ser::{self, Impossible, Serialize, SerializeTuple, Serializer};

use super::binary::with_outgoing;
use super::packet::PacketType;
use crate::engine::{Frame, Outgoing};

/// Arguments that could not be serialized.
///
/// ```
/// use socketio_runtime::protocol::encode;
/// use std::collections::HashMap;
/// let bad: HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
/// assert!(encode::event("/", "x", &bad, None).is_err());
/// ```
#[derive(Debug, thiserror::Error)]
#[error("arguments cannot be serialized: {0}")]
pub struct EncodeError(#[from] serde_json::Error);

/// A packet ready for the wire: its text frame, then its binary attachments. Cloning it
/// (or calling [`EncodedPacket::outgoing`]) copies reference counts, not bytes.
///
/// An EVENT or ACK also says where its JSON array starts in the frame, so that a cluster
/// adapter can publish the event (name, arguments, attachments) without parsing the
/// frame back:
///
/// ```
/// use socketio_runtime::protocol::{encode, Binary};
/// let p = encode::event("/chat", "file", &("a", Binary::from(vec![7u8])), Some(3)).unwrap();
/// assert_eq!(p.frame().as_text(), Some(r#"451-/chat,3["file","a",{"_placeholder":true,"num":0}]"#));
/// assert_eq!(p.data_json(), Some(r#"["file","a",{"_placeholder":true,"num":0}]"#));
/// assert_eq!(p.ack_id(), Some(3));
/// assert_eq!(p.attachments().len(), 1);
/// assert_eq!(encode::disconnect("/").data_json(), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedPacket {
    frame: Frame,
    attachments: Vec<Bytes>,
    /// Where the JSON array of an EVENT or ACK starts in the frame's text.
    data_start: Option<usize>,
    ack_id: Option<u64>,
}

impl EncodedPacket {
    /// The text frame (`4` + the Socket.IO packet).
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// The binary attachments, in placeholder order.
    pub fn attachments(&self) -> &[Bytes] {
        &self.attachments
    }

    /// The JSON array of an EVENT (`["name",args...]`) or an ACK (`[args...]`), a slice
    /// of the frame: binary arguments appear as `{"_placeholder":true,"num":N}`, standing
    /// for [`EncodedPacket::attachments`]`[N]`. `None` for other packets.
    pub fn data_json(&self) -> Option<&str> {
        self.frame.as_text()?.get(self.data_start?..)
    }

    /// The ack id the packet carries (an EVENT that asks for an ack, or an ACK).
    pub fn ack_id(&self) -> Option<u64> {
        self.ack_id
    }

    /// Whether the packet has attachments.
    pub fn is_binary(&self) -> bool {
        !self.attachments.is_empty()
    }

    /// What to queue on an Engine.IO session: the frame alone, or the frame and its
    /// attachments kept together.
    pub fn outgoing(&self) -> Outgoing {
        if self.attachments.is_empty() {
            return Outgoing::One(self.frame.clone());
        }
        let mut frames = Vec::with_capacity(1 + self.attachments.len());
        frames.push(self.frame.clone());
        frames.extend(self.attachments.iter().cloned().map(Frame::Binary));
        Outgoing::Many(frames)
    }
}

/// CONNECT reply: `40[/nsp,]{"sid":"..."}`.
pub fn connect(nsp: &str, sid: &str) -> EncodedPacket {
    let mut buf = header(PacketType::Connect, nsp, None, 16 + sid.len());
    buf.extend_from_slice(b"{\"sid\":");
    json_into(&mut buf, sid);
    buf.push(b'}');
    finish(buf, Vec::new(), None, None)
}

/// CONNECT_ERROR: `44[/nsp,]{"message":"...","data":...}` (`data` only when given).
///
/// ```
/// use socketio_runtime::protocol::encode;
/// let p = encode::connect_error("/random", "Invalid namespace", None);
/// assert_eq!(p.frame().as_text(), Some(r#"44/random,{"message":"Invalid namespace"}"#));
/// let p = encode::connect_error("/", "no", Some(&serde_json::json!({"retry":false})));
/// assert_eq!(p.frame().as_text(), Some(r#"44{"message":"no","data":{"retry":false}}"#));
/// ```
pub fn connect_error(nsp: &str, message: &str, data: Option<&serde_json::Value>) -> EncodedPacket {
    let mut buf = header(PacketType::ConnectError, nsp, None, 16 + message.len());
    buf.extend_from_slice(b"{\"message\":");
    json_into(&mut buf, message);
    if let Some(data) = data {
        buf.extend_from_slice(b",\"data\":");
        json_into(&mut buf, data);
    }
    buf.push(b'}');
    finish(buf, Vec::new(), None, None)
}

/// DISCONNECT: `41[/nsp,]`.
///
/// ```
/// use socketio_runtime::protocol::encode;
/// assert_eq!(encode::disconnect("/admin").frame().as_text(), Some("41/admin,"));
/// assert_eq!(encode::disconnect("/").frame().as_text(), Some("41"));
/// ```
pub fn disconnect(nsp: &str) -> EncodedPacket {
    finish(header(PacketType::Disconnect, nsp, None, 0), Vec::new(), None, None)
}

/// EVENT (or BINARY_EVENT when the arguments hold a [`Binary`](super::Binary)):
/// `42[/nsp,][id]["name",args...]`.
pub fn event<A: Serialize + ?Sized>(
    nsp: &str,
    name: &str,
    args: &A,
    id: Option<u64>,
) -> Result<EncodedPacket, EncodeError> {
    let mut buf = header(PacketType::Event, nsp, id, 32 + name.len());
    let data_start = buf.len();
    buf.push(b'[');
    json_into(&mut buf, name);
    let (written, attachments) = with_outgoing(|| write_args(&mut buf, args, false));
    written?;
    buf.push(b']');
    Ok(finish(buf, attachments, Some(data_start), id))
}

/// ACK (or BINARY_ACK): `43[/nsp,]id[args...]`.
pub fn ack<A: Serialize + ?Sized>(nsp: &str, id: u64, args: &A) -> Result<EncodedPacket, EncodeError> {
    let mut buf = header(PacketType::Ack, nsp, Some(id), 32);
    let data_start = buf.len();
    buf.push(b'[');
    let (written, attachments) = with_outgoing(|| write_args(&mut buf, args, true));
    written?;
    buf.push(b']');
    Ok(finish(buf, attachments, Some(data_start), Some(id)))
}

/// The arguments as a JSON array (`[a,b]`), with their attachments: what
/// [`Args::from_value`](super::Args::from_value) reads back.
pub(crate) fn args_array<A: Serialize + ?Sized>(args: &A) -> Result<(String, Vec<Bytes>), EncodeError> {
    let mut buf = Vec::with_capacity(32);
    buf.push(b'[');
    let (written, attachments) = with_outgoing(|| write_args(&mut buf, args, true));
    written?;
    buf.push(b']');
    // Only UTF-8 was written (serde_json's output).
    let text = String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok((text, attachments))
}

/// `4<type>[<nsp>,][<id>]` in a fresh frame buffer.
fn header(ty: PacketType, nsp: &str, id: Option<u64>, extra: usize) -> Vec<u8> {
    let mut buf = Frame::text_buffer(8 + nsp.len() + extra).into_bytes();
    buf.push(ty.digit());
    if nsp != "/" {
        buf.extend_from_slice(nsp.as_bytes());
        buf.push(b',');
    }
    if let Some(id) = id {
        // Writing to a Vec cannot fail.
        let _ = write!(buf, "{id}");
    }
    buf
}

/// Turns a finished buffer into the packet; a binary packet gets its `5<n>-`/`6<n>-`.
fn finish(
    mut buf: Vec<u8>,
    attachments: Vec<Bytes>,
    mut data_start: Option<usize>,
    ack_id: Option<u64>,
) -> EncodedPacket {
    if !attachments.is_empty() {
        if let Some(ty) = buf.get_mut(1) {
            *ty = match *ty {
                b'2' => b'5',
                b'3' => b'6',
                other => other,
            };
        }
        let count = format!("{}-", attachments.len());
        buf.splice(2..2, count.bytes());
        data_start = data_start.map(|start| start + count.len());
    }
    // Only UTF-8 was written (ASCII, `&str`s and serde_json's output).
    let text = String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    EncodedPacket { frame: Frame::from_text_buffer(text), attachments, data_start, ack_id }
}

/// Writes a value that cannot fail to serialize (strings, `Value`s).
fn json_into<T: Serialize + ?Sized>(buf: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(&mut *buf, value);
}

/// Writes the arguments, each preceded by a comma unless `first`.
fn write_args<A: Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    args: &A,
    first: bool,
) -> Result<(), serde_json::Error> {
    match args.serialize(Spread { buf: &mut *buf, first }) {
        Ok(()) => Ok(()),
        Err(SpreadError::Json(e)) => Err(e),
        Err(SpreadError::NotATuple) => {
            if !first {
                buf.push(b',');
            }
            args.serialize(&mut serde_json::Serializer::new(&mut *buf))
        }
    }
}

#[derive(Debug)]
enum SpreadError {
    /// The arguments are one value, not a tuple: nothing was written.
    NotATuple,
    Json(serde_json::Error),
}

impl fmt::Display for SpreadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpreadError::NotATuple => f.write_str("not a tuple"),
            SpreadError::Json(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SpreadError {}

impl ser::Error for SpreadError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SpreadError::Json(serde_json::Error::custom(msg))
    }
}

/// A serializer that accepts only a tuple (spread into arguments) or `()` (no
/// arguments); anything else is refused before a byte is written.
struct Spread<'a> {
    buf: &'a mut Vec<u8>,
    first: bool,
}

impl SerializeTuple for Spread<'_> {
    type Ok = ();
    type Error = SpreadError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SpreadError> {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        value.serialize(&mut serde_json::Serializer::new(&mut *self.buf)).map_err(SpreadError::Json)
    }

    fn end(self) -> Result<(), SpreadError> {
        Ok(())
    }
}

macro_rules! not_a_tuple {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret, SpreadError> {
            Err(SpreadError::NotATuple)
        })*
    };
}

impl<'a> Serializer for Spread<'a> {
    type Ok = ();
    type Error = SpreadError;
    type SerializeSeq = Impossible<(), SpreadError>;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Impossible<(), SpreadError>;
    type SerializeTupleVariant = Impossible<(), SpreadError>;
    type SerializeMap = Impossible<(), SpreadError>;
    type SerializeStruct = Impossible<(), SpreadError>;
    type SerializeStructVariant = Impossible<(), SpreadError>;

    fn serialize_tuple(self, _len: usize) -> Result<Self, SpreadError> {
        Ok(self)
    }

    fn serialize_unit(self) -> Result<(), SpreadError> {
        Ok(())
    }

    not_a_tuple! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_i128(i128) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_u128(u128) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), SpreadError> {
        Err(SpreadError::NotATuple)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), SpreadError> {
        Err(SpreadError::NotATuple)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), SpreadError> {
        Err(SpreadError::NotATuple)
    }
}
