//! The weekly digests carried out (`mail.prompts = "digest"`): which are
//! due (the core's [`crate::core::letter::digest`]), against those the
//! ledger holds, built as plain mails and queued with their ledger rows in
//! one transaction; the outbox sends them like any other message.

use std::collections::HashSet;

use jiff::{Timestamp, ToSpan};

use crate::core::hash::hex128;
use crate::core::letter::{digest, Prompts};
use crate::core::roster::Roster;
use crate::core::series::History;
use crate::shell::config::Config;
use crate::shell::ledger::{Ledger, LedgerError, NewDigest, NewMessage};
use crate::shell::mail::plain::{self, Plain};

/// Queues the digests due at `now` and not queued before; returns how many.
/// Nothing in `updates` mode.
pub fn queue(
    config: &Config,
    roster: &Roster,
    ledger: &mut Ledger,
    now: Timestamp,
) -> Result<usize, LedgerError> {
    let due = due(config, roster, Some(ledger), now)?;
    if due.is_empty() {
        return Ok(0);
    }
    let domain = crate::shell::service::organizer(config).domain();
    let rows: Vec<NewDigest> = due
        .iter()
        .map(|d| new_digest(config, d, &domain, now))
        .collect();
    ledger.queue_digests(&rows, now.as_second())
}

/// The digests due at `now` that `ledger` (none: nothing was sent yet) has
/// not queued; none in `updates` mode.
pub fn due(
    config: &Config,
    roster: &Roster,
    ledger: Option<&Ledger>,
    now: Timestamp,
) -> Result<Vec<digest::Digest>, LedgerError> {
    if config.mail.prompts != Prompts::Digest {
        return Ok(Vec::new());
    }
    let Some(ledger) = ledger else {
        return Ok(digest::due(roster, &History::new(), &HashSet::new(), now));
    };
    // Every zone's current Monday is within 8 days before now, in UTC.
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let since = today.checked_sub(8.days()).unwrap_or(today);
    let queued = ledger.digests_since(since)?;
    let history = ledger.history()?;
    Ok(digest::due(roster, &history, &queued, now))
}

/// `d` as a ledger row and its message; one that cannot be built is
/// recorded as failed, with the reason, like any other message.
fn new_digest(config: &Config, d: &digest::Digest, domain: &str, now: Timestamp) -> NewDigest {
    let message_id = d.message_id(domain);
    let built = plain::build(&Plain {
        from_name: config.mail.from_name.clone(),
        from_email: config.mail.from_email.clone(),
        to_name: d.manager_name.clone(),
        to_email: d.manager.clone(),
        subject: d.letter.subject.clone(),
        text: d.letter.text.clone(),
        html: d.letter.html.clone(),
        message_id: message_id.clone(),
        date: now.as_second(),
    });
    let failed = built
        .as_ref()
        .err()
        .map(|e| format!("the message could not be built: {e}"));
    NewDigest {
        manager: d.manager.to_ascii_lowercase(),
        week: d.week,
        message: NewMessage {
            message_id,
            uid: format!("digest {}", d.week),
            recurrence_id: None,
            sequence: 0,
            method: "DIGEST".into(),
            recipient: d.manager.clone(),
            subject: d.letter.subject.clone(),
            content_hash: hex128(&[d.letter.text.as_bytes()]),
            body: built.unwrap_or_default(),
            failed,
        },
    }
}
