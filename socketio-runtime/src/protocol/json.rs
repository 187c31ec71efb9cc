//! A single pass over received JSON text, before serde_json sees it: bounds the nesting
//! depth, and finds the lone UTF-16 surrogate escapes (`"\ud83d"`) that JavaScript's
//! `JSON.stringify` emits for a broken emoji and that serde_json refuses to put in a
//! Rust `String`.
//!
//! Syntax is left to serde_json: this pass only has to be right on valid JSON and must
//! not misbehave (panic, loop, over-allocate) on anything else.

/// What the pass found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Scan {
    /// Whether a string holds a lone surrogate escape.
    pub(crate) lone_surrogates: bool,
}

/// The nesting depth was above the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooDeep;

/// Scans `text`, refusing it when arrays and objects nest deeper than `max_depth`.
pub(crate) fn scan(text: &str, max_depth: usize) -> Result<Scan, TooDeep> {
    let bytes = text.as_bytes();
    let mut scan = Scan::default();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Err(TooDeep);
                }
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'"' => i = scan_string(bytes, i + 1, &mut |_| scan.lone_surrogates = true),
            _ => i += 1,
        }
    }
    Ok(scan)
}

/// `text` with every lone surrogate escape replaced by `\ufffd` (the replacement
/// character, as a lossy UTF-16 decoder does). Escapes are six bytes either way, so
/// byte offsets into `text` stay valid in the result.
pub(crate) fn replace_lone_surrogates(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut lone = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        i = match bytes[i] {
            b'"' => scan_string(bytes, i + 1, &mut |at| lone.push(at)),
            _ => i + 1,
        };
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for at in lone {
        out.push_str(&text[from..at]);
        out.push_str("\\ufffd");
        from = at + 6;
    }
    out.push_str(&text[from..]);
    out
}

/// Walks a string whose opening quote is just before `i`; calls `lone(at)` with the
/// offset of each lone surrogate escape. Returns the offset after the closing quote.
fn scan_string(bytes: &[u8], mut i: usize, lone: &mut impl FnMut(usize)) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return i + 1,
            b'\\' => match unicode_escape(bytes, i) {
                Some(0xD800..=0xDBFF) => match unicode_escape(bytes, i + 6) {
                    Some(0xDC00..=0xDFFF) => i += 12,
                    _ => {
                        lone(i);
                        i += 6;
                    }
                },
                Some(0xDC00..=0xDFFF) => {
                    lone(i);
                    i += 6;
                }
                Some(_) => i += 6,
                // `\n`, `\"`, `\\`, ... (or junk serde_json will refuse).
                None => i += 2,
            },
            _ => i += 1,
        }
    }
    i
}

/// The code unit of a `\uXXXX` escape starting at `i`.
fn unicode_escape(bytes: &[u8], i: usize) -> Option<u16> {
    let esc = bytes.get(i..i + 6)?;
    if esc[0] != b'\\' || esc[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&esc[2..]).ok()?;
    u16::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_bounded() {
        let ok = "[".repeat(128) + &"]".repeat(128);
        assert!(scan(&ok, 128).is_ok());
        let deep = "[".repeat(129) + &"]".repeat(129);
        assert_eq!(scan(&deep, 128), Err(TooDeep));
        let objects = r#"{"a":"#.repeat(129);
        assert_eq!(scan(&objects, 128), Err(TooDeep));
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let s = format!(r#"["{}"]"#, "[".repeat(1000));
        assert!(scan(&s, 2).is_ok());
        assert!(scan(r#"["\"[[[["]"#, 1).is_ok());
    }

    #[test]
    fn lone_surrogates_are_found_and_replaced() {
        for (input, found, replaced) in [
            (r#"["a\ud83d"]"#, true, r#"["a\ufffd"]"#),
            (r#"["\ude00b"]"#, true, r#"["\ufffdb"]"#),
            (r#"["\ud83d\ud83d\ude00"]"#, true, r#"["\ufffd\ud83d\ude00"]"#),
            (r#"["\ud83d\ude00"]"#, false, r#"["\ud83d\ude00"]"#),
            (r#"["\\ud83d"]"#, false, r#"["\\ud83d"]"#),
            (r#"["é\u00e9"]"#, false, r#"["é\u00e9"]"#),
        ] {
            assert_eq!(scan(input, 8).map(|s| s.lone_surrogates), Ok(found), "{input}");
            assert_eq!(replace_lone_surrogates(input), replaced, "{input}");
            let fixed: Result<Vec<String>, _> = serde_json::from_str(&replace_lone_surrogates(input));
            assert!(fixed.is_ok(), "{input}");
        }
    }

    #[test]
    fn junk_does_not_panic() {
        for junk in ["\"\\", "\"\\u", "\"\\ud83d\\u", "\"\\ud83d\\", "\"\\uzzzz\"", "]]]]", "\"é\\"] {
            let _ = scan(junk, 4);
            let _ = replace_lone_surrogates(junk);
        }
    }
}
