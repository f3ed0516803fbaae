//! `touchbase run`: the daemon ([`crate::shell::daemon`]) on a tokio
//! runtime, wired to the process's signals; or with `--once` one
//! reconcile, the outbox drained, a one-line summary, and exit. Both take
//! the state folder's lock first, so neither runs beside a daemon.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use jiff::Timestamp;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::Notify;

use super::CliError;
use crate::shell::clock;
use crate::shell::config::Config;
use crate::shell::daemon::{self, sd_notify::Notifier, Context};
use crate::shell::ledger::{self, Ledger};
use crate::shell::load::Loaded;
use crate::shell::lock::StateLock;
use crate::shell::mail::transport::Sender;
use crate::shell::private;
use crate::shell::service::{self, ServiceError};

/// How long the runtime waits, at exit, for a blocking task that did not
/// stop in time (a send stuck on a silent server): not long, since what it
/// was sending stays queued.
const EXIT_GRACE: Duration = Duration::from_millis(500);

/// `touchbase run`: the daemon, until SIGTERM or SIGINT; SIGHUP reloads.
pub fn daemon(config: Config, env: &BTreeMap<String, String>) -> Result<(), CliError> {
    let lock = StateLock::acquire(&config.state_dir)?;
    private::warn_if_exposed(&config.state_dir, ledger::FILE);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let listener = listen(config.http.listen)
            .with_context(|| format!("cannot listen on {} (http.listen)", config.http.listen))?;
        let mut ctx = Context::new(lock);
        ctx.notifier = Notifier::from_env(
            env.get("NOTIFY_SOCKET").map(String::as_str),
            env.get("WATCHDOG_USEC").map(String::as_str),
            env.get("WATCHDOG_PID").map(String::as_str),
        );
        let shutdown = signals(ctx.reload.clone())?;
        daemon::run(config, listener, shutdown, ctx).await
    });
    runtime.shutdown_timeout(EXIT_GRACE);
    result.map_err(CliError::Daemon)
}

/// Connections the kernel completes and queues before the daemon accepts
/// them.
const BACKLOG: u32 = 1024;

/// Binds `addr` with a listen backlog of [`BACKLOG`] rather than the 128
/// that std and mio pass: beyond the backlog the kernel drops SYNs, and
/// each dropped one costs its client a second. Measured: 1,000 connections
/// opened at once took 7 s with 128 (a 1 s stall every 130 or so), 0.04 s
/// with 1024.
fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Wires the signals: SIGHUP notifies `reload`; the future returned
/// completes on SIGTERM or SIGINT.
fn signals(reload: Arc<Notify>) -> anyhow::Result<impl std::future::Future<Output = ()>> {
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sighup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while sighup.recv().await.is_some() {
            reload.notify_one();
        }
    });
    Ok(async move {
        tokio::select! {
            _ = sigterm.recv() => {}
            _ = sigint.recv() => {}
        }
        tracing::info!("stopping: finishing the message in flight");
    })
}

/// `touchbase run --once`: reconcile, send what is due, exit.
pub fn once(loaded: &Loaded, now: Timestamp, out: &mut dyn Write) -> Result<(), CliError> {
    let config = &loaded.config;
    let _lock = StateLock::acquire(&config.state_dir)?;
    private::warn_if_exposed(&config.state_dir, ledger::FILE);
    let mut ledger = Ledger::open(&config.state_dir).map_err(ServiceError::from)?;
    ledger.check().map_err(ServiceError::from)?;
    let t = clock::instant();
    let reconciled = service::reconcile(config, &loaded.roster, &mut ledger, now)?;
    ledger
        .forget_feed_secrets(|person| loaded.roster.knows(person))
        .map_err(ServiceError::from)?;
    let queued = reconciled.queued;
    for u in &reconciled.unbuilt {
        tracing::warn!(
            "a message for the pair at {} could not be built and is recorded as failed; \
             `touchbase check` and `touchbase status` say why",
            u.position
        );
    }
    let reconciled = clock::since(t);
    let sender = Sender::new(&config.mail.transport).map_err(ServiceError::from)?;
    let stop = AtomicBool::new(false);
    let t = clock::instant();
    let d = service::drain(config, &mut ledger, &sender, &stop)?;
    let drained = clock::since(t);
    let left = ledger.queue_len().map_err(ServiceError::from)?;
    writeln!(
        out,
        "queued {queued} new message{} in {:.2} s; sent {}, deferred {}, failed {} in {:.2} s; {left} waiting",
        if queued == 1 { "" } else { "s" },
        reconciled.as_secs_f64(),
        d.sent,
        d.deferred,
        d.failed,
        drained.as_secs_f64()
    )?;
    Ok(())
}
