//! End-to-end: the real `touchbase run` binary, its feeds over real HTTP on
//! 127.0.0.1, roster edits, SIGHUP, SIGTERM, and READY=1 on a
//! NOTIFY_SOCKET the test listens on.
// The clock rule (clippy.toml) is for the library: this test waits on real processes and sockets, and measures wall time.
#![allow(clippy::disallowed_methods)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::setup;

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

struct Daemon {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
    notify: UnixDatagram,
}

impl Daemon {
    fn start() -> Daemon {
        Daemon::start_with(&[])
    }

    fn start_with(env: &[(&str, &str)]) -> Daemon {
        let port = setup::free_port();
        let config = format!(
            "roster = \"roster.toml\"\nstate_dir = \"state\"\n[mail]\ntransport = \"file\"\ndir = \"outbox\"\n\
             [http]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n"
        );
        let dir = setup::temp_folder(&config, "roster.toml", ROSTER);
        let sock = dir.path().join("notify.sock");
        let notify = UnixDatagram::bind(&sock).expect("notify socket");
        notify
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let child = Command::new(BIN)
            .args(["run", "--config"])
            .arg(dir.path().join(setup::CONFIG_FILE))
            .env("NOTIFY_SOCKET", &sock)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start daemon");
        let d = Daemon {
            dir,
            child,
            port,
            notify,
        };
        d.expect_notification("READY=1");
        d
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
        let out = Command::new(BIN)
            .args(args)
            .arg("--config")
            .arg(self.dir.path().join(setup::CONFIG_FILE))
            .output()
            .expect("run cli");
        assert!(
            out.status.success(),
            "{}",
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
        let prefix = format!("http://127.0.0.1:{}", self.port);
        url.trim()
            .strip_prefix(&prefix)
            .expect("url on public_url")
            .to_string()
    }

    fn get(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
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
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
    }

    fn stop(mut self) -> (std::process::ExitStatus, Duration, String) {
        self.signal("TERM");
        let t = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no exit within 10 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (status, t.elapsed(), err)
    }

    fn state(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn feeds_secrets_etags_and_shutdown() {
    let d = Daemon::start();
    let path = d.feed_path("ada@example.com", false);
    assert_eq!(
        path.len(),
        "/feeds/".len() + 48 + ".ics".len(),
        "at least 128 bits of secret: {path}"
    );
    let (status, head, body) = d.get("GET", &path, &[]);
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/calendar"), "{head}");
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n") && body.contains("METHOD:PUBLISH\r\n"));
    assert!(body.contains("Grace Hopper"));
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .expect("ETag")
        .to_string();
    let (status, _, body304) = d.get("GET", &path, &[("If-None-Match", &etag)]);
    assert_eq!((status, body304.as_str()), (304, ""));
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
    let (s3, _, b3) = d.get("GET", "/feeds/nothing.ics", &[]);
    assert_eq!((s1, s2, s3), (404, 404, 404));
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
    let d = Daemon::start();
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
    let d = Daemon::start();
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
    let d = Daemon::start_with(&[("WATCHDOG_USEC", "400000")]);
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
