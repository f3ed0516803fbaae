//! Working hours (`hours = "Mon-Fri 09:00-17:00"`): the weekly times, in
//! the person's own zone, in which touchbase may place a 1:1.
//!
//! The compact form is a list of groups separated by commas; a group is
//! days followed by one or more time ranges: `"Mon-Fri 09:00-17:00"`,
//! `"Mon,Wed 08:30-12:00, Fri 13:00-16:00"`, `"Mon-Thu 09:00-12:00
//! 13:00-17:00"`. Days are `Mon` to `Sun` (or their full English names,
//! any case), a range of days may wrap (`Fri-Mon`), times are 24-hour
//! `HH:MM` with `24:00` for the end of the day. A range covers the
//! 15-minute cells that lie wholly inside it.

use super::week::{Week, CELL_MINUTES, PER_DAY};

/// Working hours as a set of cells of the person's local week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    /// The cells inside the hours.
    pub week: Week,
}

/// What `hours` must look like, for error messages.
pub const EXPECTED: &str = "working hours such as \"Mon-Fri 09:00-17:00\" or \"Mon,Wed 08:30-12:00, Fri 13:00-16:00\" (days Mon to Sun, 24-hour HH:MM times, each range ending after it starts)";

/// The hours used when no level of the roster sets any.
pub const DEFAULT: &str = "Mon-Fri 09:00-17:00";

const DAYS: [(&str, &str); 7] = [
    ("mon", "monday"),
    ("tue", "tuesday"),
    ("wed", "wednesday"),
    ("thu", "thursday"),
    ("fri", "friday"),
    ("sat", "saturday"),
    ("sun", "sunday"),
];

impl Hours {
    /// Parses the compact form; `Err` says what is wrong with it.
    pub fn parse(s: &str) -> Result<Hours, String> {
        let mut week = Week::EMPTY;
        let mut days: Vec<usize> = Vec::new();
        let mut any = false;
        for piece in s.split(',') {
            let mut words = piece.split_whitespace();
            let Some(first) = words.next() else {
                return Err("an empty part between commas".into());
            };
            if first.contains(':') {
                return Err(format!("{first:?} comes before any day"));
            }
            days.extend(parse_days(first)?);
            let mut ranges = 0;
            for w in words {
                let (from, to) = parse_range(w)?;
                for d in &days {
                    for c in cells_between(from, to) {
                        week.set(d * PER_DAY + c);
                    }
                }
                ranges += 1;
                any = true;
            }
            if ranges > 0 {
                days.clear();
            }
        }
        if !days.is_empty() {
            return Err("days without a time range after them".into());
        }
        if !any {
            return Err("no time range".into());
        }
        Ok(Hours { week })
    }

    /// Whether any hours fall on `day` (0 is Monday, 6 Sunday).
    pub fn works_on(&self, day: usize) -> bool {
        day < 7
            && self
                .week
                .first_in(day * PER_DAY, (day + 1) * PER_DAY)
                .is_some()
    }

    /// The default, `Mon-Fri 09:00-17:00`.
    pub fn standard() -> Hours {
        let mut week = Week::EMPTY;
        for d in 0..5 {
            for c in cells_between(9 * 60, 17 * 60) {
                week.set(d * PER_DAY + c);
            }
        }
        Hours { week }
    }
}

fn day(s: &str) -> Result<usize, String> {
    let lower = s.to_ascii_lowercase();
    DAYS.iter()
        .position(|(short, long)| lower == *short || lower == *long)
        .ok_or_else(|| format!("{s:?} is not a day"))
}

fn parse_days(s: &str) -> Result<Vec<usize>, String> {
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (day(a)?, day(b)?);
            let len = (b + 7 - a) % 7 + 1;
            Ok((0..len).map(|i| (a + i) % 7).collect())
        }
        None => Ok(vec![day(s)?]),
    }
}

/// `HH:MM-HH:MM` as minutes of the day.
fn parse_range(s: &str) -> Result<(i32, i32), String> {
    let bad = || format!("{s:?} is not a time range such as 09:00-17:00");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (from, to) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
    if to <= from {
        return Err(format!(
            "{s:?} ends before it starts (hours past midnight are written as two ranges, one on each day)"
        ));
    }
    Ok((from, to))
}

fn minutes(s: &str) -> Option<i32> {
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    if !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    let ok = (h < 24 && m < 60) || (h == 24 && m == 0);
    ok.then_some(h * 60 + m)
}

/// The cells of a day wholly inside `[from, to)` minutes.
fn cells_between(from: i32, to: i32) -> impl Iterator<Item = usize> {
    let first = (from + CELL_MINUTES - 1) / CELL_MINUTES;
    let last = to / CELL_MINUTES;
    (first..last).map(|c| c as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(h: &Hours) -> Vec<usize> {
        h.week.cells().collect()
    }

    #[test]
    fn compact_forms() {
        assert_eq!(Hours::parse(DEFAULT), Ok(Hours::standard()));
        let h = Hours::parse("Mon,Wed 08:30-12:00, Fri 13:00-16:00").expect("valid");
        assert_eq!(h.week.count(), 2 * 14 + 12);
        assert!(h.week.get(34)); // Monday 08:30
        assert!(!h.week.get(33));
        assert!(h.week.get(2 * PER_DAY + 47)); // Wednesday 11:45
        assert!(!h.week.get(PER_DAY + 40)); // not Tuesday
        assert!(h.week.get(4 * PER_DAY + 52)); // Friday 13:00
        let split = Hours::parse("monday-Tuesday 09:00-12:00 13:00-17:00").expect("valid");
        assert_eq!(split.week.count(), 2 * (12 + 16));
        let wrap = Hours::parse("Sat-Mon 22:00-24:00").expect("valid");
        assert_eq!(cells(&wrap)[0], 88); // Monday 22:00
        assert_eq!(wrap.week.count(), 3 * 8);
        // Off-grid edges keep only whole cells inside.
        let odd = Hours::parse("Tue 09:10-10:05").expect("valid");
        assert_eq!(cells(&odd), vec![PER_DAY + 37, PER_DAY + 38, PER_DAY + 39]);
    }

    #[test]
    fn bad_forms_say_why() {
        for (s, why) in [
            ("", "empty"),
            ("Mon-Fry 09:00-17:00", "\"Fry\" is not a day"),
            ("Mon-Fri 17:00-09:00", "ends before it starts"),
            ("Mon-Fri", "days without a time range"),
            ("09:00-17:00", "comes before any day"),
            ("Mon 9-17", "not a time range"),
            ("Mon 09:00-24:30", "not a time range"),
            ("Mon 09:00-17:00,", "empty"),
        ] {
            let e = Hours::parse(s).expect_err(s);
            assert!(e.contains(why), "{s}: {e}");
        }
    }
}
