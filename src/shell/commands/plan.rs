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
    let outcome = service::plan(&loaded.config, &loaded.roster, ledger.as_ref(), now)?;
    if outcome.messages.is_empty() {
        writeln!(out, "Nothing to send.")?;
        return Ok(());
    }
    let n = outcome.messages.len();
    writeln!(
        out,
        "{n} message{} would be sent:",
        if n == 1 { "" } else { "s" }
    )?;
    for m in &outcome.messages {
        writeln!(
            out,
            "  {:<7} {:<18} seq {:<3} to {:<32} {}",
            m.method.as_str(),
            m.kind.label(),
            m.sequence,
            m.to.email,
            m.body.subject
        )?;
    }
    Ok(())
}
