//! Hostile and edge-case input: every bad message is an error value, never a panic.

use bytes::Bytes;

use super::*;

fn limits() -> Limits {
    Limits::default()
}

#[test]
fn truncated_msgpack_at_every_length_is_an_error() {
    let msg = BroadcastMessage {
        uid: "abc".into(),
        packet: ClusterPacket::event(
            "/",
            vec![Value::from("ev"), Value::Bin(vec![1, 2, 3].into()), Value::from(-5i64)],
        ),
        opts: BroadcastOpts {
            rooms: vec!["r".into()],
            except: vec!["x".into()],
            flags: Flags::default().with("timeout", Value::from(1000u64)),
        },
    };
    let bytes = msg.encode();
    for n in 0..bytes.len() {
        assert!(
            BroadcastMessage::decode(&Bytes::copy_from_slice(&bytes[..n]), &limits()).is_err(),
            "prefix {n}"
        );
    }
    assert_eq!(BroadcastMessage::decode(&bytes.into(), &limits()).unwrap(), msg);
}

#[test]
fn every_single_byte_and_pairs_decode_or_fail_cleanly() {
    for a in 0..=255u8 {
        let _ = Value::from_msgpack(&[a], &limits());
        for b in [0x00, 0x01, 0x7f, 0x80, 0xff] {
            let _ = Value::from_msgpack(&[a, b], &limits());
            let _ = BroadcastMessage::decode(&Bytes::copy_from_slice(&[0x93, a, b]), &limits());
            let _ = Request::decode(&Bytes::copy_from_slice(&[0x81, a, b]), &limits());
            let _ = Response::decode(&Bytes::copy_from_slice(&[a, b]), &limits());
        }
    }
}

#[test]
fn huge_announced_counts_allocate_nothing() {
    // array32 / map32 / str32 / bin32 / ext32 of 4 GiB with nothing behind them.
    for marker in [0xdd, 0xdf, 0xdb, 0xc6, 0xc9] {
        let err = Value::from_msgpack(&[marker, 0xff, 0xff, 0xff, 0xff, 0x00], &limits()).unwrap_err();
        assert!(matches!(err, WireError::Msgpack(_)), "{marker:#x}: {err}");
    }
}

#[test]
fn too_many_items_too_deep_too_large() {
    let small = Limits { max_items: 10, max_depth: 4, max_message_bytes: 64, max_rooms: 2 };
    let mut many = vec![0xdc, 0x00, 0x20];
    many.extend([0xc0; 32]);
    assert_eq!(Value::from_msgpack(&many, &small), Err(WireError::TooManyItems { limit: 10 }));
    let deep = [0x91, 0x91, 0x91, 0x91, 0x91, 0xc0];
    assert_eq!(Value::from_msgpack(&deep, &small), Err(WireError::TooDeep { limit: 4 }));
    assert!(matches!(Value::from_msgpack(&[0xc0; 65], &small), Err(WireError::TooLarge { size: 65, .. })));
    assert!(matches!(Value::from_json(b"[[[[[1]]]]]", &small), Err(WireError::Json(_))));
    let many_json = format!("[{}0]", "0,".repeat(20));
    assert!(Value::from_json(many_json.as_bytes(), &small).is_err());
    let rooms = br#"{"type":2,"opts":{"rooms":["a","b","c"],"except":[]},"rooms":["x"]}"#;
    assert!(Request::decode(&rooms[..].into(), &small).is_err());
}

#[test]
fn deep_nesting_beyond_the_stack_is_refused_not_overflowed() {
    let mut deep = vec![0x91; 100_000];
    deep.push(0xc0);
    assert!(matches!(Value::from_msgpack(&deep, &limits()), Err(WireError::TooDeep { .. })));
    let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Value::from_json(json.as_bytes(), &limits()).is_err());
}

#[test]
fn wrong_types_are_field_errors() {
    let cases: &[&[u8]] = &[
        b"\x93\x01\x80\x80",                          // uid not a string
        b"\x93\xa1a\x90\x80",                         // packet not a map
        b"\x93\xa1a\x81\xa4type\x03\x80",             // packet type not an event
        b"\x93\xa1a\x82\xa4type\x02\xa4data\x90\x80", // empty data
        b"\x92\xa1a\xc0",                             // missing opts
        b"\xa1a",                                     // not an array
    ];
    for case in cases {
        assert!(BroadcastMessage::decode(&Bytes::copy_from_slice(case), &limits()).is_err(), "{case:?}");
    }
    let requests: &[&str] = &[
        r#"{"type":"2"}"#,
        r#"{"type":42}"#,
        r#"{"type":5,"opts":{"rooms":[{}]}}"#,
        r#"{"type":5,"requestId":"x","opts":{"rooms":"a"}}"#,
        r#"{"type":1}"#,
        r#"{"type":6,"data":"x"}"#,
        r#"{"type":2,"sid":1,"room":"r"}"#,
        r#"{"type":8,"requestId":"x"}"#,
        r#"[1,2]"#,
        r#"{"type":1,"requestId":"x"} trailing"#,
    ];
    for case in requests {
        assert!(Request::decode(&Bytes::copy_from_slice(case.as_bytes()), &limits()).is_err(), "{case}");
    }
    assert_eq!(
        Request::decode(&br#"{"type":42}"#[..].into(), &limits()),
        Err(WireError::UnknownRequestType(42))
    );
    for case in [
        r#"{"sockets":[]}"#,
        r#"{"requestId":"x","type":8,"clientCount":-1}"#,
        r#"{"requestId":"x","sockets":{}}"#,
    ] {
        assert!(Response::decode(&Bytes::copy_from_slice(case.as_bytes()), &limits()).is_err(), "{case}");
    }
}

#[test]
fn numeric_rooms_and_numeric_map_keys_read_as_text() {
    let msg = b"\x93\xa1a\x83\xa4type\x02\xa4data\x91\xa2ev\xa3nsp\xa1/\x82\xa5rooms\x91\x07\x01\x02";
    let decoded = BroadcastMessage::decode(&Bytes::copy_from_slice(msg), &limits()).unwrap();
    assert_eq!(decoded.opts.rooms, vec!["7".to_owned()]);
    assert_eq!(Value::from_msgpack(b"\x81\x01\xc0", &limits()).unwrap(), Value::map([("1", Value::Nil)]));
    assert!(Value::from_msgpack(b"\x81\xc0\xc0", &limits()).is_err());
}

#[test]
fn packet_without_nsp_is_the_main_namespace_and_binary_event_reads_as_event() {
    let msg = b"\x93\xa1a\x82\xa4type\x05\xa4data\x91\xa2ev\x80";
    let decoded = BroadcastMessage::decode(&Bytes::copy_from_slice(msg), &limits()).unwrap();
    assert_eq!((decoded.packet.nsp.as_str(), decoded.packet.packet_type), ("/", 2));
}

#[test]
fn invalid_utf8_is_replaced_as_node_does() {
    let v = Value::from_msgpack(b"\xa2\xff\x41", &limits()).unwrap();
    assert_eq!(v, Value::from("\u{fffd}A"));
}

#[test]
fn notepack_2_values_undefined_date_arraybuffer() {
    // fixext1 type 0: undefined; fixext8 type 0: date in ms; ext8 type 0: ArrayBuffer.
    let v = Value::from_msgpack(
        b"\x93\xd4\x00\x00\xd7\x00\x00\x00\x01\x8c\xc8\x20\xd8\x88\xc7\x02\x00\x01\x02",
        &limits(),
    )
    .unwrap();
    assert_eq!(
        v,
        Value::Array(vec![
            Value::Undefined,
            Value::Timestamp { secs: 1_704_164_645, nanos: 0 },
            Value::Bin(vec![1, 2].into())
        ])
    );
    assert_eq!(v.to_json(), r#"[null,"2024-01-02T03:04:05.000Z",[1,2]]"#);
    assert_eq!(Value::map([("a", Value::Undefined), ("b", Value::Nil)]).to_json(), r#"{"b":null}"#);
}

#[test]
fn json_numbers_as_javascript_writes_them() {
    assert_eq!(Value::Float(2.0).to_json(), "2");
    assert_eq!(Value::Float(-0.5).to_json(), "-0.5");
    assert_eq!(Value::Float(f64::NAN).to_json(), "null");
    assert_eq!(Value::Float(2.0).to_msgpack(), [0x02]);
    assert_eq!(Value::Float(-1.0).to_msgpack(), [0xff]);
    assert_eq!(Value::Int(-33).to_msgpack(), [0xd0, 0xdf]);
    assert_eq!(Value::Float(0.5).to_msgpack(), [0xcb, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn dates_outside_four_digit_years() {
    assert_eq!(value::iso_date(-62_198_755_200, 0).as_deref(), Some("-000001-01-01T00:00:00.000Z"));
    assert_eq!(value::iso_date(253_402_300_800, 5_000_000).as_deref(), Some("+010000-01-01T00:00:00.005Z"));
    assert_eq!(value::iso_date(i64::MAX, 0), None);
    assert_eq!(Value::Timestamp { secs: i64::MAX, nanos: 0 }.to_json(), "null");
}

#[test]
fn timestamps_round_trip_in_each_width() {
    for (secs, nanos) in [(0, 0), (1_704_164_645, 0), (1_704_164_645, 678_000_000), (1 << 40, 1), (-1, 0)] {
        let v = Value::Timestamp { secs, nanos };
        assert_eq!(Value::from_msgpack(&v.to_msgpack(), &limits()).unwrap(), v);
    }
    assert!(Value::from_msgpack(b"\xd7\xff\xff\xff\xff\xff\x00\x00\x00\x00", &limits()).is_err());
}

/// A small deterministic generator (xorshift): no extra dependency, same cases each run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_and_mutated_messages_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let seeds: Vec<Vec<u8>> = vec![
        BroadcastMessage {
            uid: "abc".into(),
            packet: ClusterPacket::event(
                "/",
                vec![Value::from("ev"), Value::Bin(vec![1].into()), Value::map([("k", Value::Float(1.5))])],
            ),
            opts: BroadcastOpts {
                rooms: vec!["r".into()],
                except: vec![],
                flags: Flags::default().with("volatile", Value::Bool(true)),
            },
        }
        .encode(),
        br#"{"uid":"x","requestId":"y","type":5,"opts":{"rooms":["a"],"except":[]}}"#.to_vec(),
        br#"{"requestId":"y","sockets":[{"id":"a","handshake":{},"rooms":["a"],"data":null}]}"#.to_vec(),
        Response { request_id: "y".into(), body: ResponseBody::BroadcastAck(Value::Array(vec![Value::Nil])) }
            .encode(),
    ];
    for _ in 0..20_000 {
        let seed = &seeds[(rng.next() % seeds.len() as u64) as usize];
        let mut bytes = seed.clone();
        for _ in 0..(rng.next() % 4 + 1) {
            let i = (rng.next() % bytes.len() as u64) as usize;
            match rng.next() % 3 {
                0 => bytes[i] = rng.next() as u8,
                1 => bytes.truncate(i),
                _ => bytes.insert(i, rng.next() as u8),
            }
            if bytes.is_empty() {
                bytes.push(0x90);
            }
        }
        let payload = Bytes::from(bytes);
        let _ = BroadcastMessage::decode(&payload, &limits());
        let _ = Request::decode(&payload, &limits());
        if let Ok(Response { body: ResponseBody::Sockets(records), .. }) =
            Response::decode(&payload, &limits())
        {
            for r in &records {
                let _ = RemoteSocket::from_value(r);
            }
        }
    }
    for _ in 0..5_000 {
        let len = (rng.next() % 64) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = Value::from_msgpack(&bytes, &limits());
        let _ = Value::from_json(&bytes, &limits());
    }
}
