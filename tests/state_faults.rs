//! Faults under the state folder, each test ending with every message
//! delivered exactly as `touchbase status` says: a full disk (a small
//! tmpfs; in virtual time, the daemon in-process on tokio's paused clock),
//! a read-only folder, damaged ledgers, and `kill -9` at random points
//! (the real binary).
// The clock rule (clippy.toml) is for the library: this test waits on real processes and measures wall time.
#![allow(clippy::disallowed_methods)]

mod harness;
mod mailserver;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::{
    deadline, delivered_as_status_says, ledger_ids, received_ids, roster, wait_until, InProcess,
    Setup, Spawned,
};
use jiff::Timestamp;
use mailserver::{Options, Server};
use touchbase::shell::clock::Clock;

fn base() -> Timestamp {
    "2027-03-01T09:00:00Z".parse().expect("base")
}

/// A start date three weeks from today, for the binary (on the real clock).
fn in_three_weeks() -> String {
    jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(21))
        .expect("date")
        .to_string()
}

const STEP: Duration = Duration::from_millis(250);

/// The state folder fills up while the server is down. Once it is back,
/// the messages go out, but the ledger cannot record it: the daemon keeps
/// that in memory and sends none of them again, reconciles nothing new,
/// and says so in /healthz; with room again, it records them and carries on.
#[tokio::test(start_paused = true)]
async fn a_full_disk_under_state_dir_never_sends_a_message_twice() {
    let _limit = deadline("full disk", Duration::from_secs(120));
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let mount = match harness::Mount::tmpfs(&state, "2m") {
        Ok(m) => m,
        Err(e)
            if !harness::is_root()
                || e.contains("ermission denied")
                || e.contains("not permitted") =>
        {
            eprintln!("SKIPPED a_full_disk_under_state_dir_never_sends_a_message_twice: this machine cannot mount a tmpfs here ({e})");
            return;
        }
        Err(e) => panic!("cannot mount a tmpfs as root: {e}"),
    };
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(
        mail.path(),
        &Options {
            down: true,
            ..Options::default()
        },
    );
    let config = Setup::smtp(&server.url()).write(dir.path(), &roster(4, "2027-03-22", ""));
    let daemon = InProcess::start(&config, Clock::virtual_at(base())).await;
    daemon.first_reconcile().await;

    let filler = harness::fill(&state);
    server.command("up");
    let h = {
        let mut h = daemon.health().await;
        for _ in 0..200 {
            if h["status"] == "degraded" {
                break;
            }
            tokio::time::sleep(STEP).await;
            h = daemon.health().await;
        }
        h
    };
    assert_eq!(
        received_ids(mail.path()).len(),
        4,
        "sent once the server was back"
    );
    let error = h["last_error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("full"), "{h}");
    // A roster edit while full: nothing can be queued.
    std::fs::write(dir.path().join("roster.toml"), roster(5, "2027-03-22", "")).expect("edit");
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(
        received_ids(mail.path()).len(),
        4,
        "nothing sent twice, nothing new"
    );
    assert_eq!(daemon.health().await["status"], "degraded");

    std::fs::remove_file(&filler).expect("free the space");
    wait_until("the recovery", STEP, Duration::from_secs(600), || {
        received_ids(mail.path()).len() == 5
    })
    .await;
    let h = daemon.health().await;
    assert_eq!(
        (h["status"].as_str(), h["queue"].as_u64()),
        (Some("ok"), Some(0)),
        "{h}"
    );
    daemon.stop().await;
    let d = delivered_as_status_says(&config, mail.path());
    assert_eq!((d.sent, d.duplicates), (5, 0));
    drop(mount);
}

/// A state folder touchbase cannot write: the daemon stops at once, before
/// it sends anything it could not record; `status` still reads the ledger.
#[test]
fn a_read_only_state_dir_stops_the_daemon_before_it_sends() {
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(
        mail.path(),
        &Options {
            down: true,
            ..Options::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Setup::smtp(&server.url()).write(dir.path(), &roster(3, &in_three_weeks(), ""));
    let daemon = Spawned::start(&config);
    let t = Instant::now();
    while daemon.health()["queue"] != 3 {
        assert!(t.elapsed() < Duration::from_secs(10), "not queued");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(daemon.stop().0.success());
    server.command("up");

    let state = dir.path().join("state");
    let guard = ReadOnly::make(&state);
    let t = Instant::now();
    let (status, log) = match Spawned::try_start(&config) {
        Ok(_) => panic!("the daemon started on a read-only state folder"),
        Err(e) => e,
    };
    assert!(
        !status.success() && t.elapsed() < Duration::from_secs(5),
        "{status:?}"
    );
    assert!(
        log.contains("not writable") && log.contains(&state.display().to_string()),
        "{log}"
    );
    let once = harness::cli(&config, &["run", "--once"]);
    assert!(!once.status.success());
    let out = harness::cli(&config, &["status"]);
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && status.contains("queued:   3"),
        "{status}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(received_ids(mail.path()).len(), 0);

    drop(guard);
    harness::time_passes(&config);
    let daemon = Spawned::start(&config);
    let t = Instant::now();
    while received_ids(mail.path()).len() < 3 {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "not sent once writable"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(daemon.stop().0.success());
    let d = delivered_as_status_says(&config, mail.path());
    assert_eq!((d.sent, d.duplicates), (3, 0));
}

/// A folder made read-only: a read-only bind mount for root (whom modes
/// do not stop), mode 0555 otherwise. Undone when dropped.
enum ReadOnly {
    Mount(#[allow(dead_code)] harness::Mount),
    Mode(std::path::PathBuf),
}

impl ReadOnly {
    fn make(dir: &Path) -> ReadOnly {
        if harness::is_root() {
            ReadOnly::Mount(harness::Mount::read_only(dir).expect("read-only bind mount as root"))
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
            ReadOnly::Mode(dir.to_path_buf())
        }
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if let ReadOnly::Mode(dir) = self {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
}

/// A way to damage a ledger's bytes.
type Damage = Box<dyn Fn(&mut Vec<u8>)>;

/// Truncated or overwritten ledgers: the daemon and `run --once` refuse
/// them with a clear error and send nothing again; the backup restored,
/// all is as before.
#[test]
fn a_damaged_ledger_stops_the_daemon_and_nothing_is_sent_again() {
    let mail = tempfile::tempdir().expect("tempdir");
    let server = Server::start(mail.path(), &Options::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Setup::smtp(&server.url()).write(dir.path(), &roster(3, &in_three_weeks(), ""));
    let daemon = Spawned::start(&config);
    let t = Instant::now();
    while received_ids(mail.path()).len() < 3 {
        assert!(t.elapsed() < Duration::from_secs(10), "not sent");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(daemon.stop().0.success());
    let ledger = dir.path().join("state/ledger.sqlite3");
    let good = std::fs::read(&ledger).expect("ledger");
    let page = usize::from(u16::from_be_bytes([good[16], good[17]]));
    assert!(good.len() >= 4 * page, "a ledger of several pages");

    let damages: [(&str, Damage); 4] = [
        ("emptied", Box::new(|b: &mut Vec<u8>| b.clear())),
        (
            "cut in half",
            Box::new(|b: &mut Vec<u8>| b.truncate(b.len() / 2)),
        ),
        (
            "header overwritten",
            Box::new(|b: &mut Vec<u8>| b[..16].fill(0xff)),
        ),
        (
            "a page overwritten",
            Box::new(move |b: &mut Vec<u8>| b[page..page + 64].fill(0xff)),
        ),
    ];
    for (what, damage) in &damages {
        let mut bytes = good.clone();
        damage(&mut bytes);
        std::fs::write(&ledger, &bytes).expect("damage");
        let (status, log) = match Spawned::try_start(&config) {
            Ok(_) => panic!("the daemon started from a ledger {what}"),
            Err(e) => e,
        };
        assert!(!status.success(), "{what}");
        assert!(
            log.contains("is damaged") && log.contains("restore it from a backup"),
            "{what}: {log}"
        );
        let once = harness::cli(&config, &["run", "--once"]);
        let err = String::from_utf8_lossy(&once.stderr);
        assert!(
            !once.status.success() && err.contains("is damaged"),
            "{what}: {err}"
        );
        assert_eq!(
            received_ids(mail.path()).len(),
            3,
            "{what}: nothing sent again"
        );
    }
    std::fs::write(&ledger, &good).expect("restore");
    let daemon = Spawned::start(&config);
    std::thread::sleep(Duration::from_millis(500));
    assert!(daemon.stop().0.success());
    let d = delivered_as_status_says(&config, mail.path());
    assert_eq!((d.sent, d.duplicates), (3, 0));
}

/// A small deterministic generator (xorshift), seeded from the clock or
/// `TOUCHBASE_TEST_SEED`, printed so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("TOUCHBASE_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        println!("kill -9 test: TOUCHBASE_TEST_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// `kill -9` twenty times at random points (start-up, reconcile, mid-drain,
/// idle), with a roster edit before each restart so there is always mail
/// in flight. None is lost; each kill duplicates at most the messages in
/// flight, one per connection (`mail.connections` = 4), counted per kill
/// as the messages the server holds that the ledger still has queued.
#[test]
fn kill_9_at_random_points_loses_nothing_and_duplicates_at_most_one_per_connection() {
    let mut rng = Rng::new();
    let pairs = 30;
    let connections = 4;
    let mail = tempfile::tempdir().expect("tempdir");
    let server = Server::start(
        mail.path(),
        &Options {
            delay: 0.03,
            ..Options::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let start = in_three_weeks();
    let config = Setup::smtp(&server.url()).write(dir.path(), &roster(pairs, &start, ""));
    let mut per_kill = Vec::new();
    for kill in 0..20 {
        let before = received_ids(mail.path());
        let mut child = Command::new(harness::BIN)
            .args(["run", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the daemon");
        std::thread::sleep(Duration::from_millis(rng.below(500)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        // Let the server finish storing what was in flight.
        std::thread::sleep(Duration::from_millis(150));
        // Accepted during this run and not recorded: each will be sent
        // once more.
        let queued = ledger_ids(&config).remove("queued").unwrap_or_default();
        let held = received_ids(mail.path());
        let duplicates = queued
            .iter()
            .filter(|id| held.get(*id) > before.get(*id))
            .count();
        assert!(
            duplicates <= connections,
            "kill {kill}: {duplicates} messages accepted but not recorded"
        );
        per_kill.push(duplicates);
        let room = format!("  location = \"Room {kill}\"\n");
        std::fs::write(dir.path().join("roster.toml"), roster(pairs, &start, &room)).expect("edit");
    }
    let daemon = Spawned::start(&config);
    let t = Instant::now();
    loop {
        let h = daemon.health();
        if h["last_reconcile"].is_string() && h["queue"] == 0 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the queue does not empty"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(daemon.stop().0.success());
    let d = delivered_as_status_says(&config, mail.path());
    let total: usize = per_kill.iter().sum();
    println!(
        "kill -9 x20: {} messages delivered, duplicates per kill {per_kill:?} (max {}, total {total})",
        d.sent,
        per_kill.iter().max().unwrap_or(&0)
    );
    assert_eq!(d.duplicates, total, "every duplicate comes from a kill");
    assert!(
        d.sent > pairs * 5,
        "the kills landed while mail was flowing ({})",
        d.sent
    );
}
