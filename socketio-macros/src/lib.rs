//! Proc-macros of the `socketio` crate: `#[namespace]`, `#[on]`, `#[fallback]` and
//! `#[derive(Event)]`. Use them through the `socketio` crate, which re-exports them and
//! holds the support code the generated code calls.

mod ctxt;
mod event;
mod namespace;
mod paths;
mod stray;
mod symbol;

use proc_macro::TokenStream;

/// Generates a namespace's dispatch from an impl block.
#[proc_macro_attribute]
pub fn namespace(attr: TokenStream, item: TokenStream) -> TokenStream {
    debug("namespace", namespace::namespace(attr.into(), item.into())).into()
}

/// Marks the handler of one event inside a `#[namespace]` impl block.
#[proc_macro_attribute]
pub fn on(attr: TokenStream, item: TokenStream) -> TokenStream {
    stray::attribute(symbol::ON, attr.into(), item.into()).into()
}

/// Marks the handler of the events no `#[on]` handles inside a `#[namespace]` impl block.
#[proc_macro_attribute]
pub fn fallback(attr: TokenStream, item: TokenStream) -> TokenStream {
    stray::attribute(symbol::FALLBACK, attr.into(), item.into()).into()
}

/// Implements the typed-event trait for a server-to-client event.
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    debug("Event", event::derive(input.into())).into()
}

/// With `SOCKETIO_MACROS_DEBUG=1` in the build's environment, prints each expansion.
fn debug(name: &str, tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    if std::env::var_os("SOCKETIO_MACROS_DEBUG").is_some_and(|v| v != "0") {
        eprintln!("socketio-macros: #[{name}] expands to:\n{tokens}\n");
    }
    tokens
}
