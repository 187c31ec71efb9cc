//! `#[on]` and `#[fallback]` that no `#[namespace]` consumed.
//!
//! `#[namespace]` reads these attributes and leaves them on the methods as
//! `#[on(__socketio_inside_namespace)]`, which returns the method unchanged. Any other
//! `#[on]` or `#[fallback]` was put outside a namespace.

use proc_macro2::{Span, TokenStream};
use quote::quote;

pub(crate) fn attribute(name: &str, attr: TokenStream, item: TokenStream) -> TokenStream {
    if is_marker(&attr) {
        return item;
    }
    let message = format!("`#[{name}]` goes on a method of an impl block marked `#[namespace(\"/path\")]`");
    let error = syn::Error::new(Span::call_site(), message).to_compile_error();
    quote! {
        #error
        #item
    }
}

fn is_marker(attr: &TokenStream) -> bool {
    let mut tokens = attr.clone().into_iter();
    matches!(
        (tokens.next(), tokens.next()),
        (Some(proc_macro2::TokenTree::Ident(ident)), None) if ident == crate::symbol::INSIDE_NAMESPACE
    )
}
