//! Draining the outbox: due messages go out over a few connections at once,
//! and each outcome is committed to the ledger as soon as it is known.
//!
//! A message counts as sent only once the server accepted it and the
//! ledger recorded it. If the process dies in between, the message is sent
//! again on restart with the same Message-ID: at most the messages in
//! flight (one per connection) can arrive twice, and none is lost.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use super::transport::{SendError, Sender};
use crate::ledger::{Ledger, LedgerError, Queued};

/// How many due messages are read from the ledger at a time.
const BATCH: usize = 512;

/// What one drain did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    /// Accepted by the server.
    pub sent: usize,
    /// Failed for now; retried after a back-off.
    pub deferred: usize,
    /// Refused for good.
    pub failed: usize,
}

/// Sends every message due at `now()` (and those that fall due while it
/// runs) through `sender`, over `connections` parallel connections, until
/// none is due or `stop` is set. Returns what happened.
pub fn drain(
    ledger: &mut Ledger,
    sender: &Sender,
    from: &str,
    connections: usize,
    now: &(dyn Fn() -> i64 + Sync),
    stop: &AtomicBool,
) -> Result<Drained, LedgerError> {
    let mut total = Drained::default();
    while !stop.load(Ordering::SeqCst) {
        let batch = ledger.due(now(), BATCH)?;
        if batch.is_empty() {
            break;
        }
        // No more threads than messages, nor than the transport gains from:
        // each thread is a connection for SMTP, but files and sendmail gain
        // nothing from many, and every thread leaves a malloc arena behind.
        let threads = connections
            .min(sender.parallelism())
            .min(batch.len())
            .max(1);
        let round = send_batch(ledger, sender, from, threads, batch, now, stop)?;
        total.sent += round.sent;
        total.deferred += round.deferred;
        total.failed += round.failed;
        if round.sent == 0 && round.failed == 0 {
            // Everything was deferred: the server is down; wait for the back-off.
            break;
        }
    }
    Ok(total)
}

type Outcome = (Queued, Result<(), SendError>);

fn send_batch(
    ledger: &mut Ledger,
    sender: &Sender,
    from: &str,
    connections: usize,
    batch: Vec<Queued>,
    now: &(dyn Fn() -> i64 + Sync),
    stop: &AtomicBool,
) -> Result<Drained, LedgerError> {
    let queue = Mutex::new(VecDeque::from(batch));
    let (tx, rx) = mpsc::channel::<Outcome>();
    let mut drained = Drained::default();
    std::thread::scope(|scope| {
        for _ in 0..connections {
            let tx = tx.clone();
            let queue = &queue;
            scope.spawn(move || {
                let mut session = sender.session();
                loop {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some(msg) = next else { break };
                    let result = match &mut session {
                        Ok(s) => s.send(from, &msg.recipient, &msg.message_id, &msg.body),
                        Err(e) => Err(e.clone()),
                    };
                    if tx.send((msg, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Commit outcomes as they arrive, grouping whatever is already
        // waiting into one transaction.
        let mut result = Ok(());
        while let Ok(first) = rx.recv() {
            let mut group = vec![first];
            group.extend(rx.try_iter());
            if result.is_ok() {
                result = record(ledger, group, now(), &mut drained);
            }
            if result.is_err() {
                // The ledger failed: stop handing out work; what was sent
                // and not recorded is sent again later, never lost.
                if let Ok(mut q) = queue.lock() {
                    q.clear();
                }
            }
        }
        result
    })?;
    Ok(drained)
}

fn record(
    ledger: &mut Ledger,
    group: Vec<Outcome>,
    now: i64,
    drained: &mut Drained,
) -> Result<(), LedgerError> {
    let mut sent = Vec::new();
    for (msg, result) in group {
        match result {
            Ok(()) => sent.push(msg.id),
            Err(e) if e.is_transient() => {
                drained.deferred += 1;
                ledger.mark_retry(msg.id, now, &e.message)?;
            }
            Err(e) => {
                drained.failed += 1;
                ledger.mark_failed(msg.id, now, &e.message)?;
            }
        }
    }
    drained.sent += sent.len();
    ledger.mark_sent(&sent, now)
}
