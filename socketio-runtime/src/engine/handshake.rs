//! Verification of a request before it reaches a session: the checks of Node's
//! `verify()` and `handshake()`, in the same order.

use http::{HeaderMap, Method};

use super::config::EngineConfig;
use super::error::EngineError;
use super::sid::Sid;
use super::socket::TransportKind;

/// Where a verified request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// A new session on this transport.
    Handshake(TransportKind),
    /// An existing session (whose existence the caller checks).
    Session { sid: Sid, transport: TransportKind },
}

/// Checks a request the way Node's engine does, in its order: transport, Origin, then
/// either the sid or (for a handshake) the method and the WebSocket upgrade, then the
/// protocol revision. `allow_request` runs after this, in the server.
pub(crate) fn verify(
    method: &Method,
    query: &[(String, String)],
    headers: &HeaderMap,
    config: &EngineConfig,
) -> Result<Route, EngineError> {
    let get = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let transport = match get("transport") {
        Some("polling") if config.polling => TransportKind::Polling,
        Some("websocket") if config.websocket => TransportKind::WebSocket,
        _ => return Err(EngineError::UnknownTransport),
    };
    if let Some(origin) = headers.get(http::header::ORIGIN) {
        let invalid = origin.as_bytes().iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f);
        if invalid {
            return Err(EngineError::BadRequest);
        }
    }
    let route = match get("sid") {
        Some(sid) => {
            let sid = Sid::parse(sid).ok_or(EngineError::UnknownSid)?;
            Route::Session { sid, transport }
        }
        None => {
            if method != Method::GET {
                return Err(EngineError::BadHandshakeMethod);
            }
            if transport == TransportKind::WebSocket && !is_websocket_upgrade(headers) {
                return Err(EngineError::BadRequest);
            }
            Route::Handshake(transport)
        }
    };
    if get("EIO") != Some("4") {
        return Err(EngineError::UnsupportedProtocolVersion);
    }
    Ok(route)
}

/// Whether the request asks for a WebSocket upgrade.
pub(crate) fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    let has_token = |name: http::header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str().map(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case(token))).unwrap_or(false)
        })
    };
    has_token(http::header::UPGRADE, "websocket") && has_token(http::header::CONNECTION, "upgrade")
}

/// Decodes a query string; a repeated key keeps its last value, as Node's
/// `Object.fromEntries(searchParams)` does.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        if let Some(slot) = out.iter_mut().find(|(key, _)| *key == k) {
            slot.1 = v;
        } else {
            out.push((k, v));
        }
    }
    out
}

/// `application/x-www-form-urlencoded` decoding, lossy on invalid UTF-8.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Vec<(String, String)> {
        parse_query(s)
    }

    fn check(method: Method, query: &str, upgrade: bool) -> Result<Route, EngineError> {
        let mut headers = HeaderMap::new();
        if upgrade {
            headers.insert(http::header::UPGRADE, "websocket".parse().unwrap());
            headers.insert(http::header::CONNECTION, "Upgrade".parse().unwrap());
        }
        verify(&method, &q(query), &headers, &EngineConfig::default())
    }

    #[test]
    fn query_decoding() {
        assert_eq!(q("a=1&b=x%20y+z&a=2"), vec![("a".into(), "2".into()), ("b".into(), "x y z".into())]);
        assert_eq!(q("%zz=%&&k"), vec![("%zz".into(), "%".into()), ("k".into(), "".into())]);
    }

    #[test]
    fn errors_in_node_order() {
        use EngineError::*;
        assert_eq!(check(Method::GET, "EIO=4", false), Err(UnknownTransport));
        assert_eq!(check(Method::GET, "EIO=4&transport=abc", false), Err(UnknownTransport));
        assert_eq!(check(Method::GET, "transport=polling", false), Err(UnsupportedProtocolVersion));
        assert_eq!(check(Method::GET, "EIO=abc&transport=polling", false), Err(UnsupportedProtocolVersion));
        assert_eq!(check(Method::GET, "EIO=3&transport=polling", false), Err(UnsupportedProtocolVersion));
        assert_eq!(check(Method::POST, "EIO=4&transport=polling", false), Err(BadHandshakeMethod));
        assert_eq!(check(Method::PUT, "EIO=4&transport=polling", false), Err(BadHandshakeMethod));
        assert_eq!(check(Method::GET, "EIO=4&transport=websocket", false), Err(BadRequest));
        assert_eq!(check(Method::GET, "EIO=4&transport=polling&sid=__proto__%3F", false), Err(UnknownSid));
    }

    #[test]
    fn valid_requests() {
        assert_eq!(
            check(Method::GET, "EIO=4&transport=polling&t=N8hyd6w", false),
            Ok(Route::Handshake(TransportKind::Polling))
        );
        assert_eq!(
            check(Method::GET, "EIO=4&transport=websocket", true),
            Ok(Route::Handshake(TransportKind::WebSocket))
        );
        let sid = Sid::generate();
        let query = format!("EIO=4&transport=polling&sid={sid}");
        assert_eq!(
            check(Method::POST, &query, false),
            Ok(Route::Session { sid, transport: TransportKind::Polling })
        );
    }
}
