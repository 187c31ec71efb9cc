//! Verification of a request before it reaches a session: the checks of Node's
//! `verify()` and `handshake()`, in the same order.

/// Decodes a query string; a repeated key keeps its last value, as Node's
/// `Object.fromEntries(searchParams)` does.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        if let Some(slot) = out.iter_mut().find(|(key, _)| *key == k) {
            slot.1 = v;
        } else {
            out.push((k, v));
        }
    }
    out
}

/// `application/x-www-form-urlencoded` decoding, lossy on invalid UTF-8.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() + 0 && i + 2 <= bytes.len() - 1 => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
