//! Broadcasts: `[uid, packet, opts]` in MessagePack.

use bytes::Bytes;

use super::{Limits, Value, WireError};

/// The uid the official emitter publishes with.
pub const EMITTER_UID: &str = "emitter";

/// A broadcast between nodes: MessagePack `[uid, {type, data, nsp}, {rooms, except, flags}]`
/// on `<key>#<nsp>#` (or `<key>#<nsp>#<room>#` for exactly one room).
///
/// ```
/// use socketio_redis::wire::{BroadcastMessage, BroadcastOpts, ClusterPacket, Limits, Value};
/// let msg = BroadcastMessage {
///     uid: "AbCdEf".into(),
///     packet: ClusterPacket::event("/", vec![Value::from("hello"), Value::from(1u64)]),
///     opts: BroadcastOpts { rooms: vec!["room1".into()], ..Default::default() },
/// };
/// let bytes = msg.encode();
/// assert_eq!(BroadcastMessage::decode(&bytes.into(), &Limits::default()).unwrap(), msg);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BroadcastMessage {
    /// The publishing node's uid ([`EMITTER_UID`] for the emitter).
    pub uid: String,
    /// The packet.
    pub packet: ClusterPacket,
    /// Which sockets it reaches.
    pub opts: BroadcastOpts,
}

impl BroadcastMessage {
    /// Reads a broadcast.
    pub fn decode(payload: &Bytes, limits: &Limits) -> Result<BroadcastMessage, WireError> {
        let value = Value::from_msgpack_bytes(payload, limits)?;
        let Value::Array(items) = value else {
            return Err(WireError::field("message", "not an array"));
        };
        let mut items = items.into_iter();
        let uid = match items.next() {
            Some(Value::Str(uid)) => uid,
            _ => return Err(WireError::field("uid", "not a string")),
        };
        let packet = ClusterPacket::from_value(items.next().unwrap_or(Value::Nil))?;
        let opts = BroadcastOpts::from_value(items.next().as_ref().unwrap_or(&Value::Nil), limits)?;
        Ok(BroadcastMessage { uid, packet, opts })
    }

    /// The bytes the official adapter publishes (opts as `{rooms, except, flags}`).
    pub fn encode(&self) -> Vec<u8> {
        self.encode_with(false)
    }

    /// The bytes the official emitter publishes (opts as `{rooms, flags, except}`).
    pub fn encode_as_emitter(&self) -> Vec<u8> {
        self.encode_with(true)
    }

    fn encode_with(&self, emitter_order: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.push(0x93);
        Value::Str(self.uid.clone()).write_msgpack(&mut out);
        self.packet.write_msgpack(&mut out);
        self.opts.to_value(emitter_order).write_msgpack(&mut out);
        out
    }
}

/// A Socket.IO packet as nodes exchange it: `{type, data, nsp}` (an EVENT: `data` is
/// the event name then its arguments, binary ones as [`Value::Bin`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterPacket {
    /// The packet type: 2 (EVENT) as Node writes it; 5 (BINARY_EVENT) is read as 2.
    pub packet_type: u8,
    /// The event name and its arguments.
    pub data: Vec<Value>,
    /// The namespace.
    pub nsp: String,
}

impl ClusterPacket {
    /// An EVENT packet of namespace `nsp`: `data` is the name then the arguments.
    pub fn event(nsp: &str, data: Vec<Value>) -> ClusterPacket {
        ClusterPacket { packet_type: 2, data, nsp: nsp.to_owned() }
    }

    /// The event name, when the first item is a string (a number is its text, as for
    /// JavaScript's `EventEmitter`).
    pub fn event_name(&self) -> Option<String> {
        event_name(self.data.first()?)
    }

    /// The arguments after the event name.
    pub fn args(&self) -> &[Value] {
        self.data.get(1..).unwrap_or(&[])
    }

    pub(crate) fn from_value(value: Value) -> Result<ClusterPacket, WireError> {
        let Value::Map(entries) = value else {
            return Err(WireError::field("packet", "not a map"));
        };
        let (mut packet_type, mut data, mut nsp) = (None, None, None);
        for (k, v) in entries {
            match k.as_str() {
                "type" => packet_type = Some(v),
                "data" => data = Some(v),
                "nsp" => nsp = Some(v),
                _ => {}
            }
        }
        let packet_type = match packet_type.and_then(|t| t.as_u64()) {
            Some(2 | 5) => 2,
            _ => return Err(WireError::field("packet.type", "not an EVENT")),
        };
        let data = match data {
            Some(Value::Array(items)) if !items.is_empty() => items,
            _ => return Err(WireError::field("packet.data", "not a non-empty array")),
        };
        let nsp = match nsp {
            // The official adapter: a packet without `nsp` is of the main namespace.
            None | Some(Value::Undefined) => "/".to_owned(),
            Some(Value::Str(s)) => s,
            Some(_) => return Err(WireError::field("packet.nsp", "not a string")),
        };
        Ok(ClusterPacket { packet_type, data, nsp })
    }

    pub(crate) fn write_msgpack(&self, out: &mut Vec<u8>) {
        out.push(0x83);
        Value::from("type").write_msgpack(out);
        Value::UInt(u64::from(self.packet_type)).write_msgpack(out);
        Value::from("data").write_msgpack(out);
        let _ = rmp::encode::write_array_len(out, u32::try_from(self.data.len()).unwrap_or(u32::MAX));
        for item in &self.data {
            item.write_msgpack(out);
        }
        Value::from("nsp").write_msgpack(out);
        Value::Str(self.nsp.clone()).write_msgpack(out);
    }

    pub(crate) fn to_value(&self) -> Value {
        Value::map([
            ("type", Value::UInt(u64::from(self.packet_type))),
            ("data", Value::Array(self.data.clone())),
            ("nsp", Value::Str(self.nsp.clone())),
        ])
    }
}

/// Which sockets: those in any of `rooms` (all when empty) and in none of `except`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoomFilter {
    /// Target rooms; empty means the whole namespace.
    pub rooms: Vec<String>,
    /// Rooms whose sockets are left out.
    pub except: Vec<String>,
}

impl RoomFilter {
    pub(crate) fn from_value(value: &Value, limits: &Limits) -> Result<RoomFilter, WireError> {
        if !matches!(value, Value::Map(_)) {
            return Err(WireError::field("opts", "not a map"));
        }
        Ok(RoomFilter {
            rooms: rooms_of(value.get("rooms"), "opts.rooms", limits)?,
            except: rooms_of(value.get("except"), "opts.except", limits)?,
        })
    }

    pub(crate) fn to_value(&self) -> Value {
        Value::map([("rooms", room_list(&self.rooms)), ("except", room_list(&self.except))])
    }
}

/// The options of a broadcast: rooms, except and the flags.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BroadcastOpts {
    /// Target rooms; empty means the whole namespace.
    pub rooms: Vec<String>,
    /// Rooms whose sockets are left out.
    pub except: Vec<String>,
    /// Modifiers, as given.
    pub flags: Flags,
}

impl BroadcastOpts {
    /// Rooms and except, without the flags.
    pub fn filter(&self) -> RoomFilter {
        RoomFilter { rooms: self.rooms.clone(), except: self.except.clone() }
    }

    pub(crate) fn from_value(value: &Value, limits: &Limits) -> Result<BroadcastOpts, WireError> {
        let filter = RoomFilter::from_value(value, limits)?;
        let flags = match value.get("flags") {
            None | Some(Value::Nil | Value::Undefined) => Flags::default(),
            Some(Value::Map(entries)) => Flags(entries.clone()),
            Some(_) => return Err(WireError::field("opts.flags", "not a map")),
        };
        Ok(BroadcastOpts { rooms: filter.rooms, except: filter.except, flags })
    }

    pub(crate) fn to_value(&self, emitter_order: bool) -> Value {
        let rooms = ("rooms", room_list(&self.rooms));
        let except = ("except", room_list(&self.except));
        let flags = ("flags", Value::Map(self.flags.0.clone()));
        if emitter_order {
            Value::map([rooms, flags, except])
        } else {
            Value::map([rooms, except, flags])
        }
    }
}

/// Broadcast flags as a JavaScript object (`volatile`, `compress`, `local`, `timeout`,
/// ...), in order, with typed getters for those a node acts on.
///
/// ```
/// use socketio_redis::wire::{Flags, Value};
/// let flags = Flags::default().with("timeout", Value::from(5000u64));
/// assert_eq!(flags.timeout_ms(), Some(5000));
/// assert!(!flags.volatile());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flags(pub Vec<(String, Value)>);

impl Flags {
    /// Adds (or replaces) a flag.
    pub fn with(mut self, key: &str, value: Value) -> Flags {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key.to_owned(), value)),
        }
        self
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// `volatile`: the packet may be dropped for a client that is not ready.
    pub fn volatile(&self) -> bool {
        self.get("volatile").is_some_and(Value::is_truthy)
    }

    /// `compress`, when set.
    pub fn compress(&self) -> Option<bool> {
        self.get("compress").map(Value::is_truthy)
    }

    /// `local`: this node only (never set on what crosses Redis).
    pub fn local(&self) -> bool {
        self.get("local").is_some_and(Value::is_truthy)
    }

    /// `timeout` of a broadcast with acks, in milliseconds.
    pub fn timeout_ms(&self) -> Option<u64> {
        self.get("timeout").and_then(Value::as_u64)
    }
}

/// An event name: a string, or a number read as its text (as JavaScript's
/// `EventEmitter` does).
pub(crate) fn event_name(value: &Value) -> Option<String> {
    match value {
        Value::Str(s) => Some(s.clone()),
        Value::UInt(n) => Some(n.to_string()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

fn room_list(rooms: &[String]) -> Value {
    Value::Array(rooms.iter().map(|r| Value::Str(r.clone())).collect())
}

/// A room list: strings (numbers are read as their text, as JavaScript rooms may be
/// numbers); missing means none.
pub(crate) fn rooms_of(
    value: Option<&Value>,
    field: &'static str,
    limits: &Limits,
) -> Result<Vec<String>, WireError> {
    let items = match value {
        None | Some(Value::Nil | Value::Undefined) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(WireError::field(field, "not an array")),
    };
    if items.len() > limits.max_rooms {
        return Err(WireError::field(field, "too many rooms"));
    }
    items
        .iter()
        .map(|item| room_name(item).ok_or(WireError::field(field, "a room is not a string")))
        .collect()
}

pub(crate) fn room_name(value: &Value) -> Option<String> {
    match value {
        Value::Str(s) => Some(s.clone()),
        Value::UInt(n) => Some(n.to_string()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}
