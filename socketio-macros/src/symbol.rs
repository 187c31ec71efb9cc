//! The names of the attributes the macros read, and the event names Socket.IO reserves.

/// `#[on("event")]` on a handler method.
pub(crate) const ON: &str = "on";
/// `#[fallback]` on the handler of events no `#[on]` matches.
pub(crate) const FALLBACK: &str = "fallback";
/// `#[event("name")]` beside `#[derive(Event)]`.
pub(crate) const EVENT: &str = "event";

/// What `#[namespace]` leaves in the `#[on]`/`#[fallback]` it consumed.
pub(crate) const INSIDE_NAMESPACE: &str = "__socketio_inside_namespace";

/// The hook methods found by name.
pub(crate) const CONNECT: &str = "connect";
pub(crate) const DISCONNECT: &str = "disconnect";

/// Event names the Socket.IO clients reserve: the JS client refuses to emit them and
/// treats incoming ones as its own lifecycle events.
pub(crate) const RESERVED_EVENTS: &[&str] =
    &["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

/// Whether an attribute path is `name` or `socketio::name`.
pub(crate) fn is_attr(path: &syn::Path, name: &str) -> bool {
    if path.is_ident(name) {
        return true;
    }
    let segments: Vec<_> = path.segments.iter().collect();
    segments.len() == 2 && segments[0].ident == "socketio" && segments[1].ident == name
}
