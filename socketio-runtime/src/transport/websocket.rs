//! The WebSocket side: the HTTP upgrade through hyper, then tokio-tungstenite.

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use http_body_util::Full;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::WebSocketStream;

use crate::engine::{EngineConfig, Frame};

/// A server-side WebSocket over a hyper upgrade.
pub(crate) type WsStream = WebSocketStream<TokioIo<Upgraded>>;

/// The 101 response for a valid WebSocket handshake, or `None` when the request lacks
/// the key or speaks another WebSocket version.
pub(crate) fn accept_response(headers: &HeaderMap) -> Option<Response<Full<Bytes>>> {
    let key = headers.get(http::header::SEC_WEBSOCKET_KEY)?;
    let version_ok = headers.get(http::header::SEC_WEBSOCKET_VERSION).is_some_and(|v| v.as_bytes() == b"13");
    if !version_ok {
        return None;
    }
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(http::header::CONNECTION, "Upgrade")
        .header(http::header::UPGRADE, "websocket")
        .header(http::header::SEC_WEBSOCKET_ACCEPT, derive_accept_key(key.as_bytes()))
        .body(Full::new(Bytes::new()))
        .ok()
}

/// tokio-tungstenite's limits from the engine's: messages and frames up to maxPayload,
/// a small read buffer (it grows while a large message arrives).
pub(crate) fn ws_config(config: &EngineConfig) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(config.ws_read_buffer)
        .write_buffer_size(8 * 1024)
        .max_message_size(Some(config.max_payload))
        .max_frame_size(Some(config.max_payload))
}

/// Wraps an upgraded connection.
pub(crate) async fn from_upgraded(upgraded: Upgraded, config: &EngineConfig) -> WsStream {
    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(ws_config(config))).await
}

/// The WebSocket message carrying a frame.
pub(crate) fn to_ws(frame: Frame) -> WsMessage {
    match frame {
        Frame::Text(t) => WsMessage::Text(t),
        Frame::Binary(b) => WsMessage::Binary(b),
    }
}
