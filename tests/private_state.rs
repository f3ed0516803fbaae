//! Private state: the real binary, started under umask 022 (as outside
//! systemd), leaves every folder under `state_dir` and the outbox 0700 and
//! every file 0600 (the ledger, its `-wal` and `-shm` while the daemon
//! runs, each `.eml`), and warns at start about a ledger that others can
//! read.
// The clock rule (clippy.toml) is for the library: this test waits on a real process.
#![allow(clippy::disallowed_methods)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::setup;

const BIN: &str = env!("CARGO_BIN_EXE_touchbase");

const ROSTER: &str = r#"
[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace Hopper"
  start = "2027-01-05"

  [[managers.reports]]
  email = "alan@example.com"
  name = "Alan Turing"
  start = "2027-01-06"
"#;

fn folder() -> tempfile::TempDir {
    // Port 0: the daemon takes a free port and logs it.
    let config = "roster = \"roster.toml\"\nstate_dir = \"state\"\n[mail]\ntransport = \"file\"\ndir = \"outbox\"\n\
         [http]\nlisten = \"127.0.0.1:0\"\n";
    setup::temp_folder(config, "roster.toml", ROSTER)
}

/// `touchbase <args>` started by a shell under umask 022.
fn under_umask_022(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("umask 022 && exec \"$@\"")
        .arg("sh")
        .arg(BIN)
        .args(args)
        .arg("--config")
        .arg(dir.join(setup::CONFIG_FILE))
        .env_remove("TOUCHBASE_CONFIG")
        .env("RUST_LOG", "info");
    cmd
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("stat").permissions().mode() & 0o777
}

/// Every folder and file under `root`, itself included.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    for e in std::fs::read_dir(root).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// Asserts 0700 folders and 0600 files under `roots`; returns the file names.
fn assert_private(roots: &[PathBuf]) -> Vec<String> {
    let mut names = Vec::new();
    for root in roots {
        for p in walk(root) {
            let want = if p.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode(&p), want, "{} is {:04o}", p.display(), mode(&p));
            if p.is_file() {
                names.push(p.file_name().expect("name").to_string_lossy().into_owned());
            }
        }
    }
    names
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < Duration::from_secs(30), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn run_once_under_umask_022_leaves_state_and_outbox_private() {
    let dir = folder();
    let out: Output = under_umask_022(dir.path(), &["run", "--once"])
        .output()
        .expect("run --once");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = assert_private(&[dir.path().join("state"), dir.path().join("outbox")]);
    assert!(names.iter().any(|n| n == "ledger.sqlite3"), "{names:?}");
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".eml")).count(),
        2,
        "{names:?}"
    );
    // `feed-url` writes a secret into the same ledger: still private.
    let out = under_umask_022(dir.path(), &["feed-url", "--person", "ada@example.com"])
        .output()
        .expect("feed-url");
    assert!(out.status.success());
    assert_private(&[dir.path().join("state")]);
}

#[test]
fn the_daemon_under_umask_022_keeps_the_ledger_and_its_wal_private() {
    let dir = folder();
    let mut daemon = Running(
        under_umask_022(dir.path(), &["run"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the daemon"),
    );
    let state = dir.path().join("state");
    let outbox = dir.path().join("outbox");
    wait_until("two .eml files", || {
        walk(&outbox)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .count()
            == 2
    });
    wait_until("the -wal and -shm files", || {
        state.join("ledger.sqlite3-wal").exists() && state.join("ledger.sqlite3-shm").exists()
    });
    let names = assert_private(&[state.clone(), outbox.clone()]);
    for want in ["ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm"] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    let ok = Command::new("kill")
        .args(["-TERM", &daemon.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(ok.success());
    let status = daemon.0.wait().expect("wait");
    assert!(status.success(), "{status}");
}

/// A daemon that is killed if the test fails before stopping it.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_ledger_others_can_read_is_warned_about_at_start() {
    let dir = folder();
    let first = under_umask_022(dir.path(), &["run", "--once"])
        .output()
        .expect("run --once");
    assert!(first.status.success());
    assert!(
        !String::from_utf8_lossy(&first.stderr).contains("open to other users"),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let ledger = dir.path().join("state/ledger.sqlite3");
    std::fs::set_permissions(&ledger, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let again = under_umask_022(dir.path(), &["run", "--once"])
        .output()
        .expect("run --once");
    assert!(again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    let warning = stderr
        .lines()
        .find(|l| l.contains("open to other users"))
        .unwrap_or_else(|| panic!("no warning: {stderr}"));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains(&ledger.display().to_string()), "{warning}");
    assert!(warning.contains("0644"), "{warning}");
    assert!(!warning.contains("example.com"), "{warning}");
    // Left as it is: the operator decides.
    assert_eq!(mode(&ledger), 0o644);
}
