//! One job of the daemon, run on the blocking pool (SQLite and SMTP block):
//! a reconcile (the roster against the ledger, new messages queued) and a
//! drain of the outbox, or a drain alone; and what they leave for the next
//! wake-up ([`Report`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;

use super::state::Shared;
use super::wake::Job;
use crate::core::plan;
use crate::shell::clock;
use crate::shell::ledger::Ledger;
use crate::shell::lock::StateLock;
use crate::shell::mail::sender::{self, Drained, Unrecorded};
use crate::shell::mail::transport::Sender;
use crate::shell::service;

/// Makes the next job panic, so that tests can watch the daemon survive
/// and report it.
#[cfg(test)]
pub static PANIC_IN_NEXT_JOB: AtomicBool = AtomicBool::new(false);

/// What jobs work with. Shared with the job running on the blocking pool,
/// so it outlives the main loop while a job finishes; the state folder's
/// lock goes with it, so no other daemon starts sending before this one
/// has stopped.
#[derive(Debug)]
pub struct Worker {
    shared: Arc<Shared>,
    ledger: Mutex<Ledger>,
    sender: Sender,
    /// Set on shutdown: drains stop handing out messages.
    pub stop: AtomicBool,
    /// Accepted by the server, not yet recorded (see [`Unrecorded`]).
    unrecorded: Mutex<Unrecorded>,
    _lock: StateLock,
}

/// What a job did, and found for the next wake-up.
#[derive(Debug, Clone)]
pub struct Report {
    /// When it started.
    pub started: Timestamp,
    /// When it finished.
    pub finished: Timestamp,
    /// For a reconcile: the next meeting to enter its lead time.
    pub lead: Option<Option<Timestamp>>,
    /// The drain's outcome, if one ran.
    pub drained: Option<Drained>,
    /// The earliest time a drain can send something.
    pub retry: Option<Timestamp>,
}

impl Worker {
    /// A worker over `ledger` and `sender`, holding `lock`.
    pub fn new(shared: Arc<Shared>, ledger: Ledger, sender: Sender, lock: StateLock) -> Worker {
        Worker {
            shared,
            ledger: Mutex::new(ledger),
            sender,
            stop: AtomicBool::new(false),
            unrecorded: Mutex::new(Unrecorded::default()),
            _lock: lock,
        }
    }

    /// Runs `job`, draining the outbox afterwards only if `drain`.
    pub fn run(&self, job: Job, drain: bool) -> anyhow::Result<Report> {
        #[cfg(test)]
        if PANIC_IN_NEXT_JOB.swap(false, Ordering::SeqCst) {
            panic!("a panic injected by a test");
        }
        let shared = &*self.shared;
        let t = clock::instant();
        let started = shared.clock.now();
        // A job that panicked left the ledger as SQLite keeps it: each
        // step commits or rolls back on its own.
        let mut ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        let mut queued = 0;
        let mut lead = None;
        let mut unbuilt_error = None;
        if job == Job::Reconcile {
            // The reports' own choices as the ledger has them now: a page
            // answered while a roster reload was parsing may have been
            // swapped out by it; merged again here, none is ever lost.
            let choices = ledger.own_choices()?;
            if shared.current().roster.own.choices() != &choices {
                shared.set_roster_choices(&choices);
            }
            let current = shared.current();
            let service::Reconciled {
                queued: n,
                series,
                unbuilt,
            } = service::reconcile(&shared.config, &current.roster, &mut ledger, started)?;
            queued = n;
            // Whoever left (an opt-out too) loses their feed secret for
            // good; a report who opted out on their own page keeps it, so
            // the page can still let them opt back in (their feed is gone).
            ledger.forget_feed_secrets(|person| {
                current.roster.knows(person) || current.roster.own.chose_opt_out(person)
            })?;
            if !unbuilt.is_empty() {
                // The others are queued; this shows in /healthz as degraded.
                // Only positions: a reason may quote a name.
                let at: Vec<&str> = unbuilt.iter().map(|u| u.position.as_str()).collect();
                unbuilt_error = Some(anyhow::anyhow!(
                    "{} message(s) could not be built and are recorded as failed, for the pairs at {}; \
                     `touchbase check` and `touchbase status` say why",
                    unbuilt.len(),
                    at.join(", ")
                ));
            }
            if series > 0 {
                // A split series changes the history feeds and previews are built on.
                let history = ledger.history()?;
                shared.set_history(history);
            }
            lead = Some(plan::next_lead_entry(
                &current.roster,
                shared.config.dispatch.lead_days,
                started,
            ));
        }
        let drained = if drain {
            Some(self.drain(&mut ledger)?)
        } else {
            None
        };
        let retry = match drained {
            // A drain that could send nothing due at its start: those wait
            // on something else, and the next change is a later attempt.
            Some(d) if d.sent + d.failed + d.deferred == 0 => {
                ledger.next_due_after(started.as_second())?
            }
            _ => ledger.next_due()?,
        }
        .and_then(|s| Timestamp::from_second(s).ok());
        let queue = ledger.queue_len()?;
        drop(ledger);
        let finished = shared.clock.now();
        self.account(job, t, queued, drained, queue);
        shared.health(|h| {
            if job == Job::Reconcile {
                h.last_reconcile = Some(finished);
            }
            h.queued = queue;
        });
        if let Some(e) = unbuilt_error {
            return Err(e);
        }
        Ok(Report {
            started,
            finished,
            lead,
            drained,
            retry,
        })
    }

    /// Sends what is due, first recording what an earlier drain could not.
    fn drain(&self, ledger: &mut Ledger) -> anyhow::Result<Drained> {
        let shared = &*self.shared;
        let config = &shared.config;
        let clock = shared.clock.clone();
        let now = move || clock.now().as_second();
        let mut unrecorded = self.unrecorded.lock().unwrap_or_else(|p| p.into_inner());
        let result = sender::drain_with(
            ledger,
            &self.sender,
            &config.mail.from_email,
            usize::try_from(config.mail.connections).unwrap_or(1),
            &now,
            &self.stop,
            &mut unrecorded,
        );
        if !unrecorded.is_empty() {
            tracing::warn!(
                "{} messages the mail server accepted are not recorded yet (the ledger cannot be written); they will not be sent again",
                unrecorded.len()
            );
        }
        Ok(result?)
    }

    /// Counts the job in the metrics and logs what it did.
    fn account(
        &self,
        job: Job,
        t: std::time::Instant,
        queued: usize,
        drained: Option<Drained>,
        queue: u64,
    ) {
        let m = &self.shared.metrics;
        let d = drained.unwrap_or_default();
        m.sent.fetch_add(d.sent as u64, Ordering::Relaxed);
        m.failed.fetch_add(d.failed as u64, Ordering::Relaxed);
        m.deferred.fetch_add(d.deferred as u64, Ordering::Relaxed);
        let took = clock::since(t);
        if job == Job::Reconcile {
            let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
            m.reconciles.fetch_add(1, Ordering::Relaxed);
            m.reconcile_micros.fetch_add(micros, Ordering::Relaxed);
            m.last_reconcile_micros.store(micros, Ordering::Relaxed);
        }
        if queued > 0 || d.sent > 0 || d.failed > 0 || d.deferred > 0 {
            tracing::info!(
                "{} in {:.3} s: {queued} new messages queued; sent {}, deferred {}, failed {}; {queue} waiting",
                if job == Job::Reconcile { "reconciled" } else { "drained" },
                took.as_secs_f64(),
                d.sent,
                d.deferred,
                d.failed
            );
        }
        if d.failed > 0 {
            tracing::warn!(
                "{} messages were refused for good; `touchbase status` lists them",
                d.failed
            );
        }
    }
}
