//! Draining the outbox: due messages go out over a few connections at once,
//! and each outcome is committed to the ledger as soon as it is known.
//!
//! A message counts as sent only once the server accepted it and the
//! ledger recorded it. If the process dies in between, the message is sent
//! again on restart with the same Message-ID: at most the messages in
//! flight (one per connection) can arrive twice, and none is lost.
//!
//! The sending threads (one connection each, for SMTP) live for the whole
//! drain; the ledger is read a batch at a time, and the next batch is read
//! only once every outcome of the last one is recorded, so no message is
//! ever handed out twice.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

use super::transport::{SendError, Sender};
use crate::shell::ledger::{Ledger, LedgerError, Queued};

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

type Outcome = (Queued, Result<(), SendError>);

/// Work for the sending threads, and whether more will come.
struct Work {
    queue: VecDeque<Queued>,
    closed: bool,
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
    let first = ledger.due(now(), BATCH)?;
    if first.is_empty() {
        return Ok(Drained::default());
    }
    // No more threads than messages, nor than the transport gains from:
    // each thread is a connection for SMTP, but files and sendmail gain
    // nothing from many, and every thread leaves a malloc arena behind.
    let threads = connections
        .min(sender.parallelism())
        .min(first.len())
        .max(1);
    let work = Mutex::new(Work {
        queue: VecDeque::new(),
        closed: false,
    });
    let ready = Condvar::new();
    let (tx, rx) = mpsc::channel::<Outcome>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (work, ready) = (&work, &ready);
            scope.spawn(move || {
                let mut session = sender.session();
                while let Some(msg) = next(work, ready, stop) {
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
        let result = feed(ledger, &work, &ready, &rx, first, now, stop);
        // Whatever happened, let the threads finish their message and go.
        if let Ok(mut w) = work.lock() {
            w.closed = true;
            w.queue.clear();
        }
        ready.notify_all();
        result
    })
}

/// The next message for a sending thread; `None` once the drain is over.
fn next(work: &Mutex<Work>, ready: &Condvar, stop: &AtomicBool) -> Option<Queued> {
    let mut w = work.lock().ok()?;
    loop {
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        if let Some(m) = w.queue.pop_front() {
            return Some(m);
        }
        if w.closed {
            return None;
        }
        w = ready.wait(w).ok()?;
    }
}

/// Hands out batches and records their outcomes, one batch at a time.
fn feed(
    ledger: &mut Ledger,
    work: &Mutex<Work>,
    ready: &Condvar,
    rx: &mpsc::Receiver<Outcome>,
    first: Vec<Queued>,
    now: &(dyn Fn() -> i64 + Sync),
    stop: &AtomicBool,
) -> Result<Drained, LedgerError> {
    let mut total = Drained::default();
    let mut batch = first;
    loop {
        let mut pending = batch.len();
        if let Ok(mut w) = work.lock() {
            w.queue.extend(batch);
        }
        ready.notify_all();
        let mut round = Drained::default();
        // Commit outcomes as they arrive, grouping whatever is already
        // waiting into one transaction.
        while pending > 0 {
            let Ok(first) = rx.recv() else { break };
            let mut group = vec![first];
            group.extend(rx.try_iter());
            pending = pending.saturating_sub(group.len());
            record(ledger, group, now(), &mut round)?;
            if stop.load(Ordering::SeqCst) {
                // What was not handed out stays queued for the next start.
                if let Ok(mut w) = work.lock() {
                    pending = pending.saturating_sub(w.queue.len());
                    w.queue.clear();
                }
            }
        }
        total.sent += round.sent;
        total.deferred += round.deferred;
        total.failed += round.failed;
        if stop.load(Ordering::SeqCst) || (round.sent == 0 && round.failed == 0) {
            // Stopping, or everything was deferred (the server is down):
            // the rest waits for the back-off.
            return Ok(total);
        }
        batch = ledger.due(now(), BATCH)?;
        if batch.is_empty() {
            return Ok(total);
        }
    }
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
