//! Running the daemon for the schedule and fault tests: in-process on a
//! virtual clock ([`InProcess`], `touchbase::shell::daemon::run` on a
//! listener bound to port 0), or as the real binary ([`Spawned`], which
//! binds port 0 and logs the address it got); and the check every such
//! test ends with, that each message was delivered exactly as `touchbase
//! status` says ([`delivered_as_status_says`]).
//!
//! Needs `mod mailserver;` beside it in the test crate.
#![allow(dead_code)]
// The clock rule (clippy.toml) is for the library: these helpers wait on real processes and sockets.
#![allow(clippy::disallowed_methods)]

mod inprocess;
mod spawned;
mod system;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::mailserver;
// Each test crate uses some of these, none all.
#[allow(unused_imports)]
pub use inprocess::{deadline, wait_until, Deadline, InProcess};
#[allow(unused_imports)]
pub use spawned::Spawned;
#[allow(unused_imports)]
pub use system::{fill, is_root, run, Mount};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_touchbase");

/// A config folder's settings, with the defaults the tests share.
#[derive(Debug, Clone)]
pub struct Setup {
    /// `mail.url`.
    pub url: String,
    /// `dispatch.every`.
    pub every: String,
    /// `mail.connections`.
    pub connections: u32,
    /// `state_dir`, relative to the folder or absolute.
    pub state_dir: String,
}

impl Setup {
    /// SMTP to `url`, hourly wake-ups, 4 connections, state in `state/`.
    pub fn smtp(url: &str) -> Setup {
        Setup {
            url: url.to_string(),
            every: "0 0 * * * *".into(),
            connections: 4,
            state_dir: "state".into(),
        }
    }

    /// Writes `touchbase.toml` and `roster` into `dir`; returns the
    /// configuration's path.
    pub fn write(&self, dir: &Path, roster: &str) -> PathBuf {
        let config = format!(
            "roster = \"roster.toml\"\nstate_dir = \"{}\"\n\
             [mail]\nfrom = \"Touchbase <touchbase@example.com>\"\ntransport = \"smtp\"\nurl = \"{}\"\nconnections = {}\n\
             [dispatch]\nevery = \"{}\"\n\
             [http]\nlisten = \"127.0.0.1:0\"\npublic_url = \"http://feeds.test\"\n",
            self.state_dir, self.url, self.connections, self.every
        );
        std::fs::create_dir_all(dir).expect("config folder");
        std::fs::write(dir.join("touchbase.toml"), config).expect("config");
        std::fs::write(dir.join("roster.toml"), roster).expect("roster");
        dir.join("touchbase.toml")
    }
}

/// A roster of `n` reports of ada, weekly from `start`, each with `extra`
/// lines (a location, say).
pub fn roster(n: usize, start: &str, extra: &str) -> String {
    let mut s = String::from(
        "[[managers]]\nemail = \"ada@example.com\"\nname = \"Ada Lovelace\"\ntimezone = \"Europe/London\"\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "\n  [[managers.reports]]\n  email = \"r{i}@example.com\"\n  name = \"Report {i}\"\n  start = \"{start}\"\n  time = \"10:00\"\n  cadence = \"weekly\"\n{extra}"
        ));
    }
    s
}

/// Runs the CLI on `config`.
pub fn cli(config: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .expect("run touchbase")
}

/// `GET path` on `addr`: status, lowercased head, body.
pub fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_string())
}

/// `/healthz` as JSON.
pub fn health(addr: SocketAddr) -> serde_json::Value {
    let (status, _, body) = get(addr, "/healthz");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("health json")
}

/// What a test's deliveries came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Messages the ledger records as sent (each received at least once).
    pub sent: usize,
    /// Messages refused for good (none received).
    pub failed: usize,
    /// Copies received beyond the first.
    pub duplicates: usize,
}

/// Message-IDs in the ledger beside `config`, by state (none before the
/// ledger exists).
pub fn ledger_ids(config: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let path = state_dir(config).join("ledger.sqlite3");
    if !path.exists() {
        return BTreeMap::new();
    }
    // Read-write, so that SQLite recovers what a killed process left (a
    // read-only connection cannot).
    let c = rusqlite::Connection::open(&path).expect("open the ledger");
    let mut st = c
        .prepare("SELECT state, message_id FROM messages")
        .expect("query");
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .expect("rows");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows {
        let (state, id) = row.expect("row");
        out.entry(state).or_default().insert(id);
    }
    out
}

/// Makes every queued message due now, as if its back-off had passed (for
/// tests on the real clock).
pub fn time_passes(config: &Path) {
    let c = rusqlite::Connection::open(state_dir(config).join("ledger.sqlite3")).expect("ledger");
    c.execute(
        "UPDATE messages SET next_attempt_at = 0 WHERE state = 'queued'",
        [],
    )
    .expect("update");
}

/// The state folder of the configuration at `config` (the tests' layout).
pub fn state_dir(config: &Path) -> PathBuf {
    let text = std::fs::read_to_string(config).expect("config");
    let dir = text
        .lines()
        .find_map(|l| l.strip_prefix("state_dir = \""))
        .and_then(|r| r.strip_suffix('"'))
        .expect("state_dir");
    config.parent().expect("folder").join(dir)
}

/// Message-IDs received in `server_dir`, with how many copies of each.
pub fn received_ids(server_dir: &Path) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for raw in mailserver::received(server_dir) {
        let id = mailserver::message_id(&raw).expect("a Message-ID");
        *out.entry(id).or_default() += 1;
    }
    out
}

/// Asserts that nothing is left queued, that `touchbase status` counts
/// what the ledger records, and that the server received exactly the
/// messages recorded as sent (refused ones never); returns the counts.
pub fn delivered_as_status_says(config: &Path, server_dir: &Path) -> Delivery {
    let out = cli(config, &["status"]);
    let status = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "status: {status}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = |label: &str| -> usize {
        status
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|r| r.trim().split([' ', ',']).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {label} in {status}"))
    };
    let ledger = ledger_ids(config);
    let none = BTreeSet::new();
    let sent = ledger.get("sent").unwrap_or(&none);
    let failed = ledger.get("failed").unwrap_or(&none);
    assert_eq!(count("queued:"), 0, "{status}");
    assert!(
        ledger.get("queued").is_none_or(BTreeSet::is_empty),
        "{ledger:?}"
    );
    assert_eq!(count("sent:"), sent.len(), "{status}");
    assert_eq!(count("failed:"), failed.len().min(10), "{status}");
    let received = received_ids(server_dir);
    let got: BTreeSet<String> = received.keys().cloned().collect();
    assert_eq!(&got, sent, "received exactly what the ledger says was sent");
    assert!(failed.is_disjoint(&got), "a refused message arrived");
    Delivery {
        sent: sent.len(),
        failed: failed.len(),
        duplicates: received.values().map(|c| c - 1).sum(),
    }
}
