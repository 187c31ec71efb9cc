//! Every path that generated code names, in one table.
//!
//! Generated code reaches the runtime only through the facade's hidden module
//! `::socketio::__private` (or `<crate>::__private` under `crate = ..`), and names std
//! items by absolute paths, so user items called `Result`, `Box` or `Option` cannot
//! capture it.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

pub(crate) struct Paths {
    private: TokenStream,
}

impl Paths {
    /// `root` is the facade crate: `::socketio` unless the user redirected it.
    pub(crate) fn new(root: Option<&syn::Path>) -> Self {
        let root = match root {
            Some(path) => path.to_token_stream(),
            None => quote!(::socketio),
        };
        Paths { private: quote!(#root::__private) }
    }

    /// `::socketio::__private::<item>`.
    pub(crate) fn private(&self, item: &str) -> TokenStream {
        let private = &self.private;
        let item = syn::Ident::new(item, proc_macro2::Span::call_site());
        quote!(#private::#item)
    }

    pub(crate) fn result(&self) -> TokenStream {
        quote!(::core::result::Result)
    }

    pub(crate) fn ok(&self) -> TokenStream {
        quote!(::core::result::Result::Ok)
    }

    pub(crate) fn err(&self) -> TokenStream {
        quote!(::core::result::Result::Err)
    }

    pub(crate) fn box_pin(&self) -> TokenStream {
        quote!(::std::boxed::Box::pin)
    }

    pub(crate) fn str(&self) -> TokenStream {
        quote!(::core::primitive::str)
    }
}

/// `tokens` with every span set to `span`, so that errors about them point there.
pub(crate) fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = proc_macro2::TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
