//! `touchbase run`: the daemon.
//!
//! A reconciler with three doors in: it reconciles at start (catching up
//! whatever fell due while it was down), at the next due time (a retry, or a
//! meeting entering its lead time), at every `dispatch.every`, and after
//! every roster change (file edit or SIGHUP). Feeds are served over HTTP
//! meanwhile. SIGTERM and SIGINT stop it: no new work, the message in flight
//! finishes, exit 0 well within 10 s.
//!
//! - [`state`]: what the tasks share.
//! - [`http`]: feeds, `/healthz`, `/metrics`.
//! - [`watch`]: roster file changes.
//! - [`secrets`]: feed secrets.
//! - [`sd_notify`]: systemd readiness, status and watchdog.

pub mod http;
pub mod sd_notify;
pub mod secrets;
pub mod state;
pub mod watch;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use jiff::Timestamp;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{watch as tokio_watch, Notify};

use crate::core::plan;
use crate::core::roster;
use crate::core::source::SourceText;
use crate::shell::clock;
use crate::shell::ledger::Ledger;
use crate::shell::load::Loaded;
use crate::shell::mail::transport::Sender;
use crate::shell::service;
use sd_notify::Notifier;
use state::{Metrics, Shared};

/// Upper bound on sleeping between reconciles, whatever else is due.
const MAX_SLEEP: Duration = Duration::from_secs(3600);

/// Runs the daemon until SIGTERM or SIGINT.
pub async fn run(loaded: Loaded, env: &BTreeMap<String, String>) -> anyhow::Result<()> {
    let Loaded { config, roster } = loaded;
    let notifier = Notifier::from_env(
        env.get("NOTIFY_SOCKET").map(String::as_str),
        env.get("WATCHDOG_USEC").map(String::as_str),
        env.get("WATCHDOG_PID").map(String::as_str),
    );
    let ledger = Ledger::open(&config.state_dir)?;
    let history = ledger.history()?;
    let sender =
        Sender::new(&config.mail.transport).map_err(|e| anyhow::anyhow!("mail transport: {e}"))?;
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .with_context(|| format!("cannot listen on {} (http.listen)", config.http.listen))?;
    let secrets = secrets::Secrets::new(ledger.feed_secrets()?);
    let shared = Arc::new(Shared::new(config, roster, history, secrets));
    let (watcher, mut edits) = watch::watch(&shared.config.roster)
        .with_context(|| format!("cannot watch {}", shared.config.roster.display()))?;
    let (stop_tx, stop_rx) = tokio_watch::channel(false);
    let stop = Arc::new(AtomicBool::new(false));
    let kick = Arc::new(Notify::new());

    let http = tokio::spawn(http::serve(listener, shared.clone(), stop_rx.clone()));
    let worker = tokio::spawn(worker(
        shared.clone(),
        ledger,
        sender,
        kick.clone(),
        stop.clone(),
        stop_rx,
    ));
    tracing::info!(
        "touchbase {} serving feeds on {}, {} active pairs",
        env!("CARGO_PKG_VERSION"),
        shared.config.http.listen,
        shared.current().roster.active_pairs().count()
    );
    // Handlers go in before READY=1: a SIGTERM right after it must stop the
    // daemon cleanly, not kill it.
    let signals = Signals {
        sigterm: signal(SignalKind::terminate())?,
        sigint: signal(SignalKind::interrupt())?,
        sighup: signal(SignalKind::hangup())?,
    };
    notifier.notify(&format!("READY=1\nSTATUS={}", status_line(&shared)));
    kick.notify_one();

    wait_and_wake(&shared, &notifier, &kick, &mut edits, signals).await?;

    tracing::info!("stopping: finishing the message in flight");
    notifier.notify("STOPPING=1");
    stop.store(true, Ordering::SeqCst);
    let _ = stop_tx.send(true);
    drop(watcher);
    let deadline = Duration::from_secs(9);
    if tokio::time::timeout(deadline, worker).await.is_err() {
        tracing::warn!("the sender did not stop within {deadline:?}; unsent messages stay queued");
    }
    http.abort();
    Ok(())
}

/// The signals the daemon answers: SIGTERM and SIGINT stop it, SIGHUP
/// reloads the roster.
struct Signals {
    sigterm: tokio::signal::unix::Signal,
    sigint: tokio::signal::unix::Signal,
    sighup: tokio::signal::unix::Signal,
}

/// The main loop: sleeps until something is due, a roster edit, SIGHUP
/// or the watchdog, kicks the worker accordingly, and returns on SIGTERM or
/// SIGINT.
async fn wait_and_wake(
    shared: &Shared,
    notifier: &Notifier,
    kick: &Notify,
    edits: &mut tokio::sync::mpsc::UnboundedReceiver<()>,
    signals: Signals,
) -> anyhow::Result<()> {
    let Signals {
        mut sigterm,
        mut sigint,
        mut sighup,
    } = signals;
    let mut watchdog = notifier.watchdog_interval().map(tokio::time::interval);
    loop {
        let sleep = sleep_until_due(shared, clock::now());
        let ping = async {
            match watchdog.as_mut() {
                Some(w) => {
                    w.tick().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = sigterm.recv() => break,
            _ = sigint.recv() => break,
            _ = sighup.recv() => {
                notifier.notify("RELOADING=1");
                reload(shared, true);
                kick.notify_one();
                notifier.notify(&format!("READY=1\nSTATUS={}", status_line(shared)));
            }
            Some(()) = edits.recv() => {
                watch::settle(&shared.config.roster).await;
                while edits.try_recv().is_ok() {}
                if reload(shared, false) {
                    kick.notify_one();
                }
                notifier.notify(&format!("STATUS={}", status_line(shared)));
            }
            _ = tokio::time::sleep(sleep) => {
                kick.notify_one();
                notifier.notify(&format!("STATUS={}", status_line(shared)));
            }
            _ = ping => notifier.notify("WATCHDOG=1"),
        }
    }

    Ok(())
}

/// How long to sleep from `now` until the next cron tick or the next due
/// time the last reconcile found, whichever is first.
fn sleep_until_due(shared: &Shared, now: Timestamp) -> Duration {
    let until = |t: Option<Timestamp>| {
        t.and_then(|t| {
            let d = t.duration_since(now);
            (!d.is_negative()).then(|| d.unsigned_abs())
        })
        .unwrap_or(MAX_SLEEP)
        .min(MAX_SLEEP)
    };
    let until_cron = until(next_tick(&shared.config.dispatch.every, now));
    let until_due = until(shared.health(|h| h.next_wake));
    until_cron.min(until_due).max(Duration::from_millis(50))
}

/// The reconcile loop: waits for a kick, reconciles and sends, repeats.
async fn worker(
    shared: Arc<Shared>,
    ledger: Ledger,
    sender: Sender,
    kick: Arc<Notify>,
    stop: Arc<AtomicBool>,
    mut stopped: tokio_watch::Receiver<bool>,
) {
    let ledger = Arc::new(Mutex::new(ledger));
    let sender = Arc::new(sender);
    loop {
        tokio::select! {
            _ = kick.notified() => {}
            _ = stopped.changed() => return,
        }
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let (shared2, ledger2, sender2, stop2) =
            (shared.clone(), ledger.clone(), sender.clone(), stop.clone());
        let job = tokio::task::spawn_blocking(move || {
            let mut guard = match ledger2.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            reconcile_and_send(&shared2, &mut guard, &sender2, &stop2)
        });
        match job.await {
            Ok(Ok(())) => shared.health(|h| h.last_error = None),
            Ok(Err(e)) => {
                tracing::error!("reconcile failed: {e:#}");
                shared.health(|h| h.last_error = Some(format!("{e:#}")));
            }
            Err(e) => tracing::error!("reconcile task failed: {e}"),
        }
    }
}

fn reconcile_and_send(
    shared: &Shared,
    ledger: &mut Ledger,
    sender: &Sender,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    let t = clock::instant();
    let current = shared.current();
    let config = &shared.config;
    let now = crate::shell::clock::now();
    let done = service::reconcile(config, &current.roster, ledger, now)?;
    let queued = done.queued;
    if done.series > 0 {
        // A split series changes the history feeds and previews are built on.
        let history = ledger.history()?;
        shared.set_current(current.roster.clone(), history);
    }
    let d = service::drain(config, ledger, sender, stop)?;
    let m = &shared.metrics;
    m.sent.fetch_add(d.sent as u64, Ordering::Relaxed);
    m.failed.fetch_add(d.failed as u64, Ordering::Relaxed);
    m.deferred.fetch_add(d.deferred as u64, Ordering::Relaxed);
    m.reconciles.fetch_add(1, Ordering::Relaxed);
    let micros = u64::try_from(clock::since(t).as_micros()).unwrap_or(u64::MAX);
    m.reconcile_micros.fetch_add(micros, Ordering::Relaxed);
    m.last_reconcile_micros.store(micros, Ordering::Relaxed);
    let queue = ledger.queue_len()?;
    let retry = ledger
        .next_due()?
        .and_then(|s| Timestamp::from_second(s).ok());
    let lead = plan::next_lead_entry(&current.roster, config.dispatch.lead_days, now);
    let next_wake = [retry, lead].into_iter().flatten().min();
    shared.health(|h| {
        h.last_reconcile = Some(crate::shell::clock::now());
        h.queued = queue;
        h.next_wake = next_wake;
    });
    if queued > 0 || d.sent > 0 || d.failed > 0 || d.deferred > 0 {
        tracing::info!(
            "reconciled in {:.3} s: {queued} new messages queued; sent {}, deferred {}, failed {}; {queue} waiting",
            clock::since(t).as_secs_f64(),
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
    Ok(())
}

/// The first tick of `schedule` after `now`.
fn next_tick(schedule: &cron::Schedule, now: Timestamp) -> Option<Timestamp> {
    let after = chrono::DateTime::from_timestamp(now.as_second(), 0)?;
    let next = schedule.after(&after).next()?;
    Timestamp::from_second(next.timestamp()).ok()
}

/// Reads the roster again. `explicit` (SIGHUP) also applies a reload that
/// would cancel more than half of the active series. Returns whether the
/// roster in force changed.
fn reload(shared: &Shared, explicit: bool) -> bool {
    let path = &shared.config.roster;
    let parsed = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the roster: {e}", path.display()))
        .and_then(|text| {
            crate::shell::load::roster_from(&shared.config, &SourceText::new(path, text))
                .map_err(|e| e.to_string())
        });
    let m = &shared.metrics;
    let new = match parsed {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("roster edit ignored, the last good roster stays in force: {e}");
            Metrics::inc(&m.reload_errors);
            shared.health(|h| h.reload_error = Some(e));
            return false;
        }
    };
    let current = shared.current();
    let (cancelled, active) = roster::would_cancel(&current.roster, &new);
    if !explicit && cancelled * 2 > active {
        let msg = format!(
            "roster edit held back: it would cancel {cancelled} of {active} active series; \
             run `systemctl reload touchbase` (SIGHUP) to apply it"
        );
        tracing::warn!("{msg}");
        Metrics::inc(&m.reload_errors);
        shared.health(|h| {
            h.reload_error = None;
            h.held_back = Some(msg);
        });
        return false;
    }
    shared.set_current(Arc::new(new), current.history.clone());
    Metrics::inc(&m.reloads);
    shared.health(|h| {
        h.reload_error = None;
        h.held_back = None;
    });
    tracing::info!(
        "roster reloaded: {} active pairs",
        shared.current().roster.active_pairs().count()
    );
    true
}

/// "12 pairs, 0 queued, next send Tue 09:30 UTC".
fn status_line(shared: &Shared) -> String {
    let pairs = shared.current().roster.active_pairs().count();
    let (queued, next) = shared.health(|h| (h.queued, h.next_wake));
    let next = next.map_or_else(
        || "nothing due".to_string(),
        |t| format!("next send {}", t.strftime("%a %d %b %H:%M UTC")),
    );
    format!("{pairs} pairs, {queued} queued, {next}")
}
