//! Dynamic namespace names: `/room-{id}` matches `/room-42` and captures `id = "42"`.

/// Why a namespace pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The pattern does not start with `/`.
    #[error("a namespace pattern starts with `/`")]
    NoLeadingSlash,
    /// `{` without `}`, `}` without `{`, or `{}`.
    #[error("unbalanced or empty `{{...}}` in a namespace pattern")]
    Braces,
    /// A placeholder name that is not an identifier (`{1x}`, `{a-b}`).
    #[error("placeholder names are identifiers: `{0}` is not")]
    BadName(String),
    /// Two placeholders with nothing between them (`{a}{b}`): where one ends is unknown.
    #[error("two placeholders need text between them")]
    Adjacent,
    /// The same placeholder twice.
    #[error("placeholder `{0}` is used twice")]
    Duplicate(String),
    /// A character no namespace name can hold (`,`, `?`, `#`, white space).
    #[error("a namespace cannot contain {0:?}")]
    BadChar(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Placeholder(String),
}

/// A namespace name with placeholders.
///
/// A placeholder matches one or more characters other than `/`, and ends at the first
/// occurrence of the text that follows it in the pattern.
///
/// ```
/// use socketio_runtime::namespace::NamespacePattern;
/// let p = NamespacePattern::parse("/org-{org}/{room}").unwrap();
/// assert_eq!(
///     p.matches("/org-acme/lobby"),
///     Some(vec![("org".to_owned(), "acme".to_owned()), ("room".to_owned(), "lobby".to_owned())])
/// );
/// assert_eq!(p.matches("/org-/lobby"), None);
/// assert_eq!(p.matches("/org-acme/lobby/x"), None);
/// assert!(NamespacePattern::parse("/{a}{b}").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespacePattern {
    source: String,
    parts: Vec<Part>,
}

fn forbidden(c: char) -> bool {
    matches!(c, ',' | '?' | '#') || c.is_whitespace()
}

impl NamespacePattern {
    /// Whether `path` has placeholders (and so names a dynamic namespace).
    pub fn is_pattern(path: &str) -> bool {
        path.contains(['{', '}'])
    }

    /// Parses a pattern.
    pub fn parse(pattern: &str) -> Result<NamespacePattern, PatternError> {
        if !pattern.starts_with('/') {
            return Err(PatternError::NoLeadingSlash);
        }
        if let Some(c) = pattern.chars().find(|&c| forbidden(c)) {
            return Err(PatternError::BadChar(c));
        }
        let mut parts = Vec::new();
        let mut rest = pattern;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    parts.push(Part::Literal(rest.to_owned()));
                    rest = "";
                }
                Some(i) if rest.as_bytes()[i] == b'}' => return Err(PatternError::Braces),
                Some(i) => {
                    if i > 0 {
                        parts.push(Part::Literal(rest[..i].to_owned()));
                    }
                    let close = rest[i..].find('}').ok_or(PatternError::Braces)? + i;
                    let name = &rest[i + 1..close];
                    if name.is_empty() || name.contains('{') {
                        return Err(PatternError::Braces);
                    }
                    let ident = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                    if !ident {
                        return Err(PatternError::BadName(name.to_owned()));
                    }
                    if matches!(parts.last(), Some(Part::Placeholder(_))) {
                        return Err(PatternError::Adjacent);
                    }
                    if parts.iter().any(|p| matches!(p, Part::Placeholder(n) if n == name)) {
                        return Err(PatternError::Duplicate(name.to_owned()));
                    }
                    parts.push(Part::Placeholder(name.to_owned()));
                    rest = &rest[close + 1..];
                }
            }
        }
        Ok(NamespacePattern { source: pattern.to_owned(), parts })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The placeholders' values when `name` matches, in pattern order.
    pub fn matches(&self, name: &str) -> Option<Vec<(String, String)>> {
        if name.chars().any(forbidden) {
            return None;
        }
        let mut captures = Vec::new();
        let mut rest = name;
        let mut parts = self.parts.iter().peekable();
        while let Some(part) = parts.next() {
            match part {
                Part::Literal(lit) => rest = rest.strip_prefix(lit.as_str())?,
                Part::Placeholder(key) => {
                    let end = match parts.peek() {
                        Some(Part::Literal(next)) => {
                            let first = rest.chars().next()?.len_utf8();
                            rest[first..].find(next.as_str())? + first
                        }
                        _ => rest.len(),
                    };
                    let value = &rest[..end];
                    if value.is_empty() || value.contains('/') {
                        return None;
                    }
                    captures.push((key.clone(), value.to_owned()));
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then_some(captures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(p: &str, name: &str) -> Option<Vec<(String, String)>> {
        NamespacePattern::parse(p).unwrap().matches(name)
    }

    #[test]
    fn matches_and_captures() {
        assert_eq!(caps("/room-{id}", "/room-42"), Some(vec![("id".into(), "42".into())]));
        assert_eq!(caps("/room-{id}", "/room-"), None);
        assert_eq!(caps("/room-{id}", "/room-4/2"), None);
        assert_eq!(caps("/room-{id}", "/other-4"), None);
        assert_eq!(
            caps("/{a}-{b}", "/x-y-z"),
            Some(vec![("a".into(), "x".into()), ("b".into(), "y-z".into())])
        );
        assert_eq!(caps("/{a}/end", "/x/end"), Some(vec![("a".into(), "x".into())]));
        assert_eq!(caps("/{a}/end", "/x/end/"), None);
        assert_eq!(caps("/static", "/static"), Some(vec![]));
        assert_eq!(caps("/room-{id}", "/room-a,b"), None);
    }

    #[test]
    fn refuses_bad_patterns() {
        assert_eq!(NamespacePattern::parse("room-{id}"), Err(PatternError::NoLeadingSlash));
        assert_eq!(NamespacePattern::parse("/room-{id"), Err(PatternError::Braces));
        assert_eq!(NamespacePattern::parse("/room-id}"), Err(PatternError::Braces));
        assert_eq!(NamespacePattern::parse("/room-{}"), Err(PatternError::Braces));
        assert_eq!(NamespacePattern::parse("/{1x}"), Err(PatternError::BadName("1x".into())));
        assert_eq!(NamespacePattern::parse("/{a}{b}"), Err(PatternError::Adjacent));
        assert_eq!(NamespacePattern::parse("/{a}-{a}"), Err(PatternError::Duplicate("a".into())));
        assert_eq!(NamespacePattern::parse("/a,{b}"), Err(PatternError::BadChar(',')));
    }

    #[test]
    fn long_hostile_names_are_linear() {
        let p = NamespacePattern::parse("/{a}-{b}-{c}").unwrap();
        // One forward scan per placeholder: no backtracking to blow up.
        let dashes = format!("/{}", "-".repeat(100_000));
        assert_eq!(p.matches(&dashes).map(|c| c[2].1.len()), Some(99_996));
        let letters = format!("/{}", "a".repeat(100_000));
        assert!(p.matches(&letters).is_none());
    }
}
