//! Series tests: one series without history, earlier series kept in order
//! (those that hold no date left out), the UID of the series a change
//! starts, and opted-out pairs.

use jiff::civil::{date, time};

use super::*;
use crate::core::roster::{self, Roster};
use crate::core::source::SourceText;

/// Ada and Grace, Tuesdays at 10:00 in Paris from 2027-01-05; `extra`
/// adds keys to the report.
fn roster(extra: &str) -> Roster {
    let text = format!(
        r#"
[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-05"
  time = "10:00"
  cadence = "weekly"
  duration_minutes = 45
  timezone = "Europe/Paris"
{extra}
"#
    );
    roster::parse(&SourceText::new("r.toml", text)).expect("valid roster")
}

/// A weekly series at 09:00 UTC anchored on 2027-01-05, holding the dates
/// from `from` to before `until`.
fn past(uid: &str, from: Date, until: Date) -> PastSeries {
    PastSeries {
        uid: uid.to_string(),
        start: date(2027, 1, 5),
        from,
        time: time(9, 0, 0, 0),
        cadence: Cadence::Weeks(1),
        duration_minutes: 30,
        timezone: "UTC".to_string(),
        tz: TimeZone::UTC,
        until,
    }
}

#[test]
fn without_history_a_pair_has_one_open_series_under_its_own_uid() {
    let r = roster("  paused_until = \"2027-02-01\"");
    let pair = &r.pairs[0];
    let all = series_of(pair, Past::default());
    assert_eq!(all.len(), 1);
    let s = &all[0];
    assert_eq!(s.uid, pair.uid);
    assert_eq!(s.anchor, date(2027, 1, 5));
    assert_eq!(s.first, 0);
    assert_eq!(s.first_date(), Some(date(2027, 1, 5)));
    assert_eq!(s.until, None);
    assert_eq!(s.end(), u32::MAX);
    assert_eq!(s.time, time(10, 0, 0, 0));
    assert_eq!(s.cadence, Cadence::Weeks(1));
    assert_eq!(s.duration_minutes, 45);
    assert_eq!(s.timezone, "Europe/Paris");
    assert_eq!(
        s.pause,
        Some(Pause {
            from: None,
            until: date(2027, 2, 1)
        })
    );
}

#[test]
fn earlier_series_come_first_and_the_current_one_starts_where_they_end() {
    let r = roster("");
    let pair = &r.pairs[0];
    let earlier = [
        past("first@touchbase", date(2027, 1, 5), date(2027, 1, 19)),
        past("second@touchbase", date(2027, 1, 19), date(2027, 2, 2)),
    ];
    let all = series_of(pair, Past::series(&earlier));
    let uids: Vec<&str> = all.iter().map(|s| s.uid.as_ref()).collect();
    let following = following_uid(&pair.uid, date(2027, 2, 2));
    assert_eq!(
        uids,
        ["first@touchbase", "second@touchbase", following.as_str()]
    );

    // The earlier ones keep their own settings and end at their `until`.
    assert_eq!(all[0].time, time(9, 0, 0, 0));
    assert_eq!(all[0].timezone, "UTC");
    assert_eq!((all[0].first, all[0].until), (0, Some(date(2027, 1, 19))));
    assert_eq!((all[1].first, all[1].until), (2, Some(date(2027, 2, 2))));
    assert_eq!(all[0].end(), 2);
    assert_eq!(all[1].end(), 4);

    // The current one is the roster's, from the first date not in them.
    let current = &all[2];
    assert_eq!(current.first, 4);
    assert_eq!(current.first_date(), Some(date(2027, 2, 2)));
    assert_eq!(current.until, None);
    assert_eq!(current.time, time(10, 0, 0, 0));
    assert_eq!(current.timezone, "Europe/Paris");
}

#[test]
fn a_past_series_that_holds_no_date_is_left_out_but_still_moves_the_current_one() {
    let r = roster("");
    let pair = &r.pairs[0];
    // From a Wednesday to the next Tuesday: no Tuesday before `until`.
    let earlier = [
        past("held@touchbase", date(2027, 1, 5), date(2027, 1, 6)),
        past("empty@touchbase", date(2027, 1, 6), date(2027, 1, 12)),
    ];
    let all = series_of(pair, Past::series(&earlier));
    let uids: Vec<&str> = all.iter().map(|s| s.uid.as_ref()).collect();
    let following = following_uid(&pair.uid, date(2027, 1, 12));
    assert_eq!(uids, ["held@touchbase", following.as_str()]);
    assert_eq!(all[1].first_date(), Some(date(2027, 1, 12)));

    // Alone, the empty one leaves only the current series, still moved on.
    let all = series_of(pair, Past::series(&earlier[1..]));
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].uid, following);
    assert_eq!(all[0].first, 1);
}

#[test]
fn a_current_series_that_starts_after_the_history_takes_its_start_date() {
    // The roster's start moved past the end of the earlier series.
    let mut pair = roster("").pairs[0].clone();
    pair.start = date(2027, 3, 2);
    let earlier = [past("old@touchbase", date(2027, 1, 5), date(2027, 2, 2))];
    let all = series_of(&pair, Past::series(&earlier));
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].first, 0);
    assert_eq!(all[1].uid, following_uid(&pair.uid, date(2027, 3, 2)));
}

#[test]
fn an_opted_out_pair_has_no_series() {
    let r = roster("  opt_out = true");
    let pair = &r.pairs[0];
    assert!(series_of(pair, Past::default()).is_empty());
    let earlier = [past("old@touchbase", date(2027, 1, 5), date(2027, 2, 2))];
    assert!(series_of(pair, Past::series(&earlier)).is_empty());
}

#[test]
fn a_pause_applies_to_earlier_series_too() {
    let r = roster("  paused_until = \"2027-01-12\"");
    let pair = &r.pairs[0];
    let earlier = [past("old@touchbase", date(2027, 1, 5), date(2027, 2, 2))];
    let all = series_of(pair, Past::series(&earlier));
    assert!(all
        .iter()
        .all(|s| s.pause.is_some_and(|p| p.until == date(2027, 1, 12))));
    // The earlier series holds four dates, the pause removes the first.
    assert_eq!(all[0].paused(), (0, 1));
    assert_eq!(all[0].first_shown(), 1);
    assert_eq!(all[0].held_before(all[0].end()), 3);
}

#[test]
fn a_pause_that_began_later_keeps_the_meetings_before_it() {
    let r = roster("  paused_until = \"2027-02-01\"");
    let pair = &r.pairs[0];
    // Weekly from 5 January; the pause was first seen before the 19th.
    let past = Past {
        series: &[],
        paused_from: Some(date(2027, 1, 19)),
    };
    let all = series_of(pair, past);
    let s = &all[0];
    assert_eq!(s.paused(), (2, 4), "19 and 26 January are removed");
    assert_eq!(s.first_shown(), 0, "the series still starts on 5 January");
    // (occurrence k, meetings held before it)
    for (k, held) in [(0, 0), (1, 1), (2, 2), (3, 2), (4, 2), (5, 3)] {
        assert_eq!(s.held_before(k), held, "before occurrence {k}");
    }
    // Without a recorded start the pause reaches back to the first meeting.
    let all = series_of(pair, Past::default());
    assert_eq!(all[0].paused(), (0, 4));
    assert_eq!(all[0].first_shown(), 4);
    assert_eq!(all[0].held_before(5), 1);
    for (d, removed) in [(5, true), (19, true), (31, true)] {
        let p = all[0].pause.expect("paused");
        assert_eq!(p.removes(date(2027, 1, d)), removed);
    }
    assert!(!all[0].pause.expect("paused").removes(date(2027, 2, 1)));
}

#[test]
fn following_uid_is_derived_from_pair_and_date() {
    let a = following_uid("pair-a@touchbase", date(2027, 2, 2));
    assert_eq!(a, following_uid("pair-a@touchbase", date(2027, 2, 2)));
    assert_ne!(a, following_uid("pair-a@touchbase", date(2027, 2, 9)));
    assert_ne!(a, following_uid("pair-b@touchbase", date(2027, 2, 2)));
    assert_ne!(a, "pair-a@touchbase");
    let (hex, domain) = a.split_once('@').expect("an @");
    assert_eq!(domain, "touchbase");
    assert_eq!(hex.len(), 32);
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn history_keeps_each_pairs_series_in_date_order() {
    let r = roster("");
    let pair = &r.pairs[0];
    let mut history = History::new();
    assert!(history.of(pair).series.is_empty());
    history.push(
        &pair.uid,
        past("second@touchbase", date(2027, 1, 19), date(2027, 2, 2)),
    );
    history.push(
        &pair.uid,
        past("first@touchbase", date(2027, 1, 5), date(2027, 1, 19)),
    );
    history.push(
        "someone-else@touchbase",
        past("other@touchbase", date(2027, 1, 5), date(2027, 1, 12)),
    );
    let uids: Vec<&str> = history
        .of(pair)
        .series
        .iter()
        .map(|s| s.uid.as_str())
        .collect();
    assert_eq!(uids, ["first@touchbase", "second@touchbase"]);
}
