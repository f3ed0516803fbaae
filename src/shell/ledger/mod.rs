//! The ledger: SQLite in `state_dir`, the record of everything touchbase
//! has sent and still has to send.
//!
//! - `series`: each recurring series as last sent (UID, SEQUENCE, the
//!   parameters it was sent with, and whether it is active, ended by a
//!   change, or cancelled). Ended series are the "history" the pure core
//!   needs to keep meetings already held as they were.
//! - `occurrences`: each single meeting update (RECURRENCE-ID) sent, with a
//!   fingerprint of what it said.
//! - `messages`: every message, queued or sent, keyed by its derived
//!   Message-ID (so enqueuing the same message twice is a no-op), with the
//!   outbox columns: attempts, next attempt, last error.
//! - `digests`: each weekly digest queued (manager, week), so that it is
//!   queued once.
//!
//! - `own_choices`, `page_key`, `used_tokens`: what reports chose on their
//!   own page, and what keeps its forms from being forged or replayed.
//!
//! The database runs in WAL mode with `synchronous = NORMAL`: a commit
//! survives the process being killed at any point (SQLite's guarantee for
//! WAL), and a power cut can at worst roll back the last commits, which
//! makes touchbase resend, never lose, a message. Schema changes are
//! numbered migrations tracked in `PRAGMA user_version`. Opening it, and
//! refusing a damaged file, is `open`'s.

mod digests;
mod open;
mod outbox;
mod own;
mod rows;

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use crate::core::reconcile::{Sent, SentOccurrence, SentSeries};
use crate::core::series::History;
pub use digests::NewDigest;
pub use outbox::{backoff, NewMessage, Queued};
pub use own::Recorded;

/// Ledger failures. Every one of them is about the local database, so a
/// caller retries later or stops; none is caused by roster input.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The state folder or the ledger file could not be created.
    #[error("cannot create state folder {path}: {source}")]
    StateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite refused something.
    #[error("ledger {path}: {source}{}", open::damage_advice(.source))]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// A row holds a value this touchbase cannot read: the file was
    /// edited by hand or damaged. Nothing is sent from a ledger that does
    /// not say for sure what was sent before.
    #[error("ledger {path}: table {table}, row {key}: column {column} holds {found:?}, expected {expected}; restore the ledger from a backup (docs/operations.md)")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// The row's key (a UID, with the RECURRENCE-ID for occurrences).
        key: String,
        /// The column.
        column: &'static str,
        /// What it holds.
        found: String,
        /// What it should hold.
        expected: &'static str,
    },
    /// The file is not a whole ledger: empty, truncated, or with pages
    /// SQLite cannot read. Nothing is sent from it: a ledger that has lost
    /// its record would send every invitation again.
    #[error("ledger {path} is damaged ({detail}); touchbase will not send from a ledger that cannot say what was sent before, as that could send every invitation again: restore it from a backup (docs/operations.md), or, if nothing was ever sent from it, delete it")]
    Damaged {
        /// The database file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The database was written by a newer touchbase.
    #[error("ledger {path} has schema version {found}, newer than this touchbase knows ({known}); upgrade touchbase")]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
}

/// The file name of the ledger inside `state_dir`.
pub const FILE: &str = "ledger.sqlite3";

/// Numbered migrations; entry `i` takes the schema from version `i` to `i + 1`.
/// Version 2 adds when a pause began and the place of each series (so a
/// stop can write the series again), and the index that keeps the messages
/// for one recipient and UID in order. Version 3 adds the reports' own
/// choices, the key of the self-service pages' form tokens and the tokens
/// already used (see `own`).
/// Version 4 adds the weekly digests queued (see `digests`).
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE series (
    uid              TEXT PRIMARY KEY,
    pair_uid         TEXT NOT NULL,
    manager          TEXT NOT NULL,
    manager_name     TEXT NOT NULL,
    report           TEXT NOT NULL,
    report_name      TEXT NOT NULL,
    sequence         INTEGER NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('active', 'ended', 'cancelled')),
    anchor           TEXT NOT NULL,
    first_date       TEXT NOT NULL,
    until_date       TEXT,
    time             TEXT NOT NULL,
    cadence          TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    timezone         TEXT NOT NULL,
    paused_until     TEXT,
    fingerprint      TEXT NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX series_pair ON series (pair_uid);
CREATE TABLE occurrences (
    uid           TEXT NOT NULL,
    recurrence_id TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('sent', 'cancelled')),
    PRIMARY KEY (uid, recurrence_id)
);
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    uid             TEXT NOT NULL,
    recurrence_id   TEXT,
    sequence        INTEGER NOT NULL,
    method          TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    body            BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    sent_at         INTEGER
);
CREATE INDEX messages_due ON messages (state, next_attempt_at);
CREATE TABLE feed_secrets (
    person     TEXT PRIMARY KEY,
    secret     TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
",
    r"
ALTER TABLE series ADD COLUMN paused_from TEXT;
ALTER TABLE series ADD COLUMN location TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_order ON messages (uid, recipient, id) WHERE state = 'queued';
",
    r"
CREATE TABLE own_choices (
    report       TEXT PRIMARY KEY,
    opt_out      INTEGER NOT NULL DEFAULT 0 CHECK (opt_out IN (0, 1)),
    paused_until TEXT,
    skip_tags    TEXT,
    skip_since   TEXT,
    updated_at   INTEGER NOT NULL
);
CREATE TABLE page_key (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL
);
CREATE TABLE used_tokens (
    token      TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
",
    digests::MIGRATION,
];

/// The open ledger.
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

impl Ledger {
    fn err(&self, source: rusqlite::Error) -> LedgerError {
        open::sqlite_error(&self.path, source)
    }

    fn migrate(&mut self) -> Result<(), LedgerError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(LedgerError::TooNew {
                path: self.path.clone(),
                found: version,
                known,
            });
        }
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            let tx = self.conn.transaction().map_err(|e| LedgerError::Sqlite {
                path: self.path.clone(),
                source: e,
            })?;
            let step = tx
                .execute_batch(sql)
                .and_then(|()| tx.pragma_update(None, "user_version", i as i64 + 1))
                .and_then(|()| tx.commit());
            step.map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Everything the reconciler needs to know of what was sent. A row
    /// that cannot be read is an error ([`LedgerError::Corrupt`]), never
    /// skipped: skipping one could leave an opt-out's stop unsent.
    pub fn sent(&self) -> Result<Sent, LedgerError> {
        let raw = rows::read(&self.conn).map_err(|e| self.err(e))?;
        raw.into_sent().map_err(|c| c.at(&self.path))
    }

    /// What the schedule needs of what was sent ([`History`]): the series
    /// that changes ended and when pauses began. Only those rows are read
    /// (and any whose state is not `active`, so a damaged one is still an
    /// error): after invitations to 100,000 pairs, the whole ledger is
    /// 60 MB in memory, the history a few rows.
    pub fn history(&self) -> Result<History, LedgerError> {
        let raw = rows::read_where(&self.conn, HISTORY_ROWS).map_err(|e| self.err(e))?;
        let sent = raw.into_sent().map_err(|c| c.at(&self.path))?;
        Ok(crate::core::reconcile::history(&sent))
    }

    /// The series in force (state `active`) and no occurrences: what
    /// placement needs to keep each `time = "auto"` pair's sent slot,
    /// without reading every meeting update ever sent.
    pub fn active_series(&self) -> Result<Sent, LedgerError> {
        let raw = rows::read_where(&self.conn, "state = 'active'").map_err(|e| self.err(e))?;
        raw.into_sent().map_err(|c| c.at(&self.path))
    }

    /// Records a reconcile's outcome in one transaction: the series and
    /// occurrence states it leaves behind and the messages it queues. A
    /// crash before the commit leaves the ledger as it was, and the next
    /// reconcile computes the same changes again.
    #[cfg(test)]
    pub fn apply(
        &mut self,
        series: &[SentSeries],
        occurrences: &[SentOccurrence],
        messages: &[NewMessage],
        now: i64,
    ) -> Result<usize, LedgerError> {
        let ok = messages
            .iter()
            .cloned()
            .map(Ok::<_, std::convert::Infallible>);
        match self.apply_stream(series, occurrences, ok, now)? {
            Ok(n) => Ok(n),
            Err(never) => match never {},
        }
    }

    /// [`Ledger::apply`] with messages made one at a time as they are
    /// stored. The first `Err` a message yields rolls the whole
    /// transaction back and is returned inside `Ok`.
    #[cfg(test)]
    pub fn apply_stream<E>(
        &mut self,
        series: &[SentSeries],
        occurrences: &[SentOccurrence],
        messages: impl IntoIterator<Item = Result<NewMessage, E>>,
        now: i64,
    ) -> Result<Result<usize, E>, LedgerError> {
        let mut batch = self.batch(now)?;
        batch.record(series, occurrences)?;
        for m in messages {
            match m {
                Ok(m) => batch.queue(&m)?,
                // Dropping the batch rolls it back.
                Err(e) => return Ok(Err(e)),
            }
        }
        batch.commit().map(Ok)
    }

    /// Starts recording a reconcile: its messages are queued one at a
    /// time as they are made, so a large reconcile never holds every
    /// message body at once, and the states they leave are recorded in the
    /// same transaction. Nothing is written unless [`Batch::commit`] is
    /// called: a batch dropped before (an error, a crash) leaves the ledger
    /// as it was, and the next reconcile computes the same changes again.
    pub fn batch(&mut self, now: i64) -> Result<Batch<'_>, LedgerError> {
        let path = &self.path;
        let tx = self
            .conn
            .transaction()
            .map_err(|source| LedgerError::Sqlite {
                path: path.clone(),
                source,
            })?;
        Ok(Batch {
            tx,
            path,
            now,
            queued: 0,
        })
    }

    /// The feed secret of `person` (lowercased address), if one was made.
    pub fn feed_secret(&self, person: &str) -> Result<Option<String>, LedgerError> {
        read_feed_secret(&self.conn, person).map_err(|e| self.err(e))
    }

    /// Stores `secret` as the feed secret of `person`, replacing any other.
    pub fn set_feed_secret(
        &mut self,
        person: &str,
        secret: &str,
        now: i64,
    ) -> Result<(), LedgerError> {
        write_feed_secret(&self.conn, person, secret, now).map_err(|e| self.err(e))
    }

    /// Forgets the feed secret of everyone `keep` says no (lowercased
    /// address in, true to keep): someone who is no longer a manager or an
    /// active report loses their secret, so that if they come back (an
    /// opted-out report who opts back in) `feed-url` makes a new one and
    /// the old URL never works again. Returns how many were forgotten.
    pub fn forget_feed_secrets(
        &mut self,
        keep: impl Fn(&str) -> bool,
    ) -> Result<usize, LedgerError> {
        let gone: Vec<String> = self
            .feed_secrets()?
            .into_iter()
            .filter(|(person, _)| !keep(person))
            .map(|(person, _)| person)
            .collect();
        if gone.is_empty() {
            return Ok(0);
        }
        let path = self.path.clone();
        let err = |source| LedgerError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached("DELETE FROM feed_secrets WHERE person = ?1")
                .map_err(err)?;
            for person in &gone {
                stmt.execute([person]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(gone.len())
    }

    /// SQLite's `data_version`: changes when another connection commits, so
    /// a reader can tell cheaply that what it cached is stale.
    pub fn data_version(&self) -> Result<i64, LedgerError> {
        self.conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut st| st.query_row([], |r| r.get(0)))
            .map_err(|e| self.err(e))
    }

    /// Every (person, secret), for serving feeds.
    pub fn feed_secrets(&self) -> Result<Vec<(String, String)>, LedgerError> {
        let run = || -> rusqlite::Result<Vec<(String, String)>> {
            let mut stmt = self
                .conn
                .prepare("SELECT person, secret FROM feed_secrets")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }
}

fn read_feed_secret(conn: &Connection, person: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT secret FROM feed_secrets WHERE person = ?1",
        [person],
        |r| r.get(0),
    )
    .optional()
}

fn write_feed_secret(
    conn: &Connection,
    person: &str,
    secret: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO feed_secrets (person, secret, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (person) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at",
        params![person, secret, now],
    )
    .map(|_| ())
}

/// The series rows [`Ledger::history`] reads.
const HISTORY_ROWS: &str = "state <> 'active' OR paused_from IS NOT NULL";

/// A reconcile being recorded: see [`Ledger::batch`].
pub struct Batch<'l> {
    tx: rusqlite::Transaction<'l>,
    path: &'l std::path::Path,
    now: i64,
    queued: usize,
}

impl Batch<'_> {
    fn err(&self, source: rusqlite::Error) -> LedgerError {
        LedgerError::Sqlite {
            path: self.path.to_path_buf(),
            source,
        }
    }

    /// Queues `m`, unless a message with its Message-ID was queued before;
    /// one that could not be built is recorded as failed.
    pub fn queue(&mut self, m: &NewMessage) -> Result<(), LedgerError> {
        let added = outbox::enqueue(&self.tx, m, self.now).map_err(|e| self.err(e))?;
        self.queued += added;
        Ok(())
    }

    /// The feed secret of `person` (lowercased address), if one was made.
    pub fn feed_secret(&self, person: &str) -> Result<Option<String>, LedgerError> {
        read_feed_secret(&self.tx, person).map_err(|e| self.err(e))
    }

    /// Stores `secret` as the feed secret of `person`, with the batch.
    pub fn set_feed_secret(&mut self, person: &str, secret: &str) -> Result<(), LedgerError> {
        write_feed_secret(&self.tx, person, secret, self.now).map_err(|e| self.err(e))
    }

    /// Records the series and occurrence states the reconcile leaves.
    pub fn record(
        &mut self,
        series: &[SentSeries],
        occurrences: &[SentOccurrence],
    ) -> Result<(), LedgerError> {
        rows::write(&self.tx, series, occurrences, self.now).map_err(|e| self.err(e))
    }

    /// Commits everything; returns how many messages were newly queued.
    pub fn commit(self) -> Result<usize, LedgerError> {
        let Batch {
            tx, path, queued, ..
        } = self;
        tx.commit().map_err(|source| LedgerError::Sqlite {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(queued)
    }
}

#[cfg(test)]
mod tests;
