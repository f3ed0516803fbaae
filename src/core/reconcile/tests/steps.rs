//! Each step of the reconciler as a table: the step alone, on a state that
//! a whole reconcile (the tests above) left.

use std::collections::HashSet;

use jiff::civil::date;

use super::super::{draft, ended, objects, stops, Index};
use super::*;
use crate::core::series::History;

/// The sent state after the first reconcile of `text` at `now`.
fn sent_after(text: &str, now: &str) -> Snapshot {
    step(text, Snapshot::default(), now).1
}

#[test]
fn cut_finds_the_first_meeting_not_yet_held() {
    let sent = sent_after(BASE, "2026-12-01T00:00:00Z");
    let s = &sent.series[0];
    // (now, first date not held, whether one was held before it)
    let table = [
        ("2026-12-01T00:00:00Z", date(2027, 1, 5), false),
        ("2027-01-05T09:30:00Z", date(2027, 1, 5), false),
        ("2027-01-05T09:30:01Z", date(2027, 1, 12), true),
        ("2027-01-13T00:00:00Z", date(2027, 1, 19), true),
        // British summer time: 09:30 local is 08:30 UTC.
        ("2027-04-06T08:29:59Z", date(2027, 4, 6), true),
        ("2027-04-06T08:30:01Z", date(2027, 4, 13), true),
    ];
    for (now, first, held) in table {
        assert_eq!(ended::cut(s, at(now)), Some((first, held)), "{now}");
    }
}

#[test]
fn split_changed_ends_a_series_only_when_its_shape_changed_after_a_meeting() {
    let sent = sent_after(BASE, "2026-12-01T00:00:00Z");
    let with = |old: &str, new: &str| BASE.replace(old, new);
    let start = "start = \"2027-01-05\"";
    // (roster, now, the date the old series ends before; None: not ended)
    let table = [
        (BASE.to_string(), "2027-01-20T12:00:00Z", None),
        (
            with(
                "cadence = \"weekly\"",
                "cadence = \"weekly\"\n  location = \"Room 1\"",
            ),
            "2027-01-20T12:00:00Z",
            None,
        ),
        (with("\"09:30\"", "\"15:00\""), "2026-12-02T00:00:00Z", None),
        (
            with("\"09:30\"", "\"15:00\""),
            "2027-01-20T12:00:00Z",
            Some(date(2027, 1, 26)),
        ),
        (
            with("\"weekly\"", "\"biweekly\""),
            "2027-01-13T12:00:00Z",
            Some(date(2027, 1, 19)),
        ),
        (
            with(start, "start = \"2027-01-05\"\n  timezone = \"Asia/Tokyo\""),
            "2027-01-13T12:00:00Z",
            Some(date(2027, 1, 19)),
        ),
        (
            with(start, "start = \"2027-01-05\"\n  duration_minutes = 45"),
            "2027-01-13T12:00:00Z",
            Some(date(2027, 1, 19)),
        ),
    ];
    for (text, now, until) in table {
        let r = roster(&text);
        let pair = r.active_pairs().next().expect("a pair");
        let index = Index::new(&sent);
        let mut history = History::new();
        ended::split_changed(pair, index.active_of(&pair.uid), at(now), &mut history);
        let past: Vec<_> = history.of(pair).series.iter().map(|p| p.until).collect();
        assert_eq!(past, until.into_iter().collect::<Vec<_>>(), "{now}: {text}");
    }
}

#[test]
fn a_pause_is_recorded_from_the_first_meeting_not_yet_held() {
    let paused = |until: &str| {
        BASE.replace(
            "cadence = \"weekly\"",
            &format!("cadence = \"weekly\"\n  paused_until = \"{until}\""),
        )
    };
    // (roster, now, recorded before, recorded after)
    let table = [
        (BASE.to_string(), "2027-01-13T00:00:00Z", None, None),
        (
            paused("2027-03-01"),
            "2026-12-01T00:00:00Z",
            None,
            Some(date(2027, 1, 5)),
        ),
        (
            paused("2027-03-01"),
            "2027-01-13T00:00:00Z",
            None,
            Some(date(2027, 1, 19)),
        ),
        // Recorded once: later reconciles keep the first answer.
        (
            paused("2027-03-01"),
            "2027-02-13T00:00:00Z",
            Some(date(2027, 1, 19)),
            Some(date(2027, 1, 19)),
        ),
    ];
    for (text, now, before, after) in table {
        let r = roster(&text);
        let pair = r.active_pairs().next().expect("a pair");
        let mut history = History::new();
        if let Some(d) = before {
            history.pause_from(&pair.uid, d);
        }
        ended::observe_pause(pair, at(now), &mut history);
        assert_eq!(history.of(pair).paused_from, after, "{now}: {text}");
    }
}

/// Runs step 2 for the one pair of `text` against `sent` at `now`.
fn objects_step(text: &str, sent: &Snapshot, now: &str, updates: Updates) -> Vec<(Kind, u32)> {
    let r = roster(text);
    let pair = r.active_pairs().next().expect("a pair");
    let mut ctx = draft::Ctx::new(
        Settings {
            updates,
            ..settings(false)
        },
        at(now),
    );
    let index = Index::new(sent);
    let mut history = super::super::history(sent);
    ended::observe_pause(pair, at(now), &mut history);
    let horizon = at(now)
        .checked_add(jiff::SignedDuration::from_hours(168))
        .expect("horizon");
    let mut desired = HashSet::new();
    objects::step(&mut ctx, &r, pair, &history, &index, horizon, &mut desired);
    assert_eq!(desired.len(), 1 + history.of(pair).series.len());
    ctx.out
        .messages
        .iter()
        .map(|m| (m.kind, m.sequence))
        .collect()
}

#[test]
fn objects_step_table() {
    use Kind::*;
    let fresh = Snapshot::default();
    let sent = sent_after(BASE, "2026-12-01T00:00:00Z");
    // The series went out carrying the 5 January meeting.
    let carried = sent_after(BASE, "2027-01-02T09:00:00Z");
    let mut cancelled = sent.clone();
    cancelled.series[0].state = SeriesState::Cancelled;
    let moved = BASE.replace("\"09:30\"", "\"15:00\"");
    let paused = BASE.replace(
        "cadence = \"weekly\"",
        "cadence = \"weekly\"\n  paused_until = \"2027-01-20\"",
    );
    let (o, s) = (Updates::Occurrence, Updates::Series);
    // (roster, sent, now, mode, messages with their SEQUENCE)
    type Row<'a> = (&'a str, &'a Snapshot, &'a str, Updates, Vec<(Kind, u32)>);
    let table: Vec<Row<'_>> = vec![
        (
            BASE,
            &fresh,
            "2026-12-01T00:00:00Z",
            o,
            vec![(NewSeries, 0)],
        ),
        (
            BASE,
            &fresh,
            "2027-01-02T09:00:00Z",
            s,
            vec![(NewSeries, 0)],
        ),
        (BASE, &sent, "2026-12-02T00:00:00Z", o, vec![]),
        (BASE, &sent, "2026-12-02T00:00:00Z", s, vec![]),
        (
            &moved,
            &sent,
            "2026-12-02T00:00:00Z",
            o,
            vec![(UpdateSeries, 1)],
        ),
        (
            BASE,
            &cancelled,
            "2026-12-02T00:00:00Z",
            o,
            vec![(UpdateSeries, 1)],
        ),
        (
            &paused,
            &sent,
            "2026-12-02T00:00:00Z",
            o,
            vec![(UpdateSeries, 1)],
        ),
        // A meeting's prompts come due: alone, or with the whole series.
        (
            BASE,
            &carried,
            "2027-01-05T10:00:00Z",
            o,
            vec![(Occurrence, 1)],
        ),
        (
            BASE,
            &carried,
            "2027-01-05T10:00:00Z",
            s,
            vec![(UpdateSeries, 1)],
        ),
        // A pause after the 5 January meeting's prompts went out: the series
        // again (EXDATE), and in occurrence mode that meeting taken off.
        (
            &paused,
            &carried,
            "2027-01-03T10:00:00Z",
            o,
            vec![(UpdateSeries, 1), (CancelOccurrence, 2)],
        ),
        (
            &paused,
            &carried,
            "2027-01-03T10:00:00Z",
            s,
            vec![(UpdateSeries, 1)],
        ),
    ];
    for (text, sent, now, mode, expected) in table {
        assert_eq!(
            objects_step(text, sent, now, mode),
            expected,
            "{now} {mode:?}: {text}"
        );
    }
}

#[test]
fn stops_step_table() {
    let sent = sent_after(BASE, "2026-12-01T00:00:00Z");
    let base = sent.series[0].clone();
    let with = |uid: &str, state, sequence| SentSeries {
        uid: uid.to_string(),
        state,
        sequence,
        ..base.clone()
    };
    let all = Snapshot {
        series: vec![
            with("kept", SeriesState::Active, 3),
            with("gone", SeriesState::Active, 3),
            with("ended", SeriesState::Ended, 5),
            with("done", SeriesState::Cancelled, 7),
        ],
        occurrences: vec![],
    };
    let r = roster(BASE);
    // (now, UIDs still wanted, the messages expected with their SEQUENCE)
    type Row<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, Kind, u32)]);
    let table: [Row<'_>; 4] = [
        ("2026-12-02T00:00:00Z", &["kept", "gone"], &[]),
        // Before the first meeting: nothing to keep, so a CANCEL.
        (
            "2026-12-02T00:00:00Z",
            &["kept"],
            &[("gone", Kind::CancelSeries, 4)],
        ),
        // After meetings were held: the series ends, the past stays.
        (
            "2027-01-20T00:00:00Z",
            &["kept"],
            &[("gone", Kind::EndSeries, 4)],
        ),
        (
            "2027-01-20T00:00:00Z",
            &[],
            &[("kept", Kind::EndSeries, 4), ("gone", Kind::EndSeries, 4)],
        ),
    ];
    for (now, desired, expected) in table {
        let desired: HashSet<String> = desired.iter().map(|s| s.to_string()).collect();
        let mut ctx = draft::Ctx::new(settings(false), at(now));
        stops::step(&mut ctx, &r, &all, &Index::new(&all), &desired);
        let got: Vec<(&str, Kind, u32)> = ctx
            .out
            .messages
            .iter()
            .map(|m| (m.uid.as_str(), m.kind, m.sequence))
            .collect();
        assert_eq!(got, expected, "{now} {desired:?}");
        for m in &ctx.out.messages {
            if m.kind == Kind::EndSeries {
                assert_eq!(m.method, Method::Request);
                assert!(m.ics.contains(";UNTIL=20270125T235959Z"), "{}", m.ics);
                assert!(m.ics.contains("DTSTART;TZID=Europe/London:20270105T093000"));
            } else {
                assert_eq!(m.method, Method::Cancel);
                assert_eq!(m.ics.matches("BEGIN:VEVENT").count(), 1);
            }
        }
        assert!(ctx
            .out
            .series
            .iter()
            .all(|s| s.state != SeriesState::Active));
    }
}
