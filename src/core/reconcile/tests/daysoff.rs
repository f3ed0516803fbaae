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

const NEXT_DAY: &str = r#"
[defaults]
calendars = ["uk"]
on_day_off = "next_day"

[[calendars]]
id = "uk"
source = "uk.ics"
kind = "holidays"
"#;

#[test]
fn next_day_moves_the_meeting_with_an_override_in_every_mail_form() {
    let text = format!("{NEXT_DAY}{BASE}");
    // Tuesday 19 January off: the meeting moves to Wednesday 20th, 09:30.
    let r = with_days_off(&text, &[date(2027, 1, 19)]);
    for updates in [Updates::Occurrence, Updates::Series] {
        let (out, snap) = run(&r, Snapshot::default(), "2026-12-01T00:00:00Z", updates);
        assert_eq!(kinds(&out), [(Kind::NewSeries, 0, "ada@example.com")]);
        let ics = out.messages[0].ics.replace("\r\n ", "");
        assert!(!ics.contains("EXDATE"), "{ics}");
        let at = ics
            .find("RECURRENCE-ID;TZID=Europe/London:20270119T093000\r\n")
            .unwrap_or_else(|| panic!("{ics}"));
        let event = &ics[ics[..at].rfind("BEGIN:VEVENT").unwrap()..];
        let event = &event[..event.find("END:VEVENT").unwrap()];
        assert!(
            event.contains("DTSTART;TZID=Europe/London:20270120T093000\r\n"),
            "{event}"
        );
        // When its prompts fall due nothing more is sent for it: the
        // override already carries them.
        let (out, _) = run(&r, snap, "2027-01-12T10:00:00Z", updates);
        assert!(
            out.messages
                .iter()
                .all(|m| m.recurrence_id.as_deref() != Some("20270119T093000")),
            "{:?}",
            kinds(&out)
        );
    }
}

#[test]
fn next_day_without_a_free_day_before_the_next_meeting_skips() {
    let text = format!("{NEXT_DAY}{BASE}");
    // A week off from Tuesday 19th: no working day is free before the
    // next meeting (Tuesday 26th), so the 19th is skipped.
    let off: Vec<_> = (19..=25).map(|d| date(2027, 1, d)).collect();
    let r = with_days_off(&text, &off);
    let (out, _) = run(
        &r,
        Snapshot::default(),
        "2026-12-01T00:00:00Z",
        Updates::Occurrence,
    );
    assert!(out.messages[0]
        .ics
        .contains("EXDATE;TZID=Europe/London:20270119T093000\r\n"));
    let window = Window::weeks(date(2027, 1, 1), 6);
    let dates: Vec<_> = pair_meetings(&r.pairs[0], window)
        .into_iter()
        .map(|m| m.local.date())
        .collect();
    assert!(!dates.contains(&date(2027, 1, 19)));
    assert!(dates.contains(&date(2027, 1, 26)));
}

#[test]
fn a_moved_meeting_keeps_its_number_and_prompts() {
    let window = Window::weeks(date(2027, 1, 1), 8);
    let plain = roster(BASE);
    let before: Vec<_> = pair_meetings(&plain.pairs[0], window)
        .into_iter()
        .map(|m| (m.number, m.prompts))
        .collect();
    let text = format!("{NEXT_DAY}{BASE}");
    // Friday-style move over a weekend is covered in `next_day`'s own
    // tests; here Tuesday 2 February moves to Wednesday 3rd.
    let r = with_days_off(&text, &[date(2027, 2, 2)]);
    let after = pair_meetings(&r.pairs[0], window);
    let moved = after
        .iter()
        .find(|m| m.recurrence.date() == date(2027, 2, 2))
        .expect("the meeting is still there");
    assert_eq!(moved.local.date(), date(2027, 2, 3));
    assert_eq!(moved.local.time(), jiff::civil::time(9, 30, 0, 0));
    let numbers: Vec<_> = after
        .iter()
        .map(|m| (m.number, m.prompts.clone()))
        .collect();
    assert_eq!(numbers, before);
}
