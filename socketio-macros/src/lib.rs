//! Proc-macros of the `socketio` crate: [`macro@namespace`], [`macro@on`],
//! [`macro@fallback`] and [`derive@Event`]. Use them through the `socketio` crate, which
//! re-exports them and holds the support code the generated code calls.
//!
//! Each macro flows `parse.rs` → `check.rs` → model → `expand.rs`; errors are gathered in
//! one accumulator (`ctxt.rs`) and reported together, and generated code names everything
//! through one path table (`paths.rs`) pointing at `::socketio::__private`.

mod ctxt;
mod event;
mod namespace;
mod paths;
mod stray;
mod symbol;

use proc_macro::TokenStream;

#[doc = include_str!("../docs/namespace.md")]
#[proc_macro_attribute]
pub fn namespace(attr: TokenStream, item: TokenStream) -> TokenStream {
    debug("namespace", namespace::namespace(attr.into(), item.into())).into()
}

#[doc = include_str!("../docs/on.md")]
#[proc_macro_attribute]
pub fn on(attr: TokenStream, item: TokenStream) -> TokenStream {
    stray::attribute(symbol::ON, attr.into(), item.into()).into()
}

#[doc = include_str!("../docs/fallback.md")]
#[proc_macro_attribute]
pub fn fallback(attr: TokenStream, item: TokenStream) -> TokenStream {
    stray::attribute(symbol::FALLBACK, attr.into(), item.into()).into()
}

#[doc = include_str!("../docs/event.md")]
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
