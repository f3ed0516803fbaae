//! `touchbase run`: the daemon.
//!
//! A reconciler with three doors in: it reconciles at start (catching up
//! whatever fell due while it was down), at the next due time (a retry, or
//! a meeting entering its lead time), at every `dispatch.every`, and after
//! every roster change (file edit or SIGHUP). Feeds are served over HTTP
//! meanwhile. When its shutdown future completes (SIGTERM or SIGINT in the
//! binary), it does no new work, lets the message in flight finish, and
//! returns well within 10 s.
//!
//! [`run`] takes an already bound listener and a shutdown future, in the
//! manner of mini-redis's `run(listener, shutdown)`, so tests bind port 0
//! and run the daemon in-process, on a virtual [`Clock`] when they like.
//!
//! - `scheduler`: the one loop that decides when jobs run.
//! - `wake`: when the next wake-up is due (pure).
//! - `job`: a reconcile and a drain, on the blocking pool.
//! - `reload`: roster edits, swapped in or reported by location.
//! - `supervise`: panics in tasks, logged and shown in `/healthz`.
//! - `state`: what the tasks share.
//! - `http`: feeds, each person's own page (`/me/<secret>`), `/healthz`,
//!   `/metrics`, within limits.
//! - `watch`: roster file changes.
//! - `calendars`: calendar sources of days off, fetched when due.
//! - `secrets`: feed secrets.
//! - [`sd_notify`]: systemd readiness, status and watchdog.

mod calendars;
pub(crate) mod http;
mod job;
mod reload;
mod scheduler;
pub mod sd_notify;
pub(crate) mod secrets;
pub(crate) mod state;
mod supervise;
mod wake;
pub(crate) mod watch;

#[cfg(test)]
pub(crate) mod tests;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::{watch as tokio_watch, Notify};

use crate::shell::clock::Clock;
use crate::shell::config::Config;
use crate::shell::ledger::Ledger;
use crate::shell::load;
use crate::shell::lock::StateLock;
use crate::shell::mail::transport::Sender;
pub use http::Limits;
use job::Worker;
use sd_notify::Notifier;
use state::Shared;

/// What the daemon runs with besides its configuration, listener and
/// shutdown future.
#[derive(Debug)]
pub struct Context {
    /// This process's hold on `state_dir`: one daemon per state folder.
    pub lock: StateLock,
    /// The clock every task reads: the system's, or a virtual one.
    pub clock: Clock,
    /// systemd notifications (nothing happens outside systemd).
    pub notifier: Notifier,
    /// Notified for an explicit reload (SIGHUP in the binary), which also
    /// applies an edit the mass-cancel guard holds back.
    pub reload: Arc<Notify>,
    /// Bounds on the HTTP server.
    pub limits: Limits,
}

impl Context {
    /// The system clock, no systemd, the default HTTP limits.
    pub fn new(lock: StateLock) -> Context {
        Context {
            lock,
            clock: Clock::system(),
            notifier: Notifier::from_env(None, None, None),
            reload: Arc::new(Notify::new()),
            limits: Limits::for_this_process(),
        }
    }
}

/// Runs the daemon on `listener` until `shutdown` completes.
///
/// Reads the roster `config` names, checks the ledger (a damaged or
/// read-only one stops it here, before anything is sent), and serves.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    ctx: Context,
) -> anyhow::Result<()> {
    let Context {
        lock,
        clock,
        notifier,
        reload,
        limits,
    } = ctx;
    let roster = load::load_roster(&config)?;
    let mut ledger = Ledger::open(&config.state_dir)?;
    ledger.check()?;
    let history = ledger.history()?;
    let sender =
        Sender::new(&config.mail.transport).map_err(|e| anyhow::anyhow!("mail transport: {e}"))?;
    let secrets = secrets::Secrets::new(ledger.feed_secrets()?);
    let address = listener.local_addr()?;
    let shared = Arc::new(Shared::new(config, roster, history, secrets, clock));
    let (watcher, mut edits) = watch::watch(&shared.config.roster)
        .with_context(|| format!("cannot watch {}", shared.config.roster.display()))?;
    let (stop_http, http_stopped) = tokio_watch::channel(false);
    let http = supervise::spawn(
        shared.clone(),
        "HTTP server",
        http::serve(listener, shared.clone(), limits, http_stopped),
    );
    let failed = calendars::at_start(&shared).await;
    let refresher = tokio::spawn(calendars::run(shared.clone(), failed));
    let stop_refresher = refresher.abort_handle();
    let s = shared.clone();
    tokio::spawn(async move { supervise::join(&s, "calendar refresh", refresher).await });
    let worker = Arc::new(Worker::new(shared.clone(), ledger, sender, lock));
    tracing::info!(
        "touchbase {} serving feeds on {address}, {} active pairs",
        env!("CARGO_PKG_VERSION"),
        shared.current().roster.active_pairs().count()
    );
    notifier.notify(&format!(
        "READY=1\nSTATUS={}",
        scheduler::status_line(&shared)
    ));

    let events = scheduler::Events {
        reload: &reload,
        edits: &mut edits,
        notifier: &notifier,
    };
    scheduler::run(&shared, &worker, events, shutdown).await;

    tracing::info!("stopped");
    stop_refresher.abort();
    let _ = stop_http.send(true);
    drop(watcher);
    let _ = tokio::time::timeout(Duration::from_millis(500), http).await;
    Ok(())
}
