//! Each step of the reconciler as a table: the step alone, on a state that
//! a whole reconcile (the tests above) left.

use std::collections::HashSet;

use jiff::civil::date;

use super::super::{draft, ended, occurrences, series, stops, Index};
use super::*;
use crate::core::events::pair_events;
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
    // (roster, now, the date the old series ends before; None: not ended)
    let table = [
        (BASE.to_string(), "2027-01-20T12:00:00Z", None),
        (
            BASE.replace(
                "cadence = \"weekly\"",
                "cadence = \"weekly\"\n  location = \"Room 1\"",
            ),
            "2027-01-20T12:00:00Z",
            None,
        ),
        (
            BASE.replace("\"09:30\"", "\"15:00\""),
            "2026-12-02T00:00:00Z",
            None,
        ),
        (
            BASE.replace("\"09:30\"", "\"15:00\""),
            "2027-01-20T12:00:00Z",
            Some(date(2027, 1, 26)),
        ),
        (
            BASE.replace("\"weekly\"", "\"biweekly\""),
            "2027-01-13T12:00:00Z",
            Some(date(2027, 1, 19)),
        ),
        (
            BASE.replace(
                "start = \"2027-01-05\"",
                "start = \"2027-01-05\"\n  timezone = \"Asia/Tokyo\"",
            ),
            "2027-01-13T12:00:00Z",
            Some(date(2027, 1, 19)),
        ),
        (
            BASE.replace(
                "start = \"2027-01-05\"",
                "start = \"2027-01-05\"\n  duration_minutes = 45",
            ),
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
        let past: Vec<_> = history.of(pair).iter().map(|p| p.until).collect();
        assert_eq!(past, until.into_iter().collect::<Vec<_>>(), "{now}: {text}");
    }
}

/// Runs step 2 for the one pair of `text` against `old` at `now`.
fn series_step(text: &str, old: Option<&SentSeries>, now: &str) -> (Vec<(Kind, u32)>, usize) {
    let r = roster(text);
    let pair = r.active_pairs().next().expect("a pair");
    let mut ctx = draft::Ctx::new(settings(false), at(now));
    let window = lead_window(pair, at(now), 7);
    let mut events = pair_events(&r, pair, &[], window)
        .into_iter()
        .next()
        .expect("one series");
    keep_due(
        &mut events,
        at(now),
        at(now)
            .checked_add(jiff::SignedDuration::from_hours(168))
            .expect("t"),
    );
    let fp = series::fingerprint(&events, ORG);
    let carried = series::step(&mut ctx, &r, &mut events, old, &fp);
    let k = ctx
        .out
        .messages
        .iter()
        .map(|m| (m.kind, m.sequence))
        .collect();
    (k, carried.len())
}

#[test]
fn series_step_table() {
    let sent = sent_after(BASE, "2026-12-01T00:00:00Z");
    let old = &sent.series[0];
    let mut cancelled = old.clone();
    cancelled.state = SeriesState::Cancelled;
    let paused = BASE.replace(
        "cadence = \"weekly\"",
        "cadence = \"weekly\"\n  paused_until = \"2027-01-20\"",
    );
    let mut was_paused = old.clone();
    was_paused.paused_until = Some(date(2027, 1, 20));
    let moved = BASE.replace("\"09:30\"", "\"15:00\"");
    // (roster, sent state, now, messages, overrides carried)
    type Row<'a> = (
        &'a str,
        Option<&'a SentSeries>,
        &'a str,
        Vec<(Kind, u32)>,
        usize,
    );
    let table: [Row<'_>; 7] = [
        (
            BASE,
            None,
            "2026-12-01T00:00:00Z",
            vec![(Kind::NewSeries, 0)],
            0,
        ),
        // New three days before the first meeting: it is carried.
        (
            BASE,
            None,
            "2027-01-02T09:00:00Z",
            vec![(Kind::NewSeries, 0)],
            1,
        ),
        (BASE, Some(old), "2026-12-02T00:00:00Z", vec![], 0),
        (
            &moved,
            Some(old),
            "2026-12-02T00:00:00Z",
            vec![(Kind::UpdateSeries, 1)],
            0,
        ),
        (
            BASE,
            Some(&cancelled),
            "2026-12-02T00:00:00Z",
            vec![(Kind::UpdateSeries, 1)],
            0,
        ),
        (
            &paused,
            Some(old),
            "2026-12-02T00:00:00Z",
            vec![(Kind::CancelOccurrences, 1)],
            0,
        ),
        (
            BASE,
            Some(&was_paused),
            "2026-12-02T00:00:00Z",
            vec![(Kind::UpdateSeries, 1)],
            0,
        ),
    ];
    for (text, old, now, kinds, carried) in table {
        assert_eq!(
            series_step(text, old, now),
            (kinds, carried),
            "{now}: {old:?}"
        );
    }
}

#[test]
fn occurrences_step_table() {
    let now = "2027-01-05T10:00:00Z";
    let r = roster(BASE);
    let pair = r.active_pairs().next().expect("a pair");
    let window = lead_window(pair, at(now), 7);
    let mut events = pair_events(&r, pair, &[], window)
        .into_iter()
        .next()
        .expect("one series");
    keep_due(
        &mut events,
        at(now),
        at(now)
            .checked_add(jiff::SignedDuration::from_hours(168))
            .expect("t"),
    );
    assert_eq!(events.overrides.len(), 1, "the 12 January meeting is due");
    let rid = events.overrides[0].recurrence_id;
    let key = crate::core::ical::local_datetime(rid);
    let fp = series::occurrence_fingerprint(&events.overrides[0], &r.bank, 0);
    let sent_as = |fingerprint: &str, state| Snapshot {
        series: vec![],
        occurrences: vec![SentOccurrence {
            uid: pair.uid.clone(),
            recurrence_id: rid,
            fingerprint: fingerprint.to_string(),
            state,
        }],
    };
    // (what was sent, carried by the series message, messages expected)
    let table = [
        (Snapshot::default(), false, 1),
        (Snapshot::default(), true, 0),
        (sent_as(&fp, OccurrenceState::Sent), false, 0),
        (sent_as("older prompts", OccurrenceState::Sent), false, 1),
        (sent_as(&fp, OccurrenceState::Cancelled), false, 1),
    ];
    for (sent, carried, expected) in table {
        let index = Index::new(&sent);
        let carried: HashSet<String> = carried.then(|| key.clone()).into_iter().collect();
        let mut ctx = draft::Ctx::new(settings(false), at(now));
        occurrences::step(&mut ctx, &r, &events, &index, &carried);
        assert_eq!(ctx.out.messages.len(), expected, "{sent:?} {carried:?}");
        assert_eq!(ctx.out.occurrences.len(), expected);
        for m in &ctx.out.messages {
            assert_eq!(
                (m.kind, m.recurrence_id.as_deref()),
                (Kind::Occurrence, Some(key.as_str()))
            );
        }
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
    // (UIDs still wanted, the cancellations expected with their SEQUENCE)
    type Row<'a> = (&'a [&'a str], &'a [(&'a str, u32)]);
    let table: [Row<'_>; 3] = [
        (&["kept", "gone", "ended"], &[]),
        (&["kept"], &[("gone", 4), ("ended", 6)]),
        (&[], &[("kept", 4), ("gone", 4), ("ended", 6)]),
    ];
    for (desired, expected) in table {
        let desired: HashSet<String> = desired.iter().map(|s| s.to_string()).collect();
        let mut ctx = draft::Ctx::new(settings(false), at("2026-12-02T00:00:00Z"));
        stops::step(&mut ctx, &all, &desired);
        let got: Vec<(&str, u32)> = ctx
            .out
            .messages
            .iter()
            .map(|m| (m.uid.as_str(), m.sequence))
            .collect();
        assert_eq!(got, expected, "{desired:?}");
        assert!(ctx
            .out
            .messages
            .iter()
            .all(|m| m.kind == Kind::CancelSeries && m.method == Method::Cancel));
        assert!(ctx
            .out
            .series
            .iter()
            .all(|s| s.state == SeriesState::Cancelled));
    }
}
