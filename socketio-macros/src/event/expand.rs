//! `impl EmitEvent for T { const NAME }`.

use proc_macro2::TokenStream;

use super::EventType;

pub(crate) fn expand(_event: &EventType) -> TokenStream {
    TokenStream::new()
}
