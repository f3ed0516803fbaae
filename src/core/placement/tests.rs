//! Placement tests: spreading over the week, both people's hours in their
//! own zones, cadence phases sharing a slot, `max_per_day`, the reasons a
//! pair has no slot, and slots kept from the ledger.

use jiff::civil::{date, time, Weekday};

use super::*;
use crate::core::reconcile::{SentSeries, Shape as SentShape, Who, Zone};
use crate::core::roster;
use crate::core::source::SourceText;

fn roster(text: &str) -> Roster {
    roster::parse(&SourceText::new("r.toml", text)).expect("valid roster")
}

fn placed(text: &str) -> (Roster, Placed) {
    let mut r = roster(text);
    let p = place(&mut r, &Sent::default()).expect("placed");
    (r, p)
}

fn slot(r: &Roster, report: &str) -> (Weekday, Time, Date) {
    let p = r
        .pairs
        .iter()
        .find(|p| p.report.email == report)
        .expect("pair");
    (p.start.weekday(), p.time, p.start)
}

/// What the ledger would hold after every active pair of `r` was sent.
fn sent_all(r: &Roster) -> Sent {
    let series = r
        .active_pairs()
        .map(|p| SentSeries {
            uid: p.uid.clone(),
            pair_uid: p.uid.clone(),
            manager: Who::new(&p.manager.email, &p.manager.name),
            report: Who::new(&p.report.email, &p.report.name),
            sequence: 0,
            state: SeriesState::Active,
            shape: SentShape {
                anchor: p.start,
                time: p.time,
                cadence: p.cadence,
                duration_minutes: p.duration_minutes,
                zone: Zone {
                    name: p.timezone.clone(),
                    tz: p.tz.clone(),
                },
            },
            first_date: p.start,
            until_date: None,
            paused_until: None,
            paused_from: None,
            location: String::new(),
            fingerprint: String::new(),
        })
        .collect();
    Sent {
        series,
        occurrences: Vec::new(),
    }
}

const THREE: &str = r#"
[defaults]
time = "auto"
cadence = "weekly"
timezone = "Europe/London"

[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-04"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-01-04"

  [[managers.reports]]
  email = "edsger@example.com"
  start = "2027-01-06"
"#;

#[test]
fn three_reports_spread_over_the_week() {
    let (r, p) = placed(THREE);
    assert_eq!(
        slot(&r, "grace@example.com"),
        (Weekday::Monday, time(9, 0, 0, 0), date(2027, 1, 4))
    );
    assert_eq!(
        slot(&r, "alan@example.com"),
        (Weekday::Tuesday, time(9, 0, 0, 0), date(2027, 1, 5))
    );
    // The first Wednesday on or after its start.
    assert_eq!(
        slot(&r, "edsger@example.com"),
        (Weekday::Wednesday, time(9, 0, 0, 0), date(2027, 1, 6))
    );
    assert_eq!(p.load, vec![[1, 1, 1, 0, 0, 0, 0]]);
    assert!(p.moved.is_empty());
}

#[test]
fn a_start_later_in_the_week_takes_the_next_week_for_earlier_days() {
    let text = THREE.replace("2027-01-04", "2027-01-07");
    let (r, _) = placed(&text);
    assert_eq!(slot(&r, "grace@example.com").2, date(2027, 1, 11));
}

#[test]
fn both_people_s_hours_hold_in_their_own_zones() {
    let text = r#"
[defaults]
time = "auto"
cadence = "weekly"

[[managers]]
email = "ada@example.com"
timezone = "Europe/London"
hours = "Mon-Fri 09:00-17:00"

  [[managers.reports]]
  email = "grace@example.com"
  timezone = "America/New_York"
  hours = "Mon-Fri 10:00-18:00"
  start = "2027-01-04"
"#;
    let (r, _) = placed(text);
    // New York 10:00 is London 15:00 in winter and summer alike (both
    // switch), but in March New York switches three weeks earlier: London
    // 14:00 then, so 10:00 New York works every week of the year.
    let (day, t, _) = slot(&r, "grace@example.com");
    assert_eq!((day, t), (Weekday::Monday, time(10, 0, 0, 0)));
}

#[test]
fn hours_that_never_meet_say_so() {
    let text = r#"
[defaults]
time = "auto"

[[managers]]
email = "ada@example.com"
timezone = "Europe/London"

  [[managers.reports]]
  email = "grace@example.com"
  timezone = "Australia/Sydney"
  start = "2027-01-04"
"#;
    let mut r = roster(text);
    let err = place(&mut r, &Sent::default()).expect_err("no common hours");
    assert_eq!(
        err,
        vec![Unplaced {
            pair: 0,
            reason: Reason::NoCommonHours
        }]
    );
}

#[test]
fn max_per_day_fills_the_week_then_refuses() {
    let text = r#"
[defaults]
time = "auto"
cadence = "weekly"
duration_minutes = 60

[[managers]]
email = "ada@example.com"
max_per_day = 1
hours = "Mon-Tue 09:00-17:00"

  [[managers.reports]]
  email = "a@example.com"
  start = "2027-01-04"

  [[managers.reports]]
  email = "b@example.com"
  start = "2027-01-04"

  [[managers.reports]]
  email = "c@example.com"
  start = "2027-01-04"
"#;
    let mut r = roster(text);
    let err = place(&mut r, &Sent::default()).expect_err("week full");
    assert_eq!(
        err,
        vec![Unplaced {
            pair: 2,
            reason: Reason::WeekFull { max_per_day: 1 }
        }]
    );
}

#[test]
fn alternate_weeks_share_a_slot_and_weekly_ones_do_not() {
    let team = |cadence: &str| {
        format!(
            r#"
[defaults]
time = "auto"
cadence = "{cadence}"

[[managers]]
email = "ada@example.com"
hours = "Mon 09:00-09:30"

  [[managers.reports]]
  email = "a@example.com"
  start = "2027-01-04"

  [[managers.reports]]
  email = "b@example.com"
  start = "2027-01-11"
"#
        )
    };
    let (r, _) = placed(&team("biweekly"));
    assert_eq!(slot(&r, "a@example.com").1, time(9, 0, 0, 0));
    assert_eq!(slot(&r, "b@example.com").1, time(9, 0, 0, 0));
    // Every three weeks and every two weeks meet in the same week sooner or later.
    let mut r = roster(&team("weekly"));
    let err = place(&mut r, &Sent::default()).expect_err("taken");
    assert_eq!(err[0].reason, Reason::Taken);
    let mixed = team("biweekly").replacen(
        "start = \"2027-01-11\"",
        "start = \"2027-01-11\"\n  cadence = \"every 3 weeks\"",
        1,
    );
    let mut r = roster(&mixed);
    assert_eq!(
        place(&mut r, &Sent::default()).expect_err("taken")[0].reason,
        Reason::Taken
    );
}

#[test]
fn a_manager_who_is_a_report_keeps_both_sides_apart() {
    let text = r#"
[defaults]
time = "auto"
cadence = "weekly"

[[managers]]
email = "ada@example.com"
hours = "Mon 09:00-10:00"

  [[managers.reports]]
  email = "bob@example.com"
  start = "2027-01-04"

[[managers]]
email = "bob@example.com"

  [[managers.reports]]
  email = "carol@example.com"
  start = "2027-01-04"
"#;
    let (r, _) = placed(text);
    assert_eq!(slot(&r, "bob@example.com").1, time(9, 0, 0, 0));
    // Bob leads no 1:1 yet, so Monday is his least-loaded day; his own
    // 1:1 with Ada takes 09:00 there, so Carol's comes after it.
    assert_eq!(
        slot(&r, "carol@example.com"),
        (Weekday::Monday, time(9, 30, 0, 0), date(2027, 1, 4))
    );
}

#[test]
fn fixed_times_are_facts_around_which_auto_pairs_go() {
    let text = r#"
[defaults]
cadence = "weekly"

[[managers]]
email = "ada@example.com"
hours = "Mon 09:00-10:00"

  [[managers.reports]]
  email = "a@example.com"
  start = "2027-01-04"
  time = "auto"

  [[managers.reports]]
  email = "b@example.com"
  start = "2027-01-04"
  time = "09:00"
"#;
    let (r, _) = placed(text);
    assert_eq!(slot(&r, "a@example.com").1, time(9, 30, 0, 0));
}

#[test]
fn sent_slots_stay_when_pairs_come_and_go() {
    let (before, _) = placed(THREE);
    let sent = sent_all(&before);
    // A new report listed first would take Monday 09:00 on a blank ledger.
    let text = THREE.replacen(
        "  [[managers.reports]]\n  email = \"grace@example.com\"",
        "  [[managers.reports]]\n  email = \"new@example.com\"\n  start = \"2027-01-04\"\n\n  [[managers.reports]]\n  email = \"grace@example.com\"",
        1,
    );
    let mut after = roster(&text);
    let p = place(&mut after, &sent).expect("placed");
    for who in [
        "grace@example.com",
        "alan@example.com",
        "edsger@example.com",
    ] {
        assert_eq!(slot(&after, who), slot(&before, who), "{who}");
    }
    assert_eq!(slot(&after, "new@example.com").0, Weekday::Thursday);
    assert!(p.moved.is_empty());
}

#[test]
fn a_sent_slot_that_no_longer_fits_moves() {
    let (before, _) = placed(THREE);
    let sent = sent_all(&before);
    // Monday leaves Ada's hours: Grace's Monday 09:00 cannot stay.
    let text = THREE.replacen(
        "email = \"ada@example.com\"",
        "email = \"ada@example.com\"\nhours = \"Tue-Fri 09:00-17:00\"",
        1,
    );
    let mut after = roster(&text);
    let p = place(&mut after, &sent).expect("placed");
    assert_eq!(p.moved, vec![0]);
    assert_eq!(
        slot(&after, "alan@example.com"),
        slot(&before, "alan@example.com")
    );
    assert_eq!(slot(&after, "grace@example.com").0, Weekday::Thursday);
}

#[test]
fn kathmandu_and_eucla_offsets_stay_on_the_grid() {
    let text = r#"
[defaults]
time = "auto"
cadence = "weekly"
hours = "Mon-Fri 08:00-20:00"

[[managers]]
email = "ada@example.com"
timezone = "Asia/Kathmandu"

  [[managers.reports]]
  email = "grace@example.com"
  timezone = "Australia/Eucla"
  start = "2027-01-04"
"#;
    let (r, _) = placed(text);
    // Eucla is three hours ahead of Kathmandu: 11:00 in Eucla is 08:00 there.
    assert_eq!(
        slot(&r, "grace@example.com"),
        (Weekday::Monday, time(11, 0, 0, 0), date(2027, 1, 4))
    );
}

#[test]
fn hours_and_max_per_day_errors_are_located() {
    let text = r#"
[defaults]
hours = "Mon-Fry 09:00-17:00"
max_per_day = 0

[[managers]]
email = "ada@example.com"
hours = "Mon 17:00-09:00"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-04"
  time = "sometime"
  max_per_day = 3
"#;
    let err = roster::parse(&SourceText::new("r.toml", text)).expect_err("errors");
    let lines: Vec<String> = err.0.iter().map(|e| e.to_string()).collect();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    assert!(lines[0].starts_with("r.toml:3:9: key `defaults.hours`: found \"Mon-Fry 09:00-17:00\" (\"Fry\" is not a day), expected working hours such as"), "{}", lines[0]);
    assert!(lines[1].starts_with("r.toml:4:15: key `defaults.max_per_day`: found 0, expected a whole number of 1:1s from 1 to 96"), "{}", lines[1]);
    assert!(lines[2].starts_with("r.toml:8:9: key `managers[0].hours`: found \"Mon 17:00-09:00\" (\"17:00-09:00\" ends before it starts"), "{}", lines[2]);
    assert!(lines.iter().any(|l| l.starts_with("r.toml:14:17: key `managers[0].reports[0].max_per_day`: found 3, expected `max_per_day` under the manager or in [defaults]")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("r.toml:13:10: key `managers[0].reports[0].time`: found \"sometime\", expected a time of day as \"HH:MM\" (24-hour clock, 00:00 to 23:59), or \"auto\"")), "{lines:#?}");
}

fn audit(text: &str, from: Date, weeks: u32) -> Vec<String> {
    let r = roster(text);
    audit::warnings(&r, crate::core::schedule::Window::weeks(from, weeks))
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn check_names_the_dates_and_both_pairs_of_an_overlap() {
    // Bob manages Carol at 10:00 on Tuesdays and meets Ada, his own
    // manager, at 10:15 every other Tuesday.
    let text = r#"
[defaults]
timezone = "Europe/London"

[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "bob@example.com"
  start = "2027-01-05"
  time = "10:15"
  cadence = "biweekly"

[[managers]]
email = "bob@example.com"

  [[managers.reports]]
  email = "carol@example.com"
  start = "2027-01-05"
  time = "10:00"
  cadence = "weekly"
"#;
    let w = audit(text, date(2027, 1, 1), 8);
    assert_eq!(
        w,
        vec![
            "r.toml:18:11: bob@example.com has two 1:1s at once: ada@example.com with bob@example.com (10:15 Europe/London) and bob@example.com with carol@example.com (10:00 Europe/London) overlap on 2027-01-05, 2027-01-19, 2027-02-02 and 1 more date"
        ]
    );
    // Moved to 10:30, the two only touch.
    assert!(audit(&text.replace("10:15", "10:30"), date(2027, 1, 1), 8).is_empty());
}

#[test]
fn check_names_meetings_outside_either_person_s_hours() {
    let text = r#"
[[managers]]
email = "ada@example.com"
timezone = "Europe/London"

  [[managers.reports]]
  email = "grace@example.com"
  timezone = "America/New_York"
  start = "2027-01-04"
  time = "05:15"
  cadence = "weekly"
"#;
    let w = audit(text, date(2027, 1, 1), 2);
    assert_eq!(
        w,
        vec![
            "r.toml:7:11: the 1:1 of ada@example.com with grace@example.com at 05:15 America/New_York falls outside grace@example.com's hours (in America/New_York) on 2027-01-04, 2027-01-11"
        ]
    );
    // 08:00 in New York is 13:00 in London: inside both.
    assert!(audit(&text.replace("05:15", "08:00"), date(2027, 1, 1), 2).len() == 1);
    assert!(audit(&text.replace("05:15", "09:00"), date(2027, 1, 1), 2).is_empty());
}

#[test]
fn a_slot_that_moves_after_meetings_were_held_moves_from_the_next_one() {
    use crate::core::events::Organizer;
    use crate::core::reconcile::{reconcile, Kind, Settings, Updates};
    let settings = Settings {
        organizer: Organizer {
            name: None,
            email: "touchbase@example.org",
        },
        lead_days: 7,
        invite_reports: false,
        updates: Updates::Occurrence,
        prompts: Default::default(),
    };
    let text = r#"
[defaults]
time = "auto"
cadence = "weekly"

[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-04"
"#;
    let (before, _) = placed(text);
    let mut sent = Sent::default();
    let first = reconcile(
        &before,
        &sent,
        settings,
        "2027-01-01T00:00:00Z".parse().expect("ts"),
    );
    sent.record(&first.series, &first.occurrences);
    // Three Mondays later Ada stops taking 1:1s on Mondays.
    let mut after = roster(&text.replacen(
        "email = \"ada@example.com\"",
        "email = \"ada@example.com\"\nhours = \"Tue-Fri 09:00-17:00\"",
        1,
    ));
    let p = place(&mut after, &sent).expect("placed");
    assert_eq!(p.moved, vec![0]);
    assert_eq!(slot(&after, "grace@example.com").0, Weekday::Tuesday);
    let now = "2027-01-19T12:00:00Z".parse().expect("ts");
    let out = reconcile(&after, &sent, settings, now);
    let kinds: Vec<Kind> = out.messages.iter().map(|m| m.kind).collect();
    assert!(kinds.contains(&Kind::EndSeries), "{kinds:?}");
    assert!(kinds.contains(&Kind::NewSeries), "{kinds:?}");
    // The Mondays held stay in the old series; the new one starts on the
    // first Tuesday not yet held.
    let ended = out
        .series
        .iter()
        .find(|s| s.state == SeriesState::Ended)
        .expect("old series ended");
    assert_eq!(ended.until_date, Some(date(2027, 1, 25)));
    let new = out
        .series
        .iter()
        .find(|s| s.state == SeriesState::Active)
        .expect("new series");
    assert_eq!(new.first_date, date(2027, 1, 26));
    assert_eq!(new.shape.time, time(9, 0, 0, 0));
}
