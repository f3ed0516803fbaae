//! One reconcile carried out: read the ledger, compute what is due, build
//! the messages and queue them in one transaction; and draining the outbox.
//!
//! This is where the pure core meets SQLite and the mail transports; the
//! daemon and the one-shot commands share it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;

use jiff::Timestamp;

use crate::core::events::Organizer;
use crate::core::reconcile::{Outgoing, Reconciler, Sent, SentSeries, Settings};
use crate::core::roster::Roster;
use crate::core::series::History;
use crate::shell::config::Config;
use crate::shell::ledger::{Batch, Ledger, LedgerError, NewMessage};
use crate::shell::mail::message::{self, Invitation};
use crate::shell::mail::plain::Plain;
use crate::shell::mail::sender::{self, Drained};
use crate::shell::mail::transport::{SendError, Sender};

/// A reconcile or drain failure.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
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
        prompts: config.mail.prompts,
    }
}

/// What one reconcile did.
#[derive(Debug)]
pub struct Reconciled {
    /// How many messages were newly queued.
    pub queued: usize,
    /// Series states recorded (new, changed, ended or stopped series).
    pub series: usize,
    /// Messages that could not be built: each is recorded as failed (so
    /// `touchbase status` lists it) and never sent, while the others go.
    pub unbuilt: Vec<Unbuilt>,
}

/// A message that could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbuilt {
    /// Where its pair is: the roster file, line and column of the report's
    /// entry and its key, or the series UID once the pair left the
    /// roster. Never an address or a name, so that it may go to logs and
    /// `/healthz`.
    pub position: String,
    /// Why, as recorded in the ledger. It may quote roster values: for
    /// `touchbase status`, not for logs.
    pub reason: String,
}

/// Reconciles once: queues every message due and records the new state,
/// atomically. Each message is made (calendar object, bodies, MIME) and
/// stored before the next one is, so a reconcile that sends thousands
/// never holds every body at once: memory a long-running daemon would
/// otherwise keep. A message that cannot be built (a name lettre cannot
/// put in a header) fails alone: it is recorded as failed and reported in
/// [`Reconciled::unbuilt`], and every other message is queued.
pub fn reconcile(
    config: &Config,
    roster: &Roster,
    ledger: &mut Ledger,
    now: Timestamp,
) -> Result<Reconciled, ServiceError> {
    let sent = ledger.sent()?;
    let mut reconciler = Reconciler::new(roster, &sent, settings(config), now);
    let mut pages = ReportPages::new(config, roster);
    let mut batch = ledger.batch(now.as_second())?;
    let (mut series, mut occurrences) = (Vec::new(), Vec::new());
    let mut recorded = 0;
    let mut unbuilt = Vec::new();
    // The series of the step that made the current messages, so that a
    // message of a series made just now is located through its pair.
    let mut step = Vec::new();
    while let Some(m) = reconciler.next() {
        reconciler.take_states(&mut series, &mut occurrences);
        if !(series.is_empty() && occurrences.is_empty()) {
            batch.record(&series, &occurrences)?;
            recorded += series.len();
            step = std::mem::take(&mut series);
            occurrences.clear();
        }
        let mut inv = invitation(config, &m, now);
        if let Some(url) = pages.url(&m, &mut batch)? {
            crate::shell::mail::page_link::with_page_link(&mut inv.mail, &url);
        }
        let built = message::build(&inv);
        let failed = built.as_ref().err().map(|e| {
            let reason = format!("the message could not be built: {e}");
            unbuilt.push(Unbuilt {
                position: position(roster, &sent, &step, &m.uid),
                reason: reason.clone(),
            });
            reason
        });
        batch.queue(&new_message(m, built.unwrap_or_default(), failed))?;
    }
    let (series, occurrences) = reconciler.finish();
    batch.record(&series, &occurrences)?;
    let queued = batch.commit()?;
    let queued = queued + crate::shell::digests::queue(config, roster, ledger, now)?;
    Ok(Reconciled {
        queued,
        series: recorded + series.len(),
        unbuilt,
    })
}

/// The own page of each report an invitation (a REQUEST) goes to: with
/// `invite_reports` on, the report's copy names it (their feed secret,
/// made now if they have none yet, in the reconcile's transaction). The
/// manager's copy never does, and neither does a cancellation.
struct ReportPages<'c> {
    public_url: &'c str,
    /// Lowercased addresses of the active reports; empty when reports get
    /// no invitations.
    reports: HashSet<String>,
    /// (manager, series UID) of every active pair: a manager who is also
    /// someone's report gets no link in their own pairs' mails.
    managing: HashSet<(String, String)>,
    secrets: HashMap<String, String>,
}

impl<'c> ReportPages<'c> {
    fn new(config: &'c Config, roster: &Roster) -> Self {
        let on = config.mail.invite_reports;
        ReportPages {
            public_url: &config.http.public_url,
            reports: if on {
                roster.active_pairs().map(|p| p.report.key()).collect()
            } else {
                HashSet::new()
            },
            managing: if on {
                roster
                    .active_pairs()
                    .map(|p| (p.manager.key(), p.uid.clone()))
                    .collect()
            } else {
                HashSet::new()
            },
            secrets: HashMap::new(),
        }
    }

    /// The page URL `m` carries, if any.
    fn url(&mut self, m: &Outgoing, batch: &mut Batch<'_>) -> Result<Option<String>, ServiceError> {
        if self.reports.is_empty() || m.method != crate::core::ical::Method::Request {
            return Ok(None);
        }
        let to = m.to.email.trim().to_ascii_lowercase();
        if !self.reports.contains(&to) || self.managing.contains(&(to.clone(), m.uid.clone())) {
            return Ok(None);
        }
        let secret = match self.secrets.get(&to) {
            Some(s) => s.clone(),
            None => {
                let s = match batch.feed_secret(&to)? {
                    Some(s) => s,
                    None => {
                        // Without randomness there is no secret to give: the
                        // invitation goes without the link.
                        let Ok(s) = crate::shell::daemon::secrets::generate() else {
                            return Ok(None);
                        };
                        batch.set_feed_secret(&to, &s)?;
                        s
                    }
                };
                self.secrets.insert(to, s.clone());
                s
            }
        };
        Ok(Some(crate::shell::daemon::secrets::page_url(
            self.public_url,
            &secret,
        )))
    }
}

/// What `m` says, as the mail builder takes it.
fn invitation(config: &Config, m: &Outgoing, now: Timestamp) -> Invitation {
    Invitation {
        mail: Plain {
            from_name: config.mail.from_name.clone(),
            from_email: config.mail.from_email.clone(),
            to_name: m.to.name.clone(),
            to_email: m.to.email.clone(),
            subject: m.body.subject.clone(),
            text: m.body.text.clone(),
            html: m.body.html.clone(),
            message_id: m.message_id.clone(),
            date: now.as_second(),
        },
        method: m.method,
        ics: m.ics.clone(),
    }
}

/// `m`, built into `body` (empty when it could not be built: `failed`
/// says why), ready to queue.
fn new_message(m: Outgoing, body: Vec<u8>, failed: Option<String>) -> NewMessage {
    NewMessage {
        message_id: m.message_id,
        uid: m.uid,
        recurrence_id: m.recurrence_id,
        sequence: m.sequence,
        method: m.method.as_str().to_string(),
        recipient: m.to.email,
        subject: m.body.subject,
        content_hash: m.content_hash,
        body,
        failed,
    }
}

/// Where the pair of series `uid` is written in the roster (file, line,
/// column and key), found through the series' pair when `uid` is a later
/// series of it; the UID itself when the pair is no longer in the roster.
fn position(roster: &Roster, sent: &Sent, made: &[SentSeries], uid: &str) -> String {
    let pair_uid = made
        .iter()
        .chain(&sent.series)
        .find(|s| s.uid == uid)
        .map_or(uid, |s| s.pair_uid.as_str());
    let found = roster
        .pairs
        .iter()
        .enumerate()
        .find(|(_, p)| p.uid == uid || p.uid == pair_uid);
    match found {
        Some((i, p)) => {
            // Every report of a valid roster has its pair, in file order.
            let j = roster.pairs[..i]
                .iter()
                .filter(|q| q.manager_index == p.manager_index)
                .count();
            format!("{} (managers[{}].reports[{j}])", p.origin, p.manager_index)
        }
        None => format!("series {uid}"),
    }
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

#[cfg(test)]
mod tests;
