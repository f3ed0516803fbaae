//! The reports' own choices (`own_choices`), the key that signs the
//! self-service forms' tokens (`page_key`), and the tokens already used
//! (`used_tokens`, kept until they expire, so none works twice).
//!
//! A choice and the token that asked for it are recorded in one
//! transaction: a replayed token changes nothing, and a choice is never
//! recorded without using up its token.

use jiff::civil::Date;
use rusqlite::{params, OptionalExtension};

use super::{Ledger, LedgerError};
use crate::core::own::{Action, Choice, Choices};

/// Bytes of the form-token key.
const KEY_BYTES: usize = 32;

/// What recording a choice came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The choice is in the ledger.
    Done,
    /// The token was used before: nothing changed.
    Replayed,
}

impl Ledger {
    /// Every report's own choice. A row this touchbase cannot read is an
    /// error, never skipped: skipping one could undo a report's opt-out.
    pub fn own_choices(&self) -> Result<Choices, LedgerError> {
        type Row = (String, bool, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = (|| -> rusqlite::Result<Vec<Row>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT report, opt_out, paused_until, skip_tags, skip_since FROM own_choices",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            rows.collect()
        })()
        .map_err(|e| self.err(e))?;
        let mut out = Choices::new();
        for (report, opt_out, paused, tags, since) in rows {
            let corrupt =
                |column: &'static str, found: &str, expected: &'static str| LedgerError::Corrupt {
                    path: self.path.clone(),
                    table: "own_choices",
                    key: "(a report)".to_string(),
                    column,
                    found: found.to_string(),
                    expected,
                };
            let date = |column: &'static str, v: Option<String>| match v {
                None => Ok(None),
                Some(p) => p
                    .parse::<Date>()
                    .map(Some)
                    .map_err(|_| corrupt(column, &p, "a date YYYY-MM-DD")),
            };
            let paused_until = date("paused_until", paused)?;
            let skip_since = date("skip_since", since)?;
            let skip_tags = match tags {
                None => None,
                Some(t) => Some(
                    serde_json::from_str::<Vec<String>>(&t)
                        .map_err(|_| corrupt("skip_tags", &t, "a JSON array of strings"))?,
                ),
            };
            out.insert(
                report,
                Choice {
                    opt_out,
                    paused_until,
                    skip_tags,
                    skip_since,
                },
            );
        }
        Ok(out)
    }

    /// Records `action` as `report`'s own choice (lowercased address),
    /// using up `token` (kept until `expires_at`, Unix seconds), in one
    /// transaction. Tokens past their expiry are forgotten on the way.
    pub fn record_choice(
        &mut self,
        report: &str,
        action: &Action,
        token: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<Recorded, LedgerError> {
        let path = self.path.clone();
        let err = |source| super::open::sqlite_error(&path, source);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute("DELETE FROM used_tokens WHERE expires_at < ?1", [now])
            .map_err(err)?;
        let fresh = tx
            .execute(
                "INSERT OR IGNORE INTO used_tokens (token, expires_at) VALUES (?1, ?2)",
                params![token, expires_at],
            )
            .map_err(err)?;
        if fresh == 0 {
            return Ok(Recorded::Replayed);
        }
        type Row = (bool, Option<String>, Option<String>, Option<String>);
        let old: Option<Row> = tx
            .query_row(
                "SELECT opt_out, paused_until, skip_tags, skip_since FROM own_choices WHERE report = ?1",
                [report],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(err)?;
        // A row that cannot be read here is refused when the choices are
        // read back (`own_choices`); this only carries the other fields on.
        let old = old.map_or_else(Choice::default, |(opt_out, paused, tags, since)| Choice {
            opt_out,
            paused_until: paused.and_then(|p| p.parse().ok()),
            skip_tags: tags.and_then(|t| serde_json::from_str(&t).ok()),
            skip_since: since.and_then(|p| p.parse().ok()),
        });
        let new = old.after(action);
        if new.is_empty() {
            tx.execute("DELETE FROM own_choices WHERE report = ?1", [report])
                .map_err(err)?;
        } else {
            let tags = new
                .skip_tags
                .as_ref()
                .map(|t| serde_json::Value::from(t.clone()).to_string());
            tx.execute(
                "INSERT INTO own_choices (report, opt_out, paused_until, skip_tags, skip_since, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (report) DO UPDATE SET opt_out = excluded.opt_out,
                   paused_until = excluded.paused_until, skip_tags = excluded.skip_tags,
                   skip_since = excluded.skip_since, updated_at = excluded.updated_at",
                params![
                    report,
                    new.opt_out,
                    new.paused_until.map(|d| d.to_string()),
                    tags,
                    new.skip_since.map(|d| d.to_string()),
                    now
                ],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(Recorded::Done)
    }

    /// The key that signs the self-service forms' tokens, made on first
    /// use (two processes racing keep the first one written).
    pub fn page_key(&mut self) -> Result<Vec<u8>, LedgerError> {
        let existing: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT key FROM page_key WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some(k) = existing.filter(|k| k.len() == KEY_BYTES) {
            return Ok(k);
        }
        let mut key = [0u8; KEY_BYTES];
        getrandom::getrandom(&mut key).map_err(|e| LedgerError::StateDir {
            path: self.path.clone(),
            source: std::io::Error::other(format!("no randomness for the form key: {e}")),
        })?;
        self.conn
            .execute(
                "INSERT INTO page_key (id, key) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET key = excluded.key WHERE length(page_key.key) != ?2",
                params![key.as_slice(), KEY_BYTES as i64],
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .query_row("SELECT key FROM page_key WHERE id = 1", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_is_recorded_once_per_token() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut l = Ledger::open(dir.path()).expect("open");
        let d = jiff::civil::date(2030, 1, 1);
        let r = l
            .record_choice("grace@example.com", &Action::Pause(d), "t1", 100, 10)
            .expect("record");
        assert_eq!(r, Recorded::Done);
        let r = l
            .record_choice("grace@example.com", &Action::OptOut, "t1", 100, 20)
            .expect("record");
        assert_eq!(r, Recorded::Replayed);
        let c = l.own_choices().expect("read");
        assert_eq!(c["grace@example.com"].paused_until, Some(d));
        assert!(!c["grace@example.com"].opt_out);
        // Resume withdraws the choice altogether.
        l.record_choice("grace@example.com", &Action::Resume, "t2", 100, 30)
            .expect("record");
        assert!(l.own_choices().expect("read").is_empty());
        // An expired token is forgotten, and the key stays the same.
        l.record_choice("grace@example.com", &Action::Resume, "t3", 100, 200)
            .expect("record");
        let k = l.page_key().expect("key");
        assert_eq!(k.len(), KEY_BYTES);
        assert_eq!(l.page_key().expect("key"), k);
    }
}
