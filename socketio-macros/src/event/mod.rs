//! `#[derive(Event)]` with `#[event("name")]`: parse (with its checks) → model → expand.

mod expand;
mod parse;

use proc_macro2::TokenStream;
use syn::{DeriveInput, Generics, Ident, LitStr, Path};

use crate::ctxt::Ctxt;

/// A server-to-client event type.
pub(crate) struct EventType {
    pub(crate) ident: Ident,
    pub(crate) generics: Generics,
    /// The name in `#[event("name")]`.
    pub(crate) name: LitStr,
    /// `#[event(.., crate = path)]`.
    pub(crate) krate: Option<Path>,
}

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let cx = Ctxt::new();
    let event = parse::event_type(&cx, &input);
    match (cx.check(), event) {
        (Ok(()), Some(event)) => expand::expand(&event),
        (Ok(()), None) => TokenStream::new(),
        (Err(errors), _) => errors.to_compile_error(),
    }
}
