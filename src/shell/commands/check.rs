//! `touchbase check`: validates the configuration and the roster (loading
//! them did that) and prints the summary, each manager's 1:1 time per
//! active report, the calendar sources of days off, and the warnings. It
//! writes nothing but the first copy of a calendar source never fetched.

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
    own_choices(roster, out)?;
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
    writeln!(out)?;
    writeln!(out, "1:1s per weekday (each manager's own week and zone):")?;
    for (m, days) in roster.managers.iter().zip(&report.load) {
        let cells: Vec<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .iter()
            .zip(days)
            .map(|(d, n)| format!("{d} {n}"))
            .collect();
        writeln!(
            out,
            "  {:<36} {}",
            format!("{} <{}>", m.person.name, m.person.email),
            cells.join("  ")
        )?;
    }
    // Paused reports are only counted, like opted-out ones.
    let auto: Vec<_> = roster
        .active_pairs()
        .filter(|p| p.placing.auto && !p.is_paused_on(today))
        .collect();
    if !auto.is_empty() {
        writeln!(out)?;
        writeln!(out, "placed (time = \"auto\"):")?;
        for p in auto {
            writeln!(
                out,
                "  {} with {}: {} {} {}, {}, from {}",
                p.manager.email,
                p.report.email,
                p.start.strftime("%A"),
                p.time.strftime("%H:%M"),
                p.timezone,
                p.cadence,
                p.start
            )?;
        }
    }
    let mut warnings = report.warnings.clone();
    warnings.extend(config_warnings(config));
    warnings.extend(calendars(loaded, today, out)?);
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

/// The `calendars:` section: per source, its events in the horizon and
/// the meetings its days off skip; warnings for sources with no days off
/// known (never fetched, unreadable).
fn calendars(loaded: &Loaded, today: Date, out: &mut dyn Write) -> Result<Vec<Warning>, CliError> {
    let Loaded { config, roster } = loaded;
    let mut warnings = Vec::new();
    if roster.calendars.is_empty() {
        return Ok(warnings);
    }
    let range = crate::shell::daysoff::range(today, config.dispatch.horizon_weeks);
    let states = crate::shell::daysoff::load_all(&config.state_dir, roster, range);
    let horizon = crate::core::schedule::Window::weeks(today, config.dispatch.horizon_weeks);
    writeln!(out)?;
    writeln!(
        out,
        "calendars (days off in the next {} weeks):",
        config.dispatch.horizon_weeks
    )?;
    for (i, (cal, state)) in roster.calendars.iter().zip(&states).enumerate() {
        let source = match &cal.source {
            crate::core::roster::CalendarSource::Url(u) => u.clone(),
            crate::core::roster::CalendarSource::Path(p) => p.display().to_string(),
        };
        write!(out, "  {} ({}, {source}): ", cal.id, cal.kind.as_str())?;
        match state {
            crate::shell::daysoff::State::Read(d) => {
                let events: Vec<String> = d
                    .events_in(horizon)
                    .map(|e| {
                        if e.first == e.last {
                            e.first.to_string()
                        } else {
                            format!("{} to {}", e.first, e.last)
                        }
                    })
                    .collect();
                let (skipped, moved) = crate::core::daysoff::effects(roster, i, d, horizon);
                writeln!(
                    out,
                    "{} event{} in the horizon{}; skips {skipped} meeting{}, moves {moved}",
                    events.len(),
                    if events.len() == 1 { "" } else { "s" },
                    if events.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", events.join(", "))
                    },
                    if skipped == 1 { "" } else { "s" },
                )?;
            }
            crate::shell::daysoff::State::NeverFetched => {
                writeln!(out, "never fetched: no days off")?;
                warnings.push(Warning {
                    origin: config.roster.display().to_string(),
                    message: format!(
                        "calendar `{}` was never fetched: it gives no days off until it is",
                        cal.id
                    ),
                });
            }
            crate::shell::daysoff::State::Unreadable(why) => {
                writeln!(out, "unreadable ({why}): no days off")?;
                warnings.push(Warning {
                    origin: config.roster.display().to_string(),
                    message: format!(
                        "calendar `{}` cannot be read ({why}): it gives no days off",
                        cal.id
                    ),
                });
            }
        }
    }
    Ok(warnings)
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

/// The reports' own choices (made on their page), counted, never named:
/// they override the roster, so whoever edits it learns they exist.
fn own_choices(roster: &crate::core::roster::Roster, out: &mut dyn Write) -> std::io::Result<()> {
    let own = &roster.own;
    if own.count() == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "own:      {} reports' own choices override the roster ({} opted out, {} paused, {} chose prompt tags); they are theirs to change, on their own page",
        own.count(),
        own.opted_out(),
        own.paused,
        own.skipping
    )
}
