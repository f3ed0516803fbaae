//! The outbox: queued messages, their attempts and their fate.
//!
//! A message is queued in the same transaction that records why it exists,
//! and is marked sent only after the server accepted it. A crash between
//! the two sends it again, with the same Message-ID, so a receiving system
//! can tell the copies apart: a duplicate at most, never a loss.

use rusqlite::{params, OptionalExtension, Transaction};

use super::{Ledger, LedgerError};

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Derived Message-ID (without angle brackets); unique.
    pub message_id: String,
    /// The series UID it is about.
    pub uid: String,
    /// The RECURRENCE-ID, for a single-meeting update.
    pub recurrence_id: Option<String>,
    /// The SEQUENCE it carries.
    pub sequence: u32,
    /// `REQUEST` or `CANCEL`.
    pub method: String,
    /// The one recipient.
    pub recipient: String,
    /// Subject line, for `status`.
    pub subject: String,
    /// Hash of the body.
    pub content_hash: String,
    /// The complete RFC 5322 message.
    pub body: Vec<u8>,
    /// Why the message could not be built, if it could not: it is then
    /// recorded as failed with this reason (so `status` lists it), with an
    /// empty body, and never sent.
    pub failed: Option<String>,
}

/// A queued message, due or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// Row id.
    pub id: i64,
    /// Message-ID.
    pub message_id: String,
    /// Recipient.
    pub recipient: String,
    /// Body.
    pub body: Vec<u8>,
    /// Attempts so far.
    pub attempts: u32,
}

/// What `touchbase status` shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// Messages waiting.
    pub queued: u64,
    /// Of those, how many failed at least once and wait for a retry.
    pub retrying: u64,
    /// When the next attempt is due (unix seconds).
    pub next_attempt: Option<i64>,
    /// Messages sent.
    pub sent: u64,
    /// When the last message was sent, and its subject and recipient.
    pub last_sent: Option<(i64, String, String)>,
    /// Messages given up on: (time, recipient, subject, reason), newest first.
    pub failures: Vec<(i64, String, String, String)>,
    /// Reasons of the retries waiting: (recipient, subject, attempts, last error).
    pub retries: Vec<(String, String, u32, String)>,
}

/// Delay before attempt `attempts + 1`, after `attempts` failures:
/// 30 s, then doubling, capped at one hour.
pub fn backoff(attempts: u32) -> i64 {
    let exp = attempts.saturating_sub(1).min(16);
    (30_i64 << exp).min(3600)
}

/// Queues `m` unless a message with its Message-ID was queued before;
/// a message that could not be built (`m.failed`) is recorded as failed
/// at once. Returns how many rows were newly queued to be sent (0 or 1).
pub(super) fn enqueue(tx: &Transaction<'_>, m: &NewMessage, now: i64) -> rusqlite::Result<usize> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO messages (message_id, uid, recurrence_id, sequence, method, recipient, subject,
                               content_hash, body, created_at, state, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', ?10)
         ON CONFLICT (message_id) DO NOTHING",
    )?;
    let inserted = stmt.execute(params![
        m.message_id,
        m.uid,
        m.recurrence_id,
        m.sequence,
        m.method,
        m.recipient,
        m.subject,
        m.content_hash,
        m.body,
        now
    ])?;
    match &m.failed {
        Some(why) if inserted > 0 => {
            let mut fail = tx.prepare_cached(
                "UPDATE messages SET state = 'failed', last_error = ?2, sent_at = ?3
                 WHERE message_id = ?1 AND state = 'queued'",
            )?;
            fail.execute(params![m.message_id, why, now])?;
            Ok(0)
        }
        Some(_) => Ok(0),
        None => Ok(inserted),
    }
}

impl Ledger {
    /// Up to `limit` queued messages whose next attempt is due at `now`,
    /// oldest first, and of each recipient and UID only the oldest queued:
    /// the messages about one calendar object leave one at a time and in
    /// the order they were made, so parallel connections can never deliver
    /// a meeting update before its series, or an old SEQUENCE after a new
    /// one. One waiting for a retry holds back those behind it.
    pub fn due(&self, now: i64, limit: usize) -> Result<Vec<Queued>, LedgerError> {
        let run = || -> rusqlite::Result<Vec<Queued>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, message_id, recipient, body, attempts FROM messages AS m
                 WHERE state = 'queued' AND next_attempt_at <= ?1
                   AND NOT EXISTS (
                       SELECT 1 FROM messages AS e
                       WHERE e.state = 'queued' AND e.uid = m.uid
                         AND e.recipient = m.recipient AND e.id < m.id)
                 ORDER BY next_attempt_at, id LIMIT ?2",
            )?;
            let rows = stmt.query_map(
                params![now, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok(Queued {
                        id: r.get(0)?,
                        message_id: r.get(1)?,
                        recipient: r.get(2)?,
                        body: r.get(3)?,
                        attempts: r.get(4)?,
                    })
                },
            )?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// When the earliest queued message that may leave (the oldest of its
    /// recipient and UID, see [`Ledger::due`]) is due (unix seconds), if any.
    pub fn next_due(&self) -> Result<Option<i64>, LedgerError> {
        self.conn
            .query_row(
                "SELECT MIN(next_attempt_at) FROM messages AS m
                 WHERE state = 'queued'
                   AND NOT EXISTS (
                       SELECT 1 FROM messages AS e
                       WHERE e.state = 'queued' AND e.uid = m.uid
                         AND e.recipient = m.recipient AND e.id < m.id)",
                [],
                |r| r.get::<_, Option<i64>>(0),
            )
            .map_err(|e| self.err(e))
    }

    /// When the earliest queued message whose next attempt lies after
    /// `t` is due (unix seconds), if any. After a drain at `t` that found
    /// nothing it could send, messages due at `t` or earlier are waiting on
    /// something else (an earlier message to the same person), so this is
    /// the next time a drain can do anything.
    pub fn next_due_after(&self, t: i64) -> Result<Option<i64>, LedgerError> {
        self.conn
            .query_row(
                "SELECT MIN(next_attempt_at) FROM messages WHERE state = 'queued' AND next_attempt_at > ?1",
                [t],
                |r| r.get::<_, Option<i64>>(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Number of queued messages.
    pub fn queue_len(&self) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM messages WHERE state = 'queued'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Marks messages accepted by the server, in one transaction.
    pub fn mark_sent(&mut self, ids: &[i64], now: i64) -> Result<(), LedgerError> {
        let path = self.path.clone();
        let err = |source| LedgerError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE messages SET state = 'sent', sent_at = ?2, attempts = attempts + 1, last_error = NULL
                     WHERE id = ?1 AND state = 'queued'",
                )
                .map_err(err)?;
            for id in ids {
                stmt.execute(params![id, now]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Records a transient failure: the message waits [`backoff`] and is
    /// tried again.
    pub fn mark_retry(&mut self, id: i64, now: i64, error: &str) -> Result<(), LedgerError> {
        let attempts: u32 = self
            .conn
            .query_row("SELECT attempts FROM messages WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?
            .unwrap_or(0)
            + 1;
        self.conn
            .execute(
                "UPDATE messages SET attempts = ?2, next_attempt_at = ?3, last_error = ?4
                 WHERE id = ?1 AND state = 'queued'",
                params![id, attempts, now + backoff(attempts), error],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records a permanent failure: the message is not tried again.
    pub fn mark_failed(&mut self, id: i64, now: i64, error: &str) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "UPDATE messages SET state = 'failed', attempts = attempts + 1, last_error = ?3, sent_at = ?2
                 WHERE id = ?1 AND state = 'queued'",
                params![id, now, error],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Queue, last sent and failures, for `touchbase status`.
    pub fn status(&self, failures: usize) -> Result<Status, LedgerError> {
        let run = || -> rusqlite::Result<Status> {
            let mut s = Status::default();
            (s.queued, s.retrying, s.next_attempt) = self.conn.query_row(
                "SELECT COUNT(*), COALESCE(SUM(attempts > 0), 0), MIN(next_attempt_at)
                 FROM messages WHERE state = 'queued'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            s.sent = self.conn.query_row(
                "SELECT COUNT(*) FROM messages WHERE state = 'sent'",
                [],
                |r| r.get(0),
            )?;
            s.last_sent = self
                .conn
                .query_row(
                    "SELECT sent_at, subject, recipient FROM messages WHERE state = 'sent'
                     ORDER BY sent_at DESC, id DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let mut stmt = self.conn.prepare(
                "SELECT sent_at, recipient, subject, COALESCE(last_error, '') FROM messages
                 WHERE state = 'failed' ORDER BY sent_at DESC, id DESC LIMIT ?1",
            )?;
            s.failures = stmt
                .query_map([i64::try_from(failures).unwrap_or(i64::MAX)], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut stmt = self.conn.prepare(
                "SELECT recipient, subject, attempts, COALESCE(last_error, '') FROM messages
                 WHERE state = 'queued' AND attempts > 0 ORDER BY next_attempt_at LIMIT ?1",
            )?;
            s.retries = stmt
                .query_map([i64::try_from(failures).unwrap_or(i64::MAX)], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(s)
        };
        run().map_err(|e| self.err(e))
    }
}
