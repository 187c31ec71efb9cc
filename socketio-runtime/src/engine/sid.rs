//! Session ids: 16 bytes from the operating system's CSPRNG, base64url without padding.

use std::borrow::Borrow;
use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Longest sid a client may present; anything longer is unknown without a lookup.
pub const MAX_SID_LEN: usize = 64;

/// An Engine.IO session id (or a Socket.IO socket id): 22 URL-safe characters carrying
/// 128 random bits, unguessable and safe in a query string.
///
/// ```
/// use socketio_runtime::engine::Sid;
/// let a = Sid::generate();
/// let b = Sid::generate();
/// assert_eq!(a.as_str().len(), 22);
/// assert_ne!(a, b);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid(Box<str>);

impl Sid {
    /// A fresh random id.
    ///
    /// # Panics
    /// When the operating system has no random source at all (never on supported targets).
    pub fn generate() -> Sid {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system's random source is available");
        Sid(URL_SAFE_NO_PAD.encode(bytes).into_boxed_str())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id taken from a client's request, if it could be one of ours.
    pub fn parse(s: &str) -> Option<Sid> {
        let ok = !s.is_empty()
            && s.len() <= MAX_SID_LEN
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Sid(s.into()))
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Borrow<str> for Sid {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Sid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_url_safe_and_distinct() {
        let ids: std::collections::HashSet<_> = (0..1000).map(|_| Sid::generate()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert!(Sid::parse(id.as_str()).is_some());
        }
    }

    #[test]
    fn hostile_ids_are_refused() {
        for bad in ["", "__proto__?", "%00", "a b", &"a".repeat(MAX_SID_LEN + 1)] {
            assert!(Sid::parse(bad).is_none(), "{bad:?}");
        }
    }
}
