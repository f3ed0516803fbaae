//! One daemon per state folder: `touchbase run` holds an `flock` on
//! `state_dir/touchbase.lock` for its whole life, with its PID written in
//! the file, so a second one stops at once and says which process holds it.
//!
//! The kernel drops the lock when the process dies, however it dies, so a
//! crash or `kill -9` never leaves a stale lock behind; the PID in the file
//! is only there to be named. Commands that only read (`status`, `plan`,
//! `preview`, `export`) take no lock and work while the daemon runs.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The lock file's name inside `state_dir`.
pub const FILE: &str = "touchbase.lock";

/// Why the state folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock.
    #[error("state folder {dir} is in use by another touchbase ({holder}); one daemon per state folder: stop it first, or give this one its own state_dir")]
    Held {
        /// The folder.
        dir: PathBuf,
        /// "PID 1234", or what is known when the file names none.
        holder: String,
    },
    /// The folder cannot be written.
    #[error("state folder {dir} is not writable ({source}); touchbase records there every message it sends, so it sends nothing from a folder it cannot write")]
    ReadOnly {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The folder or the lock file could not be made or opened.
    #[error("cannot lock state folder {dir} ({path}): {source}; touchbase writes its ledger there, so the folder must be writable")]
    Io {
        /// The folder.
        dir: PathBuf,
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    path: PathBuf,
}

impl StateLock {
    /// Locks `state_dir` (created if missing) for this process, or says
    /// which process holds it. Never waits.
    pub fn acquire(state_dir: &Path) -> Result<StateLock, LockError> {
        let path = state_dir.join(FILE);
        let io = |source| LockError::Io {
            dir: state_dir.to_path_buf(),
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        let read_only = |source| LockError::ReadOnly {
            dir: state_dir.to_path_buf(),
            source,
        };
        // Not truncated on open: until the lock is ours, the holder's PID
        // stays readable.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| if denied(&e) { read_only(e) } else { io(e) })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    dir: state_dir.to_path_buf(),
                    holder: holder(&mut file),
                })
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.flush())
            .map_err(io)?;
        // The lock file may be writable in a folder that is not: SQLite
        // needs to make its journal files there.
        let probe = state_dir.join(".touchbase-write-test");
        std::fs::write(&probe, b"")
            .and_then(|()| std::fs::remove_file(&probe))
            .map_err(read_only)?;
        Ok(StateLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // The PID of a process that has let go would mislead; the lock
        // itself goes with the file descriptor.
        let _ = self.file.set_len(0);
    }
}

/// Whether `e` says the file system or its permissions forbid writing.
fn denied(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

/// "PID 1234" from the lock file, or a description when it names none
/// (the holder may be between locking and writing its PID).
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    match text.trim().parse::<u32>() {
        Ok(pid) => format!("PID {pid}"),
        Err(_) => "a process that has not written its PID yet".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_holder_and_the_first_lets_go_on_drop() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("state");
        let first = StateLock::acquire(&state).expect("first lock");
        let second = StateLock::acquire(&state).expect_err("second lock");
        let msg = second.to_string();
        assert!(
            msg.contains(&format!("PID {}", std::process::id())),
            "{msg}"
        );
        assert!(matches!(second, LockError::Held { .. }));
        drop(first);
        let again = StateLock::acquire(&state).expect("lock after release");
        assert_eq!(again.path(), state.join(FILE));
    }
}
