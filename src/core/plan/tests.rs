//! Plan tests: the order of a roster's meetings, the manager filter,
//! opt-outs and pauses, prompts that do not depend on the window, earlier
//! series from the history, and when the next meeting enters its lead time.

use jiff::civil::{date, Date};
use jiff::tz::TimeZone;

use super::*;
use crate::core::cadence::Cadence;
use crate::core::roster;
use crate::core::series::{following_uid, PastSeries};
use crate::core::source::SourceText;

fn roster(text: &str) -> Roster {
    roster::parse(&SourceText::new("r.toml", text)).expect("valid roster")
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn pair<'r>(roster: &'r Roster, report: &str) -> &'r Pair {
    roster
        .pairs
        .iter()
        .find(|p| p.report.email == report)
        .expect("pair in roster")
}

/// Two managers in UTC. Ada's reports Zoe (listed first) and Grace meet her
/// at the same instant as Bob meets Carol; Dan opted out.
const TEAM: &str = r#"
[defaults]
cadence = "weekly"
time = "09:30"

[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "zoe@example.com"
  start = "2027-01-05"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-05"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-01-06"
  time = "08:00"

[[managers]]
email = "bob@example.com"

  [[managers.reports]]
  email = "carol@example.com"
  start = "2027-01-05"

  [[managers.reports]]
  email = "dan@example.com"
  start = "2027-01-04"
  opt_out = true
"#;

/// One weekly pair, Tuesdays 09:30 UTC from 2027-01-05, with four prompts
/// and one per meeting; `extra` adds keys to the report.
fn one_pair(extra: &str) -> Roster {
    roster(&format!(
        r#"
[defaults]
prompts_per_meeting = 1

[[prompts]]
id = "a"
text = "A?"

[[prompts]]
id = "b"
text = "B?"

[[prompts]]
id = "c"
text = "C?"

[[prompts]]
id = "d"
text = "D?"

[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-05"
  time = "09:30"
  cadence = "weekly"
{extra}
"#
    ))
}

fn dates(meetings: &[Meeting<'_>]) -> Vec<Date> {
    meetings.iter().map(|m| m.local.date()).collect()
}

#[test]
fn plan_orders_by_start_then_manager_then_report() {
    let r = roster(TEAM);
    let history = History::new();
    let meetings = plan(&r, &history, Window::weeks(date(2027, 1, 4), 1), None);
    let who: Vec<(&str, &str)> = meetings
        .iter()
        .map(|m| (m.pair.manager.email.as_str(), m.pair.report.email.as_str()))
        .collect();
    // Same instant: Ada (first manager) before Bob, and within Ada by
    // address, not by roster order. Wednesday's meeting comes last although
    // its time of day is earlier.
    assert_eq!(
        who,
        [
            ("ada@example.com", "grace@example.com"),
            ("ada@example.com", "zoe@example.com"),
            ("bob@example.com", "carol@example.com"),
            ("ada@example.com", "alan@example.com"),
        ]
    );
}

#[test]
fn plan_holds_each_active_pairs_meetings_and_none_of_an_opted_out_one() {
    let r = roster(TEAM);
    let window = Window::weeks(date(2027, 1, 4), 4);
    let history = History::new();
    let meetings = plan(&r, &history, window, None);
    for p in &r.pairs {
        let mine: Vec<(Timestamp, Vec<u16>)> = meetings
            .iter()
            .filter(|m| std::ptr::eq(m.pair, p))
            .map(|m| (m.start, m.prompts.clone()))
            .collect();
        if p.opt_out {
            assert!(mine.is_empty(), "{}", p.report.email);
            continue;
        }
        assert_eq!(mine.len(), 4, "{}", p.report.email);
        let alone: Vec<(Timestamp, Vec<u16>)> = pair_meetings(p, window)
            .into_iter()
            .map(|m| (m.start, m.prompts))
            .collect();
        assert_eq!(mine, alone, "{}", p.report.email);
    }
    assert!(meetings.windows(2).all(|w| w[0].start <= w[1].start));
}

#[test]
fn plan_filters_by_manager_whatever_the_case() {
    let r = roster(TEAM);
    let window = Window::weeks(date(2027, 1, 4), 4);
    let history = History::new();
    let bobs = plan(&r, &history, window, Some("BOB@Example.com"));
    assert_eq!(bobs.len(), 4);
    assert!(bobs
        .iter()
        .all(|m| m.pair.report.email == "carol@example.com"));
    let nobody = plan(&r, &history, window, Some("nobody@example.com"));
    assert!(nobody.is_empty());
}

#[test]
fn plan_shows_earlier_series_from_the_history() {
    let r = one_pair("");
    let grace = pair(&r, "grace@example.com");
    let mut history = History::new();
    // Until the 19th the pair met at 08:00 under another UID.
    history.push(
        &grace.uid,
        PastSeries {
            uid: "earlier@touchbase".to_string(),
            start: date(2027, 1, 5),
            from: date(2027, 1, 5),
            time: jiff::civil::time(8, 0, 0, 0),
            cadence: Cadence::Weeks(1),
            duration_minutes: 30,
            timezone: "UTC".to_string(),
            tz: TimeZone::UTC,
            until: date(2027, 1, 19),
        },
    );
    let meetings = plan(&r, &history, Window::weeks(date(2027, 1, 4), 4), None);
    let seen: Vec<(&str, u32, u32, Timestamp)> = meetings
        .iter()
        .map(|m| (m.uid.as_ref(), m.series, m.number, m.start))
        .collect();
    let following = following_uid(&grace.uid, date(2027, 1, 19));
    assert_eq!(
        seen,
        [
            ("earlier@touchbase", 0, 0, at("2027-01-05T08:00:00Z")),
            ("earlier@touchbase", 0, 1, at("2027-01-12T08:00:00Z")),
            (following.as_str(), 1, 2, at("2027-01-19T09:30:00Z")),
            (following.as_str(), 1, 3, at("2027-01-26T09:30:00Z")),
        ]
    );
    // Without the history the same pair is one series under its own UID.
    let none = History::new();
    let plain = plan(&r, &none, Window::weeks(date(2027, 1, 4), 4), None);
    assert!(plain.iter().all(|m| m.uid == grace.uid && m.series == 0));
}

#[test]
fn pair_meetings_fill_in_each_meeting() {
    let r = roster(
        r#"
[[managers]]
email = "ada@example.com"
timezone = "Europe/London"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-03-23"
  time = "09:30"
  cadence = "weekly"
  duration_minutes = 45
  prompts_per_meeting = 3
"#,
    );
    let grace = pair(&r, "grace@example.com");
    let meetings = pair_meetings(grace, Window::weeks(date(2027, 3, 22), 2));
    assert_eq!(dates(&meetings), [date(2027, 3, 23), date(2027, 3, 30)]);
    // 09:30 in London is 09:30 UTC before the clocks go forward on the
    // 28th, 08:30 UTC after.
    assert_eq!(meetings[0].start, at("2027-03-23T09:30:00Z"));
    assert_eq!(meetings[1].start, at("2027-03-30T08:30:00Z"));
    for (k, m) in meetings.iter().enumerate() {
        assert_eq!(m.start.duration_until(m.end), SignedDuration::from_mins(45));
        assert_eq!(m.local.time(), jiff::civil::time(9, 30, 0, 0));
        assert_eq!(m.clock, Clock::Normal);
        assert_eq!(m.uid, grace.uid);
        assert_eq!(m.series, 0);
        assert_eq!(m.occurrence as usize, k);
        assert_eq!(m.number as usize, k);
        assert_eq!(m.prompts.len(), 3);
        assert_eq!(m.prompts(&r).count(), 3);
    }
}

#[test]
fn pair_meetings_use_every_prompt_before_repeating_one() {
    let r = one_pair("");
    let grace = pair(&r, "grace@example.com");
    let meetings = pair_meetings(grace, Window::weeks(date(2027, 1, 4), 4));
    let mut used: Vec<u16> = meetings.iter().flat_map(|m| m.prompts.clone()).collect();
    assert_eq!(used.len(), 4);
    used.sort_unstable();
    used.dedup();
    assert_eq!(used, [0, 1, 2, 3]);
}

#[test]
fn pair_meetings_give_a_meeting_its_prompts_whatever_the_window() {
    let r = one_pair("");
    let grace = pair(&r, "grace@example.com");
    let all = pair_meetings(grace, Window::weeks(date(2027, 1, 4), 10));
    assert_eq!(all.len(), 10);
    for m in &all {
        let from = m.local.date();
        let later = pair_meetings(grace, Window::weeks(from, 1));
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].start, m.start);
        assert_eq!(later[0].number, m.number);
        assert_eq!(later[0].prompts, m.prompts, "meeting on {from}");
    }
}

#[test]
fn paused_dates_are_left_out_and_use_up_no_prompts() {
    let paused = one_pair("  paused_until = \"2027-01-19\"");
    let plain = one_pair("");
    let window = Window::weeks(date(2027, 1, 4), 6);
    let p = pair_meetings(pair(&paused, "grace@example.com"), window);
    let q = pair_meetings(pair(&plain, "grace@example.com"), window);
    assert_eq!(p[0].local.date(), date(2027, 1, 19));
    assert_eq!(p.len(), q.len() - 2);
    let numbered: Vec<(u32, u32)> = p.iter().map(|m| (m.occurrence, m.number)).collect();
    assert_eq!(numbered, [(2, 0), (3, 1), (4, 2), (5, 3)]);
    // The first meeting held gets the prompts an unpaused pair starts with.
    for (a, b) in p.iter().zip(&q) {
        assert_eq!(a.prompts, b.prompts);
    }
}

#[test]
fn an_opted_out_pair_has_no_meetings() {
    let r = one_pair("  opt_out = true");
    let window = Window::weeks(date(2027, 1, 4), 4);
    assert!(pair_meetings(pair(&r, "grace@example.com"), window).is_empty());
    assert!(plan(&r, &History::new(), window, None).is_empty());
}

#[test]
fn next_lead_entry_of_a_weekly_pair() {
    let r = one_pair("");
    // The meeting of the 5th entered its lead time before now; the one of
    // the 12th enters it 7 x 24 hours before it starts.
    let now = at("2027-01-01T00:00:00Z");
    assert_eq!(
        next_lead_entry(&r, 7, now),
        Some(at("2027-01-05T09:30:00Z"))
    );
    // An entry at exactly `now` is not the next one: it is due already.
    let now = at("2027-01-05T09:30:00Z");
    assert_eq!(
        next_lead_entry(&r, 7, now),
        Some(at("2027-01-12T09:30:00Z"))
    );
}

#[test]
fn next_lead_entry_with_no_lead_is_the_next_start() {
    let r = one_pair("");
    assert_eq!(
        next_lead_entry(&r, 0, at("2027-01-05T09:00:00Z")),
        Some(at("2027-01-05T09:30:00Z"))
    );
    assert_eq!(
        next_lead_entry(&r, 0, at("2027-01-05T09:30:00Z")),
        Some(at("2027-01-12T09:30:00Z"))
    );
}

#[test]
fn next_lead_entry_skips_paused_meetings() {
    let r = one_pair("  paused_until = \"2027-02-01\"");
    // The first meeting after the pause is on Tuesday 2 February.
    assert_eq!(
        next_lead_entry(&r, 7, at("2027-01-01T00:00:00Z")),
        Some(at("2027-01-26T09:30:00Z"))
    );
}

#[test]
fn next_lead_entry_ignores_opted_out_pairs() {
    let r = one_pair("  opt_out = true");
    assert_eq!(next_lead_entry(&r, 7, at("2027-01-01T00:00:00Z")), None);

    // Grace (opted out) would be due first; Alan's Thursday meeting counts.
    let r = roster(
        r#"
[defaults]
cadence = "weekly"
time = "09:30"

[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-05"
  opt_out = true

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-01-07"
"#,
    );
    assert_eq!(
        next_lead_entry(&r, 7, at("2027-01-01T00:00:00Z")),
        Some(at("2027-01-07T09:30:00Z"))
    );
}

#[test]
fn next_lead_entry_counts_elapsed_hours_across_a_dst_change() {
    let r = roster(
        r#"
[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-03-30"
  time = "09:30"
  cadence = "weekly"
  timezone = "Europe/London"
"#,
    );
    // 09:30 BST on the 30th is 08:30 UTC; seven days of 24 hours before it
    // is 08:30 UTC on the 23rd (09:30 GMT would be an hour late).
    assert_eq!(
        next_lead_entry(&r, 7, at("2027-03-01T00:00:00Z")),
        Some(at("2027-03-23T08:30:00Z"))
    );
}

#[test]
fn permute_puts_each_item_where_the_order_says() {
    for order in [
        vec![],
        vec![0],
        vec![1, 0],
        vec![2, 0, 1],
        vec![3, 0, 1, 2, 5, 4],
        vec![0, 2, 1, 3],
    ] {
        let mut items: Vec<usize> = (0..order.len()).map(|i| i * 10).collect();
        super::permute(&mut items, &order);
        let want: Vec<usize> = order.iter().map(|&i| i * 10).collect();
        assert_eq!(items, want, "{order:?}");
    }
}
