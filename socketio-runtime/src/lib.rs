//! The runtime behind the `socketio` crate.
//!
//! Layers, bottom up: [`engine`] (Engine.IO v4, sans-IO), [`transport`] (HTTP
//! long-polling and WebSocket over hyper and tokio-tungstenite), [`server`] (the hyper
//! service, standalone or mounted).

pub mod engine;
pub mod server;
pub mod transport;
