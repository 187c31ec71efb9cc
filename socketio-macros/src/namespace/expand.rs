//! Code generation from the checked model.
//!
//! For `#[namespace("/chat")] impl Chat { .. }` this emits, next to the impl block:
//!
//! ```text
//! const _: () = {
//!     impl NamespaceHandler for Chat {
//!         fn connect(..)    { Box::pin(async move { /* auth, then self.connect(..) */ }) }
//!         fn event(..)      { match event_name(&event) { "chat_message" => Box::pin(__socketio_on_chat_message(self, socket, event)), _ => .. } }
//!         fn disconnect(..) { Box::pin(async move { self.disconnect(..).await }) }
//!     }
//!     impl NamespacePath for Chat { const PATH: &'static str = "/chat"; }
//!
//!     async fn __socketio_on_chat_message(this: &Chat, socket: &Socket, mut event: Event) {
//!         /* take the ack, deserialize each argument, call the method, ack its reply */
//!     }
//! };
//! ```
//!
//! Everything is named through [`Paths`]. Generated locals have mixed-site hygiene;
//! code about a user's parameter or return type is located at that type, so that a type
//! error lands on the user's signature.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::Ident;

use super::model::{Handler, HandlerKind, Namespace, ParamKind, Return};
use crate::paths::{respan, Paths};

pub(crate) fn expand(namespace: &Namespace) -> TokenStream {
    let paths = Paths::new(namespace.krate.as_ref());
    let cx = Cx { p: &paths, namespace };
    let self_ty = &namespace.self_ty;
    let (impl_generics, _, where_clause) = namespace.generics.split_for_impl();
    let handler_trait = paths.private("NamespaceHandler");
    let path_trait = paths.private("NamespacePath");
    let str = paths.str();
    let path = &namespace.path;
    let connect = cx.connect();
    let event = cx.event();
    let disconnect = cx.disconnect();
    let helpers = namespace.events.iter().chain(&namespace.fallback).map(|handler| cx.helper(handler));

    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #handler_trait for #self_ty #where_clause {
                #connect
                #event
                #disconnect
            }

            #[automatically_derived]
            impl #impl_generics #path_trait for #self_ty #where_clause {
                const PATH: &'static #str = #path;
            }

            #(#helpers)*
        };
    }
}

struct Cx<'a> {
    p: &'a Paths,
    namespace: &'a Namespace,
}

/// A generated local: mixed-site hygiene, so it can neither see nor shadow user names.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The same local, located at `at` (a user's type) so that errors about it point there.
fn local_at(name: &str, at: Span) -> Ident {
    Ident::new(name, Span::mixed_site().located_at(at))
}

impl Cx<'_> {
    fn lifetime(&self) -> syn::Lifetime {
        syn::Lifetime::new("'a", Span::mixed_site())
    }

    /// `fn connect(&'a self, socket: &'a Socket, auth: &'a Auth)
    ///     -> BoxFuture<'a, Result<(), ConnectError>>`.
    fn connect(&self) -> TokenStream {
        let p = self.p;
        let a = self.lifetime();
        let (socket, auth) = (local("socket"), local("auth"));
        let (socket_ty, auth_ty) = (p.private("Socket"), p.private("Auth"));
        let (box_future, box_pin) = (p.private("BoxFuture"), p.box_pin());
        let (result, connect_error, ok) = (p.result(), p.private("ConnectError"), p.ok());

        let body = match &self.namespace.connect {
            None => quote! {
                let _ = (#socket, #auth);
                #ok(())
            },
            Some(handler) => {
                let method = &handler.method;
                let mut steps = TokenStream::new();
                let mut args = Vec::new();
                for param in &handler.params {
                    if let ParamKind::Socket { owned } = param.kind {
                        args.push(socket_arg(param.span, owned));
                        continue;
                    }
                    if let ParamKind::RawAuth { owned } = param.kind {
                        args.push(cloned_if("auth", param.span, owned));
                        continue;
                    }
                    // The auth payload: check.rs allows nothing else.
                    let ty = &param.ty;
                    let (value, auth) = (local_at("payload", param.span), local("auth"));
                    let decode = respan(p.private("auth"), param.span);
                    steps.extend(quote_spanned! {param.span=>
                        let #value = #decode::<#ty>(#auth)?;
                    });
                    args.push(quote!(#value));
                }
                if !handler.params.iter().any(|p| p.kind.is_socket()) {
                    steps.extend(quote!(let _ = #socket;));
                }
                if handler.params.iter().all(|p| p.kind.is_socket()) {
                    steps.extend(quote!(let _ = #auth;));
                }
                let call = quote!(self.#method(#(#args),*).await);
                match &handler.ret {
                    Return::Unit => quote! {
                        #steps
                        #call;
                        #ok(())
                    },
                    Return::Bool(ty) | Return::Result(ty) | Return::Value(ty) => {
                        let at = first_span(ty);
                        let outcome = respan(p.private("connect_outcome"), at);
                        let reply = local_at("reply", at);
                        quote! {
                            #steps
                            let #reply = #call;
                            #outcome(#reply)
                        }
                    }
                }
            }
        };
        quote! {
            fn connect<#a>(
                &#a self,
                #socket: &#a #socket_ty,
                #auth: &#a #auth_ty,
            ) -> #box_future<#a, #result<(), #connect_error>> {
                #box_pin(async move {
                    #body
                })
            }
        }
    }

    /// `fn event(&'a self, socket: &'a Socket, event: Event) -> BoxFuture<'a, ()>`: the
    /// one `match` on the event's name.
    fn event(&self) -> TokenStream {
        let p = self.p;
        let a = self.lifetime();
        let (socket, event) = (local("socket"), local("event"));
        let (socket_ty, event_ty) = (p.private("Socket"), p.private("IncomingEvent"));
        let box_future = p.private("BoxFuture");
        let arms = self.namespace.events.iter().map(|handler| {
            let HandlerKind::On(name) = &handler.kind else {
                unreachable!("`events` holds the #[on] handlers")
            };
            let call = self.call_helper(handler);
            quote!(#name => #call,)
        });
        let otherwise = match &self.namespace.fallback {
            Some(handler) => self.call_helper(handler),
            None => {
                let (box_pin, unhandled) = (p.box_pin(), p.private("unhandled"));
                quote!(#box_pin(#unhandled(#socket, #event)))
            }
        };
        let name = p.private("event_name");
        quote! {
            fn event<#a>(
                &#a self,
                #socket: &#a #socket_ty,
                #event: #event_ty,
            ) -> #box_future<#a, ()> {
                match #name(&#event) {
                    #(#arms)*
                    _ => #otherwise,
                }
            }
        }
    }

    /// `Box::pin(__socketio_on_x(self, socket, event))`, located at the method's name: a
    /// handler whose future is not `Send` is reported there.
    fn call_helper(&self, handler: &Handler) -> TokenStream {
        let at = handler.method.span();
        let box_pin = respan(self.p.box_pin(), at);
        let helper = helper_name(handler);
        let turbofish = respan(self.turbofish(), at);
        let (socket, event) = (local_at("socket", at), local_at("event", at));
        quote_spanned! {at=>
            #box_pin(#helper #turbofish(self, #socket, #event))
        }
    }

    /// `fn disconnect(&'a self, socket: &'a Socket, reason: DisconnectReason)
    ///     -> BoxFuture<'a, ()>`.
    fn disconnect(&self) -> TokenStream {
        let p = self.p;
        let a = self.lifetime();
        let (socket, reason) = (local("socket"), local("reason"));
        let (socket_ty, reason_ty) = (p.private("Socket"), p.private("DisconnectReason"));
        let (box_future, box_pin) = (p.private("BoxFuture"), p.box_pin());
        let body = match &self.namespace.disconnect {
            None => quote!(let _ = (#socket, #reason);),
            Some(handler) => {
                let method = &handler.method;
                let mut unused = Vec::new();
                if !handler.params.iter().any(|param| param.kind.is_socket()) {
                    unused.push(&socket);
                }
                if !handler.params.iter().any(|param| param.kind == ParamKind::Reason) {
                    unused.push(&reason);
                }
                let args = handler.params.iter().map(|param| match param.kind {
                    ParamKind::Socket { owned } => socket_arg(param.span, owned),
                    _ => local_at("reason", param.span).into_token_stream(),
                });
                quote! {
                    #(let _ = #unused;)*
                    self.#method(#(#args),*).await;
                }
            }
        };
        quote! {
            fn disconnect<#a>(
                &#a self,
                #socket: &#a #socket_ty,
                #reason: #reason_ty,
            ) -> #box_future<#a, ()> {
                #box_pin(async move {
                    #body
                })
            }
        }
    }

    /// `::<T, N>` for the helpers of a generic namespace.
    fn turbofish(&self) -> TokenStream {
        let (_, ty_generics, _) = self.namespace.generics.split_for_impl();
        let turbofish = ty_generics.as_turbofish();
        quote!(#turbofish)
    }

    /// `async fn __socketio_on_<method>(this: &Chat, socket: &Socket, mut event: Event)`:
    /// takes the ack, deserializes each argument, calls the method, acks its reply.
    fn helper(&self, handler: &Handler) -> TokenStream {
        let p = self.p;
        let self_ty = &self.namespace.self_ty;
        let (impl_generics, _, where_clause) = self.namespace.generics.split_for_impl();
        let name = helper_name(handler);
        let (this, socket, event, ack) = (local("this"), local("socket"), local("event"), local("ack"));
        let (socket_ty, event_ty) = (p.private("Socket"), p.private("IncomingEvent"));
        let (ok, err) = (p.ok(), p.err());
        let method = &handler.method;
        let has_socket = handler.params.iter().any(|param| param.kind.is_socket());
        let has_event = handler.params.iter().any(|p| p.kind == ParamKind::RawEvent);
        let ack_param = handler.params.iter().find_map(|param| match param.kind {
            ParamKind::Ack { optional } => Some(optional),
            _ => None,
        });
        let has_data = handler.data_params().next().is_some();
        let takes_ack = has_data || ack_param.is_some() || !matches!(handler.ret, Return::Unit);

        let mut steps = TokenStream::new();
        if takes_ack {
            let take_ack = p.private("take_ack");
            steps.extend(match ack_param {
                // A handler that takes an `AckSender` runs only when there is one.
                Some(false) => {
                    let (some, missing) = (quote!(::core::option::Option::Some), p.private("missing_ack"));
                    quote! {
                        let #ack = match #take_ack(&mut #event) {
                            #some(#ack) => #ack,
                            _ => return #missing(#socket, &#event),
                        };
                    }
                }
                _ => quote!(let #ack = #take_ack(&mut #event);),
            });
        }
        let mut args = Vec::new();
        for param in &handler.params {
            let at = param.span;
            match param.kind {
                ParamKind::Socket { owned } => args.push(socket_arg(at, owned)),
                ParamKind::RawEvent => args.push(local_at("event", at).into_token_stream()),
                ParamKind::Ack { .. } => args.push(local_at("ack", at).into_token_stream()),
                ParamKind::Reason | ParamKind::RawAuth { .. } => {
                    unreachable!("check.rs refuses them in event handlers")
                }
                ParamKind::Data { index } => {
                    let ty = &param.ty;
                    let value = local_at(&format!("arg{index}"), at);
                    let (arg, reject) = (respan(p.private("arg"), at), p.private("reject"));
                    let error = local("error");
                    let index = proc_macro2::Literal::usize_unsuffixed(index);
                    steps.extend(quote_spanned! {at=>
                        let #value = match #arg::<#ty>(&#event, #index) {
                            #ok(#value) => #value,
                            #err(#error) => return #reject(#ack, &#event, #error),
                        };
                    });
                    args.push(quote!(#value));
                }
            }
        }
        if !has_socket && ack_param != Some(false) {
            steps.extend(quote!(let _ = #socket;));
        }
        if !takes_ack && !has_event {
            steps.extend(quote!(let _ = #event;));
        }
        let call = quote!(#this.#method(#(#args),*).await);
        let finish = match &handler.ret {
            Return::Unit => quote!(#call;),
            Return::Result(ty) | Return::Bool(ty) | Return::Value(ty) => {
                let at = first_span(ty);
                let send = match handler.ret {
                    Return::Result(_) => "ack_result",
                    _ => "ack_value",
                };
                let send = respan(p.private(send), at);
                let reply = local_at("reply", at);
                quote! {
                    let #reply = #call;
                    #send(#ack, #reply);
                }
            }
        };
        let mutable = (takes_ack || has_event).then(|| quote!(mut));
        quote! {
            async fn #name #impl_generics(
                #this: &#self_ty,
                #socket: &#socket_ty,
                #mutable #event: #event_ty,
            ) #where_clause {
                #steps
                #finish
            }
        }
    }
}

/// The socket parameter: `socket`, or `socket.clone()` for a `Socket` taken by value.
fn socket_arg(at: Span, owned: bool) -> TokenStream {
    cloned_if("socket", at, owned)
}

/// The local `name`, cloned when the parameter takes it by value.
fn cloned_if(name: &str, at: Span, owned: bool) -> TokenStream {
    let local = local_at(name, at);
    if owned {
        quote_spanned!(at=> ::core::clone::Clone::clone(#local))
    } else {
        quote!(#local)
    }
}

/// `__socketio_on_<method>`, or `__socketio_fallback`.
fn helper_name(handler: &Handler) -> Ident {
    let at = handler.method.span();
    match handler.kind {
        HandlerKind::Fallback => format_ident!("__socketio_fallback", span = at),
        _ => format_ident!("__socketio_on_{}", handler.method, span = at),
    }
}

/// Where to report about a type: its first token (stable Rust cannot join spans).
fn first_span(ty: &syn::Type) -> Span {
    ty.to_token_stream().into_iter().next().map_or_else(Span::call_site, |token| token.span())
}
