//! `touchbase run`: the daemon ([`crate::shell::daemon`]) on a tokio
//! runtime, or with `--once` one reconcile, the outbox drained, a one-line
//! summary, and exit.

use std::io::Write;
use std::sync::atomic::AtomicBool;

use jiff::Timestamp;

use super::CliError;
use crate::shell::clock;
use crate::shell::ledger::Ledger;
use crate::shell::load::Loaded;
use crate::shell::mail::transport::Sender;
use crate::shell::service::{self, ServiceError};

/// `touchbase run`: the daemon, until SIGTERM or SIGINT.
pub fn daemon(
    loaded: Loaded,
    env: &std::collections::BTreeMap<String, String>,
) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime
        .block_on(crate::shell::daemon::run(loaded, env))
        .map_err(CliError::Daemon)
}

/// `touchbase run --once`: reconcile, send what is due, exit.
pub fn once(loaded: &Loaded, now: Timestamp, out: &mut dyn Write) -> Result<(), CliError> {
    let config = &loaded.config;
    let mut ledger = Ledger::open(&config.state_dir).map_err(ServiceError::from)?;
    let t = clock::instant();
    let queued = service::reconcile(config, &loaded.roster, &mut ledger, now)?.queued;
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
