//! The path argument of `#[namespace]`: a static name or a dynamic pattern.

use syn::LitStr;

use crate::ctxt::Ctxt;

/// The namespace path of `#[namespace("/path")]`: what a client can name.
pub(super) fn check(cx: &Ctxt, lit: &LitStr) {
    let path = lit.value();
    if path.is_empty() {
        cx.error_spanned_by(lit, "empty namespace path: the main namespace is `\"/\"`");
    } else if !path.starts_with('/') {
        cx.error_spanned_by(lit, format_args!("namespace paths start with `/`: write `\"/{path}\"`"));
    } else if let Err(problem) = check_pattern(&path) {
        cx.error_spanned_by(lit, format_args!("invalid dynamic namespace `{path}`: {problem}"));
    } else if path.contains(',') {
        cx.error_spanned_by(
            lit,
            "a namespace path cannot contain `,`: a comma ends the namespace in a Socket.IO packet",
        );
    } else if let Some(c) = path.chars().find(|c| matches!(c, '?' | '#') || c.is_whitespace()) {
        cx.error_spanned_by(
            lit,
            format_args!(
                "a namespace path cannot contain {c:?}: clients read the namespace from the \
                 path of a URL"
            ),
        );
    }
}

/// The placeholders of a dynamic namespace (`/room-{id}`): balanced braces around
/// distinct identifiers, with text between two of them (the runtime's
/// `NamespacePattern` applies the same rules when the namespace is registered).
fn check_pattern(path: &str) -> Result<(), String> {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = path;
    let mut last_was_placeholder = false;
    while let Some(i) = rest.find(['{', '}']) {
        if rest.as_bytes()[i] == b'}' {
            return Err("`}` without `{`".to_owned());
        }
        if i == 0 && last_was_placeholder {
            return Err("two placeholders need text between them".to_owned());
        }
        let close = rest[i..].find('}').ok_or("`{` without `}`")? + i;
        let name = &rest[i + 1..close];
        let ident = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ident {
            return Err(format!("placeholder names are identifiers: `{{{name}}}` is not"));
        }
        if names.contains(&name) {
            return Err(format!("placeholder `{name}` is used twice"));
        }
        names.push(name);
        last_was_placeholder = true;
        rest = &rest[close + 1..];
    }
    Ok(())
}
