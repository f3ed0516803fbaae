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

thread_local! {
    /// Each HTTP thread's own ledger connection and the `data_version` it
    /// last read the secrets at.
    static READER: std::cell::RefCell<Option<Reader>> = const { std::cell::RefCell::new(None) };
}

/// One HTTP thread's view of the ledger's secrets.
struct Reader {
    ledger: Ledger,
    /// The `data_version` the secrets were last read at.
    version: i64,
    /// The write-ahead log's size and modification time when last checked:
    /// every commit touches it, so an unchanged stamp (one `statx`, no
    /// lock) means nothing to re-read.
    wal: Option<(u64, std::time::SystemTime)>,
}
use crate::core::feed::Directory;
use crate::core::roster::Roster;
use crate::core::series::History;
use crate::shell::clock::{self, Clock};
use crate::shell::config::Config;
use crate::shell::ledger::Ledger;

/// The roster in force and the history that goes with it.
#[derive(Debug)]
pub struct Current {
    /// The last good roster.
    pub roster: Arc<Roster>,
    /// Earlier series of pairs, from the ledger.
    pub history: History,
    /// Who has a feed, and which pairs it holds (shared while the roster
    /// stays the same: a history change does not rebuild it).
    pub directory: Arc<Directory>,
    /// Bumped on every change of either: feed caches key on it.
    pub generation: u64,
}

impl Current {
    /// `roster` and `history` at `generation`, with the roster's directory.
    pub fn new(roster: Arc<Roster>, history: History, generation: u64) -> Current {
        Current {
            directory: Arc::new(Directory::new(&roster)),
            roster,
            history,
            generation,
        }
    }
}

/// One rendered feed.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The strong ETag, quoted, ready for the response header.
    pub etag: hyper::header::HeaderValue,
    /// The document (reference-counted: a response clones no bytes).
    pub body: hyper::body::Bytes,
}

/// Rendered feeds, valid for one (generation, day).
#[derive(Debug, Default)]
pub struct FeedCache {
    /// The generation and local day they were rendered for.
    pub key: (u64, Option<Date>),
    /// Secret → feed.
    pub feeds: HashMap<String, Feed>,
}

/// What `/healthz` reports.
#[derive(Debug, Clone, Default)]
pub struct Health {
    /// Where the last roster reload failed (file, line, column and key,
    /// never the value), if the roster in force is not the file on disk.
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
    /// Panics in the daemon's tasks since it started.
    pub panics: u64,
    /// The task that panicked last, and when.
    pub last_panic: Option<String>,
    /// Calendar sources whose last fetch failed: id -> why (the last good
    /// copy stays in use).
    pub calendars: std::collections::BTreeMap<String, String>,
}

impl Health {
    /// Whether something needs an operator's eye.
    pub fn degraded(&self) -> bool {
        self.reload_error.is_some()
            || self.held_back.is_some()
            || self.last_error.is_some()
            || self.panics > 0
            || !self.calendars.is_empty()
    }
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
    /// Calendar fetches that brought a new copy.
    pub calendar_fetched: AtomicU64,
    /// Calendar fetches answered 304 (the copy is current).
    pub calendar_not_modified: AtomicU64,
    /// Calendar fetches that failed (the last good copy stays).
    pub calendar_errors: AtomicU64,
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
    /// The clock every task reads.
    pub clock: Clock,
    /// The roster in force.
    pub current: RwLock<Arc<Current>>,
    /// The generation of `current`, readable without a lock.
    pub generation: AtomicU64,
    /// Rendered feeds.
    pub feeds: RwLock<FeedCache>,
    /// Feed secrets as last read from the ledger.
    pub secrets: RwLock<Arc<Secrets>>,
    /// The minute `today_date` was computed in.
    pub today_minute: std::sync::atomic::AtomicI64,
    /// Today's local date as YYYYMMDD.
    pub today_date: std::sync::atomic::AtomicI32,
    /// Health.
    pub health: Mutex<Health>,
    /// Counters.
    pub metrics: Metrics,
    /// The self-service pages' key, rate limits and reconcile requests.
    pub page: super::http::me::PageState,
    /// Notified when a calendar source brought new days off: the
    /// scheduler reconciles.
    pub days_off_changed: tokio::sync::Notify,
}

impl Shared {
    /// The state at start: `roster` and `history` in force, the feed
    /// secrets as read from the ledger, nothing cached or counted yet.
    pub fn new(
        config: Config,
        roster: Roster,
        history: History,
        secrets: Secrets,
        clock: Clock,
    ) -> Shared {
        Shared {
            clock,
            current: RwLock::new(Arc::new(Current::new(Arc::new(roster), history, 0))),
            generation: AtomicU64::new(0),
            feeds: RwLock::new(FeedCache::default()),
            secrets: RwLock::new(Arc::new(secrets)),
            today_minute: std::sync::atomic::AtomicI64::new(i64::MIN),
            today_date: std::sync::atomic::AtomicI32::new(0),
            health: Mutex::new(Health::default()),
            metrics: Metrics::default(),
            page: Default::default(),
            days_off_changed: tokio::sync::Notify::new(),
            config,
        }
    }

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
        let next = if Arc::ptr_eq(&guard.roster, &roster) {
            Current {
                directory: guard.directory.clone(),
                roster,
                history,
                generation,
            }
        } else {
            Current::new(roster, history, generation)
        };
        *guard = Arc::new(next);
        self.generation.store(generation, Ordering::Release);
    }

    /// Replaces the history, keeping the roster in force (which may have
    /// changed while a reconcile ran: a report's own choice, a reload).
    pub fn set_history(&self, history: History) {
        let roster = self.current().roster.clone();
        self.set_current(roster, history);
    }

    /// Merges `choices` (the reports' own, from the ledger) into the
    /// roster in force, replacing those merged before, and places the
    /// `time = "auto"` pairs again: a report back from an opt-out needs a
    /// slot, one who left frees theirs for pairs not yet sent.
    pub fn set_roster_choices(&self, choices: &crate::core::own::Choices) {
        let current = self.current();
        let mut roster = (*current.roster).clone();
        crate::core::own::apply(&mut roster, choices);
        if let Err(e) = crate::shell::load::place(&self.config, &mut roster) {
            // Positions only: the message names people.
            let at: Vec<String> =
                e.0.iter()
                    .map(|e| format!("{} ({})", e.origin, e.key))
                    .collect();
            tracing::warn!(
                "after a report's own choice, no slot for the `time = \"auto\"` pairs at {}; \
                 `touchbase check` says why",
                at.join(", ")
            );
        }
        self.set_current(Arc::new(roster), current.history.clone());
    }

    /// Runs `f` on the health record.
    pub fn health<R>(&self, f: impl FnOnce(&mut Health) -> R) -> R {
        match self.health.lock() {
            Ok(mut h) => f(&mut h),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// The person a feed secret belongs to, re-reading the secrets first
    /// when the ledger changed (a `feed-url --rotate` from another process):
    /// each HTTP thread watches the write-ahead log's stamp and, when it
    /// moved, asks its own connection for SQLite's `data_version`.
    pub fn person_for(&self, secret: &str) -> Option<String> {
        READER.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Ledger::open(&self.config.state_dir)
                    .ok()
                    .map(|ledger| Reader {
                        ledger,
                        version: i64::MIN,
                        wal: None,
                    });
            }
            let Some(r) = slot.as_mut() else { return };
            let wal = std::fs::metadata(r.ledger.path().with_extension("sqlite3-wal"))
                .ok()
                .and_then(|m| Some((m.len(), m.modified().ok()?)));
            if wal.is_some() && wal == r.wal {
                return;
            }
            // A commit may have reached the log but not yet the index that
            // `data_version` reads: trust the stamp only once it is a
            // second old, and until then ask SQLite every time.
            let settled = wal.is_some_and(|(_, t)| clock::age(t).is_some_and(|e| e.as_secs() >= 1));
            r.wal = if settled { wal } else { None };
            if let Ok(v) = r.ledger.data_version() {
                if v != r.version {
                    if let Ok(pairs) = r.ledger.feed_secrets() {
                        if let Ok(mut w) = self.secrets.write() {
                            *w = Arc::new(Secrets::new(pairs));
                        }
                        r.version = v;
                    }
                }
            }
        });
        let secrets = self.secrets.read().ok()?.clone();
        secrets.person(secret).map(str::to_string)
    }

    /// Today's date in the system's zone, computed at most once a minute
    /// (lock-free: every feed request asks).
    pub fn today(&self, now: Timestamp) -> Option<Date> {
        let minute = now.as_second().div_euclid(60);
        if self.today_minute.load(Ordering::Acquire) != minute {
            let d = now.to_zoned(clock::local_zone()).date();
            let packed =
                i32::from(d.year()) * 10_000 + i32::from(d.month()) * 100 + i32::from(d.day());
            self.today_date.store(packed, Ordering::Release);
            self.today_minute.store(minute, Ordering::Release);
        }
        let p = self.today_date.load(Ordering::Acquire);
        let year = i16::try_from(p / 10_000).ok()?;
        let month = i8::try_from(p / 100 % 100).ok()?;
        let day = i8::try_from(p % 100).ok()?;
        Date::new(year, month, day).ok()
    }
}
