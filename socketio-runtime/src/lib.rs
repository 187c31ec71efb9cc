//! The runtime behind the `socketio` crate.
//!
//! Layers, bottom up: [`engine`] (Engine.IO v4, sans-IO), [`transport`] (HTTP
//! long-polling and WebSocket over hyper and tokio-tungstenite), [`server`] (the hyper
//! service, standalone or mounted), [`protocol`] (Socket.IO v5 packets, sans-IO).

pub mod engine;
pub mod protocol;
pub mod server;
pub mod transport;
