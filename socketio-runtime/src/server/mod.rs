//! The hyper side: a [`Server`] that mounts engines at paths, serves them standalone with
//! graceful shutdown, or answers requests handed to it by an existing hyper application.

mod cors;
mod engine;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{debug, info};

pub use cors::Cors;
pub use engine::{AllowRequest, Body, Engine, RemoteAddr};
/// The body of a request as hyper hands it to the server.
pub use hyper::body::Incoming;

use crate::engine::EngineHandler;

/// Something a [`Server`] can mount at a path: an [`Engine`], or a layer built on one.
pub trait Endpoint: Send + Sync + 'static {
    /// Serves one request whose path is under the mount point.
    fn call(&self, req: Request<Incoming>) -> BoxFuture<'_, Response<Body>>;
    /// Closes every session (the server is shutting down).
    fn shutdown(&self);
    /// Number of live sessions.
    fn session_count(&self) -> usize;
}

impl<H: EngineHandler> Endpoint for Engine<H> {
    fn call(&self, req: Request<Incoming>) -> BoxFuture<'_, Response<Body>> {
        Box::pin(self.handle(req))
    }
    fn shutdown(&self) {
        self.close_all();
    }
    fn session_count(&self) -> usize {
        Engine::session_count(self)
    }
}

type Fallback = Arc<dyn Fn(Request<Incoming>) -> BoxFuture<'static, Response<Body>> + Send + Sync>;

/// An HTTP server with engines mounted at paths.
///
/// A path matches itself and everything below it (`/socket.io` serves
/// `/socket.io/?EIO=4...`), as Node's `addTrailingSlash`. Other requests go to the
/// fallback (404 unless set), where an application serves its pages.
///
/// ```no_run
/// # use socketio_runtime::engine::{CloseReason, EngineConfig, EngineHandler, EngineSocket, Message};
/// # struct Quiet;
/// # impl EngineHandler for Quiet {
/// #     type Session = ();
/// #     fn open(&self, _: EngineSocket) {}
/// #     fn message(&self, _: &mut (), _: Message) {}
/// #     fn close(&self, _: (), _: CloseReason) {}
/// # }
/// use socketio_runtime::server::{Engine, Server};
/// # async fn run() -> std::io::Result<()> {
/// let server = Server::new().mount("/engine.io", Engine::new(Quiet, EngineConfig::default()));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// server.serve(listener, socketio_runtime::server::shutdown_signal()).await
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Server {
    mounts: Vec<(String, Arc<dyn Endpoint>)>,
    fallback: Option<Fallback>,
}

impl Server {
    /// A server with nothing mounted.
    pub fn new() -> Server {
        Server::default()
    }

    /// Mounts an endpoint at `path` (e.g. `/socket.io`).
    pub fn mount(mut self, path: &str, endpoint: impl Endpoint) -> Server {
        let path = path.trim_end_matches('/').to_owned();
        self.mounts.push((path, Arc::new(endpoint)));
        // Longest path first, so `/a/b` wins over `/a`.
        self.mounts.sort_by_key(|m| std::cmp::Reverse(m.0.len()));
        self
    }

    /// Serves requests no mount matches.
    pub fn fallback<F, Fut>(mut self, f: F) -> Server
    where
        F: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response<Body>> + Send + 'static,
    {
        self.fallback = Some(Arc::new(move |req| Box::pin(f(req))));
        self
    }

    /// Answers one request: what an existing hyper application calls to mount this
    /// server inside its own service (insert [`RemoteAddr`] as an extension to expose
    /// the peer address).
    pub async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        let path = req.uri().path();
        let mount = self.mounts.iter().find(|(p, _)| {
            path.strip_prefix(p.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        });
        match (mount, &self.fallback) {
            (Some((_, endpoint)), _) => endpoint.call(req).await,
            (None, Some(fallback)) => fallback(req).await,
            (None, None) => {
                let mut r = Response::new(Full::new(Bytes::from_static(b"Not Found")));
                *r.status_mut() = StatusCode::NOT_FOUND;
                r
            }
        }
    }

    /// Live sessions over every mount.
    pub fn session_count(&self) -> usize {
        self.mounts.iter().map(|(_, e)| e.session_count()).sum()
    }

    /// Accepts connections until `shutdown` completes, then closes every session with
    /// `server shutting down`, lets open HTTP requests finish and returns once sessions
    /// are gone (or after a grace period of 5 s).
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        let (closing_tx, closing_rx) = watch::channel(false);
        let this = Arc::new(self);
        tokio::pin!(shutdown);
        if let Ok(addr) = listener.local_addr() {
            info!(%addr, "listening");
        }
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, then go on.
                        debug!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let this = this.clone();
            let mut closing = closing_rx.clone();
            tokio::spawn(async move {
                let service = service_fn(move |mut req: Request<Incoming>| {
                    let this = this.clone();
                    req.extensions_mut().insert(RemoteAddr(peer));
                    async move { Ok::<_, Infallible>(this.handle(req).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30))
                    .max_headers(100)
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades();
                tokio::pin!(conn);
                tokio::select! {
                    r = conn.as_mut() => { let _ = r; }
                    () = async { let _ = closing.wait_for(|c| *c).await; } => {
                        conn.as_mut().graceful_shutdown();
                        let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                    }
                }
            });
            // Let the new connection start before the next one is accepted: the runtime
            // runs the most recently spawned task first, which would serve two requests
            // that arrive together in the reverse order (a client's pending poll, then
            // its close, must be seen in that order).
            tokio::task::yield_now().await;
        }
        info!("shutting down");
        let _ = closing_tx.send(true);
        for (_, endpoint) in &this.mounts {
            endpoint.shutdown();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while this.session_count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// Binds `addr` and serves until Ctrl-C or SIGTERM.
    pub async fn bind_and_serve(self, addr: SocketAddr) -> std::io::Result<()> {
        let listener = TcpListener::bind(addr).await?;
        self.serve(listener, shutdown_signal()).await
    }
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
