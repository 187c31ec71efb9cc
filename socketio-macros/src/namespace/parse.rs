//! Parsing: the attribute's arguments and the impl block become a [`Namespace`] model.
//!
//! Checks that need only one token tree (the path string, an event name, one method's
//! signature, one parameter's type) run here; rules across several handlers are in
//! `check.rs`. Every problem goes to the [`Ctxt`]; parsing goes on after an error so a
//! build reports all of them.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    Attribute, FnArg, GenericParam, ImplItem, ImplItemFn, Item, ItemImpl, Lit, LitStr, Meta, Path,
    ReturnType, Token, Type, TypePath,
};

use super::model::{Handler, HandlerKind, Namespace, Param, ParamKind, Return};
use crate::ctxt::Ctxt;
use crate::symbol;

/// The arguments of `#[namespace(..)]`.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) path: Option<LitStr>,
    pub(crate) krate: Option<Path>,
}

/// Parses `"/chat"` and `crate = path`. A syntax error is reported and yields `None`.
pub(crate) fn args(cx: &Ctxt, attr: TokenStream) -> Option<Args> {
    let parser = |input: ParseStream| parse_args(cx, input);
    match parser.parse2(attr) {
        Ok(args) => {
            if let Some(path) = &args.path {
                super::path::check(cx, path);
            }
            Some(args)
        }
        Err(error) => {
            cx.syn_error(error);
            None
        }
    }
}

fn parse_args(cx: &Ctxt, input: ParseStream) -> syn::Result<Args> {
    let mut args = Args::default();
    if input.is_empty() {
        cx.error_at(
            Span::call_site(),
            "missing namespace path: write `#[namespace(\"/chat\")]` (the main namespace is `\"/\"`)",
        );
        return Ok(args);
    }
    while !input.is_empty() {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            if args.path.is_some() {
                cx.error_spanned_by(&lit, "the namespace path is given twice");
            } else {
                args.path = Some(lit);
            }
        } else if lookahead.peek(Token![crate]) {
            let kw: Token![crate] = input.parse()?;
            input.parse::<Token![=]>()?;
            let path = input.call(Path::parse_mod_style)?;
            if args.krate.is_some() {
                cx.error_spanned_by(kw, "`crate` is given twice");
            } else {
                args.krate = Some(path);
            }
        } else if input.peek(Lit) {
            let lit: Lit = input.parse()?;
            cx.error_spanned_by(lit, "the namespace path is a string literal: `#[namespace(\"/chat\")]`");
        } else if input.peek(syn::Ident) && input.peek2(Token![=]) {
            let key: syn::Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            input.parse::<syn::Expr>()?;
            cx.error_spanned_by(
                &key,
                format_args!(
                    "unknown argument `{key}`: `#[namespace]` takes the path and optionally \
                     `crate = path`"
                ),
            );
        } else if input.peek(syn::Ident) {
            let ident: syn::Ident = input.parse()?;
            cx.error_spanned_by(
                &ident,
                format_args!("the namespace path is a string literal: `#[namespace(\"/{ident}\")]`"),
            );
        } else {
            return Err(lookahead.error());
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    if args.path.is_none() {
        // Any error about the argument itself is enough; report the missing path only
        // when nothing else was said.
        if args.krate.is_some() {
            cx.error_at(
                Span::call_site(),
                "missing namespace path: write `#[namespace(\"/chat\", crate = ..)]`",
            );
        }
    }
    Ok(args)
}

/// Whether the impl block under `#[namespace]` is an inherent one.
pub(crate) fn item(cx: &Ctxt, item: &ItemImpl) -> bool {
    if let Some((_, trait_path, _)) = &item.trait_ {
        cx.error_spanned_by(
            trait_path,
            "`#[namespace]` goes on an inherent impl block (`impl Chat { .. }`), not on a trait \
             impl",
        );
        return false;
    }
    true
}

/// The error for an item that is not an impl block.
pub(crate) fn not_impl(cx: &Ctxt, item: &Item) {
    match item {
        Item::Struct(item) => cx.error_at(
            item.struct_token.span,
            format_args!(
                "`#[namespace]` goes on the struct's impl block: `#[namespace(\"/path\")] impl \
                 {} {{ .. }}`",
                item.ident
            ),
        ),
        _ => cx.error_at(
            Span::call_site(),
            "`#[namespace]` goes on an impl block: `#[namespace(\"/chat\")] impl Chat { .. }`",
        ),
    }
}

/// Marks `#[on]` and `#[fallback]` as consumed in an impl block that is not used.
pub(crate) fn strip_attrs(item: &mut ItemImpl) {
    for item in &mut item.items {
        if let ImplItem::Fn(method) = item {
            for attr in &mut method.attrs {
                if is_ours(attr) {
                    consume(attr);
                }
            }
        }
    }
}

fn is_ours(attr: &Attribute) -> bool {
    symbol::is_attr(attr.path(), symbol::ON) || symbol::is_attr(attr.path(), symbol::FALLBACK)
}

/// Turns `#[on("x")]` into `#[on(__socketio_inside_namespace)]`. The attribute stays on
/// the method under the path the user wrote, so the user's `use socketio::on` is used
/// and rust-analyzer can show its docs; as a macro it then returns the method unchanged
/// (see `stray.rs`), where a `#[on]` outside a namespace is an error.
fn consume(attr: &mut Attribute) {
    let path = attr.path().clone();
    let marker = syn::Ident::new(symbol::INSIDE_NAMESPACE, path.span());
    attr.meta = syn::parse_quote_spanned!(path.span()=> #path(#marker));
}

/// Builds the model from the impl block, and marks its `#[on]` and `#[fallback]` as
/// consumed so the block can be emitted as the user wrote it.
pub(crate) fn namespace(cx: &Ctxt, args: Option<Args>, item: &mut ItemImpl) -> Option<Namespace> {
    for param in &item.generics.params {
        if let GenericParam::Lifetime(lifetime) = param {
            cx.error_spanned_by(
                lifetime,
                "a namespace lives as long as the server: `#[namespace]` does not support \
                 lifetime parameters",
            );
        }
    }

    let mut connect = None;
    let mut disconnect = None;
    let mut events = Vec::new();
    let mut fallbacks = Vec::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            strip_stray_attrs(cx, impl_item);
            continue;
        };
        let Some(role) = role(cx, method) else {
            continue;
        };
        let Some(handler) = handler(cx, method, role) else {
            continue;
        };
        match &handler.kind {
            HandlerKind::Connect => connect = Some(handler),
            HandlerKind::Disconnect => disconnect = Some(handler),
            HandlerKind::On(_) => events.push(handler),
            HandlerKind::Fallback => fallbacks.push(handler),
        }
    }
    let mut fallbacks = fallbacks.into_iter();
    let fallback = fallbacks.next();
    if let Some(first) = &fallback {
        for other in fallbacks {
            cx.error_spanned_by(
                &other.method,
                "a namespace has one `#[fallback]` handler: remove this one or the other",
            );
            cx.error_spanned_by(&first.method, "the first `#[fallback]` handler is here");
        }
    }

    let args = args?;
    Some(Namespace {
        path: args.path?,
        krate: args.krate,
        self_ty: (*item.self_ty).clone(),
        generics: item.generics.clone(),
        connect,
        disconnect,
        events,
        fallback,
    })
}

/// Removes `#[on]`/`#[fallback]` from an item that cannot carry them, with an error.
fn strip_stray_attrs(cx: &Ctxt, item: &mut ImplItem) {
    let attrs = match item {
        ImplItem::Const(item) => &mut item.attrs,
        ImplItem::Type(item) => &mut item.attrs,
        ImplItem::Macro(item) => &mut item.attrs,
        _ => return,
    };
    for attr in attrs {
        if is_ours(attr) {
            cx.error_spanned_by(&*attr, "handler attributes go on `async fn` methods");
            consume(attr);
        }
    }
}

enum Role {
    Connect,
    Disconnect,
    On(LitStr),
    Fallback,
    /// A handler whose attribute is wrong: its signature is still checked.
    Invalid,
}

/// What the method is, from its attributes and its name; `None` for a plain method.
fn role(cx: &Ctxt, method: &mut ImplItemFn) -> Option<Role> {
    let mut ons: Vec<Attribute> = Vec::new();
    let mut fallbacks: Vec<Attribute> = Vec::new();
    for attr in &mut method.attrs {
        if symbol::is_attr(attr.path(), symbol::ON) {
            ons.push(attr.clone());
            consume(attr);
        } else if symbol::is_attr(attr.path(), symbol::FALLBACK) {
            fallbacks.push(attr.clone());
            consume(attr);
        }
    }

    let name = method.sig.ident.to_string();
    let hook = match name.as_str() {
        symbol::CONNECT => Some(Role::Connect),
        symbol::DISCONNECT => Some(Role::Disconnect),
        _ => None,
    };
    if let Some(hook) = hook {
        for attr in ons.iter().chain(&fallbacks) {
            cx.error_spanned_by(
                attr,
                format_args!(
                    "a method named `{name}` is the {name} hook, found by its name: remove this \
                     attribute, or rename the method to handle an event"
                ),
            );
        }
        return Some(hook);
    }

    for extra in ons.iter().skip(1) {
        cx.error_spanned_by(
            extra,
            "a method handles one event: remove the second `#[on]`, or write a second method",
        );
    }
    if let (Some(_), Some(fallback)) = (ons.first(), fallbacks.first()) {
        cx.error_spanned_by(
            fallback,
            "a method is either an `#[on(..)]` handler or the `#[fallback]`, not both",
        );
        return Some(Role::Invalid);
    }
    for extra in fallbacks.iter().skip(1) {
        cx.error_spanned_by(extra, "`#[fallback]` is given twice");
    }
    if let Some(fallback) = fallbacks.first() {
        if !matches!(fallback.meta, Meta::Path(_)) {
            cx.error_spanned_by(
                &fallback.meta,
                "`#[fallback]` takes no arguments: it receives every event no `#[on]` handles",
            );
        }
        return Some(Role::Fallback);
    }
    let on = ons.first()?;
    Some(event_name(cx, on, &method.sig.ident).map_or(Role::Invalid, Role::On))
}

/// The name in `#[on("name")]`, checked.
fn event_name(cx: &Ctxt, attr: &Attribute, method: &syn::Ident) -> Option<LitStr> {
    let hint = format!("`#[on(\"{method}\")]`");
    let list = match &attr.meta {
        Meta::List(list) => list,
        Meta::Path(_) => {
            cx.error_spanned_by(attr, format_args!("`#[on]` needs the event's name: {hint}"));
            return None;
        }
        Meta::NameValue(nv) => {
            cx.error_spanned_by(
                nv,
                format_args!(
                    "write the event's name in parentheses: `#[on({})]`",
                    nv.value.to_token_stream()
                ),
            );
            return None;
        }
    };
    if list.tokens.is_empty() {
        cx.error_spanned_by(attr, format_args!("`#[on]` needs the event's name: {hint}"));
        return None;
    }
    let name = match syn::parse2::<Lit>(list.tokens.clone()) {
        Ok(Lit::Str(name)) => name,
        Ok(other) => {
            cx.error_spanned_by(other, format_args!("event names are string literals: {hint}"));
            return None;
        }
        Err(_) => {
            let message = match syn::parse2::<syn::Ident>(list.tokens.clone()) {
                Ok(ident) => format!("event names are string literals: `#[on(\"{ident}\")]`"),
                Err(_) => format!("`#[on]` takes one event name: {hint}"),
            };
            cx.error_spanned_by(&list.tokens, message);
            return None;
        }
    };
    let value = name.value();
    if value.is_empty() {
        cx.error_spanned_by(&name, format_args!("empty event name: {hint}"));
        return None;
    }
    if symbol::RESERVED_EVENTS.contains(&value.as_str()) {
        let fix = match value.as_str() {
            "connect" => "to run code when a socket connects, write `async fn connect(&self, ..)`",
            "disconnect" | "disconnecting" => {
                "to run code when a socket disconnects, write `async fn disconnect(&self, ..)`"
            }
            _ => "choose another name",
        };
        cx.error_spanned_by(
            &name,
            format_args!("`{value}` is an event name reserved by Socket.IO, clients never send it: {fix}"),
        );
        return None;
    }
    Some(name)
}

/// The handler, with its signature checked; `None` for a handler whose attribute was
/// wrong.
fn handler(cx: &Ctxt, method: &ImplItemFn, role: Role) -> Option<Handler> {
    let sig = &method.sig;
    let what = match &role {
        Role::Connect => "the `connect` hook",
        Role::Disconnect => "the `disconnect` hook",
        Role::On(_) | Role::Fallback | Role::Invalid => "an event handler",
    };

    if let Some(token) = &sig.constness {
        cx.error_spanned_by(token, format_args!("{what} cannot be `const`"));
    }
    if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            format_args!("{what} must be `async`: write `async fn {}`", sig.ident),
        );
    }
    if let Some(token) = &sig.unsafety {
        cx.error_spanned_by(token, format_args!("{what} cannot be `unsafe`"));
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, format_args!("{what} cannot declare an ABI"));
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics.params,
            format_args!("{what} cannot be generic: its parameters' types decide what it receives"),
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(where_clause, format_args!("{what} cannot have a where clause"));
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, format_args!("{what} cannot be variadic"));
    }

    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(FnArg::Receiver(receiver)) => {
            if receiver.reference.is_none() || receiver.mutability.is_some() || receiver.colon_token.is_some()
            {
                cx.error_spanned_by(
                    receiver,
                    format_args!(
                        "{what} takes `&self`: every socket of the namespace shares it (keep \
                         mutable state behind a `Mutex` or an atomic)"
                    ),
                );
            }
        }
        _ => {
            cx.error_spanned_by(
                &sig.ident,
                format_args!("{what} takes `&self` first: write `async fn {}(&self, ..)`", sig.ident),
            );
        }
    }
    // The receiver error above covers a first parameter that is not `self`; classify
    // the others, and the first one too when it is not a receiver.
    let mut params = Vec::new();
    let mut data = 0;
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        let Some(mut kind) = classify(cx, &typed.ty) else {
            continue;
        };
        if let ParamKind::Data { index } = &mut kind {
            *index = data;
            data += 1;
        }
        params.push(Param { kind, span: type_name_span(&typed.ty), ty: (*typed.ty).clone() });
    }

    let kind = match role {
        Role::Connect => HandlerKind::Connect,
        Role::Disconnect => HandlerKind::Disconnect,
        Role::On(name) => HandlerKind::On(name),
        Role::Fallback => HandlerKind::Fallback,
        Role::Invalid => return None,
    };
    Some(Handler { kind, method: sig.ident.clone(), params, ret: return_kind(&sig.output) })
}

/// Decides what a parameter receives from the way its type is written. `None` after an
/// error.
fn classify(cx: &Ctxt, ty: &Type) -> Option<ParamKind> {
    match ty {
        Type::Paren(inner) => classify(cx, &inner.elem),
        Type::Group(inner) => classify(cx, &inner.elem),
        Type::Reference(reference) => {
            if runtime_type(&reference.elem, "Socket") {
                if reference.mutability.is_some() {
                    cx.error_spanned_by(
                        ty,
                        "take the socket as `&Socket`: handlers share it, they cannot borrow it \
                         mutably",
                    );
                    return None;
                }
                return Some(ParamKind::Socket { owned: false });
            }
            if runtime_type(&reference.elem, "Auth") && reference.mutability.is_none() {
                return Some(ParamKind::RawAuth { owned: false });
            }
            if runtime_type(&reference.elem, "State") {
                cx.error_spanned_by(ty, STATE_HINT);
                return None;
            }
            let owned = match &*reference.elem {
                Type::Path(path) if path.path.is_ident("str") => "String".to_owned(),
                Type::Slice(slice) => format!("Vec<{}>", pretty(&slice.elem)),
                other => pretty(other),
            };
            cx.error_spanned_by(
                ty,
                format_args!(
                    "payload arguments are deserialized into owned values: take `{owned}` \
                     instead of `{}`",
                    pretty(ty)
                ),
            );
            None
        }
        Type::Path(path) => {
            if runtime_type(ty, "Socket") {
                Some(ParamKind::Socket { owned: true })
            } else if runtime_type(ty, "State") {
                cx.error_spanned_by(ty, STATE_HINT);
                None
            } else if runtime_type(ty, "AckSender") {
                Some(ParamKind::Ack { optional: false })
            } else if option_of(path, "AckSender") {
                Some(ParamKind::Ack { optional: true })
            } else if runtime_type(ty, "Auth") {
                Some(ParamKind::RawAuth { owned: true })
            } else if runtime_type(ty, "IncomingEvent") {
                Some(ParamKind::RawEvent)
            } else if runtime_type(ty, "DisconnectReason") {
                Some(ParamKind::Reason)
            } else {
                Some(ParamKind::Data { index: 0 })
            }
        }
        Type::ImplTrait(_) => {
            cx.error_spanned_by(ty, "`impl Trait` cannot be a handler parameter: name the payload's type");
            None
        }
        Type::Infer(_) => {
            cx.error_spanned_by(ty, "write the parameter's type: it decides what the handler receives");
            None
        }
        Type::TraitObject(_) | Type::Ptr(_) | Type::Never(_) | Type::BareFn(_) | Type::Slice(_) => {
            cx.error_spanned_by(
                ty,
                format_args!("`{}` cannot be a handler parameter: {PARAM_HINT}", pretty(ty)),
            );
            None
        }
        _ => Some(ParamKind::Data { index: 0 }),
    }
}

const STATE_HINT: &str = "shared state lives in the namespace itself: add a field (for example \
                          `state: Arc<AppState>`) and read it through `&self`";

const PARAM_HINT: &str = "handlers receive `&Socket`, `AckSender`, and payload \
                                     arguments of types that implement `serde::Deserialize` \
                                     (binary attachments are `Binary` payloads)";

/// Whether `path` is `Option<name>` (or `std::option::Option<name>`, ..) with `name` a
/// runtime type.
fn option_of(path: &TypePath, name: &str) -> bool {
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if path.qself.is_some() || last.ident != "Option" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(inner)) if args.args.len() == 1 => runtime_type(inner, name),
        _ => false,
    }
}

/// Whether `ty` names the runtime type `name`: written `Name` (imported) or
/// `socketio::..::Name`. A path through another module (`model::Event`) names a user type.
fn runtime_type(ty: &Type, name: &str) -> bool {
    let Type::Path(TypePath { qself: None, path }) = ty else {
        return false;
    };
    let Some(last) = path.segments.last() else {
        return false;
    };
    if last.ident != name {
        return false;
    }
    path.segments.len() == 1 && path.leading_colon.is_none()
        || path.segments.first().is_some_and(|first| first.ident == "socketio")
}

fn return_kind(output: &ReturnType) -> Return {
    let ty = match output {
        ReturnType::Default => return Return::Unit,
        ReturnType::Type(_, ty) => &**ty,
    };
    match ty {
        Type::Tuple(tuple) if tuple.elems.is_empty() => Return::Unit,
        Type::Path(TypePath { qself: None, path }) if path.is_ident("bool") => Return::Bool(ty.clone()),
        Type::Path(TypePath { qself: None, path })
            if path.segments.last().is_some_and(|last| last.ident == "Result") =>
        {
            Return::Result(ty.clone())
        }
        _ => Return::Value(ty.clone()),
    }
}

/// A type as a user would write it, for messages: `Vec<u8>` rather than `Vec < u8 >`.
fn pretty(ty: &Type) -> String {
    let mut out = ty.to_token_stream().to_string();
    for (from, to) in
        [(" <", "<"), ("< ", "<"), (" >", ">"), (" :: ", "::"), (":: ", "::"), ("& ", "&"), (" ,", ",")]
    {
        out = out.replace(from, to);
    }
    out
}

/// The span of the name in a type: `Socket` in `&Socket`, `Option` in `Option<Token>`.
fn type_name_span(ty: &Type) -> Span {
    match ty {
        Type::Reference(reference) => type_name_span(&reference.elem),
        Type::Paren(inner) => type_name_span(&inner.elem),
        Type::Group(inner) => type_name_span(&inner.elem),
        Type::Path(path) => path.path.segments.last().map_or_else(|| ty.span(), |last| last.ident.span()),
        _ => ty.span(),
    }
}
