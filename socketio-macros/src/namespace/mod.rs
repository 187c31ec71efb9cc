//! `#[namespace("/path")]` on an impl block: parse → check → model → expand.

mod check;
mod expand;
mod model;
mod parse;
mod path;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;

pub(crate) fn namespace(attr: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = parse::args(&cx, attr);
    let mut item: syn::Item = match syn::parse2(item) {
        Ok(item) => item,
        Err(error) => {
            // The user's own syntax error; rustc's message would say the same.
            cx.check().ok();
            return error.to_compile_error();
        }
    };
    let namespace = match &mut item {
        syn::Item::Impl(item_impl) if parse::item(&cx, item_impl) => parse::namespace(&cx, args, item_impl),
        syn::Item::Impl(item_impl) => {
            parse::strip_attrs(item_impl);
            None
        }
        other => {
            parse::not_impl(&cx, other);
            None
        }
    };
    if let Some(namespace) = &namespace {
        check::check(&cx, namespace);
    }
    let generated = match (cx.check(), namespace) {
        (Ok(()), Some(namespace)) => expand::expand(&namespace),
        (Ok(()), None) => TokenStream::new(),
        // The user's item goes out next to the errors, so code that uses it does not
        // cascade into more errors.
        (Err(errors), _) => errors.to_compile_error(),
    };
    quote! {
        #item
        #generated
    }
}
