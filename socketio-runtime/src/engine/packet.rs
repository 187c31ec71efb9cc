//! Engine.IO packets and their WebSocket encoding: one packet per frame, a text frame is
//! the type digit followed by UTF-8 data, a binary frame is a message's raw bytes.

use bytes::Bytes;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::message::{Frame, Message, Str};

/// An Engine.IO packet.
///
/// ```
/// use socketio_runtime::engine::packet::Packet;
/// let p = Packet::decode_text("4hello".into()).unwrap();
/// assert!(matches!(p, Packet::Message(_)));
/// assert_eq!(Packet::Ping { probe: true }.encode().as_text(), Some("2probe"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet {
    /// `0`: the handshake, with its JSON.
    Open(String),
    /// `1`: close the session.
    Close,
    /// `2`: ping (`2probe` during an upgrade).
    Ping {
        /// Whether this is the upgrade probe.
        probe: bool,
    },
    /// `3`: pong (`3probe` answers the probe).
    Pong {
        /// Whether this answers the upgrade probe.
        probe: bool,
    },
    /// `4`: a message.
    Message(Message),
    /// `5`: complete the upgrade.
    Upgrade,
    /// `6`: no operation (releases a pending poll).
    Noop,
}

/// Why bytes from a client are not an Engine.IO packet (the connection is then closed
/// with the reason `parse error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// An empty frame or payload segment.
    #[error("empty packet")]
    Empty,
    /// The first character is not a packet type `0`..`6`.
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    /// `b` followed by something that is not standard base64.
    #[error("invalid base64 in a binary packet")]
    InvalidBase64,
}

impl Packet {
    /// Decodes a text frame (or one segment of a polling payload that is not binary).
    pub fn decode_text(frame: Utf8Bytes) -> Result<Packet, DecodeError> {
        let first = frame.as_bytes().first().copied().ok_or(DecodeError::Empty)?;
        let rest_is = |s: &str| &frame.as_str()[1..] == s;
        Ok(match first {
            b'0' => Packet::Open(frame.as_str()[1..].to_owned()),
            b'1' => Packet::Close,
            b'2' => Packet::Ping { probe: rest_is("probe") },
            b'3' => Packet::Pong { probe: rest_is("probe") },
            b'4' => {
                // The first byte is ASCII, so offset 1 is a character boundary.
                let text = Str::from_frame(frame, 1).ok_or(DecodeError::Empty)?;
                Packet::Message(Message::Text(text))
            }
            b'5' => Packet::Upgrade,
            b'6' => Packet::Noop,
            _ => {
                let c = frame.as_str().chars().next().unwrap_or('\0');
                return Err(DecodeError::UnknownType(c));
            }
        })
    }

    /// Decodes a binary WebSocket frame: always a message packet in v4.
    pub fn decode_binary(bytes: Bytes) -> Packet {
        Packet::Message(Message::Binary(bytes))
    }

    /// Encodes the packet as a WebSocket frame.
    pub fn encode(&self) -> Frame {
        match self {
            Packet::Open(json) => {
                let mut s = String::with_capacity(json.len() + 1);
                s.push('0');
                s.push_str(json);
                Frame::Text(Utf8Bytes::from(s))
            }
            Packet::Close => Frame::Text(Utf8Bytes::from_static("1")),
            Packet::Ping { probe: false } => Frame::Text(Utf8Bytes::from_static("2")),
            Packet::Ping { probe: true } => Frame::Text(Utf8Bytes::from_static("2probe")),
            Packet::Pong { probe: false } => Frame::Text(Utf8Bytes::from_static("3")),
            Packet::Pong { probe: true } => Frame::Text(Utf8Bytes::from_static("3probe")),
            Packet::Message(Message::Text(t)) => Frame::text(t),
            Packet::Message(Message::Binary(b)) => Frame::Binary(b.clone()),
            Packet::Upgrade => Frame::Text(Utf8Bytes::from_static("5")),
            Packet::Noop => Frame::Text(Utf8Bytes::from_static("6")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Result<Packet, DecodeError> {
        Packet::decode_text(Utf8Bytes::from(s))
    }

    #[test]
    fn decodes_every_type() {
        assert_eq!(text("0{}").unwrap(), Packet::Open("{}".into()));
        assert_eq!(text("1").unwrap(), Packet::Close);
        assert_eq!(text("2").unwrap(), Packet::Ping { probe: false });
        assert_eq!(text("2probe").unwrap(), Packet::Ping { probe: true });
        assert_eq!(text("3").unwrap(), Packet::Pong { probe: false });
        assert_eq!(text("3probe").unwrap(), Packet::Pong { probe: true });
        assert_eq!(text("4héllo").unwrap(), Packet::Message(Message::Text("héllo".into())));
        assert_eq!(text("4").unwrap(), Packet::Message(Message::Text("".into())));
        assert_eq!(text("5").unwrap(), Packet::Upgrade);
        assert_eq!(text("6").unwrap(), Packet::Noop);
    }

    #[test]
    fn refuses_what_is_not_a_packet() {
        assert_eq!(text(""), Err(DecodeError::Empty));
        assert_eq!(text("7"), Err(DecodeError::UnknownType('7')));
        assert_eq!(text("abc"), Err(DecodeError::UnknownType('a')));
        assert_eq!(text("é4"), Err(DecodeError::UnknownType('é')));
    }

    #[test]
    fn encodes_round_trip() {
        for s in ["1", "2", "2probe", "3", "3probe", "4hello", "5", "6", "0{\"a\":1}"] {
            assert_eq!(text(s).unwrap().encode().as_text(), Some(s));
        }
        let bin = Packet::decode_binary(Bytes::from_static(&[1, 2, 3]));
        assert_eq!(bin.encode(), Frame::Binary(Bytes::from_static(&[1, 2, 3])));
    }
}
