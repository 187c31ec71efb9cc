//! Requests and responses between nodes.

use bytes::Bytes;

use super::message::{room_name, rooms_of};
use super::{decode_either, BroadcastOpts, ClusterPacket, Limits, RoomFilter, Value, WireError};

/// The request types of the official adapter (`RequestType` in its `lib/index.ts`).
///
/// ```
/// use socketio_redis::wire::RequestType;
/// assert_eq!(RequestType::from_u64(5), Some(RequestType::RemoteFetch));
/// assert_eq!(RequestType::BroadcastAck as u8, 9);
/// assert_eq!(RequestType::from_u64(10), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RequestType {
    /// `0`: the ids of the sockets in some rooms (sent by adapters before 7.x).
    Sockets = 0,
    /// `1`: every room of every node.
    AllRooms = 1,
    /// `2`: make sockets join rooms.
    RemoteJoin = 2,
    /// `3`: make sockets leave rooms.
    RemoteLeave = 3,
    /// `4`: disconnect sockets.
    RemoteDisconnect = 4,
    /// `5`: fetch sockets (id, handshake, rooms, data).
    RemoteFetch = 5,
    /// `6`: an event for the other servers (with an ack when it has a `requestId`).
    ServerSideEmit = 6,
    /// `7`: a broadcast whose clients' acks are collected.
    Broadcast = 7,
    /// `8`: response: how many clients a node sent an acked broadcast to.
    BroadcastClientCount = 8,
    /// `9`: response: one client's ack of a broadcast.
    BroadcastAck = 9,
}

impl RequestType {
    /// The type of a number.
    pub fn from_u64(n: u64) -> Option<RequestType> {
        Some(match n {
            0 => RequestType::Sockets,
            1 => RequestType::AllRooms,
            2 => RequestType::RemoteJoin,
            3 => RequestType::RemoteLeave,
            4 => RequestType::RemoteDisconnect,
            5 => RequestType::RemoteFetch,
            6 => RequestType::ServerSideEmit,
            7 => RequestType::Broadcast,
            8 => RequestType::BroadcastClientCount,
            9 => RequestType::BroadcastAck,
            _ => return None,
        })
    }
}

/// A request on `<key>-request#<nsp>#`.
///
/// ```
/// use socketio_redis::wire::{Limits, Membership, Request, RequestBody, RoomFilter};
/// // What `@socket.io/redis-emitter` publishes for `emitter.in("a").socketsJoin("c")`.
/// let text = br#"{"type":2,"opts":{"rooms":["a"],"except":[]},"rooms":["c"]}"#;
/// let request = Request::decode(&text[..].into(), &Limits::default()).unwrap();
/// assert_eq!(request.uid, None);
/// let RequestBody::Join(Membership::Matching { opts, rooms }) = &request.body else { panic!() };
/// assert_eq!((opts.rooms.as_slice(), rooms.as_slice()), (&["a".to_owned()][..], &["c".to_owned()][..]));
/// assert_eq!(request.encode(), &text[..]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The requesting node (absent in the emitter's join/leave/disconnect requests).
    pub uid: Option<String>,
    /// The id its responses carry (absent when no response is expected).
    pub request_id: Option<String>,
    /// What is asked.
    pub body: RequestBody,
}

/// What a request asks.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RequestBody {
    /// `SOCKETS`: the ids of the sockets in `rooms` (all when empty).
    Sockets {
        /// The rooms.
        rooms: Vec<String>,
    },
    /// `ALL_ROOMS`.
    AllRooms,
    /// `REMOTE_JOIN`.
    Join(Membership),
    /// `REMOTE_LEAVE`.
    Leave(Membership),
    /// `REMOTE_DISCONNECT`.
    Disconnect {
        /// Which sockets.
        target: Selector,
        /// Whether to close the underlying connections too.
        close: bool,
    },
    /// `REMOTE_FETCH`.
    Fetch {
        /// Which sockets.
        opts: RoomFilter,
    },
    /// `SERVER_SIDE_EMIT`: the event name, then its arguments.
    ServerSideEmit {
        /// `[event, ...args]`.
        data: Vec<Value>,
    },
    /// `BROADCAST`: a broadcast whose acks go back to the requester.
    Broadcast {
        /// The packet.
        packet: ClusterPacket,
        /// Which sockets, and the flags (`timeout`).
        opts: BroadcastOpts,
    },
}

/// Who joins or leaves rooms.
#[derive(Clone, Debug, PartialEq)]
pub enum Membership {
    /// The sockets `opts` selects join or leave `rooms` (`socketsJoin`/`socketsLeave`).
    Matching {
        /// Which sockets.
        opts: RoomFilter,
        /// The rooms.
        rooms: Vec<String>,
    },
    /// One socket joins or leaves one room, with a response (adapters before 7.x).
    Socket {
        /// The socket id.
        sid: String,
        /// The room.
        room: String,
    },
}

/// Which sockets are disconnected.
#[derive(Clone, Debug, PartialEq)]
pub enum Selector {
    /// The sockets `opts` selects (`disconnectSockets`).
    Matching(RoomFilter),
    /// One socket, with a response (adapters before 7.x).
    Socket(String),
}

impl Request {
    /// The type number of the request.
    pub fn request_type(&self) -> RequestType {
        match &self.body {
            RequestBody::Sockets { .. } => RequestType::Sockets,
            RequestBody::AllRooms => RequestType::AllRooms,
            RequestBody::Join(_) => RequestType::RemoteJoin,
            RequestBody::Leave(_) => RequestType::RemoteLeave,
            RequestBody::Disconnect { .. } => RequestType::RemoteDisconnect,
            RequestBody::Fetch { .. } => RequestType::RemoteFetch,
            RequestBody::ServerSideEmit { .. } => RequestType::ServerSideEmit,
            RequestBody::Broadcast { .. } => RequestType::Broadcast,
        }
    }

    /// Reads a request (JSON, or MessagePack for `BROADCAST`).
    pub fn decode(payload: &Bytes, limits: &Limits) -> Result<Request, WireError> {
        let value = decode_either(payload, limits)?;
        if !matches!(value, Value::Map(_)) {
            return Err(WireError::field("request", "not a map"));
        }
        let ty = value.get("type").and_then(Value::as_u64).ok_or(WireError::field("type", "not a number"))?;
        let ty = RequestType::from_u64(ty).ok_or(WireError::UnknownRequestType(ty))?;
        let uid = optional_string(&value, "uid")?;
        let request_id = optional_string(&value, "requestId")?;
        let body = match ty {
            RequestType::Sockets => {
                RequestBody::Sockets { rooms: rooms_of(value.get("rooms"), "rooms", limits)? }
            }
            RequestType::AllRooms => RequestBody::AllRooms,
            RequestType::RemoteJoin => RequestBody::Join(membership(&value, limits)?),
            RequestType::RemoteLeave => RequestBody::Leave(membership(&value, limits)?),
            RequestType::RemoteDisconnect => {
                let target = match value.get("opts") {
                    Some(opts) if opts.is_truthy() => {
                        Selector::Matching(RoomFilter::from_value(opts, limits)?)
                    }
                    _ => Selector::Socket(required_string(&value, "sid")?),
                };
                RequestBody::Disconnect { target, close: value.get("close").is_some_and(Value::is_truthy) }
            }
            RequestType::RemoteFetch => RequestBody::Fetch {
                opts: RoomFilter::from_value(value.get("opts").unwrap_or(&Value::Nil), limits)?,
            },
            RequestType::ServerSideEmit => match value.get("data") {
                Some(Value::Array(data)) if !data.is_empty() => {
                    RequestBody::ServerSideEmit { data: data.clone() }
                }
                _ => return Err(WireError::field("data", "not a non-empty array")),
            },
            RequestType::Broadcast => {
                let packet = ClusterPacket::from_value(value.get("packet").cloned().unwrap_or(Value::Nil))?;
                let opts = BroadcastOpts::from_value(value.get("opts").unwrap_or(&Value::Nil), limits)?;
                RequestBody::Broadcast { packet, opts }
            }
            RequestType::BroadcastClientCount | RequestType::BroadcastAck => {
                return Err(WireError::field("type", "a response type on the request channel"))
            }
        };
        if request_id.is_none()
            && matches!(
                ty,
                RequestType::Sockets
                    | RequestType::AllRooms
                    | RequestType::RemoteFetch
                    | RequestType::Broadcast
            )
        {
            return Err(WireError::field("requestId", "missing"));
        }
        Ok(Request { uid, request_id, body })
    }

    /// The bytes the official adapter (or emitter, when `uid` is `None`) publishes:
    /// JSON with the fields in its order, MessagePack for `BROADCAST`.
    pub fn encode(&self) -> Vec<u8> {
        let mut fields: Vec<(&str, Value)> = Vec::with_capacity(5);
        if let Some(uid) = &self.uid {
            fields.push(("uid", Value::Str(uid.clone())));
        }
        if let Some(id) = &self.request_id {
            fields.push(("requestId", Value::Str(id.clone())));
        }
        fields.push(("type", Value::UInt(self.request_type() as u64)));
        match &self.body {
            RequestBody::Sockets { rooms } => fields.push(("rooms", strings(rooms))),
            RequestBody::AllRooms => {}
            RequestBody::Join(m) | RequestBody::Leave(m) => match m {
                Membership::Matching { opts, rooms } => {
                    fields.push(("opts", opts.to_value()));
                    fields.push(("rooms", strings(rooms)));
                }
                Membership::Socket { sid, room } => {
                    fields.push(("sid", Value::Str(sid.clone())));
                    fields.push(("room", Value::Str(room.clone())));
                }
            },
            RequestBody::Disconnect { target, close } => {
                match target {
                    Selector::Matching(opts) => fields.push(("opts", opts.to_value())),
                    Selector::Socket(sid) => fields.push(("sid", Value::Str(sid.clone()))),
                }
                fields.push(("close", Value::Bool(*close)));
            }
            RequestBody::Fetch { opts } => fields.push(("opts", opts.to_value())),
            RequestBody::ServerSideEmit { data } => fields.push(("data", Value::Array(data.clone()))),
            RequestBody::Broadcast { packet, opts } => {
                fields.push(("packet", packet.to_value()));
                fields.push(("opts", opts.to_value(false)));
                return Value::map(fields).to_msgpack();
            }
        }
        Value::map(fields).to_json().into_bytes()
    }
}

fn strings(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| Value::Str(s.clone())).collect())
}

fn optional_string(value: &Value, field: &'static str) -> Result<Option<String>, WireError> {
    match value.get(field) {
        None | Some(Value::Nil | Value::Undefined) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(_) => Err(WireError::field(field, "not a string")),
    }
}

fn required_string(value: &Value, field: &'static str) -> Result<String, WireError> {
    optional_string(value, field)?.ok_or(WireError::field(field, "missing"))
}

fn membership(value: &Value, limits: &Limits) -> Result<Membership, WireError> {
    match value.get("opts") {
        Some(opts) if opts.is_truthy() => Ok(Membership::Matching {
            opts: RoomFilter::from_value(opts, limits)?,
            rooms: rooms_of(value.get("rooms"), "rooms", limits)?,
        }),
        _ => Ok(Membership::Socket {
            sid: required_string(value, "sid")?,
            room: value.get("room").and_then(room_name).ok_or(WireError::field("room", "not a string"))?,
        }),
    }
}

/// A response on `<key>-response#<nsp>#` (or a node's own response channel).
///
/// Responses name their request by id only; what a body means depends on the request
/// it answers (`sockets` holds ids for `SOCKETS`, socket records for `REMOTE_FETCH`).
///
/// ```
/// use socketio_redis::wire::{Limits, Response, ResponseBody};
/// let text = br#"{"type":8,"requestId":"4rkXjV","clientCount":2}"#;
/// let response = Response::decode(&text[..].into(), &Limits::default()).unwrap();
/// assert_eq!(response.body, ResponseBody::ClientCount(2));
/// assert_eq!(response.encode(), &text[..]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// The id of the request answered.
    pub request_id: String,
    /// The answer.
    pub body: ResponseBody,
}

/// What a response carries.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ResponseBody {
    /// `{requestId, sockets}`: ids (`SOCKETS`) or records (`REMOTE_FETCH`, see
    /// [`RemoteSocket::from_value`]).
    Sockets(Vec<Value>),
    /// `{requestId, rooms}` (`ALL_ROOMS`).
    Rooms(Vec<String>),
    /// `{requestId}`: done (one socket's join, leave or disconnect).
    Done,
    /// `{type: 6, requestId, data}`: one server's ack of a server-side emit
    /// ([`Value::Undefined`] when it acked with nothing).
    ServerSideEmitAck(Value),
    /// `{type: 8, requestId, clientCount}`: how many clients a server sent an acked
    /// broadcast to.
    ClientCount(u64),
    /// `{type: 9, requestId, packet}` in MessagePack: one client's ack (its first
    /// argument).
    BroadcastAck(Value),
}

impl Response {
    /// Reads a response (JSON, or MessagePack).
    pub fn decode(payload: &Bytes, limits: &Limits) -> Result<Response, WireError> {
        let value = decode_either(payload, limits)?;
        if !matches!(value, Value::Map(_)) {
            return Err(WireError::field("response", "not a map"));
        }
        let request_id = required_string(&value, "requestId")?;
        let body = match value.get("type").map(|t| t.as_u64()) {
            Some(Some(6)) => {
                ResponseBody::ServerSideEmitAck(value.get("data").cloned().unwrap_or(Value::Undefined))
            }
            Some(Some(8)) => ResponseBody::ClientCount(
                value
                    .get("clientCount")
                    .and_then(Value::as_u64)
                    .ok_or(WireError::field("clientCount", "not a count"))?,
            ),
            Some(Some(9)) => {
                ResponseBody::BroadcastAck(value.get("packet").cloned().unwrap_or(Value::Undefined))
            }
            Some(_) => return Err(WireError::field("type", "not a response type")),
            None => match (value.get("sockets"), value.get("rooms")) {
                (Some(Value::Array(sockets)), _) => ResponseBody::Sockets(sockets.clone()),
                (Some(_), _) => return Err(WireError::field("sockets", "not an array")),
                (None, Some(rooms)) => ResponseBody::Rooms(rooms_of(Some(rooms), "rooms", limits)?),
                (None, None) => ResponseBody::Done,
            },
        };
        Ok(Response { request_id, body })
    }

    /// The bytes the official adapter publishes: JSON, MessagePack for a broadcast ack.
    pub fn encode(&self) -> Vec<u8> {
        let id = ("requestId", Value::Str(self.request_id.clone()));
        match &self.body {
            ResponseBody::Sockets(sockets) => {
                Value::map([id, ("sockets", Value::Array(sockets.clone()))]).to_json()
            }
            ResponseBody::Rooms(rooms) => Value::map([id, ("rooms", strings(rooms))]).to_json(),
            ResponseBody::Done => Value::map([id]).to_json(),
            ResponseBody::ServerSideEmitAck(data) => {
                Value::map([("type", Value::UInt(6)), id, ("data", data.clone())]).to_json()
            }
            ResponseBody::ClientCount(n) => {
                Value::map([("type", Value::UInt(8)), id, ("clientCount", Value::UInt(*n))]).to_json()
            }
            ResponseBody::BroadcastAck(packet) => {
                return Value::map([("type", Value::UInt(9)), id, ("packet", packet.clone())]).to_msgpack();
            }
        }
        .into_bytes()
    }
}

/// A socket of another node, as a `REMOTE_FETCH` response describes it.
///
/// ```
/// use socketio_redis::wire::{RemoteSocket, Value};
/// let s = RemoteSocket { id: "abc".into(), handshake: Value::map([("auth", Value::map::<&str>([]))]), rooms: vec!["abc".into()], data: Value::Nil };
/// assert_eq!(RemoteSocket::from_value(&s.to_value()).unwrap(), s);
/// assert!(RemoteSocket::from_value(&Value::from("abc")).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteSocket {
    /// The socket id.
    pub id: String,
    /// Node's `socket.handshake` (without `sessionStore`): headers, time, address,
    /// xdomain, secure, issued, url, query, auth.
    pub handshake: Value,
    /// Its rooms (its own id among them).
    pub rooms: Vec<String>,
    /// `socket.data`.
    pub data: Value,
}

impl RemoteSocket {
    /// Reads one record of a fetch response.
    pub fn from_value(value: &Value) -> Result<RemoteSocket, WireError> {
        if !matches!(value, Value::Map(_)) {
            return Err(WireError::field("sockets", "a socket is not a map"));
        }
        let rooms = match value.get("rooms") {
            None => Vec::new(),
            Some(Value::Array(rooms)) => rooms
                .iter()
                .map(room_name)
                .collect::<Option<_>>()
                .ok_or(WireError::field("rooms", "a room is not a string"))?,
            Some(_) => return Err(WireError::field("rooms", "not an array")),
        };
        Ok(RemoteSocket {
            id: required_string(value, "id")?,
            handshake: value.get("handshake").cloned().unwrap_or(Value::Undefined),
            rooms,
            data: value.get("data").cloned().unwrap_or(Value::Undefined),
        })
    }

    /// The record, fields in the official adapter's order.
    pub fn to_value(&self) -> Value {
        Value::map([
            ("id", Value::Str(self.id.clone())),
            ("handshake", self.handshake.clone()),
            ("rooms", strings(&self.rooms)),
            ("data", self.data.clone()),
        ])
    }
}
