//! Opening the ledger: a new one is made whole under another name and
//! renamed into place, so a `ledger.sqlite3` that exists was whole once;
//! an empty, truncated or overwritten one is refused as damaged rather than
//! taken for a fresh start that would send every invitation again. A
//! ledger in a folder that cannot be written is read as it lies, for
//! `status`; the daemon checks that it can write before it sends.

use std::path::Path;

use rusqlite::Connection;

use super::{Ledger, LedgerError, FILE, MIGRATIONS};

/// Whether a SQLite error means the file itself is damaged.
fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// What follows a SQLite error that means the file itself is damaged.
pub(super) fn damage_advice(e: &rusqlite::Error) -> &'static str {
    if is_damage(e) {
        " (the ledger is damaged: restore it from a backup, docs/operations.md)"
    } else {
        ""
    }
}

/// A SQLite error on the ledger at `path`: [`LedgerError::Damaged`] when
/// it says the file is damaged.
pub(super) fn sqlite_error(path: &Path, source: rusqlite::Error) -> LedgerError {
    if is_damage(&source) {
        LedgerError::Damaged {
            path: path.to_path_buf(),
            detail: source.to_string(),
        }
    } else {
        LedgerError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl Ledger {
    /// Opens (creating if needed) the ledger in `state_dir`, migrating it
    /// to the current schema.
    ///
    /// A new ledger is made under another name and renamed into place once
    /// its schema is written, so a `ledger.sqlite3` that exists was whole
    /// once: an empty one is damage (a truncation), never a fresh start
    /// that would send everything again.
    pub fn open(state_dir: &Path) -> Result<Ledger, LedgerError> {
        crate::shell::private::create_dir_all(state_dir).map_err(|source| {
            LedgerError::StateDir {
                path: state_dir.to_path_buf(),
                source,
            }
        })?;
        let path = state_dir.join(FILE);
        if !path.exists() {
            Ledger::create(&path)?;
        }
        Ledger::open_file(&path)
    }

    /// Opens the ledger only if it exists (for read-only commands that
    /// must not create state). In a folder touchbase cannot write (a
    /// read-only mount, say), where SQLite cannot make its journal files,
    /// it is read as it lies on disk, so `status` still answers.
    pub fn open_existing(state_dir: &Path) -> Result<Option<Ledger>, LedgerError> {
        let path = state_dir.join(FILE);
        if !path.exists() {
            return Ok(None);
        }
        match Ledger::open_file(&path) {
            Err(LedgerError::Sqlite { source, .. })
                if matches!(
                    source.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
                ) =>
            {
                Ledger::open_unwritable(&path).map(Some)
            }
            other => other.map(Some),
        }
    }

    /// Opens the ledger at `path` read-only and immutable (SQLite takes no
    /// locks and makes no files): only for a file nothing can write.
    fn open_unwritable(path: &Path) -> Result<Ledger, LedgerError> {
        let err = |source| sqlite_error(path, source);
        let uri = url::Url::from_file_path(path)
            .map(|u| format!("{u}?immutable=1"))
            .map_err(|()| LedgerError::StateDir {
                path: path.to_path_buf(),
                source: std::io::Error::other("not an absolute path"),
            })?;
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(uri, flags).map_err(err)?;
        let ledger = Ledger {
            conn,
            path: path.to_path_buf(),
        };
        let version: i64 = ledger
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| ledger.err(e))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(LedgerError::TooNew {
                path: path.to_path_buf(),
                found: version,
                known,
            });
        }
        Ok(ledger)
    }

    /// Writes a new ledger at `path`: the schema goes into a file beside
    /// it, in WAL mode already (so that opening it never has to switch
    /// modes); once it is closed, SQLite has folded the log into that one
    /// file, which is then renamed over `path`.
    ///
    /// Two processes may start at once on a new state folder (the daemon
    /// and a `feed-url`, say): each writes its own file, named for its
    /// process, and puts it in place with a hard link, which fails when the
    /// other's is there already; the loser opens the winner's.
    fn create(path: &Path) -> Result<(), LedgerError> {
        let fresh = path.with_extension(format!("sqlite3.new.{}", std::process::id()));
        let io = |source: std::io::Error| LedgerError::StateDir {
            path: fresh.clone(),
            source,
        };
        // SQLite's own files beside it: the name with `-wal` and so on.
        let side = |suffix: &str| {
            let mut name = fresh.clone().into_os_string();
            name.push(suffix);
            std::path::PathBuf::from(name)
        };
        for leftover in [fresh.clone(), side("-journal"), side("-wal"), side("-shm")] {
            match std::fs::remove_file(&leftover) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            }
        }
        // Private, and made before SQLite opens it: SQLite gives `-wal` and
        // `-shm` the database file's mode, and the rename keeps it.
        crate::shell::private::create_new_empty(&fresh).map_err(io)?;
        {
            let err = |source| LedgerError::Sqlite {
                path: fresh.clone(),
                source,
            };
            let conn = Connection::open(&fresh).map_err(err)?;
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(err)?;
            let mut ledger = Ledger {
                conn,
                path: fresh.clone(),
            };
            ledger.migrate()?;
        }
        if side("-wal").exists() {
            return Err(io(std::io::Error::other(
                "SQLite left its log behind on closing the new ledger",
            )));
        }
        std::fs::File::open(&fresh)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        match std::fs::hard_link(&fresh, path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(e)),
        }
        std::fs::remove_file(&fresh).map_err(io)?;
        // The rename is durable once the folder is.
        if let Some(dir) = path.parent() {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }

    fn open_file(path: &Path) -> Result<Ledger, LedgerError> {
        let err = |source| sqlite_error(path, source);
        if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
            return Err(LedgerError::Damaged {
                path: path.to_path_buf(),
                detail: "the file is empty".into(),
            });
        }
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        let mut ledger = Ledger {
            conn,
            path: path.to_path_buf(),
        };
        ledger.migrate()?;
        Ok(ledger)
    }

    /// Checks that the ledger is whole and can be written, before anything
    /// is sent from it: SQLite's structural check of every page (a
    /// truncated or overwritten file fails it), then a write that changes
    /// nothing (a read-only file or folder fails it). The daemon and
    /// `run --once` call it at start; it reads the whole file once.
    pub fn check(&mut self) -> Result<(), LedgerError> {
        let damaged = |detail: String| LedgerError::Damaged {
            path: self.path.clone(),
            detail,
        };
        let found = self
            .conn
            .prepare("PRAGMA quick_check(5)")
            .and_then(|mut st| {
                st.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()
            })
            .map_err(|e| self.err(e))?;
        if found != ["ok"] {
            return Err(damaged(found.join("; ")));
        }
        let version = MIGRATIONS.len() as i64;
        self.conn
            .pragma_update(None, "user_version", version)
            .map_err(|e| self.err(e))
    }
}
