//! One reconcile carried out: read the ledger, compute what is due, build
//! the messages and queue them in one transaction; and draining the outbox.
//!
//! This is where the pure core meets SQLite and the mail transports; the
//! daemon and the one-shot commands share it.

use std::sync::atomic::AtomicBool;

use jiff::Timestamp;

use crate::core::events::Organizer;
use crate::core::reconcile::{Outgoing, Reconciler, Settings};
use crate::core::roster::Roster;
use crate::core::series::History;
use crate::shell::config::Config;
use crate::shell::ledger::{Ledger, LedgerError, NewMessage};
use crate::shell::mail::message::{self, Invitation};
use crate::shell::mail::sender::{self, Drained};
use crate::shell::mail::transport::{SendError, Sender};

/// A reconcile or drain failure.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A message could not be built (an address lettre refuses).
    #[error(transparent)]
    Message(#[from] message::MessageError),
    /// The transport could not be set up.
    #[error("mail transport: {0}")]
    Transport(#[from] SendError),
}

/// The organizer of every invitation: `mail.from`.
pub fn organizer(config: &Config) -> Organizer<'_> {
    Organizer {
        name: config.mail.from_name.as_deref(),
        email: &config.mail.from_email,
    }
}

/// Computes what the next reconcile would send, without sending or
/// recording anything: each message, in order, with its headers only (see
/// [`Reconciler::headers_only`]), goes to `each`.
pub fn plan(
    config: &Config,
    roster: &Roster,
    ledger: Option<&Ledger>,
    now: Timestamp,
    each: &mut dyn FnMut(&Outgoing),
) -> Result<(), ServiceError> {
    let sent = match ledger {
        Some(l) => l.sent()?,
        None => Default::default(),
    };
    for m in Reconciler::new(roster, &sent, settings(config), now).headers_only() {
        each(&m);
    }
    Ok(())
}

fn settings(config: &Config) -> Settings<'_> {
    Settings {
        organizer: organizer(config),
        lead_days: config.dispatch.lead_days,
        invite_reports: config.mail.invite_reports,
        updates: config.mail.updates,
    }
}

/// What a reconcile recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconciled {
    /// Messages newly queued.
    pub queued: usize,
    /// Series states recorded (new, changed, ended or stopped series).
    pub series: usize,
}

/// Reconciles once: queues every message due and records the new state,
/// atomically. Each message is made (calendar object, bodies, MIME) and
/// stored before the next one is, so a reconcile that sends thousands
/// never holds every body at once: memory a long-running daemon would
/// otherwise keep.
pub fn reconcile(
    config: &Config,
    roster: &Roster,
    ledger: &mut Ledger,
    now: Timestamp,
) -> Result<Reconciled, ServiceError> {
    let sent = ledger.sent()?;
    let mut reconciler = Reconciler::new(roster, &sent, settings(config), now);
    let mut batch = ledger.batch(now.as_second())?;
    let (mut series, mut occurrences) = (Vec::new(), Vec::new());
    let mut recorded = 0;
    while let Some(m) = reconciler.next() {
        batch.queue(&new_message(config, m, now)?)?;
        reconciler.take_states(&mut series, &mut occurrences);
        if !(series.is_empty() && occurrences.is_empty()) {
            batch.record(&series, &occurrences)?;
            recorded += series.len();
            series.clear();
            occurrences.clear();
        }
    }
    let (series, occurrences) = reconciler.finish();
    batch.record(&series, &occurrences)?;
    let queued = batch.commit()?;
    Ok(Reconciled {
        queued,
        series: recorded + series.len(),
    })
}

/// `m` as a MIME message, ready to queue.
fn new_message(config: &Config, m: Outgoing, now: Timestamp) -> Result<NewMessage, ServiceError> {
    let body = message::build(&Invitation {
        from_name: config.mail.from_name.clone(),
        from_email: config.mail.from_email.clone(),
        to_name: m.to.name,
        to_email: m.to.email.clone(),
        subject: m.body.subject.clone(),
        text: m.body.text,
        html: m.body.html,
        method: m.method,
        ics: m.ics,
        message_id: m.message_id.clone(),
        date: now.as_second(),
    })?;
    Ok(NewMessage {
        message_id: m.message_id,
        uid: m.uid,
        recurrence_id: m.recurrence_id,
        sequence: m.sequence,
        method: m.method.as_str().to_string(),
        recipient: m.to.email,
        subject: m.body.subject,
        content_hash: m.content_hash,
        body,
    })
}

/// The pairs' earlier series, from the ledger when there is one (a series
/// split by a change of time or cadence keeps its past meetings), read
/// without creating anything.
pub fn history(config: &Config) -> Result<History, ServiceError> {
    match Ledger::open_existing(&config.state_dir)? {
        Some(l) => Ok(l.history()?),
        None => Ok(History::new()),
    }
}

/// Sends what is due through the configured transport.
pub fn drain(
    config: &Config,
    ledger: &mut Ledger,
    sender: &Sender,
    stop: &AtomicBool,
) -> Result<Drained, ServiceError> {
    let now = || crate::shell::clock::now().as_second();
    Ok(sender::drain(
        ledger,
        sender,
        &config.mail.from_email,
        usize::try_from(config.mail.connections).unwrap_or(1),
        &now,
        stop,
    )?)
}
