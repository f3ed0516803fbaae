//! Private state: whatever touchbase writes under `state_dir` and into the
//! outbox (the ledger with every feed secret, its `-wal` and `-shm`, the
//! `.eml` files of the file transport) is for the service's user alone:
//! folders 0700, files 0600, whatever the umask it was started with.
//!
//! Two layers, because either alone leaves a gap: the binary sets its
//! umask to 077 at start (covering files that others create on its behalf,
//! such as SQLite's), and every folder and file touchbase creates itself
//! is created with an explicit mode (covering a library caller that never
//! ran `main`). SQLite gives `-wal` and `-shm` the mode of the database
//! file, so the ledger file is created 0600 before SQLite opens it.
//!
//! An existing ledger or state folder that others may read (made by an
//! older touchbase, or by hand) is left as it is but warned about at start.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The mode of every folder touchbase creates.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every file touchbase creates.
pub const FILE_MODE: u32 = 0o600;

/// Makes everything this process creates from now on private to its user.
pub fn restrict_umask() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// Creates `path` and any missing parents, each mode 0700.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
}

/// Creates (or truncates) `path` for writing, mode 0600 when new.
pub fn create_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)
}

/// Creates `path` empty with mode 0600 unless it exists already.
pub fn create_new_empty(path: &Path) -> io::Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// The paths among `paths` that exist and that users other than the owner
/// may read, write or enter, with their permission bits.
pub fn exposed<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Vec<(PathBuf, u32)> {
    paths
        .into_iter()
        .filter_map(|p| {
            let mode = std::fs::metadata(p).ok()?.permissions().mode() & 0o777;
            (mode & 0o077 != 0).then(|| (p.to_path_buf(), mode))
        })
        .collect()
}

/// Warns, once per path, about the state folder and the ledger files when
/// others may read them. The message names paths only.
pub fn warn_if_exposed(state_dir: &Path, ledger_file: &str) {
    let ledger = state_dir.join(ledger_file);
    let wal = state_dir.join(format!("{ledger_file}-wal"));
    let shm = state_dir.join(format!("{ledger_file}-shm"));
    let paths = [state_dir, ledger.as_path(), wal.as_path(), shm.as_path()];
    for (path, mode) in exposed(paths) {
        tracing::warn!(
            "{} is open to other users (mode {mode:04o}) and holds private state such as feed secrets; \
             run `chmod go= {}`",
            path.display(),
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_private_whatever_the_umask() {
        let dir = tempfile::tempdir().expect("tempdir");
        let deep = dir.path().join("a/b");
        create_dir_all(&deep).expect("dirs");
        let file = deep.join("f");
        create_file(&file).expect("file");
        let empty = deep.join("e");
        create_new_empty(&empty).expect("empty");
        create_new_empty(&empty).expect("again: no error");
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("a")), DIR_MODE);
        assert_eq!(mode(&deep), DIR_MODE);
        assert_eq!(mode(&file), FILE_MODE);
        assert_eq!(mode(&empty), FILE_MODE);
        assert!(exposed([deep.as_path(), file.as_path()]).is_empty());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert_eq!(exposed([file.as_path()]), vec![(file.clone(), 0o644)]);
    }
}
