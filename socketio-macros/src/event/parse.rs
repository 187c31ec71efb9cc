//! Parsing and checking `#[event("name")]` into an [`EventType`].

use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Data, DeriveInput, Lit, LitStr, Path, Token};

use super::EventType;
use crate::ctxt::Ctxt;
use crate::symbol;

pub(crate) fn event_type(cx: &Ctxt, input: &DeriveInput) -> Option<EventType> {
    if let Data::Union(data) = &input.data {
        cx.error_spanned_by(
            data.union_token,
            "`#[derive(Event)]` works on structs and enums, whose values serde can serialize",
        );
        return None;
    }

    let attrs: Vec<&Attribute> =
        input.attrs.iter().filter(|attr| attr.path().is_ident(symbol::EVENT)).collect();
    let Some(first) = attrs.first() else {
        cx.error_spanned_by(
            &input.ident,
            format_args!(
                "`#[derive(Event)]` needs the event's name: add `#[event(\"{}\")]` to `{}`",
                snake_case(&input.ident.to_string()),
                input.ident
            ),
        );
        return None;
    };
    for extra in &attrs[1..] {
        cx.error_spanned_by(extra, "`#[event]` is given twice: an event type has one name");
    }

    let hint = format!("`#[event(\"{}\")]`", snake_case(&input.ident.to_string()));
    let list = match first.meta.require_list() {
        Ok(list) if !list.tokens.is_empty() => list,
        _ => {
            cx.error_spanned_by(first, format_args!("`#[event]` needs the event's name: {hint}"));
            return None;
        }
    };
    let parser = |input: ParseStream| parse_args(cx, input, &hint);
    let (name, krate) = match parser.parse2(list.tokens.clone()) {
        Ok(args) => args,
        Err(error) => {
            cx.syn_error(error);
            return None;
        }
    };
    let name = name?;
    let value = name.value();
    if value.is_empty() {
        cx.error_spanned_by(&name, format_args!("empty event name: {hint}"));
        return None;
    }
    if symbol::RESERVED_EVENTS.contains(&value.as_str()) {
        cx.error_spanned_by(
            &name,
            format_args!(
                "`{value}` is an event name reserved by Socket.IO, clients cannot receive it: \
                 choose another name"
            ),
        );
        return None;
    }

    Some(EventType { ident: input.ident.clone(), generics: input.generics.clone(), name, krate })
}

/// `"name"` then optionally `, crate = path`.
fn parse_args(cx: &Ctxt, input: ParseStream, hint: &str) -> syn::Result<(Option<LitStr>, Option<Path>)> {
    let name = match input.parse::<Lit>() {
        Ok(Lit::Str(name)) => Some(name),
        Ok(other) => {
            cx.error_spanned_by(other, format_args!("event names are string literals: {hint}"));
            None
        }
        Err(_) => {
            let ident: syn::Ident = input.parse()?;
            cx.error_spanned_by(
                &ident,
                format_args!("event names are string literals: `#[event(\"{ident}\")]`"),
            );
            None
        }
    };
    let mut krate = None;
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let kw: Token![crate] = input.parse()?;
        input.parse::<Token![=]>()?;
        let path = input.call(Path::parse_mod_style)?;
        if krate.is_some() {
            cx.error_spanned_by(kw, "`crate` is given twice");
        }
        krate = Some(path);
    }
    Ok((name, krate))
}

/// `SystemMessage` → `system_message`, for hints.
fn snake_case(ident: &str) -> String {
    let mut out = String::new();
    for (i, c) in ident.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn snake_case() {
        assert_eq!(super::snake_case("SystemMessage"), "system_message");
        assert_eq!(super::snake_case("Ping"), "ping");
    }
}
