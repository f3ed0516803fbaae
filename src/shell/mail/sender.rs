//! Draining the outbox: due messages go out over a few connections at once,
//! and each outcome is committed to the ledger as soon as it is known.
//!
//! A message counts as sent only once the server accepted it and the
//! ledger recorded it. If the process dies in between, the message is sent
//! again on restart with the same Message-ID: at most the messages in
//! flight can arrive twice, and none is lost. A sending thread takes its
//! next message only once the outcome of its last is recorded, so that is
//! at most one message per connection.
//!
//! The sending threads (one connection each, for SMTP) live for the whole
//! drain; the ledger is read a batch at a time, and the next batch is read
//! only once every outcome of the last one is recorded, so no message is
//! ever handed out twice.
//!
//! When the ledger cannot record that the server accepted a message (a
//! full disk), the message's id is kept in [`Unrecorded`], and the next
//! drain records those before it sends anything: a running daemon never
//! sends a message twice because its disk filled up. When every connection
//! fails in a row without one success (a server down or stalling), the
//! drain stops handing out messages: the rest wait for the back-off
//! instead of each waiting out a timeout.

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

/// A message, what the server said, and the sending thread's wait: it
/// takes no other message until this is dropped, after the outcome is
/// recorded.
type Outcome = (Queued, Result<(), SendError>, mpsc::Sender<()>);

/// Messages the server accepted whose sending the ledger could not record
/// yet. Kept across drains by the caller; never sent again.
#[derive(Debug, Default)]
pub struct Unrecorded {
    ids: Vec<i64>,
}

impl Unrecorded {
    /// How many are waiting to be recorded.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

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
    let mut unrecorded = Unrecorded::default();
    drain_with(
        ledger,
        sender,
        from,
        connections,
        now,
        stop,
        &mut unrecorded,
    )
}

/// [`drain`], first recording what an earlier drain could not
/// (`unrecorded`); sends nothing while that still fails.
pub fn drain_with(
    ledger: &mut Ledger,
    sender: &Sender,
    from: &str,
    connections: usize,
    now: &(dyn Fn() -> i64 + Sync),
    stop: &AtomicBool,
    unrecorded: &mut Unrecorded,
) -> Result<Drained, LedgerError> {
    if !unrecorded.is_empty() {
        ledger.mark_sent(&unrecorded.ids, now())?;
        unrecorded.ids.clear();
    }
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
                    let (recorded, wait) = mpsc::channel::<()>();
                    if tx.send((msg, result, recorded)).is_err() {
                        break;
                    }
                    // Not the next message before this one is recorded: so
                    // at most one per connection is accepted and not yet
                    // recorded, which is all a crash can send again.
                    let _ = wait.recv();
                }
            });
        }
        drop(tx);
        let mut feeding = Feeding {
            ledger,
            work: &work,
            ready: &ready,
            rx,
            now,
            stop,
            threads,
            unrecorded,
        };
        let result = feeding.run(first);
        // Whatever happened, let the threads finish their message and go:
        // nothing more to take, and (dropping the receiver) no outcome
        // left to wait for.
        if let Ok(mut w) = work.lock() {
            w.closed = true;
            w.queue.clear();
        }
        ready.notify_all();
        drop(feeding);
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

/// The drain's coordinator: hands out batches and records their outcomes.
struct Feeding<'a> {
    ledger: &'a mut Ledger,
    work: &'a Mutex<Work>,
    ready: &'a Condvar,
    rx: mpsc::Receiver<Outcome>,
    now: &'a (dyn Fn() -> i64 + Sync),
    stop: &'a AtomicBool,
    threads: usize,
    unrecorded: &'a mut Unrecorded,
}

impl Feeding<'_> {
    /// Hands out batches, one at a time, and records their outcomes.
    fn run(&mut self, first: Vec<Queued>) -> Result<Drained, LedgerError> {
        let mut total = Drained::default();
        let mut batch = first;
        // Transient failures in a row, with no message accepted between.
        let mut streak = 0;
        loop {
            let mut pending = batch.len();
            if let Ok(mut w) = self.work.lock() {
                w.queue.extend(batch);
            }
            self.ready.notify_all();
            let mut round = Drained::default();
            let mut failure = None;
            let mut gave_up = false;
            // Commit outcomes as they arrive, grouping whatever is already
            // waiting into one transaction.
            while pending > 0 {
                let Ok(first) = self.rx.recv() else { break };
                let mut group = vec![first];
                group.extend(self.rx.try_iter());
                pending = pending.saturating_sub(group.len());
                let before = round;
                if let Err(e) = self.record(group, &mut round) {
                    failure.get_or_insert(e);
                }
                if round.sent > before.sent || round.failed > before.failed {
                    streak = 0;
                } else {
                    streak += round.deferred - before.deferred;
                }
                gave_up |= streak >= self.threads;
                if failure.is_some() || gave_up || self.stop.load(Ordering::SeqCst) {
                    // What was not handed out stays queued: for the next
                    // start, the back-off, or a ledger that can record.
                    pending = pending.saturating_sub(self.withdraw());
                }
            }
            total.sent += round.sent;
            total.deferred += round.deferred;
            total.failed += round.failed;
            if let Some(e) = failure {
                return Err(e);
            }
            if gave_up || self.stop.load(Ordering::SeqCst) || (round.sent == 0 && round.failed == 0)
            {
                // Stopping, or the server is down: the rest waits for the
                // back-off.
                return Ok(total);
            }
            batch = self.ledger.due((self.now)(), BATCH)?;
            if batch.is_empty() {
                return Ok(total);
            }
        }
    }

    /// Takes back the messages not handed out yet; returns how many.
    fn withdraw(&self) -> usize {
        match self.work.lock() {
            Ok(mut w) => {
                let n = w.queue.len();
                w.queue.clear();
                n
            }
            Err(_) => 0,
        }
    }

    /// Records a group of outcomes. Acceptances come first, in one
    /// transaction; when that fails they are kept in `unrecorded`, so
    /// they are never sent again by this process.
    fn record(&mut self, group: Vec<Outcome>, drained: &mut Drained) -> Result<(), LedgerError> {
        let now = (self.now)();
        let mut sent = Vec::new();
        let mut others = Vec::new();
        // Dropped on return, once the group is recorded (or cannot be):
        // each lets its sending thread take the next message.
        let mut held = Vec::with_capacity(group.len());
        for (msg, result, waiting) in group {
            held.push(waiting);
            match result {
                Ok(()) => sent.push(msg.id),
                Err(e) => others.push((msg.id, e)),
            }
        }
        drained.sent += sent.len();
        if let Err(e) = self.ledger.mark_sent(&sent, now) {
            self.unrecorded.ids.extend(sent);
            return Err(e);
        }
        for (id, e) in others {
            if e.is_transient() {
                drained.deferred += 1;
                self.ledger.mark_retry(id, now, &e.message)?;
            } else {
                drained.failed += 1;
                self.ledger.mark_failed(id, now, &e.message)?;
            }
        }
        Ok(())
    }
}
