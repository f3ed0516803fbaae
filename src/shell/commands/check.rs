//! `touchbase check`: validates the configuration and the roster (loading
//! them did that) and prints the summary, each manager's 1:1 time per
//! active report, and the warnings. It writes nothing.

use std::io::Write;

use jiff::civil::Date;

use super::CliError;
use crate::core::check::{self, Warning};
use crate::shell::config::{Config, Transport, Updates};
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
    let transport = transport(config);
    writeln!(out, "mail:     from {}, {}", config.mail.from, transport)?;
    let updates = match config.mail.updates {
        Updates::Occurrence => "occurrence (each meeting's prompts as an update of that meeting)",
        Updates::Series => "series (every change as the whole series)",
    };
    writeln!(out, "updates:  {updates}")?;
    let prompts = match config.mail.prompts {
        crate::core::letter::Prompts::Updates => format!(
            "updates (each meeting's prompts {} days ahead, as an update of that meeting)",
            config.dispatch.lead_days
        ),
        crate::core::letter::Prompts::Digest => {
            "digest (one mail per manager, 07:00 on the first working day of each week)".into()
        }
    };
    writeln!(out, "delivery: {prompts}")?;
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
    let mut warnings = report.warnings.clone();
    warnings.extend(config_warnings(config));
    if !warnings.is_empty() {
        writeln!(out)?;
        for w in &warnings {
            writeln!(out, "warning: {w}")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "ok: {} warning{}",
        warnings.len(),
        if warnings.len() == 1 { "" } else { "s" }
    )?;
    Ok(())
}

/// How mail leaves, as the `mail:` line says it: the SMTP URL masked, with
/// what TLS is used and what that means for the password.
fn transport(config: &Config) -> String {
    match &config.mail.transport {
        Transport::Smtp(target) => {
            format!("smtp to {}, {}", target.masked_url(), target.security())
        }
        Transport::Sendmail => "sendmail".to_string(),
        Transport::File { dir } => format!("files in {}", dir.display()),
    }
}

/// Warnings about the configuration: a password that would cross the
/// network unencrypted.
fn config_warnings(config: &Config) -> Vec<Warning> {
    match &config.mail.transport {
        Transport::Smtp(target) if target.clear_password_off_host() => vec![Warning {
            origin: config.path.display().to_string(),
            message: format!(
                "`mail.url` sends the password unencrypted to {} (tls=none); \
                 keep tls=none for a relay on this machine",
                target.host
            ),
        }],
        _ => Vec::new(),
    }
}
