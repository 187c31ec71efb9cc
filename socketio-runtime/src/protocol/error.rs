//! Why a client's Socket.IO input is refused. Every variant closes the client's whole
//! Engine.IO session (Node: `conn.close()` after a decoder error).

/// A packet (or a binary attachment) that breaks the Socket.IO v5 protocol.
///
/// ```
/// use socketio_runtime::protocol::{Decoder, ProtocolError};
/// let mut d = Decoder::default();
/// assert_eq!(d.decode_text("7".into()).unwrap_err(), ProtocolError::UnknownType);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// Empty message, or a first character that is not a packet type `0`..=`6`.
    #[error("unknown packet type")]
    UnknownType,
    /// Attachment count of a binary packet that is not digits followed by `-`, or zero.
    #[error("illegal attachments")]
    IllegalAttachments,
    /// More attachments announced than the decoder accepts (`maxAttachments`).
    #[error("too many attachments")]
    TooManyAttachments,
    /// An ack id above 2^53 - 1 (no JavaScript client could have sent it).
    #[error("ack id out of range")]
    AckIdOutOfRange,
    /// An ack id on a packet type that cannot carry one.
    #[error("unexpected ack id")]
    UnexpectedAckId,
    /// The payload is not JSON.
    #[error("payload is not valid JSON")]
    InvalidJson,
    /// The payload nests arrays or objects deeper than the decoder accepts.
    #[error("payload nested too deeply")]
    TooDeep,
    /// The payload is JSON of the wrong shape for the packet type.
    #[error("invalid payload")]
    InvalidPayload,
    /// An event whose name is reserved (`connect`, `disconnect`, ...).
    #[error("reserved event name")]
    ReservedEventName,
    /// A binary placeholder whose `num` is not an integer below the attachment count.
    #[error("illegal attachment placeholder")]
    IllegalPlaceholder,
    /// A text packet while the attachments of a binary packet are still expected.
    #[error("got plaintext data when reconstructing a packet")]
    TextWhileReconstructing,
    /// A binary message with no binary packet waiting for it.
    #[error("got binary data when not reconstructing a packet")]
    UnexpectedBinary,
}
