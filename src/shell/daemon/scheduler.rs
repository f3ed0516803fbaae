//! The daemon's one scheduler: a loop that starts jobs (a reconcile, or a
//! drain of the outbox) and otherwise sleeps until the next wake-up or an
//! event (a roster edit, SIGHUP, shutdown, a job finishing).
//!
//! The next wake-up is recomputed from [`WakeState`] by the pure
//! [`wake::next_wake`] at every turn of the loop, after every job and
//! every event, so a due time a job finds (a retry, a meeting entering its
//! lead time) always counts. One job runs at a time; events that arrive
//! meanwhile are folded into one job after it. The loop also compares the
//! wall clock with the monotonic one at every turn: when they disagree (a
//! suspend, an NTP step), it reconciles at once.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::{mpsc, Notify};
use tokio::task::{JoinError, JoinHandle};

use super::job::{Report, Worker};
use super::sd_notify::Notifier;
use super::state::Shared;
use super::wake::{self, Job, WakeState};
use super::{reload, supervise, watch};

/// The longest the loop sleeps without looking at the wall clock: a clock
/// jump is noticed, and whatever it made due is started, within this.
const CHECK: Duration = Duration::from_secs(1);

/// How far the wall clock may move against the monotonic clock between two
/// turns before it counts as a jump.
const JUMP: SignedDuration = SignedDuration::from_secs(2);

/// How long the job in flight may take after a shutdown request (the
/// contract is an exit within 10 s).
const STOP_GRACE: Duration = Duration::from_secs(7);

/// What the loop listens to besides its timers.
pub struct Events<'a> {
    /// Notified for an explicit reload (SIGHUP).
    pub reload: &'a Notify,
    /// A `()` per file event that may concern the roster.
    pub edits: &'a mut mpsc::UnboundedReceiver<()>,
    /// systemd notifications.
    pub notifier: &'a Notifier,
}

/// What woke the loop.
enum Event {
    Stop,
    Finished(Result<anyhow::Result<Report>, JoinError>),
    Reload,
    Edited,
    Chosen,
    DaysOff,
    Timer,
    Watchdog,
}

/// Runs jobs when they are due until `shutdown` completes, then lets the
/// job in flight finish (at most [`STOP_GRACE`]).
pub async fn run(
    shared: &Arc<Shared>,
    worker: &Arc<Worker>,
    events: Events<'_>,
    shutdown: impl Future<Output = ()>,
) {
    let Events {
        reload,
        edits,
        notifier,
    } = events;
    let mut shutdown = pin!(shutdown);
    let clock = &shared.clock;
    let every = &shared.config.dispatch.every;
    let mut state = WakeState::new(clock.now());
    // At start: catch up on whatever fell due while the daemon was down.
    let mut wanted = Some(Job::Reconcile);
    let mut running: Option<(Job, JoinHandle<anyhow::Result<Report>>)> = None;
    let mut watchdog = notifier.watchdog_interval().map(tokio::time::interval);
    let mut mark = (clock.now(), clock.monotonic());
    loop {
        let now = clock.now();
        if let Some(drift) = jumped(mark, (now, clock.monotonic())) {
            tracing::info!(
                "the wall clock moved {drift:#} against the monotonic clock (a suspend or a clock change): catching up"
            );
            wanted = Some(Job::Reconcile);
        }
        mark = (now, clock.monotonic());
        let next = wake::next_wake(&state, every, now);
        shared.health(|h| h.next_wake = Some(next.at));
        if running.is_none() {
            let due = (next.at <= now).then_some(next.reason.job());
            if let Some(job) = wanted.take().max(due) {
                let w = worker.clone();
                let drain = state.may_drain(now);
                running = Some((job, tokio::task::spawn_blocking(move || w.run(job, drain))));
                continue;
            }
        }
        let nap = match running {
            Some(_) => CHECK,
            None => until(next.at, now).min(CHECK),
        };
        let event = tokio::select! {
            () = &mut shutdown => Event::Stop,
            r = finish(&mut running) => Event::Finished(r),
            () = reload.notified() => Event::Reload,
            Some(()) = edits.recv() => Event::Edited,
            () = shared.page.nudge.notified() => Event::Chosen,
            () = shared.days_off_changed.notified() => Event::DaysOff,
            () = tokio::time::sleep(nap) => Event::Timer,
            () = tick(&mut watchdog) => Event::Watchdog,
        };
        match event {
            Event::Stop => {
                notifier.notify("STOPPING=1");
                break;
            }
            Event::Finished(result) => {
                running = None;
                finished(shared, &mut state, result);
                notifier.notify(&format!("STATUS={}", status_line(shared)));
            }
            Event::Reload => {
                reload_explicitly(shared, notifier).await;
                wanted = Some(Job::Reconcile);
            }
            Event::Edited => {
                if edited(shared, notifier, edits).await {
                    wanted = Some(Job::Reconcile);
                }
            }
            // A report's own choice, already merged into the roster.
            Event::Chosen => wanted = Some(Job::Reconcile),
            Event::DaysOff => wanted = Some(Job::Reconcile),
            Event::Timer => {}
            Event::Watchdog => notifier.notify("WATCHDOG=1"),
        }
    }
    worker.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    if let Some((_, handle)) = running {
        let_finish(shared, handle).await;
    }
}

/// Gives the job in flight [`STOP_GRACE`] to finish its messages.
async fn let_finish(shared: &Shared, handle: JoinHandle<anyhow::Result<Report>>) {
    match tokio::time::timeout(STOP_GRACE, handle).await {
        Err(_) => tracing::warn!(
            "the message in flight did not finish within {STOP_GRACE:?}; it stays queued and is sent at the next start"
        ),
        Ok(Err(e)) => supervise::panicked(shared, "reconcile", e),
        Ok(Ok(_)) => {}
    }
}

/// Folds a finished job into the wake-up state and health.
fn finished(
    shared: &Shared,
    state: &mut WakeState,
    result: Result<anyhow::Result<Report>, JoinError>,
) {
    let now = shared.clock.now();
    match result {
        Ok(Ok(report)) => {
            state.succeeded();
            if let Some(lead) = report.lead {
                state.reconciled(report.started, lead);
            }
            match report.drained {
                Some(d) => state.drained(
                    report.finished,
                    d.sent + d.failed > 0,
                    d.deferred > 0,
                    report.retry,
                ),
                None => state.retry = report.retry,
            }
            shared.health(|h| h.last_error = None);
        }
        Ok(Err(e)) => {
            state.failed(now);
            tracing::error!("reconcile failed: {e:#}");
            shared.health(|h| h.last_error = Some(format!("{e:#}")));
        }
        Err(e) => {
            state.failed(now);
            supervise::panicked(shared, "reconcile", e);
        }
    }
}

/// SIGHUP: reloads the roster, applying even an edit the mass-cancel
/// guard held back, and tells systemd.
async fn reload_explicitly(shared: &Arc<Shared>, notifier: &Notifier) {
    notifier.notify("RELOADING=1");
    reload_roster(shared, true).await;
    notifier.notify(&format!("READY=1\nSTATUS={}", status_line(shared)));
}

/// A file event near the roster: waits until the file is stable, then
/// reloads it; returns whether the roster in force changed.
async fn edited(
    shared: &Arc<Shared>,
    notifier: &Notifier,
    edits: &mut mpsc::UnboundedReceiver<()>,
) -> bool {
    watch::settle(&shared.config.roster).await;
    while edits.try_recv().is_ok() {}
    let changed = reload_roster(shared, false).await;
    notifier.notify(&format!("STATUS={}", status_line(shared)));
    changed
}

/// Reloads the roster on the blocking pool (parsing a large roster takes
/// a while); returns whether the roster in force changed.
async fn reload_roster(shared: &Arc<Shared>, explicit: bool) -> bool {
    let s = shared.clone();
    let task = tokio::task::spawn_blocking(move || reload::reload(&s, explicit));
    supervise::join(shared, "roster reload", task)
        .await
        .unwrap_or(false)
}

/// Waits for the running job, if any (forever if none).
async fn finish(
    running: &mut Option<(Job, JoinHandle<anyhow::Result<Report>>)>,
) -> Result<anyhow::Result<Report>, JoinError> {
    match running {
        Some((_, handle)) => handle.await,
        None => std::future::pending().await,
    }
}

/// The watchdog's next tick (never, without a watchdog).
async fn tick(watchdog: &mut Option<tokio::time::Interval>) {
    match watchdog {
        Some(w) => {
            w.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// How long from `now` until `at` (zero when it has passed).
fn until(at: Timestamp, now: Timestamp) -> Duration {
    let d = at.duration_since(now);
    if d.is_negative() {
        Duration::ZERO
    } else {
        d.unsigned_abs()
    }
}

/// How far the wall clock moved against the monotonic clock between two
/// (wall, monotonic) readings, if farther than [`JUMP`].
fn jumped(
    before: (Timestamp, tokio::time::Instant),
    after: (Timestamp, tokio::time::Instant),
) -> Option<SignedDuration> {
    let wall = after.0.duration_since(before.0);
    let mono = SignedDuration::try_from(after.1.duration_since(before.1)).ok()?;
    let drift = wall.checked_sub(mono)?;
    (drift.abs() > JUMP).then_some(drift)
}

/// "12 pairs, 0 queued, next wake-up Tue 09:30 UTC".
pub fn status_line(shared: &Shared) -> String {
    let pairs = shared.current().roster.active_pairs().count();
    let (queued, next) = shared.health(|h| (h.queued, h.next_wake));
    let next = next.map_or_else(
        || "nothing due".to_string(),
        |t| format!("next wake-up {}", t.strftime("%a %d %b %H:%M:%S UTC")),
    );
    format!("{pairs} pairs, {queued} queued, {next}")
}
