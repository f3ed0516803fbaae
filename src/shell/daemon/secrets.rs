//! Feed secrets: at least 128 random bits per person, kept in the ledger.
//!
//! A feed URL is `<public_url>/feeds/<secret>.ics`. The secret's first
//! characters select the entry and the whole is then compared in constant
//! time, so response timing tells nothing about how much of a guess was
//! right beyond the selector. A wrong, rotated or unknown secret is the
//! same 404. The secret also opens the person's own page, `/me/<secret>`.

use std::collections::HashMap;

use subtle::ConstantTimeEq;

/// Random bytes in a secret (192 bits).
const BYTES: usize = 24;
/// Characters of the selector (a prefix of the hex secret).
const SELECTOR: usize = 8;

/// A new secret: 48 lowercase hex digits.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut buf = [0u8; BYTES];
    getrandom::getrandom(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The address of the person's own page: the same secret as their feed,
/// so rotating one rotates the other.
pub fn page_url(public_url: &str, secret: &str) -> String {
    format!("{public_url}/me/{secret}")
}

/// Whether two byte strings are equal, in time that depends only on their
/// lengths: `subtle`'s compare, which also keeps the optimiser from
/// turning it back into an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

/// Secret → person, for serving.
#[derive(Debug, Default, Clone)]
pub struct Secrets {
    by_selector: HashMap<String, Vec<(String, String)>>,
}

impl Secrets {
    /// From (person, secret) pairs.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Secrets {
        let mut by_selector: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (person, secret) in pairs {
            if let Some(sel) = secret.get(..SELECTOR) {
                by_selector
                    .entry(sel.to_string())
                    .or_default()
                    .push((secret.clone(), person));
            }
        }
        Secrets { by_selector }
    }

    /// The person whose secret is `secret`, if any.
    pub fn person(&self, secret: &str) -> Option<&str> {
        let candidates = self.by_selector.get(secret.get(..SELECTOR)?)?;
        let mut found = None;
        for (s, person) in candidates {
            if constant_time_eq(s.as_bytes(), secret.as_bytes()) {
                found = Some(person.as_str());
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_distinct() {
        let a = generate().expect("random");
        let b = generate().expect("random");
        assert_eq!(a.len(), 48);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn lookup_needs_the_whole_secret() {
        let s = Secrets::new([("ada@example.com".to_string(), "0123456789abcdef".repeat(3))]);
        assert_eq!(
            s.person(&"0123456789abcdef".repeat(3)),
            Some("ada@example.com")
        );
        let mut wrong = "0123456789abcdef".repeat(3);
        wrong.replace_range(40..41, "f");
        assert_eq!(s.person(&wrong), None);
        assert_eq!(s.person("01234567"), None);
        assert_eq!(s.person(""), None);
        assert!(!constant_time_eq(b"ab", b"abc"));
    }
}
