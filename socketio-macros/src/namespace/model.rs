//! The checked model of a `#[namespace]` impl block. `parse.rs` builds it, `check.rs`
//! validates it, and `expand.rs` turns it into tokens without looking at raw syn again.

use proc_macro2::Span;
use syn::{Generics, Ident, LitStr, Path, Type};

pub(crate) struct Namespace {
    /// The namespace path, e.g. `"/chat"`.
    pub(crate) path: LitStr,
    /// `crate = ..`: where the facade lives, `::socketio` by default.
    pub(crate) krate: Option<Path>,
    pub(crate) self_ty: Type,
    pub(crate) generics: Generics,
    /// `async fn connect(..)`, found by name.
    pub(crate) connect: Option<Handler>,
    /// `async fn disconnect(..)`, found by name.
    pub(crate) disconnect: Option<Handler>,
    /// Every `#[on("..")]` method, in source order.
    pub(crate) events: Vec<Handler>,
    /// The `#[fallback]` method.
    pub(crate) fallback: Option<Handler>,
}

pub(crate) struct Handler {
    pub(crate) kind: HandlerKind,
    /// The method's name.
    pub(crate) method: Ident,
    pub(crate) params: Vec<Param>,
    pub(crate) ret: Return,
}

pub(crate) enum HandlerKind {
    Connect,
    Disconnect,
    /// `#[on("name")]`.
    On(LitStr),
    Fallback,
}

pub(crate) struct Param {
    pub(crate) kind: ParamKind,
    /// The parameter's type as the user wrote it.
    pub(crate) ty: Type,
    /// Where errors about the parameter land: the type's name (`Socket` in `&Socket`).
    pub(crate) span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// `&Socket`, or `Socket` (a clone of the cheap handle).
    Socket { owned: bool },
    /// `AckSender`: the handler runs only when the client asked for an ack.
    /// `Option<AckSender>`: it always runs.
    Ack { optional: bool },
    /// `&Auth`, or `Auth` (a clone): the raw auth object (in `connect` only).
    RawAuth { owned: bool },
    /// `IncomingEvent`: the whole raw event (in `#[fallback]` only).
    RawEvent,
    /// `DisconnectReason` (in `disconnect` only).
    Reason,
    /// Any other type: a positional payload argument deserialized with serde. Its
    /// position among the payload parameters is its index in the event's arguments; in
    /// `connect` it is the auth payload.
    Data { index: usize },
}

impl ParamKind {
    /// How the parameter is called in messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            ParamKind::Socket { .. } => "the socket",
            ParamKind::Ack { .. } => "an `AckSender`",
            ParamKind::RawAuth { .. } => "the `Auth`",
            ParamKind::RawEvent => "the raw `IncomingEvent`",
            ParamKind::Reason => "the `DisconnectReason`",
            ParamKind::Data { .. } => "a payload",
        }
    }

    /// Whether two parameters receive the same thing (`&Socket` and `Socket` do).
    pub(crate) fn same_as(self, other: ParamKind) -> bool {
        std::mem::discriminant(&self) == std::mem::discriminant(&other)
    }

    pub(crate) fn is_socket(self) -> bool {
        matches!(self, ParamKind::Socket { .. })
    }

    pub(crate) fn is_ack(self) -> bool {
        matches!(self, ParamKind::Ack { .. })
    }
}

pub(crate) enum Return {
    /// No return type, or `()`: no ack.
    Unit,
    /// `bool` (in `connect` only): accept or reject.
    Bool(Type),
    /// `Result<T, E>`, or an alias whose last segment is `Result`.
    Result(Type),
    /// Anything else: a value serialized into the ack.
    Value(Type),
}

impl Handler {
    pub(crate) fn data_params(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| matches!(p.kind, ParamKind::Data { .. }))
    }
}
