//! `touchbase plan`: a dry run of the next reconcile. It reads the ledger
//! when there is one and prints each message that would go out; it sends
//! and writes nothing (but the first copy of a calendar source never
//! fetched, as every command that reads the roster does).

use std::io::Write;

use jiff::Timestamp;

use super::CliError;
use crate::shell::ledger::Ledger;
use crate::shell::load::Loaded;
use crate::shell::service::{self, ServiceError};

/// `touchbase plan`: prints what the next reconcile would send. Reads the
/// ledger if there is one; writes nothing.
pub fn plan(loaded: &Loaded, now: Timestamp, out: &mut dyn Write) -> Result<(), CliError> {
    let ledger = Ledger::open_existing(&loaded.config.state_dir).map_err(ServiceError::from)?;
    // The count comes first, so the lines wait in memory: about 130 bytes
    // a message, where the messages themselves would be kilobytes.
    let mut lines = Vec::new();
    let mut n = 0usize;
    service::plan(
        &loaded.config,
        &loaded.roster,
        ledger.as_ref(),
        now,
        &mut |m| {
            n += 1;
            // Writing to a Vec cannot fail.
            let _ = writeln!(
                lines,
                "  {:<7} {:<18} seq {:<3} to {:<32} {}",
                m.method.as_str(),
                m.kind.label(),
                m.sequence,
                m.to.email,
                m.body.subject
            );
        },
    )?;
    if n == 0 {
        writeln!(out, "Nothing to send.")?;
        return Ok(());
    }
    writeln!(
        out,
        "{n} message{} would be sent:",
        if n == 1 { "" } else { "s" }
    )?;
    out.write_all(&lines)?;
    Ok(())
}
