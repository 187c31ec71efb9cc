//! The runtime behind the `socketio` crate.
//!
//! Layers, bottom up: [`engine`] (Engine.IO v4, sans-IO), [`transport`] (HTTP
//! long-polling and WebSocket over hyper and tokio-tungstenite), [`server`] (the hyper
//! service, standalone or mounted), [`protocol`] (Socket.IO v5 packets, sans-IO), then
//! the Socket.IO layer: [`io`] (the server and its options), [`namespace`] (handlers and
//! broadcasts), [`socket`] (one client in one namespace), [`adapter`] (rooms), and the
//! per-session [`client`].

pub mod adapter;
pub mod client;
pub mod engine;
pub mod io;
pub mod namespace;
pub mod protocol;
pub mod server;
pub mod socket;
pub mod transport;

/// The `http` crate, whose request and response types the server speaks.
pub use http;
