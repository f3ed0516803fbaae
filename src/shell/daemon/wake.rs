//! When the daemon wakes next: [`next_wake`], a pure function of what the
//! last reconcile and drain left behind ([`WakeState`]) and the time.
//!
//! The main loop recomputes it after every reconcile, drain, reload and
//! wake-up, and sleeps exactly until then (or until an event), so a due
//! time found by a job is never lost to a timer set before the job ran.
//! Everything here is wall-clock time; the loop notices when the wall
//! clock jumps (a suspend, an NTP step) and catches up.

use jiff::{SignedDuration, Timestamp};

/// How far ahead the lead-time lookup sees
/// ([`crate::core::plan::next_lead_entry`] looks about 13 weeks ahead):
/// when it finds nothing, the daemon looks again this long after its
/// reconcile, so a meeting further out is never missed, whatever
/// `dispatch.every` says.
pub const LOOKAHEAD: SignedDuration = SignedDuration::from_hours(24 * 7 * 12);

/// The first wait after a failed job (a ledger that cannot be written);
/// it doubles with each failure in a row, up to [`ERROR_BACKOFF_MAX`].
pub const ERROR_BACKOFF: SignedDuration = SignedDuration::from_secs(5);

/// The longest wait after failed jobs.
pub const ERROR_BACKOFF_MAX: SignedDuration = SignedDuration::from_mins(5);

/// What a job does: a reconcile always drains the outbox after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Job {
    /// Only send what is due (a retry).
    Drain,
    /// Compute what the roster wants, queue it, then send what is due.
    Reconcile,
}

/// Why the daemon wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A `dispatch.every` tick.
    Cron,
    /// A meeting enters its lead time: its prompts are due.
    Lead,
    /// Nothing entered the lead time within [`LOOKAHEAD`]: look again.
    LookAgain,
    /// A queued message's next attempt.
    Retry,
    /// The wait after a failed job is over.
    AfterError,
}

impl Reason {
    /// The job this wake-up runs.
    pub fn job(self) -> Job {
        match self {
            Reason::Retry => Job::Drain,
            _ => Job::Reconcile,
        }
    }
}

/// The next wake-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wake {
    /// When (`now`: at once).
    pub at: Timestamp,
    /// Why.
    pub reason: Reason,
}

/// What the daemon knows about the times ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WakeState {
    /// When the last reconcile started: `dispatch.every` ticks after it
    /// are due.
    pub reconciled_at: Timestamp,
    /// The next meeting to enter its lead time, as the last reconcile
    /// found it; `None`: none within [`LOOKAHEAD`].
    pub lead: Option<Timestamp>,
    /// The earliest time a drain can send something; `None`: nothing is
    /// queued.
    pub retry: Option<Timestamp>,
    /// The mail server failed every attempt of the last drains: how many
    /// drains in a row, and no drain before the time it says.
    pub server_down: Option<(u32, Timestamp)>,
    /// The last jobs failed: how many in a row, and no job before the time
    /// it says (events such as a roster edit still run one).
    pub failing: Option<(u32, Timestamp)>,
}

impl WakeState {
    /// The state at start, before the first reconcile (which the daemon
    /// runs at once).
    pub fn new(now: Timestamp) -> WakeState {
        WakeState {
            reconciled_at: now,
            lead: None,
            retry: None,
            server_down: None,
            failing: None,
        }
    }

    /// Records a reconcile that started at `started` and found `lead`.
    pub fn reconciled(&mut self, started: Timestamp, lead: Option<Timestamp>) {
        self.reconciled_at = started;
        self.lead = lead;
    }

    /// Records a drain that ended at `at`: whether the server accepted or
    /// refused anything (`progress`) or only failed for now, and the next
    /// time a drain can send something (`retry`). Drains that only fail
    /// back off like a message does (30 s doubling, up to an hour), so a
    /// server that is down or stalling is not tried for every message.
    pub fn drained(
        &mut self,
        at: Timestamp,
        progress: bool,
        deferred: bool,
        retry: Option<Timestamp>,
    ) {
        self.retry = retry;
        if progress || !deferred {
            self.server_down = None;
            return;
        }
        let failures = self.server_down.map_or(1, |(n, _)| n.saturating_add(1));
        let wait = SignedDuration::from_secs(crate::shell::ledger::backoff(failures));
        self.server_down = Some((failures, at.saturating_add(wait).unwrap_or(at)));
    }

    /// Records a job that failed at `at`: the next one waits
    /// [`ERROR_BACKOFF`], doubling with each failure in a row.
    pub fn failed(&mut self, at: Timestamp) {
        let failures = self.failing.map_or(1, |(n, _)| n.saturating_add(1));
        let mut wait = ERROR_BACKOFF;
        for _ in 1..failures.min(16) {
            wait = wait.saturating_mul(2);
        }
        let wait = wait.min(ERROR_BACKOFF_MAX);
        self.failing = Some((failures, at.saturating_add(wait).unwrap_or(at)));
    }

    /// Records a job that succeeded.
    pub fn succeeded(&mut self) {
        self.failing = None;
    }

    /// Whether a job starting at `now` should drain the outbox: not while
    /// the server is backed off.
    pub fn may_drain(&self, now: Timestamp) -> bool {
        self.server_down.is_none_or(|(_, until)| until <= now)
    }
}

/// The first tick of `every` strictly after `t`.
pub fn next_tick(every: &cron::Schedule, t: Timestamp) -> Option<Timestamp> {
    let after = chrono::DateTime::from_timestamp(t.as_second(), 0)?;
    let next = every.after(&after).next()?;
    Timestamp::from_second(next.timestamp()).ok()
}

/// When to wake next, and why: the earliest of the next `dispatch.every`
/// tick after the last reconcile, the next lead-time entry (or a second
/// look when none is within [`LOOKAHEAD`]), and the next retry (not before
/// a backed-off server's time). After failed jobs, a reconcile when their
/// wait is over. Never before `now`; `now` itself means at once.
pub fn next_wake(state: &WakeState, every: &cron::Schedule, now: Timestamp) -> Wake {
    let look_again = state
        .reconciled_at
        .saturating_add(LOOKAHEAD)
        .unwrap_or(state.reconciled_at);
    let retry = state.retry.map(|t| match state.server_down {
        Some((_, until)) => t.max(until),
        None => t,
    });
    let candidates = [
        next_tick(every, state.reconciled_at).map(|at| Wake {
            at,
            reason: Reason::Cron,
        }),
        Some(match state.lead {
            Some(at) => Wake {
                at,
                reason: Reason::Lead,
            },
            None => Wake {
                at: look_again,
                reason: Reason::LookAgain,
            },
        }),
        retry.map(|at| Wake {
            at,
            reason: Reason::Retry,
        }),
    ];
    // Earliest first; at the same instant a reconcile wins, since it
    // drains too.
    let wake = candidates
        .into_iter()
        .flatten()
        .min_by_key(|w| (w.at, std::cmp::Reverse(w.reason.job())))
        .unwrap_or(Wake {
            at: look_again,
            reason: Reason::LookAgain,
        });
    // After a failed job, whatever it was, the next is a whole reconcile
    // once the wait is over: what failed may have been the reconcile.
    let wake = match state.failing {
        Some((_, until)) => Wake {
            at: until,
            reason: Reason::AfterError,
        },
        None => wake,
    };
    // What is overdue is due now; /healthz never shows a time gone by.
    Wake {
        at: wake.at.max(now),
        ..wake
    }
}

#[cfg(test)]
mod tests;
