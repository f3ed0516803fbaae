//! The engine models of `common::engines`, rule by rule, on iTIP messages
//! written here for each case, then on the real messages of Google,
//! Exchange/Outlook and iCloud in ../shared/reference (read in place).

mod common;

use chrono::TimeZone;
use common::engines::{Applied, Engine, Model};
use common::Shown;

const MODELS: [Model; 2] = [Model::Merging, Model::Replacing];

const UID: &str = "UID:pair-7@touchbase.example";

/// Local time in Europe/London, Unix seconds (`day` as `YYYYMMDD`).
fn london(day: &str, hm: &str) -> i64 {
    let local = chrono::NaiveDateTime::parse_from_str(&format!("{day}{hm}"), "%Y%m%d%H%M")
        .expect("a local time");
    chrono_tz::Europe::London
        .from_local_datetime(&local)
        .single()
        .expect("not in a gap")
        .timestamp()
}

/// Unix seconds of a UTC time written `YYYYMMDDTHHMMSSZ`.
fn utc(text: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
        .expect("a UTC time")
        .and_utc()
        .timestamp()
}

/// The bound of every case: the series' first five Mondays.
fn until() -> i64 {
    london("20261110", "0000")
}

fn itip(method: &str, events: &[String]) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nPRODID:-//touchbase//engine models//EN\r\nVERSION:2.0\r\n\
         METHOD:{method}\r\n{}END:VCALENDAR\r\n",
        events.concat()
    )
}

fn vevent(lines: &[String]) -> String {
    let mut out = String::from("BEGIN:VEVENT\r\n");
    for l in lines {
        out.push_str(l);
        out.push_str("\r\n");
    }
    out.push_str("END:VEVENT\r\n");
    out
}

fn people() -> Vec<String> {
    [
        "ORGANIZER:mailto:touchbase@example.com",
        "ATTENDEE;RSVP=TRUE:mailto:ana@example.com",
        "ATTENDEE;RSVP=FALSE:mailto:ben@example.com",
    ]
    .map(String::from)
    .to_vec()
}

/// The master of a weekly 1:1, Mondays 10:00-10:30 London from
/// 2026-10-12 (the clocks go back on 2026-10-25), with `rule` and `extra`
/// lines (EXDATE, DESCRIPTION...).
fn master(sequence: i64, dtstamp: &str, rule: &str, extra: &[&str]) -> String {
    let mut lines = vec![
        UID.to_string(),
        format!("DTSTAMP:{dtstamp}"),
        "DTSTART;TZID=Europe/London:20261012T100000".to_string(),
        "DTEND;TZID=Europe/London:20261012T103000".to_string(),
        format!("RRULE:{rule}"),
        format!("SEQUENCE:{sequence}"),
        "SUMMARY:1:1 Ana / Ben".to_string(),
    ];
    lines.extend(extra.iter().map(|l| l.to_string()));
    if !extra.iter().any(|l| l.starts_with("DESCRIPTION")) {
        lines.push("DESCRIPTION:Prompts come closer to the date.".to_string());
    }
    lines.extend(people());
    vevent(&lines)
}

fn weekly(sequence: i64, dtstamp: &str) -> String {
    master(sequence, dtstamp, "FREQ=WEEKLY", &[])
}

/// The override of the Monday `day` at 10:00 London, with `description`
/// and `extra` lines.
fn occurrence(
    day: &str,
    sequence: i64,
    dtstamp: &str,
    description: &str,
    extra: &[&str],
) -> String {
    let mut lines = vec![
        UID.to_string(),
        format!("DTSTAMP:{dtstamp}"),
        format!("RECURRENCE-ID;TZID=Europe/London:{day}T100000"),
        format!("DTSTART;TZID=Europe/London:{day}T100000"),
        format!("DTEND;TZID=Europe/London:{day}T103000"),
        format!("SEQUENCE:{sequence}"),
        "SUMMARY:1:1 Ana / Ben".to_string(),
        format!("DESCRIPTION:{description}"),
    ];
    lines.extend(extra.iter().map(|l| l.to_string()));
    lines.extend(people());
    vevent(&lines)
}

/// A CANCEL of the instance of the Monday `day`.
fn cancel_instance(day: &str, sequence: i64) -> String {
    let mut lines = vec![
        UID.to_string(),
        "DTSTAMP:20261020T080000Z".to_string(),
        format!("RECURRENCE-ID;TZID=Europe/London:{day}T100000"),
        format!("DTSTART;TZID=Europe/London:{day}T100000"),
        format!("SEQUENCE:{sequence}"),
        "STATUS:CANCELLED".to_string(),
    ];
    lines.extend(people());
    vevent(&lines)
}

/// A CANCEL of the whole series.
fn cancel_series(sequence: i64) -> String {
    let mut lines = vec![
        UID.to_string(),
        "DTSTAMP:20261020T080000Z".to_string(),
        "DTSTART;TZID=Europe/London:20261012T100000".to_string(),
        format!("SEQUENCE:{sequence}"),
        "STATUS:CANCELLED".to_string(),
    ];
    lines.extend(people());
    vevent(&lines)
}

fn request(events: &[String]) -> String {
    itip("REQUEST", events)
}

fn cancel(events: &[String]) -> String {
    itip("CANCEL", events)
}

fn apply(engine: &mut Engine, ics: &str) -> Applied {
    engine
        .apply(ics)
        .unwrap_or_else(|e| panic!("refused: {e}\n{ics}"))
}

/// The London dates of the meetings shown, `YYYYMMDD`.
fn days(engine: &Engine) -> Vec<String> {
    engine
        .meetings(until())
        .iter()
        .map(|m| {
            chrono_tz::Europe::London
                .timestamp_opt(m.start, 0)
                .single()
                .expect("an instant")
                .format("%Y%m%d")
                .to_string()
        })
        .collect()
}

fn descriptions(engine: &Engine) -> Vec<String> {
    engine
        .meetings(until())
        .into_iter()
        .map(|m| m.description)
        .collect()
}

const FIVE: [&str; 5] = ["20261012", "20261019", "20261026", "20261102", "20261109"];

#[test]
fn a_new_series_shows_at_its_local_time_on_both_sides_of_the_dst_change() {
    for model in MODELS {
        let mut e = Engine::new(model);
        assert_eq!(
            apply(&mut e, &request(&[weekly(0, "20261001T080000Z")])),
            Applied::Created
        );
        let shown = e.meetings(until());
        assert_eq!(days(&e), FIVE, "{model:?}");
        // 10:00 London: 09:00 UTC in BST, 10:00 UTC once the clocks go back.
        let utc_hours: Vec<i64> = shown.iter().map(|m| m.start % 86_400 / 3_600).collect();
        assert_eq!(utc_hours, [9, 9, 10, 10, 10], "{model:?}");
        assert!(shown.iter().all(|m| m.end - m.start == 1_800));
        assert!(shown
            .iter()
            .all(|m| m.tzid == "Europe/London" && m.uid == "pair-7@touchbase.example"));
    }
}

#[test]
fn merging_merges_an_override_only_request_into_the_series() {
    let mut e = Engine::new(Model::Merging);
    apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
    let prompts = occurrence(
        "20261019",
        1,
        "20261012T080000Z",
        "What energises you?",
        &[],
    );
    assert_eq!(apply(&mut e, &request(&[prompts])), Applied::Updated);
    assert_eq!(days(&e), FIVE);
    let d = descriptions(&e);
    assert_eq!(d[1], "What energises you?");
    assert!(d
        .iter()
        .enumerate()
        .all(|(i, d)| i == 1 || d == "Prompts come closer to the date."));
}

#[test]
fn replacing_collapses_the_series_to_the_override_of_an_override_only_request() {
    let mut e = Engine::new(Model::Replacing);
    apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
    let prompts = occurrence(
        "20261019",
        1,
        "20261012T080000Z",
        "What energises you?",
        &[],
    );
    assert_eq!(apply(&mut e, &request(&[prompts])), Applied::Updated);
    assert_eq!(days(&e), ["20261019"]);
    assert_eq!(descriptions(&e), ["What energises you?"]);
}

#[test]
fn merging_ignores_an_override_that_is_not_newer_than_what_it_replaces() {
    let mut e = Engine::new(Model::Merging);
    apply(&mut e, &request(&[weekly(3, "20261001T080000Z")]));
    let o = |seq, stamp, text| request(&[occurrence("20261019", seq, stamp, text, &[])]);
    // Against the master's revision: SEQUENCE, then DTSTAMP.
    assert_eq!(
        apply(&mut e, &o(3, "20261001T080000Z", "same")),
        Applied::Stale
    );
    assert_eq!(
        apply(&mut e, &o(2, "20261015T080000Z", "lower")),
        Applied::Stale
    );
    assert_eq!(
        apply(&mut e, &o(3, "20261012T080000Z", "later stamp")),
        Applied::Updated
    );
    assert_eq!(descriptions(&e)[1], "later stamp");
    // Against the stored override's.
    assert_eq!(
        apply(&mut e, &o(5, "20261013T080000Z", "five")),
        Applied::Updated
    );
    assert_eq!(
        apply(&mut e, &o(4, "20261014T080000Z", "four")),
        Applied::Stale
    );
    assert_eq!(
        apply(&mut e, &o(5, "20261013T080000Z", "five again")),
        Applied::Stale
    );
    assert_eq!(
        apply(&mut e, &o(5, "20261012T080000Z", "older stamp")),
        Applied::Stale
    );
    assert_eq!(descriptions(&e)[1], "five");
    assert_eq!(
        apply(&mut e, &o(5, "20261014T080000Z", "newer stamp")),
        Applied::Updated
    );
    assert_eq!(descriptions(&e)[1], "newer stamp");
    assert_eq!(days(&e), FIVE);
}

#[test]
fn merging_ignores_a_series_request_older_than_the_stored_series() {
    let mut e = Engine::new(Model::Merging);
    apply(&mut e, &request(&[weekly(3, "20261001T080000Z")]));
    let moved = |seq, stamp| request(&[master(seq, stamp, "FREQ=DAILY;COUNT=3", &[])]);
    assert_eq!(apply(&mut e, &moved(2, "20261005T080000Z")), Applied::Stale);
    assert_eq!(apply(&mut e, &moved(3, "20260930T080000Z")), Applied::Stale);
    assert_eq!(days(&e), FIVE);
    // Equal revision: not older, so applied.
    assert_eq!(
        apply(&mut e, &request(&[weekly(3, "20261001T080000Z")])),
        Applied::Updated
    );
    // A higher SEQUENCE wins whatever its DTSTAMP.
    assert_eq!(
        apply(&mut e, &moved(4, "20260901T080000Z")),
        Applied::Updated
    );
    assert_eq!(days(&e), ["20261012", "20261013", "20261014"]);
}

#[test]
fn replacing_applies_every_request_whatever_its_sequence() {
    let mut e = Engine::new(Model::Replacing);
    apply(&mut e, &request(&[weekly(5, "20261005T080000Z")]));
    let older = master(1, "20261001T080000Z", "FREQ=WEEKLY;COUNT=2", &[]);
    assert_eq!(apply(&mut e, &request(&[older])), Applied::Updated);
    assert_eq!(days(&e), ["20261012", "20261019"]);
}

#[test]
fn a_cancel_of_one_instance_removes_it_when_merging_and_everything_when_replacing() {
    for model in MODELS {
        let mut e = Engine::new(model);
        apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
        let applied = apply(&mut e, &cancel(&[cancel_instance("20261026", 1)]));
        match model {
            Model::Merging => {
                assert_eq!(applied, Applied::InstancesCancelled);
                assert_eq!(days(&e), ["20261012", "20261019", "20261102", "20261109"]);
            }
            Model::Replacing => {
                assert_eq!(applied, Applied::Cancelled);
                assert_eq!(days(&e), Vec::<String>::new());
            }
        }
    }
}

#[test]
fn a_cancel_of_several_instances_removes_each_when_merging() {
    let two = cancel(&[
        cancel_instance("20261019", 1),
        cancel_instance("20261102", 1),
    ]);
    let mut e = Engine::new(Model::Merging);
    apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
    assert_eq!(apply(&mut e, &two), Applied::InstancesCancelled);
    assert_eq!(days(&e), ["20261012", "20261026", "20261109"]);
    let mut e = Engine::new(Model::Replacing);
    apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
    assert_eq!(apply(&mut e, &two), Applied::Cancelled);
    assert!(e.meetings(until()).is_empty());
}

#[test]
fn merging_ignores_a_cancel_older_than_what_it_cancels() {
    let mut e = Engine::new(Model::Merging);
    apply(&mut e, &request(&[weekly(2, "20261001T080000Z")]));
    assert_eq!(
        apply(&mut e, &cancel(&[cancel_instance("20261026", 1)])),
        Applied::Stale
    );
    assert_eq!(apply(&mut e, &cancel(&[cancel_series(1)])), Applied::Stale);
    assert_eq!(days(&e), FIVE);
}

#[test]
fn a_cancel_of_the_series_with_the_last_requests_sequence_removes_it() {
    for model in MODELS {
        let mut e = Engine::new(model);
        apply(&mut e, &request(&[weekly(2, "20261001T080000Z")]));
        let o = occurrence("20261019", 3, "20261012T080000Z", "prompts", &[]);
        apply(&mut e, &request(&[o]));
        assert_eq!(
            apply(&mut e, &cancel(&[cancel_series(3)])),
            Applied::Cancelled,
            "{model:?}"
        );
        assert!(e.meetings(until()).is_empty(), "{model:?}");
    }
}

#[test]
fn a_cancel_for_a_uid_the_calendar_does_not_hold_changes_nothing() {
    for model in MODELS {
        let mut e = Engine::new(model);
        assert_eq!(
            apply(&mut e, &cancel(&[cancel_series(1)])),
            Applied::Unknown
        );
        assert_eq!(
            apply(&mut e, &cancel(&[cancel_instance("20261019", 1)])),
            Applied::Unknown
        );
        assert!(e.meetings(until()).is_empty());
    }
}

#[test]
fn a_series_request_with_until_ends_the_series_and_keeps_the_overrides_it_carries() {
    for model in MODELS {
        let mut e = Engine::new(model);
        apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
        let held = occurrence("20261012", 1, "20261005T080000Z", "held prompts", &[]);
        apply(&mut e, &request(&[held]));
        let later = occurrence("20261102", 2, "20261026T080000Z", "future prompts", &[]);
        apply(&mut e, &request(&[later]));
        // Ends after 19 October (10:00 BST is 09:00Z), carrying the held
        // meeting's override.
        let ended = master(
            3,
            "20261020T080000Z",
            "FREQ=WEEKLY;UNTIL=20261019T090000Z",
            &[],
        );
        let held = occurrence("20261012", 3, "20261020T080000Z", "held prompts", &[]);
        assert_eq!(apply(&mut e, &request(&[ended, held])), Applied::Updated);
        assert_eq!(days(&e), ["20261012", "20261019"], "{model:?}");
        assert_eq!(
            descriptions(&e),
            ["held prompts", "Prompts come closer to the date."],
            "{model:?}"
        );
    }
}

#[test]
fn an_override_past_the_end_of_its_series_still_shows() {
    for model in MODELS {
        let mut e = Engine::new(model);
        let ended = master(0, "20261001T080000Z", "FREQ=WEEKLY;COUNT=2", &[]);
        let stray = occurrence("20261102", 1, "20261026T080000Z", "stray", &[]);
        apply(&mut e, &request(&[ended, stray]));
        assert_eq!(days(&e), ["20261012", "20261019", "20261102"], "{model:?}");
    }
}

#[test]
fn an_exdate_in_a_series_update_removes_the_meeting_until_a_later_update_drops_it() {
    for model in MODELS {
        let mut e = Engine::new(model);
        apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
        let paused = master(
            1,
            "20261005T080000Z",
            "FREQ=WEEKLY",
            &["EXDATE;TZID=Europe/London:20261026T100000,20261102T100000"],
        );
        assert_eq!(apply(&mut e, &request(&[paused])), Applied::Updated);
        assert_eq!(days(&e), ["20261012", "20261019", "20261109"], "{model:?}");
        if model == Model::Merging {
            // An override of an excluded meeting is kept but not shown.
            let o = occurrence("20261026", 2, "20261019T080000Z", "prompts", &[]);
            assert_eq!(apply(&mut e, &request(&[o])), Applied::Updated);
            assert_eq!(days(&e), ["20261012", "20261019", "20261109"]);
        }
        let resumed = master(
            3,
            "20261020T080000Z",
            "FREQ=WEEKLY;UNTIL=20261026T100000Z",
            &[],
        );
        assert_eq!(apply(&mut e, &request(&[resumed])), Applied::Updated);
        assert_eq!(days(&e), ["20261012", "20261019", "20261026"], "{model:?}");
    }
}

#[test]
fn merging_keeps_a_cancelled_instance_off_until_a_series_request_overrides_it() {
    let mut e = Engine::new(Model::Merging);
    apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
    apply(&mut e, &cancel(&[cancel_instance("20261026", 1)]));
    let without = ["20261012", "20261019", "20261102", "20261109"];
    let back = occurrence("20261026", 2, "20261019T080000Z", "back", &[]);
    assert_eq!(apply(&mut e, &request(&[back])), Applied::Stale);
    assert_eq!(days(&e), without);
    assert_eq!(
        apply(&mut e, &request(&[weekly(3, "20261020T080000Z")])),
        Applied::Updated
    );
    assert_eq!(days(&e), without);
    let back = occurrence("20261026", 4, "20261021T080000Z", "back", &[]);
    assert_eq!(
        apply(&mut e, &request(&[weekly(4, "20261021T080000Z"), back])),
        Applied::Updated
    );
    assert_eq!(days(&e), FIVE);
    assert_eq!(descriptions(&e)[2], "back");
    // A series that no longer generates the cancelled meeting forgets it.
    apply(&mut e, &cancel(&[cancel_instance("20261026", 5)]));
    let shorter = master(6, "20261022T080000Z", "FREQ=WEEKLY;COUNT=2", &[]);
    assert_eq!(apply(&mut e, &request(&[shorter])), Applied::Updated);
    assert_eq!(days(&e), ["20261012", "20261019"]);
    assert_eq!(
        apply(&mut e, &request(&[weekly(7, "20261023T080000Z")])),
        Applied::Updated
    );
    assert_eq!(days(&e), FIVE);
}

#[test]
fn replacing_brings_back_a_cancelled_object_with_the_next_request() {
    let mut e = Engine::new(Model::Replacing);
    apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
    apply(&mut e, &cancel(&[cancel_instance("20261026", 1)]));
    assert!(e.meetings(until()).is_empty());
    assert_eq!(
        apply(&mut e, &request(&[weekly(2, "20261020T080000Z")])),
        Applied::Updated
    );
    assert_eq!(days(&e), FIVE);
}

#[test]
fn an_override_for_an_unknown_uid_is_a_lone_meeting_until_its_series_arrives() {
    for model in MODELS {
        let mut e = Engine::new(model);
        let o = occurrence("20261019", 1, "20261012T080000Z", "prompts", &[]);
        assert_eq!(apply(&mut e, &request(&[o])), Applied::Created);
        assert_eq!(days(&e), ["20261019"], "{model:?}");
        assert_eq!(e.meetings(until())[0].tzid, "Europe/London");
        assert_eq!(
            apply(&mut e, &request(&[weekly(2, "20261013T080000Z")])),
            Applied::Updated
        );
        assert_eq!(days(&e), FIVE, "{model:?}");
    }
}

#[test]
fn a_cancelled_status_in_a_request_hides_that_meeting() {
    for model in MODELS {
        let mut e = Engine::new(model);
        apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
        let off = occurrence(
            "20261019",
            1,
            "20261012T080000Z",
            "off",
            &["STATUS:CANCELLED"],
        );
        assert_eq!(apply(&mut e, &request(&[off])), Applied::Updated);
        let expected: Vec<&str> = match model {
            Model::Merging => vec!["20261012", "20261026", "20261102", "20261109"],
            Model::Replacing => vec![],
        };
        assert_eq!(days(&e), expected, "{model:?}");
    }
}

#[test]
fn messages_an_engine_refuses_leave_the_calendar_unchanged() {
    let series = weekly(0, "20261001T080000Z");
    let without_uid = series.replace(&format!("{UID}\r\n"), "");
    let other_uid =
        occurrence("20261019", 1, "20261012T080000Z", "x", &[]).replace("pair-7@", "pair-8@");
    let no_dtstart = occurrence("20261019", 1, "20261012T080000Z", "x", &[])
        .replace("DTSTART;TZID=Europe/London:20261019T100000\r\n", "");
    let windows = series.replace("TZID=Europe/London", "TZID=GMT Standard Time");
    let all_day = series
        .replace(
            "DTSTART;TZID=Europe/London:20261012T100000",
            "DTSTART;VALUE=DATE:20261012",
        )
        .replace(
            "DTEND;TZID=Europe/London:20261012T103000",
            "DTEND;VALUE=DATE:20261013",
        );
    let floating = series.replace(";TZID=Europe/London", "");
    let cases = [
        (
            format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n{series}END:VCALENDAR\r\n"
            ),
            "no METHOD",
        ),
        (
            itip("PUBLISH", std::slice::from_ref(&series)),
            "METHOD:PUBLISH",
        ),
        (itip("REPLY", std::slice::from_ref(&series)), "METHOD:REPLY"),
        (itip("REQUEST", &[]), "no VEVENT"),
        (request(&[without_uid]), "without UID"),
        (request(&[series.clone(), other_uid]), "same"),
        (request(&[no_dtstart]), "without DTSTART"),
        (
            request(&[series.clone(), series.clone()]),
            "two VEVENTs without RECURRENCE-ID",
        ),
        (
            request(&[windows]),
            "\"GMT Standard Time\" is not an IANA zone",
        ),
        (request(&[all_day]), "DATE (all-day)"),
        (request(&[floating]), "floating"),
    ];
    for model in MODELS {
        let mut e = Engine::new(model);
        apply(&mut e, &request(&[weekly(0, "20261001T080000Z")]));
        let before = e.meetings(until());
        for (ics, reason) in &cases {
            let err = e.apply(ics).expect_err(reason);
            assert!(
                err.contains(reason),
                "{model:?}: {err:?} should say {reason:?}"
            );
            assert_eq!(e.meetings(until()), before, "{model:?} after {reason:?}");
        }
    }
}

/// What applying a reference sample's calendar part to an empty calendar
/// does.
enum Expect {
    /// Applied (a CANCEL after the REQUEST it cancels, derived from it):
    /// these meetings start before the bound.
    Shows {
        until: &'static str,
        starts: &'static [&'static str],
    },
    /// Refused; the reason says this.
    Refused(&'static str),
}

/// Every file of ../shared/reference/imip, with what both models do.
const SAMPLES: [(&str, Expect); 12] = [
    // A moved occurrence, override only, in a Windows zone.
    (
        "exchange-request-recurrence-id.ics",
        Expect::Refused("\"Central Standard Time (Mexico)\" is not an IANA zone"),
    ),
    (
        "exchange2003-request-recurring.eml",
        Expect::Refused("\"GMT -0500 (Standard) / GMT -0400 (Daylight)\" is not an IANA zone"),
    ),
    // Google's CANCEL of a single event, SEQUENCE 0 to 1.
    (
        "google-cancel.ics",
        Expect::Shows {
            until: "20150501T000000Z",
            starts: &[],
        },
    ),
    // Google's update of one occurrence: a lone meeting, 10:00 Paris (CEST).
    (
        "google-request-recurrence-id.ics",
        Expect::Shows {
            until: "20210501T000000Z",
            starts: &["20210420T080000Z"],
        },
    ),
    // Google's weekly series, 13:30 Los Angeles: PST, then PDT from 8 March.
    (
        "google-request-recurring.ics",
        Expect::Shows {
            until: "20150316T000000Z",
            starts: &[
                "20150112T213000Z",
                "20150119T213000Z",
                "20150126T213000Z",
                "20150202T213000Z",
                "20150209T213000Z",
                "20150216T213000Z",
                "20150223T213000Z",
                "20150302T213000Z",
                "20150309T203000Z",
            ],
        },
    ),
    // A Google invitation as delivered: 11:00 Tallinn (EEST).
    (
        "google-request-meet-vtimezone.eml",
        Expect::Shows {
            until: "20240501T000000Z",
            starts: &["20240411T080000Z"],
        },
    ),
    // iCloud's CANCEL (no STATUS:CANCELLED) of a single event.
    (
        "icloud-cancel.ics",
        Expect::Shows {
            until: "20150501T000000Z",
            starts: &[],
        },
    ),
    // An iCloud invitation: 06:00 Paris (CET), SEQUENCE 1 from the start.
    (
        "icloud-request.eml",
        Expect::Shows {
            until: "20150401T000000Z",
            starts: &["20150316T050000Z"],
        },
    ),
    (
        "outlook365-request-teams.eml",
        Expect::Refused("\"Romance Standard Time\" is not an IANA zone"),
    ),
    (
        "outlookmac-cancel.eml",
        Expect::Refused("\"Sarajevo, Skopje, Warsaw, Zagreb\" is not an IANA zone"),
    ),
    (
        "outlookmac-request.eml",
        Expect::Refused("\"Sarajevo, Skopje, Warsaw, Zagreb\" is not an IANA zone"),
    ),
    (
        "outlookmac-update.eml",
        Expect::Refused("\"Sarajevo, Skopje, Warsaw, Zagreb\" is not an IANA zone"),
    ),
];

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/imip");

/// The iCalendar text of a sample: the file itself, or the first
/// `text/calendar` part of a message.
fn calendar_part(name: &str) -> String {
    let path = format!("{REFERENCE}/{name}");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    if name.ends_with(".ics") {
        return String::from_utf8(bytes).expect("UTF-8");
    }
    use mail_parser::{MessageParser, MimeHeaders};
    // The reference README: the iCloud file starts with a line of spaces,
    // a storage artefact ahead of its headers.
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let message = MessageParser::default()
        .parse(&bytes[start..])
        .expect("MIME parses");
    message
        .parts
        .iter()
        .find(|p| {
            p.content_type()
                .is_some_and(|ct| ct.ctype() == "text" && ct.subtype() == Some("calendar"))
        })
        .and_then(|p| p.text_contents())
        .unwrap_or_else(|| panic!("{name} has no text/calendar part"))
        .to_string()
}

#[test]
fn the_reference_messages_are_applied_or_refused_for_a_documented_reason() {
    let mut files: Vec<String> = std::fs::read_dir(REFERENCE)
        .expect("the reference folder")
        .map(|f| {
            f.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    let mut listed: Vec<&str> = SAMPLES.iter().map(|(name, _)| *name).collect();
    listed.sort_unstable();
    assert_eq!(files, listed, "every sample has its expectation");
    for model in MODELS {
        for (name, expect) in &SAMPLES {
            let ics = calendar_part(name);
            let mut e = Engine::new(model);
            match expect {
                Expect::Refused(reason) => {
                    let err = e.apply(&ics).expect_err(name);
                    assert!(err.contains(reason), "{model:?} {name}: {err}");
                }
                Expect::Shows { until, starts } => {
                    let is_cancel = ics.contains("METHOD:CANCEL");
                    if is_cancel {
                        // The invitation it cancels: the same event, one
                        // SEQUENCE earlier, as a REQUEST.
                        let invitation = ics
                            .replace("METHOD:CANCEL", "METHOD:REQUEST")
                            .replace("SEQUENCE:1", "SEQUENCE:0")
                            .replace("STATUS:CANCELLED", "STATUS:CONFIRMED");
                        assert_eq!(e.apply(&invitation), Ok(Applied::Created), "{name}");
                        assert_eq!(e.meetings(utc(until)).len(), 1, "{model:?} {name}");
                    }
                    let applied = e.apply(&ics).unwrap_or_else(|err| panic!("{name}: {err}"));
                    let expected = if is_cancel {
                        Applied::Cancelled
                    } else {
                        Applied::Created
                    };
                    assert_eq!(applied, expected, "{model:?} {name}");
                    let got: Vec<i64> = e
                        .meetings(utc(until))
                        .iter()
                        .map(|m: &Shown| m.start)
                        .collect();
                    let want: Vec<i64> = starts.iter().map(|s| utc(s)).collect();
                    assert_eq!(got, want, "{model:?} {name}");
                }
            }
        }
    }
}
