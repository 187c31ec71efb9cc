//! The values that travel between nodes: a JSON-like tree with binary, as notepack.io
//! (the official adapter's MessagePack codec) writes and reads it, decoded from
//! MessagePack or JSON under [`Limits`].

use std::fmt;

use bytes::Bytes;
use rmp::Marker;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::{Limits, WireError};

/// One value of a message: what a JavaScript node puts in an event's arguments, a
/// request's fields or a socket's data.
///
/// Integers are kept exact: non-negative ones are [`Value::UInt`], negative ones
/// [`Value::Int`], whatever width they were written with. Maps keep their order (it
/// decides the bytes written) and their keys are strings, as in JavaScript objects.
///
/// ```
/// use socketio_redis::wire::{Limits, Value};
/// let v = Value::from_msgpack(&[0x92, 0xa2, b'h', b'i', 0xc4, 0x01, 0xff], &Limits::default()).unwrap();
/// assert_eq!(v, Value::Array(vec![Value::from("hi"), Value::Bin(vec![0xff].into())]));
/// assert_eq!(v.to_msgpack(), [0x92, 0xa2, b'h', b'i', 0xc4, 0x01, 0xff]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Nil,
    /// `undefined`, as notepack.io 2 wrote it (`d4 00 00`). notepack.io 3 writes `null`
    /// instead, and leaves `undefined` members out of maps; so does the encoder here.
    Undefined,
    /// `true` or `false`.
    Bool(bool),
    /// A non-negative integer.
    UInt(u64),
    /// A negative integer.
    Int(i64),
    /// A number with a fraction (or one too large for an integer).
    Float(f64),
    /// A string.
    Str(String),
    /// Binary data: a Node `Buffer`, `ArrayBuffer` or typed array. Becomes a binary
    /// attachment of the Socket.IO packet.
    Bin(Bytes),
    /// An array.
    Array(Vec<Value>),
    /// An object, keys in order.
    Map(Vec<(String, Value)>),
    /// A date (MessagePack timestamp): seconds and nanoseconds since the Unix epoch.
    Timestamp {
        /// Whole seconds (negative before 1970).
        secs: i64,
        /// Nanoseconds, below 1e9.
        nanos: u32,
    },
    /// Another MessagePack extension, which notepack.io reads as `[type, Buffer]`.
    Ext(i8, Bytes),
}

impl Value {
    /// A map from `(key, value)` pairs.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The member `key` of a map (the last one when a key repeats, as in JavaScript).
    ///
    /// ```
    /// use socketio_redis::wire::Value;
    /// let v = Value::map([("a", Value::from(1u64)), ("a", Value::from(2u64))]);
    /// assert_eq!(v.get("a"), Some(&Value::UInt(2)));
    /// assert_eq!(Value::Nil.get("a"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number as a non-negative integer, if it is one (`2.0` is `2`).
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::UInt(n) => Some(n),
            Value::Float(f) if f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0 => {
                Some(f as u64)
            }
            _ => None,
        }
    }

    /// The number, as JavaScript sees it.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::UInt(n) => Some(n as f64),
            Value::Int(n) => Some(n as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// Whether JavaScript would find it truthy in `if (value)`.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Nil | Value::Undefined => false,
            Value::Bool(b) => *b,
            Value::UInt(n) => *n != 0,
            Value::Int(n) => *n != 0,
            Value::Float(f) => *f != 0.0 && !f.is_nan(),
            Value::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    /// Whether this holds binary data anywhere.
    pub fn has_binary(&self) -> bool {
        match self {
            Value::Bin(_) => true,
            Value::Array(items) => items.iter().any(Value::has_binary),
            Value::Map(entries) => entries.iter().any(|(_, v)| v.has_binary()),
            _ => false,
        }
    }

    /// Decodes one MessagePack value that fills `bytes` exactly.
    pub fn from_msgpack(bytes: &[u8], limits: &Limits) -> Result<Value, WireError> {
        Value::from_msgpack_bytes(&Bytes::copy_from_slice(bytes), limits)
    }

    /// Decodes one MessagePack value that fills `bytes` exactly; binary values are
    /// slices of `bytes` (no copy).
    pub fn from_msgpack_bytes(bytes: &Bytes, limits: &Limits) -> Result<Value, WireError> {
        if bytes.len() > limits.max_message_bytes {
            return Err(WireError::TooLarge { size: bytes.len(), limit: limits.max_message_bytes });
        }
        let mut reader = MsgpackReader { buf: bytes, pos: 0, items: 0, limits };
        let value = reader.value(0)?;
        if reader.pos != bytes.len() {
            return Err(WireError::Msgpack("trailing bytes after the value"));
        }
        Ok(value)
    }

    /// Encodes as notepack.io 3 does: integers in their smallest form (and integral
    /// numbers as integers), strings by UTF-8 length, binary as `bin`, dates as
    /// timestamps, `undefined` as `nil` in arrays and left out of maps.
    pub fn to_msgpack(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_msgpack(&mut out);
        out
    }

    /// Appends the MessagePack encoding to `out`.
    pub fn write_msgpack(&self, out: &mut Vec<u8>) {
        // Writing into a Vec cannot fail: rmp's errors come from the writer only.
        match self {
            Value::Nil | Value::Undefined => out.push(0xc0),
            Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
            Value::UInt(n) => write_uint(out, *n),
            Value::Int(n) => write_int(out, *n),
            Value::Float(f) => write_float(out, *f),
            Value::Str(s) => {
                let _ = rmp::encode::write_str_len(out, len32(s.len()));
                out.extend_from_slice(s.as_bytes());
            }
            Value::Bin(b) => {
                let _ = rmp::encode::write_bin_len(out, len32(b.len()));
                out.extend_from_slice(b);
            }
            Value::Array(items) => {
                let _ = rmp::encode::write_array_len(out, len32(items.len()));
                for item in items {
                    item.write_msgpack(out);
                }
            }
            Value::Map(entries) => {
                let kept = entries.iter().filter(|(_, v)| !matches!(v, Value::Undefined)).count();
                let _ = rmp::encode::write_map_len(out, len32(kept));
                for (k, v) in entries.iter().filter(|(_, v)| !matches!(v, Value::Undefined)) {
                    let _ = rmp::encode::write_str_len(out, len32(k.len()));
                    out.extend_from_slice(k.as_bytes());
                    v.write_msgpack(out);
                }
            }
            Value::Timestamp { secs, nanos } => write_timestamp(out, *secs, *nanos),
            Value::Ext(ty, data) => {
                let _ = rmp::encode::write_ext_meta(out, len32(data.len()), *ty);
                out.extend_from_slice(data);
            }
        }
    }

    /// Decodes a JSON text (the requests and responses that nodes send as JSON).
    pub fn from_json(text: &[u8], limits: &Limits) -> Result<Value, WireError> {
        if text.len() > limits.max_message_bytes {
            return Err(WireError::TooLarge { size: text.len(), limit: limits.max_message_bytes });
        }
        let mut budget = Budget { items: 0, limits };
        let mut de = serde_json::Deserializer::from_slice(text);
        let value = Seed { budget: &mut budget, depth: 0 }
            .deserialize(&mut de)
            .map_err(|e| WireError::Json(e.to_string()))?;
        de.end().map_err(|e| WireError::Json(e.to_string()))?;
        Ok(value)
    }

    /// The JSON text, as `JSON.stringify` writes it (binary as arrays of numbers, which
    /// is what a Node `Buffer` would not give; binary belongs in MessagePack).
    pub fn to_json(&self) -> String {
        // Serializing a Value into a String cannot fail: no map has non-string keys.
        serde_json::to_string(self).unwrap_or_else(|_| "null".to_owned())
    }
}

fn len32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

fn write_uint(out: &mut Vec<u8>, n: u64) {
    let _ = rmp::encode::write_uint(out, n);
}

fn write_int(out: &mut Vec<u8>, n: i64) {
    if n >= 0 {
        write_uint(out, n as u64);
    } else {
        let _ = rmp::encode::write_sint(out, n);
    }
}

fn write_float(out: &mut Vec<u8>, f: f64) {
    // notepack.io: a finite number equal to its floor is written as an integer.
    if f.is_finite() && f.floor() == f {
        if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
            return write_uint(out, f as u64);
        }
        if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
            return write_int(out, f as i64);
        }
    }
    let _ = rmp::encode::write_f64(out, f);
}

fn write_timestamp(out: &mut Vec<u8>, secs: i64, nanos: u32) {
    if (0..1 << 34).contains(&secs) {
        if nanos == 0 && secs <= u32::MAX as i64 {
            out.extend_from_slice(&[0xd6, 0xff]);
            out.extend_from_slice(&(secs as u32).to_be_bytes());
        } else {
            out.extend_from_slice(&[0xd7, 0xff]);
            let packed = (u64::from(nanos) << 34) | secs as u64;
            out.extend_from_slice(&packed.to_be_bytes());
        }
    } else {
        out.extend_from_slice(&[0xc7, 0x0c, 0xff]);
        out.extend_from_slice(&nanos.to_be_bytes());
        out.extend_from_slice(&secs.to_be_bytes());
    }
}

/// Reads MessagePack with a count of every value against [`Limits::max_items`], so a
/// huge announced length costs nothing until its items are really there.
struct MsgpackReader<'a> {
    buf: &'a Bytes,
    pos: usize,
    items: usize,
    limits: &'a Limits,
}

impl MsgpackReader<'_> {
    fn take(&mut self, n: usize) -> Result<std::ops::Range<usize>, WireError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(WireError::Msgpack("truncated"))?;
        let range = self.pos..end;
        self.pos = end;
        Ok(range)
    }

    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let range = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.buf[range]);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.bytes::<1>()?[0])
    }

    fn len(&mut self, width: usize) -> Result<usize, WireError> {
        Ok(match width {
            1 => usize::from(self.u8()?),
            2 => usize::from(u16::from_be_bytes(self.bytes()?)),
            _ => u32::from_be_bytes(self.bytes()?) as usize,
        })
    }

    fn count_item(&mut self) -> Result<(), WireError> {
        self.items += 1;
        if self.items > self.limits.max_items {
            return Err(WireError::TooManyItems { limit: self.limits.max_items });
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value, WireError> {
        self.count_item()?;
        let marker = Marker::from_u8(self.u8()?);
        Ok(match marker {
            Marker::FixPos(n) => Value::UInt(u64::from(n)),
            Marker::FixNeg(n) => Value::Int(i64::from(n)),
            Marker::Null => Value::Nil,
            Marker::True => Value::Bool(true),
            Marker::False => Value::Bool(false),
            Marker::U8 => Value::UInt(u64::from(self.u8()?)),
            Marker::U16 => Value::UInt(u64::from(u16::from_be_bytes(self.bytes()?))),
            Marker::U32 => Value::UInt(u64::from(u32::from_be_bytes(self.bytes()?))),
            Marker::U64 => Value::UInt(u64::from_be_bytes(self.bytes()?)),
            Marker::I8 => int(i64::from(i8::from_be_bytes(self.bytes()?))),
            Marker::I16 => int(i64::from(i16::from_be_bytes(self.bytes()?))),
            Marker::I32 => int(i64::from(i32::from_be_bytes(self.bytes()?))),
            Marker::I64 => int(i64::from_be_bytes(self.bytes()?)),
            Marker::F32 => Value::Float(f64::from(f32::from_be_bytes(self.bytes()?))),
            Marker::F64 => Value::Float(f64::from_be_bytes(self.bytes()?)),
            Marker::FixStr(n) => self.str(usize::from(n))?,
            Marker::Str8 => self.str_of_width(1)?,
            Marker::Str16 => self.str_of_width(2)?,
            Marker::Str32 => self.str_of_width(4)?,
            Marker::Bin8 => self.bin_of_width(1)?,
            Marker::Bin16 => self.bin_of_width(2)?,
            Marker::Bin32 => self.bin_of_width(4)?,
            Marker::FixArray(n) => self.array(usize::from(n), depth)?,
            Marker::Array16 => {
                let n = self.len(2)?;
                self.array(n, depth)?
            }
            Marker::Array32 => {
                let n = self.len(4)?;
                self.array(n, depth)?
            }
            Marker::FixMap(n) => self.map(usize::from(n), depth)?,
            Marker::Map16 => {
                let n = self.len(2)?;
                self.map(n, depth)?
            }
            Marker::Map32 => {
                let n = self.len(4)?;
                self.map(n, depth)?
            }
            Marker::FixExt1 => self.ext(1, true)?,
            Marker::FixExt2 => self.ext(2, true)?,
            Marker::FixExt4 => self.ext(4, true)?,
            Marker::FixExt8 => self.ext(8, true)?,
            Marker::FixExt16 => self.ext(16, true)?,
            Marker::Ext8 => {
                let n = self.len(1)?;
                self.ext(n, false)?
            }
            Marker::Ext16 => {
                let n = self.len(2)?;
                self.ext(n, false)?
            }
            Marker::Ext32 => {
                let n = self.len(4)?;
                self.ext(n, false)?
            }
            Marker::Reserved => return Err(WireError::Msgpack("reserved marker 0xc1")),
        })
    }

    fn str_of_width(&mut self, width: usize) -> Result<Value, WireError> {
        let n = self.len(width)?;
        self.str(n)
    }

    fn str(&mut self, n: usize) -> Result<Value, WireError> {
        let range = self.take(n)?;
        // Node decodes with `buf.toString("utf8")`, replacing bad sequences.
        Ok(Value::Str(String::from_utf8_lossy(&self.buf[range]).into_owned()))
    }

    fn bin_of_width(&mut self, width: usize) -> Result<Value, WireError> {
        let n = self.len(width)?;
        let range = self.take(n)?;
        Ok(Value::Bin(self.buf.slice(range)))
    }

    fn enter(&self, depth: usize) -> Result<usize, WireError> {
        if depth >= self.limits.max_depth {
            return Err(WireError::TooDeep { limit: self.limits.max_depth });
        }
        Ok(depth + 1)
    }

    fn array(&mut self, n: usize, depth: usize) -> Result<Value, WireError> {
        let depth = self.enter(depth)?;
        // Never trust the announced length for an allocation: every item takes at least
        // one byte, so what remains bounds it.
        let mut items = Vec::with_capacity(n.min(self.buf.len() - self.pos));
        for _ in 0..n {
            items.push(self.value(depth)?);
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<Value, WireError> {
        let depth = self.enter(depth)?;
        let mut entries = Vec::with_capacity(n.min((self.buf.len() - self.pos) / 2));
        for _ in 0..n {
            let key = match self.value(depth)? {
                Value::Str(s) => s,
                // JavaScript turns number keys into strings.
                Value::UInt(n) => n.to_string(),
                Value::Int(n) => n.to_string(),
                _ => return Err(WireError::Msgpack("map key is not a string")),
            };
            let value = self.value(depth)?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }

    fn ext(&mut self, n: usize, fixed: bool) -> Result<Value, WireError> {
        let ty = i8::from_be_bytes(self.bytes()?);
        let range = self.take(n)?;
        let data = &self.buf[range.clone()];
        Ok(match (ty, n, fixed) {
            // notepack.io 2: `undefined`.
            (0, 1, true) => Value::Undefined,
            // notepack.io 2: a Date as milliseconds in fixext 8.
            (0, 8, true) => {
                let ms = i64::from_be_bytes(data.try_into().map_err(|_| WireError::Msgpack("bad date"))?);
                Value::Timestamp {
                    secs: ms.div_euclid(1000),
                    nanos: (ms.rem_euclid(1000) * 1_000_000) as u32,
                }
            }
            // notepack.io 2: an ArrayBuffer.
            (0, _, _) => Value::Bin(self.buf.slice(range)),
            (-1, 4, true) => {
                let secs =
                    u32::from_be_bytes(data.try_into().map_err(|_| WireError::Msgpack("bad timestamp"))?);
                Value::Timestamp { secs: i64::from(secs), nanos: 0 }
            }
            (-1, 8, true) => {
                let packed =
                    u64::from_be_bytes(data.try_into().map_err(|_| WireError::Msgpack("bad timestamp"))?);
                let nanos = (packed >> 34) as u32;
                timestamp((packed & ((1 << 34) - 1)) as i64, nanos)?
            }
            (-1, 12, false) => {
                let nanos = u32::from_be_bytes(
                    data[..4].try_into().map_err(|_| WireError::Msgpack("bad timestamp"))?,
                );
                let secs = i64::from_be_bytes(
                    data[4..].try_into().map_err(|_| WireError::Msgpack("bad timestamp"))?,
                );
                timestamp(secs, nanos)?
            }
            _ => Value::Ext(ty, self.buf.slice(range)),
        })
    }
}

fn int(n: i64) -> Value {
    if n >= 0 {
        Value::UInt(n as u64)
    } else {
        Value::Int(n)
    }
}

fn timestamp(secs: i64, nanos: u32) -> Result<Value, WireError> {
    if nanos >= 1_000_000_000 {
        return Err(WireError::Msgpack("timestamp nanoseconds out of range"));
    }
    Ok(Value::Timestamp { secs, nanos })
}

/// The count of values decoded so far, shared by the whole JSON text.
struct Budget<'a> {
    items: usize,
    limits: &'a Limits,
}

struct Seed<'b, 'a> {
    budget: &'b mut Budget<'a>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.budget.items += 1;
        if self.budget.items > self.budget.limits.max_items {
            return Err(de::Error::custom(WireError::TooManyItems { limit: self.budget.limits.max_items }));
        }
        deserializer.deserialize_any(self)
    }
}

impl Seed<'_, '_> {
    fn enter<E: de::Error>(&self) -> Result<usize, E> {
        if self.depth >= self.budget.limits.max_depth {
            return Err(E::custom(WireError::TooDeep { limit: self.budget.limits.max_depth }));
        }
        Ok(self.depth + 1)
    }
}

impl<'de> Visitor<'de> for Seed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::UInt(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(int(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Seed { budget: self.budget, depth })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Seed { budget: self.budget, depth })?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Nil | Value::Undefined => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::UInt(n) => serializer.serialize_u64(*n),
            Value::Int(n) => serializer.serialize_i64(*n),
            Value::Float(f) => serialize_number(*f, serializer),
            Value::Str(s) => serializer.serialize_str(s),
            Value::Bin(b) => serializer.serialize_bytes(b),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let kept = entries.iter().filter(|(_, v)| !matches!(v, Value::Undefined));
                let mut map = serializer.serialize_map(Some(kept.clone().count()))?;
                for (k, v) in kept {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Value::Timestamp { secs, nanos } => match iso_date(*secs, *nanos) {
                Some(text) => serializer.serialize_str(&text),
                None => serializer.serialize_unit(),
            },
            Value::Ext(ty, data) => {
                let mut seq = serializer.serialize_seq(Some(2))?;
                seq.serialize_element(ty)?;
                seq.serialize_element(&Value::Bin(data.clone()))?;
                seq.end()
            }
        }
    }
}

/// A number as `JSON.stringify` writes it: integral values without a fraction,
/// `NaN` and infinities as `null`.
fn serialize_number<S: Serializer>(f: f64, serializer: S) -> Result<S::Ok, S::Error> {
    if !f.is_finite() {
        return serializer.serialize_unit();
    }
    if f.floor() == f && f.abs() < 9_007_199_254_740_992.0 {
        return serializer.serialize_i64(f as i64);
    }
    serializer.serialize_f64(f)
}

/// `Date.prototype.toJSON`: `2024-01-02T03:04:05.678Z` (`±YYYYYY` outside years
/// 0..=9999); `None` outside JavaScript's date range.
pub(crate) fn iso_date(secs: i64, nanos: u32) -> Option<String> {
    const MAX_MS: i64 = 8_640_000_000_000_000;
    let ms = secs.checked_mul(1000)?.checked_add(i64::from(nanos / 1_000_000))?;
    if ms.abs() > MAX_MS {
        return None;
    }
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let year = if (0..=9999).contains(&y) {
        format!("{y:04}")
    } else {
        format!("{}{:06}", if y < 0 { '-' } else { '+' }, y.abs())
    };
    Some(format!(
        "{year}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    ))
}

/// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date of a day count.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::UInt(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        int(n)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<Bytes> for Value {
    fn from(b: Bytes) -> Value {
        Value::Bin(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Value::UInt(u),
                (None, Some(i)) => int(i),
                _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(items) => Value::Array(items.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(map) => {
                Value::Map(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}
