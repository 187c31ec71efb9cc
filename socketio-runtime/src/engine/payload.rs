//! The HTTP long-polling payload: packets joined by the record separator `\x1e`, binary
//! messages as `b` followed by standard base64.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::{BufMut, Bytes, BytesMut};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::message::{Frame, Message};
use super::packet::{DecodeError, Packet};

/// The record separator between packets of a payload.
pub const SEPARATOR: u8 = 0x1e;

/// Decodes a POST body into its packets, in order.
///
/// A body that is not UTF-8 is decoded lossily, as the Node server does.
///
/// ```
/// use socketio_runtime::engine::payload::decode;
/// let packets = decode("4hello\x1ebAQIDBA==".into()).unwrap();
/// assert_eq!(packets.len(), 2);
/// assert!(decode("4a\x1e".into()).is_err());
/// ```
pub fn decode(body: Bytes) -> Result<Vec<Packet>, DecodeError> {
    let text = match std::str::from_utf8(&body) {
        Ok(_) => Utf8Bytes::try_from(body).map_err(|_| DecodeError::Empty)?,
        Err(_) => Utf8Bytes::from(String::from_utf8_lossy(&body).into_owned()),
    };
    let bytes = text.as_bytes();
    let mut packets = Vec::new();
    let mut start = 0;
    loop {
        let end = bytes[start..].iter().position(|&b| b == SEPARATOR).map_or(bytes.len(), |i| start + i);
        let segment = &bytes[start..end];
        match segment.first() {
            None => return Err(DecodeError::Empty),
            Some(b'b') => {
                let raw = STANDARD.decode(&segment[1..]).map_err(|_| DecodeError::InvalidBase64)?;
                packets.push(Packet::Message(Message::Binary(Bytes::from(raw))));
            }
            Some(_) => {
                // The separator is ASCII, so both offsets are character boundaries.
                let owned: Bytes = Bytes::from(text.clone()).slice(start..end);
                let frame = Utf8Bytes::try_from(owned).map_err(|_| DecodeError::Empty)?;
                packets.push(Packet::decode_text(frame)?);
            }
        }
        if end == bytes.len() {
            return Ok(packets);
        }
        start = end + 1;
    }
}

/// Encodes frames as one GET response body.
///
/// ```
/// use socketio_runtime::engine::{payload::encode, Frame};
/// let body = encode(&[Frame::text("hello"), Frame::binary(vec![1, 2, 3, 4])]);
/// assert_eq!(&body[..], b"4hello\x1ebAQIDBA==");
/// ```
pub fn encode(frames: &[Frame]) -> Bytes {
    let size: usize = frames
        .iter()
        .map(|f| match f {
            Frame::Text(t) => t.len() + 1,
            Frame::Binary(b) => b.len().div_ceil(3) * 4 + 2,
        })
        .sum();
    let mut out = BytesMut::with_capacity(size);
    for (i, frame) in frames.iter().enumerate() {
        if i > 0 {
            out.put_u8(SEPARATOR);
        }
        match frame {
            Frame::Text(t) => out.put_slice(t.as_bytes()),
            Frame::Binary(b) => {
                out.put_u8(b'b');
                out.put_slice(STANDARD.encode(b).as_bytes());
            }
        }
    }
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &[u8]) -> Result<Vec<Packet>, DecodeError> {
        decode(Bytes::copy_from_slice(s))
    }

    #[test]
    fn several_text_packets() {
        let p = dec(b"4test1\x1e4test2\x1e4test3").unwrap();
        let texts: Vec<_> = p
            .iter()
            .map(|p| match p {
                Packet::Message(Message::Text(t)) => t.as_str().to_owned(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(texts, ["test1", "test2", "test3"]);
    }

    #[test]
    fn text_and_binary() {
        let p = dec(b"4hello\x1ebAQIDBA==\x1e3").unwrap();
        assert_eq!(p[1], Packet::Message(Message::Binary(Bytes::from_static(&[1, 2, 3, 4]))));
        assert_eq!(p[2], Packet::Pong { probe: false });
    }

    #[test]
    fn malformed_payloads() {
        assert_eq!(dec(b""), Err(DecodeError::Empty));
        assert_eq!(dec(b"\x1e\x1e"), Err(DecodeError::Empty));
        assert_eq!(dec(b"4a\x1e"), Err(DecodeError::Empty));
        assert_eq!(dec(b"abc"), Err(DecodeError::UnknownType('a')));
        assert_eq!(dec(b"9x"), Err(DecodeError::UnknownType('9')));
        assert_eq!(dec(b"b!!!"), Err(DecodeError::InvalidBase64));
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let p = dec(b"4\xff\xfe").unwrap();
        assert_eq!(p, vec![Packet::Message(Message::Text("\u{fffd}\u{fffd}".into()))]);
    }

    #[test]
    fn encode_round_trips() {
        let frames = [Frame::text("a"), Frame::binary(vec![0u8, 255]), Frame::text("")];
        let body = encode(&frames);
        let back: Vec<Frame> = decode(body).unwrap().iter().map(Packet::encode).collect();
        assert_eq!(back, frames);
    }
}
