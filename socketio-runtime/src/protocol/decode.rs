//! The decoder: Node's `Decoder.decodeString` and `BinaryReconstructor`, strict where
//! Node is lenient by accident.

use std::ops::Range;

use bytes::Bytes;
use serde_json::error::Category;
use serde_json::value::RawValue;

use super::args::{Args, RawJson};
use super::binary::check_placeholders;
use super::error::ProtocolError;
use super::json;
use super::packet::{EventName, Packet, PacketData, PacketType};
use crate::engine::Str;

/// Largest ack id: JavaScript's `Number.MAX_SAFE_INTEGER` (2^53 - 1).
pub const MAX_ACK_ID: u64 = (1 << 53) - 1;

/// Event names a client may not emit (socket.io-parser `RESERVED_EVENTS`).
pub const RESERVED_EVENTS: [&str; 6] =
    ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

/// Limits of a [`Decoder`].
///
/// ```
/// use socketio_runtime::protocol::DecoderConfig;
/// let c = DecoderConfig::default();
/// assert_eq!((c.max_attachments, c.max_depth), (10, 128));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecoderConfig {
    /// Most attachments a binary packet may announce (`maxAttachments`, 10).
    pub max_attachments: usize,
    /// Deepest nesting of arrays and objects in a payload (128, serde_json's limit).
    pub max_depth: usize,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig { max_attachments: 10, max_depth: 128 }
    }
}

impl DecoderConfig {
    /// Sets [`DecoderConfig::max_attachments`].
    pub fn max_attachments(mut self, n: usize) -> Self {
        self.max_attachments = n;
        self
    }
}

/// The Socket.IO decoder of one client: text messages become packets, and a binary
/// packet waits for its attachments (the next binary messages).
///
/// Any error means the client broke the protocol; the caller closes the session (the
/// decoder is reset either way).
///
/// ```
/// use socketio_runtime::protocol::{Decoder, PacketData, ProtocolError};
/// let mut d = Decoder::default();
/// let p = d.decode_text("0".into()).unwrap().unwrap();
/// assert!(matches!(p.data(), PacketData::Connect(None)));
/// assert!(d.decode_text(r#"52-["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#.into()).unwrap().is_none());
/// assert!(d.decode_binary(vec![1u8].into()).unwrap().is_none());
/// assert!(d.is_reconstructing());
/// let p = d.decode_binary(vec![2u8].into()).unwrap().unwrap();
/// assert!(matches!(p.data(), PacketData::Event { args, .. } if args.attachments().len() == 2));
/// assert_eq!(d.decode_binary(vec![3u8].into()).unwrap_err(), ProtocolError::UnexpectedBinary);
/// ```
#[derive(Debug, Default)]
pub struct Decoder {
    config: DecoderConfig,
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    packet: Packet,
    expected: usize,
    attachments: Vec<Bytes>,
}

impl Decoder {
    /// A decoder with the given limits.
    pub fn new(config: DecoderConfig) -> Decoder {
        Decoder { config, pending: None }
    }

    /// Whether a binary packet is waiting for attachments.
    pub fn is_reconstructing(&self) -> bool {
        self.pending.is_some()
    }

    /// Decodes a text message; `Ok(None)` when it is a binary packet's header.
    pub fn decode_text(&mut self, text: Str) -> Result<Option<Packet>, ProtocolError> {
        if self.pending.take().is_some() {
            return Err(ProtocolError::TextWhileReconstructing);
        }
        let (packet, attachments) = decode_string(text, &self.config)?;
        if attachments == 0 {
            return Ok(Some(packet));
        }
        self.pending =
            Some(Pending { packet, expected: attachments, attachments: Vec::with_capacity(attachments) });
        Ok(None)
    }

    /// Decodes a binary message: the next attachment of the pending packet, which is
    /// returned with the last one.
    pub fn decode_binary(&mut self, bytes: Bytes) -> Result<Option<Packet>, ProtocolError> {
        let Some(pending) = self.pending.as_mut() else {
            return Err(ProtocolError::UnexpectedBinary);
        };
        pending.attachments.push(bytes);
        if pending.attachments.len() < pending.expected {
            return Ok(None);
        }
        let Some(Pending { mut packet, attachments, .. }) = self.pending.take() else {
            return Err(ProtocolError::UnexpectedBinary);
        };
        match &mut packet.data {
            PacketData::Event { args, .. } | PacketData::Ack(args) => args.set_attachments(attachments),
            _ => return Err(ProtocolError::IllegalAttachments),
        }
        Ok(Some(packet))
    }
}

/// `<type>[<attachments>-][<nsp>,][<id>][<json>]`. Returns the packet and how many
/// attachments it announced.
fn decode_string(text: Str, config: &DecoderConfig) -> Result<(Packet, usize), ProtocolError> {
    let s: &str = &text;
    let b = s.as_bytes();
    let ty = b.first().and_then(|d| PacketType::from_digit(*d)).ok_or(ProtocolError::UnknownType)?;
    let mut i = 1;

    let attachments = if ty.is_binary() {
        let (digits, end) = digit_run(b, i);
        if digits.is_empty() || b.get(end) != Some(&b'-') {
            return Err(ProtocolError::IllegalAttachments);
        }
        i = end + 1;
        match parse_decimal(digits, config.max_attachments as u64) {
            Some(0) => return Err(ProtocolError::IllegalAttachments),
            Some(n) => n as usize,
            None => return Err(ProtocolError::TooManyAttachments),
        }
    } else {
        0
    };

    // A namespace starts with '/' and runs to the first ',' or to the end.
    let nsp = if b.get(i) == Some(&b'/') {
        let start = i;
        let end = b[i..].iter().position(|&c| c == b',').map_or(b.len(), |p| i + p);
        i = (end + 1).min(b.len());
        Some(start..end)
    } else {
        None
    };

    let (digits, end) = digit_run(b, i);
    let id = if digits.is_empty() {
        None
    } else {
        i = end;
        Some(parse_decimal(digits, MAX_ACK_ID).ok_or(ProtocolError::AckIdOutOfRange)?)
    };
    if id.is_some()
        && !matches!(
            ty,
            PacketType::Event | PacketType::Ack | PacketType::BinaryEvent | PacketType::BinaryAck
        )
    {
        return Err(ProtocolError::UnexpectedAckId);
    }

    let payload = (i < b.len()).then_some(i..b.len());
    let data = decode_payload(ty, &text, payload, attachments, config)?;
    Ok((Packet { text, nsp, id, data }, attachments))
}

/// Checks the payload against its packet type.
fn decode_payload(
    ty: PacketType,
    text: &Str,
    payload: Option<Range<usize>>,
    attachments: usize,
    config: &DecoderConfig,
) -> Result<PacketData, ProtocolError> {
    let Some(range) = payload else {
        return match ty {
            PacketType::Connect => Ok(PacketData::Connect(None)),
            PacketType::Disconnect => Ok(PacketData::Disconnect),
            _ => Err(ProtocolError::InvalidPayload),
        };
    };
    let json = text.get(range.clone()).ok_or(ProtocolError::InvalidJson)?;
    let lone = json::scan(json, config.max_depth).map_err(|_| ProtocolError::TooDeep)?.lone_surrogates;
    let base = text.as_ptr() as usize;
    let offset_of = |raw: &RawValue| {
        let start = raw.get().as_ptr() as usize - base;
        start..start + raw.get().len()
    };

    match ty {
        PacketType::Disconnect => Err(ProtocolError::InvalidPayload),
        PacketType::Connect | PacketType::ConnectError => {
            let raw: &RawValue = serde_json::from_str(json).map_err(|_| ProtocolError::InvalidJson)?;
            let v = raw.get();
            let shape_ok = v.starts_with('{') || (ty == PacketType::ConnectError && v.starts_with('"'));
            if !shape_ok {
                return Err(ProtocolError::InvalidPayload);
            }
            let raw = RawJson::new(text.clone(), offset_of(raw), lone);
            Ok(match ty {
                PacketType::Connect => PacketData::Connect(Some(raw)),
                _ => PacketData::ConnectError(raw),
            })
        }
        PacketType::Event | PacketType::BinaryEvent | PacketType::Ack | PacketType::BinaryAck => {
            let elems: Vec<&RawValue> = serde_json::from_str(json).map_err(|e| match e.classify() {
                Category::Data => ProtocolError::InvalidPayload,
                _ => ProtocolError::InvalidJson,
            })?;
            if attachments > 0 {
                let ok = if lone {
                    check_placeholders(&json::replace_lone_surrogates(json), attachments)
                } else {
                    check_placeholders(json, attachments)
                };
                if !ok {
                    return Err(ProtocolError::IllegalPlaceholder);
                }
            }
            let ranges: Vec<Range<usize>> = elems.iter().map(|r| offset_of(r)).collect();
            let args = Args::new(text.clone(), ranges, lone);
            if matches!(ty, PacketType::Ack | PacketType::BinaryAck) {
                return Ok(PacketData::Ack(args));
            }
            let first = elems.first().ok_or(ProtocolError::InvalidPayload)?;
            let name = event_name(text, first, offset_of(first), lone)?;
            Ok(PacketData::Event { name, args: args.skip(1) })
        }
    }
}

/// The first element of an event: a string that is not reserved, or a number.
fn event_name(
    text: &Str,
    raw: &RawValue,
    range: Range<usize>,
    lone: bool,
) -> Result<EventName, ProtocolError> {
    let v = raw.get();
    let name = if let Some(inner) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        if inner.contains('\\') {
            let fixed;
            let v = if lone {
                fixed = json::replace_lone_surrogates(v);
                fixed.as_str()
            } else {
                v
            };
            EventName::owned(serde_json::from_str(v).map_err(|_| ProtocolError::InvalidPayload)?)
        } else {
            EventName::slice(text.clone(), range.start + 1..range.end - 1)
        }
    } else if v.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        EventName::slice(text.clone(), range)
    } else {
        return Err(ProtocolError::InvalidPayload);
    };
    if RESERVED_EVENTS.contains(&name.as_str()) {
        return Err(ProtocolError::ReservedEventName);
    }
    Ok(name)
}

/// The ASCII digits of `b` from `i`, and where they end.
fn digit_run(b: &[u8], i: usize) -> (&[u8], usize) {
    let rest = b.get(i..).unwrap_or_default();
    let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    (&rest[..n], i + n)
}

/// A decimal number no greater than `max`; `None` above it (however many digits).
fn parse_decimal(digits: &[u8], max: u64) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, &d| {
        let v = acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        (v <= max).then_some(v)
    })
}
