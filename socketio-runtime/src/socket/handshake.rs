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

    /// The handshake as Node describes it (`socket.handshake`, what a cluster adapter
    /// sends when another server fetches the socket): `headers` (names in lower case,
    /// repeated headers joined as Node joins them), `time` (`Date#toString`, in UTC),
    /// `address`, `xdomain` (an `Origin` header was sent), `secure` (always `false`:
    /// this server speaks plain HTTP), `issued` (milliseconds since the epoch), `url`,
    /// `query` and `auth`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let mut headers = Map::new();
        for name in self.headers().keys() {
            let mut values =
                self.headers().get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()));
            let joined = if name == http::header::SET_COOKIE {
                Value::Array(values.map(|v| Value::String(v.into_owned())).collect())
            } else {
                let separator = if name == http::header::COOKIE { "; " } else { ", " };
                let first = values.next().map(|v| v.into_owned()).unwrap_or_default();
                Value::String(values.fold(first, |acc, v| acc + separator + &v))
            };
            headers.insert(name.as_str().to_owned(), joined);
        }
        let since_epoch = self.time().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let mut query = Map::new();
        for (k, v) in self.query() {
            query.insert(k, Value::String(v));
        }
        json!({
            "headers": headers,
            "time": js_date_string(since_epoch.as_secs()),
            "address": self.address().map(|a| a.ip().to_string()).unwrap_or_default(),
            "xdomain": self.headers().contains_key(http::header::ORIGIN),
            "secure": false,
            "issued": u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX),
            "url": self.uri().to_string(),
            "query": query,
            "auth": self.auth.get::<Value>().unwrap_or_else(|_| Value::Object(Map::new())),
        })
    }
}

/// `Date#toString` in UTC: `Wed Nov 25 2026 06:34:05 GMT+0000 (Coordinated Universal Time)`.
fn js_date_string(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = secs / 86_400;
    let (y, m, d) = civil_from_days(days);
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

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_string_as_node_writes_it() {
        assert_eq!(
            js_date_string(1_795_588_445),
            "Wed Nov 25 2026 06:34:05 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(js_date_string(0), "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)");
        assert_eq!(
            js_date_string(951_782_400),
            "Tue Feb 29 2000 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
    }
}
