//! A folder holding a `touchbase.toml` and its roster, as the tests that run
//! the real binary need it, and a free port for the configuration's
//! `[http]` section.

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

/// A port on 127.0.0.1 that was free a moment ago, for `http.listen`.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}
