//! The shipped service files: systemd/touchbase.service starts touchbase the
//! way it says (Type=notify: READY=1 on $NOTIFY_SOCKET, exit 0 on SIGTERM),
//! and the packaged configuration in systemd/ passes `touchbase check`.
//!
//! The command line is read from the unit's `ExecStart=`, not copied here, so
//! an edit to the unit is what gets tested; only `/usr/bin/touchbase` and
//! `/etc/touchbase/` are pointed at the built binary and a temporary folder.
// The clock rule (clippy.toml) is for the library: this test waits on real processes and sockets, and measures wall time.
#![allow(clippy::disallowed_methods)]

mod common;

use std::io::ErrorKind;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use common::setup;
use touchbase::shell::commands::{Cli, Command as Sub};

const BIN: &str = env!("CARGO_BIN_EXE_touchbase");

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The value of `key=` in the unit's `[Service]` section; the one line of it.
fn service_setting(key: &str) -> String {
    let unit = std::fs::read_to_string(repo("systemd/touchbase.service")).expect("read the unit");
    let mut in_service = false;
    let mut found = Vec::new();
    for line in unit.lines().map(str::trim) {
        if line.starts_with('[') {
            in_service = line == "[Service]";
        } else if in_service {
            if let Some(value) = line.strip_prefix(key).and_then(|r| r.strip_prefix('=')) {
                found.push(value.to_string());
            }
        }
    }
    assert_eq!(found.len(), 1, "exactly one {key}= in [Service]: {found:?}");
    found.remove(0)
}

/// `ExecStart=` split into words. The unit uses no quoting, specifiers or
/// `$VARIABLES` there, and this keeps it so, since they would need systemd's
/// own parser to reproduce.
fn exec_start() -> Vec<String> {
    let line = service_setting("ExecStart");
    assert!(
        !line.contains(['"', '\'', '%', '$', '\\']),
        "ExecStart= uses no quoting, specifiers or variables: {line}"
    );
    line.split_whitespace().map(str::to_string).collect()
}

#[test]
fn exec_start_runs_the_installed_binary_as_a_daemon() {
    let words = exec_start();
    assert_eq!(words[0], "/usr/bin/touchbase");
    let cli = Cli::try_parse_from(&words).expect("ExecStart= parses as a touchbase command line");
    assert_eq!(
        cli.config.as_deref(),
        Some(Path::new("/etc/touchbase/touchbase.toml"))
    );
    match cli.command {
        Sub::Run(args) => assert!(!args.once, "the service runs the daemon, not --once"),
        other => panic!("ExecStart= runs {other:?}, not `run`"),
    }
}

#[test]
fn unit_is_a_notify_service_that_reloads_with_sighup() {
    assert_eq!(service_setting("Type"), "notify");
    assert_eq!(service_setting("ExecReload"), "/bin/kill -HUP $MAINPID");
    assert_eq!(service_setting("Restart"), "on-failure");
    assert_eq!(service_setting("User"), "touchbase");
    assert_eq!(service_setting("StateDirectory"), "touchbase");
    assert_eq!(service_setting("ConfigurationDirectory"), "touchbase");
    // touchbase must reach its SMTP server and serve feeds.
    let families = service_setting("RestrictAddressFamilies");
    for family in ["AF_INET", "AF_INET6", "AF_UNIX"] {
        assert!(families.split_whitespace().any(|f| f == family), "{family}");
    }
    assert!(
        !std::fs::read_to_string(repo("systemd/touchbase.service"))
            .expect("read the unit")
            .lines()
            .any(|l| l.starts_with("PrivateNetwork=yes") || l.starts_with("IPAddressDeny=")),
        "the unit must not cut touchbase off the network"
    );
}

/// The configuration the package installs in /etc/touchbase is valid, sends
/// with SMTP to the local MTA, keeps state in /var/lib/touchbase, and its
/// roster schedules nobody until the operator fills it in.
#[test]
fn packaged_configuration_passes_check() {
    let out = Command::new(BIN)
        .arg("check")
        .arg("--config")
        .arg(repo("systemd/touchbase.toml"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .expect("run touchbase check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("smtp to \"smtp://127.0.0.1:25\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("state:    /var/lib/touchbase\n"),
        "{stdout}"
    );
    assert!(stdout.contains("0 managers, 0 active reports"), "{stdout}");
}

/// `etc` stands in for /etc/touchbase: a file-transport configuration (no
/// mail leaves the machine) with its state and outbox beside it.
fn write_config(etc: &Path) {
    setup::write_folder(
        etc,
        r#"roster = "roster.toml"
state_dir = "state"

[mail]
from = "Touchbase <touchbase@example.com>"
transport = "file"
dir = "outbox"

[http]
listen = "127.0.0.1:0"
public_url = "http://feeds.test"
"#,
        "roster.toml",
        r#"[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace Hopper"
  start = "2027-01-05"
"#,
    );
}

/// Kills the daemon if the test fails half-way, so no process outlives it.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn starts_as_exec_start_says_reports_ready_and_exits_0_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let etc = dir.path().join("etc/touchbase");
    write_config(&etc);
    let words: Vec<String> = exec_start()
        .into_iter()
        .map(|w| {
            if w == "/usr/bin/touchbase" {
                BIN.to_string()
            } else if let Some(rest) = w.strip_prefix("/etc/touchbase/") {
                etc.join(rest).display().to_string()
            } else {
                w
            }
        })
        .collect();

    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind the notify socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("set_read_timeout");
    let stderr_path = dir.path().join("stderr.log");
    let stderr = std::fs::File::create(&stderr_path).expect("create stderr log");

    // As systemd runs it: working directory /, no TOUCHBASE_* variables
    // (the unit sets none; touchbase.env is optional), NOTIFY_SOCKET set.
    let child = Command::new(&words[0])
        .args(&words[1..])
        .current_dir("/")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NOTIFY_SOCKET", &socket_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("start touchbase as ExecStart= says");
    let mut daemon = Daemon(child);
    let log = || std::fs::read_to_string(&stderr_path).unwrap_or_default();

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let ready = loop {
        match socket.recv(&mut buf) {
            Ok(n) => {
                let message = String::from_utf8_lossy(&buf[..n]).into_owned();
                let ready = message.lines().any(|l| l == "READY=1");
                received.push(message);
                if ready {
                    break true;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("recv on the notify socket: {e}"),
        }
        if let Some(status) = daemon.0.try_wait().expect("try_wait") {
            panic!(
                "touchbase exited ({status}) before READY=1; stderr:\n{}",
                log()
            );
        }
        if Instant::now() > deadline {
            break false;
        }
    };
    assert!(
        ready,
        "no READY=1 within 30 s; received {received:?}; stderr:\n{}",
        log()
    );

    let pid = daemon.0.id().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(kill.success(), "kill -TERM {pid}");
    // SPEC: exits 0 on SIGTERM within 10 s.
    let status = wait_exit(&mut daemon.0, Duration::from_secs(10));
    let Some(status) = status else {
        panic!("still running 10 s after SIGTERM; stderr:\n{}", log());
    };
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM; stderr:\n{}",
        log()
    );
}
