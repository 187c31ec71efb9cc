//! Binary arguments: the [`Binary`] type, how it becomes a placeholder and an attachment
//! on the way out and back on the way in, and the check of received placeholders.

use std::cell::RefCell;
use std::fmt;

use bytes::Bytes;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeStruct, Serializer};

/// A binary argument: sent as a separate binary message after its packet, with a
/// `{"_placeholder":true,"num":N}` object standing in its place in the JSON.
///
/// It may appear anywhere in emitted arguments (at top level or inside a struct) and
/// be read from received ones the same way. Outside a Socket.IO packet (plain
/// `serde_json`) it serializes as an array of numbers.
///
/// ```
/// use socketio_runtime::protocol::{encode, Binary};
/// let packet = encode::event("/", "file", &("a.bin", Binary::from(vec![1u8, 2])), None).unwrap();
/// assert_eq!(packet.frame().as_text(), Some(r#"451-["file","a.bin",{"_placeholder":true,"num":0}]"#));
/// assert_eq!(packet.attachments(), &[bytes::Bytes::from(vec![1u8, 2])]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Binary(pub Bytes);

impl Binary {
    /// The bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl AsRef<[u8]> for Binary {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl std::ops::Deref for Binary {
    type Target = Bytes;
    fn deref(&self) -> &Bytes {
        &self.0
    }
}

impl From<Bytes> for Binary {
    fn from(b: Bytes) -> Self {
        Binary(b)
    }
}

impl From<Vec<u8>> for Binary {
    fn from(b: Vec<u8>) -> Self {
        Binary(b.into())
    }
}

impl From<&'static [u8]> for Binary {
    fn from(b: &'static [u8]) -> Self {
        Binary(Bytes::from_static(b))
    }
}

impl From<Binary> for Bytes {
    fn from(b: Binary) -> Self {
        b.0
    }
}

thread_local! {
    /// Attachments of the packet being encoded, while [`with_outgoing`] runs.
    static OUTGOING: RefCell<Option<Vec<Bytes>>> = const { RefCell::new(None) };
    /// Attachments of the packet being read, while [`with_incoming`] runs.
    static INCOMING: RefCell<Vec<Bytes>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` collecting the [`Binary`] values it serializes; returns them in order.
pub(crate) fn with_outgoing<R>(f: impl FnOnce() -> R) -> (R, Vec<Bytes>) {
    let previous = OUTGOING.with(|c| c.borrow_mut().replace(Vec::new()));
    let result = f();
    let collected = OUTGOING.with(|c| std::mem::replace(&mut *c.borrow_mut(), previous));
    (result, collected.unwrap_or_default())
}

/// How many attachments the packet being encoded has so far; `None` outside an encoder.
pub(crate) fn outgoing_count() -> Option<usize> {
    OUTGOING.with(|c| c.borrow().as_ref().map(Vec::len))
}

/// Appends attachments to the packet being encoded.
pub(crate) fn push_outgoing(attachments: &[Bytes]) {
    OUTGOING.with(|c| {
        if let Some(v) = c.borrow_mut().as_mut() {
            v.extend_from_slice(attachments);
        }
    });
}

/// Runs `f` with `attachments` readable by [`Binary`]'s `Deserialize`.
pub(crate) fn with_incoming<R>(attachments: &[Bytes], f: impl FnOnce() -> R) -> R {
    if attachments.is_empty() {
        // Placeholders outside a binary packet are never resolved (security D21).
        let previous = INCOMING.with(|c| std::mem::take(&mut *c.borrow_mut()));
        let r = f();
        INCOMING.with(|c| *c.borrow_mut() = previous);
        return r;
    }
    let previous = INCOMING.with(|c| std::mem::replace(&mut *c.borrow_mut(), attachments.to_vec()));
    let r = f();
    INCOMING.with(|c| *c.borrow_mut() = previous);
    r
}

const PLACEHOLDER: &str = "_placeholder";
const NUM: &str = "num";

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(num) = outgoing_count() else {
            return serializer.serialize_bytes(&self.0);
        };
        let mut s = serializer.serialize_struct("Placeholder", 2)?;
        s.serialize_field(PLACEHOLDER, &true)?;
        s.serialize_field(NUM, &num)?;
        let ok = s.end()?;
        // Only once the placeholder is written: a serializer that gave up half-way
        // must not leave an attachment behind.
        push_outgoing(std::slice::from_ref(&self.0));
        Ok(ok)
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Placeholder {
            #[serde(rename = "_placeholder")]
            placeholder: bool,
            num: usize,
        }
        let p = Placeholder::deserialize(deserializer)?;
        if !p.placeholder {
            return Err(de::Error::custom("not a binary placeholder"));
        }
        INCOMING
            .with(|c| c.borrow().get(p.num).cloned())
            .map(Binary)
            .ok_or_else(|| de::Error::custom("no binary attachment for this placeholder"))
    }
}

/// Checks every placeholder of a binary packet's JSON: an object whose `_placeholder`
/// is `true` must have an integer `num` below `count`, as socket.io-parser requires
/// since CVE-2022-2421. An object with `"_placeholder":"true"` is a plain object.
pub(crate) fn check_placeholders(json: &str, count: usize) -> bool {
    let mut de = serde_json::Deserializer::from_str(json);
    de::DeserializeSeed::deserialize(Check { count }, &mut de).is_ok() && de.end().is_ok()
}

/// Walks any JSON value; fails on a bad placeholder. Recursion is bounded by
/// serde_json's recursion limit (128).
#[derive(Clone, Copy)]
struct Check {
    count: usize,
}

/// What a checked value was, as far as a placeholder object cares.
enum Shape {
    True,
    Index(u64),
    Other,
}

impl<'de> de::DeserializeSeed<'de> for Check {
    type Value = Shape;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Shape, E> {
        Ok(if v { Shape::True } else { Shape::Other })
    }
    fn visit_u64<E>(self, v: u64) -> Result<Shape, E> {
        Ok(Shape::Index(v))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_unit<E>(self) -> Result<Shape, E> {
        Ok(Shape::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element_seed(self)?.is_some() {}
        Ok(Shape::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut placeholder = false;
        let mut num = None;
        while let Some(key) = map.next_key::<Key>()? {
            let value = map.next_value_seed(self)?;
            match key {
                Key::Placeholder => placeholder = matches!(value, Shape::True),
                Key::Num => num = Some(value),
                Key::Other => {}
            }
        }
        if placeholder {
            match num {
                Some(Shape::Index(n)) if n < self.count as u64 => {}
                _ => return Err(de::Error::custom("illegal attachments")),
            }
        }
        Ok(Shape::Other)
    }
}

/// An object key, as far as a placeholder cares.
enum Key {
    Placeholder,
    Num,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    PLACEHOLDER => Key::Placeholder,
                    NUM => Key::Num,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_rules() {
        let ok = [
            r#"["x",{"_placeholder":true,"num":0}]"#,
            r#"["x",{"a":[{"_placeholder":true,"num":1}]}]"#,
            r#"["x",{"_placeholder":"true","num":"splice"}]"#,
            r#"["x",{"_placeholder":false}]"#,
            r#"["x",{"num":7}]"#,
        ];
        for json in ok {
            assert!(check_placeholders(json, 2), "{json}");
        }
        let bad = [
            r#"["x",{"_placeholder":true,"num":"splice"}]"#,
            r#"["x",{"_placeholder":true,"num":-1}]"#,
            r#"["x",{"_placeholder":true,"num":1.5}]"#,
            r#"["x",{"_placeholder":true,"num":2}]"#,
            r#"["x",{"_placeholder":true}]"#,
            r#"["x",{"num":0,"_placeholder":true,"num":99}]"#,
            r#"["x",[[{"_placeholder":true,"num":18446744073709551616}]]]"#,
        ];
        for json in bad {
            assert!(!check_placeholders(json, 2), "{json}");
        }
    }

    #[test]
    fn deep_binary_packets_are_refused_without_overflowing_the_stack() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(!check_placeholders(&deep, 1));
    }

    #[test]
    fn binary_round_trip_outside_packets() {
        let json = serde_json::to_string(&Binary::from(vec![1u8, 2])).unwrap();
        assert_eq!(json, "[1,2]");
        let (json, attachments) =
            with_outgoing(|| serde_json::to_string(&(Binary::from(vec![9u8]), 1)).unwrap());
        assert_eq!(json, r#"[{"_placeholder":true,"num":0},1]"#);
        assert_eq!(attachments, vec![Bytes::from(vec![9u8])]);
        let back: Binary =
            with_incoming(&attachments, || serde_json::from_str(r#"{"_placeholder":true,"num":0}"#).unwrap());
        assert_eq!(back.as_ref(), &[9]);
    }
}
