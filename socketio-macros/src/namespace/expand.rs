//! Code generation from the checked model.

use proc_macro2::TokenStream;

use super::model::Namespace;

pub(crate) fn expand(_namespace: &Namespace) -> TokenStream {
    TokenStream::new()
}
