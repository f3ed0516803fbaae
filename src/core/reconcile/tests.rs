//! Reconciler table tests: each step applies a roster at an instant to the
//! ledger state the previous step left, and checks what would be sent.

use jiff::Timestamp;

use super::model::Sent as Snapshot;
use super::*;
use crate::core::roster;
use crate::core::source::SourceText;

const ORG: Organizer<'static> = Organizer {
    name: Some("Touchbase"),
    email: "touchbase@example.com",
};

fn settings(invite_reports: bool) -> Settings<'static> {
    Settings {
        organizer: ORG,
        lead_days: 7,
        invite_reports,
        updates: Updates::Occurrence,
    }
}

const BASE: &str = r#"
[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"
timezone = "Europe/London"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace Hopper"
  start = "2027-01-05"
  time = "09:30"
  cadence = "weekly"
"#;

fn roster(text: &str) -> Roster {
    roster::parse(&SourceText::new("r.toml", text)).expect("valid roster")
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

/// Applies an outcome to a snapshot as the ledger would.
fn apply(mut snap: Snapshot, out: &Outcome) -> Snapshot {
    snap.record(&out.series, &out.occurrences);
    snap
}

fn step(text: &str, snap: Snapshot, now: &str) -> (Outcome, Snapshot) {
    let out = reconcile(&roster(text), &snap, settings(false), at(now));
    let next = apply(snap, &out);
    (out, next)
}

fn kinds(out: &Outcome) -> Vec<(Kind, u32, &str)> {
    out.messages
        .iter()
        .map(|m| (m.kind, m.sequence, m.to.email.as_str()))
        .collect()
}

#[test]
fn a_new_pair_gets_one_series_invitation_to_the_manager() {
    let (out, snap) = step(BASE, Snapshot::default(), "2026-12-01T00:00:00Z");
    assert_eq!(kinds(&out), [(Kind::NewSeries, 0, "ada@example.com")]);
    let m = &out.messages[0];
    assert_eq!(m.method, Method::Request);
    assert!(m.ics.contains("METHOD:REQUEST\r\n"));
    assert!(m.ics.contains("RRULE:FREQ=WEEKLY\r\n"));
    assert!(m.ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"));
    assert!(m
        .ics
        .contains("ORGANIZER;CN=Touchbase:mailto:touchbase@example.com\r\n"));
    let unfolded = m.ics.replace("\r\n ", "");
    assert!(unfolded.contains("ATTENDEE;CN=Ada Lovelace;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ada@example.com\r\n"), "{unfolded}");
    assert!(m
        .body
        .subject
        .starts_with("1:1 with Grace Hopper, weekly from Tue 5 Jan 09:30 (Europe/London)"));
    assert_eq!(snap.series.len(), 1);
    // Nothing twice.
    let (again, _) = step(BASE, snap, "2026-12-01T00:10:00Z");
    assert!(again.messages.is_empty(), "{:?}", kinds(&again));
}

#[test]
fn reports_are_invited_only_when_configured() {
    let out = reconcile(
        &roster(BASE),
        &Snapshot::default(),
        settings(true),
        at("2026-12-01T00:00:00Z"),
    );
    let to: Vec<_> = out.messages.iter().map(|m| m.to.email.as_str()).collect();
    assert_eq!(to, ["ada@example.com", "grace@example.com"]);
    assert_ne!(out.messages[0].message_id, out.messages[1].message_id);
    assert!(out.messages[1]
        .body
        .subject
        .starts_with("1:1 with Ada Lovelace"));
}

#[test]
fn the_series_carries_meetings_already_within_lead_time_then_each_comes_alone() {
    // Three days before the first meeting: the series carries it.
    let (out, snap) = step(BASE, Snapshot::default(), "2027-01-02T09:00:00Z");
    assert_eq!(kinds(&out), [(Kind::NewSeries, 0, "ada@example.com")]);
    assert!(out.messages[0]
        .ics
        .contains("RECURRENCE-ID;TZID=Europe/London:20270105T093000\r\n"));
    // Later, the 12 January meeting enters the lead time on its own.
    let (out, snap) = step(BASE, snap, "2027-01-05T10:00:00Z");
    // SEQUENCE grows with every message about the series.
    assert_eq!(kinds(&out), [(Kind::Occurrence, 1, "ada@example.com")]);
    let m = &out.messages[0];
    assert_eq!(m.recurrence_id.as_deref(), Some("20270112T093000"));
    assert!(m
        .ics
        .contains("RECURRENCE-ID;TZID=Europe/London:20270112T093000\r\n"));
    // The VTIMEZONE (written before the events) has yearly RRULEs of its
    // own; no event may have one.
    let events = m.ics.find("BEGIN:VEVENT").map_or("", |i| &m.ics[i..]);
    assert!(events.contains("RECURRENCE-ID"));
    assert!(
        !events.contains("RRULE"),
        "an occurrence update carries no master"
    );
    assert!(
        m.body.subject.contains("Tue 12 Jan 09:30 (Europe/London)"),
        "{}",
        m.body.subject
    );
    assert!(
        m.body.text.contains("Prompts for this meeting:\n- "),
        "{}",
        m.body.text
    );
    let (again, _) = step(BASE, snap, "2027-01-05T11:00:00Z");
    assert!(again.messages.is_empty());
}

#[test]
fn an_edit_raises_sequence_and_carries_the_overrides_again() {
    let (_, snap) = step(BASE, Snapshot::default(), "2027-01-02T09:00:00Z");
    let moved = BASE.replace(
        "cadence = \"weekly\"",
        "cadence = \"weekly\"\n  location = \"Room 1\"",
    );
    let (out, snap) = step(&moved, snap, "2027-01-03T09:00:00Z");
    assert_eq!(kinds(&out), [(Kind::UpdateSeries, 1, "ada@example.com")]);
    let ics = &out.messages[0].ics;
    assert!(ics.contains("SEQUENCE:1\r\n") && ics.contains("LOCATION:Room 1\r\n"));
    assert!(
        ics.contains("RECURRENCE-ID;TZID=Europe/London:20270105T093000\r\n"),
        "overrides dropped"
    );
    assert_eq!(snap.series[0].sequence, 1);
}

#[test]
fn a_time_change_after_meetings_were_held_splits_the_series() {
    let (_, snap) = step(BASE, Snapshot::default(), "2026-12-01T00:00:00Z");
    let old_uid = snap.series[0].uid.clone();
    let later = BASE.replace("time = \"09:30\"", "time = \"15:00\"");
    // 2027-01-20: meetings of 5, 12 and 19 January were held.
    let (out, snap) = step(&later, snap, "2027-01-20T12:00:00Z");
    let k = kinds(&out);
    assert!(
        k.contains(&(Kind::EndSeries, 1, "ada@example.com")),
        "{k:?}"
    );
    assert!(
        k.contains(&(Kind::NewSeries, 0, "ada@example.com")),
        "{k:?}"
    );
    let end = out
        .messages
        .iter()
        .find(|m| m.kind == Kind::EndSeries)
        .expect("end");
    assert_eq!(end.uid, old_uid);
    assert!(end.ics.contains(";UNTIL=20270125T235959Z"), "{}", end.ics);
    let new = out
        .messages
        .iter()
        .find(|m| m.kind == Kind::NewSeries)
        .expect("new");
    assert_ne!(new.uid, old_uid);
    assert!(
        new.ics
            .contains("DTSTART;TZID=Europe/London:20270126T150000\r\n"),
        "{}",
        new.ics
    );
    // The ledger now holds the history; the next reconcile sends nothing.
    let (again, _) = step(&later, snap, "2027-01-20T12:05:00Z");
    assert!(again.messages.is_empty(), "{:?}", kinds(&again));
}

#[test]
fn a_time_change_before_any_meeting_updates_in_place() {
    let (_, snap) = step(BASE, Snapshot::default(), "2026-12-01T00:00:00Z");
    let uid = snap.series[0].uid.clone();
    let later = BASE.replace("time = \"09:30\"", "time = \"15:00\"");
    let (out, _) = step(&later, snap, "2026-12-02T00:00:00Z");
    assert_eq!(kinds(&out), [(Kind::UpdateSeries, 1, "ada@example.com")]);
    assert_eq!(out.messages[0].uid, uid);
}

#[test]
fn an_opt_out_cancels_and_nothing_follows() {
    let (_, snap) = step(BASE, Snapshot::default(), "2027-01-02T09:00:00Z");
    let out_text = BASE.replace(
        "cadence = \"weekly\"",
        "cadence = \"weekly\"\n  opt_out = true",
    );
    let (out, snap) = step(&out_text, snap, "2027-01-03T09:00:00Z");
    assert_eq!(kinds(&out), [(Kind::CancelSeries, 1, "ada@example.com")]);
    let m = &out.messages[0];
    assert_eq!(m.method, Method::Cancel);
    assert!(m.ics.contains("METHOD:CANCEL\r\n") && m.ics.contains("STATUS:CANCELLED\r\n"));
    assert!(m
        .body
        .subject
        .starts_with("Cancelled: 1:1 with Grace Hopper"));
    for word in ["opt", "reason", "declin", "paus"] {
        assert!(
            !m.body.text.to_lowercase().contains(word),
            "the cancellation says why: {word}"
        );
        assert!(
            !m.ics.to_lowercase().contains(word),
            "the cancellation says why: {word}"
        );
    }
    for now in ["2027-01-04T09:00:00Z", "2027-02-01T09:00:00Z"] {
        let (later, _) = step(&out_text, snap.clone(), now);
        assert!(
            later.messages.is_empty(),
            "something followed the cancellation"
        );
    }
}

#[test]
fn removal_cancels() {
    let (_, snap) = step(BASE, Snapshot::default(), "2026-12-01T00:00:00Z");
    let gone = "[[managers]]\nemail = \"ada@example.com\"\n";
    let (out, _) = step(gone, snap, "2026-12-02T00:00:00Z");
    assert_eq!(kinds(&out), [(Kind::CancelSeries, 1, "ada@example.com")]);
}

#[test]
fn a_new_manager_means_cancel_to_the_old_and_a_series_to_the_new() {
    let (_, snap) = step(BASE, Snapshot::default(), "2026-12-01T00:00:00Z");
    let moved = "[[managers]]\nemail = \"ada@example.com\"\n\n[[managers]]\nemail = \"edsger@example.com\"\n\n  [[managers.reports]]\n  email = \"grace@example.com\"\n  start = \"2027-01-05\"\n";
    let (out, _) = step(moved, snap, "2026-12-02T00:00:00Z");
    let mut k = kinds(&out);
    k.sort_by_key(|x| x.2);
    assert_eq!(
        k,
        [
            (Kind::CancelSeries, 1, "ada@example.com"),
            (Kind::NewSeries, 0, "edsger@example.com")
        ]
    );
}

#[test]
fn a_pause_cancels_the_meetings_it_removes_and_lifting_it_restores_them() {
    let (_, snap) = step(BASE, Snapshot::default(), "2026-12-01T00:00:00Z");
    let paused = BASE.replace(
        "cadence = \"weekly\"",
        "cadence = \"weekly\"\n  paused_until = \"2027-01-20\"",
    );
    let (out, snap) = step(&paused, snap, "2026-12-02T00:00:00Z");
    // No meeting was held yet: the series now starts at its first real
    // meeting, in one update of the series.
    assert_eq!(kinds(&out), [(Kind::UpdateSeries, 1, "ada@example.com")]);
    let ics = &out.messages[0].ics;
    assert!(
        ics.contains("DTSTART;TZID=Europe/London:20270126T093000\r\n"),
        "{ics}"
    );
    assert!(
        !ics.contains("EXDATE") && !ics.contains("RECURRENCE-ID"),
        "{ics}"
    );
    let (again, snap) = step(&paused, snap, "2026-12-03T00:00:00Z");
    assert!(again.messages.is_empty());
    let (out, _) = step(BASE, snap, "2026-12-04T00:00:00Z");
    assert_eq!(kinds(&out), [(Kind::UpdateSeries, 2, "ada@example.com")]);
    let ics = &out.messages[0].ics;
    assert!(ics.contains("DTSTART;TZID=Europe/London:20270105T093000\r\n"));
    assert!(!ics.contains("EXDATE"));
}

#[test]
fn message_ids_are_derived() {
    let a = reconcile(
        &roster(BASE),
        &Snapshot::default(),
        settings(false),
        at("2026-12-01T00:00:00Z"),
    );
    let b = reconcile(
        &roster(BASE),
        &Snapshot::default(),
        settings(false),
        at("2026-12-01T05:00:00Z"),
    );
    assert_eq!(a.messages[0].message_id, b.messages[0].message_id);
    // In the organizer's domain, as spam filters expect.
    assert!(a.messages[0].message_id.ends_with("@example.com"));
    assert_ne!(
        a.messages[0].ics, b.messages[0].ics,
        "DTSTAMP follows the clock"
    );
}

#[test]
fn moving_start_after_meetings_were_held_keeps_the_past() {
    let (_, snap) = step(BASE, Snapshot::default(), "2026-12-01T00:00:00Z");
    let old_uid = snap.series[0].uid.clone();
    // A break: the series resumes on 2 March instead of going on weekly.
    let later = BASE.replace("start = \"2027-01-05\"", "start = \"2027-03-02\"");
    let (out, _) = step(&later, snap, "2027-01-20T12:00:00Z");
    let end = out
        .messages
        .iter()
        .find(|m| m.kind == Kind::EndSeries)
        .expect("old series ends");
    assert_eq!(end.uid, old_uid);
    assert!(end.ics.contains(";UNTIL=20270125T235959Z"), "{}", end.ics);
    assert!(
        end.ics
            .contains("DTSTART;TZID=Europe/London:20270105T093000"),
        "the past stays"
    );
    let new = out
        .messages
        .iter()
        .find(|m| m.kind == Kind::NewSeries)
        .expect("new series");
    assert!(
        new.ics
            .contains("DTSTART;TZID=Europe/London:20270302T093000"),
        "{}",
        new.ics
    );
}

mod daysoff;
mod steps;
