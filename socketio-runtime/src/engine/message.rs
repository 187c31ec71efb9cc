//! Engine.IO message payloads: what travels inside a `4` (message) packet.

use bytes::Bytes;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// UTF-8 text that shares its bytes with the frame it came from.
///
/// A received text frame `4hello` becomes the message `hello` without a copy: the
/// frame's bytes are kept and the first byte (the packet type) is skipped.
///
/// ```
/// use socketio_runtime::engine::Str;
/// let s = Str::from("hello");
/// assert_eq!(s.as_str(), "hello");
/// ```
#[derive(Clone)]
pub struct Str {
    frame: Utf8Bytes,
    start: usize,
    end: usize,
}

impl Str {
    /// The text after the first `start` bytes of `frame`; `None` when `start` does not
    /// fall on a character boundary.
    pub fn from_frame(frame: Utf8Bytes, start: usize) -> Option<Self> {
        let end = frame.len();
        Self::slice_of(frame, start, end)
    }

    /// The text between byte offsets `start` and `end` of `frame`; `None` unless both
    /// fall on character boundaries, in order.
    pub fn slice_of(frame: Utf8Bytes, start: usize, end: usize) -> Option<Self> {
        let s = frame.as_str();
        (start <= end && s.is_char_boundary(start) && s.is_char_boundary(end)).then_some(Str {
            frame,
            start,
            end,
        })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Both offsets are char boundaries, checked when the value was made.
        &self.frame.as_str()[self.start..self.end]
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Str {}

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str { end: s.len(), frame: Utf8Bytes::from(s), start: 0 }
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str { end: s.len(), frame: Utf8Bytes::from(s), start: 0 }
    }
}

impl From<Utf8Bytes> for Str {
    fn from(frame: Utf8Bytes) -> Self {
        Str { end: frame.len(), frame, start: 0 }
    }
}

impl std::fmt::Debug for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The payload of an Engine.IO message packet, as received from a client.
///
/// ```
/// use socketio_runtime::engine::Message;
/// let m = Message::Text("hello".into());
/// assert!(matches!(m, Message::Text(ref s) if s.as_str() == "hello"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message (`4…` in a text frame or a polling payload).
    Text(Str),
    /// A binary message (a binary WebSocket frame, or `b<base64>` in a polling payload).
    Binary(Bytes),
}

/// A message encoded for the wire, ready to be shared between many recipients.
///
/// A text frame already carries the packet type `4`, so sending it to a thousand
/// sockets clones a reference count a thousand times and copies nothing.
///
/// ```
/// use socketio_runtime::engine::Frame;
/// let f = Frame::text("hello");
/// assert_eq!(f.as_text(), Some("4hello"));
/// let mut buf = Frame::text_buffer(5);
/// buf.push_str("world");
/// assert_eq!(Frame::from_text_buffer(buf).as_text(), Some("4world"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A whole text packet, type digit included (`4hello`).
    Text(Utf8Bytes),
    /// The raw bytes of a binary message packet (no type prefix, as in v4).
    Binary(Bytes),
}

impl Frame {
    /// A message packet carrying `text`.
    pub fn text(text: &str) -> Frame {
        let mut buf = Self::text_buffer(text.len());
        buf.push_str(text);
        Self::from_text_buffer(buf)
    }

    /// A buffer that already holds the message packet type; write the message after it
    /// and pass it to [`Frame::from_text_buffer`].
    pub fn text_buffer(capacity: usize) -> String {
        let mut buf = String::with_capacity(capacity + 1);
        buf.push('4');
        buf
    }

    /// The frame of a buffer made by [`Frame::text_buffer`].
    pub fn from_text_buffer(buf: String) -> Frame {
        debug_assert!(buf.starts_with('4'), "a text frame starts with the message type 4");
        Frame::Text(Utf8Bytes::from(buf))
    }

    /// A binary message packet.
    pub fn binary(bytes: impl Into<Bytes>) -> Frame {
        Frame::Binary(bytes.into())
    }

    /// The whole text packet, if this is a text frame.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Frame::Text(t) => Some(t.as_str()),
            Frame::Binary(_) => None,
        }
    }

    /// Bytes this frame puts on a WebSocket.
    pub fn len(&self) -> usize {
        match self {
            Frame::Text(t) => t.len(),
            Frame::Binary(b) => b.len(),
        }
    }

    /// Whether the frame has no bytes (never true for a text frame).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a socket's outbound queue carries: one frame, or several that must stay
/// together on the wire (a Socket.IO binary packet: its header, then its attachments).
#[derive(Clone, Debug)]
pub enum Outgoing {
    /// A single frame.
    One(Frame),
    /// Frames written back to back, never interleaved with another sender's.
    Many(Vec<Frame>),
}

impl From<Frame> for Outgoing {
    fn from(f: Frame) -> Self {
        Outgoing::One(f)
    }
}

impl From<Vec<Frame>> for Outgoing {
    fn from(f: Vec<Frame>) -> Self {
        Outgoing::Many(f)
    }
}
