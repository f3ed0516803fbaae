//! The command line: flags as SPEC.md names them, and one file per command.
//!
//! [`run`] loads what a command needs (only the configuration for `status`
//! and for the daemon, which reads the roster itself; the roster too for
//! the others), sets up logging, and hands over to the command's module.
//! Commands print to the writer they are given.
//!
//! - `check`: validates; prints the summary, fairness and warnings.
//! - `preview`: the meetings in a window, as text or JSON.
//! - `export`: a person's feed for a window.
//! - `feed_url`: a person's secret feed URL, made or rotated.
//! - `plan`: what the next reconcile would send.
//! - `status`: the outbox.
//! - `run`: the daemon, or one reconcile with `--once`.

mod check;
mod export;
mod feed_url;
mod plan;
mod preview;
mod run;
mod status;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use jiff::civil::Date;
use jiff::Timestamp;

use crate::core::roster;
use crate::core::source::InputErrors;
use crate::shell::load::{self, config_path};
use crate::shell::service::ServiceError;

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
    Service(#[from] ServiceError),
    /// The daemon stopped on an error.
    #[error("{0:#}")]
    Daemon(anyhow::Error),
    /// Another process holds the state folder.
    #[error(transparent)]
    Lock(#[from] crate::shell::lock::LockError),
    /// Writing the output failed (a closed pipe, a full disk).
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
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
    let config = load::load_config(&path, env)?;
    // `status` reads only the ledger: it must work while the roster has an
    // error, which is when an operator needs it most.
    match &cli.command {
        Command::Status => {
            init_logging(&config.log_level, env);
            return status::status(&config, out);
        }
        Command::Run(args) if !args.once => {
            init_logging(&config.log_level, env);
            return run::daemon(config, env);
        }
        _ => {}
    }
    let mut roster = load::load_roster(&config)?;
    init_logging(&config.log_level, env);
    // A calendar source never fetched is fetched once, here, so that a
    // first `check` or `preview` already sees its days off.
    let failed = if matches!(cli.command, Command::FeedUrl(_)) {
        Vec::new()
    } else {
        crate::shell::daysoff::fetch_missing(&config.state_dir, &roster, now)
    };
    for (id, why) in &failed {
        tracing::warn!("calendar {id}: cannot fetch ({why}); it gives no days off until it can");
    }
    if !roster.calendars.is_empty() {
        let range = crate::shell::daysoff::range(today, config.dispatch.horizon_weeks);
        crate::shell::daysoff::load_into(&config.state_dir, &mut roster, range);
    }
    let loaded = load::Loaded { config, roster };
    match &cli.command {
        Command::Check => check::check(&loaded, today, out),
        Command::Preview(args) => preview::preview(&loaded, args, today, out),
        Command::Export(args) => export::export(&loaded, args, today, now, out),
        Command::Plan => plan::plan(&loaded, now, out),
        Command::Status => status::status(&loaded.config, out),
        Command::FeedUrl(args) => feed_url::feed_url(&loaded, args, now, out),
        Command::Run(_) => run::once(&loaded, now, out),
    }
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
