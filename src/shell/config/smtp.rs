//! `mail.url`: the one reader of SMTP URLs. `touchbase check` and the SMTP
//! transport both use the [`SmtpTarget`] it returns, so a URL that passes
//! the check is the URL that is dialled.
//!
//! Forms, as lettre's own `from_url`: `smtp://host:port` (plain, port 587
//! by default), `smtp://...?tls=required` or `?tls=opportunistic`
//! (STARTTLS), `?tls=none` (plain, said out loud), `smtps://host:port` (TLS
//! from the first byte, port 465 by default), each with an optional
//! `user:password@` (percent-encoded) for AUTH PLAIN/LOGIN.
//!
//! Credentials go only over TLS: with a `user:password@`, `smtp://` and
//! `?tls=opportunistic` mean STARTTLS required, so a server that does not
//! offer it (or an attacker who strips the offer) gets no password.
//! `?tls=none` is the one way to send them in the clear, for a relay on
//! the same machine.

use std::fmt;

use percent_encoding::percent_decode_str;

use super::Secret;
use crate::core::source::quoted;

/// TLS use, from the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// None at all.
    None,
    /// STARTTLS when offered (only without credentials: with them,
    /// `tls=opportunistic` reads as [`Tls::Required`]).
    Opportunistic,
    /// STARTTLS or fail.
    Required,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

/// The account for SMTP AUTH. `Debug` shows `MASKED`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    /// The user name, percent-decoded.
    pub user: String,
    /// The password, percent-decoded.
    pub password: String,
}

impl fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MASKED")
    }
}

/// Where and how to deliver over SMTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpTarget {
    /// Host name or address (an IPv6 address without its brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS use.
    pub tls: Tls,
    /// AUTH, when the URL names a user.
    pub credentials: Option<SmtpCredentials>,
    /// The URL as written, for [`SmtpTarget::masked_url`].
    url: Secret,
}

/// Why `mail.url` is not an SMTP URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not `smtp://` or `smtps://`.
    #[error("not an smtp:// or smtps:// URL")]
    Scheme,
    /// No host.
    #[error("no host")]
    Host,
    /// A port that is not 1 to 65535.
    #[error("a bad port")]
    Port,
    /// A `tls=` other than `required`, `opportunistic` or `none`.
    #[error("tls={0:?}")]
    Tls(String),
    /// Not a URL at all.
    #[error("{0}")]
    Syntax(url::ParseError),
}

impl UrlError {
    /// What would have been accepted, for the error message.
    pub fn expected(&self) -> &'static str {
        match self {
            UrlError::Scheme | UrlError::Syntax(_) => {
                "an smtp:// or smtps:// URL such as \"smtp://127.0.0.1:25\""
            }
            UrlError::Host => {
                "an smtp:// or smtps:// URL with a host, such as \"smtp://mail.example.com:587\""
            }
            UrlError::Port => "an smtp:// or smtps:// URL whose port is a number from 1 to 65535",
            UrlError::Tls(_) => {
                "an smtp:// or smtps:// URL whose `tls` is `required`, `opportunistic` or `none`"
            }
        }
    }
}

/// The `tls=` values, in the order an error message lists them.
pub(super) const TLS_VALUES: [&str; 3] = ["required", "opportunistic", "none"];

impl SmtpTarget {
    /// Reads an `smtp://` or `smtps://` URL.
    pub fn parse(s: &str) -> Result<SmtpTarget, UrlError> {
        let trimmed = s.trim();
        // Checked before the URL parser, which would take `localhost:25`
        // for a URL of scheme `localhost`.
        let scheme = trimmed
            .split_once("://")
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        let (default_port, implicit) = match scheme.as_deref() {
            Some("smtp") => (587, false),
            Some("smtps") => (465, true),
            _ => return Err(UrlError::Scheme),
        };
        let url = url::Url::parse(trimmed).map_err(|e| match e {
            url::ParseError::EmptyHost => UrlError::Host,
            url::ParseError::InvalidPort => UrlError::Port,
            e => UrlError::Syntax(e),
        })?;
        let mut named = None;
        for (k, v) in url.query_pairs() {
            if k == "tls" {
                named = Some(match v.as_ref() {
                    "required" => Tls::Required,
                    "opportunistic" => Tls::Opportunistic,
                    "none" => Tls::None,
                    other => return Err(UrlError::Tls(other.to_string())),
                });
            }
        }
        let host = url
            .host_str()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
            .filter(|h| !h.is_empty())
            .ok_or(UrlError::Host)?
            .to_string();
        let port = match url.port() {
            Some(0) => return Err(UrlError::Port),
            Some(p) => p,
            None => default_port,
        };
        let decode = |v: &str| percent_decode_str(v).decode_utf8_lossy().into_owned();
        let credentials = (!url.username().is_empty()).then(|| SmtpCredentials {
            user: decode(url.username()),
            password: decode(url.password().unwrap_or("")),
        });
        let tls = match (implicit, named, credentials.is_some()) {
            // smtps:// is TLS from the first byte whatever `tls` says.
            (true, _, _) => Tls::Implicit,
            // A password never goes out unencrypted unless the URL says so.
            (false, None | Some(Tls::Opportunistic), true) => Tls::Required,
            (false, Some(tls), _) => tls,
            (false, None, false) => Tls::None,
        };
        Ok(SmtpTarget {
            host,
            port,
            tls,
            credentials,
            url: Secret(s.to_string()),
        })
    }

    /// The URL as written with its password masked, quoted.
    pub fn masked_url(&self) -> String {
        masked_url(&self.url.0)
    }

    /// How the connection is secured, and what that means for the
    /// password, as `touchbase check` says it.
    pub fn security(&self) -> &'static str {
        match (self.tls, self.credentials.is_some()) {
            (Tls::Implicit, _) => "TLS from the first byte",
            (Tls::Required, true) => "TLS is required (STARTTLS): credentials go only over TLS",
            (Tls::Required, false) => "TLS is required (STARTTLS)",
            (Tls::Opportunistic, _) => "STARTTLS when the server offers it",
            (Tls::None, true) => "no TLS: credentials go in the clear (tls=none)",
            (Tls::None, false) => "no TLS",
        }
    }

    /// Whether the password would cross the network unencrypted to a host
    /// other than this machine: worth a warning from `touchbase check`.
    pub fn clear_password_off_host(&self) -> bool {
        let local = self.host.eq_ignore_ascii_case("localhost")
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        self.tls == Tls::None && self.credentials.is_some() && !local
    }
}

/// The URL with any password replaced, quoted, for messages.
///
/// Whatever precedes the last `@` may hold a password, also in a string
/// that is not a well-formed URL (`smtp:user:s3cr3t@host`, a missing
/// `//`): only a scheme and a user name are kept, the rest becomes
/// `MASKED`. Without an `@`, a "port" that is not a number may be a
/// password whose host was left out (`smtp://user:s3cr3t`): masked too.
pub fn masked_url(url: &str) -> String {
    let Some((userinfo, host)) = url.rsplit_once('@') else {
        return quoted(&mask_port(url));
    };
    match split_scheme(userinfo) {
        Some((scheme, userinfo)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            quoted(&format!("{scheme}://{user}:MASKED@{host}"))
        }
        None => match userinfo.split_once(':') {
            // `smtp:user:pw@host`: keep what looks like the scheme.
            Some((scheme, _)) if is_scheme(scheme) => quoted(&format!("{scheme}:MASKED@{host}")),
            _ => quoted(&format!("MASKED@{host}")),
        },
    }
}

/// `scheme://rest` -> (scheme, rest), for a scheme made of the characters
/// RFC 3986 allows there.
fn split_scheme(s: &str) -> Option<(&str, &str)> {
    s.split_once("://").filter(|(scheme, _)| is_scheme(scheme))
}

fn is_scheme(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// `url` (which has no `@`) with a port that is not a number masked.
fn mask_port(url: &str) -> std::borrow::Cow<'_, str> {
    let Some((scheme, rest)) = split_scheme(url) else {
        return url.into();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once(':') {
        Some((host, port))
            if !port.is_empty()
                && !port.contains(']')
                && !port.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("{scheme}://{host}:MASKED{tail}").into()
        }
        _ => url.into(),
    }
}
