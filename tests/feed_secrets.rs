//! Feed secrets and opt-outs: a report who opts out loses their secret, so
//! that when they opt back in `feed-url` makes a new one and the old URL
//! stays dead; with `run --once` and with the daemon (real HTTP on
//! 127.0.0.1).
// The clock rule (clippy.toml) is for the library: this test waits on real processes and sockets.
#![allow(clippy::disallowed_methods)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::setup;

const BIN: &str = env!("CARGO_BIN_EXE_touchbase");

const ROSTER: &str = r#"
[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-05"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-01-06"

  [[managers.reports]]
  email = "katherine@example.com"
  start = "2027-01-07"
"#;

fn opted_out() -> String {
    ROSTER.replace(
        "  start = \"2027-01-05\"\n",
        "  start = \"2027-01-05\"\n  opt_out = true\n",
    )
}

/// A port free when asked. The daemon here must serve on a known port
/// (feed URLs name it); another process taking it in between would fail
/// the test loudly, not pass it.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

struct Folder {
    dir: tempfile::TempDir,
    port: u16,
}

impl Folder {
    fn new() -> Folder {
        let port = free_port();
        let config = format!(
            "roster = \"roster.toml\"\nstate_dir = \"state\"\n[mail]\ntransport = \"file\"\ndir = \"outbox\"\n\
             [http]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n"
        );
        Folder {
            dir: setup::temp_folder(&config, "roster.toml", ROSTER),
            port,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .arg("--config")
            .arg(self.dir.path().join(setup::CONFIG_FILE))
            .env_remove("TOUCHBASE_CONFIG");
        cmd
    }

    fn cli(&self, args: &[&str]) -> Result<String, String> {
        let out = self.command(args).output().expect("run touchbase");
        if out.status.success() {
            Ok(String::from_utf8(out.stdout).expect("utf-8"))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// The path part of grace's feed URL.
    fn grace_feed(&self) -> String {
        let url = self
            .cli(&["feed-url", "--person", "grace@example.com"])
            .expect("feed-url");
        url.trim()
            .strip_prefix(&format!("http://127.0.0.1:{}", self.port))
            .expect("on public_url")
            .to_string()
    }

    /// Replaces the roster the way editors do: write aside, rename over.
    fn edit(&self, text: &str) {
        let tmp = self.dir.path().join(".roster.toml.swp");
        std::fs::write(&tmp, text).expect("write");
        std::fs::rename(&tmp, self.dir.path().join("roster.toml")).expect("rename");
    }

    fn get(&self, path: &str) -> u16 {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).expect("write");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("read");
        resp.split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("status")
    }

    fn secrets_of(&self, person: &str) -> i64 {
        let c = rusqlite::Connection::open(self.dir.path().join("state/ledger.sqlite3"))
            .expect("ledger");
        c.query_row(
            "SELECT COUNT(*) FROM feed_secrets WHERE person = ?1",
            [person],
            |r| r.get(0),
        )
        .expect("count")
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < Duration::from_secs(20), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn opting_back_in_after_run_once_gives_a_new_secret() {
    let f = Folder::new();
    f.cli(&["run", "--once"]).expect("run --once");
    let old = f.grace_feed();
    assert_eq!(
        f.grace_feed(),
        old,
        "the secret is kept while nothing changes"
    );
    f.edit(&opted_out());
    f.cli(&["run", "--once"]).expect("run --once");
    assert_eq!(f.secrets_of("grace@example.com"), 0, "forgotten");
    assert!(f
        .cli(&["feed-url", "--person", "grace@example.com"])
        .is_err());
    f.edit(ROSTER);
    f.cli(&["run", "--once"]).expect("run --once");
    let new = f.grace_feed();
    assert_ne!(new, old, "opting back in must not revive the old URL");
    // The others keep theirs.
    let ada = f
        .cli(&["feed-url", "--person", "ada@example.com"])
        .expect("ada");
    f.cli(&["run", "--once"]).expect("run --once");
    assert_eq!(
        f.cli(&["feed-url", "--person", "ada@example.com"])
            .expect("ada"),
        ada
    );
}

#[test]
fn opting_back_in_while_the_daemon_runs_never_revives_the_old_url() {
    let f = Folder::new();
    let mut daemon = Running(
        f.command(&["run"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the daemon"),
    );
    // Once it listens, its ledger is made.
    wait_until("the daemon listens", || {
        TcpStream::connect(("127.0.0.1", f.port)).is_ok()
    });
    let old = f.grace_feed();
    wait_until("the old URL serves", || f.get(&old) == 200);
    f.edit(&opted_out());
    wait_until("the opt-out is reconciled", || {
        f.get(&old) == 404 && f.secrets_of("grace@example.com") == 0
    });
    f.edit(ROSTER);
    let new = f.grace_feed();
    assert_ne!(new, old);
    wait_until("the new URL serves", || f.get(&new) == 200);
    assert_eq!(f.get(&old), 404);
    stop(&mut daemon.0);
}

fn stop(child: &mut Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(ok.success());
    assert!(child.wait().expect("wait").success());
}

/// A daemon that is killed if the test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
