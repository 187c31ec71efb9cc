//! An Engine.IO endpoint: turns HTTP requests into sessions and hands them to their tasks.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use tokio::sync::oneshot;
use tracing::{debug, Instrument};

use super::cors::{self, Cors};
use crate::engine::handshake::{self, Route};
use crate::engine::packet::Packet;
use crate::engine::{
    CloseReason, Control, EngineConfig, EngineError, EngineHandler, EngineSocket, Frame, RequestInfo, Sid,
    TransportKind,
};
use crate::transport::connection::Connection;
use crate::transport::registry::Registry;
use crate::transport::websocket::{self, WsStream};

/// The response body of every engine reply.
pub type Body = Full<Bytes>;

/// The peer address of a request, inserted as a request extension by
/// [`super::Server::serve`] (or by an application that mounts an engine itself).
#[derive(Clone, Copy, Debug)]
pub struct RemoteAddr(pub SocketAddr);

/// The application's veto on a request before its handshake (Node's `allowRequest`):
/// `Err(message)` refuses it with HTTP 403 `{"code":4,"message":...}`.
pub type AllowRequest = Arc<dyn Fn(&http::request::Parts) -> Result<(), String> + Send + Sync>;

/// An Engine.IO server for one handler, at one path.
///
/// ```
/// use socketio_runtime::engine::{CloseReason, EngineConfig, EngineHandler, EngineSocket, Message};
/// use socketio_runtime::server::{Cors, Engine};
/// struct Quiet;
/// impl EngineHandler for Quiet {
///     type Session = ();
///     fn open(&self, _: EngineSocket) {}
///     fn message(&self, _: &mut (), _: Message) {}
///     fn close(&self, _: (), _: CloseReason) {}
/// }
/// let engine = Engine::new(Quiet, EngineConfig::default()).with_cors(Cors::any());
/// assert_eq!(engine.session_count(), 0);
/// ```
pub struct Engine<H: EngineHandler> {
    inner: Arc<Inner<H>>,
}

struct Inner<H: EngineHandler> {
    handler: Arc<H>,
    config: Arc<EngineConfig>,
    registry: Registry,
    cors: Option<Cors>,
    allow_request: Option<AllowRequest>,
}

impl<H: EngineHandler> Clone for Engine<H> {
    fn clone(&self) -> Self {
        Engine { inner: self.inner.clone() }
    }
}

impl<H: EngineHandler> Engine<H> {
    /// An engine that runs `handler` for each session.
    pub fn new(handler: H, config: EngineConfig) -> Self {
        Engine {
            inner: Arc::new(Inner {
                handler: Arc::new(handler),
                config: Arc::new(config),
                registry: Registry::default(),
                cors: None,
                allow_request: None,
            }),
        }
    }

    fn inner_mut(&mut self) -> &mut Inner<H> {
        Arc::get_mut(&mut self.inner).expect("options are set before the engine is shared")
    }

    /// Sets the CORS policy of polling requests.
    pub fn with_cors(mut self, cors: Cors) -> Self {
        self.inner_mut().cors = Some(cors);
        self
    }

    /// Sets the veto run before each handshake.
    pub fn with_allow_request(
        mut self,
        allow: impl Fn(&http::request::Parts) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.inner_mut().allow_request = Some(Arc::new(allow));
        self
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.inner.handler
    }

    /// The options.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Number of live sessions.
    pub fn session_count(&self) -> usize {
        self.inner.registry.len()
    }

    /// Closes every session with `server shutting down`.
    pub fn close_all(&self) {
        for socket in self.inner.registry.all() {
            let _ = socket.control(Control::Close(CloseReason::ServerShuttingDown));
        }
    }

    /// Serves one request addressed to this engine.
    pub async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        let inner = &self.inner;
        if cors::is_preflight(req.method()) {
            if let Some(cors) = &inner.cors {
                return cors.preflight(req.headers());
            }
        }
        let request_headers = req.headers().clone();
        let upgrade = handshake::is_websocket_upgrade(req.headers());
        let mut response = match self.route(req).await {
            Ok(r) => r,
            Err(e) => {
                debug!(error = %e, "request refused");
                error_response(&e, upgrade)
            }
        };
        if let Some(cors) = &inner.cors {
            if response.status() != StatusCode::SWITCHING_PROTOCOLS {
                cors.apply(&request_headers, response.headers_mut());
            }
        }
        response
    }

    async fn route(&self, req: Request<Incoming>) -> Result<Response<Body>, EngineError> {
        let query = handshake::parse_query(req.uri().query().unwrap_or(""));
        match handshake::verify(req.method(), &query, req.headers(), &self.inner.config)? {
            Route::Handshake(kind) => {
                let (parts, body) = req.into_parts();
                if let Some(allow) = &self.inner.allow_request {
                    allow(&parts).map_err(EngineError::Forbidden)?;
                }
                let req = Request::from_parts(parts, body);
                match kind {
                    TransportKind::Polling => Ok(self.open_polling(req)),
                    TransportKind::WebSocket => self.open_websocket(req),
                }
            }
            Route::Session { sid, transport } => {
                let socket = self.inner.registry.get(&sid).ok_or(EngineError::UnknownSid)?;
                match transport {
                    TransportKind::Polling => self.polling_request(socket, req).await,
                    TransportKind::WebSocket => self.upgrade_request(socket, req),
                }
            }
        }
    }

    /// The handshake a session keeps. Header values and the URI are copied, not cloned:
    /// hyper's are slices of its 8 KiB connection read buffer, which a clone would keep
    /// alive for the whole session.
    fn request_info<B>(req: &Request<B>) -> RequestInfo {
        let mut headers = http::HeaderMap::with_capacity(req.headers().len());
        for (name, value) in req.headers() {
            if let Ok(mut owned) = HeaderValue::from_bytes(value.as_bytes()) {
                owned.set_sensitive(value.is_sensitive());
                headers.append(name.clone(), owned);
            }
        }
        let uri = http::Uri::try_from(req.uri().to_string()).unwrap_or_else(|_| req.uri().clone());
        RequestInfo {
            headers,
            uri,
            remote_addr: req.extensions().get::<RemoteAddr>().map(|r| r.0),
            time: SystemTime::now(),
        }
    }

    fn handshake_json(&self, sid: &Sid, kind: TransportKind) -> String {
        let c = &self.inner.config;
        let upgrades = if kind == TransportKind::Polling && c.allow_upgrades && c.websocket {
            r#"["websocket"]"#
        } else {
            "[]"
        };
        format!(
            r#"{{"sid":"{sid}","upgrades":{upgrades},"pingInterval":{},"pingTimeout":{},"maxPayload":{}}}"#,
            c.ping_interval.as_millis(),
            c.ping_timeout.as_millis(),
            c.max_payload
        )
    }

    /// Starts a session's task: on polling, or on a WebSocket that already has its 101.
    fn start_session(&self, sid: Sid, info: RequestInfo, ws: Option<WsStream>) {
        let kind = if ws.is_some() { TransportKind::WebSocket } else { TransportKind::Polling };
        let (socket, outbox) =
            EngineSocket::new(sid.clone(), info, kind, self.inner.config.max_buffered_bytes);
        self.inner.registry.insert(socket.clone());
        // A polling session's handshake is the body of the GET that opened it.
        let open = ws.is_some().then(|| Packet::Open(self.handshake_json(&sid, kind)).encode());
        let span = tracing::debug_span!("engine", sid = %sid, transport = kind.as_str());
        let connection = Connection::new(
            socket,
            self.inner.handler.clone(),
            self.inner.config.clone(),
            self.inner.registry.clone(),
            outbox,
            ws,
        );
        tokio::spawn(connection.run(open).instrument(span));
    }

    fn open_polling(&self, req: Request<Incoming>) -> Response<Body> {
        let sid = Sid::generate();
        self.start_session(sid.clone(), Self::request_info(&req), None);
        debug!(%sid, "polling session opened");
        let open = Packet::Open(self.handshake_json(&sid, TransportKind::Polling)).encode();
        let body = match open {
            Frame::Text(t) => Bytes::from(t),
            Frame::Binary(b) => b,
        };
        let mut response = text_response(StatusCode::OK, "text/plain; charset=UTF-8", body);
        self.set_cookie(&mut response, &sid);
        response
    }

    /// Node's `cookie` option: the sid in a cookie, for load balancers that route by it.
    fn set_cookie(&self, response: &mut Response<Body>, sid: &Sid) {
        if let Some(name) = &self.inner.config.cookie {
            let cookie = format!("{name}={sid}; Path=/; HttpOnly; SameSite=Lax");
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(http::header::SET_COOKIE, value);
            }
        }
    }

    fn open_websocket(&self, req: Request<Incoming>) -> Result<Response<Body>, EngineError> {
        let mut response = websocket::accept_response(req.headers()).ok_or(EngineError::BadRequest)?;
        let sid = Sid::generate();
        self.set_cookie(&mut response, &sid);
        let engine = self.clone();
        tokio::spawn(async move {
            let info_req = Request::from_parts(req_parts_clone(&req), ());
            match hyper::upgrade::on(req).await {
                Ok(upgraded) => {
                    let ws = websocket::from_upgraded(upgraded, &engine.inner.config).await;
                    engine.start_session(sid, Self::request_info(&info_req), Some(ws));
                }
                Err(e) => debug!(error = %e, "WebSocket upgrade failed"),
            }
        });
        Ok(response)
    }

    async fn polling_request(
        &self,
        socket: EngineSocket,
        req: Request<Incoming>,
    ) -> Result<Response<Body>, EngineError> {
        if socket.transport() == TransportKind::WebSocket {
            return Err(EngineError::BadRequest);
        }
        match *req.method() {
            Method::GET => {
                let (tx, rx) = oneshot::channel();
                send_control(&socket, Control::Poll(tx))?;
                let payload = rx.await.map_err(|_| EngineError::UnknownSid)??;
                let mut response = text_response(StatusCode::OK, "text/plain; charset=UTF-8", payload);
                response
                    .headers_mut()
                    .insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                Ok(response)
            }
            Method::POST => {
                if socket.shared.post_in_flight.swap(true, Ordering::AcqRel) {
                    debug!("overlapping POST: closing the session");
                    let _ = socket.control(Control::Close(CloseReason::TransportError));
                    return Err(EngineError::TransportError("overlapping POST"));
                }
                let result = self.read_post(&socket, req).await;
                socket.shared.post_in_flight.store(false, Ordering::Release);
                result
            }
            _ => Err(EngineError::MethodNotAllowed),
        }
    }

    async fn read_post(
        &self,
        socket: &EngineSocket,
        req: Request<Incoming>,
    ) -> Result<Response<Body>, EngineError> {
        let binary = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/octet-stream"));
        if binary {
            // EIO 4 never sends binary bodies (CVE-2026-59725: answer, then close).
            let _ = socket.control(Control::Close(CloseReason::TransportError));
            return Err(EngineError::TransportError("binary body"));
        }
        let limit = self.inner.config.max_payload;
        let body = match Limited::new(req.into_body(), limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => {
                let too_large = e.downcast_ref::<http_body_util::LengthLimitError>().is_some();
                let _ = socket.control(Control::Close(CloseReason::TransportError));
                return Err(if too_large {
                    debug!(limit, "POST body above maxPayload: closing the session");
                    EngineError::PayloadTooLarge
                } else {
                    EngineError::TransportError("body read error")
                });
            }
        };
        let (tx, rx) = oneshot::channel();
        send_control(socket, Control::Post(body, tx))?;
        rx.await.map_err(|_| EngineError::UnknownSid)??;
        Ok(text_response(StatusCode::OK, "text/html", Bytes::from_static(b"ok")))
    }

    fn upgrade_request(
        &self,
        socket: EngineSocket,
        req: Request<Incoming>,
    ) -> Result<Response<Body>, EngineError> {
        // Only a polling session may be taken over by a WebSocket (a sid holder must
        // not steal a WebSocket session): the session task closes any other right after
        // the 101, as Node does.
        if !handshake::is_websocket_upgrade(req.headers()) {
            return Err(EngineError::BadRequest);
        }
        let response = websocket::accept_response(req.headers()).ok_or(EngineError::BadRequest)?;
        let config = self.inner.config.clone();
        tokio::spawn(async move {
            match hyper::upgrade::on(req).await {
                Ok(upgraded) => {
                    let ws = websocket::from_upgraded(upgraded, &config).await;
                    if let Err(Control::Upgrade(mut ws)) = socket.control(Control::Upgrade(Box::new(ws))) {
                        let _ = ws.close(None).await;
                    }
                }
                Err(e) => debug!(error = %e, "WebSocket upgrade failed"),
            }
        });
        Ok(response)
    }
}

fn req_parts_clone(req: &Request<Incoming>) -> http::request::Parts {
    let mut builder = Request::builder().method(req.method().clone()).uri(req.uri().clone());
    if let Some(headers) = builder.headers_mut() {
        *headers = req.headers().clone();
    }
    if let Some(addr) = req.extensions().get::<RemoteAddr>() {
        builder = builder.extension(*addr);
    }
    builder.body(()).map(|r| r.into_parts().0).unwrap_or_else(|_| Request::new(()).into_parts().0)
}

fn send_control(socket: &EngineSocket, control: Control) -> Result<(), EngineError> {
    socket.control(control).map_err(|_| EngineError::UnknownSid)
}

fn text_response(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The one place an [`EngineError`] becomes a reply: JSON for polling, a plain 400 with
/// the message for a refused WebSocket handshake, as Node's `abortRequest` and
/// `abortUpgrade`.
pub(crate) fn error_response(error: &EngineError, upgrade: bool) -> Response<Body> {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    if upgrade {
        let mut r =
            text_response(StatusCode::BAD_REQUEST, "text/html", Bytes::from(error.message().to_owned()));
        r.headers_mut().insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        return r;
    }
    match error.json_body() {
        Some(json) => text_response(status, "application/json", Bytes::from(json)),
        None => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = status;
            r
        }
    }
}
