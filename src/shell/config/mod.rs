//! `touchbase.toml`: the service configuration, with environment overrides,
//! resolved into the typed values every command uses as they are.
//!
//! The file is read with spans (so errors name line and column), then
//! `TOUCHBASE_<SECTION>__<KEY>` variables and systemd credentials override
//! single keys (so secrets such as the SMTP password need not sit in the
//! file), then each value is parsed into what it means: the cron
//! [`cron::Schedule`], the [`SmtpTarget`], the listen [`SocketAddr`].
//! Nothing downstream parses a configured string again, so whatever
//! `touchbase check` accepts, `touchbase run` accepts too. Relative paths are
//! relative to the file's folder. See docs/DEPENDENCIES.md for why this is
//! not the `config` crate.
//!
//! # Layout
//! - `raw`: the serde structs that mirror the file, and the lookup that
//!   applies overrides and remembers where each value came from.
//! - `resolve`: one function per section, from values to types.
//! - `smtp`: `mail.url`, the one reader of SMTP URLs.

mod raw;
mod resolve;
mod smtp;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::core::source::{InputErrors, Origin, SourceText};

pub use crate::core::reconcile::{Prompts, Updates};

pub use raw::{Credential, CREDENTIALS};
pub use smtp::{SmtpTarget, Tls};

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
    /// SMTP, to the server `mail.url` names.
    Smtp(SmtpTarget),
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
    /// How changes reach calendars (`mail.updates`).
    pub updates: Updates,
    /// How meetings' prompts reach managers (`mail.prompts`).
    pub prompts: Prompts,
    /// Where `mail.from` was set, for errors that only the roster reveals
    /// (`mail.from` must be no person of the roster).
    pub from_origin: Origin,
}

/// `[dispatch]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    /// Extra wake-ups, from a cron line (`sec min hour day month weekday`,
    /// and optionally `year`); `source()` gives the text back.
    pub every: cron::Schedule,
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

/// Parses `source` (the config file's text) with `env` overrides applied.
///
/// `env` is the process environment, passed in so that this stays pure.
#[cfg(test)]
pub fn parse(source: &SourceText, env: &BTreeMap<String, String>) -> Result<Config, InputErrors> {
    parse_with(source, env, &[])
}

/// [`parse`], with credentials: the environment beats a credential, which
/// beats the file. Every bad value is reported, not only the first.
pub fn parse_with(
    source: &SourceText,
    env: &BTreeMap<String, String>,
    credentials: &[Credential],
) -> Result<Config, InputErrors> {
    let raw: raw::RawConfig = crate::core::formats::parse_toml(source)?;
    let lookup = raw::Lookup::new(source, env, credentials)?;
    let roster = lookup.path("roster", raw.roster.as_ref(), "roster.toml");
    let state_dir = lookup.path("state_dir", raw.state_dir.as_ref(), "/var/lib/touchbase");
    let mail = resolve::mail(&lookup, &raw.mail);
    let dispatch = resolve::dispatch(&lookup, &raw.dispatch);
    let http = resolve::http(&lookup, &raw.http);
    let log_level = resolve::log_level(&lookup, raw.log_level.as_ref());
    match (roster, state_dir, mail, dispatch, http, log_level) {
        (Ok(roster), Ok(state_dir), Ok(mail), Ok(dispatch), Ok(http), Ok(log_level)) => {
            Ok(Config {
                path: source.path.clone(),
                roster,
                state_dir,
                mail,
                dispatch,
                http,
                log_level,
            })
        }
        (roster, state_dir, mail, dispatch, http, log_level) => Err(errors([
            roster.err(),
            state_dir.err(),
            mail.err(),
            dispatch.err(),
            http.err(),
            log_level.err(),
        ])),
    }
}

/// The errors among `found`, in order: each resolver returns its own, and
/// all are reported together.
fn errors<const N: usize>(found: [Option<InputErrors>; N]) -> InputErrors {
    InputErrors(found.into_iter().flatten().flat_map(|e| e.0).collect())
}
