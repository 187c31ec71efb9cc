//! The rules that span several parts of the model: duplicate event names, and what each
//! kind of handler may receive and return. Rules about one token tree are checked while
//! parsing.

use std::collections::HashMap;

use super::model::{Handler, HandlerKind, Namespace, ParamKind, Return};
use crate::ctxt::Ctxt;

pub(crate) fn check(cx: &Ctxt, namespace: &Namespace) {
    duplicate_events(cx, namespace);
    if let Some(connect) = &namespace.connect {
        connect_shape(cx, connect);
    }
    if let Some(disconnect) = &namespace.disconnect {
        disconnect_shape(cx, disconnect);
    }
    for handler in &namespace.events {
        event_shape(cx, handler);
    }
    if let Some(fallback) = &namespace.fallback {
        event_shape(cx, fallback);
    }
}

fn duplicate_events(cx: &Ctxt, namespace: &Namespace) {
    let mut seen = HashMap::new();
    for handler in &namespace.events {
        let HandlerKind::On(name) = &handler.kind else {
            continue;
        };
        let value = name.value();
        match seen.get(&value) {
            None => {
                seen.insert(value, name);
            }
            Some(first) => {
                cx.error_spanned_by(
                    name,
                    format_args!(
                        "`{value}` already has a handler: an event has one handler, remove \
                         this `#[on]` or rename the event"
                    ),
                );
                cx.error_spanned_by(first, format_args!("`{value}` is first handled here"));
            }
        }
    }
}

/// Each injected parameter appears at most once.
fn no_repeats(cx: &Ctxt, handler: &Handler) {
    let mut seen: Vec<ParamKind> = Vec::new();
    for param in &handler.params {
        if matches!(param.kind, ParamKind::Data { .. }) {
            continue;
        }
        if seen.iter().any(|kind| kind.same_as(param.kind)) {
            cx.error_spanned_by(
                &param.ty,
                format_args!(
                    "`{}` already receives {}: a handler receives it once",
                    handler.method,
                    param.kind.describe(),
                ),
            );
        } else {
            seen.push(param.kind);
        }
    }
}

fn connect_shape(cx: &Ctxt, handler: &Handler) {
    no_repeats(cx, handler);
    let mut auth = false;
    for param in &handler.params {
        match param.kind {
            ParamKind::Socket { .. } => {}
            ParamKind::Data { .. } | ParamKind::RawAuth { .. } if !auth => auth = true,
            ParamKind::Data { .. } | ParamKind::RawAuth { .. } => cx.error_spanned_by(
                &param.ty,
                "`connect` receives one auth payload: gather its fields into one type that \
                 implements `serde::Deserialize`",
            ),
            other => cx.error_spanned_by(
                &param.ty,
                format_args!(
                    "`connect` cannot receive {}: it receives `&Socket` and the auth payload \
                     (a type that implements `serde::Deserialize`, such as `Option<Token>`)",
                    other.describe()
                ),
            ),
        }
    }
    if let Return::Value(ty) = &handler.ret {
        cx.error_spanned_by(
            ty,
            "`connect` returns `bool` (accept or reject), `Result<(), E>` (an `Err` reaches the \
             client as `connect_error`), or nothing (accept)",
        );
    }
}

fn disconnect_shape(cx: &Ctxt, handler: &Handler) {
    no_repeats(cx, handler);
    for param in &handler.params {
        if !matches!(param.kind, ParamKind::Socket { .. } | ParamKind::Reason) {
            let what = match param.kind {
                ParamKind::Data { .. } => "a payload".to_owned(),
                other => other.describe().to_owned(),
            };
            cx.error_spanned_by(
                &param.ty,
                format_args!(
                    "`disconnect` cannot receive {what}: it receives `&Socket` and \
                     `DisconnectReason`"
                ),
            );
        }
    }
    match &handler.ret {
        Return::Unit => {}
        Return::Bool(ty) | Return::Result(ty) | Return::Value(ty) => cx.error_spanned_by(
            ty,
            "`disconnect` returns nothing: the client is gone, nobody receives a value",
        ),
    }
}

fn event_shape(cx: &Ctxt, handler: &Handler) {
    no_repeats(cx, handler);
    let fallback = matches!(handler.kind, HandlerKind::Fallback);
    for param in &handler.params {
        match param.kind {
            ParamKind::Socket { .. } | ParamKind::Ack { .. } => {}
            ParamKind::RawEvent if fallback => {}
            ParamKind::Data { .. } if !fallback => {}
            ParamKind::RawEvent => cx.error_spanned_by(
                &param.ty,
                "the raw `IncomingEvent` goes to the `#[fallback]` handler only: declare typed \
                 payload parameters instead",
            ),
            ParamKind::Data { .. } => cx.error_spanned_by(
                &param.ty,
                "the `#[fallback]` handler receives events of any shape: take the raw \
                 `IncomingEvent` and read its arguments with `event.arg::<T>(i)`",
            ),
            ParamKind::Reason => {
                cx.error_spanned_by(&param.ty, "`DisconnectReason` goes to the `disconnect` hook only")
            }
            ParamKind::RawAuth { .. } => cx.error_spanned_by(
                &param.ty,
                "the `Auth` goes to the `connect` hook only; elsewhere read \
                 `socket.handshake().auth()`",
            ),
        }
    }

    let ack = handler.params.iter().position(|param| param.kind.is_ack());
    if let Some(position) = ack {
        let ack = &handler.params[position];
        if position + 1 != handler.params.len() {
            cx.error_spanned_by(
                &ack.ty,
                "`AckSender` is the last parameter, as the ack callback is the last argument on \
                 the client",
            );
        }
        if let Return::Bool(ty) | Return::Result(ty) | Return::Value(ty) = &handler.ret {
            cx.error_spanned_by(
                ty,
                "this handler both takes an `AckSender` and returns a value, and an event is \
                 acknowledged once: return `()`, or drop the `AckSender` and let the return \
                 value be the ack",
            );
        }
    }
}
