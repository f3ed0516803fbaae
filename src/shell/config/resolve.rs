//! From what was written to what it means, one section at a time: each
//! value is parsed here into the type the daemon and the commands use, and
//! a value that does not parse becomes an error that names its origin and
//! key. Defaults go through the same parsers as written values.

use std::net::SocketAddr;
use std::str::FromStr;

use super::raw::{Lookup, RawDispatch, RawHttp, RawMail, Value};
use super::smtp::{masked_url, SmtpTarget, UrlError, TLS_VALUES};
use super::{errors, Dispatch, Http, Mail, Prompts, Transport, Updates};
use crate::core::source::{did_you_mean, quoted, InputErrors, Loc};

const TRANSPORTS: [&str; 3] = ["smtp", "sendmail", "file"];
const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

/// `[mail]`.
pub(super) fn mail(lookup: &Lookup<'_>, raw: &RawMail) -> Result<Mail, InputErrors> {
    let from = lookup.string(
        "mail.from",
        raw.from.as_ref(),
        "Touchbase <touchbase@example.com>",
    );
    let mailbox = parse_mailbox(&from.value).ok_or_else(|| {
        InputErrors::from(from.error(
            "mail.from",
            quoted(&from.value),
            "a sender such as \"Touchbase <touchbase@example.com>\" or \"touchbase@example.com\"",
        ))
    });
    let transport = transport(lookup, raw);
    let invite_reports = lookup.bool("mail.invite_reports", raw.invite_reports.as_ref());
    let connections = lookup.int(
        "mail.connections",
        raw.connections.as_ref(),
        8,
        1..=64,
        "a whole number of connections from 1 to 64",
    );
    let updates = updates(&lookup.string("mail.updates", raw.updates.as_ref(), "occurrence"));
    let prompts = prompts(&lookup.string("mail.prompts", raw.prompts.as_ref(), "updates"));
    let from_origin = from.error("mail.from", String::new(), "").origin;
    match (
        mailbox,
        transport,
        invite_reports,
        connections,
        updates,
        prompts,
    ) {
        (
            Ok((from_name, from_email)),
            Ok(transport),
            Ok(invite_reports),
            Ok(connections),
            Ok(updates),
            Ok(prompts),
        ) => Ok(Mail {
            from: from.value.trim().to_string(),
            from_name,
            from_email,
            transport,
            invite_reports,
            connections,
            updates,
            prompts,
            from_origin,
        }),
        (a, b, c, d, e, f) => Err(errors([
            a.err(),
            b.err(),
            c.err(),
            d.err(),
            e.err(),
            f.err(),
        ])),
    }
}

/// `mail.prompts`: `updates` or `digest`.
fn prompts(v: &Value<'_, String>) -> Result<Prompts, InputErrors> {
    let s = v.value.trim();
    Prompts::parse(s).ok_or_else(|| {
        let mut e = v.error(
            "mail.prompts",
            quoted(s),
            "`updates` (each meeting's prompts as a calendar update `lead_days` ahead) or `digest` (one mail per manager a week, listing the week's 1:1s with their prompts)",
        );
        e.hint = did_you_mean(s, ["updates", "digest"]);
        e.into()
    })
}

/// `mail.updates`: `occurrence` or `series`.
fn updates(v: &Value<'_, String>) -> Result<Updates, InputErrors> {
    let s = v.value.trim();
    Updates::parse(s).ok_or_else(|| {
        let mut e = v.error(
            "mail.updates",
            quoted(s),
            "`occurrence` (each meeting's prompts as an update of that one meeting) or `series` (every change as the whole series, for servers built on sabre/vobject such as Nextcloud and Baikal)",
        );
        e.hint = did_you_mean(s, ["occurrence", "series"]);
        e.into()
    })
}

/// `mail.transport`, and the key that transport reads.
fn transport(lookup: &Lookup<'_>, raw: &RawMail) -> Result<Transport, InputErrors> {
    let name = lookup.string("mail.transport", raw.transport.as_ref(), "smtp");
    match name.value.trim() {
        "smtp" => smtp_target(&lookup.string("mail.url", raw.url.as_ref(), "smtp://127.0.0.1:25"))
            .map(Transport::Smtp),
        "sendmail" => Ok(Transport::Sendmail),
        "file" => lookup
            .path("mail.dir", raw.dir.as_ref(), "outbox")
            .map(|dir| Transport::File { dir }),
        other => {
            let mut e = name.error(
                "mail.transport",
                quoted(other),
                "one of `smtp`, `sendmail`, `file`",
            );
            e.hint = did_you_mean(other, TRANSPORTS);
            Err(e.into())
        }
    }
}

/// `mail.url`, read by [`SmtpTarget::parse`]; the URL is echoed masked.
fn smtp_target(url: &Value<'_, String>) -> Result<SmtpTarget, InputErrors> {
    SmtpTarget::parse(&url.value).map_err(|why| {
        let found = match &why {
            UrlError::Syntax(e) => format!("{} ({e})", masked_url(&url.value)),
            _ => masked_url(&url.value),
        };
        let mut e = url.error("mail.url", found, why.expected());
        if let UrlError::Tls(tls) = &why {
            e.hint = did_you_mean(tls, TLS_VALUES);
        }
        InputErrors::from(e)
    })
}

/// `[dispatch]`.
pub(super) fn dispatch(lookup: &Lookup<'_>, raw: &RawDispatch) -> Result<Dispatch, InputErrors> {
    let every = schedule(lookup, raw.every.as_ref());
    let lead_days = lookup.int(
        "dispatch.lead_days",
        raw.lead_days.as_ref(),
        7,
        0..=365,
        "a whole number of days from 0 to 365",
    );
    let horizon_weeks = lookup.int(
        "dispatch.horizon_weeks",
        raw.horizon_weeks.as_ref(),
        12,
        1..=520,
        "a whole number of weeks from 1 to 520",
    );
    match (every, lead_days, horizon_weeks) {
        (Ok(every), Ok(lead_days), Ok(horizon_weeks)) => Ok(Dispatch {
            every,
            lead_days,
            horizon_weeks,
        }),
        (a, b, c) => Err(errors([a.err(), b.err(), c.err()])),
    }
}

/// `dispatch.every`.
fn schedule(
    lookup: &Lookup<'_>,
    file: Option<&Loc<String>>,
) -> Result<cron::Schedule, InputErrors> {
    let v = lookup.string("dispatch.every", file, "0 */10 * * * *");
    cron::Schedule::from_str(v.value.trim()).map_err(|why| {
        InputErrors::from(v.error(
            "dispatch.every",
            format!("{} ({why})", quoted(&v.value)),
            "a cron line of six or seven fields: sec min hour day month weekday [year]",
        ))
    })
}

/// `[http]`.
pub(super) fn http(lookup: &Lookup<'_>, raw: &RawHttp) -> Result<Http, InputErrors> {
    let v = lookup.string("http.listen", raw.listen.as_ref(), "127.0.0.1:8787");
    let listen = v.value.trim().parse::<SocketAddr>().map_err(|_| {
        InputErrors::from(v.error(
            "http.listen",
            quoted(&v.value),
            "an address and port such as \"127.0.0.1:8787\" or \"[::1]:8787\"",
        ))
    });
    let v = lookup.string(
        "http.public_url",
        raw.public_url.as_ref(),
        "http://127.0.0.1:8787",
    );
    let url = v.value.trim().trim_end_matches('/').to_string();
    let host = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let public_url = if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
        Err(InputErrors::from(v.error(
            "http.public_url",
            quoted(&v.value),
            "an http:// or https:// URL",
        )))
    } else {
        Ok(url)
    };
    match (listen, public_url) {
        (Ok(listen), Ok(public_url)) => Ok(Http { listen, public_url }),
        (a, b) => Err(errors([a.err(), b.err()])),
    }
}

/// `log_level`, lower-cased.
pub(super) fn log_level(
    lookup: &Lookup<'_>,
    file: Option<&Loc<String>>,
) -> Result<String, InputErrors> {
    let v = lookup.string("log_level", file, "info");
    let level = v.value.trim().to_ascii_lowercase();
    if LOG_LEVELS.contains(&level.as_str()) {
        return Ok(level);
    }
    let mut e = v.error(
        "log_level",
        quoted(&v.value),
        "one of `error`, `warn`, `info`, `debug`, `trace`",
    );
    e.hint = did_you_mean(&level, LOG_LEVELS);
    Err(e.into())
}

/// `Name <address>` or `address` -> (name, address). A control character
/// (a line break that would end the `From` header) is no mailbox.
pub fn parse_mailbox(s: &str) -> Option<(Option<String>, String)> {
    let s = s.trim();
    if s.chars().any(|c| c.is_control() && c != '\t') {
        return None;
    }
    let (name, addr) = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => {
            let name = s[..i].trim().trim_matches('"').trim();
            let addr = s[i + 1..s.len() - 1].trim();
            ((!name.is_empty()).then(|| name.to_string()), addr)
        }
        (None, false) => (None, s),
        _ => return None,
    };
    crate::core::roster::validate::is_email(addr).then(|| (name, addr.to_string()))
}
