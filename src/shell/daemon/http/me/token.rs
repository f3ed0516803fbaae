//! The token every form of a self-service page carries: proof that the
//! POST comes from a page that was served for this secret, lately.
//!
//! A token is `<issued>.<nonce>.<mac>`: the issue time (Unix seconds), 64
//! random bits (so two pages served in the same second differ), and the
//! HMAC-SHA256, under a key kept in the ledger, of the page's secret, that
//! time and the nonce. It is bound to the secret (a token from another person's
//! page fails), valid for [`VALIDITY`] seconds, and used once: the ledger
//! records it with the choice it carried and refuses it after that.

use ring::hmac;

/// How long a page's forms can be sent, in seconds.
pub const VALIDITY: i64 = 3600;

/// How far in the future an issue time may lie (clocks of two processes
/// sharing a ledger may differ a little).
const SKEW: i64 = 60;

/// Why a token was refused. Each is a 400; the text is the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `csrf` field.
    #[error("the form's token is missing: reload the page and send the form again")]
    Missing,
    /// Expired, or issued in the future.
    #[error("the form's token has expired: reload the page and send the form again")]
    Stale,
    /// Not made by this daemon for this page.
    #[error(
        "the form's token is not valid for this page: reload the page and send the form again"
    )]
    Invalid,
}

fn mac(key: &[u8], secret: &str, issued: i64, nonce: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(b"touchbase-me\0");
    ctx.update(secret.as_bytes());
    ctx.update(b"\0");
    ctx.update(issued.to_string().as_bytes());
    ctx.update(b"\0");
    ctx.update(nonce.as_bytes());
    ctx.sign()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A token for the page of `secret`, issued at `now` (Unix seconds), with
/// `nonce` (random, from [`nonce`]).
pub fn issue(key: &[u8], secret: &str, now: i64, nonce: &str) -> String {
    format!("{now}.{nonce}.{}", mac(key, secret, now, nonce))
}

/// 64 random bits as hex (`None` without randomness).
pub fn nonce() -> Option<String> {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Checks `token` for the page of `secret` at `now`; returns when it
/// expires (how long the ledger must remember it was used).
pub fn check(key: &[u8], secret: &str, token: Option<&str>, now: i64) -> Result<i64, TokenError> {
    let token = token.filter(|t| !t.is_empty()).ok_or(TokenError::Missing)?;
    let mut parts = token.splitn(3, '.');
    let (Some(issued), Some(nonce), Some(given)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Invalid);
    };
    let issued: i64 = issued.parse().map_err(|_| TokenError::Invalid)?;
    let want = mac(key, secret, issued, nonce);
    if !crate::shell::daemon::secrets::constant_time_eq(want.as_bytes(), given.as_bytes()) {
        return Err(TokenError::Invalid);
    }
    if issued > now + SKEW || now - issued > VALIDITY {
        return Err(TokenError::Stale);
    }
    Ok(issued + VALIDITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_holds_for_its_page_and_its_hour_only() {
        let key = [7u8; 32];
        let t = issue(&key, "aaaa", 1_000, "0011");
        assert_ne!(t, issue(&key, "aaaa", 1_000, "0012"));
        assert_eq!(check(&key, "aaaa", Some(&t), 1_100), Ok(1_000 + VALIDITY));
        assert_eq!(
            check(&key, "bbbb", Some(&t), 1_100),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            check(&[8u8; 32], "aaaa", Some(&t), 1_100),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            check(&key, "aaaa", Some(&t), 1_000 + VALIDITY + 1),
            Err(TokenError::Stale)
        );
        assert_eq!(check(&key, "aaaa", Some(&t), 900), Err(TokenError::Stale));
        assert_eq!(check(&key, "aaaa", None, 1_100), Err(TokenError::Missing));
        assert_eq!(
            check(&key, "aaaa", Some("1000.00"), 1_100),
            Err(TokenError::Invalid)
        );
        let forged = t.replacen("1000", "2000", 1);
        assert_eq!(
            check(&key, "aaaa", Some(&forged), 2_100),
            Err(TokenError::Invalid)
        );
    }
}
