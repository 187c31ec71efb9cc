//! Proc-macros of the `socketio` crate.
