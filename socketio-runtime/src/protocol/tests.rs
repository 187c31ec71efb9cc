//! The codec on byte strings: the examples of the protocol and every malformed input of
//! security.md section D.

use bytes::Bytes;
use serde::Deserialize;

use super::*;

/// The Socket.IO packet in an Engine.IO message written `4...` as in the protocol's
/// examples (the engine strips the `4`).
fn sio(text: &str) -> crate::engine::Str {
    text.strip_prefix('4').unwrap_or(text).into()
}

fn decode(text: &str) -> Result<Packet, ProtocolError> {
    let mut d = Decoder::default();
    match d.decode_text(sio(text)) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => panic!("{text:?} waits for attachments"),
        Err(e) => Err(e),
    }
}

fn event(text: &str) -> (String, Args, Option<u64>, String) {
    let p = decode(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let (nsp, id) = (p.nsp().to_owned(), p.id());
    match p.into_data() {
        PacketData::Event { name, args } => (name.to_string(), args, id, nsp),
        other => panic!("{text:?} is not an event: {other:?}"),
    }
}

fn raw_args(args: &Args) -> Vec<&str> {
    (0..args.len()).map(|i| args.raw(i).unwrap()).collect()
}

// ---- protocol.md section 10 examples ----

#[test]
fn connect_packets() {
    let p = decode("40").unwrap();
    assert_eq!(p.nsp(), "/");
    assert!(matches!(p.data(), PacketData::Connect(None)));

    let p = decode(r#"40{"token":"123"}"#).unwrap();
    let PacketData::Connect(Some(auth)) = p.data() else { panic!() };
    assert_eq!(auth.as_str(), r#"{"token":"123"}"#);

    let p = decode(r#"40/admin,{"token":"x"}"#).unwrap();
    assert_eq!(p.nsp(), "/admin");
    let PacketData::Connect(Some(auth)) = p.data() else { panic!() };
    #[derive(Deserialize)]
    struct Auth {
        token: String,
    }
    assert_eq!(auth.deserialize::<Auth>().unwrap().token, "x");

    // No comma needed when nothing follows the namespace.
    for text in ["40/admin", "40/admin,"] {
        let p = decode(text).unwrap();
        assert_eq!(p.nsp(), "/admin");
        assert!(matches!(p.data(), PacketData::Connect(None)));
    }
}

#[test]
fn event_packets() {
    let (name, args, id, nsp) = event(r#"42["foo",1]"#);
    assert_eq!((name.as_str(), id, nsp.as_str()), ("foo", None, "/"));
    assert_eq!(raw_args(&args), ["1"]);

    let (name, args, id, nsp) = event(r#"42/admin,13["foo"]"#);
    assert_eq!((name.as_str(), id, nsp.as_str()), ("foo", Some(13), "/admin"));
    assert!(args.is_empty());

    let (name, args, ..) = event(r#"42["message",1,"2",{"3":[true]}]"#);
    assert_eq!(name, "message");
    assert_eq!(raw_args(&args), ["1", r#""2""#, r#"{"3":[true]}"#]);

    // Whitespace JSON.parse accepts.
    let (name, args, ..) = event(r#"42[ "foo" , 1 ]"#);
    assert_eq!((name.as_str(), raw_args(&args)), ("foo", vec!["1"]));

    // A name with escapes is unescaped; a number is a name (D11).
    let (name, ..) = event(r#"42["a\"b\u00e9"]"#);
    assert_eq!(name, "a\"bé");
    let (name, args, ..) = event(r#"42[1,"a"]"#);
    assert_eq!((name.as_str(), raw_args(&args)), ("1", vec![r#""a""#]));
    // "error" is an ordinary event (CVE-2024-38355).
    assert_eq!(event(r#"42["error"]"#).0, "error");
}

#[test]
fn ack_packets() {
    let p = decode(r#"43/admin,13["bar"]"#).unwrap();
    assert_eq!((p.nsp(), p.id()), ("/admin", Some(13)));
    let PacketData::Ack(args) = p.into_data() else { panic!() };
    assert_eq!(args.get::<String>(0).unwrap(), "bar");

    let p = decode("437[]").unwrap();
    assert!(matches!(p.data(), PacketData::Ack(a) if a.is_empty()));

    // An ack without id decodes; the layer ignores it (D15).
    let p = decode(r#"43["x"]"#).unwrap();
    assert_eq!(p.id(), None);
}

#[test]
fn disconnect_packets() {
    for (text, nsp) in [("41", "/"), ("41/admin,", "/admin"), ("41/admin", "/admin")] {
        let p = decode(text).unwrap();
        assert_eq!(p.nsp(), nsp);
        assert!(matches!(p.data(), PacketData::Disconnect));
    }
}

#[test]
fn binary_event_with_one_attachment() {
    let mut d = Decoder::default();
    let header = r#"451-["baz",{"_placeholder":true,"num":0}]"#;
    assert!(d.decode_text(sio(header)).unwrap().is_none());
    let p = d.decode_binary(Bytes::from_static(&[1, 2, 3])).unwrap().unwrap();
    let PacketData::Event { name, args } = p.into_data() else { panic!() };
    assert_eq!(name, "baz");
    assert_eq!(args.attachments(), [Bytes::from_static(&[1, 2, 3])]);
    assert_eq!(args.get::<Binary>(0).unwrap().as_ref(), &[1, 2, 3]);
    assert!(!d.is_reconstructing());
}

#[test]
fn binary_ack_with_two_attachments() {
    let mut d = Decoder::default();
    let header = r#"462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    assert!(d.decode_text(sio(header)).unwrap().is_none());
    assert!(d.decode_binary(Bytes::from_static(b"a")).unwrap().is_none());
    let p = d.decode_binary(Bytes::from_static(b"b")).unwrap().unwrap();
    assert_eq!(p.id(), Some(789));
    let PacketData::Ack(args) = p.into_data() else { panic!() };
    assert_eq!(args.get::<Binary>(1).unwrap().as_ref(), b"b");
    assert_eq!(args.get::<Binary>(0).unwrap().as_ref(), b"a");

    // Binary values nested in a struct.
    #[derive(Deserialize)]
    struct File {
        name: String,
        data: Binary,
    }
    let mut d = Decoder::default();
    d.decode_text(sio(r#"451-["up",{"name":"f","data":{"_placeholder":true,"num":0}}]"#)).unwrap();
    let p = d.decode_binary(Bytes::from_static(b"xyz")).unwrap().unwrap();
    let PacketData::Event { args, .. } = p.into_data() else { panic!() };
    let f: File = args.get(0).unwrap();
    assert_eq!((f.name.as_str(), f.data.as_ref()), ("f", &b"xyz"[..]));
}

// ---- security.md section D ----

fn refused(text: &str) -> ProtocolError {
    match Decoder::default().decode_text(sio(text)) {
        Err(e) => e,
        Ok(p) => panic!("{text:?} was accepted: {p:?}"),
    }
}

#[test]
fn d1_unknown_types() {
    for text in ["", "4", "47", "4a", "4abc", "49[]", "4-1", "a"] {
        assert_eq!(refused(text), ProtocolError::UnknownType, "{text:?}");
    }
}

#[test]
fn d5_connect_payload_must_be_an_object() {
    for text in [r#"40"tok""#, "40[1]", "40null", "40{bad", "40/admin,[]", "40{}x", "40 "] {
        assert!(
            matches!(refused(text), ProtocolError::InvalidPayload | ProtocolError::InvalidJson),
            "{text:?}"
        );
    }
    assert_eq!(refused("401"), ProtocolError::UnexpectedAckId);
}

#[test]
fn d6_connect_error_decodes_for_the_layer_to_refuse() {
    assert!(matches!(decode("44{}").unwrap().data(), PacketData::ConnectError(_)));
    assert!(matches!(decode(r#"44"x""#).unwrap().data(), PacketData::ConnectError(_)));
    assert_eq!(refused("44"), ProtocolError::InvalidPayload);
    assert_eq!(refused("44[]"), ProtocolError::InvalidPayload);
}

#[test]
fn d7_namespace_without_slash() {
    assert_eq!(refused("40chat,"), ProtocolError::InvalidJson);
}

#[test]
fn d8_namespace_with_query_is_literal() {
    assert_eq!(decode("40/chat?x=1,").unwrap().nsp(), "/chat?x=1");
}

#[test]
fn d10_event_payload_must_be_a_non_empty_array() {
    for text in ["42{}", r#"42"x""#, "42[]", "42", "42/admin,", "421"] {
        assert!(
            matches!(refused(text), ProtocolError::InvalidPayload | ProtocolError::InvalidJson),
            "{text:?}"
        );
    }
}

#[test]
fn d11_event_name_must_be_string_or_number() {
    for text in [r#"42[{"toString":"x"}]"#, "42[null]", "42[true]", "42[[1]]"] {
        assert_eq!(refused(text), ProtocolError::InvalidPayload, "{text:?}");
    }
}

#[test]
fn d12_reserved_event_names() {
    for name in RESERVED_EVENTS {
        assert_eq!(refused(&format!(r#"42["{name}"]"#)), ProtocolError::ReservedEventName, "{name}");
    }
    // Escaped spellings of a reserved name are the same name.
    assert_eq!(refused(r#"42["conn\u0065ct"]"#), ProtocolError::ReservedEventName);
}

#[test]
fn d13_invalid_ack_ids() {
    for text in
        [r#"42abc["x"]"#, r#"42-1["x"]"#, r#"42abc["message-with-ack",1,"2",{"3":[false]}]"#, r#"42+1["x"]"#]
    {
        assert!(
            matches!(refused(text), ProtocolError::InvalidPayload | ProtocolError::InvalidJson),
            "{text:?}"
        );
    }
}

#[test]
fn d14_ack_ids_fit_javascript_numbers() {
    let max = format!(r#"42{MAX_ACK_ID}["x"]"#);
    assert_eq!(decode(&max).unwrap().id(), Some(MAX_ACK_ID));
    let over = format!(r#"42{}["x"]"#, MAX_ACK_ID + 1);
    assert_eq!(refused(&over), ProtocolError::AckIdOutOfRange);
    assert_eq!(refused(r#"42999999999999999999999["x"]"#), ProtocolError::AckIdOutOfRange);
    let huge = format!(r#"42{}["x"]"#, "9".repeat(100_000));
    assert_eq!(refused(&huge), ProtocolError::AckIdOutOfRange);
    // Leading zeros read as JavaScript's Number() reads them.
    assert_eq!(decode(r#"42007["x"]"#).unwrap().id(), Some(7));
}

#[test]
fn ack_ids_only_on_events_and_acks() {
    assert_eq!(refused("405{}"), ProtocolError::UnexpectedAckId);
    assert_eq!(refused("41/admin,5"), ProtocolError::UnexpectedAckId);
}

#[test]
fn d16_ack_payload_must_be_an_array() {
    assert_eq!(refused("431{}"), ProtocolError::InvalidPayload);
    assert_eq!(refused("431"), ProtocolError::InvalidPayload);
    assert_eq!(refused(r#"431"x""#), ProtocolError::InvalidPayload);
}

#[test]
fn d17_disconnect_takes_no_payload() {
    assert_eq!(refused(r#"41{"a":1}"#), ProtocolError::InvalidPayload);
    assert_eq!(refused("41/admin,[]"), ProtocolError::InvalidPayload);
}

#[test]
fn d18_attachment_counts() {
    assert_eq!(refused(r#"4511-["x"]"#), ProtocolError::TooManyAttachments);
    assert_eq!(refused(r#"459999999999-["x"]"#), ProtocolError::TooManyAttachments);
    assert_eq!(refused(&format!(r#"45{}-["x"]"#, "9".repeat(100_000))), ProtocolError::TooManyAttachments);
    assert_eq!(refused(r#"451["x"]"#), ProtocolError::IllegalAttachments);
    assert_eq!(refused("45a-"), ProtocolError::IllegalAttachments);
    assert_eq!(refused(r#"45-["x"]"#), ProtocolError::IllegalAttachments);
    assert_eq!(refused("45"), ProtocolError::IllegalAttachments);
    // The limit is configurable.
    let mut d = Decoder::new(DecoderConfig::default().max_attachments(2));
    let three = r#"453-["x",{"_placeholder":true,"num":0}]"#;
    assert_eq!(d.decode_text(sio(three)).unwrap_err(), ProtocolError::TooManyAttachments);
    let mut d = Decoder::default();
    let ten = r#"4510-["x",{"_placeholder":true,"num":9}]"#;
    assert!(d.decode_text(sio(ten)).unwrap().is_none());
}

#[test]
fn d19_zero_attachments() {
    let mut d = Decoder::default();
    assert_eq!(d.decode_text(sio(r#"450-["x"]"#)).unwrap_err(), ProtocolError::IllegalAttachments);
    assert!(!d.is_reconstructing());
    assert_eq!(d.decode_binary(Bytes::from_static(b"x")).unwrap_err(), ProtocolError::UnexpectedBinary);
}

#[test]
fn d20_bad_placeholders() {
    for ph in [r#""splice""#, "-1", "1.5", "1", "null", "1e0"] {
        let text = format!(r#"451-["hello",{{"_placeholder":true,"num":{ph}}}]"#);
        assert_eq!(refused(&text), ProtocolError::IllegalPlaceholder, "{text}");
    }
    let missing_num = r#"451-["hello",{"_placeholder":true}]"#;
    assert_eq!(refused(missing_num), ProtocolError::IllegalPlaceholder);
    // A string "true" is a plain object, left alone.
    let mut d = Decoder::default();
    let plain = r#"451-["hello",{"_placeholder":"true","num":"splice"}]"#;
    assert!(d.decode_text(sio(plain)).unwrap().is_none());
}

#[test]
fn d21_placeholders_outside_binary_packets_stay_plain_objects() {
    let (_, args, ..) = event(r#"42["x",{"_placeholder":true,"num":0}]"#);
    assert!(args.get::<Binary>(0).is_err());
    assert_eq!(args.get::<serde_json::Value>(0).unwrap()["num"], 0);
}

#[test]
fn d22_text_while_attachments_are_pending() {
    let mut d = Decoder::default();
    d.decode_text(sio(r#"451-["x",{"_placeholder":true,"num":0}]"#)).unwrap();
    assert_eq!(d.decode_text(sio(r#"42["y"]"#)).unwrap_err(), ProtocolError::TextWhileReconstructing);
    // The decoder is reset: the attachment that follows is unexpected.
    assert_eq!(d.decode_binary(Bytes::from_static(b"x")).unwrap_err(), ProtocolError::UnexpectedBinary);
}

#[test]
fn c13_binary_without_header() {
    let mut d = Decoder::default();
    assert_eq!(d.decode_binary(Bytes::from_static(b"x")).unwrap_err(), ProtocolError::UnexpectedBinary);
}

#[test]
fn d24_deep_json() {
    let deep = format!(r#"42["x",{}1{}]"#, "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(refused(&deep), ProtocolError::TooDeep);
    let ok = format!(r#"42["x",{}1{}]"#, "[".repeat(127), "]".repeat(127));
    assert!(decode(&ok).is_ok());
}

#[test]
fn d25_numbers_out_of_range_do_not_panic() {
    let (_, args, ..) = event(r#"42["x",1e400,123456789012345678901234567890,-0]"#);
    assert!(args.get::<f64>(0).is_err());
    assert!(args.get::<u64>(1).is_err());
    assert_eq!(args.get::<f64>(2).unwrap(), 0.0);
}

#[test]
fn d26_lone_surrogates_from_javascript() {
    let (name, args, ..) = event(r#"42["chat","half an emoji \ud83d",{"k\udc00":"v"}]"#);
    assert_eq!(name, "chat");
    assert_eq!(args.get::<String>(0).unwrap(), "half an emoji \u{fffd}");
    let map: std::collections::HashMap<String, String> = args.get(1).unwrap();
    assert_eq!(map["k\u{fffd}"], "v");
    // In a name, and in a binary packet's placeholder walk.
    assert_eq!(event(r#"42["\ud83d"]"#).0, "\u{fffd}");
    let mut d = Decoder::default();
    let header = r#"451-["x","\ud83d",{"\ud83d":{"_placeholder":true,"num":0}}]"#;
    assert!(d.decode_text(sio(header)).unwrap().is_none());
    // In auth.
    let p = decode(r#"40{"name":"\udc00"}"#).unwrap();
    let PacketData::Connect(Some(auth)) = p.data() else { panic!() };
    assert_eq!(auth.deserialize::<serde_json::Value>().unwrap()["name"], "\u{fffd}");
}

// ---- encoder ----

#[test]
fn encoder_writes_the_examples() {
    let cases = [
        (encode::connect("/", "abc"), r#"40{"sid":"abc"}"#),
        (encode::connect("/custom", "abc"), r#"40/custom,{"sid":"abc"}"#),
        (encode::disconnect("/admin"), "41/admin,"),
        (encode::event("/", "foo", &1, None).unwrap(), r#"42["foo",1]"#),
        (encode::event("/admin", "foo", &(), Some(13)).unwrap(), r#"42/admin,13["foo"]"#),
        (encode::ack("/admin", 13, &("bar",)).unwrap(), r#"43/admin,13["bar"]"#),
        (encode::ack("/", 456, &()).unwrap(), "43456[]"),
        (encode::event("/", "auth", &serde_json::json!({}), None).unwrap(), r#"42["auth",{}]"#),
        (encode::event("/", "s", &"q\"uote", None).unwrap(), r#"42["s","q\"uote"]"#),
        (encode::event("/", "v", &vec![1, 2], None).unwrap(), r#"42["v",[1,2]]"#),
        (encode::event("/", "o", &Some(1), None).unwrap(), r#"42["o",1]"#),
        (encode::event("/", "n", &None::<u8>, None).unwrap(), r#"42["n",null]"#),
    ];
    for (packet, text) in cases {
        assert_eq!(packet.frame().as_text(), Some(text));
    }
}

#[test]
fn encoder_binary_packets() {
    let p = encode::event("/", "baz", &(Binary::from(vec![1u8]),), None).unwrap();
    assert_eq!(p.frame().as_text(), Some(r#"451-["baz",{"_placeholder":true,"num":0}]"#));
    let p = encode::ack("/", 789, &(Binary::from(vec![1u8]), Binary::from(vec![2u8]))).unwrap();
    assert_eq!(
        p.frame().as_text(),
        Some(r#"462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
    );
    let crate::engine::Outgoing::Many(frames) = p.outgoing() else { panic!() };
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[2], crate::engine::Frame::binary(vec![2u8]));

    // Nested in a struct, with a single top-level argument.
    #[derive(serde::Serialize)]
    struct File {
        data: Binary,
    }
    let p = encode::event("/x", "f", &File { data: Binary::from(vec![7u8]) }, None).unwrap();
    assert_eq!(p.frame().as_text(), Some(r#"451-/x,["f",{"data":{"_placeholder":true,"num":0}}]"#));
    assert_eq!(p.attachments().len(), 1);
    // A top-level binary argument alone.
    let p = encode::event("/", "b", &Binary::from(vec![7u8]), None).unwrap();
    assert_eq!(p.frame().as_text(), Some(r#"451-["b",{"_placeholder":true,"num":0}]"#));
    assert_eq!(p.attachments().len(), 1);
}

#[test]
fn received_args_echo_unchanged() {
    let (_, args, ..) = event(r#"42["message",1,"2",{"3":[true]}, "\ud83d" ]"#);
    let p = encode::event("/", "message-back", &args, None).unwrap();
    assert_eq!(p.frame().as_text(), Some(r#"42["message-back",1,"2",{"3":[true]},"\ud83d"]"#));
    let p = encode::ack("/", 456, &args).unwrap();
    assert_eq!(p.frame().as_text(), Some(r#"43456[1,"2",{"3":[true]},"\ud83d"]"#));

    let mut d = Decoder::default();
    let header = r#"452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    d.decode_text(sio(header)).unwrap();
    d.decode_binary(Bytes::from_static(&[1, 2, 3])).unwrap();
    let p = d.decode_binary(Bytes::from_static(&[4, 5, 6])).unwrap().unwrap();
    let PacketData::Event { args, .. } = p.into_data() else { panic!() };
    let back = encode::event("/", "message-back", &args, None).unwrap();
    assert_eq!(
        back.frame().as_text(),
        Some(r#"452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
    );
    assert_eq!(back.attachments(), [Bytes::from_static(&[1, 2, 3]), Bytes::from_static(&[4, 5, 6])]);
    // Binary arguments placed after another binary would be renumbered: refused.
    assert!(encode::event("/", "x", &(Binary::from(vec![0u8]), &args), None).is_err());
}

#[test]
fn decode_what_the_encoder_writes() {
    let p = encode::event("/chat", "e\"v", &("a", Binary::from(vec![1u8]), 3), Some(42)).unwrap();
    let mut d = Decoder::default();
    let text = p.frame().as_text().unwrap();
    assert!(d.decode_text(sio(text)).unwrap().is_none());
    let back = d.decode_binary(p.attachments()[0].clone()).unwrap().unwrap();
    assert_eq!((back.nsp(), back.id()), ("/chat", Some(42)));
    let PacketData::Event { name, args } = back.into_data() else { panic!() };
    assert_eq!(name, "e\"v");
    assert_eq!(args.get::<Binary>(1).unwrap().as_ref(), &[1]);
    assert_eq!(args.get::<u8>(2).unwrap(), 3);
}
