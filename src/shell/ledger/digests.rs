//! The weekly digests queued: one row per manager and week, written in
//! the transaction that queues the digest's message, so a digest is
//! queued once whatever happens (a restart, a crash, a reload) and then
//! goes through the outbox like every other message (retries, backoff).

use std::collections::HashSet;

use jiff::civil::Date;
use rusqlite::params;

use super::outbox::{self, NewMessage};
use super::{Ledger, LedgerError};

/// The migration that adds the table.
pub(super) const MIGRATION: &str = r"
CREATE TABLE digests (
    manager    TEXT NOT NULL,
    week       TEXT NOT NULL,
    message_id TEXT NOT NULL,
    queued_at  INTEGER NOT NULL,
    PRIMARY KEY (manager, week)
);
";

/// One digest to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDigest {
    /// The manager's address, lowercased.
    pub manager: String,
    /// The Monday of the week it covers.
    pub week: Date,
    /// The message.
    pub message: NewMessage,
}

impl Ledger {
    /// The digests queued for weeks starting on or after `from`, as
    /// (lowercased manager address, Monday of the week).
    pub fn digests_since(&self, from: Date) -> Result<HashSet<(String, Date)>, LedgerError> {
        let rows = || -> rusqlite::Result<Vec<(String, String)>> {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT manager, week FROM digests WHERE week >= ?1")?;
            let rows = stmt.query_map([from.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        };
        let mut out = HashSet::new();
        for (manager, week) in rows().map_err(|e| self.err(e))? {
            let Ok(date) = week.parse::<Date>() else {
                return Err(LedgerError::Corrupt {
                    path: self.path.clone(),
                    table: "digests",
                    key: manager,
                    column: "week",
                    found: week,
                    expected: "a date (YYYY-MM-DD)",
                });
            };
            out.insert((manager, date));
        }
        Ok(out)
    }

    /// Records `digests` and queues their messages, in one transaction; a
    /// digest already recorded is skipped. Returns how many were queued.
    pub fn queue_digests(&mut self, digests: &[NewDigest], now: i64) -> Result<usize, LedgerError> {
        let path = self.path.clone();
        let err = |source| LedgerError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut queued = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO digests (manager, week, message_id, queued_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (manager, week) DO NOTHING",
                )
                .map_err(err)?;
            for d in digests {
                let n = stmt
                    .execute(params![
                        d.manager,
                        d.week.to_string(),
                        d.message.message_id,
                        now
                    ])
                    .map_err(err)?;
                if n > 0 {
                    queued += outbox::enqueue(&tx, &d.message, now).map_err(err)?;
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(queued)
    }
}
