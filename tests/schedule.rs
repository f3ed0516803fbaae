//! When the daemon wakes, in virtual time: `touchbase::shell::daemon::run`
//! in-process on tokio's paused clock (a day passes in seconds), a real
//! aiosmtpd server that a test takes down and brings back, and real SQLite.
//! The SMTP exchanges themselves run in real time on the blocking pool,
//! during which tokio's clock stands still.
//!
//! Outages of a minute, an hour and a day, at start and in the middle of a
//! drain: the mail goes out at the first retry of the documented back-off
//! (30 s, doubling, capped at an hour) after the server is back. A meeting
//! entering `lead_days` is sent within a second of that instant; cron
//! ticks run reconciles; a wall-clock jump is caught up at once.
// The clock rule (clippy.toml) is for the library: this test reads the server's folder and steps a virtual clock.
#![allow(clippy::disallowed_methods)]

mod harness;
mod mailserver;

use std::time::Duration;

use harness::{delivered_as_status_says, received_ids, roster, wait_until, InProcess, Setup};
use jiff::{SignedDuration, Timestamp};
use mailserver::{Options, Server};
use touchbase::shell::clock::Clock;

/// Monday 1 March 2027, 09:00 UTC: the virtual clock's start.
const BASE: &str = "2027-03-01T09:00:00Z";

fn base() -> Timestamp {
    BASE.parse().expect("base")
}

/// Seconds after the first attempt at which a message that keeps failing
/// is tried again: 30 s, then doubling, capped at an hour (README).
fn retry_times(until: i64) -> Vec<i64> {
    let mut t = 0;
    let mut out = vec![0];
    for attempt in 1.. {
        t += (30_i64 << (attempt - 1).min(16)).min(3600);
        out.push(t);
        if t > until {
            break;
        }
    }
    out
}

/// The text/calendar part of a raw message.
fn calendar_of(raw: &str) -> String {
    use mail_parser::{MessageParser, MimeHeaders};
    let m = MessageParser::default()
        .parse(raw.as_bytes())
        .expect("MIME parses");
    m.parts
        .iter()
        .find(|p| {
            p.content_type()
                .is_some_and(|c| c.ctype() == "text" && c.subtype() == Some("calendar"))
        })
        .and_then(|p| p.text_contents())
        .expect("a calendar part")
        .to_string()
}

/// Seconds since `BASE` on `clock`.
fn elapsed(clock: &Clock) -> f64 {
    clock.now().duration_since(base()).as_secs_f64()
}

/// The server is down for `outage` from the start (or from the third
/// message of the first drain): everything arrives, exactly once, at the
/// first retry after it is back.
async fn outage(at_start: bool, outage: Duration) {
    let n = 6;
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(
        mail.path(),
        &Options {
            down: at_start,
            delay: 0.02,
            ..Options::default()
        },
    );
    if !at_start {
        server.command("down-after 2");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // First meetings three weeks out: the series invitations are all
    // that is due for days.
    let config = Setup::smtp(&server.url()).write(dir.path(), &roster(n, "2027-03-22", ""));
    let clock = Clock::virtual_at(base());
    let daemon = InProcess::start(&config, clock.clone()).await;

    let step = Duration::from_millis(250);
    let before = if at_start { 0 } else { 2 };
    let h = daemon.first_reconcile().await;
    assert_eq!(received_ids(mail.path()).len(), before);
    // The bug this guards against: a next_wake computed before the drain.
    let next: Timestamp = h["next_wake"]
        .as_str()
        .expect("next_wake")
        .parse()
        .expect("time");
    let retry = base() + SignedDuration::from_secs(30);
    assert!(
        next >= retry && next <= retry + SignedDuration::from_secs(1),
        "{h}"
    );
    assert_eq!(h["queue"], n - before, "{h}");

    tokio::time::sleep(outage).await;
    assert_eq!(
        received_ids(mail.path()).len(),
        before,
        "nothing while down"
    );
    server.command("up");
    let up = elapsed(&clock);
    wait_until("every message", step, Duration::from_secs(3700), || {
        received_ids(mail.path()).len() >= n
    })
    .await;
    let at = elapsed(&clock);
    let expected = retry_times(outage.as_secs() as i64)
        .into_iter()
        .find(|&t| t as f64 >= up)
        .expect("a retry after the outage") as f64;
    assert!(
        (at - expected).abs() <= 1.0,
        "outage {outage:?}: back at {up} s, sent at {at} s, the back-off says {expected} s"
    );
    assert!(
        at - up <= 3600.0 + 1.0,
        "within an hour of the server's return"
    );
    daemon.stop().await;
    let d = delivered_as_status_says(&config, mail.path());
    assert_eq!((d.sent, d.duplicates), (n, 0), "outage {outage:?}");
}

#[tokio::test(start_paused = true)]
async fn down_at_start_for_a_minute() {
    outage(true, Duration::from_secs(60)).await;
}

#[tokio::test(start_paused = true)]
async fn down_at_start_for_an_hour() {
    outage(true, Duration::from_secs(3600)).await;
}

#[tokio::test(start_paused = true)]
async fn down_at_start_for_a_day() {
    outage(true, Duration::from_secs(86_400)).await;
}

#[tokio::test(start_paused = true)]
async fn down_mid_drain_for_a_minute() {
    outage(false, Duration::from_secs(60)).await;
}

#[tokio::test(start_paused = true)]
async fn down_mid_drain_for_an_hour() {
    outage(false, Duration::from_secs(3600)).await;
}

#[tokio::test(start_paused = true)]
async fn down_mid_drain_for_a_day() {
    outage(false, Duration::from_secs(86_400)).await;
}

/// What a new user saw: the server down when `touchbase run` starts and
/// back 5 s later, with an hourly `every`. The mail must not wait for the
/// next tick.
#[tokio::test(start_paused = true)]
async fn down_at_start_with_an_hourly_every_mail_arrives_within_35_s_of_the_server_coming_back() {
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(
        mail.path(),
        &Options {
            down: true,
            ..Options::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Setup::smtp(&server.url()).write(dir.path(), &roster(4, "2027-03-22", ""));
    let clock = Clock::virtual_at(base());
    let daemon = InProcess::start(&config, clock.clone()).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    server.command("up");
    let took = wait_until(
        "the mail",
        Duration::from_millis(100),
        Duration::from_secs(3600),
        || received_ids(mail.path()).len() >= 4,
    )
    .await;
    assert!(
        took <= Duration::from_secs(35),
        "arrived {took:?} after the server came back"
    );
    daemon.stop().await;
    delivered_as_status_says(&config, mail.path());
}

/// A meeting's prompts are due `lead_days` × 24 h before it: the update
/// goes out within a second of that instant, not at the next tick.
#[tokio::test(start_paused = true)]
async fn a_meeting_entering_lead_days_is_sent_within_a_second() {
    let mail = tempfile::tempdir().expect("tempdir");
    let server = Server::start(mail.path(), &Options::default());
    let dir = tempfile::tempdir().expect("tempdir");
    // Tuesday 9 March 10:00 in London (GMT): enters the 7-day lead time on
    // Tuesday 2 March at 10:00 UTC, 25 hours after the start. A monthly
    // `every`, so that no tick comes first.
    let mut setup = Setup::smtp(&server.url());
    setup.every = "0 0 0 1 * *".into();
    let config = setup.write(dir.path(), &roster(1, "2027-03-09", ""));
    let clock = Clock::virtual_at(base());
    let daemon = InProcess::start(&config, clock.clone()).await;
    let entry: Timestamp = "2027-03-02T10:00:00Z".parse().expect("entry");
    let step = Duration::from_millis(100);
    wait_until("the series", step, Duration::from_secs(5), || {
        received_ids(mail.path()).len() == 1
    })
    .await;
    let h = daemon.health().await;
    assert_eq!(h["next_wake"], entry.to_string(), "{h}");

    let until_entry = entry.duration_since(clock.now()) - SignedDuration::from_secs(2);
    tokio::time::sleep(until_entry.unsigned_abs()).await;
    assert_eq!(received_ids(mail.path()).len(), 1, "not before its time");
    wait_until("the update", step, Duration::from_secs(10), || {
        received_ids(mail.path()).len() == 2
    })
    .await;
    let late = clock.now().duration_since(entry);
    assert!(
        late >= SignedDuration::ZERO && late <= SignedDuration::from_secs(1),
        "sent {late:#} after the lead-time entry"
    );
    let raw = mailserver::received(mail.path());
    assert!(
        calendar_of(&raw[1]).contains("RECURRENCE-ID"),
        "an occurrence update"
    );
    daemon.stop().await;
    delivered_as_status_says(&config, mail.path());
}

/// `dispatch.every` ticks run reconciles at the tick, counted from the last
/// reconcile, whatever else happens.
#[tokio::test(start_paused = true)]
async fn cron_ticks_run_reconciles() {
    let mail = tempfile::tempdir().expect("tempdir");
    let server = Server::start(mail.path(), &Options::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut setup = Setup::smtp(&server.url());
    setup.every = "0 */10 * * * *".into();
    let config = setup.write(dir.path(), &roster(2, "2027-03-22", ""));
    let clock = Clock::virtual_at(base());
    let daemon = InProcess::start(&config, clock.clone()).await;
    for tick in ["09:10:00", "09:20:00", "09:30:00"] {
        let at: Timestamp = format!("2027-03-01T{tick}Z").parse().expect("tick");
        let wait = at.duration_since(clock.now()) + SignedDuration::from_millis(500);
        tokio::time::sleep(wait.unsigned_abs()).await;
        let h = daemon.health().await;
        let last: Timestamp = h["last_reconcile"]
            .as_str()
            .expect("last")
            .parse()
            .expect("time");
        assert!(
            last >= at && last <= at + SignedDuration::from_millis(500),
            "tick {tick}: last reconcile {last}"
        );
        assert_eq!(
            h["next_wake"],
            (at + SignedDuration::from_mins(10)).to_string(),
            "{h}"
        );
    }
    let metrics = tokio::task::spawn_blocking({
        let addr = daemon.addr;
        move || harness::get(addr, "/metrics").2
    })
    .await
    .expect("metrics");
    assert!(
        metrics.contains("touchbase_reconciles_total 4\n"),
        "{metrics}"
    );
    daemon.stop().await;
    delivered_as_status_says(&config, mail.path());
}

/// The wall clock jumps two hours ahead (a resume from suspend, an NTP
/// step) while retries wait: noticed within a second, and what the jump
/// made due goes out at once. Then it is set back: a reconcile runs at
/// once, so the next tick is not hours late.
#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_is_caught_up_at_once() {
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(
        mail.path(),
        &Options {
            down: true,
            ..Options::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Setup::smtp(&server.url()).write(dir.path(), &roster(3, "2027-03-22", ""));
    let clock = Clock::virtual_at(base());
    let daemon = InProcess::start(&config, clock.clone()).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    server.command("up");
    clock.step(SignedDuration::from_hours(2));
    let took = wait_until(
        "the catch-up",
        Duration::from_millis(50),
        Duration::from_secs(30),
        || received_ids(mail.path()).len() == 3,
    )
    .await;
    assert!(
        took <= Duration::from_millis(1500),
        "caught up after {took:?}"
    );
    let h = daemon.health().await;
    let last: Timestamp = h["last_reconcile"]
        .as_str()
        .expect("last")
        .parse()
        .expect("time");
    assert!(last >= base() + SignedDuration::from_hours(2), "{h}");

    // Set back by three hours: the hourly tick counted from the last
    // reconcile would now be four hours away; the jump is noticed and a
    // reconcile runs at once, from which the ticks count again.
    clock.step(SignedDuration::from_hours(-3));
    let back = clock.now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let h = daemon.health().await;
    let last: Timestamp = h["last_reconcile"]
        .as_str()
        .expect("last")
        .parse()
        .expect("time");
    assert!(
        last >= back && last <= back + SignedDuration::from_millis(1500),
        "{h}"
    );
    let next: Timestamp = h["next_wake"]
        .as_str()
        .expect("next")
        .parse()
        .expect("time");
    assert!(next <= back + SignedDuration::from_hours(1), "{h}");
    daemon.stop().await;
    delivered_as_status_says(&config, mail.path());
}
