//! Between the runtime's packets and the cluster's: encoded events to
//! [`ClusterPacket`]s and back, arguments to values and back, a socket's handshake as
//! Node orders it.

use bytes::Bytes;
use serde::ser::{Serialize, SerializeTuple, Serializer};
use socketio_runtime::protocol::{encode, Args, Binary, EncodedPacket};
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

/// The cluster packet of an EVENT the runtime encoded for namespace `nsp`: its JSON
/// array (name, then arguments) with the attachments in place of their placeholders.
pub(crate) fn cluster_packet(
    packet: &EncodedPacket,
    nsp: &str,
    limits: &Limits,
) -> Result<ClusterPacket, WireError> {
    let json = packet.data_json().ok_or(WireError::field("packet", "not an event"))?;
    let data = Value::from_json(json.as_bytes(), limits)?;
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

/// Argument `index` of received arguments as a value (binary in place); `undefined`
/// when there is none.
pub(crate) fn arg_value(args: &Args, index: usize, limits: &Limits) -> Value {
    let Some(raw) = args.raw(index) else {
        return Value::Undefined;
    };
    match Value::from_json(raw.as_bytes(), limits) {
        Ok(v) => place_attachments(v, args.attachments()),
        Err(e) => {
            tracing::debug!(error = %e, "argument not representable");
            Value::Nil
        }
    }
}

/// Every argument as a value.
pub(crate) fn arg_values(args: &Args, limits: &Limits) -> Vec<Value> {
    (0..args.len()).map(|i| arg_value(args, i, limits)).collect()
}

/// Runtime arguments holding `values` (binary ones as attachments); `undefined` items
/// at the end are left out, as JavaScript's ack callback sees no argument for them.
pub(crate) fn args_of(values: &[Value]) -> Result<Args, String> {
    let end = values.iter().rposition(|v| *v != Value::Undefined).map_or(0, |i| i + 1);
    Args::from_value(&Spread(&values[..end])).map_err(|e| e.to_string())
}

/// A JSON value (a handshake, socket data) as a value; the keys of a handshake in the
/// order Node writes them.
pub(crate) fn json_value(json: serde_json::Value) -> Value {
    Value::from(json)
}

/// `socket.handshake` as the official adapter sends it in a fetch response, fields in
/// its order: headers, time, address, xdomain, secure, issued, url, query, auth.
pub(crate) fn handshake_value(socket: &Socket) -> Value {
    const ORDER: [&str; 9] =
        ["headers", "time", "address", "xdomain", "secure", "issued", "url", "query", "auth"];
    let Value::Map(mut entries) = json_value(socket.handshake().to_json()) else {
        return Value::map::<&str>([]);
    };
    entries.sort_by_key(|(k, _)| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
    Value::Map(entries)
}

/// A value as JSON (binary as Node's `Buffer#toJSON`).
pub(crate) fn to_json(value: &Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_become_cluster_packets_and_back() {
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
        assert_eq!(cluster_packet(&encoded, "/chat", &limits).unwrap(), packet);
        let main = encode::event("/", "x", &(1, "y"), Some(12)).unwrap();
        assert_eq!(
            cluster_packet(&main, "/", &limits).unwrap(),
            ClusterPacket::event("/", vec!["x".into(), Value::UInt(1), "y".into()]),
            "the ack id is not part of the cluster packet"
        );
        assert!(cluster_packet(&encode::disconnect("/"), "/", &limits).is_err());
    }

    #[test]
    fn args_round_trip_with_binary() {
        let limits = Limits::default();
        let v = Value::Array(vec![Value::Bin(vec![9].into()), Value::from("t")]);
        let args = args_of(std::slice::from_ref(&v)).unwrap();
        assert_eq!(args.len(), 1);
        assert_eq!(arg_value(&args, 0, &limits), v);
        assert_eq!(arg_value(&args, 1, &limits), Value::Undefined);
        assert_eq!(arg_values(&args, &limits), [v]);
        assert!(args_of(&[Value::Undefined]).unwrap().is_empty(), "an ack with no argument");
    }
}
