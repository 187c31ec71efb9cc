//! Support for the code that `#[namespace]` and `#[derive(Event)]` generate.
//!
//! Not public API: nothing here follows semver. Generated code reaches the runtime only
//! through this module, so the runtime can change without the macros noticing. It
//! re-exports the runtime's handler types and adds the few generic helpers the
//! generated dispatch calls: read an argument or answer with an error ack, turn a
//! handler's return value into an ack, turn `connect`'s return value into an accept or
//! a `connect_error`.

use std::fmt::Display;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use socketio_runtime::namespace::{BoxFuture, ConnectError, NamespaceHandler, NamespacePath};
pub use socketio_runtime::protocol::ArgError;
pub use socketio_runtime::socket::{AckSender, Auth, DisconnectReason, Event, IncomingEvent, Socket};

/// A type a handler parameter can be deserialized into.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an event payload: it does not implement `serde::Deserialize`",
    label = "payload parameters are deserialized from the event's arguments",
    note = "derive it: `#[derive(serde::Deserialize)]`",
    note = "handlers also receive `&Socket`, `AckSender`, and the raw `Event` in `#[fallback]`; \
            a parameter of any other type is a payload argument"
)]
pub trait Payload: DeserializeOwned {}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> Payload for T {}

/// A value a handler can return as its ack.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an ack: it does not implement `serde::Serialize`",
    label = "the value a handler returns is sent to the client as its ack",
    note = "derive it (`#[derive(serde::Serialize)]`), or return `()` to send no ack"
)]
pub trait AckValue: Serialize {}

#[diagnostic::do_not_recommend]
impl<T: Serialize> AckValue for T {}

/// The error of a handler's `Result`, sent as the ack `{"error": "<its Display>"}`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of a handler: it does not implement `Display`",
    label = "an `Err` is sent to the client as the ack `{{\"error\": \"<message>\"}}`",
    note = "implement `std::fmt::Display` for it (for example with `thiserror`)"
)]
pub trait AckError: Display {}

#[diagnostic::do_not_recommend]
impl<T: Display> AckError for T {}

/// The name the `match` of the generated `event` dispatches on.
pub fn event_name(event: &IncomingEvent) -> &str {
    event.name()
}

/// The ack the client asked for, if any.
pub fn take_ack(event: &mut IncomingEvent) -> Option<AckSender> {
    event.take_ack()
}

/// An event whose handler takes an `AckSender`, sent without an ack: logged, and the
/// handler is not called (a handler that may run without one takes
/// `Option<AckSender>`).
pub fn missing_ack(socket: &Socket, event: &IncomingEvent) {
    tracing::debug!(
        socket = %socket.id(),
        event = event.name(),
        "the handler takes an AckSender and the client asked for no ack, event ignored"
    );
}

/// Payload argument `index` as `T`.
pub fn arg<T: Payload>(event: &IncomingEvent, index: usize) -> Result<T, ArgError> {
    event.arg(index)
}

/// A payload that did not deserialize: the client gets `{"error": ".."}` if it asked
/// for an ack, otherwise a debug line is logged. The handler is not called.
pub fn reject(ack: impl Into<Option<AckSender>>, event: &IncomingEvent, error: ArgError) {
    match ack.into() {
        Some(ack) => {
            tracing::debug!(event = event.name(), %error, "invalid payload, sending an error ack");
            send(ack, (ErrorAck { error: &error.to_string() },));
        }
        None => tracing::debug!(event = event.name(), %error, "invalid payload, event ignored"),
    }
}

fn send(ack: AckSender, args: impl Serialize) {
    if let Err(error) = ack.send(args) {
        tracing::debug!(%error, "the ack could not be sent");
    }
}

#[derive(Serialize)]
struct ErrorAck<'a> {
    error: &'a str,
}

/// A handler's return value becomes its ack.
pub fn ack_value<T: AckValue>(ack: Option<AckSender>, value: T) {
    if let Some(ack) = ack {
        send(ack, (value,));
    }
}

/// A handler's `Result` becomes its ack: `Ok(v)` acks `v`, `Err(e)` acks
/// `{"error": e.to_string()}`.
pub fn ack_result<T: AckValue, E: AckError>(ack: Option<AckSender>, result: Result<T, E>) {
    match (result, ack) {
        (Ok(value), Some(ack)) => send(ack, (value,)),
        (Err(error), Some(ack)) => send(ack, (ErrorAck { error: &error.to_string() },)),
        (Ok(_), None) => {}
        (Err(error), None) => tracing::debug!(%error, "handler failed, no ack requested"),
    }
}

/// An event no `#[on]` handles, in a namespace without `#[fallback]`: ignored, as the
/// Node server does.
pub async fn unhandled(socket: &Socket, event: IncomingEvent) {
    tracing::debug!(socket = %socket.id(), event = event.name(), "no handler, event ignored");
}

/// A type `connect`'s auth parameter can be deserialized into.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the auth payload: it does not implement `serde::Deserialize`",
    label = "`connect` deserializes its auth parameter from the client's `auth` option",
    note = "derive it: `#[derive(serde::Deserialize)]`",
    note = "`connect` receives `&Socket` and one auth parameter; wrap it in `Option` when clients \
            may send no auth"
)]
pub trait AuthPayload: DeserializeOwned {}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> AuthPayload for T {}

/// The auth payload of `connect`, as `T`; refused with a `connect_error` when it does
/// not deserialize. A client that sent no auth reads as `null`, so `Option<T>` is
/// `None` (the raw `Auth` reads `{}`, as Node's `socket.handshake.auth`).
pub fn auth<T: AuthPayload>(auth: &Auth) -> Result<T, ConnectError> {
    let value = if auth.is_present() { auth.get() } else { serde_json::from_str("null") };
    value.map_err(|error| ConnectError::new(format!("invalid auth payload: {error}")))
}

/// What `connect` may return.
#[diagnostic::on_unimplemented(
    message = "`connect` cannot return `{Self}`",
    label = "`connect` returns `bool`, `Result<(), E>` or nothing",
    note = "return `bool` to accept or refuse, or `Result<(), E>` where `E: Into<ConnectError>` \
            to refuse with a message (and data) the client receives as `connect_error`",
    note = "`ConnectError` converts from `&str` and `String`; implement `From<E> for \
            ConnectError` for your own error type"
)]
pub trait ConnectOutcome {
    /// Accept (`Ok`) or refuse.
    fn into_result(self) -> Result<(), ConnectError>;
}

impl ConnectOutcome for () {
    fn into_result(self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl ConnectOutcome for bool {
    fn into_result(self) -> Result<(), ConnectError> {
        if self {
            Ok(())
        } else {
            Err(ConnectError::new("Connection rejected by server"))
        }
    }
}

#[diagnostic::do_not_recommend]
impl<E: Into<ConnectError>> ConnectOutcome for Result<(), E> {
    fn into_result(self) -> Result<(), ConnectError> {
        self.map_err(Into::into)
    }
}

/// `connect`'s return value as the runtime's result.
pub fn connect_outcome<R: ConnectOutcome>(outcome: R) -> Result<(), ConnectError> {
    outcome.into_result()
}
