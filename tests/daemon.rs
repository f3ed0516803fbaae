//! End-to-end: the real `touchbase run` binary, its feeds over real HTTP on
//! 127.0.0.1 (port 0: the daemon logs the address it got), roster edits,
//! SIGHUP, SIGTERM, READY=1 on a NOTIFY_SOCKET the test listens on, one
//! daemon per state folder, and what /healthz and the log may say.
// The clock rule (clippy.toml) is for the library: this test waits on real processes and sockets, and measures wall time.
#![allow(clippy::disallowed_methods)]

mod common;
mod harness;
mod mailserver;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::setup;
use harness::Spawned;

const BIN: &str = env!("CARGO_BIN_EXE_touchbase");

const ROSTER: &str = r#"
[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"
timezone = "Europe/London"
location = "Room 1"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace Hopper"
  start = "2027-01-05"
  cadence = "weekly"

  [[managers.reports]]
  email = "alan@example.com"
  name = "Alan Turing"
  start = "2027-01-06"

  [[managers.reports]]
  email = "katherine@example.com"
  name = "Katherine Johnson"
  start = "2027-01-07"
"#;

/// The base of feed URLs in the tests' configuration.
const PUBLIC: &str = "http://feeds.test";

struct Daemon {
    dir: tempfile::TempDir,
    run: Option<Spawned>,
    notify: UnixDatagram,
}

impl Daemon {
    fn start() -> Daemon {
        Daemon::start_with(&[], ROSTER)
    }

    fn start_with(env: &[(&str, &str)], roster: &str) -> Daemon {
        let config = format!(
            "roster = \"roster.toml\"\nstate_dir = \"state\"\n[mail]\ntransport = \"file\"\ndir = \"outbox\"\n\
             [http]\nlisten = \"127.0.0.1:0\"\npublic_url = \"{PUBLIC}\"\n"
        );
        let dir = setup::temp_folder(&config, "roster.toml", roster);
        let sock = dir.path().join("notify.sock");
        let notify = UnixDatagram::bind(&sock).expect("notify socket");
        notify
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let sock = sock.to_str().expect("utf-8 path").to_string();
        let mut vars = vec![("NOTIFY_SOCKET", sock.as_str())];
        vars.extend_from_slice(env);
        let run = match Spawned::try_start_with(&dir.path().join(setup::CONFIG_FILE), &vars) {
            Ok(run) => run,
            Err((status, log)) => panic!("the daemon exited with {status:?}: {log}"),
        };
        let d = Daemon {
            dir,
            run: Some(run),
            notify,
        };
        d.expect_notification("READY=1");
        d
    }

    fn spawned(&self) -> &Spawned {
        self.run.as_ref().expect("running")
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join(setup::CONFIG_FILE)
    }

    fn expect_notification(&self, what: &str) -> String {
        let mut buf = [0u8; 4096];
        loop {
            let n = self
                .notify
                .recv(&mut buf)
                .expect("a notification before the timeout");
            let msg = String::from_utf8_lossy(&buf[..n]).to_string();
            if msg.lines().any(|l| l == what) {
                return msg;
            }
        }
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = harness::cli(&self.config(), args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn feed_path(&self, person: &str, rotate: bool) -> String {
        let mut args = vec!["feed-url", "--person", person];
        if rotate {
            args.push("--rotate");
        }
        let url = self.cli(&args);
        url.trim()
            .strip_prefix(PUBLIC)
            .expect("url on public_url")
            .to_string()
    }

    fn get(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
        let mut s = TcpStream::connect(self.spawned().addr).expect("connect");
        let mut req =
            format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).expect("write");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("read");
        let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("status");
        (status, head.to_ascii_lowercase(), body.to_string())
    }

    /// Replaces the roster the way editors do: write aside, rename over.
    fn edit(&self, text: &str) {
        let tmp = self.dir.path().join(".roster.toml.swp");
        std::fs::write(&tmp, text).expect("write");
        std::fs::rename(&tmp, self.dir.path().join("roster.toml")).expect("rename");
    }

    fn wait_until(&self, what: &str, mut f: impl FnMut() -> bool) -> Duration {
        let t = Instant::now();
        while !f() {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        t.elapsed()
    }

    fn signal(&self, sig: &str) {
        self.spawned().signal(sig);
    }

    fn stop(&mut self) -> (std::process::ExitStatus, Duration, String) {
        self.run.take().expect("running").stop()
    }

    fn state(&self) -> &Path {
        self.dir.path()
    }
}

/// Whether `head` (lowercased) carries the headers every response has.
fn guarded(head: &str) -> bool {
    head.contains("\r\nx-content-type-options: nosniff")
        && head.contains("\r\nreferrer-policy: no-referrer")
}

#[test]
fn feeds_secrets_etags_and_shutdown() {
    let mut d = Daemon::start();
    let path = d.feed_path("ada@example.com", false);
    assert_eq!(
        path.len(),
        "/feeds/".len() + 48 + ".ics".len(),
        "at least 128 bits of secret: {path}"
    );
    let (status, head, body) = d.get("GET", &path, &[]);
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/calendar"), "{head}");
    assert!(guarded(&head), "{head}");
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n") && body.contains("METHOD:PUBLISH\r\n"));
    assert!(body.contains("Grace Hopper"));
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .expect("ETag")
        .to_string();
    let (status, head, body304) = d.get("GET", &path, &[("If-None-Match", &etag)]);
    assert_eq!((status, body304.as_str()), (304, ""));
    assert!(guarded(&head), "{head}");
    let (status, head, body) = d.get("HEAD", &path, &[]);
    assert_eq!((status, body.as_str()), (200, ""));
    assert!(head.contains(&format!("etag: {etag}")));

    // The same secret again gives the same URL; a report's feed is their own.
    assert_eq!(d.feed_path("ada@example.com", false), path);
    let grace = d.feed_path("grace@example.com", false);
    let (_, _, body) = d.get("GET", &grace, &[]);
    assert!(body.contains("Grace Hopper") && !body.contains("Alan Turing"));

    // Wrong, rotated and malformed secrets: the same 404.
    let (s1, _, b1) = d.get("GET", &format!("/feeds/{}.ics", "0".repeat(48)), &[]);
    let rotated = d.feed_path("ada@example.com", true);
    assert_ne!(rotated, path);
    let (s2, _, b2) = d.get("GET", &path, &[]);
    let (s3, h3, b3) = d.get("GET", "/feeds/nothing.ics", &[]);
    assert_eq!((s1, s2, s3), (404, 404, 404));
    assert!(guarded(&h3), "{h3}");
    assert!(b1 == b2 && b2 == b3);
    assert_eq!(d.get("GET", &rotated, &[]).0, 200);
    assert_eq!(d.get("POST", &rotated, &[]).0, 405);
    let (_, _, metrics) = d.get("GET", "/metrics", &[]);
    assert!(
        metrics.contains("touchbase_feed_requests_total{status=\"404\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("touchbase_messages_sent_total 3"),
        "{metrics}"
    );

    let (status, elapsed, log) = d.stop();
    assert!(status.success(), "exit status {status:?}: {log}");
    assert!(elapsed < Duration::from_secs(10));
    assert!(!log.contains(&rotated[7..40]), "a secret reached the log");
}

#[test]
fn edits_show_in_the_feed_and_bad_edits_are_ignored() {
    let mut d = Daemon::start();
    let path = d.feed_path("ada@example.com", false);
    let (_, _, before) = d.get("GET", &path, &[]);
    assert!(before.contains("LOCATION:Room 1"));

    d.edit(&ROSTER.replace("Room 1", "Room 2"));
    let took = d.wait_until("the edit in the feed", || {
        d.get("GET", &path, &[]).2.contains("LOCATION:Room 2")
    });
    assert!(
        took < Duration::from_secs(1),
        "edit to served took {took:?}"
    );

    // An invalid edit: still serving, /healthz degraded with the line.
    let broken = ROSTER
        .replace("Room 1", "Room 3")
        .replace("cadence = \"weekly\"", "cadence = \"sometimes\"");
    d.edit(&broken);
    let line = broken
        .lines()
        .position(|l| l.contains("sometimes"))
        .expect("line")
        + 1;
    d.wait_until("degraded health", || {
        d.get("GET", "/healthz", &[]).2.contains("degraded")
    });
    let (status, _, health) = d.get("GET", "/healthz", &[]);
    assert_eq!(status, 200);
    let h: serde_json::Value = serde_json::from_str(&health).expect("json");
    let err = h["reload_error"].as_str().expect("reload_error");
    assert!(
        err.contains(&format!("roster.toml:{line}:")) && err.contains("cadence"),
        "{err}"
    );
    let (status, _, body) = d.get("GET", &path, &[]);
    assert_eq!(status, 200);
    assert!(
        body.contains("LOCATION:Room 2"),
        "the last good roster stays in force"
    );

    // A good edit clears it.
    d.edit(&ROSTER.replace("Room 1", "Room 4"));
    d.wait_until("ok health", || {
        d.get("GET", "/healthz", &[])
            .2
            .contains("\"status\":\"ok\"")
    });
    assert!(d.get("GET", &path, &[]).2.contains("LOCATION:Room 4"));
    let (status, _, _) = d.stop();
    assert!(status.success());
}

#[test]
fn mass_cancel_waits_for_sighup() {
    let mut d = Daemon::start();
    let path = d.feed_path("ada@example.com", false);
    // Everyone but Grace removed: 2 of 3 series would be cancelled.
    let cut = ROSTER
        .split("  [[managers.reports]]\n  email = \"alan")
        .next()
        .expect("cut")
        .to_string();
    d.edit(&cut);
    d.wait_until("held back", || {
        d.get("GET", "/healthz", &[]).2.contains("held back")
    });
    assert!(
        d.get("GET", &path, &[]).2.contains("Alan Turing"),
        "held back, not applied"
    );
    let outbox = d.state().join("outbox");
    let sent_before = std::fs::read_dir(&outbox).map(|r| r.count()).unwrap_or(0);
    d.signal("HUP");
    d.expect_notification("RELOADING=1");
    d.expect_notification("READY=1");
    d.wait_until("applied", || {
        !d.get("GET", &path, &[]).2.contains("Alan Turing")
    });
    d.wait_until("cancellations", || {
        std::fs::read_dir(&outbox).map(|r| r.count()).unwrap_or(0) >= sent_before + 2
    });
    let h = d.get("GET", "/healthz", &[]).2;
    assert!(h.contains("\"status\":\"ok\""), "{h}");
    let (status, _, _) = d.stop();
    assert!(status.success());
}

#[test]
fn watchdog_pings_and_status_lines() {
    // WatchdogSec=0.4s: pings every 0.2 s.
    let mut d = Daemon::start_with(&[("WATCHDOG_USEC", "400000")], ROSTER);
    let t = Instant::now();
    d.expect_notification("WATCHDOG=1");
    d.expect_notification("WATCHDOG=1");
    assert!(t.elapsed() < Duration::from_secs(5));
    d.signal("HUP");
    let ready = d.expect_notification("READY=1");
    assert!(
        ready.lines().any(|l| l.starts_with("STATUS=3 pairs, ")),
        "{ready}"
    );
    let (status, _, _) = d.stop();
    assert!(status.success());
}

/// One daemon per state folder: a second `run` (or `run --once`) stops at
/// once and names the PID that holds it; commands that only read keep
/// working meanwhile; once the first stops, the folder is free.
#[test]
fn one_daemon_per_state_dir_and_read_only_commands_beside_it() {
    let mut d = Daemon::start();
    let pid = d.spawned().pid();
    let t = Instant::now();
    let (status, log) = match Spawned::try_start(&d.config()) {
        Ok(_) => panic!("a second daemon started on the same state folder"),
        Err(e) => e,
    };
    assert!(!status.success(), "{status:?}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(
        log.contains(&format!("in use by another touchbase (PID {pid})")),
        "{log}"
    );
    let once = harness::cli(&d.config(), &["run", "--once"]);
    assert!(!once.status.success());
    assert!(String::from_utf8_lossy(&once.stderr).contains(&format!("PID {pid}")));

    assert!(d.cli(&["status"]).contains("queued:"));
    assert!(d.cli(&["plan"]).contains("Nothing to send."));
    assert!(d
        .cli(&["preview", "--from", "2027-01-04", "--weeks", "1"])
        .contains("Grace Hopper"));
    assert!(d
        .cli(&[
            "export",
            "--person",
            "grace@example.com",
            "--from",
            "2027-01-04"
        ])
        .starts_with("BEGIN:VCALENDAR"));
    assert!(d.cli(&["check"]).contains("3 active reports"));

    let config = d.config();
    let (status, _, _) = d.stop();
    assert!(status.success());
    let again = Spawned::start(&config);
    assert!(again.stop().0.success());
}

/// `status` reads only the ledger: a roster with a syntax error, which
/// stops every other command, does not stop it.
#[test]
fn status_needs_no_roster() {
    let mut d = Daemon::start();
    d.wait_until("the invitations", || {
        d.cli(&["status"]).contains("sent:     3")
    });
    let config = d.config();
    let (status, _, _) = d.stop();
    assert!(status.success());
    let folder = config.parent().expect("folder");
    std::fs::write(folder.join("roster.toml"), "[[managers]\nemail = ").expect("break");
    let out = harness::cli(&config, &["status"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("sent:     3"));
    let out = harness::cli(&config, &["plan"]);
    assert!(!out.status.success(), "plan needs the roster");
    assert!(String::from_utf8_lossy(&out.stderr).contains("roster.toml:1:"));
}

/// /healthz, /metrics and the log at info level name where a roster
/// error is, never what was found there: here, an opted-out report's
/// address. `touchbase check` shows the whole error to whoever runs it.
#[test]
fn a_bad_edit_on_an_opted_out_line_leaves_no_trace_of_the_address() {
    let roster = format!(
        "{ROSTER}\n  [[managers.reports]]\n  email = \"frances@example.com\"\n  name = \"Frances Allen\"\n  start = \"2027-01-08\"\n  opt_out = true\n"
    );
    let mut d = Daemon::start_with(&[], &roster);
    let bad = roster.replace("frances@example.com", "frances@example..com");
    d.edit(&bad);
    d.wait_until("degraded health", || {
        d.get("GET", "/healthz", &[]).2.contains("degraded")
    });
    let line = bad
        .lines()
        .position(|l| l.contains("frances@"))
        .expect("line")
        + 1;
    let (_, _, health) = d.get("GET", "/healthz", &[]);
    let h: serde_json::Value = serde_json::from_str(&health).expect("json");
    let err = h["reload_error"].as_str().expect("reload_error");
    assert!(
        err.contains(&format!("roster.toml:{line}:"))
            && err.contains("key `managers[0].reports[3].email`"),
        "{err}"
    );
    let (_, _, metrics) = d.get("GET", "/metrics", &[]);
    let check = Command::new(BIN)
        .args(["check", "--config"])
        .arg(d.config())
        .output()
        .expect("check");
    assert!(String::from_utf8_lossy(&check.stderr).contains("frances@example..com"));
    let (status, _, log) = d.stop();
    assert!(status.success());
    assert!(log.contains("roster edit ignored"), "{log}");
    for (what, text) in [
        ("/healthz", &health),
        ("/metrics", &metrics),
        ("the log", &log),
    ] {
        assert!(
            !text.to_lowercase().contains("frances"),
            "{what} names her: {text}"
        );
    }
}
