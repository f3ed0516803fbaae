//! The command line: flags as SPEC.md names them, and the commands they run.
//!
//! Commands read the configuration and the roster, call the pure core and
//! print. `check` and `preview` never write anything.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;

use crate::check;
use crate::config::{self, Config, Transport};
use crate::events::Organizer;
use crate::feed;
use crate::plan::{self, Meeting};
use crate::roster::{self, Roster};
use crate::schedule::Window;
use crate::series::History;
use crate::source::{InputError, InputErrors, Origin, SourceText};

/// touchbase keeps every manager's standing 1:1 with each direct report on
/// the calendar, with fresh conversation prompts for every meeting.
#[derive(Debug, Parser)]
#[command(name = "touchbase", version, about, propagate_version = true)]
pub struct Cli {
    /// The configuration file [default: $TOUCHBASE_CONFIG, else /etc/touchbase/touchbase.toml]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the configuration and the roster; print a summary and warnings.
    Check,
    /// Show the meetings in a window, with their prompts.
    Preview(PreviewArgs),
    /// Write a person's iCalendar feed for a window to stdout.
    Export(ExportArgs),
    /// Dry run: print what the next reconcile would send, update or cancel.
    Plan,
    /// Show the outbox: queued messages, the last sent, failures with reasons.
    Status,
    /// Print a person's secret feed URL (creating the secret on first use).
    FeedUrl(FeedUrlArgs),
    /// Run the daemon: reconcile, send invitations, serve feeds.
    Run(RunArgs),
}

/// Flags of `feed-url`.
#[derive(Debug, Args)]
pub struct FeedUrlArgs {
    /// Whose feed: a manager's or a report's address.
    #[arg(long, value_name = "EMAIL")]
    pub person: String,
    /// Replace the secret: the old URL stops working.
    #[arg(long)]
    pub rotate: bool,
}

/// Flags of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Reconcile once, send what is due, and exit.
    #[arg(long)]
    pub once: bool,
}

/// Flags of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Whose feed: a manager's or a report's address.
    #[arg(long, value_name = "EMAIL")]
    pub person: String,
    /// First day of the window (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date_flag)]
    pub from: Option<Date>,
    /// Length of the window in weeks [default: dispatch.horizon_weeks]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=520))]
    pub weeks: Option<u32>,
}

/// Flags of `preview`.
#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// Only this manager's meetings.
    #[arg(long, value_name = "EMAIL")]
    pub manager: Option<String>,
    /// First day of the window (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date_flag)]
    pub from: Option<Date>,
    /// Length of the window in weeks [default: dispatch.horizon_weeks]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=520))]
    pub weeks: Option<u32>,
    /// Print a JSON array instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_date_flag(s: &str) -> Result<Date, String> {
    roster::validate::parse_date(s)
        .ok_or_else(|| format!("found {s:?}, expected a date as YYYY-MM-DD"))
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad configuration, roster or flag.
    #[error("{0}")]
    Input(#[from] InputErrors),
    /// The ledger or the mail transport failed.
    #[error(transparent)]
    Service(#[from] crate::service::ServiceError),
    /// The daemon stopped on an error.
    #[error("{0:#}")]
    Daemon(anyhow::Error),
    /// Writing the output failed (a closed pipe, a full disk).
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

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

/// Reads and checks the configuration at `path` and the roster it names.
pub fn load(path: &Path, env: &BTreeMap<String, String>) -> Result<Loaded, InputErrors> {
    let source = read(
        path,
        "configuration file",
        "a touchbase.toml (given by --config, $TOUCHBASE_CONFIG or at /etc/touchbase/touchbase.toml)",
    )?;
    let credentials = read_credentials(env)?;
    let config = config::parse_with(&source, env, &credentials)?;
    let roster_source = read(
        &config.roster,
        "roster file",
        &format!("the roster file that `roster` in {} names", path.display()),
    )?;
    let roster = roster::parse(&roster_source)?;
    Ok(Loaded { config, roster })
}

/// Runs `cli` with the process environment `env`, today's date `today` and
/// the instant `now` (the `DTSTAMP` of exported documents), printing to
/// `out`.
pub fn run(
    cli: &Cli,
    env: &BTreeMap<String, String>,
    today: Date,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let path = config_path(cli.config.as_deref(), env);
    let loaded = load(&path, env)?;
    init_logging(&loaded.config.log_level, env);
    match &cli.command {
        Command::Check => print_check(&loaded, today, out)?,
        Command::Preview(args) => preview(&loaded, args, today, out)?,
        Command::Export(args) => export(&loaded, args, today, now, out)?,
        Command::Plan => crate::ops::plan(&loaded, now, out)?,
        Command::Status => crate::ops::status(&loaded, out)?,
        Command::FeedUrl(args) => crate::ops::feed_url(&loaded, args, now, out)?,
        Command::Run(args) if args.once => crate::ops::run_once(&loaded, now, out)?,
        Command::Run(_) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime
                .block_on(crate::daemon::run(loaded, env))
                .map_err(CliError::Daemon)?;
        }
    }
    Ok(())
}

fn print_check(loaded: &Loaded, today: Date, out: &mut dyn Write) -> Result<(), CliError> {
    let Loaded { config, roster } = loaded;
    let report = check::check(roster, today, config.dispatch.horizon_weeks);
    writeln!(out, "config:   {}", config.path.display())?;
    writeln!(out, "roster:   {}", config.roster.display())?;
    writeln!(
        out,
        "people:   {} managers, {} active reports, {} paused, {} opted out",
        report.managers, report.active, report.paused, report.opted_out
    )?;
    writeln!(
        out,
        "prompts:  {} ({})",
        report.prompts,
        if roster.built_in_bank {
            "built-in bank"
        } else {
            "from the roster"
        }
    )?;
    let transport = match &config.mail.transport {
        Transport::Smtp { url } => format!("smtp to {}", config::masked_url(&url.0)),
        Transport::Sendmail => "sendmail".to_string(),
        Transport::File { dir } => format!("files in {}", dir.display()),
    };
    writeln!(out, "mail:     from {}, {}", config.mail.from, transport)?;
    writeln!(
        out,
        "feeds:    {}/feeds/<secret>.ics",
        config.http.public_url
    )?;
    writeln!(out, "state:    {}", config.state_dir.display())?;
    writeln!(out)?;
    writeln!(out, "1:1 time per month of each active report:")?;
    for f in &report.fairness {
        writeln!(out, "  {}", f.manager)?;
        if f.shares.is_empty() {
            writeln!(out, "    (no active reports)")?;
        }
        for s in &f.shares {
            writeln!(
                out,
                "    {:<36} {:>4.0} min  ({})",
                s.report, s.minutes_per_month, s.how
            )?;
        }
    }
    if !report.warnings.is_empty() {
        writeln!(out)?;
        for w in &report.warnings {
            writeln!(out, "warning: {w}")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "ok: {} warning{}",
        report.warnings.len(),
        if report.warnings.len() == 1 { "" } else { "s" }
    )?;
    Ok(())
}

/// Logs go to stderr (the journal, under systemd), at `log_level` unless
/// `RUST_LOG` says otherwise.
fn init_logging(level: &str, env: &BTreeMap<String, String>) {
    let filter = env
        .get("RUST_LOG")
        .and_then(|v| tracing_subscriber::EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // The journal stamps each line itself.
    let result = if env.contains_key("JOURNAL_STREAM") {
        builder.without_time().try_init()
    } else {
        builder.try_init()
    };
    // Already set (tests calling `run` twice in one process): keep the first.
    let _ = result;
}

/// The pairs' earlier series, from the ledger when there is one (a series
/// split by a change of time or cadence keeps its past meetings), read
/// without creating anything.
fn ledger_history(config: &Config) -> Result<History, CliError> {
    let ledger = crate::ledger::Ledger::open_existing(&config.state_dir)
        .map_err(crate::service::ServiceError::from)?;
    match ledger {
        Some(l) => Ok(crate::reconcile::history(
            &l.snapshot().map_err(crate::service::ServiceError::from)?,
        )),
        None => Ok(History::new()),
    }
}

/// One meeting as `preview --json` prints it.
#[derive(Debug, Serialize)]
pub struct MeetingJson<'a> {
    /// Manager's address.
    pub manager: &'a str,
    /// Manager's name.
    pub manager_name: &'a str,
    /// Report's address.
    pub report: &'a str,
    /// Report's name.
    pub report_name: &'a str,
    /// RFC 3339 start with the local UTC offset.
    pub start: String,
    /// RFC 3339 end with the local UTC offset.
    pub end: String,
    /// IANA zone of the pair.
    pub timezone: &'a str,
    /// Length in minutes.
    pub duration_minutes: u32,
    /// Location text.
    pub location: &'a str,
    /// The prompts' texts.
    pub prompts: Vec<&'a str>,
    /// The prompts' ids.
    pub prompt_ids: Vec<&'a str>,
    /// UID of the series.
    pub uid: String,
    /// Position in the series (0 = the `start` date).
    pub occurrence: u32,
}

/// `meeting` as JSON.
pub fn meeting_json<'a>(roster: &'a Roster, m: &Meeting<'a>) -> MeetingJson<'a> {
    let pair = m.pair;
    let prompts: Vec<_> = m.prompts(roster).collect();
    MeetingJson {
        manager: &pair.manager.email,
        manager_name: &pair.manager.name,
        report: &pair.report.email,
        report_name: &pair.report.name,
        start: rfc3339(m.start, pair),
        end: rfc3339(m.end, pair),
        timezone: &pair.timezone,
        duration_minutes: pair.duration_minutes,
        location: &pair.location,
        prompts: prompts.iter().map(|p| p.text.as_str()).collect(),
        prompt_ids: prompts.iter().map(|p| p.id.as_str()).collect(),
        uid: m.uid.clone().into_owned(),
        occurrence: m.occurrence,
    }
}

fn rfc3339(ts: jiff::Timestamp, pair: &roster::Pair) -> String {
    let offset = pair.tz.to_offset(ts);
    ts.display_with_offset(offset).to_string()
}

fn preview(
    loaded: &Loaded,
    args: &PreviewArgs,
    today: Date,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let Loaded { config, roster } = loaded;
    if let Some(m) = &args.manager {
        if !roster.managers.iter().any(|x| x.person.is(m)) {
            return Err(InputErrors::from(InputError {
                origin: Origin::Flag("--manager".into()),
                key: String::new(),
                found: crate::source::quoted(m),
                expected: format!("the address of a manager in {}", config.roster.display()),
                hint: crate::source::did_you_mean(
                    m,
                    roster.managers.iter().map(|x| x.person.email.as_str()),
                ),
            })
            .into());
        }
    }
    let from = args.from.unwrap_or(today);
    let weeks = args.weeks.unwrap_or(config.dispatch.horizon_weeks);
    let window = Window::weeks(from, weeks);
    let history = ledger_history(config)?;
    let meetings = plan::plan(roster, &history, window, args.manager.as_deref());
    if args.json {
        let json: Vec<_> = meetings.iter().map(|m| meeting_json(roster, m)).collect();
        serde_json::to_writer_pretty(&mut *out, &json).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(());
    }
    let last = window.until.yesterday().unwrap_or(window.until);
    writeln!(
        out,
        "1:1s from {} to {} ({} meetings)",
        window.from,
        last,
        meetings.len()
    )?;
    for (mi, manager) in roster.managers.iter().enumerate() {
        let mine: Vec<_> = meetings
            .iter()
            .filter(|m| m.pair.manager_index == mi)
            .collect();
        if mine.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{} <{}>", manager.person.name, manager.person.email)?;
        for m in mine {
            let pair = m.pair;
            let start = m.start.to_zoned(pair.tz.clone());
            let end = m.end.to_zoned(pair.tz.clone());
            writeln!(
                out,
                "  {}-{} {} ({})  with {} <{}>",
                start.strftime("%a %Y-%m-%d %H:%M"),
                end.strftime("%H:%M"),
                pair.timezone,
                start.strftime("%Z"),
                pair.report.name,
                pair.report.email
            )?;
            if !pair.location.is_empty() {
                writeln!(out, "      at {}", pair.location)?;
            }
            for p in m.prompts(roster) {
                writeln!(out, "      - {}", p.text)?;
            }
        }
    }
    Ok(())
}

fn export(
    loaded: &Loaded,
    args: &ExportArgs,
    today: Date,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let Loaded { config, roster } = loaded;
    let window = Window::weeks(
        args.from.unwrap_or(today),
        args.weeks.unwrap_or(config.dispatch.horizon_weeks),
    );
    let organizer = Organizer {
        name: config.mail.from_name.as_deref(),
        email: &config.mail.from_email,
    };
    let history = ledger_history(config)?;
    let doc =
        feed::render(roster, &history, &args.person, window, organizer, now).map_err(|_| {
            // One message for an unknown address and an opted-out report,
            // and hints drawn only from people who may be named.
            InputErrors::from(InputError {
                origin: Origin::Flag("--person".into()),
                key: String::new(),
                found: crate::source::quoted(args.person.trim()),
                expected: format!(
                    "the address of a manager or report in {}",
                    config.roster.display()
                ),
                hint: crate::source::did_you_mean(
                    &args.person,
                    roster
                        .managers
                        .iter()
                        .map(|m| m.person.email.as_str())
                        .chain(roster.active_pairs().map(|p| p.report.email.as_str())),
                ),
            })
        })?;
    out.write_all(doc.as_bytes())?;
    Ok(())
}
