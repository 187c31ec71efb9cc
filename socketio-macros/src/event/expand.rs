//! `impl Event for T { const NAME: &'static str = ".."; }`.

use proc_macro2::TokenStream;
use quote::quote;

use super::EventType;
use crate::paths::Paths;

pub(crate) fn expand(event: &EventType) -> TokenStream {
    let paths = Paths::new(event.krate.as_ref());
    let event_trait = paths.private("Event");
    let str = paths.str();
    let ident = &event.ident;
    let name = &event.name;
    let (impl_generics, ty_generics, where_clause) = event.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #event_trait for #ident #ty_generics #where_clause {
            const NAME: &'static #str = #name;
        }
    }
}
