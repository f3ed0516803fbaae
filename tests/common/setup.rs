//! A folder holding a `touchbase.toml` and its roster, as the tests that run
//! the real binary need it. Daemons listen on port 0 and log the address
//! they got, so no test guesses a free port.

use std::path::{Path, PathBuf};

/// The configuration file's name inside a test folder.
pub const CONFIG_FILE: &str = "touchbase.toml";

/// Writes `config` as `touchbase.toml` and `roster` as `roster_name` into
/// `dir` (created if missing), and returns the configuration's path.
pub fn write_folder(dir: &Path, config: &str, roster_name: &str, roster: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create the test folder");
    let config_path = dir.join(CONFIG_FILE);
    std::fs::write(&config_path, config).expect("write config");
    std::fs::write(dir.join(roster_name), roster).expect("write roster");
    config_path
}

/// A new temporary folder holding `config` as `touchbase.toml` and `roster`
/// as `roster_name`; removed when dropped.
pub fn temp_folder(config: &str, roster_name: &str, roster: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_folder(dir.path(), config, roster_name, roster);
    dir
}
