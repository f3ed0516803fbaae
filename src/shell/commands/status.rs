//! `touchbase status`: the outbox as the ledger records it: queued and
//! waiting to retry, the last message sent, and failures with the server's
//! reason. It needs only the configuration, not the roster.

use std::io::Write;

use jiff::Timestamp;

use super::CliError;
use crate::shell::config::Config;
use crate::shell::ledger::Ledger;
use crate::shell::service::ServiceError;

fn time(t: i64) -> String {
    Timestamp::from_second(t).map_or_else(
        |_| t.to_string(),
        |ts| ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// `touchbase status`: the outbox and what happened to it.
pub fn status(config: &Config, out: &mut dyn Write) -> Result<(), CliError> {
    let Some(ledger) = Ledger::open_existing(&config.state_dir).map_err(ServiceError::from)? else {
        writeln!(
            out,
            "No ledger yet in {}: nothing has been sent.",
            config.state_dir.display()
        )?;
        return Ok(());
    };
    let s = ledger.status(10).map_err(ServiceError::from)?;
    writeln!(out, "ledger:   {}", ledger.path().display())?;
    write!(out, "queued:   {}", s.queued)?;
    if s.retrying > 0 {
        write!(out, " ({} waiting to retry)", s.retrying)?;
    }
    if let Some(next) = s.next_attempt {
        write!(out, ", next attempt {}", time(next))?;
    }
    writeln!(out)?;
    match &s.last_sent {
        Some((at, subject, to)) => writeln!(
            out,
            "sent:     {}, last {} to {to}: {subject}",
            s.sent,
            time(*at)
        )?,
        None => writeln!(out, "sent:     0")?,
    }
    writeln!(out, "failed:   {}", s.failures.len())?;
    for (at, to, subject, reason) in &s.failures {
        writeln!(out, "  {} to {to}: {subject}\n    {reason}", time(*at))?;
    }
    if !s.retries.is_empty() {
        writeln!(out, "retrying:")?;
        for (to, subject, attempts, reason) in &s.retries {
            writeln!(
                out,
                "  to {to} after {attempts} attempt{}: {subject}\n    {reason}",
                if *attempts == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(())
}
