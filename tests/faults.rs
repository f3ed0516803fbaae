//! Faults injected into a real SMTP server (aiosmtpd, tests/support), each
//! test ending with every message delivered exactly as `touchbase status`
//! says. Faults under the state folder are in state_faults.rs.
//!
//! In virtual time (the daemon in-process on tokio's paused clock, so the
//! back-off's minutes pass at once): 421 in mid-session, 452 and 550 per
//! recipient, a server that accepts and then says nothing (touchbase's
//! 30 s SMTP timeout is real time). With the real binary: the server down
//! when the daemon starts, and SIGTERM while the server stalls.
// The clock rule (clippy.toml) is for the library: this test waits on real processes and measures wall time.
#![allow(clippy::disallowed_methods)]

mod harness;
mod mailserver;

use std::collections::BTreeSet;
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

#[tokio::test(start_paused = true)]
async fn a_421_in_mid_session_defers_the_message_and_the_retry_delivers_it() {
    let _limit = deadline("421", Duration::from_secs(120));
    let n = 10;
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(mail.path(), &Options::default());
    // Two messages per connection, then 421 and a hang-up.
    server.command("hangup 2");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Setup::smtp(&server.url()).write(dir.path(), &roster(n, "2027-03-22", ""));
    let daemon = InProcess::start(&config, Clock::virtual_at(base())).await;
    daemon.first_reconcile().await;
    assert!(daemon.metric("touchbase_messages_deferred_total").await > 0);
    wait_until("every message", STEP, Duration::from_secs(600), || {
        received_ids(mail.path()).len() == n
    })
    .await;
    daemon.stop().await;
    let d = delivered_as_status_says(&config, mail.path());
    assert_eq!((d.sent, d.duplicates), (n, 0));
}

/// Three managers: ada's mailbox is full (452, for now), bob does not
/// exist (550, for good), carol is fine.
#[tokio::test(start_paused = true)]
async fn per_recipient_452_waits_and_550_fails_for_good() {
    let _limit = deadline("452/550", Duration::from_secs(120));
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(mail.path(), &Options::default());
    server.command("rcpt ada@example.com 452");
    server.command("rcpt bob@example.com 550");
    let mut text = String::new();
    for (m, who) in ["ada", "bob", "carol"].iter().enumerate() {
        text.push_str(&format!("[[managers]]\nemail = \"{who}@example.com\"\n"));
        for r in 0..2 {
            text.push_str(&format!(
                "  [[managers.reports]]\n  email = \"r{m}{r}@example.com\"\n  start = \"2027-03-22\"\n"
            ));
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Setup::smtp(&server.url()).write(dir.path(), &text);
    let daemon = InProcess::start(&config, Clock::virtual_at(base())).await;
    daemon.first_reconcile().await;
    assert_eq!(received_ids(mail.path()).len(), 2, "carol's, at once");
    let ledger = ledger_ids(&config);
    assert_eq!(
        ledger.get("failed").map(BTreeSet::len),
        Some(2),
        "bob's, for good"
    );
    assert_eq!(
        ledger.get("queued").map(BTreeSet::len),
        Some(2),
        "ada's, for later"
    );
    // Still full at the first retry; room at the second.
    tokio::time::sleep(Duration::from_secs(40)).await;
    assert_eq!(received_ids(mail.path()).len(), 2);
    server.command("rcpt ada@example.com 250");
    wait_until("ada's", STEP, Duration::from_secs(120), || {
        received_ids(mail.path()).len() == 4
    })
    .await;
    daemon.stop().await;
    let d = delivered_as_status_says(&config, mail.path());
    assert_eq!((d.sent, d.failed, d.duplicates), (4, 2, 0));
    let status = String::from_utf8_lossy(&harness::cli(&config, &["status"]).stdout).to_string();
    assert!(
        status.contains("550") && status.contains("to bob@example.com"),
        "{status}"
    );
}

/// A server that accepts connections and then says nothing, `where` in
/// the exchange: touchbase gives up after its 30 s timeout (real time),
/// defers, and delivers once the server answers again.
async fn stall(where_: &str) {
    let n = 3;
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(mail.path(), &Options::default());
    server.command(&format!("stall {where_}"));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Setup::smtp(&server.url()).write(dir.path(), &roster(n, "2027-03-22", ""));
    let daemon = InProcess::start(&config, Clock::virtual_at(base())).await;
    let t = Instant::now();
    daemon.first_reconcile().await;
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_secs(29) && waited < Duration::from_secs(60),
        "timed out after {waited:?}"
    );
    assert_eq!(
        daemon.metric("touchbase_messages_deferred_total").await,
        n as u64
    );
    server.command("stall off");
    wait_until("every message", STEP, Duration::from_secs(120), || {
        received_ids(mail.path()).len() == n
    })
    .await;
    daemon.stop().await;
    let d = delivered_as_status_says(&config, mail.path());
    assert_eq!((d.sent, d.duplicates), (n, 0));
}

/// Both places at once (each waits out a real 30 s timeout).
#[tokio::test(start_paused = true)]
async fn a_server_that_stalls_before_its_greeting_or_after_the_data_times_out_and_the_retry_delivers(
) {
    let _limit = deadline("stalls", Duration::from_secs(150));
    tokio::join!(stall("greeting"), stall("data"));
}

/// SIGTERM while the server holds a message in flight without answering:
/// the daemon still exits 0 within 10 s; the message stays queued and goes
/// out at the next start.
#[test]
fn sigterm_while_the_server_stalls_exits_within_10_s_and_loses_nothing() {
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(mail.path(), &Options::default());
    server.command("stall data");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Setup::smtp(&server.url()).write(dir.path(), &roster(3, &in_three_weeks(), ""));
    let daemon = Spawned::start(&config);
    std::thread::sleep(Duration::from_secs(1));
    let (status, took, log) = daemon.stop();
    assert!(status.success(), "{status:?}: {log}");
    assert!(took < Duration::from_secs(10), "exit took {took:?}");
    assert!(log.contains("did not finish"), "{log}");
    assert_eq!(
        ledger_ids(&config).get("queued").map(BTreeSet::len),
        Some(3)
    );

    server.command("stall off");
    let daemon = Spawned::start(&config);
    let t = Instant::now();
    while received_ids(mail.path()).len() < 3 {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "not sent after the restart"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, _, _) = daemon.stop();
    assert!(status.success());
    let d = delivered_as_status_says(&config, mail.path());
    assert_eq!((d.sent, d.duplicates), (3, 0));
}

/// What a new user saw: the SMTP server down when `touchbase run` starts
/// and back 5 s later, with an hourly `every`. The mail arrives at the
/// first retry (30 s after the failed attempt), not at the next tick.
#[test]
fn smtp_down_at_start_with_an_hourly_every_mail_arrives_within_35_s_of_its_return() {
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(
        mail.path(),
        &Options {
            down: true,
            ..Options::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let start = in_three_weeks();
    let config =
        harness::Setup::smtp(&server.url()).write(dir.path(), &harness::roster(4, &start, ""));
    let daemon = Spawned::start(&config);
    std::thread::sleep(Duration::from_secs(5));
    server.command("up");
    let back = Instant::now();
    while harness::received_ids(mail.path()).len() < 4 {
        assert!(
            back.elapsed() < Duration::from_secs(40),
            "no mail within 40 s of the server's return"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let took = back.elapsed();
    println!(
        "SMTP down at start, back after 5 s: mail arrived {:.1} s after the server came back",
        took.as_secs_f64()
    );
    assert!(took <= Duration::from_secs(35), "{took:?}");
    assert!(daemon.stop().0.success());
    harness::delivered_as_status_says(&config, mail.path());
}
