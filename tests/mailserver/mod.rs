//! A real SMTP server for the tests: Python's aiosmtpd, installed into a
//! virtual environment under the target folder on first use (so a fresh
//! machine needs nothing but python3), started on 127.0.0.1, with faults a
//! test turns on and off while it runs (tests/support/smtp_server.py lists
//! them): down and up again on the same port, 421 in mid-session, a code
//! per recipient, a server that accepts and then says nothing.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// The venv's python, creating the venv once for all test processes.
pub fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("smtp-venv");
    let py = root.join("bin/python3");
    let lock_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("smtp-venv.lock");
    let lock = std::fs::File::create(&lock_path).expect("lock file");
    lock.lock().expect("lock");
    let ready = root.join(".ready");
    if !ready.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&root)
            .status()
            .expect("python3 -m venv");
        assert!(ok.success(), "python3 -m venv failed");
        let ok = Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                AIOSMTPD,
            ])
            .status()
            .expect("pip install");
        assert!(ok.success(), "pip install {AIOSMTPD} failed");
        std::fs::write(&ready, AIOSMTPD).expect("mark venv ready");
    }
    drop(lock);
    py
}

/// Options of a server.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// Port (0: any free one).
    pub port: u16,
    /// Recipients refused with 550.
    pub reject: Vec<String>,
    /// Recipients refused with 451.
    pub tempfail: Vec<String>,
    /// Seconds to wait before accepting each message.
    pub delay: f64,
    /// Offer AUTH without STARTTLS, accept any account, and record it
    /// ([`Server::auth_log`]).
    pub auth: bool,
    /// Start down: the port is bound but refuses connections until `up`.
    pub down: bool,
}

/// A running server; stopped when dropped.
pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where accepted messages land.
    pub dir: PathBuf,
}

impl Server {
    /// Starts a server storing messages in `dir`.
    pub fn start(dir: &Path, opts: &Options) -> Server {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg("--dir")
            .arg(dir)
            .args(["--port", &opts.port.to_string()])
            .args(["--reject", &opts.reject.join(",")])
            .args(["--tempfail", &opts.tempfail.join(",")])
            .args(["--delay", &opts.delay.to_string()])
            .args(opts.auth.then_some("--auth"))
            .args(opts.down.then_some("--down"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start smtp server");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("server did not start: {line:?}"));
        let stdin = child.stdin.take();
        Server {
            child,
            stdin,
            stdout,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// Sends a control command (`down`, `up`, `rcpt a@b 452`, `stall
    /// data`, `hangup 2`, `down-after 3`) and waits until it is in effect.
    pub fn command(&mut self, cmd: &str) {
        let stdin = self.stdin.as_mut().expect("server stdin");
        writeln!(stdin, "{cmd}").expect("send command");
        stdin.flush().expect("flush command");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read answer");
        assert_eq!(line.trim(), format!("OK {cmd}"), "server answer to {cmd:?}");
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Messages received so far, in order.
    pub fn messages(&self) -> Vec<String> {
        received(&self.dir)
    }

    /// The accounts clients authenticated with, one "<mechanism> <user>
    /// <password>" line each (empty when none did).
    pub fn auth_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("auth.log")).unwrap_or_default()
    }

    /// Every byte clients sent in the clear (before any TLS).
    pub fn wire_log(&self) -> String {
        let bytes = std::fs::read(self.dir.join("wire.log")).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Waits until at least `n` messages arrived (or `timeout` passes).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<String> {
        let t = Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n || t.elapsed() > timeout {
                return m;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every `.eml` in `dir`, in name order.
pub fn received(dir: &Path) -> Vec<String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read message"))
        .collect()
}

/// The Message-ID of a raw message, without angle brackets.
pub fn message_id(raw: &str) -> Option<String> {
    raw.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("message-id")
            .then(|| value.trim().trim_matches(['<', '>']).to_string())
    })
}
