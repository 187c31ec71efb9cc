//! The wire format against bytes captured from the official `@socket.io/redis-adapter`
//! 8.3 and `@socket.io/redis-emitter` 5.1 (`tests/redis/capture-fixtures.mjs`).
//!
//! Every fixture decodes, and re-encodes to the very same bytes (one documented
//! exception: notepack.io's overflow on numbers of 2^64 and more).

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;
use socketio_redis::wire::{
    BroadcastMessage, ChannelKind, Channels, Limits, Membership, RemoteSocket, Request, RequestBody,
    RequestType, Response, ResponseBody, Selector, Value, EMITTER_UID,
};

#[derive(Debug)]
struct Fixture {
    name: String,
    key: String,
    channel: String,
    payload: Bytes,
}

fn load() -> BTreeMap<String, Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures directory") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("fixture");
        let json: serde_json::Value = serde_json::from_str(&text).expect("fixture JSON");
        let field =
            |k: &str| json[k].as_str().unwrap_or_else(|| panic!("{}: {k}", path.display())).to_owned();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name").to_owned();
        let payload = hex(&field("payload_hex"));
        out.insert(name.clone(), Fixture { name, key: field("key"), channel: field("channel"), payload });
    }
    assert!(out.len() >= 40, "expected the captured fixtures, found {}", out.len());
    out
}

fn hex(s: &str) -> Bytes {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect::<Vec<_>>()
        .into()
}

/// The namespace named in a channel: `<key>#<nsp>#...` or `<key>-request#<nsp>#`.
fn nsp_of(f: &Fixture) -> &str {
    let rest = f.channel.strip_prefix(f.key.as_str()).expect("channel under the key");
    let rest = &rest[rest.find('#').expect("#") + 1..];
    &rest[..rest.find('#').expect("#")]
}

enum Decoded {
    Broadcast(BroadcastMessage, Option<String>),
    Request(Request),
    Response(Response),
}

fn decode(f: &Fixture) -> Decoded {
    let limits = Limits::default();
    let channels = Channels::new(&f.key, nsp_of(f));
    match channels.classify(&f.channel).unwrap_or_else(|| panic!("{}: channel {}", f.name, f.channel)) {
        ChannelKind::Broadcast { room } => Decoded::Broadcast(
            BroadcastMessage::decode(&f.payload, &limits).unwrap_or_else(|e| panic!("{}: {e}", f.name)),
            room.map(str::to_owned),
        ),
        ChannelKind::Request => Decoded::Request(
            Request::decode(&f.payload, &limits).unwrap_or_else(|e| panic!("{}: {e}", f.name)),
        ),
        ChannelKind::Response => Decoded::Response(
            Response::decode(&f.payload, &limits).unwrap_or_else(|e| panic!("{}: {e}", f.name)),
        ),
    }
}

fn reencode(d: &Decoded) -> Vec<u8> {
    match d {
        Decoded::Broadcast(m, _) if m.uid == EMITTER_UID => m.encode_as_emitter(),
        Decoded::Broadcast(m, _) => m.encode(),
        Decoded::Request(r) => r.encode(),
        Decoded::Response(r) => r.encode(),
    }
}

fn broadcast(fixtures: &BTreeMap<String, Fixture>, name: &str) -> (BroadcastMessage, Option<String>) {
    match decode(&fixtures[name]) {
        Decoded::Broadcast(m, room) => (m, room),
        _ => panic!("{name} is not a broadcast"),
    }
}

fn request(fixtures: &BTreeMap<String, Fixture>, name: &str) -> Request {
    match decode(&fixtures[name]) {
        Decoded::Request(r) => r,
        _ => panic!("{name} is not a request"),
    }
}

fn response(fixtures: &BTreeMap<String, Fixture>, name: &str) -> Response {
    match decode(&fixtures[name]) {
        Decoded::Response(r) => r,
        _ => panic!("{name} is not a response"),
    }
}

fn strs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn every_fixture_decodes_and_reencodes_to_the_same_bytes() {
    let fixtures = load();
    for f in fixtures.values() {
        let decoded = decode(f);
        if f.name == "emitter-values-0" {
            continue; // see `values_of_every_shape`
        }
        assert_eq!(reencode(&decoded), f.payload.as_ref(), "{}", f.name);
    }
}

#[test]
fn adapter_broadcasts() {
    let fx = load();
    let (all, room) = broadcast(&fx, "adapter-broadcast-all-0");
    assert_eq!(room, None);
    assert_eq!(all.uid.len(), 6, "uid2(6)");
    assert_eq!(all.packet.packet_type, 2);
    assert_eq!(all.packet.nsp, "/");
    assert_eq!(all.packet.event_name().as_deref(), Some("hello"));
    assert_eq!(
        all.packet.args(),
        &[
            Value::from("world"),
            Value::UInt(1),
            Value::Float(2.5),
            Value::Bool(true),
            Value::Nil,
            Value::map([("a", Value::Array(vec![Value::UInt(1)]))])
        ]
    );
    assert!(all.opts.rooms.is_empty() && all.opts.except.is_empty() && all.opts.flags.0.is_empty());

    let (one, room) = broadcast(&fx, "adapter-broadcast-room-0");
    assert_eq!(room.as_deref(), Some("room1"), "one room: the room's own channel");
    assert_eq!(one.opts.rooms, strs(&["room1"]));

    let (several, room) = broadcast(&fx, "adapter-broadcast-rooms-except-0");
    assert_eq!(room, None, "several rooms: the namespace channel");
    assert_eq!((several.opts.rooms, several.opts.except), (strs(&["r1", "r2"]), strs(&["r3"])));

    let (custom, room) = broadcast(&fx, "adapter-broadcast-custom-nsp-0");
    assert_eq!((custom.packet.nsp.as_str(), room.as_deref()), ("/custom", Some("room9")));

    let (flags, _) = broadcast(&fx, "adapter-broadcast-flags-0");
    assert!(flags.opts.flags.volatile());
    assert_eq!(flags.opts.flags.compress(), Some(false));

    let (from_socket, _) = broadcast(&fx, "adapter-broadcast-from-socket-0");
    assert_eq!(from_socket.opts.except.len(), 1, "socket.broadcast excludes the sender's own room");
    assert_eq!(from_socket.opts.except[0].len(), 20);
}

#[test]
fn binary_travels_as_msgpack_bin_in_place() {
    let fx = load();
    let (m, _) = broadcast(&fx, "adapter-broadcast-binary-0");
    assert_eq!(
        m.packet.args(),
        &[
            Value::Bin(vec![1, 2, 3].into()),
            Value::map([
                ("nested", Value::Bin(vec![4].into())),
                ("list", Value::Array(vec![Value::Bin(vec![5].into())]))
            ])
        ]
    );
    assert_eq!(m.packet.packet_type, 2, "EVENT, not BINARY_EVENT: the receiving encoder decides");
    let (e, _) = broadcast(&fx, "emitter-binary-0");
    assert_eq!(e.packet.args(), &[Value::Bin(vec![1, 2, 3].into()), Value::Bin(vec![9].into())]);
}

#[test]
fn emitter_broadcasts() {
    let fx = load();
    let (m, room) = broadcast(&fx, "emitter-emit-0");
    assert_eq!((m.uid.as_str(), room), (EMITTER_UID, None));
    assert_eq!(m.packet.data, vec![Value::from("hello"), Value::from("world")]);
    let (m, room) = broadcast(&fx, "emitter-to-room-0");
    assert_eq!((m.opts.rooms, room.as_deref()), (strs(&["room1"]), Some("room1")));
    let (m, room) = broadcast(&fx, "emitter-to-rooms-except-0");
    assert_eq!((m.opts.rooms, m.opts.except, room), (strs(&["r1", "r2"]), strs(&["r3"]), None));
    let (m, room) = broadcast(&fx, "emitter-of-nsp-0");
    assert_eq!(
        (m.packet.nsp.as_str(), room.as_deref()),
        ("/custom", Some("room9")),
        "of(\"custom\") adds the slash"
    );
    let (m, _) = broadcast(&fx, "emitter-flags-0");
    assert!(m.opts.flags.volatile());
    assert_eq!(m.opts.flags.compress(), Some(true));
    // The emitter writes opts as {rooms, flags, except}; the adapter {rooms, except, flags}.
    let emitter_bytes = &fx["emitter-emit-0"].payload;
    assert_ne!(m.encode_as_emitter(), m.encode());
    assert!(emitter_bytes.windows(5).any(|w| w == b"flags"));
}

#[test]
fn values_of_every_shape() {
    let fx = load();
    let (m, _) = broadcast(&fx, "emitter-values-0");
    let args = m.packet.args();
    let uints = [0u64, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, (1 << 53) - 1];
    assert_eq!(args[0], Value::Array(uints.iter().map(|&n| Value::UInt(n)).collect()));
    let ints = [-1i64, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -((1 << 53) - 1)];
    assert_eq!(args[1], Value::Array(ints.iter().map(|&n| Value::Int(n)).collect()));
    // notepack.io writes 2.0 as the integer 2, and 1e300 (an "integer" to JavaScript) as
    // a uint64 whose 32-bit halves overflowed to 0: we read what was written.
    assert_eq!(
        args[2],
        Value::Array(vec![Value::Float(0.5), Value::Float(-1.25), Value::UInt(0), Value::UInt(2)])
    );
    // notepack.io 3: undefined is written as nil.
    assert_eq!(args[3], Value::Array(vec![Value::Nil, Value::Nil, Value::Bool(true), Value::Bool(false)]));
    // ... and left out of maps.
    assert_eq!(args[4], Value::map([("kept", Value::Nil)]));
    // Dates: timestamp 64 with milliseconds, timestamp 32 without.
    assert_eq!(args[5], Value::Timestamp { secs: 1_704_164_645, nanos: 678_000_000 });
    assert_eq!(args[5].to_json(), r#""2024-01-02T03:04:05.678Z""#);
    assert_eq!(args[6], Value::Timestamp { secs: 1_704_164_645, nanos: 0 });
    assert_eq!(args[7], Value::from("é€😀"));
    assert_eq!(args[8], Value::from("x".repeat(40)), "str8");
    assert_eq!(args[9], Value::from("y".repeat(300)), "str16");
    assert_eq!(args[10], Value::Bin(vec![7u8; 300].into()), "an ArrayBuffer travels as bin16");
    assert!(matches!(&args[11], Value::Map(e) if e.len() == 17), "map16");
    assert!(matches!(&args[12], Value::Array(e) if e.len() == 17), "array16");

    // Re-encoding is exact except for the overflowed 1e300, which we write as 0.
    let ours = m.encode_as_emitter();
    let theirs = &fx["emitter-values-0"].payload;
    assert_eq!(theirs.len() - ours.len(), 8, "cf 00*8 versus 00");
    assert_eq!(BroadcastMessage::decode(&ours.into(), &Limits::default()).unwrap(), m);
}

#[test]
fn adapter_requests() {
    let fx = load();
    let r = request(&fx, "adapter-server-side-emit-0");
    assert_eq!((r.request_type(), r.request_id.as_deref()), (RequestType::ServerSideEmit, None));
    assert_eq!(
        r.body,
        RequestBody::ServerSideEmit {
            data: vec![Value::from("hello-server"), Value::from("x"), Value::UInt(1)]
        }
    );

    let r = request(&fx, "adapter-server-side-emit-ack-0");
    assert!(r.request_id.is_some(), "a requestId asks for acks");
    let a = response(&fx, "adapter-server-side-emit-ack-1");
    assert_eq!(a.request_id, r.request_id.unwrap());
    assert_eq!(a.body, ResponseBody::ServerSideEmitAck(Value::map([("pong", Value::UInt(1))])));

    let r = request(&fx, "adapter-sockets-join-0");
    assert!(r.uid.is_some() && r.request_id.is_none());
    let RequestBody::Join(Membership::Matching { opts, rooms }) = r.body else { panic!("{r:?}") };
    assert_eq!((opts.rooms, opts.except, rooms), (strs(&["a"]), strs(&["b"]), strs(&["c", "d"])));

    let r = request(&fx, "adapter-sockets-leave-0");
    assert!(
        matches!(r.body, RequestBody::Leave(Membership::Matching { ref rooms, .. }) if *rooms == strs(&["c"]))
    );

    let r = request(&fx, "adapter-disconnect-sockets-0");
    assert!(
        matches!(r.body, RequestBody::Disconnect { target: Selector::Matching(ref o), close: true } if o.rooms == strs(&["nobody"]))
    );

    let r = request(&fx, "adapter-all-rooms-0");
    assert_eq!(r.body, RequestBody::AllRooms);
    let rooms = response(&fx, "adapter-all-rooms-1");
    assert!(matches!(rooms.body, ResponseBody::Rooms(ref r) if r.contains(&"room1".to_owned())));
}

#[test]
fn fetch_sockets_with_handshake_rooms_and_data() {
    let fx = load();
    let r = request(&fx, "adapter-fetch-sockets-0");
    assert!(matches!(r.body, RequestBody::Fetch { ref opts } if opts.rooms == strs(&["room1"])));
    let resp = response(&fx, "adapter-fetch-sockets-1");
    assert_eq!(Some(resp.request_id.as_str()), r.request_id.as_deref());
    let ResponseBody::Sockets(sockets) = resp.body else { panic!() };
    let s = RemoteSocket::from_value(&sockets[0]).unwrap();
    assert!(s.rooms.contains(&s.id) && s.rooms.contains(&"room1".to_owned()));
    assert_eq!(s.data, Value::map([("user", Value::from("ann")), ("n", Value::UInt(1))]));
    let hs = &s.handshake;
    for key in ["headers", "time", "address", "xdomain", "secure", "issued", "url", "query", "auth"] {
        assert!(hs.get(key).is_some(), "handshake.{key}");
    }
    assert!(hs.get("issued").and_then(Value::as_u64).is_some(), "issued: milliseconds");
    assert!(hs.get("time").and_then(Value::as_str).is_some_and(|t| t.contains("GMT")), "time: Date#toString");
    assert_eq!(
        hs.get("auth"),
        Some(&Value::map([("room", Value::from("room1")), ("user", Value::from("ann"))]))
    );
    assert_eq!(response(&fx, "adapter-fetch-sockets-empty-1").body, ResponseBody::Sockets(vec![]));
}

#[test]
fn broadcast_with_acks() {
    let fx = load();
    let r = request(&fx, "adapter-broadcast-ack-0");
    assert_eq!(fx["adapter-broadcast-ack-0"].payload[0] & 0xf0, 0x80, "BROADCAST requests are MessagePack");
    let RequestBody::Broadcast { packet, opts } = &r.body else { panic!() };
    assert_eq!(packet.data, vec![Value::from("question"), Value::UInt(7)]);
    assert_eq!(opts.flags.timeout_ms(), Some(2000));
    let id = r.request_id.clone().unwrap();
    assert_eq!(
        response(&fx, "adapter-broadcast-ack-1"),
        Response { request_id: id.clone(), body: ResponseBody::ClientCount(2) }
    );
    for n in [2, 3] {
        let name = format!("adapter-broadcast-ack-{n}");
        assert_eq!(fx[&name].payload[0], 0x83, "BROADCAST_ACK responses are MessagePack");
        assert_eq!(
            response(&fx, &name),
            Response { request_id: id.clone(), body: ResponseBody::BroadcastAck(Value::from("answer-7")) }
        );
    }
}

#[test]
fn legacy_requests_still_answered_by_8x() {
    let fx = load();
    let r = request(&fx, "adapter-legacy-sockets-0");
    assert_eq!(r.body, RequestBody::Sockets { rooms: strs(&["room1"]) });
    let ResponseBody::Sockets(ids) = response(&fx, "adapter-legacy-sockets-1").body else { panic!() };
    assert!(ids.iter().all(|v| v.as_str().is_some()), "SOCKETS answers ids");
    let r = request(&fx, "adapter-legacy-remote-join-0");
    assert!(
        matches!(r.body, RequestBody::Join(Membership::Socket { ref room, .. }) if room == "joined-by-sid")
    );
    assert_eq!(response(&fx, "adapter-legacy-remote-join-1").body, ResponseBody::Done);
}

#[test]
fn emitter_requests() {
    let fx = load();
    for name in [
        "emitter-sockets-join-0",
        "emitter-sockets-join-one-0",
        "emitter-sockets-leave-0",
        "emitter-disconnect-sockets-0",
    ] {
        let r = request(&fx, name);
        assert_eq!((r.uid.as_deref(), r.request_id.as_deref()), (None, None), "{name}: no uid, no requestId");
    }
    let r = request(&fx, "emitter-sockets-join-one-0");
    assert!(
        matches!(r.body, RequestBody::Join(Membership::Matching { ref opts, ref rooms }) if opts.rooms.is_empty() && *rooms == strs(&["c"]))
    );
    let r = request(&fx, "emitter-disconnect-sockets-default-0");
    assert!(matches!(r.body, RequestBody::Disconnect { close: false, .. }));
    let r = request(&fx, "emitter-server-side-emit-0");
    assert_eq!(r.uid.as_deref(), Some(EMITTER_UID));
    assert_eq!(
        r.body,
        RequestBody::ServerSideEmit {
            data: vec![Value::from("hello-server"), Value::UInt(1), Value::from("two")]
        }
    );
}
