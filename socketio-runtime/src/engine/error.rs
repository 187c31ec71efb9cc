//! Why the engine refuses a request, and the one place each refusal becomes a reply.

/// A refused Engine.IO request. [`EngineError::code`] and [`EngineError::message`] are
/// what the Node server puts in its JSON error body.
///
/// ```
/// use socketio_runtime::engine::EngineError;
/// let e = EngineError::UnknownSid;
/// assert_eq!((e.code(), e.message(), e.status()), (Some(1), "Session ID unknown", 400));
/// assert_eq!(e.json_body().as_deref(), Some(r#"{"code":1,"message":"Session ID unknown"}"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// `transport` missing or not one of the enabled transports (code 0).
    #[error("Transport unknown")]
    UnknownTransport,
    /// `sid` names no live session (code 1).
    #[error("Session ID unknown")]
    UnknownSid,
    /// A handshake that is not a GET (code 2).
    #[error("Bad handshake method")]
    BadHandshakeMethod,
    /// A malformed request: bad `Origin`, transport mismatch, a WebSocket request with no
    /// upgrade (code 3).
    #[error("Bad request")]
    BadRequest,
    /// Refused by the application's `allow_request` hook (code 4, HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// `EIO` is not 4 (code 5).
    #[error("Unsupported protocol version")]
    UnsupportedProtocolVersion,
    /// A POST body above `maxPayload` (HTTP 413, empty body).
    #[error("payload too large")]
    PayloadTooLarge,
    /// A request that breaks the polling rules (overlapping GET or POST, a body that is
    /// not an Engine.IO payload): HTTP 400 with an empty body, and the session is closed.
    #[error("{0}")]
    TransportError(&'static str),
    /// A method polling does not serve on a live session (PUT, DELETE, ...): HTTP 400.
    #[error("method not allowed")]
    MethodNotAllowed,
}

impl EngineError {
    /// The numeric code of the JSON error body, if the reply has one.
    pub fn code(&self) -> Option<u8> {
        match self {
            EngineError::UnknownTransport => Some(0),
            EngineError::UnknownSid => Some(1),
            EngineError::BadHandshakeMethod => Some(2),
            EngineError::BadRequest => Some(3),
            EngineError::Forbidden(_) => Some(4),
            EngineError::UnsupportedProtocolVersion => Some(5),
            _ => None,
        }
    }

    /// The message of the JSON error body.
    pub fn message(&self) -> &str {
        match self {
            EngineError::UnknownTransport => "Transport unknown",
            EngineError::UnknownSid => "Session ID unknown",
            EngineError::BadHandshakeMethod => "Bad handshake method",
            EngineError::BadRequest => "Bad request",
            EngineError::Forbidden(m) => m,
            EngineError::UnsupportedProtocolVersion => "Unsupported protocol version",
            EngineError::PayloadTooLarge => "payload too large",
            EngineError::TransportError(m) => m,
            EngineError::MethodNotAllowed => "method not allowed",
        }
    }

    /// The HTTP status of the reply.
    pub fn status(&self) -> u16 {
        match self {
            EngineError::Forbidden(_) => 403,
            EngineError::PayloadTooLarge => 413,
            _ => 400,
        }
    }

    /// The JSON body Node sends for a polling request, `{"code":N,"message":"..."}`;
    /// `None` for replies with an empty body.
    pub fn json_body(&self) -> Option<String> {
        let code = self.code()?;
        let message = serde_json::to_string(self.message()).ok()?;
        Some(format!(r#"{{"code":{code},"message":{message}}}"#))
    }
}
