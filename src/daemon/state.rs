//! What the daemon's tasks share: the roster in force, the feed cache, the
//! feed secrets, health and metrics.
//!
//! std locks, not tokio's: no `.await` is ever held across them, and the
//! HTTP handlers only hold them for a lookup or a swap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use jiff::civil::Date;
use jiff::Timestamp;

use super::secrets::Secrets;
use crate::config::Config;
use crate::ledger::Ledger;
use crate::roster::Roster;
use crate::series::History;

/// The roster in force and the history that goes with it.
#[derive(Debug)]
pub struct Current {
    /// The last good roster.
    pub roster: Arc<Roster>,
    /// Earlier series of pairs, from the ledger.
    pub history: History,
    /// Bumped on every change of either: feed caches key on it.
    pub generation: u64,
}

/// One rendered feed.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The strong ETag, quoted.
    pub etag: String,
    /// The document (reference-counted: a response clones no bytes).
    pub body: hyper::body::Bytes,
}

/// Rendered feeds, valid for one (generation, day).
#[derive(Debug, Default)]
pub struct FeedCache {
    /// The generation and local day they were rendered for.
    pub key: (u64, Option<Date>),
    /// Person (lowercased address) → feed.
    pub feeds: HashMap<String, Feed>,
}

/// The last reload error, as `/healthz` reports it.
#[derive(Debug, Clone, Default)]
pub struct Health {
    /// The last roster reload error (location included), if the roster in
    /// force is not the file on disk.
    pub reload_error: Option<String>,
    /// A reload held back by the mass-cancel guard, waiting for SIGHUP.
    pub held_back: Option<String>,
    /// When the last reconcile finished.
    pub last_reconcile: Option<Timestamp>,
    /// The last reconcile or delivery problem.
    pub last_error: Option<String>,
    /// Messages waiting in the outbox.
    pub queued: u64,
    /// When the next wake-up is due.
    pub next_wake: Option<Timestamp>,
}

/// Prometheus counters and gauges.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Messages accepted by the mail server.
    pub sent: AtomicU64,
    /// Messages refused for good.
    pub failed: AtomicU64,
    /// Transient delivery failures (each retried later).
    pub deferred: AtomicU64,
    /// Reconciles run.
    pub reconciles: AtomicU64,
    /// Total reconcile time, microseconds.
    pub reconcile_micros: AtomicU64,
    /// Last reconcile time, microseconds.
    pub last_reconcile_micros: AtomicU64,
    /// Roster reloads applied.
    pub reloads: AtomicU64,
    /// Roster reloads refused (invalid) or held back.
    pub reload_errors: AtomicU64,
    /// Feed responses by status.
    pub feed_200: AtomicU64,
    /// 304 Not Modified.
    pub feed_304: AtomicU64,
    /// 404.
    pub feed_404: AtomicU64,
    /// Other statuses (405, 400).
    pub feed_other: AtomicU64,
}

impl Metrics {
    /// Adds one to `c`.
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// Everything shared.
#[derive(Debug)]
pub struct Shared {
    /// The configuration (fixed for the daemon's life).
    pub config: Config,
    /// The roster in force.
    pub current: RwLock<Arc<Current>>,
    /// Rendered feeds.
    pub feeds: Mutex<FeedCache>,
    /// Feed secrets, and the ledger's `data_version` they were read at.
    pub secrets: Mutex<(Secrets, i64)>,
    /// A ledger connection for reading secrets while the worker writes.
    pub reader: Mutex<Ledger>,
    /// Health.
    pub health: Mutex<Health>,
    /// Counters.
    pub metrics: Metrics,
}

impl Shared {
    /// The roster in force.
    pub fn current(&self) -> Arc<Current> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the roster and/or history; the feed cache follows.
    pub fn set_current(&self, roster: Arc<Roster>, history: History) {
        let mut guard = match self.current.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let generation = guard.generation + 1;
        *guard = Arc::new(Current {
            roster,
            history,
            generation,
        });
    }

    /// Runs `f` on the health record.
    pub fn health<R>(&self, f: impl FnOnce(&mut Health) -> R) -> R {
        match self.health.lock() {
            Ok(mut h) => f(&mut h),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// The person a feed secret belongs to, re-reading the secrets when
    /// the ledger changed (a `feed-url --rotate` from another process).
    pub fn person_for(&self, secret: &str) -> Option<String> {
        let mut guard = self.secrets.lock().ok()?;
        let version = self.reader.lock().ok().and_then(|l| l.data_version().ok());
        if let Some(v) = version {
            if v != guard.1 {
                if let Some(pairs) = self.reader.lock().ok().and_then(|l| l.feed_secrets().ok()) {
                    *guard = (Secrets::new(pairs), v);
                }
            }
        }
        guard.0.person(secret).map(str::to_string)
    }
}
