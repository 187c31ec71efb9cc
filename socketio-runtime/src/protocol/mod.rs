//! Socket.IO v5 packets, sans-IO: the decoder of what clients send (with the
//! reassembly of binary packets) and the encoder of what the server sends.
//!
//! Received JSON is never parsed into a tree: arguments stay slices of the received
//! text ([`Args`]) and are deserialized into the type a handler asks for. Sent packets
//! are written once into the buffer of the Engine.IO frame ([`EncodedPacket`]) that
//! every recipient of a broadcast shares.
//!
//! The decoder follows socket.io-parser's `decodeString` and refuses everything it
//! refuses, plus what it accepts by accident (see [`ProtocolError`]).

mod args;
mod binary;
mod decode;
pub mod encode;
mod error;
mod json;
mod packet;
#[cfg(test)]
mod tests;

pub use args::{ArgError, Args, RawJson};
pub use binary::Binary;
pub use decode::{Decoder, DecoderConfig, MAX_ACK_ID, RESERVED_EVENTS};
pub use encode::{EncodeError, EncodedPacket};
pub use error::ProtocolError;
pub use packet::{EventName, Packet, PacketData, PacketType};
