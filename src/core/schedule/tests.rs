//! Schedule tests: cadences across DST in several zones, gaps and folds,
//! monthly rules, pauses and opt-outs.

use jiff::civil::{date, time, Date};
use jiff::tz::TimeZone;

use super::*;
use crate::core::roster::{self, Pair};
use crate::core::source::SourceText;

/// One pair from a report's TOML keys (manager in UTC unless set).
fn pair(report_keys: &str) -> Pair {
    let text = format!(
        "[[managers]]\nemail = \"ada@example.com\"\n\n  [[managers.reports]]\n  email = \"grace@example.com\"\n{report_keys}\n"
    );
    let roster = roster::parse(&SourceText::new("t.toml", text)).expect("valid roster");
    roster.pairs.into_iter().next().expect("one pair")
}

fn all(p: &Pair, from: Date, weeks: u32) -> Vec<Slot> {
    slots(p, Window::weeks(from, weeks)).collect()
}

/// Local wall-clock "HH:MM" and UTC offset in seconds of a slot.
fn local(p: &Pair, s: &Slot) -> (String, i32) {
    let z = s.start.to_zoned(p.tz.clone());
    (z.strftime("%H:%M").to_string(), z.offset().seconds())
}

#[test]
fn new_york_weekly_keeps_wall_clock_across_both_changes() {
    let p = pair("start = \"2027-03-02\"\ntime = \"09:30\"\ncadence = \"weekly\"\ntimezone = \"America/New_York\"");
    let s = all(&p, date(2027, 3, 1), 2);
    assert_eq!(
        s.iter().map(|s| s.date).collect::<Vec<_>>(),
        [date(2027, 3, 2), date(2027, 3, 9)]
    );
    assert_eq!(local(&p, &s[0]), ("09:30".into(), -5 * 3600));
    // 2027-03-14 is the spring-forward Sunday: the following Tuesday is EDT.
    let s = all(&p, date(2027, 3, 14), 1);
    assert_eq!(local(&p, &s[0]), ("09:30".into(), -4 * 3600));
    assert_eq!(s[0].start.to_string(), "2027-03-16T13:30:00Z");
    // 2027-11-07 falls back.
    let s = all(&p, date(2027, 11, 1), 2);
    assert_eq!(local(&p, &s[0]), ("09:30".into(), -4 * 3600));
    assert_eq!(local(&p, &s[1]), ("09:30".into(), -5 * 3600));
    assert!(s.iter().all(|s| s.clock == Clock::Normal));
}

#[test]
fn london_biweekly_across_bst() {
    let p = pair("start = \"2027-03-19\"\ntime = \"16:00\"\ntimezone = \"Europe/London\"");
    let s = all(&p, date(2027, 3, 1), 8);
    let dates: Vec<_> = s.iter().map(|s| s.date).collect();
    assert_eq!(
        dates,
        [date(2027, 3, 19), date(2027, 4, 2), date(2027, 4, 16)]
    );
    assert_eq!(local(&p, &s[0]), ("16:00".into(), 0));
    assert_eq!(local(&p, &s[1]), ("16:00".into(), 3600));
    assert_eq!(s[1].start.to_string(), "2027-04-02T15:00:00Z");
}

#[test]
fn sydney_every_three_weeks_in_the_southern_hemisphere() {
    // DST ends 2027-04-04 and starts 2027-10-03 in Sydney.
    let p = pair("start = \"2027-03-24\"\ntime = \"08:00\"\ncadence = \"every 3 weeks\"\ntimezone = \"Australia/Sydney\"");
    let s = all(&p, date(2027, 3, 1), 40);
    assert_eq!(s[0].date, date(2027, 3, 24));
    assert_eq!(s[1].date, date(2027, 4, 14));
    assert_eq!(local(&p, &s[0]), ("08:00".into(), 11 * 3600));
    assert_eq!(local(&p, &s[1]), ("08:00".into(), 10 * 3600));
    let after_october = s
        .iter()
        .find(|x| x.date > date(2027, 10, 3))
        .expect("a meeting after DST starts");
    assert_eq!(local(&p, after_october), ("08:00".into(), 11 * 3600));
    for w in s.windows(2) {
        assert_eq!((w[1].date - w[0].date).get_days(), 21);
    }
}

#[test]
fn kolkata_has_no_dst_and_a_half_hour_offset() {
    let p = pair("start = \"2027-01-08\"\ntime = \"10:30\"\ncadence = \"weekly\"\ntimezone = \"Asia/Kolkata\"");
    let s = all(&p, date(2027, 1, 8), 52);
    assert_eq!(s.len(), 52);
    for x in &s {
        assert_eq!(local(&p, x), ("10:30".into(), 5 * 3600 + 1800));
        assert_eq!(
            x.start
                .to_zoned(TimeZone::UTC)
                .strftime("%H:%M")
                .to_string(),
            "05:00"
        );
    }
}

#[test]
fn a_0230_meeting_on_the_spring_forward_day_moves_forward_by_the_gap() {
    // 2027-03-14 02:30 does not exist in New York: RFC 5545 says 03:30 EDT.
    let p = pair("start = \"2027-03-07\"\ntime = \"02:30\"\ncadence = \"weekly\"\ntimezone = \"America/New_York\"");
    let s = all(&p, date(2027, 3, 7), 3);
    assert_eq!(s[0].clock, Clock::Normal);
    assert_eq!(s[1].date, date(2027, 3, 14));
    assert_eq!(s[1].clock, Clock::Gap);
    assert_eq!(s[1].local, date(2027, 3, 14).at(2, 30, 0, 0));
    assert_eq!(s[1].start.to_string(), "2027-03-14T07:30:00Z");
    assert_eq!(local(&p, &s[1]), ("03:30".into(), -4 * 3600));
    // The end is start plus the duration in elapsed time.
    assert_eq!(s[1].end.to_string(), "2027-03-14T08:00:00Z");
    assert_eq!(s[2].clock, Clock::Normal);
    assert_eq!(local(&p, &s[2]), ("02:30".into(), -4 * 3600));
}

#[test]
fn a_0130_meeting_on_the_fall_back_day_takes_the_first_instance() {
    let p = pair("start = \"2027-11-07\"\ntime = \"01:30\"\nduration_minutes = 60\ntimezone = \"America/New_York\"");
    let s = all(&p, date(2027, 11, 1), 1);
    assert_eq!(s[0].clock, Clock::Fold);
    assert_eq!(s[0].start.to_string(), "2027-11-07T05:30:00Z");
    assert_eq!(local(&p, &s[0]), ("01:30".into(), -4 * 3600));
    // 60 elapsed minutes later it is 01:30 again, now EST.
    assert_eq!(s[0].end.to_string(), "2027-11-07T06:30:00Z");
}

#[test]
fn london_gap_and_fold_at_0100() {
    // London springs forward at 01:00 GMT (2027-03-28) and falls back at 02:00 BST (2027-10-31).
    let p = pair("start = \"2027-03-28\"\ntime = \"01:15\"\ntimezone = \"Europe/London\"\ncadence = \"every 1 week\"");
    let s = all(&p, date(2027, 3, 28), 1);
    assert_eq!(s[0].clock, Clock::Gap);
    assert_eq!(local(&p, &s[0]), ("02:15".into(), 3600));
    let s = all(&p, date(2027, 10, 31), 1);
    assert_eq!(s[0].clock, Clock::Fold);
    assert_eq!(s[0].start.to_string(), "2027-10-31T00:15:00Z");
}

#[test]
fn monthly_from_a_fifth_week_start_takes_the_last_weekday() {
    // 2027-01-29 is the fifth Friday of January.
    let p = pair("start = \"2027-01-29\"\ncadence = \"monthly\"");
    let dates: Vec<Date> = all(&p, date(2027, 1, 1), 31)
        .iter()
        .map(|s| s.date)
        .collect();
    assert_eq!(
        dates,
        [
            date(2027, 1, 29),
            date(2027, 2, 26),
            date(2027, 3, 26),
            date(2027, 4, 30),
            date(2027, 5, 28),
            date(2027, 6, 25),
            date(2027, 7, 30),
        ]
    );
    assert!(dates
        .iter()
        .all(|d| d.weekday() == jiff::civil::Weekday::Friday));
}

#[test]
fn monthly_keeps_the_week_of_the_month() {
    // 2027-01-12 is the second Tuesday.
    let p = pair("start = \"2027-01-12\"\ncadence = \"monthly\"");
    let dates: Vec<Date> = all(&p, date(2027, 1, 1), 18)
        .iter()
        .map(|s| s.date)
        .collect();
    assert_eq!(
        dates,
        [
            date(2027, 1, 12),
            date(2027, 2, 9),
            date(2027, 3, 9),
            date(2027, 4, 13)
        ]
    );
    // A window that starts mid-series finds the right first meeting.
    assert_eq!(first_on_or_after(p.start, p.cadence, date(2027, 2, 10)), 2);
    assert_eq!(first_on_or_after(p.start, p.cadence, date(2027, 3, 9)), 2);
}

#[test]
fn pause_removes_meetings_before_its_date() {
    let p = pair("start = \"2027-01-05\"\ncadence = \"weekly\"\npaused_until = \"2027-02-01\"");
    let s = all(&p, date(2027, 1, 1), 8);
    assert_eq!(s[0].date, date(2027, 2, 2));
    assert_eq!(s[0].occurrence, 4);
    assert!(s.iter().all(|x| x.date >= date(2027, 2, 1)));
    assert_eq!(paused_count(&p), 4);
    assert!(p.is_paused_on(date(2027, 1, 20)));
    assert!(!p.is_paused_on(date(2027, 2, 1)));
}

#[test]
fn paused_meetings_use_up_no_prompts() {
    let paused =
        pair("start = \"2027-01-05\"\ncadence = \"weekly\"\npaused_until = \"2027-02-01\"");
    let fresh = pair("start = \"2027-02-02\"\ncadence = \"weekly\"");
    let a = crate::core::plan::pair_meetings(&paused, Window::weeks(date(2027, 1, 1), 12));
    let b = crate::core::plan::pair_meetings(&fresh, Window::weeks(date(2027, 1, 1), 12));
    assert_eq!(a[0].number, 0);
    assert_eq!(
        a.iter().map(|m| &m.prompts).collect::<Vec<_>>(),
        b.iter().map(|m| &m.prompts).collect::<Vec<_>>()
    );
}

#[test]
fn opt_out_schedules_nothing() {
    let p = pair("start = \"2027-01-05\"\ncadence = \"weekly\"\nopt_out = true");
    assert!(all(&p, date(2027, 1, 1), 52).is_empty());
    assert!(!p.is_active());
}

#[test]
fn nothing_before_start_and_window_edges_hold() {
    let p = pair("start = \"2027-01-05\"\ncadence = \"weekly\"\ntime = \"23:45\"");
    assert!(all(&p, date(2026, 1, 1), 52).is_empty());
    // `until` is excluded, `from` included.
    let s = all(&p, date(2027, 1, 5), 1);
    assert_eq!(s.len(), 1);
    let s = all(&p, date(2027, 1, 6), 1);
    assert_eq!(s[0].date, date(2027, 1, 12));
    assert_eq!(p.time, time(23, 45, 0, 0));
}
