//! `touchbase plan`: a dry run of the next reconcile. It reads the ledger
//! when there is one and prints each message that would go out; it sends
//! and writes nothing.

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
    let digests = crate::shell::digests::due(&loaded.config, &loaded.roster, ledger.as_ref(), now)
        .map_err(ServiceError::from)?;
    if outcome.messages.is_empty() && digests.is_empty() {
        writeln!(out, "Nothing to send.")?;
        return Ok(());
    }
    let n = outcome.messages.len() + digests.len();
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
    for d in &digests {
        writeln!(
            out,
            "  {:<7} {:<18} seq {:<3} to {:<32} {}",
            "-", "weekly digest", "-", d.manager, d.letter.subject
        )?;
    }
    Ok(())
}
