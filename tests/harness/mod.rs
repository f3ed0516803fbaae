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

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, Notify};
use touchbase::shell::clock::Clock;
use touchbase::shell::daemon::{self, Context};
use touchbase::shell::lock::StateLock;

use crate::mailserver;

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

/// The daemon in this process, on `clock`.
pub struct InProcess {
    /// Where it serves HTTP.
    pub addr: SocketAddr,
    /// Notify for an explicit reload (what SIGHUP does).
    pub reload: Arc<Notify>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl InProcess {
    /// Starts the daemon of the configuration at `config` on `clock`.
    pub async fn start(config: &Path, clock: Clock) -> InProcess {
        let config = touchbase::shell::load::load_config(config, &BTreeMap::new()).expect("config");
        let lock = StateLock::acquire(&config.state_dir).expect("state lock");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut ctx = Context::new(lock);
        ctx.clock = clock;
        let reload = ctx.reload.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let handle = tokio::spawn(daemon::run(config, listener, shutdown, ctx));
        InProcess {
            addr,
            reload,
            stop: Some(stop),
            handle: Some(handle),
        }
    }

    /// `/healthz`, fetched from a blocking thread (which keeps tokio's
    /// paused clock from moving meanwhile).
    pub async fn health(&self) -> serde_json::Value {
        let addr = self.addr;
        tokio::task::spawn_blocking(move || health(addr))
            .await
            .expect("health")
    }

    /// The value of a metric without labels, from `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let addr = self.addr;
        let text = tokio::task::spawn_blocking(move || get(addr, "/metrics").2)
            .await
            .expect("metrics");
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    }

    /// `/healthz` once the first reconcile (and its drain) is over.
    pub async fn first_reconcile(&self) -> serde_json::Value {
        for _ in 0..200 {
            let h = self.health().await;
            if h["last_reconcile"].is_string() {
                return h;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no reconcile within 10 s");
    }

    /// Stops it as SIGTERM does and waits (at most 10 s) for it to return.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.handle.take() {
            let r = tokio::time::timeout(Duration::from_secs(10), h)
                .await
                .expect("the daemon stops within 10 s")
                .expect("no panic");
            r.expect("the daemon stops without an error");
        }
    }
}

/// Sleeps on tokio's clock until `f` holds, checking every `step`, for at
/// most `limit`; returns how long it took.
pub async fn wait_until(
    what: &str,
    step: Duration,
    limit: Duration,
    mut f: impl FnMut() -> bool,
) -> Duration {
    let t = tokio::time::Instant::now();
    while !f() {
        assert!(t.elapsed() <= limit, "timed out waiting for {what}");
        tokio::time::sleep(step).await;
    }
    t.elapsed()
}

/// Ends the test process if the test is still running after `limit` of
/// real time. A virtual-time test cannot time itself out while a blocking
/// task hangs (tokio's clock stands still meanwhile); this bounds it.
pub struct Deadline(Option<std::sync::mpsc::Sender<()>>);

/// A [`Deadline`] for `what`.
pub fn deadline(what: &'static str, limit: Duration) -> Deadline {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
            eprintln!(
                "{what}: still running after {limit:?} of real time; stopping the test process"
            );
            std::process::exit(101);
        }
    });
    Deadline(Some(tx))
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// Whether the tests run as root (who may mount file systems, and whom
/// file modes do not stop).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs `cmd` with `args`: Ok, or its stderr.
pub fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A mount (tmpfs, or a read-only bind) undone when dropped.
pub struct Mount(PathBuf);

impl Mount {
    /// A tmpfs of `size` (as mount says it: "1m") on `at`.
    pub fn tmpfs(at: &Path, size: &str) -> Result<Mount, String> {
        std::fs::create_dir_all(at).map_err(|e| e.to_string())?;
        let at_s = at.to_str().expect("utf-8 path");
        let options = format!("size={size},mode=0700");
        run("mount", &["-t", "tmpfs", "-o", &options, "tmpfs", at_s])?;
        Ok(Mount(at.to_path_buf()))
    }

    /// `at`, bound onto itself read-only.
    pub fn read_only(at: &Path) -> Result<Mount, String> {
        let at_s = at.to_str().expect("utf-8 path");
        run("mount", &["--bind", at_s, at_s])?;
        let m = Mount(at.to_path_buf());
        run("mount", &["-o", "remount,bind,ro", at_s])?;
        Ok(m)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = run("umount", &["-l", self.0.to_str().unwrap_or_default()]);
    }
}

/// Fills the file system of `dir` with a file there until not one more
/// byte fits; returns the file (remove it to free the space).
pub fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).expect("filler");
    for chunk in [1 << 16, 4096, 1] {
        let block = vec![0u8; chunk];
        for _ in 0..100_000 {
            if f.write_all(&block).and_then(|()| f.sync_all()).is_err() {
                break;
            }
        }
    }
    path
}

/// The real binary, `touchbase run`, with its stderr collected.
pub struct Spawned {
    child: Child,
    /// Where it serves HTTP, read from its log.
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Spawned {
    /// Starts `touchbase run` on `config` and waits until it serves.
    pub fn start(config: &Path) -> Spawned {
        match Spawned::try_start(config) {
            Ok(s) => s,
            Err((status, log)) => panic!("the daemon exited with {status:?}: {log}"),
        }
    }

    /// Starts `touchbase run` on `config`: the daemon once it serves, or
    /// its exit status and log if it stopped first.
    pub fn try_start(config: &Path) -> Result<Spawned, (ExitStatus, String)> {
        Spawned::try_start_with(config, &[])
    }

    /// [`Spawned::try_start`] with more environment variables.
    pub fn try_start_with(
        config: &Path,
        env: &[(&str, &str)],
    ) -> Result<Spawned, (ExitStatus, String)> {
        let mut child = Command::new(BIN)
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the daemon");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        let t = Instant::now();
        loop {
            let text = log.lock().map(|l| l.clone()).unwrap_or_default();
            if let Some(addr) = text
                .split("serving feeds on ")
                .nth(1)
                .and_then(|r| r.split([',', ' ', '\n']).next())
                .and_then(|a| a.parse().ok())
            {
                return Ok(Spawned { child, addr, log });
            }
            if let Some(status) = child.try_wait().expect("try_wait") {
                std::thread::sleep(Duration::from_millis(100));
                let text = log.lock().map(|l| l.clone()).unwrap_or_default();
                return Err((status, text));
            }
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "the daemon did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `/healthz`.
    pub fn health(&self) -> serde_json::Value {
        health(self.addr)
    }

    /// Sends `sig` (`TERM`, `HUP`).
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
    }

    /// SIGTERM, then waits (at most 10 s): exit status, time taken, log.
    pub fn stop(mut self) -> (ExitStatus, Duration, String) {
        self.signal("TERM");
        let t = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no exit within 10 s of SIGTERM: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = t.elapsed();
        std::thread::sleep(Duration::from_millis(50));
        (status, took, self.log())
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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

/// Message-IDs in the ledger beside `config`, by state.
pub fn ledger_ids(config: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let path = state_dir(config).join("ledger.sqlite3");
    let c =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the ledger");
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
