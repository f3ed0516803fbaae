//! Reading the input files: the configuration (with systemd credentials
//! and environment overrides) and the roster it names. Parsing and
//! validation are the core's and `config`'s; this module only reads, and
//! turns an unreadable file into a located error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::core::placement;
use crate::core::roster::{self, Roster};
use crate::core::source::{quoted, InputError, InputErrors, Origin, SourceText};
use crate::shell::config::{self, Config};
use crate::shell::ledger::{Ledger, LedgerError};

/// The configuration and roster, loaded and checked.
#[derive(Debug)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// The roster.
    pub roster: Roster,
}

/// Which configuration file to read: `--config`, else `$TOUCHBASE_CONFIG`,
/// else the system default.
pub fn config_path(flag: Option<&Path>, env: &BTreeMap<String, String>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| {
            env.get("TOUCHBASE_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_PATH))
}

fn read(path: &Path, what: &str, expected: &str) -> Result<SourceText, InputErrors> {
    std::fs::read_to_string(path)
        .map(|text| SourceText::new(path, text))
        .map_err(|e| {
            InputError {
                origin: Origin::File {
                    path: path.to_path_buf(),
                    line: 0,
                    column: 0,
                },
                key: String::new(),
                found: format!("no readable {what} ({e})"),
                expected: expected.to_string(),
                hint: None,
            }
            .into()
        })
}

/// Secrets handed over by systemd (`LoadCredential=smtp-url:...`), read
/// from `$CREDENTIALS_DIRECTORY` when it is set.
fn read_credentials(
    env: &BTreeMap<String, String>,
) -> Result<Vec<config::Credential>, InputErrors> {
    let Some(dir) = env.get("CREDENTIALS_DIRECTORY").filter(|d| !d.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, key) in config::CREDENTIALS {
        let path = Path::new(dir).join(name);
        if !path.exists() {
            continue;
        }
        let text = read(
            &path,
            "credential",
            &format!("a readable credential file for `{key}`"),
        )?
        .text;
        let value = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(&text)
            .to_string();
        out.push(config::Credential { key, path, value });
    }
    Ok(out)
}

/// Reads and checks the configuration at `path` (credentials from
/// `$CREDENTIALS_DIRECTORY`, overrides from `env`).
pub fn load_config(path: &Path, env: &BTreeMap<String, String>) -> Result<Config, InputErrors> {
    let source = read(
        path,
        "configuration file",
        "a touchbase.toml (given by --config, $TOUCHBASE_CONFIG or at /etc/touchbase/touchbase.toml)",
    )?;
    let credentials = read_credentials(env)?;
    config::parse_with(&source, env, &credentials)
}

/// Reads and checks the roster that `config` names.
pub fn load_roster(config: &Config) -> Result<Roster, InputErrors> {
    let source = read(
        &config.roster,
        "roster file",
        &format!(
            "the roster file that `roster` in {} names",
            config.path.display()
        ),
    )?;
    roster_from(config, &source)
}

/// Parses and checks the roster text `source` against `config`: the
/// organizer (`mail.from`) must be no person of the roster, since a
/// manager would then get invitations organised by themselves, with no
/// Accept or Decline; and every UID takes the organizer's domain.
pub fn roster_from(config: &Config, source: &SourceText) -> Result<Roster, InputErrors> {
    let mut roster = roster::parse(source)?;
    let from = &config.mail.from_email;
    let is_person = roster.managers.iter().any(|m| m.person.is(from))
        || roster.pairs.iter().any(|p| p.report.is(from));
    if is_person {
        return Err(InputError {
            origin: config.mail.from_origin.clone(),
            key: "mail.from".to_string(),
            found: quoted(from),
            expected: format!(
                "an address that is no manager or report in {} (the organizer of every invitation; a person who organises their own 1:1 gets no Accept or Decline)",
                config.roster.display()
            ),
            hint: None,
        }
        .into());
    }
    roster.set_uid_domain(&organizer_domain(from));
    // The ledger holds the reports' own choices and the slots sent.
    let ledger = Ledger::open_existing(&config.state_dir)
        .map_err(|e| ledger_error(config, "own_choices", &e, OWN_CHOICES))?;
    let choices = match &ledger {
        Some(l) => l
            .own_choices()
            .map_err(|e| ledger_error(config, "own_choices", &e, OWN_CHOICES))?,
        None => Default::default(),
    };
    // The one point where the roster file and the self-service page meet,
    // which every command and the daemon go through.
    crate::core::own::apply(&mut roster, &choices);
    // Placed before days off: a manager's days off become the pair's dates
    // by its time.
    place_with(config, &mut roster, ledger.as_ref())?;
    // Days off from each source's last good copy (or its file).
    let today = crate::shell::clock::now_local().date();
    let range = crate::shell::daysoff::range(today, config.dispatch.horizon_weeks);
    crate::shell::daysoff::load_into(&config.state_dir, &mut roster, range);
    Ok(roster)
}

/// What a ledger read for the reports' own choices needs.
const OWN_CHOICES: &str = "a readable ledger (the reports' own choices are kept there)";

/// What a ledger read for the `auto` pairs' slots needs.
const SENT_SLOTS: &str =
    "a readable ledger: `time = \"auto\"` pairs keep the slots their series were sent with";

/// A ledger that could not be read while loading the roster, as an input
/// error located at the ledger file.
fn ledger_error(config: &Config, key: &str, e: &LedgerError, expected: &str) -> InputErrors {
    InputError {
        origin: Origin::File {
            path: config.state_dir.join(crate::shell::ledger::FILE),
            line: 0,
            column: 0,
        },
        key: key.to_string(),
        found: e.to_string(),
        expected: expected.to_string(),
        hint: None,
    }
    .into()
}

/// Gives every `time = "auto"` pair its weekday and time (the core's
/// `placement`), keeping the slots the ledger records as sent. Without
/// such a pair the ledger is not read. A pair with no possible slot is an
/// error at the report's entry, saying why.
pub fn place(config: &Config, roster: &mut Roster) -> Result<(), InputErrors> {
    if !roster.active_pairs().any(|p| p.placing.auto) {
        return Ok(());
    }
    let ledger = Ledger::open_existing(&config.state_dir)
        .map_err(|e| ledger_error(config, "", &e, SENT_SLOTS))?;
    place_with(config, roster, ledger.as_ref())
}

/// [`place`] with the ledger already open (`None`: there is none yet).
fn place_with(
    config: &Config,
    roster: &mut Roster,
    ledger: Option<&Ledger>,
) -> Result<(), InputErrors> {
    if !roster.active_pairs().any(|p| p.placing.auto) {
        return Ok(());
    }
    let sent = match ledger {
        Some(l) => l
            .active_series()
            .map_err(|e| ledger_error(config, "", &e, SENT_SLOTS))?,
        None => Default::default(),
    };
    placement::place(roster, &sent).map(|_| ()).map_err(|unplaced| {
        InputErrors(
            unplaced
                .into_iter()
                .map(|u| {
                    let p = &roster.pairs[u.pair];
                    InputError {
                        origin: p.origin.clone(),
                        key: format!("{}.time", p.placing.key),
                        found: format!(
                            "`time = \"auto\"` for {} with {}, and no slot: {}",
                            p.manager.email, p.report.email, u.reason
                        ),
                        expected: "a slot inside both people's `hours` that no other 1:1 of theirs takes: widen `hours`, raise `max_per_day`, or give this pair a fixed `time`".into(),
                        hint: None,
                    }
                })
                .collect(),
        )
    })
}

/// The domain of the organizer's address: UIDs and Message-IDs end in it.
pub fn organizer_domain(email: &str) -> String {
    crate::core::events::Organizer { name: None, email }.domain()
}
