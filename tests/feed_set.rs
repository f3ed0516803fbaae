//! A batch render (`FeedSet`) gives every person byte for byte the document
//! `feed::render` gives them alone: across DST, pauses, opt-outs, escapes,
//! series history, people who are both manager and report, and windows
//! that start before or after the series do.

mod common;

use common::rosters;
use jiff::civil::{date, time};
use jiff::Timestamp;
use touchbase::core::cadence::Cadence;
use touchbase::core::events::Organizer;
use touchbase::core::feed::{self, FeedSet, UnknownPerson};
use touchbase::core::roster::{self, Roster};
use touchbase::core::schedule::Window;
use touchbase::core::series::{History, PastSeries};
use touchbase::core::source::SourceText;

const ORG: Organizer<'static> = Organizer {
    name: Some("Touchbase, the 1:1 keeper"),
    email: "touchbase@example.com",
};

/// A manager who also reports to someone, and a manager with no reports.
const CHAIN: &str = r#"
[defaults]
prompts_per_meeting = 2

[[managers]]
email = "ada@example.com"
name = "Ada"
timezone = "Europe/London"
  [[managers.reports]]
  email = "Grace@Example.com"
  name = "Grace"
  start = "2027-01-04"
  time = "09:30"
  cadence = "weekly"

[[managers]]
email = "grace@example.com"
name = "Grace Hopper"
timezone = "America/New_York"
  [[managers.reports]]
  email = "alan@example.com"
  name = "Alan"
  start = "2027-02-10"
  time = "01:30"
  cadence = "biweekly"
  [[managers.reports]]
  email = "radia@example.com"
  name = "Radia"
  start = "2026-11-02"
  time = "16:00"
  cadence = "monthly"
  timezone = "Australia/Lord_Howe"

[[managers]]
email = "idle@example.com"
name = "Idle; Manager"
timezone = "Asia/Tokyo"
"#;

fn load(text: &str) -> Roster {
    roster::parse(&SourceText::new("roster.toml", text)).unwrap()
}

/// Grace's pair (in the DST roster) had two earlier series.
fn history_for(roster: &Roster) -> History {
    let pair = roster
        .pairs
        .iter()
        .find(|p| p.report.is("grace@example.com"))
        .unwrap();
    let ny = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let mut h = History::new();
    for (uid, from, until, weeks) in [
        (pair.uid.as_str(), date(2027, 1, 3), date(2027, 3, 1), 2),
        (
            "second-series@touchbase",
            date(2027, 3, 1),
            date(2027, 5, 3),
            1,
        ),
    ] {
        h.push(
            &pair.uid,
            PastSeries {
                uid: uid.into(),
                start: date(2027, 1, 3),
                from,
                time: time(10 + weeks as i8, 0, 0, 0),
                cadence: Cadence::Weeks(weeks),
                duration_minutes: 30 * u32::from(weeks),
                timezone: "America/New_York".into(),
                tz: ny.clone(),
                until,
            },
        );
    }
    h
}

/// Every address the roster mentions, each in two spellings, plus one it
/// does not: the batch must answer exactly as the single render does.
fn addresses(roster: &Roster) -> Vec<String> {
    let mut all: Vec<String> = roster
        .managers
        .iter()
        .map(|m| m.person.email.clone())
        .chain(roster.pairs.iter().map(|p| p.report.email.clone()))
        .collect();
    all.extend(
        all.clone()
            .iter()
            .map(|e| format!(" {} ", e.to_uppercase())),
    );
    all.push("stranger@example.com".into());
    all
}

fn assert_same(roster: &Roster, history: &History, window: Window, now: Timestamp) -> usize {
    let set = FeedSet::render(roster, history, window, ORG, now);
    // Split over threads, pairs land in other parts and other chunks.
    let split = FeedSet::render_on(roster, history, window, ORG, now, 3);
    let mut compared = 0;
    let mut buf = String::from("left over from an earlier feed\r\n");
    for email in addresses(roster) {
        let alone = feed::render(roster, history, &email, window, ORG, now);
        let batch = set.get(&email);
        assert_eq!(batch, alone, "{email} in {window:?}");
        assert_eq!(split.get(&email), alone, "{email} rendered on 3 threads");
        let written = set.write_to(&email, &mut buf).map(|()| buf.clone());
        assert_eq!(written, alone, "{email} into a reused buffer");
        if alone.is_ok() {
            compared += 1;
        }
    }
    let mut emails: Vec<&str> = set.emails().collect();
    emails.sort_unstable();
    emails.dedup();
    assert_eq!(emails.len(), set.len());
    compared
}

#[test]
fn batch_matches_single_renders() {
    let now: Timestamp = "2027-02-20T12:34:56Z".parse().unwrap();
    let windows = [
        Window::weeks(date(2027, 1, 1), 53),
        Window::weeks(date(2027, 3, 1), 12),
        Window::weeks(date(2026, 10, 5), 4),
        Window::weeks(date(2028, 6, 1), 8),
    ];
    let mut compared = 0;
    for text in [rosters::DST, rosters::ESCAPES, CHAIN] {
        let roster = load(text);
        for window in windows {
            compared += assert_same(&roster, &History::new(), window, now);
        }
    }
    let roster = load(rosters::DST);
    let history = history_for(&roster);
    for window in windows {
        compared += assert_same(&roster, &history, window, now);
    }
    // The loops saw real feeds, not only unknown addresses.
    assert!(compared > 40, "compared {compared} documents");
}

#[test]
fn opted_out_and_unknown_are_the_same_error() {
    let roster = load(rosters::DST);
    let now: Timestamp = "2027-02-20T12:34:56Z".parse().unwrap();
    let set = FeedSet::render(
        &roster,
        &History::new(),
        Window::weeks(date(2027, 1, 1), 12),
        ORG,
        now,
    );
    let opted = roster
        .pairs
        .iter()
        .find(|p| !p.is_active())
        .expect("the DST roster has an opted-out report");
    assert_eq!(
        set.get(&opted.report.email),
        Err(UnknownPerson(opted.report.email.clone()))
    );
    assert!(!set.is_empty());
}
