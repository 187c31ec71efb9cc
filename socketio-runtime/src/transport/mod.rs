//! The IO glue: each Engine.IO session runs as one task (`connection`) that owns its
//! sans-IO [`crate::engine::session::Session`], its WebSocket (if any), its outbound queue
//! and its pending poll. HTTP requests reach it as messages: a polling GET or POST, or a
//! WebSocket that asks to take the session over.

pub(crate) mod connection;
pub(crate) mod registry;
pub(crate) mod websocket;
