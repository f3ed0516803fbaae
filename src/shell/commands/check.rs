//! `touchbase check`: validates the configuration and the roster (loading
//! them did that) and prints the summary, each manager's 1:1 time per
//! active report, and the warnings. It writes nothing.

use std::io::Write;

use jiff::civil::Date;

use super::CliError;
use crate::core::check;
use crate::shell::config::{Transport, Updates};
use crate::shell::load::Loaded;

/// Prints the report of `touchbase check`.
pub fn check(loaded: &Loaded, today: Date, out: &mut dyn Write) -> Result<(), CliError> {
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
        Transport::Smtp(target) => format!("smtp to {}", target.masked_url()),
        Transport::Sendmail => "sendmail".to_string(),
        Transport::File { dir } => format!("files in {}", dir.display()),
    };
    writeln!(out, "mail:     from {}, {}", config.mail.from, transport)?;
    let updates = match config.mail.updates {
        Updates::Occurrence => "occurrence (each meeting's prompts as an update of that meeting)",
        Updates::Series => "series (every change as the whole series)",
    };
    writeln!(out, "updates:  {updates}")?;
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
