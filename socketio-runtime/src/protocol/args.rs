//! Received arguments, kept as slices of the received text: nothing is parsed into a
//! tree, each argument is deserialized straight into the type asked for, and echoing
//! arguments back copies the slices.

use std::ops::Range;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::ser::{Serialize, SerializeTuple, Serializer};
use serde_json::value::RawValue;

use super::binary;
#[cfg(test)]
use super::binary::Binary;
use super::json;
use crate::engine::Str;

/// How deep received arguments may nest (serde_json's own limit).
const MAX_DEPTH: usize = 128;

/// An argument could not be read as the type asked for.
///
/// ```
/// use socketio_runtime::protocol::{ArgError, Decoder, PacketData};
/// let packet = Decoder::default().decode_text(r#"2["add",1,"two"]"#.into()).unwrap().unwrap();
/// let PacketData::Event { args, .. } = packet.into_data() else { unreachable!() };
/// assert_eq!(args.get::<u32>(0).unwrap(), 1);
/// assert!(matches!(args.get::<u32>(1), Err(ArgError::Invalid { index: 1, .. })));
/// assert!(matches!(args.get::<u32>(2), Err(ArgError::Missing { index: 2 })));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArgError {
    /// The client sent fewer arguments (and the type has no `null` form, as `Option` has).
    #[error("argument {index} is missing")]
    Missing {
        /// Position of the argument.
        index: usize,
    },
    /// The argument is not of the expected type.
    #[error("argument {index} is invalid: {source}")]
    Invalid {
        /// Position of the argument.
        index: usize,
        /// What serde_json said.
        #[source]
        source: serde_json::Error,
    },
}

/// One JSON value of a received packet (the `auth` of a CONNECT, a CONNECT_ERROR), as
/// a slice of the received text.
///
/// ```
/// use socketio_runtime::protocol::{Decoder, PacketData};
/// let packet = Decoder::default().decode_text(r#"0{"token":"123"}"#.into()).unwrap().unwrap();
/// let PacketData::Connect(Some(auth)) = packet.into_data() else { unreachable!() };
/// assert_eq!(auth.as_str(), r#"{"token":"123"}"#);
/// #[derive(serde::Deserialize)]
/// struct Auth { token: String }
/// assert_eq!(auth.deserialize::<Auth>().unwrap().token, "123");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RawJson {
    text: Str,
    range: Range<usize>,
    lone_surrogates: bool,
}

impl RawJson {
    pub(crate) fn new(text: Str, range: Range<usize>, lone_surrogates: bool) -> RawJson {
        RawJson { text, range, lone_surrogates }
    }

    /// The JSON text, as received.
    pub fn as_str(&self) -> &str {
        self.text.get(self.range.clone()).unwrap_or("null")
    }

    /// The value as `T`. Lone UTF-16 surrogates that a JavaScript client may send in
    /// strings become U+FFFD.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        from_json(self.as_str(), self.lone_surrogates, &[])
    }
}

/// Serialized as the JSON it holds, unchanged.
impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let value: &RawValue = serde_json::from_str(self.as_str()).map_err(S::Error::custom)?;
        value.serialize(serializer)
    }
}

impl std::fmt::Debug for RawJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The arguments of a received event or ack: slices of the received text, plus the
/// binary attachments of a binary packet.
///
/// Read one with [`Args::get`]; a [`Binary`](super::Binary) anywhere inside it (top level or nested in
/// a struct) is taken from the attachments. Emitting `&Args` sends the same arguments,
/// attachments included, copying the JSON text as it came.
///
/// ```
/// use socketio_runtime::protocol::{Binary, Decoder, PacketData};
/// let mut decoder = Decoder::default();
/// assert!(decoder.decode_text(r#"51-["upload","a.bin",{"_placeholder":true,"num":0}]"#.into()).unwrap().is_none());
/// let packet = decoder.decode_binary(vec![1u8, 2, 3].into()).unwrap().unwrap();
/// let PacketData::Event { name, args } = packet.into_data() else { unreachable!() };
/// assert_eq!(name.as_str(), "upload");
/// assert_eq!(args.len(), 2);
/// assert_eq!(args.get::<String>(0).unwrap(), "a.bin");
/// assert_eq!(args.get::<Binary>(1).unwrap().as_ref(), &[1, 2, 3]);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Args {
    text: Str,
    elems: Vec<Range<usize>>,
    attachments: Vec<Bytes>,
    lone_surrogates: bool,
}

impl Args {
    pub(crate) fn new(text: Str, elems: Vec<Range<usize>>, lone_surrogates: bool) -> Args {
        Args { text, elems, attachments: Vec::new(), lone_surrogates }
    }

    /// No arguments.
    pub fn empty() -> Args {
        Args { text: Str::from(""), elems: Vec::new(), attachments: Vec::new(), lone_surrogates: false }
    }

    /// The arguments of a JSON array, whose `{"_placeholder":true,"num":N}` objects stand
    /// for `attachments[N]`: what a cluster adapter received from another server.
    ///
    /// The text is untrusted: it must be an array nested at most 128 deep, and every
    /// placeholder must name an attachment (as the decoder requires of clients).
    ///
    /// ```
    /// use socketio_runtime::protocol::{Args, Binary};
    /// let args = Args::from_json(r#"["hi",{"_placeholder":true,"num":0}]"#, vec![vec![1u8].into()]).unwrap();
    /// assert_eq!(args.get::<String>(0).unwrap(), "hi");
    /// assert_eq!(args.get::<Binary>(1).unwrap().as_ref(), &[1]);
    /// assert!(Args::from_json(r#"{"not":"an array"}"#, vec![]).is_err());
    /// assert!(Args::from_json(r#"[{"_placeholder":true,"num":1}]"#, vec![]).is_err());
    /// ```
    pub fn from_json(text: impl Into<String>, attachments: Vec<Bytes>) -> Result<Args, serde_json::Error> {
        use serde::de::Error;
        let text: String = text.into();
        let lone = json::scan(&text, MAX_DEPTH)
            .map_err(|_| serde_json::Error::custom("arguments nested too deep"))?
            .lone_surrogates;
        let ranges = {
            let elems: Vec<&RawValue> = serde_json::from_str(&text)?;
            let base = text.as_ptr() as usize;
            elems
                .iter()
                .map(|raw| {
                    let start = raw.get().as_ptr() as usize - base;
                    start..start + raw.get().len()
                })
                .collect()
        };
        let checked = if lone { json::replace_lone_surrogates(&text) } else { String::new() };
        let placeholders_ok =
            binary::check_placeholders(if lone { &checked } else { &text }, attachments.len());
        if !placeholders_ok {
            return Err(serde_json::Error::custom("a binary placeholder names no attachment"));
        }
        let mut args = Args::new(Str::from(text), ranges, lone);
        args.attachments = attachments;
        Ok(args)
    }

    /// The arguments `args` makes when emitted: a tuple (or an array) is several
    /// arguments, `()` none, anything else one; [`Binary`](super::Binary) values become
    /// attachments.
    ///
    /// ```
    /// use socketio_runtime::protocol::{Args, Binary};
    /// let args = Args::from_value(&("a", 2, Binary::from(vec![3u8]))).unwrap();
    /// assert_eq!(args.len(), 3);
    /// assert_eq!(args.raw(2), Some(r#"{"_placeholder":true,"num":0}"#));
    /// assert_eq!(args.attachments().len(), 1);
    /// assert!(Args::from_value(&()).unwrap().is_empty());
    /// assert_eq!(Args::from_value(&vec![1, 2]).unwrap().get::<Vec<u8>>(0).unwrap(), [1, 2]);
    /// ```
    pub fn from_value<A: Serialize + ?Sized>(args: &A) -> Result<Args, super::EncodeError> {
        let (text, attachments) = super::encode::args_array(args)?;
        // Our own output: an array with valid placeholders.
        Ok(Args::from_json(text, attachments)?)
    }

    pub(crate) fn set_attachments(&mut self, attachments: Vec<Bytes>) {
        self.attachments = attachments;
    }

    /// How many arguments there are.
    pub fn len(&self) -> usize {
        self.elems.len()
    }

    /// Whether there are no arguments.
    pub fn is_empty(&self) -> bool {
        self.elems.is_empty()
    }

    /// The JSON text of argument `index`, as received (a binary argument reads
    /// `{"_placeholder":true,"num":N}`).
    pub fn raw(&self, index: usize) -> Option<&str> {
        let range = self.elems.get(index)?;
        self.text.get(range.clone())
    }

    /// Argument `index` as `T`.
    ///
    /// A missing argument reads as JSON `null`, so an `Option` parameter may be left
    /// out by the client; other types report [`ArgError::Missing`]. Lone UTF-16
    /// surrogates that a JavaScript client may send in strings become U+FFFD.
    pub fn get<T: DeserializeOwned>(&self, index: usize) -> Result<T, ArgError> {
        match self.raw(index) {
            Some(raw) => from_json(raw, self.lone_surrogates, &self.attachments)
                .map_err(|source| ArgError::Invalid { index, source }),
            None => serde_json::from_str("null").map_err(|_| ArgError::Missing { index }),
        }
    }

    /// The binary attachments, in placeholder order.
    pub fn attachments(&self) -> &[Bytes] {
        &self.attachments
    }

    /// The arguments without the first `n` (attachments keep their numbers).
    ///
    /// ```
    /// # use socketio_runtime::protocol::Args;
    /// let args = Args::empty().skip(2);
    /// assert!(args.is_empty());
    /// ```
    pub fn skip(mut self, n: usize) -> Args {
        self.elems.drain(..n.min(self.elems.len()));
        self
    }
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        for i in 0..self.len() {
            list.entry(&format_args!("{}", self.raw(i).unwrap_or("?")));
        }
        list.finish()?;
        if !self.attachments.is_empty() {
            write!(f, " + {} attachment(s)", self.attachments.len())?;
        }
        Ok(())
    }
}

/// The arguments as a tuple: emitted as they were received, one by one.
///
/// The attachments keep their numbers, so received binary arguments can only be sent
/// in a packet whose other arguments carry no binary before them.
impl Serialize for Args {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        if !self.attachments.is_empty() && binary::outgoing_count() != Some(0) {
            return Err(S::Error::custom(
                "received binary arguments must be emitted before any other binary argument",
            ));
        }
        let mut tuple = serializer.serialize_tuple(self.len())?;
        for i in 0..self.len() {
            let raw = self.raw(i).unwrap_or("null");
            let value: &RawValue = serde_json::from_str(raw).map_err(S::Error::custom)?;
            tuple.serialize_element(value)?;
        }
        let ok = tuple.end()?;
        binary::push_outgoing(&self.attachments);
        Ok(ok)
    }
}

/// Deserializes `raw`, whose [`Binary`] values are read from `attachments`.
fn from_json<T: DeserializeOwned>(
    raw: &str,
    lone_surrogates: bool,
    attachments: &[Bytes],
) -> Result<T, serde_json::Error> {
    let fixed;
    let raw = if lone_surrogates {
        fixed = json::replace_lone_surrogates(raw);
        fixed.as_str()
    } else {
        raw
    };
    binary::with_incoming(attachments, || serde_json::from_str(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Args {
        let elems: Vec<&RawValue> = serde_json::from_str(text).unwrap();
        let base = text.as_ptr() as usize;
        let ranges = elems
            .iter()
            .map(|r| {
                let start = r.get().as_ptr() as usize - base;
                start..start + r.get().len()
            })
            .collect();
        let lone = json::scan(text, 128).unwrap().lone_surrogates;
        Args::new(Str::from(text), ranges, lone)
    }

    #[test]
    fn typed_access() {
        let a = args(r#"[1, "two", {"x": [true]}, null]"#);
        assert_eq!(a.len(), 4);
        assert_eq!(a.get::<i64>(0).unwrap(), 1);
        assert_eq!(a.get::<String>(1).unwrap(), "two");
        assert_eq!(a.get::<serde_json::Value>(2).unwrap(), serde_json::json!({"x": [true]}));
        assert_eq!(a.get::<Option<u8>>(3).unwrap(), None);
        assert_eq!(a.get::<Option<u8>>(9).unwrap(), None);
        assert!(matches!(a.get::<u8>(9), Err(ArgError::Missing { index: 9 })));
        assert!(matches!(a.get::<u8>(1), Err(ArgError::Invalid { index: 1, .. })));
        assert_eq!(a.raw(2), Some(r#"{"x": [true]}"#));
    }

    #[test]
    fn lone_surrogates_read_as_replacement_character() {
        let a = args(r#"["broken \ud83d emoji", "\ud83d\ude00"]"#);
        assert_eq!(a.get::<String>(0).unwrap(), "broken \u{fffd} emoji");
        assert_eq!(a.get::<String>(1).unwrap(), "😀");
        // The raw text is untouched, so an echo sends back what came.
        assert_eq!(a.raw(0), Some(r#""broken \ud83d emoji""#));
    }

    #[test]
    fn binary_outside_a_binary_packet_is_an_error() {
        let a = args(r#"[{"_placeholder":true,"num":0}]"#);
        assert!(a.get::<Binary>(0).is_err());
    }
}
