//! Code generation from the checked model.
//!
//! For `#[namespace("/chat")] impl Chat { .. }` this emits, next to the impl block:
//!
//! ```text
//! const _: () = {
//!     impl NamespaceHandler for Chat {
//!         const PATH: &'static str = "/chat";
//!         fn connect(..)    { Box::pin(async move { /* auth, then self.connect(..) */ }) }
//!         fn event(..)      { match event.name() { "chat_message" => Box::pin(__socketio_on_chat_message(self, socket, event)), _ => .. } }
//!         fn disconnect(..) { Box::pin(async move { self.disconnect(..).await }) }
//!     }
//!     async fn __socketio_on_chat_message(this: &Chat, socket: &Socket, mut event: Event) {
//!         /* take the ack, deserialize each argument, call the method, ack its value */
//!     }
//! };
//! ```
//!
//! Everything is named through [`Paths`]; generated locals use mixed-site hygiene, and
//! code that involves a user's parameter or return type is located at that type, so a
//! type error lands on the user's signature.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

use super::model::{Handler, HandlerKind, Namespace, ParamKind, Return};
use crate::paths::Paths;

pub(crate) fn expand(namespace: &Namespace) -> TokenStream {
    let paths = Paths::new(namespace.krate.as_ref());
    let cx = Cx {
        paths: &paths,
        namespace,
    };
    let self_ty = &namespace.self_ty;
    let (impl_generics, _, where_clause) = namespace.generics.split_for_impl();

    let handler_trait = paths.private("NamespaceHandler");
    let path = &namespace.path;
    let connect = cx.connect();
    let event = cx.event();
    let disconnect = cx.disconnect();
    let helpers = namespace
        .events
        .iter()
        .chain(&namespace.fallback)
        .map(|handler| cx.event_fn(handler));

    let str = paths.str();
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #handler_trait for #self_ty #where_clause {
                const PATH: &'static #str = #path;
                #connect
                #event
                #disconnect
            }

            #(#helpers)*
        };
    }
}

struct Cx<'a> {
    paths: &'a Paths,
    namespace: &'a Namespace,
}

/// A generated local: mixed-site hygiene, so it can neither see nor shadow user names.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// A generated local whose uses are located at `at` (for example the user's parameter
/// type), so errors about it point there.
fn local_at(name: &str, at: Span) -> Ident {
    Ident::new(name, Span::mixed_site().located_at(at))
}

impl Cx<'_> {
    fn lifetime(&self) -> syn::Lifetime {
        syn::Lifetime::new("'a", Span::mixed_site())
    }

    /// `fn connect(&'a self, socket: &'a Socket, auth: &'a Auth) -> BoxFuture<'a, Result<(), ConnectError>>`.
    fn connect(&self) -> TokenStream {
        let p = self.paths;
        let a = self.lifetime();
        let (socket, auth) = (local("socket"), local("auth"));
        let (socket_ty, auth_ty) = (p.private("Socket"), p.private("Auth"));
        let (result, box_future, connect_error) =
            (p.result(), p.private("BoxFuture"), p.private("ConnectError"));
        let ok = p.ok();

        let body = match &self.namespace.connect {
            None => quote! {
                #ok(())
            },
            Some(handler) => {
                let method = &handler.method;
                let mut decode = TokenStream::new();
                let args = handler.params.iter().map(|param| match param.kind {
                    ParamKind::Socket => {
                        let socket = local_at("socket", param.ty.span());
                        quote!(#socket)
                    }
                    _ => {
                        // The auth payload (check.rs allows nothing else).
                        let ty = &param.ty;
                        let value = local_at("__socketio_auth", ty.span());
                        let decode_auth = p.private("auth");
                        let auth = local_at("auth", ty.span());
                        decode.extend(quote_spanned! {ty.span()=>
                            let #value = #decode_auth::<#ty>(#auth)?;
                        });
                        quote!(#value)
                    }
                });
                let args: Vec<TokenStream> = args.collect();
                let outcome = self.connect_outcome(handler);
                let call = quote_spanned! {handler.method.span()=>
                    self.#method(#(#args),*).await
                };
                quote! {
                    #decode
                    #outcome(#call)
                }
            }
        };
        let box_pin = p.box_pin();
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

    /// The function that turns `connect`'s return value into the runtime's result,
    /// located at the return type.
    fn connect_outcome(&self, handler: &Handler) -> TokenStream {
        let outcome = self.paths.private("connect_outcome");
        match &handler.ret {
            Return::Unit => quote!(#outcome),
            Return::Bool(ty) | Return::Result(ty) | Return::Value(ty) => {
                quote_spanned!(ty.span()=> #outcome)
            }
        }
    }

    /// `fn event(&'a self, socket: &'a Socket, event: Event) -> BoxFuture<'a, ()>`: the
    /// one `match` on the event's name.
    fn event(&self) -> TokenStream {
        let p = self.paths;
        let a = self.lifetime();
        let (socket, event) = (local("socket"), local("event"));
        let (socket_ty, event_ty, box_future) =
            (p.private("Socket"), p.private("Event"), p.private("BoxFuture"));
        let box_pin = p.box_pin();
        let arms = self.namespace.events.iter().map(|handler| {
            let HandlerKind::On(name) = &handler.kind else {
                unreachable!("events holds #[on] handlers")
            };
            let helper = helper_name(handler);
            let turbofish = self.turbofish();
            // A handler whose future is not `Send` is reported here, at the method's name.
            let call = quote_spanned! {handler.method.span()=>
                #box_pin(#helper #turbofish(self, #socket, #event))
            };
            quote!(#name => #call,)
        });
        let otherwise = match &self.namespace.fallback {
            Some(handler) => {
                let helper = helper_name(handler);
                let turbofish = self.turbofish();
                quote_spanned! {handler.method.span()=>
                    #box_pin(#helper #turbofish(self, #socket, #event))
                }
            }
            None => {
                let unhandled = p.private("unhandled");
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

    /// `fn disconnect(&'a self, socket: &'a Socket, reason: DisconnectReason) -> BoxFuture<'a, ()>`.
    fn disconnect(&self) -> TokenStream {
        let p = self.paths;
        let a = self.lifetime();
        let (socket, reason) = (local("socket"), local("reason"));
        let (socket_ty, reason_ty, box_future) = (
            p.private("Socket"),
            p.private("DisconnectReason"),
            p.private("BoxFuture"),
        );
        let body = match &self.namespace.disconnect {
            None => quote!(let _ = (#socket, #reason);),
            Some(handler) => {
                let method = &handler.method;
                let args = handler.params.iter().map(|param| {
                    let name = match param.kind {
                        ParamKind::Socket => "socket",
                        _ => "reason",
                    };
                    let local = local_at(name, param.ty.span());
                    quote!(#local)
                });
                let used = if handler.params.iter().any(|p| p.kind == ParamKind::Socket) {
                    quote!()
                } else {
                    quote!(let _ = #socket;)
                };
                quote! {
                    #used
                    self.#method(#(#args),*).await;
                }
            }
        };
        let box_pin = p.box_pin();
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
    /// takes the ack, deserializes each argument, calls the method, acks its value.
    fn event_fn(&self, handler: &Handler) -> TokenStream {
        let p = self.paths;
        let self_ty = &self.namespace.self_ty;
        let (impl_generics, _, where_clause) = self.namespace.generics.split_for_impl();
        let helper = helper_name(handler);
        let (this, socket, event, ack) =
            (local("this"), local("socket"), local("event"), local("ack"));
        let (socket_ty, event_ty) = (p.private("Socket"), p.private("Event"));
        let method = &handler.method;
        let has = |kind: ParamKind| handler.params.iter().any(|param| param.kind == kind);
        let has_data = handler.data_params().next().is_some();
        let takes_ack = has_data || has(ParamKind::Ack) || !matches!(handler.ret, Return::Unit);

        let mut steps = TokenStream::new();
        if takes_ack {
            let take_ack = p.private("take_ack");
            steps.extend(quote!(let #ack = #take_ack(&mut #event);));
        }
        let mut args = Vec::new();
        for param in &handler.params {
            let ty = &param.ty;
            let at = ty.span();
            match param.kind {
                ParamKind::Socket => {
                    let socket = local_at("socket", at);
                    args.push(quote!(#socket));
                }
                ParamKind::Ack => {
                    let ack_sender = p.private("ack_sender");
                    let ack = local_at("ack", at);
                    args.push(quote_spanned!(at=> #ack_sender(#ack)));
                }
                ParamKind::Attachments => {
                    let attachments = p.private("attachments");
                    let event = local_at("event", at);
                    args.push(quote_spanned!(at=> #attachments(&#event)));
                }
                ParamKind::RawEvent => {
                    let event = local_at("event", at);
                    args.push(quote!(#event));
                }
                ParamKind::Reason => unreachable!("check.rs refuses DisconnectReason here"),
                ParamKind::Data { index } => {
                    let value = local_at(&format!("arg{index}"), at);
                    let (arg, reject) = (p.private("arg"), p.private("reject"));
                    let (ok, err) = (p.ok(), p.err());
                    let error = local("error");
                    let (event, ack) = (local_at("event", at), local_at("ack", at));
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
        if !has(ParamKind::Socket) {
            steps.extend(quote!(let _ = #socket;));
        }
        let call = quote!(#this.#method(#(#args),*).await);
        let finish = match &handler.ret {
            Return::Unit => quote!(#call;),
            Return::Result(ty) => {
                let ack_result = p.private("ack_result");
                quote_spanned!(ty.span()=> #ack_result(#ack, #call);)
            }
            Return::Bool(ty) | Return::Value(ty) => {
                let ack_value = p.private("ack_value");
                quote_spanned!(ty.span()=> #ack_value(#ack, #call);)
            }
        };
        let event_mut = (takes_ack || has(ParamKind::RawEvent)).then(|| quote!(mut));
        quote! {
            async fn #helper #impl_generics(
                #this: &#self_ty,
                #socket: &#socket_ty,
                #event_mut #event: #event_ty,
            ) #where_clause {
                #steps
                #finish
            }
        }
    }
}

/// `__socketio_on_<method>` (or `__socketio_fallback`).
fn helper_name(handler: &Handler) -> Ident {
    match handler.kind {
        HandlerKind::Fallback => format_ident!("__socketio_fallback"),
        _ => format_ident!("__socketio_on_{}", handler.method),
    }
}
