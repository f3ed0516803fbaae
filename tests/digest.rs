//! The weekly digest (`mail.prompts = "digest"`) in virtual time: the
//! daemon in-process on tokio's paused clock, a real aiosmtpd server and
//! real SQLite. The digest leaves at 07:00 in the manager's zone on
//! Monday, across the change to summer time (07:00 GMT, then 07:00 BST =
//! 06:00 UTC); a digest missed while the daemon was down goes out when it
//! starts again within the same week, never twice, and never once its week
//! is over; a mail server down at its time delays it, never loses it.
//! Opted-out and paused reports never appear, and no meeting's
//! prompts go out as a calendar update.
// The clock rule (clippy.toml) is for the library: this test reads the server's folder and steps a virtual clock.
#![allow(clippy::disallowed_methods)]

mod harness;
mod mailserver;

use std::time::Duration;

use harness::{delivered_as_status_says, wait_until, InProcess, Setup};
use jiff::{SignedDuration, Timestamp};
use mail_parser::{MessageParser, MimeHeaders};
use mailserver::{Options, Server};
use touchbase::shell::clock::Clock;

/// Saturday 20 March 2027, 12:00 UTC. The UK's clocks go forward on
/// Sunday 28 March.
const BASE: &str = "2027-03-20T12:00:00Z";

const ROSTER: &str = r#"
[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"
timezone = "Europe/London"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace Hopper"
  start = "2027-03-02"
  time = "10:00"
  cadence = "weekly"

  [[managers.reports]]
  email = "margaret@example.com"
  name = "Margaret Hamilton"
  timezone = "Australia/Sydney"
  start = "2027-03-04"
  time = "16:00"
  cadence = "weekly"
  location = "Room 4.02"

  [[managers.reports]]
  email = "olive@example.com"
  name = "Olive Optout"
  start = "2027-03-03"
  time = "11:00"
  cadence = "weekly"
  opt_out = true

  [[managers.reports]]
  email = "paula@example.com"
  name = "Paula Paused"
  start = "2027-03-03"
  time = "12:00"
  cadence = "weekly"
  paused_until = "2027-06-01"
"#;

fn at(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

/// One received mail: subject, text part, whether it has a calendar part.
struct Mail {
    subject: String,
    text: String,
    calendar: bool,
}

fn mails(dir: &std::path::Path) -> Vec<Mail> {
    mailserver::received(dir)
        .iter()
        .map(|raw| {
            let m = MessageParser::default()
                .parse(raw.as_bytes())
                .expect("MIME parses");
            Mail {
                subject: m.subject().unwrap_or("").to_string(),
                text: m.body_text(0).map(|t| t.to_string()).unwrap_or_default(),
                calendar: m.parts.iter().any(|p| {
                    p.content_type()
                        .is_some_and(|c| c.ctype() == "text" && c.subtype() == Some("calendar"))
                }),
            }
        })
        .collect()
}

fn digests(dir: &std::path::Path) -> Vec<Mail> {
    mails(dir).into_iter().filter(|m| !m.calendar).collect()
}

/// Sleeps on the virtual clock until `t`.
async fn sleep_until(clock: &Clock, t: Timestamp) {
    let wait = t.duration_since(clock.now());
    if wait > SignedDuration::ZERO {
        tokio::time::sleep(wait.unsigned_abs()).await;
    }
}

async fn wait_for_digests(dir: &std::path::Path, n: usize) {
    wait_until(
        "the digest",
        Duration::from_millis(100),
        Duration::from_secs(10),
        || digests(dir).len() >= n,
    )
    .await;
}

fn config(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
    let mut setup = Setup::smtp(url);
    // Monthly, so that no tick comes between the digests.
    setup.every = "0 0 0 1 * *".into();
    let path = setup.write(dir, ROSTER);
    let text = std::fs::read_to_string(&path).expect("config");
    let text = text.replace("[mail]\n", "[mail]\nprompts = \"digest\"\n");
    std::fs::write(&path, text).expect("config");
    path
}

#[tokio::test(start_paused = true)]
async fn weekly_digest_at_seven_local_across_dst_and_restarts() {
    let _deadline = harness::deadline("digest timing", Duration::from_secs(120));
    let mail = tempfile::tempdir().expect("tempdir");
    let server = Server::start(mail.path(), &Options::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url());
    let clock = Clock::virtual_at(at(BASE));

    // Saturday: the series invitations, and the wake-up set for Monday
    // 07:00 GMT.
    let daemon = InProcess::start(&config, clock.clone()).await;
    let h = daemon.first_reconcile().await;
    wait_until(
        "the invitations",
        Duration::from_millis(100),
        Duration::from_secs(10),
        || mails(mail.path()).len() >= 3,
    )
    .await;
    assert!(digests(mail.path()).is_empty(), "no digest on a Saturday");
    let h = if h["next_wake"] == "2027-03-22T07:00:00Z" {
        h
    } else {
        daemon.health().await
    };
    assert_eq!(h["next_wake"], "2027-03-22T07:00:00Z", "{h}");

    // Monday 22 March, 07:00 GMT: not a second before, then within one.
    let due = at("2027-03-22T07:00:00Z");
    sleep_until(&clock, due - SignedDuration::from_secs(2)).await;
    assert!(digests(mail.path()).is_empty(), "not before 07:00");
    wait_for_digests(mail.path(), 1).await;
    let late = clock.now().duration_since(due);
    assert!(
        late >= SignedDuration::ZERO && late <= SignedDuration::from_secs(1),
        "sent {late:#} after 07:00"
    );
    let d = &digests(mail.path())[0];
    assert_eq!(d.subject, "Your 1:1s in the week of Mon 22 Mar: 2 meetings");
    assert!(d.text.contains("Grace Hopper"), "{}", d.text);
    assert!(d.text.contains("Margaret Hamilton"), "{}", d.text);
    assert!(!d.text.contains("Olive"), "an opted-out report: {}", d.text);
    assert!(!d.text.contains("Paula"), "a paused report: {}", d.text);
    // Margaret meets at 16:00 in Sydney (AEDT, UTC+11): 05:00 in London.
    assert!(
        d.text.contains(
            "Thu 25 Mar 05:00 (Europe/London); 16:00 (Australia/Sydney) for Margaret Hamilton"
        ),
        "{}",
        d.text
    );
    // Grace's comes first: time order.
    assert!(d.text.find("Grace").expect("grace") < d.text.find("Margaret").expect("margaret"));

    // After the clocks go forward: Monday 29 March 07:00 BST is 06:00 UTC.
    let h = daemon.health().await;
    assert_eq!(h["next_wake"], "2027-03-29T06:00:00Z", "{h}");

    // Down from Sunday noon to Monday 09:00 UTC: caught up at start.
    sleep_until(&clock, at("2027-03-28T12:00:00Z")).await;
    daemon.stop().await;
    assert_eq!(digests(mail.path()).len(), 1);
    sleep_until(&clock, at("2027-03-29T09:00:00Z")).await;
    let daemon = InProcess::start(&config, clock.clone()).await;
    daemon.first_reconcile().await;
    wait_for_digests(mail.path(), 2).await;
    assert_eq!(
        digests(mail.path())[1].subject,
        "Your 1:1s in the week of Mon 29 Mar: 2 meetings"
    );

    // Started again in the same week: nothing twice.
    daemon.stop().await;
    let daemon = InProcess::start(&config, clock.clone()).await;
    daemon.first_reconcile().await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(digests(mail.path()).len(), 2, "never twice");

    // Down over the whole week of 5 April: that digest is not sent late;
    // the week of 12 April's is, at once.
    sleep_until(&clock, at("2027-04-04T12:00:00Z")).await;
    daemon.stop().await;
    sleep_until(&clock, at("2027-04-13T10:00:00Z")).await;
    let daemon = InProcess::start(&config, clock.clone()).await;
    daemon.first_reconcile().await;
    wait_for_digests(mail.path(), 3).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    let all = digests(mail.path());
    let subjects: Vec<&str> = all.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "Your 1:1s in the week of Mon 22 Mar: 2 meetings",
            "Your 1:1s in the week of Mon 29 Mar: 2 meetings",
            // Tuesday 13 April, 11:00 BST: Grace's 10:00 meeting has
            // started; what is still ahead is listed.
            "Your 1:1s in the week of Mon 12 Apr: 1 meeting",
        ]
    );
    daemon.stop().await;

    // No meeting's prompts went as a calendar update: every calendar
    // message is a series invitation.
    let calendars: Vec<String> = mails(mail.path())
        .into_iter()
        .filter(|m| m.calendar)
        .map(|m| m.subject)
        .collect();
    assert!(
        calendars.iter().all(|s| s.starts_with("1:1 with ")),
        "{calendars:?}"
    );
    delivered_as_status_says(&config, mail.path());
}

/// `mail.prompts` takes `updates` or `digest`; anything else is an error
/// located at the key, with a suggestion, and `check` names the mode.
#[test]
fn mail_prompts_is_validated_and_located() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = config(dir.path(), "smtp://127.0.0.1:25");
    let out = harness::cli(&path, &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("delivery: digest"), "{stdout}");

    let text = std::fs::read_to_string(&path)
        .expect("config")
        .replace("prompts = \"digest\"", "prompts = \"digets\"");
    std::fs::write(&path, &text).expect("config");
    let line = text
        .lines()
        .position(|l| l.starts_with("prompts"))
        .expect("line")
        + 1;
    let out = harness::cli(&path, &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "touchbase.toml:{line}:11: key `mail.prompts`: found \"digets\", expected `updates`"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `digest`?"), "{stderr}");
}

/// Mail volume for a manager with 8 weekly reports, over four weeks after
/// the invitations: reconciles every hour in virtual time (the pure core,
/// as the daemon runs it), digests as the daemon queues them. `updates`
/// sends 8 messages a week (one per meeting), `digest` 1.
#[test]
fn mail_volume_for_a_manager_with_eight_weekly_reports() {
    use std::collections::HashSet;
    use touchbase::core::events::Organizer;
    use touchbase::core::letter::{digest, Prompts};
    use touchbase::core::reconcile::{history, reconcile, Sent, Settings, Updates};
    use touchbase::core::roster;
    use touchbase::core::source::SourceText;

    let mut text = String::from(
        "[[managers]]\nemail = \"ada@example.com\"\nname = \"Ada Lovelace\"\ntimezone = \"Europe/London\"\n",
    );
    for i in 0..8 {
        // Two a day, Monday to Thursday.
        let day = 1 + i / 2;
        let time = if i % 2 == 0 { "10:00" } else { "14:00" };
        text.push_str(&format!(
            "\n  [[managers.reports]]\n  email = \"r{i}@example.com\"\n  name = \"Report {i}\"\n  start = \"2027-03-0{day}\"\n  time = \"{time}\"\n  cadence = \"weekly\"\n"
        ));
    }
    let roster = roster::parse(&SourceText::new("roster.toml", &text)).expect("roster");
    let mut weekly = Vec::new();
    for prompts in [Prompts::Updates, Prompts::Digest] {
        let settings = Settings {
            organizer: Organizer {
                name: None,
                email: "touchbase@example.com",
            },
            lead_days: 7,
            invite_reports: false,
            updates: Updates::Occurrence,
            prompts,
        };
        let mut sent = Sent::default();
        let mut digests: HashSet<(String, jiff::civil::Date)> = HashSet::new();
        // From Monday 22 February: the invitations go at once; count the
        // four weeks from Monday 8 March on.
        let mut now = at("2027-02-22T00:00:00Z");
        let from = at("2027-03-08T00:00:00Z");
        let until = at("2027-04-05T00:00:00Z");
        let mut counted = 0;
        while now < until {
            let out = reconcile(&roster, &sent, settings, now);
            sent.record(&out.series, &out.occurrences);
            let mut n = out.messages.len();
            if prompts == Prompts::Digest {
                let due = digest::due(&roster, &history(&sent), &digests, now);
                for d in &due {
                    digests.insert((d.manager.to_ascii_lowercase(), d.week));
                }
                n += due.len();
            }
            if now >= from {
                counted += n;
            }
            now += SignedDuration::from_hours(1);
        }
        weekly.push(counted as f64 / 4.0);
        eprintln!(
            "mail.prompts = {prompts:?}: {} messages per week to the manager of 8 weekly reports",
            counted as f64 / 4.0
        );
    }
    assert_eq!(weekly, [8.0, 1.0]);
}

/// In digest mode the series' own description (what a calendar shows for
/// each meeting) says where the prompts come from, and carries no
/// meeting's prompts.
#[test]
fn the_series_says_prompts_come_in_the_digest() {
    use touchbase::core::events::Organizer;
    use touchbase::core::letter::Prompts;
    use touchbase::core::reconcile::{reconcile, Kind, Sent, Settings, Updates};
    use touchbase::core::roster;
    use touchbase::core::source::SourceText;

    let roster = roster::parse(&SourceText::new("roster.toml", ROSTER)).expect("roster");
    for (prompts, says) in [
        (
            Prompts::Updates,
            "Each meeting gets its own prompts here ahead of it.",
        ),
        (
            Prompts::Digest,
            "Each week's prompts come in one mail on the first working day of the week.",
        ),
    ] {
        let settings = Settings {
            organizer: Organizer {
                name: None,
                email: "touchbase@example.com",
            },
            lead_days: 7,
            invite_reports: false,
            updates: Updates::Occurrence,
            prompts,
        };
        // Within a week of Grace's and Margaret's next meetings.
        let out = reconcile(
            &roster,
            &Sent::default(),
            settings,
            at("2027-03-20T12:00:00Z"),
        );
        let series: Vec<_> = out
            .messages
            .iter()
            .filter(|m| m.kind == Kind::NewSeries)
            .collect();
        assert_eq!(series.len(), 3, "grace, margaret and the paused paula");
        for m in series {
            let ics = m.ics.replace("\r\n ", "");
            assert!(ics.contains(says), "{prompts:?}: {ics}");
            assert_eq!(
                ics.contains("RECURRENCE-ID"),
                prompts == Prompts::Updates && !m.body.subject.contains("Paula"),
                "{prompts:?}: {ics}"
            );
        }
    }
}

/// The mail server is down at the digest's time: the digest waits in the
/// outbox and arrives once, at a retry after the server is back.
#[tokio::test(start_paused = true)]
async fn a_digest_waits_out_a_mail_server_outage() {
    let _deadline = harness::deadline("digest outage", Duration::from_secs(120));
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(mail.path(), &Options::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url());
    let clock = Clock::virtual_at(at(BASE));
    let daemon = InProcess::start(&config, clock.clone()).await;
    daemon.first_reconcile().await;
    wait_until(
        "the invitations",
        Duration::from_millis(100),
        Duration::from_secs(10),
        || mails(mail.path()).len() >= 3,
    )
    .await;
    sleep_until(&clock, at("2027-03-22T06:00:00Z")).await;
    server.command("down");
    sleep_until(&clock, at("2027-03-22T07:20:00Z")).await;
    assert!(digests(mail.path()).is_empty(), "nothing while down");
    server.command("up");
    let up = clock.now();
    wait_until(
        "the digest",
        Duration::from_millis(500),
        Duration::from_secs(3700),
        || !digests(mail.path()).is_empty(),
    )
    .await;
    let late = clock.now().duration_since(up);
    assert!(
        late <= SignedDuration::from_secs(3601),
        "within the back-off's hour: {late:#}"
    );
    tokio::time::sleep(Duration::from_secs(7200)).await;
    assert_eq!(digests(mail.path()).len(), 1, "once");
    daemon.stop().await;
    let d = delivered_as_status_says(&config, mail.path());
    assert_eq!(d.duplicates, 0);
}
