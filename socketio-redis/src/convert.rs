//! Between the runtime's packets and the cluster's: encoded frames to
//! [`ClusterPacket`]s and back, ack arguments to values and back, a socket's handshake
//! as Node describes it.

use bytes::Bytes;
use serde::ser::{Serialize, SerializeTuple, Serializer};
use socketio_runtime::protocol::{encode, Args, Binary, Decoder, EncodedPacket, PacketData};
use socketio_runtime::socket::Socket;

use crate::wire::{ClusterPacket, Limits, Value, WireError};

/// Values serialized as a tuple: the runtime's encoder spreads them into arguments.
pub(crate) struct Spread<'a>(pub(crate) &'a [Value]);

impl Serialize for Spread<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut t = serializer.serialize_tuple(self.0.len())?;
        for v in self.0 {
            t.serialize_element(&WithBinary(v))?;
        }
        t.end()
    }
}

/// A value whose binary parts serialize as the runtime's [`Binary`] (attachments).
pub(crate) struct WithBinary<'a>(pub(crate) &'a Value);

impl Serialize for WithBinary<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Bin(b) => Binary(b.clone()).serialize(serializer),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&WithBinary(item))?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let kept = entries.iter().filter(|(_, v)| !matches!(v, Value::Undefined));
                let mut map = serializer.serialize_map(Some(kept.clone().count()))?;
                for (k, v) in kept {
                    map.serialize_entry(k, &WithBinary(v))?;
                }
                map.end()
            }
            Value::Ext(ty, data) => (ty, Binary(data.clone())).serialize(serializer),
            other => other.serialize(serializer),
        }
    }
}

/// The local packet of a cluster broadcast (with ack id `id` when acks are wanted).
pub(crate) fn encode_for_sockets(packet: &ClusterPacket, id: Option<u64>) -> Result<EncodedPacket, String> {
    let name = packet.event_name().ok_or("the event name is not a string")?;
    encode::event(&packet.nsp, &name, &Spread(packet.args()), id).map_err(|e| e.to_string())
}

/// The cluster packet of a packet the runtime encoded: `4` + `2`/`5<n>-` + `[/nsp,]` +
/// `[id]` + the JSON array, with the attachments put back in place of their placeholders.
pub(crate) fn cluster_packet(packet: &EncodedPacket, limits: &Limits) -> Result<ClusterPacket, WireError> {
    let text = packet.frame().as_text().ok_or(WireError::field("packet", "not a text frame"))?;
    let rest = text.strip_prefix('4').ok_or(WireError::field("packet", "not an Engine.IO message"))?;
    let binary = match rest.as_bytes().first() {
        Some(b'2') => false,
        Some(b'5') => true,
        _ => return Err(WireError::field("packet", "not an event")),
    };
    let mut i = 1;
    if binary {
        i = rest.find('-').ok_or(WireError::field("packet", "no attachment count"))? + 1;
    }
    let mut nsp = "/";
    if rest[i..].starts_with('/') {
        let comma = rest[i..].find(',').ok_or(WireError::field("packet", "namespace without a comma"))?;
        nsp = &rest[i..i + comma];
        i += comma + 1;
    }
    let json_start = rest[i..].find('[').ok_or(WireError::field("packet", "no arguments"))? + i;
    let data = Value::from_json(&rest.as_bytes()[json_start..], limits)?;
    let Value::Array(data) = place_attachments(data, packet.attachments()) else {
        return Err(WireError::field("packet", "arguments are not an array"));
    };
    Ok(ClusterPacket::event(nsp, data))
}

/// Replaces `{"_placeholder":true,"num":n}` objects by the attachments they stand for.
pub(crate) fn place_attachments(value: Value, attachments: &[Bytes]) -> Value {
    if attachments.is_empty() {
        return value;
    }
    match value {
        Value::Map(entries) => {
            let is_placeholder = entries.len() == 2
                && entries.iter().any(|(k, v)| k == "_placeholder" && *v == Value::Bool(true));
            if is_placeholder {
                let num = entries.iter().find(|(k, _)| k == "num").and_then(|(_, v)| v.as_u64());
                if let Some(bin) = num.and_then(|n| usize::try_from(n).ok()).and_then(|n| attachments.get(n))
                {
                    return Value::Bin(bin.clone());
                }
            }
            Value::Map(entries.into_iter().map(|(k, v)| (k, place_attachments(v, attachments))).collect())
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| place_attachments(v, attachments)).collect())
        }
        other => other,
    }
}

/// Argument `index` of received arguments as a value (binary in place).
pub(crate) fn arg_value(args: &Args, index: usize, limits: &Limits) -> Value {
    let Some(raw) = args.raw(index) else {
        return Value::Undefined;
    };
    match Value::from_json(raw.as_bytes(), limits) {
        Ok(v) => place_attachments(v, args.attachments()),
        Err(e) => {
            tracing::debug!(error = %e, "ack argument not representable");
            Value::Nil
        }
    }
}

/// Runtime arguments holding `values`: the runtime's own decoder reads the ACK packet
/// the encoder writes for them.
pub(crate) fn args_of(values: &[Value]) -> Option<Args> {
    let packet = encode::ack("/", 0, &Spread(values)).ok()?;
    let text = packet.frame().as_text()?.strip_prefix('4')?;
    let config = socketio_runtime::protocol::DecoderConfig::default().max_attachments(usize::MAX);
    let mut decoder = Decoder::new(config);
    let mut decoded = decoder.decode_text(text.into()).ok()?;
    for bin in packet.attachments() {
        decoded = decoder.decode_binary(bin.clone()).ok()?;
    }
    match decoded?.into_data() {
        PacketData::Ack(args) => Some(args),
        _ => None,
    }
}

/// `socket.handshake` as the official adapter sends it in a fetch response: headers,
/// time (`Date#toString`), address, xdomain, secure, issued (ms), url, query, auth.
pub(crate) fn handshake_value(socket: &Socket, limits: &Limits) -> Value {
    let hs = socket.handshake();
    let headers = Value::Map(
        hs.headers()
            .iter()
            .map(|(k, v)| {
                (k.as_str().to_owned(), Value::Str(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            })
            .collect(),
    );
    let since_epoch = hs.time().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let issued = u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX);
    let address = hs.address().map(|a| a.ip().to_string()).unwrap_or_default();
    let query = Value::Map(hs.query().into_iter().map(|(k, v)| (k, Value::Str(v))).collect());
    let auth =
        Value::from_json(hs.auth().as_str().as_bytes(), limits).unwrap_or_else(|_| Value::map::<&str>([]));
    Value::map([
        ("headers", headers),
        ("time", Value::Str(js_date_string(since_epoch.as_secs()))),
        ("address", Value::Str(address)),
        ("xdomain", Value::Bool(hs.headers().contains_key("origin"))),
        ("secure", Value::Bool(false)),
        ("issued", Value::UInt(issued)),
        ("url", Value::Str(hs.uri().to_string())),
        ("query", query),
        ("auth", auth),
    ])
}

/// `Date#toString` in UTC: `Wed Nov 25 2026 06:34:05 GMT+0000 (Coordinated Universal Time)`.
pub(crate) fn js_date_string(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = secs / 86_400;
    let (y, m, d) = crate::wire::civil_from_days(i64::try_from(days).unwrap_or(0));
    let s = secs % 86_400;
    format!(
        "{} {} {d:02} {y} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        DAYS[(days % 7) as usize],
        MONTHS[(m as usize).saturating_sub(1) % 12],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_become_cluster_packets_and_back() {
        let limits = Limits::default();
        let value_args =
            [Value::from("a"), Value::map([("b", Value::Bin(vec![1, 2].into()))]), Value::UInt(3)];
        let packet = ClusterPacket::event(
            "/chat",
            std::iter::once(Value::from("ev")).chain(value_args.iter().cloned()).collect(),
        );
        let encoded = encode_for_sockets(&packet, None).unwrap();
        assert_eq!(
            encoded.frame().as_text(),
            Some(r#"451-/chat,["ev","a",{"b":{"_placeholder":true,"num":0}},3]"#)
        );
        assert_eq!(cluster_packet(&encoded, &limits).unwrap(), packet);
        let main = encode::event("/", "x", &(1, "y"), Some(12)).unwrap();
        assert_eq!(
            cluster_packet(&main, &limits).unwrap(),
            ClusterPacket::event("/", vec!["x".into(), Value::UInt(1), "y".into()])
        );
    }

    #[test]
    fn args_round_trip_with_binary() {
        let limits = Limits::default();
        let v = Value::Array(vec![Value::Bin(vec![9].into()), Value::from("t")]);
        let args = args_of(std::slice::from_ref(&v)).unwrap();
        assert_eq!(args.len(), 1);
        assert_eq!(arg_value(&args, 0, &limits), v);
        assert_eq!(arg_value(&args, 1, &limits), Value::Undefined);
    }

    #[test]
    fn date_string_as_node_writes_it() {
        assert_eq!(
            js_date_string(1_795_588_445),
            "Wed Nov 25 2026 06:34:05 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(js_date_string(0), "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)");
    }
}
