//! Every feed document, read back by independent parsers, shows exactly the
//! meetings and prompts that the plan (and so `preview`) gives.

mod common;

use common::rosters;
use common::{assert_well_formed, expand, Shown};
use jiff::civil::{date, time, Date};
use jiff::Timestamp;
use touchbase::core::cadence::Cadence;
use touchbase::core::events::{self, Organizer};
use touchbase::core::feed::{self, UnknownPerson};
use touchbase::core::plan;
use touchbase::core::roster::{self, Roster};
use touchbase::core::schedule::Window;
use touchbase::core::series::{History, PastSeries};
use touchbase::core::source::SourceText;

const ORG: Organizer<'static> = Organizer {
    name: Some("Touchbase"),
    email: "touchbase@example.com",
};

fn now() -> Timestamp {
    "2027-01-01T08:00:00Z".parse().unwrap()
}

fn load(text: &str) -> Roster {
    roster::parse(&SourceText::new("roster.toml", text)).unwrap()
}

fn window() -> Window {
    Window::weeks(rosters::FROM.parse().unwrap(), rosters::WEEKS)
}

fn naive(d: Date) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(d.year().into(), d.month() as u32, d.day() as u32).unwrap()
}

/// Everyone the roster names, opted-out reports included.
fn people(roster: &Roster) -> Vec<String> {
    let mut out: Vec<String> = roster
        .managers
        .iter()
        .map(|m| m.person.email.clone())
        .collect();
    out.extend(roster.pairs.iter().map(|p| p.report.email.clone()));
    out
}

/// What the plan says `email` should see.
fn planned(roster: &Roster, history: &History, email: &str, window: Window) -> Vec<Shown> {
    let mut out: Vec<Shown> = plan::plan(roster, history, window, None)
        .iter()
        .filter(|m| m.pair.manager.is(email) || m.pair.report.is(email))
        .map(|m| Shown {
            start: m.start.as_second(),
            end: m.end.as_second(),
            uid: m.uid.to_string(),
            summary: format!("1:1 {} / {}", m.pair.manager.name, m.pair.report.name),
            description: events::description(m.prompts(roster).map(|p| p.text.as_str())),
            location: m.pair.location.clone(),
            tzid: m.pair.timezone.clone(),
        })
        .collect();
    out.sort();
    out
}

/// What a client shows from the feed of `email`, inside `window` (which
/// may reach past the window the feed was made for).
fn shown(doc: &str, window: Window) -> Vec<Shown> {
    let bound = window
        .until
        .checked_add(jiff::ToSpan::days(2))
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_second();
    let (from, until) = (naive(window.from), naive(window.until));
    expand(doc, bound)
        .into_iter()
        .filter(|s| s.in_window(from, until))
        .collect()
}

/// Renders every person's feed and compares it with the plan; returns how
/// many meetings were compared.
fn check_all(roster: &Roster, history: &History, window: Window) -> usize {
    let mut compared = 0;
    for email in people(roster) {
        let active = roster.knows(&email);
        let doc = feed::render(roster, history, &email, window, ORG, now());
        if !active {
            assert_eq!(doc, Err(UnknownPerson(email.clone())));
            continue;
        }
        let doc = doc.unwrap();
        assert_well_formed(&doc);
        let want = planned(roster, history, &email, window);
        let got = shown(&doc, window);
        assert_eq!(got.len(), want.len(), "{email}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{email}");
        }
        compared += want.len();

        // Past the window the open-ended series go on, at the right times,
        // with the master's text instead of prompts.
        let beyond = Window::weeks(window.until, 8);
        let want = planned(roster, history, &email, beyond);
        let got = shown(&doc, beyond);
        assert_eq!(got.len(), want.len(), "{email} beyond the window");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(
                (g.start, g.end, &g.uid),
                (w.start, w.end, &w.uid),
                "{email}"
            );
            assert_eq!(g.description, events::master_description());
        }
    }
    compared
}

#[test]
fn dst_roster_feeds_show_exactly_the_plan() {
    let roster = load(rosters::DST);
    let compared = check_all(&roster, &History::new(), window());
    // Weekly pairs alone hold hundreds of meetings: the loop really ran.
    assert!(compared > 500, "{compared}");
}

#[test]
fn dst_meetings_get_utc_overrides_and_others_do_not() {
    let roster = load(rosters::DST);
    let doc = feed::render(
        &roster,
        &History::new(),
        "ada@example.com",
        window(),
        ORG,
        now(),
    )
    .unwrap();
    let unfolded = doc.replace("\r\n ", "");
    // Grace, 02:30 New York on 2027-03-14 (gap): 03:30 EDT = 07:30Z.
    assert!(unfolded.contains(
        "RECURRENCE-ID;TZID=America/New_York:20270314T023000\r\n\
         DTSTART:20270314T073000Z\r\nDTEND:20270314T080000Z\r\n"
    ));
    // Alan, 01:30 on 2027-11-07 (fold): the first, 01:30 EDT = 05:30Z.
    assert!(unfolded.contains(
        "RECURRENCE-ID;TZID=America/New_York:20271107T013000\r\n\
         DTSTART:20271107T053000Z\r\nDTEND:20271107T061500Z\r\n"
    ));
    // Katherine, 00:30 EDT + 90 min ends at the second 01:00.
    assert!(unfolded.contains(
        "RECURRENCE-ID;TZID=America/New_York:20271107T003000\r\n\
         DTSTART:20271107T043000Z\r\nDTEND:20271107T060000Z\r\n"
    ));
    // An ordinary week stays in local time.
    assert!(unfolded.contains(
        "RECURRENCE-ID;TZID=America/New_York:20270321T023000\r\n\
         DTSTART;TZID=America/New_York:20270321T023000\r\n"
    ));
    // (DTEND: the VTIMEZONE's observances have a DTSTART without TZID too.)
    let utc = unfolded.matches("\r\nDTEND:").count();
    assert_eq!(utc, 3, "only the three DST meetings are in UTC");
}

#[test]
fn pause_becomes_exdates_and_opted_out_reports_appear_nowhere() {
    let roster = load(rosters::DST);
    let lines = |history: &History, prefix: &str| -> Vec<String> {
        let doc = feed::render(&roster, history, "edsger@example.com", window(), ORG, now())
            .expect("a feed");
        doc.split("\r\n")
            .filter(|l| l.starts_with(prefix))
            .map(str::to_string)
            .collect()
    };
    // Donald: every 3 weeks from 2027-01-05, paused until 04-01. With no
    // record of when the pause began it reaches back to the first meeting,
    // so his series starts at its first real meeting.
    let none = History::new();
    assert!(lines(&none, "EXDATE").is_empty());
    assert!(lines(&none, "DTSTART;TZID=Europe/London:")
        .contains(&"DTSTART;TZID=Europe/London:20270420T090000".to_string()));
    // A pause first seen before the 16 February meeting keeps the two
    // meetings held before it.
    let donald = roster
        .pairs
        .iter()
        .find(|p| p.report.email == "donald@example.com")
        .expect("Donald");
    let mut later = History::new();
    later.pause_from(&donald.uid, date(2027, 2, 16));
    assert_eq!(
        lines(&later, "EXDATE"),
        [
            "EXDATE;TZID=Europe/London:20270216T090000",
            "EXDATE;TZID=Europe/London:20270309T090000",
            "EXDATE;TZID=Europe/London:20270330T090000",
        ]
    );
    assert!(lines(&later, "DTSTART;TZID=Europe/London:")
        .contains(&"DTSTART;TZID=Europe/London:20270105T090000".to_string()));
    // Either way, every feed shows exactly the plan's meetings.
    assert!(check_all(&roster, &later, window()) > 0);
    for email in people(&roster) {
        if let Ok(doc) = feed::render(&roster, &History::new(), &email, window(), ORG, now()) {
            assert!(!doc.contains("frances"), "{email}'s feed names Frances");
            assert!(!doc.contains("Frances"), "{email}'s feed names Frances");
            // A published feed asks nothing of its reader.
            assert!(
                !doc.contains("RSVP") && !doc.contains("NEEDS-ACTION"),
                "{email}'s feed asks for an answer"
            );
        }
    }
    // The error for an opted-out report is the one for a stranger.
    let opted = feed::render(
        &roster,
        &History::new(),
        "frances@example.com",
        window(),
        ORG,
        now(),
    );
    let stranger = feed::render(
        &roster,
        &History::new(),
        "nobody@example.com",
        window(),
        ORG,
        now(),
    );
    let text = |r: Result<String, UnknownPerson>| r.unwrap_err().to_string();
    assert_eq!(
        text(opted).replace("frances", "X"),
        text(stranger).replace("nobody", "X")
    );
}

#[test]
fn a_report_sees_only_their_own_pair() {
    let roster = load(rosters::DST);
    let doc = feed::render(
        &roster,
        &History::new(),
        "grace@example.com",
        window(),
        ORG,
        now(),
    )
    .unwrap();
    let uids: std::collections::BTreeSet<&str> = doc
        .split("\r\n")
        .filter_map(|l| l.strip_prefix("UID:"))
        .collect();
    let grace = roster
        .pairs
        .iter()
        .find(|p| p.report.is("grace@example.com"))
        .unwrap();
    assert_eq!(uids.into_iter().collect::<Vec<_>>(), [grace.uid.as_str()]);
    assert!(!doc.contains("alan@example.com"));
}

/// Grace's pair met biweekly at 11:00 from 01-03, then (from 03-01) weekly
/// at 10:00 for an hour, and the roster now says weekly at 02:30.
fn history_for(roster: &Roster) -> History {
    let pair = roster
        .pairs
        .iter()
        .find(|p| p.report.is("grace@example.com"))
        .unwrap();
    let mut h = History::new();
    let ny = jiff::tz::TimeZone::get("America/New_York").unwrap();
    h.push(
        &pair.uid,
        PastSeries {
            uid: pair.uid.clone(),
            start: date(2027, 1, 3),
            from: date(2027, 1, 3),
            time: time(11, 0, 0, 0),
            cadence: Cadence::Weeks(2),
            duration_minutes: 30,
            timezone: "America/New_York".into(),
            tz: ny.clone(),
            until: date(2027, 3, 1),
        },
    );
    h.push(
        &pair.uid,
        PastSeries {
            uid: "second-series@touchbase".into(),
            start: date(2027, 1, 3),
            from: date(2027, 3, 1),
            time: time(10, 0, 0, 0),
            cadence: Cadence::Weeks(1),
            duration_minutes: 60,
            timezone: "America/New_York".into(),
            tz: ny,
            until: date(2027, 5, 3),
        },
    );
    h
}

#[test]
fn this_and_following_changes_expand_to_the_plan() {
    let roster = load(rosters::DST);
    let history = history_for(&roster);
    let compared = check_all(&roster, &history, window());
    assert!(compared > 500);

    let doc = feed::render(&roster, &history, "grace@example.com", window(), ORG, now()).unwrap();
    let unfolded = doc.replace("\r\n ", "");
    let pair = roster
        .pairs
        .iter()
        .find(|p| p.report.is("grace@example.com"))
        .unwrap();
    // Old series keep their UIDs and end before the change (local
    // midnight of the first date not held, minus a second, in UTC).
    assert!(unfolded.contains(&format!(
        "UID:{}\r\nDTSTAMP:20270101T080000Z\r\nDTSTART;TZID=America/New_York:20270103T110000\r\n\
         DTEND;TZID=America/New_York:20270103T113000\r\nRRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=20270301T045959Z\r\n",
        pair.uid
    )));
    assert!(unfolded.contains(
        "UID:second-series@touchbase\r\nDTSTAMP:20270101T080000Z\r\n\
         DTSTART;TZID=America/New_York:20270307T100000\r\nDTEND;TZID=America/New_York:20270307T110000\r\n\
         RRULE:FREQ=WEEKLY;UNTIL=20270503T035959Z\r\n"
    ));
    // The new series starts at the first meeting after the change, with
    // its own UID, derived and stable.
    let new_uid = touchbase::core::series::following_uid(&pair.uid, date(2027, 5, 9));
    assert!(unfolded.contains(&format!(
        "UID:{new_uid}\r\nDTSTAMP:20270101T080000Z\r\nDTSTART;TZID=America/New_York:20270509T023000\r\n"
    )));
    assert_ne!(new_uid, pair.uid);

    // Prompt numbering runs on across series: 5 biweekly + 9 weekly held
    // before the current series, so its first meeting is number 14.
    let meetings = plan::pair_meetings_with(pair, history.of(pair), window());
    let numbers: Vec<(u32, u32)> = meetings.iter().map(|m| (m.series, m.number)).collect();
    assert_eq!(
        numbers[..6],
        [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (1, 5)]
    );
    let first_new = meetings.iter().find(|m| m.series == 2).unwrap();
    assert_eq!(first_new.number, 14);
    assert_eq!(first_new.uid, new_uid);
    // And nothing repeats within a cycle of the bank.
    let eligible = pair.eligible.len();
    let ids: Vec<u16> = meetings.iter().flat_map(|m| m.prompts.clone()).collect();
    for chunk in ids.chunks(eligible) {
        let set: std::collections::BTreeSet<_> = chunk.iter().collect();
        assert!(set.len() + 1 >= chunk.len(), "repeats in {chunk:?}");
    }
}

#[test]
fn output_is_deterministic_and_now_only_moves_dtstamp() {
    let roster = load(rosters::DST);
    let history = history_for(&roster);
    let a = feed::render(&roster, &history, "radia@example.com", window(), ORG, now()).unwrap();
    let b = feed::render(&roster, &history, "radia@example.com", window(), ORG, now()).unwrap();
    assert_eq!(a, b);
    let later: Timestamp = "2027-02-03T04:05:06Z".parse().unwrap();
    let c = feed::render(&roster, &history, "radia@example.com", window(), ORG, later).unwrap();
    assert_ne!(a, c);
    assert_eq!(
        a.replace("DTSTAMP:20270101T080000Z", "DTSTAMP:X"),
        c.replace("DTSTAMP:20270203T040506Z", "DTSTAMP:X")
    );
}

#[test]
fn escapes_roster_round_trips_through_the_parser() {
    let roster = load(rosters::ESCAPES);
    let compared = check_all(&roster, &History::new(), window());
    assert!(compared > 40);
}
