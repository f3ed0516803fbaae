//! Days off in mail: a meeting on a day off is an `EXDATE` of the series,
//! never gets its own update, and one already sent is cancelled; the
//! prompt rotation counts only the meetings that take place.

use jiff::civil::date;

use super::*;
use crate::core::daysoff::{DaysOff, Event};
use crate::core::plan::pair_meetings;
use crate::core::schedule::Window;

const WITH_CALENDAR: &str = r#"
[defaults]
calendars = ["uk"]

[[calendars]]
id = "uk"
source = "uk.ics"
kind = "holidays"
"#;

fn with_days_off(text: &str, days: &[jiff::civil::Date]) -> Roster {
    let mut r = roster(text);
    let d = DaysOff {
        events: days.iter().map(|&d| Event { first: d, last: d }).collect(),
        days: days.to_vec(),
    };
    r.apply_days_off(&[Some(&d)]);
    r
}

fn run(r: &Roster, snap: Snapshot, now: &str, updates: Updates) -> (Outcome, Snapshot) {
    let mut s = settings(false);
    s.updates = updates;
    let out = reconcile(r, &snap, s, at(now));
    let next = apply(snap, &out);
    (out, next)
}

#[test]
fn a_day_off_is_an_exdate_and_never_gets_an_update() {
    let text = format!("{WITH_CALENDAR}{BASE}");
    let r = with_days_off(&text, &[date(2027, 1, 19)]);
    let (out, mut snap) = run(
        &r,
        Snapshot::default(),
        "2026-12-01T00:00:00Z",
        Updates::Occurrence,
    );
    assert_eq!(kinds(&out), [(Kind::NewSeries, 0, "ada@example.com")]);
    assert!(
        out.messages[0]
            .ics
            .contains("EXDATE;TZID=Europe/London:20270119T093000\r\n"),
        "{}",
        out.messages[0].ics
    );
    // Walk past the day off: updates for the 12th and the 26th, none for the 19th.
    let mut rids = Vec::new();
    for now in [
        "2027-01-05T10:00:00Z",
        "2027-01-12T10:00:00Z",
        "2027-01-19T10:00:00Z",
    ] {
        let (out, next) = run(&r, snap, now, Updates::Occurrence);
        snap = next;
        for m in &out.messages {
            assert_eq!(m.kind, Kind::Occurrence);
            rids.extend(m.recurrence_id.clone());
        }
    }
    assert_eq!(rids, ["20270112T093000", "20270126T093000"]);
}

#[test]
fn a_day_off_learned_late_takes_the_meeting_off() {
    let plain = roster(BASE);
    let (_, snap) = run(
        &plain,
        Snapshot::default(),
        "2026-12-01T00:00:00Z",
        Updates::Occurrence,
    );
    let (out, snap) = run(&plain, snap, "2027-01-12T10:00:00Z", Updates::Occurrence);
    assert_eq!(
        out.messages[0].recurrence_id.as_deref(),
        Some("20270119T093000")
    );
    // The holiday calendar arrives: the series gets the EXDATE and, in
    // `occurrence` mode, the update already sent is cancelled.
    let text = format!("{WITH_CALENDAR}{BASE}");
    let r = with_days_off(&text, &[date(2027, 1, 19)]);
    let (out, _) = run(
        &r,
        snap.clone(),
        "2027-01-12T11:00:00Z",
        Updates::Occurrence,
    );
    let got: Vec<_> = out
        .messages
        .iter()
        .map(|m| (m.kind, m.recurrence_id.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (Kind::UpdateSeries, None),
            (Kind::CancelOccurrence, Some("20270119T093000"))
        ]
    );
    assert!(out.messages[0]
        .ics
        .contains("EXDATE;TZID=Europe/London:20270119T093000\r\n"));
    assert!(!out.messages[0]
        .ics
        .contains("RECURRENCE-ID;TZID=Europe/London:20270119"));
    // `series` mode: the whole object alone, without that meeting.
    let (out, _) = run(&r, snap, "2027-01-12T11:00:00Z", Updates::Series);
    assert_eq!(kinds(&out), [(Kind::UpdateSeries, 2, "ada@example.com")]);
    assert!(out.messages[0]
        .ics
        .contains("EXDATE;TZID=Europe/London:20270119T093000\r\n"));
}

#[test]
fn prompts_skip_no_number_for_a_day_off() {
    let window = Window::weeks(date(2027, 1, 1), 8);
    let plain = roster(BASE);
    let before: Vec<_> = pair_meetings(&plain.pairs[0], window)
        .into_iter()
        .map(|m| (m.local.date(), m.number, m.prompts))
        .collect();
    let text = format!("{WITH_CALENDAR}{BASE}");
    let r = with_days_off(&text, &[date(2027, 1, 19), date(2027, 2, 2)]);
    let after: Vec<_> = pair_meetings(&r.pairs[0], window)
        .into_iter()
        .map(|m| (m.local.date(), m.number, m.prompts))
        .collect();
    let dates: Vec<_> = after.iter().map(|a| a.0).collect();
    assert!(!dates.contains(&date(2027, 1, 19)) && !dates.contains(&date(2027, 2, 2)));
    assert_eq!(after.len(), before.len() - 2);
    // Numbers run on without a gap, and each meeting has the prompts the
    // meeting with its number had before: none is lost to a day off.
    for (i, (_, number, prompts)) in after.iter().enumerate() {
        assert_eq!(*number as usize, i);
        assert_eq!(prompts, &before[i].2);
    }
}
