//! What a socket knows about the client that opened it.

use std::net::SocketAddr;
use std::time::SystemTime;

use serde::de::DeserializeOwned;

use crate::engine::{EngineSocket, TransportKind};
use crate::protocol::RawJson;

/// The `auth` object a client sent with its CONNECT (`io(url, { auth })`); `{}` when it
/// sent none. It serializes as the JSON received.
///
/// ```
/// use socketio_runtime::socket::Auth;
/// #[derive(serde::Deserialize, Default)]
/// struct Token { token: Option<String> }
/// let none = Auth::default();
/// assert_eq!(none.as_str(), "{}");
/// assert!(none.get::<Token>().unwrap().token.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Auth(Option<RawJson>);

impl Auth {
    pub(crate) fn new(raw: Option<RawJson>) -> Auth {
        Auth(raw)
    }

    /// The JSON object as received.
    pub fn as_str(&self) -> &str {
        self.0.as_ref().map_or("{}", RawJson::as_str)
    }

    /// Whether the client sent an `auth` object.
    pub fn is_present(&self) -> bool {
        self.0.is_some()
    }

    /// The object as `T`.
    pub fn get<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        match &self.0 {
            Some(raw) => raw.deserialize(),
            None => serde_json::from_str("{}"),
        }
    }
}

impl serde::Serialize for Auth {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(raw) => raw.serialize(serializer),
            None => serde_json::Map::new().serialize(serializer),
        }
    }
}

/// The handshake of a socket: the HTTP request that opened the client's connection,
/// and the `auth` of its CONNECT (Node's `socket.handshake`).
#[derive(Clone, Debug)]
pub struct Handshake {
    engine: EngineSocket,
    auth: Auth,
}

impl Handshake {
    pub(crate) fn new(engine: EngineSocket, auth: Auth) -> Handshake {
        Handshake { engine, auth }
    }

    /// Request headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.engine.request().headers
    }

    /// The request URI.
    pub fn uri(&self) -> &http::Uri {
        &self.engine.request().uri
    }

    /// The decoded query parameters (`EIO`, `transport` and the client's own `query`).
    pub fn query(&self) -> Vec<(String, String)> {
        self.engine.request().query()
    }

    /// One query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The peer address, when known.
    pub fn address(&self) -> Option<SocketAddr> {
        self.engine.request().remote_addr
    }

    /// When the client's connection was opened.
    pub fn time(&self) -> SystemTime {
        self.engine.request().time
    }

    /// The transport in use now.
    pub fn transport(&self) -> TransportKind {
        self.engine.transport()
    }

    /// The `auth` of the CONNECT.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }
}
