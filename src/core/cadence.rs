//! How often a pair meets: `weekly`, `biweekly`, `every N weeks`, `monthly`.

use std::fmt;

use jiff::civil::{Date, Weekday};
use jiff::ToSpan;

/// The largest N accepted in `every N weeks`.
pub const MAX_WEEKS: u8 = 12;

/// How often a pair meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cadence {
    /// Every N weeks on the weekday of `start` (`weekly` is 1, `biweekly` 2).
    Weeks(u8),
    /// Every month, on the weekday and week of the month of `start`; the
    /// last such weekday when `start` is in a fifth week.
    Monthly,
}

/// What a cadence must look like, for error messages.
pub const EXPECTED: &str =
    "`weekly`, `biweekly`, `monthly` or \"every N weeks\" with N from 1 to 12";

impl Cadence {
    /// Parses the roster's spelling. `None` when it is not one.
    pub fn parse(s: &str) -> Option<Cadence> {
        let lower = s.trim().to_ascii_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        match words.as_slice() {
            ["weekly"] => Some(Cadence::Weeks(1)),
            ["biweekly"] | ["fortnightly"] => Some(Cadence::Weeks(2)),
            ["monthly"] => Some(Cadence::Monthly),
            ["every", n, unit] if *unit == "weeks" || (*unit == "week" && *n == "1") => {
                let n: u8 = n.parse().ok()?;
                (1..=MAX_WEEKS).contains(&n).then_some(Cadence::Weeks(n))
            }
            _ => None,
        }
    }

    /// Meetings per month on average, for the fairness report.
    pub fn per_month(self) -> f64 {
        match self {
            // 365.2425 / 7 / 12 weeks in an average month.
            Cadence::Weeks(n) => 365.2425 / 7.0 / 12.0 / f64::from(n),
            Cadence::Monthly => 1.0,
        }
    }

    /// The iCalendar RRULE (without `RRULE:`) for a series starting on `start`.
    pub fn rrule(self, start: Date) -> String {
        match self {
            Cadence::Weeks(1) => "FREQ=WEEKLY".to_string(),
            Cadence::Weeks(n) => format!("FREQ=WEEKLY;INTERVAL={n}"),
            Cadence::Monthly => {
                let day = ical_weekday(start.weekday());
                match week_of_month(start) {
                    5 => format!("FREQ=MONTHLY;BYDAY=-1{day}"),
                    n => format!("FREQ=MONTHLY;BYDAY={n}{day}"),
                }
            }
        }
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cadence::Weeks(1) => f.write_str("weekly"),
            Cadence::Weeks(2) => f.write_str("biweekly"),
            Cadence::Weeks(n) => write!(f, "every {n} weeks"),
            Cadence::Monthly => f.write_str("monthly"),
        }
    }
}

/// The date of occurrence `n` of a series from `start`, if representable.
pub fn nth_date(start: Date, cadence: Cadence, n: u32) -> Option<Date> {
    match cadence {
        Cadence::Weeks(w) => {
            let days = i64::from(n) * 7 * i64::from(w);
            start.checked_add(days.days()).ok()
        }
        Cadence::Monthly => {
            let first = start
                .first_of_month()
                .checked_add(i64::from(n).months())
                .ok()?;
            let nth = match week_of_month(start) {
                5 => -1,
                w => w,
            };
            first.nth_weekday_of_month(nth, start.weekday()).ok()
        }
    }
}

/// The number of the first occurrence on or after `d`.
pub fn first_on_or_after(start: Date, cadence: Cadence, d: Date) -> u32 {
    if d <= start {
        return 0;
    }
    let guess = match cadence {
        Cadence::Weeks(w) => {
            let days = (d - start).get_days().max(0);
            let step = 7 * i32::from(w);
            (days + step - 1) / step
        }
        Cadence::Monthly => {
            let months = (i32::from(d.year()) - i32::from(start.year())) * 12
                + i32::from(d.month())
                - i32::from(start.month());
            months.max(0)
        }
    };
    let mut n = u32::try_from(guess).unwrap_or(0);
    // The guess is exact for weeks and at most one short for months.
    while nth_date(start, cadence, n).is_some_and(|x| x < d) {
        n += 1;
    }
    n
}

/// 1 for days 1-7, 2 for 8-14, ... 5 for 29-31.
pub fn week_of_month(d: Date) -> i8 {
    (d.day() - 1) / 7 + 1
}

/// The two-letter iCalendar weekday.
pub fn ical_weekday(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "MO",
        Weekday::Tuesday => "TU",
        Weekday::Wednesday => "WE",
        Weekday::Thursday => "TH",
        Weekday::Friday => "FR",
        Weekday::Saturday => "SA",
        Weekday::Sunday => "SU",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn parses_every_spelling() {
        assert_eq!(Cadence::parse("weekly"), Some(Cadence::Weeks(1)));
        assert_eq!(Cadence::parse("biweekly"), Some(Cadence::Weeks(2)));
        assert_eq!(Cadence::parse("monthly"), Some(Cadence::Monthly));
        assert_eq!(Cadence::parse("every 3 weeks"), Some(Cadence::Weeks(3)));
        assert_eq!(
            Cadence::parse(" Every  12 weeks "),
            Some(Cadence::Weeks(12))
        );
        assert_eq!(Cadence::parse("every 1 week"), Some(Cadence::Weeks(1)));
        for bad in [
            "every 0 weeks",
            "every 13 weeks",
            "every two weeks",
            "daily",
            "",
            "every 3",
        ] {
            assert_eq!(Cadence::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn rrules() {
        let tue = date(2027, 1, 5);
        assert_eq!(Cadence::Weeks(1).rrule(tue), "FREQ=WEEKLY");
        assert_eq!(Cadence::Weeks(3).rrule(tue), "FREQ=WEEKLY;INTERVAL=3");
        assert_eq!(Cadence::Monthly.rrule(tue), "FREQ=MONTHLY;BYDAY=1TU");
        assert_eq!(
            Cadence::Monthly.rrule(date(2027, 1, 29)),
            "FREQ=MONTHLY;BYDAY=-1FR"
        );
        assert_eq!(
            Cadence::Monthly.rrule(date(2027, 1, 28)),
            "FREQ=MONTHLY;BYDAY=4TH"
        );
    }

    #[test]
    fn display_round_trips() {
        for c in [
            Cadence::Weeks(1),
            Cadence::Weeks(2),
            Cadence::Weeks(7),
            Cadence::Monthly,
        ] {
            assert_eq!(Cadence::parse(&c.to_string()), Some(c));
        }
    }
}
