//! `touchbase.toml`: the service configuration, with environment overrides.
//!
//! The file is read with spans (so errors name line and column), then
//! `TOUCHBASE_<SECTION>__<KEY>` variables override single keys (so secrets
//! such as the SMTP password need not sit in the file), then the whole is
//! checked into a [`Config`]. Relative paths are relative to the file's
//! folder. See docs/DEPENDENCIES.md for why this is not the `config` crate.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

use crate::core::source::{
    did_you_mean, quoted, InputError, InputErrors, Loc, Origin, Pos, SourceText,
};

/// Where the configuration is looked for when neither `--config` nor
/// `$TOUCHBASE_CONFIG` says.
pub const DEFAULT_PATH: &str = "/etc/touchbase/touchbase.toml";

/// A string that must not be printed: `Debug` shows `MASKED`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MASKED")
    }
}

/// How mail leaves touchbase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// SMTP to `url` (`smtp://` or `smtps://`, optional `user:password@`).
    Smtp {
        /// The server URL, credentials included.
        url: Secret,
    },
    /// The local `sendmail` command.
    Sendmail,
    /// One `.eml` file per message in `dir`.
    File {
        /// The folder.
        dir: PathBuf,
    },
}

/// `[mail]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The sender and ORGANIZER, as written (`Name <address>` or `address`).
    pub from: String,
    /// Its display name, if any.
    pub from_name: Option<String>,
    /// Its address.
    pub from_email: String,
    /// The transport.
    pub transport: Transport,
    /// Also email the invitation to the report.
    pub invite_reports: bool,
    /// SMTP connections used at once to drain the outbox.
    pub connections: u32,
}

/// `[dispatch]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    /// Cron line (sec min hour day month weekday) of extra wake-ups.
    pub every: String,
    /// How many days ahead each meeting's prompts reach the manager.
    pub lead_days: u32,
    /// How far ahead feeds and previews look, in weeks.
    pub horizon_weeks: u32,
}

/// `[http]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Http {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Base of the feed URLs handed to people, without a trailing slash.
    pub public_url: String,
}

/// The checked configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// The roster file.
    pub roster: PathBuf,
    /// The state folder (ledger and the like).
    pub state_dir: PathBuf,
    /// `[mail]`.
    pub mail: Mail,
    /// `[dispatch]`.
    pub dispatch: Dispatch,
    /// `[http]`.
    pub http: Http,
    /// `log_level`: error, warn, info, debug or trace (`RUST_LOG` wins).
    pub log_level: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    roster: Option<Loc<String>>,
    state_dir: Option<Loc<String>>,
    log_level: Option<Loc<String>>,
    #[serde(default)]
    mail: RawMail,
    #[serde(default)]
    dispatch: RawDispatch,
    #[serde(default)]
    http: RawHttp,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMail {
    from: Option<Loc<String>>,
    transport: Option<Loc<String>>,
    url: Option<Loc<String>>,
    dir: Option<Loc<String>>,
    invite_reports: Option<Loc<bool>>,
    connections: Option<Loc<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDispatch {
    every: Option<Loc<String>>,
    lead_days: Option<Loc<i64>>,
    horizon_weeks: Option<Loc<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    listen: Option<Loc<String>>,
    public_url: Option<Loc<String>>,
}

/// Every key an environment variable may set, as (section, key).
const ENV_KEYS: &[(&str, &str)] = &[
    ("", "roster"),
    ("", "state_dir"),
    ("", "log_level"),
    ("mail", "from"),
    ("mail", "transport"),
    ("mail", "url"),
    ("mail", "dir"),
    ("mail", "invite_reports"),
    ("mail", "connections"),
    ("dispatch", "every"),
    ("dispatch", "lead_days"),
    ("dispatch", "horizon_weeks"),
    ("http", "listen"),
    ("http", "public_url"),
];

/// Where a value came from, for error messages.
enum From<'a> {
    File(&'a SourceText, Pos),
    Env(String),
    Credential(PathBuf),
}

impl From<'_> {
    fn error(&self, key: &str, found: String, expected: &str) -> InputError {
        match self {
            From::File(src, pos) => src.error(*pos, key, found, expected),
            From::Credential(path) => InputError {
                origin: Origin::File {
                    path: path.clone(),
                    line: 0,
                    column: 0,
                },
                key: key.to_string(),
                found,
                expected: expected.to_string(),
                hint: None,
            },
            From::Env(var) => InputError {
                origin: Origin::Env(var.clone()),
                key: key.to_string(),
                found,
                expected: expected.to_string(),
                hint: None,
            },
        }
    }
}

/// An overridable value: from the file (with position) or the environment.
struct Value<'a, T> {
    value: T,
    from: From<'a>,
}

/// A value handed over as a systemd credential (a file in
/// `$CREDENTIALS_DIRECTORY`), read by the caller.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The key it sets, such as `mail.url`.
    pub key: &'static str,
    /// The file it came from.
    pub path: PathBuf,
    /// Its content, without the final newline.
    pub value: String,
}

/// The credentials touchbase reads: file name in `$CREDENTIALS_DIRECTORY`
/// and the key it sets.
pub const CREDENTIALS: &[(&str, &str)] = &[("smtp-url", "mail.url")];

/// Parses `source` (the config file's text) with `env` overrides applied.
///
/// `env` is the process environment, passed in so that this stays pure.
pub fn parse(source: &SourceText, env: &BTreeMap<String, String>) -> Result<Config, InputErrors> {
    parse_with(source, env, &[])
}

/// [`parse`], with credentials: the environment beats a credential, which
/// beats the file.
pub fn parse_with(
    source: &SourceText,
    env: &BTreeMap<String, String>,
    credentials: &[Credential],
) -> Result<Config, InputErrors> {
    let raw: RawConfig = crate::core::formats::parse_toml(source)?;
    let overrides = env_overrides(env)?;
    let mut errors = Vec::new();
    let base = source
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let base = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };

    let str_key = |key: &str, file: &Option<Loc<String>>| -> Option<Value<'_, String>> {
        if let Some((var, v)) = overrides.get(key) {
            return Some(Value {
                value: v.clone(),
                from: From::Env(var.clone()),
            });
        }
        if let Some(c) = credentials.iter().find(|c| c.key == key) {
            return Some(Value {
                value: c.value.clone(),
                from: From::Credential(c.path.clone()),
            });
        }
        file.as_ref().map(|l| Value {
            value: l.value.clone(),
            from: From::File(source, l.pos),
        })
    };

    let path_key = |key: &str,
                    file: &Option<Loc<String>>,
                    default: &str,
                    errors: &mut Vec<InputError>|
     -> PathBuf {
        match str_key(key, file) {
            Some(v) if v.value.trim().is_empty() => {
                errors.push(v.from.error(key, quoted(&v.value), "a path"));
                PathBuf::new()
            }
            Some(v) => base.join(v.value.trim()),
            None => base.join(default),
        }
    };

    let roster = path_key("roster", &raw.roster, "roster.toml", &mut errors);
    let state_dir = path_key(
        "state_dir",
        &raw.state_dir,
        "/var/lib/touchbase",
        &mut errors,
    );

    // [mail]
    let from = str_key("mail.from", &raw.mail.from).unwrap_or(Value {
        value: "Touchbase <touchbase@example.com>".into(),
        from: From::Env(String::new()),
    });
    let (from_name, from_email) = match parse_mailbox(&from.value) {
        Some(mb) => mb,
        None => {
            errors.push(from.from.error(
                "mail.from",
                quoted(&from.value),
                "a sender such as \"Touchbase <touchbase@example.com>\" or \"touchbase@example.com\"",
            ));
            (None, String::new())
        }
    };
    let transport_name = str_key("mail.transport", &raw.mail.transport);
    let transport = match transport_name.as_ref().map(|v| v.value.trim()) {
        None | Some("smtp") => {
            let url = str_key("mail.url", &raw.mail.url).map_or_else(
                || "smtp://127.0.0.1:25".to_string(),
                |v| {
                    if let Err(why) = check_smtp_url(&v.value) {
                        errors.push(v.from.error("mail.url", masked_url(&v.value), why));
                    }
                    v.value
                },
            );
            Transport::Smtp { url: Secret(url) }
        }
        Some("sendmail") => Transport::Sendmail,
        Some("file") => Transport::File {
            dir: path_key("mail.dir", &raw.mail.dir, "outbox", &mut errors),
        },
        Some(other) => {
            let mut e = transport_name.as_ref().map_or_else(
                || {
                    From::Env(String::new()).error(
                        "mail.transport",
                        quoted(other),
                        "one of `smtp`, `sendmail`, `file`",
                    )
                },
                |v| {
                    v.from.error(
                        "mail.transport",
                        quoted(other),
                        "one of `smtp`, `sendmail`, `file`",
                    )
                },
            );
            e.hint = did_you_mean(other, ["smtp", "sendmail", "file"]);
            errors.push(e);
            Transport::Sendmail
        }
    };
    let invite_reports = match overrides.get("mail.invite_reports") {
        Some((var, v)) => match v.as_str() {
            "true" => true,
            "false" => false,
            _ => {
                errors.push(From::Env(var.clone()).error(
                    "mail.invite_reports",
                    quoted(v),
                    "`true` or `false`",
                ));
                false
            }
        },
        None => raw.mail.invite_reports.as_ref().is_some_and(|l| l.value),
    };

    // [dispatch]
    let every = str_key("dispatch.every", &raw.dispatch.every).map_or_else(
        || "0 */10 * * * *".to_string(),
        |v| {
            if let Err(why) = cron::Schedule::from_str(v.value.trim()) {
                errors.push(v.from.error(
                    "dispatch.every",
                    format!("{} ({why})", quoted(&v.value)),
                    "a cron line of six or seven fields: sec min hour day month weekday [year]",
                ));
            }
            v.value.trim().to_string()
        },
    );
    let int_key = |key: &str,
                   file: &Option<Loc<i64>>,
                   default: u32,
                   range: std::ops::RangeInclusive<i64>,
                   expected: &str,
                   errors: &mut Vec<InputError>|
     -> u32 {
        let v = match overrides.get(key) {
            Some((var, v)) => match v.trim().parse::<i64>() {
                Ok(n) => Value {
                    value: n,
                    from: From::Env(var.clone()),
                },
                Err(_) => {
                    errors.push(From::Env(var.clone()).error(key, quoted(v), expected));
                    return default;
                }
            },
            None => match file {
                Some(l) => Value {
                    value: l.value,
                    from: From::File(source, l.pos),
                },
                None => return default,
            },
        };
        if range.contains(&v.value) {
            u32::try_from(v.value).unwrap_or(default)
        } else {
            errors.push(v.from.error(key, v.value.to_string(), expected));
            default
        }
    };
    let lead_days = int_key(
        "dispatch.lead_days",
        &raw.dispatch.lead_days,
        7,
        0..=365,
        "a whole number of days from 0 to 365",
        &mut errors,
    );
    let connections = int_key(
        "mail.connections",
        &raw.mail.connections,
        8,
        1..=64,
        "a whole number of connections from 1 to 64",
        &mut errors,
    );
    let horizon_weeks = int_key(
        "dispatch.horizon_weeks",
        &raw.dispatch.horizon_weeks,
        12,
        1..=520,
        "a whole number of weeks from 1 to 520",
        &mut errors,
    );

    // [http]
    let listen = str_key("http.listen", &raw.http.listen).map_or_else(
        || SocketAddr::from(([127, 0, 0, 1], 8787)),
        |v| match v.value.trim().parse::<SocketAddr>() {
            Ok(a) => a,
            Err(_) => {
                errors.push(v.from.error(
                    "http.listen",
                    quoted(&v.value),
                    "an address and port such as \"127.0.0.1:8787\" or \"[::1]:8787\"",
                ));
                SocketAddr::from(([127, 0, 0, 1], 8787))
            }
        },
    );
    let public_url = str_key("http.public_url", &raw.http.public_url).map_or_else(
        || "http://127.0.0.1:8787".to_string(),
        |v| {
            let url = v.value.trim().trim_end_matches('/').to_string();
            let host = url
                .strip_prefix("http://")
                .or_else(|| url.strip_prefix("https://"));
            if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
                errors.push(v.from.error(
                    "http.public_url",
                    quoted(&v.value),
                    "an http:// or https:// URL",
                ));
            }
            url
        },
    );

    let log_level = str_key("log_level", &raw.log_level).map_or_else(
        || "info".to_string(),
        |v| {
            let level = v.value.trim().to_ascii_lowercase();
            if !["error", "warn", "info", "debug", "trace"].contains(&level.as_str()) {
                let mut e = v.from.error(
                    "log_level",
                    quoted(&v.value),
                    "one of `error`, `warn`, `info`, `debug`, `trace`",
                );
                e.hint = did_you_mean(&level, ["error", "warn", "info", "debug", "trace"]);
                errors.push(e);
            }
            level
        },
    );

    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    Ok(Config {
        log_level,
        path: source.path.clone(),
        roster,
        state_dir,
        mail: Mail {
            from: from.value.trim().to_string(),
            from_name,
            from_email,
            transport,
            invite_reports,
            connections,
        },
        dispatch: Dispatch {
            every,
            lead_days,
            horizon_weeks,
        },
        http: Http { listen, public_url },
    })
}

/// `TOUCHBASE_<SECTION>__<KEY>` (or `TOUCHBASE_<KEY>` for top-level keys)
/// as `section.key` -> (variable, value). A variable that looks like an
/// override but names no key is an error, so typos do not go unnoticed.
fn env_overrides(
    env: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, (String, String)>, InputErrors> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    let known: Vec<String> = ENV_KEYS.iter().map(|(s, k)| env_name(s, k)).collect();
    for (var, value) in env {
        let Some(rest) = var.strip_prefix("TOUCHBASE_") else {
            continue;
        };
        let lower = rest.to_ascii_lowercase();
        let (section, key) = lower.split_once("__").unwrap_or(("", lower.as_str()));
        if let Some((s, k)) = ENV_KEYS.iter().find(|(s, k)| *s == section && *k == key) {
            let name = if s.is_empty() {
                (*k).to_string()
            } else {
                format!("{s}.{k}")
            };
            out.insert(name, (var.clone(), value.clone()));
        } else if rest.contains("__") {
            // Only names shaped like section overrides are checked:
            // TOUCHBASE_CONFIG and other single-word variables are not keys.
            errors.push(InputError {
                origin: Origin::Env(var.clone()),
                key: String::new(),
                found: format!("{var}, which names no configuration key"),
                expected: "TOUCHBASE_<SECTION>__<KEY> naming a key of touchbase.toml".into(),
                hint: did_you_mean(var, known.iter().map(String::as_str)),
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(InputErrors(errors))
    }
}

fn env_name(section: &str, key: &str) -> String {
    if section.is_empty() {
        format!("TOUCHBASE_{}", key.to_ascii_uppercase())
    } else {
        format!(
            "TOUCHBASE_{}__{}",
            section.to_ascii_uppercase(),
            key.to_ascii_uppercase()
        )
    }
}

/// `Name <address>` or `address` -> (name, address).
pub fn parse_mailbox(s: &str) -> Option<(Option<String>, String)> {
    let s = s.trim();
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

fn check_smtp_url(url: &str) -> Result<(), &'static str> {
    let rest = url
        .trim()
        .strip_prefix("smtp://")
        .or_else(|| url.trim().strip_prefix("smtps://"))
        .ok_or("an smtp:// or smtps:// URL such as \"smtp://127.0.0.1:25\"")?;
    let host_port = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host_port = host_port.split(['/', '?']).next().unwrap_or("");
    // A bracketed IPv6 host has colons of its own; the port follows the bracket.
    let port = match host_port.rsplit_once(']') {
        Some((_, after)) => after.strip_prefix(':'),
        None => host_port.rsplit_once(':').map(|(_, p)| p),
    };
    let host = host_port
        .trim_end_matches(port.unwrap_or(""))
        .trim_end_matches(':');
    if host.is_empty() {
        return Err(
            "an smtp:// or smtps:// URL with a host, such as \"smtp://mail.example.com:587\"",
        );
    }
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |n| n == 0)) {
        return Err("an smtp:// or smtps:// URL whose port is a number from 1 to 65535");
    }
    Ok(())
}

/// The URL with any password replaced, for error messages.
pub fn masked_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or("");
                quoted(&format!("{scheme}://{user}:MASKED@{host}"))
            }
            None => quoted(url),
        },
        None => quoted(url),
    }
}
