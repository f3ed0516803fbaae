//! Yearly rules that summarize a zone's transitions past the explicit ones.
//!
//! Series are open-ended (`RRULE:FREQ=WEEKLY` without `UNTIL`), and clients
//! that build the zone from the `VTIMEZONE` apply its last observance to
//! every later meeting. So after the explicit transitions, a zone that still
//! changes offset every year gets its current pair of rules
//! (`RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU` and the like), but only when the
//! tz database's own transitions follow that pair for [`YEARS_CHECKED`]
//! years; a rule that merely looks right for a year or two (Ramadan, a
//! government's yearly decree) would move meetings in later years.

use jiff::civil::{Date, Weekday};

use super::Observance;

/// How many years of the tz database's transitions a pair of rules must
/// reproduce exactly before it stands in for all later ones.
pub(super) const YEARS_CHECKED: usize = 20;

/// `FREQ=YEARLY;BYMONTH=month;BYDAY=<week><weekday>`: the `week`th
/// `weekday` of `month` (1..=4), or its last (-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct YearlyRule {
    month: i8,
    week: i8,
    weekday: Weekday,
}

impl YearlyRule {
    /// The rules `date` is an instance of, the numbered one first: a date
    /// late in the month can be both the 4th and the last of its weekday,
    /// and only later years tell which one the zone means.
    fn candidates(date: Date) -> impl Iterator<Item = YearlyRule> {
        let (nth, last) = position(date);
        let rule = move |week| YearlyRule {
            month: date.month(),
            week,
            weekday: date.weekday(),
        };
        // A 5th weekday is always the last one, and RRULEs in published
        // VTIMEZONEs use -1 for it, so 1..=4 are the numbered ones.
        let numbered = (nth <= 4).then(|| rule(nth));
        numbered.into_iter().chain(last.then(|| rule(-1)))
    }

    fn matches(&self, date: Date) -> bool {
        let (nth, last) = position(date);
        date.month() == self.month
            && date.weekday() == self.weekday
            && (nth == self.week || (self.week == -1 && last))
    }

    /// The value of the `RRULE` property.
    pub(super) fn rrule(&self) -> String {
        let day = crate::core::cadence::ical_weekday(self.weekday);
        format!(
            "FREQ=YEARLY;BYMONTH={};BYDAY={}{day}",
            self.month, self.week
        )
    }
}

/// Which occurrence of its weekday `date` is in its month (1..=5), and
/// whether it is the last.
fn position(date: Date) -> (i8, bool) {
    let day = date.day();
    ((day - 1) / 7 + 1, day + 7 > date.days_in_month())
}

/// The two rules `next` follows, if it does: `next` holds the observances
/// of the transitions after the explicit ones, in order. The first two must
/// be one into daylight time and one out of it, and the first
/// `2 * YEARS_CHECKED` must alternate between them, one of each a year,
/// with the same offsets, name, local time and day of the month's weeks.
pub(super) fn yearly_pair(next: &[Observance]) -> Option<[YearlyRule; 2]> {
    let checked = next.get(..2 * YEARS_CHECKED)?;
    let [a, b] = checked.first_chunk::<2>()?;
    if a.dst == b.dst {
        return None;
    }
    for rule_a in YearlyRule::candidates(a.dtstart.date()) {
        for rule_b in YearlyRule::candidates(b.dtstart.date()) {
            let rules = [(a, rule_a), (b, rule_b)];
            let holds = checked.iter().enumerate().all(|(i, o)| {
                let (first, rule) = rules[i % 2];
                follows(o, first, rule, i / 2)
            });
            if holds {
                return Some([rule_a, rule_b]);
            }
        }
    }
    None
}

/// Whether `o` is what `rule`, started by `first`, gives `years` later.
fn follows(o: &Observance, first: &Observance, rule: YearlyRule, years: usize) -> bool {
    let year = i16::try_from(years)
        .ok()
        .and_then(|y| first.dtstart.year().checked_add(y));
    o.offset_from == first.offset_from
        && o.offset_to == first.offset_to
        && o.name == first.name
        && o.dst == first.dst
        && o.dtstart.time() == first.dtstart.time()
        && Some(o.dtstart.year()) == year
        && rule.matches(o.dtstart.date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn rules(d: Date) -> Vec<String> {
        YearlyRule::candidates(d).map(|r| r.rrule()).collect()
    }

    #[test]
    fn candidates_by_position_in_month() {
        assert_eq!(
            rules(date(2027, 3, 14)),
            ["FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"]
        );
        assert_eq!(
            rules(date(2027, 11, 7)),
            ["FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"]
        );
        // 28 March 2027 is both the 4th and the last Sunday.
        assert_eq!(
            rules(date(2027, 3, 28)),
            [
                "FREQ=YEARLY;BYMONTH=3;BYDAY=4SU",
                "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"
            ]
        );
        // A 5th weekday is only ever the last.
        assert_eq!(
            rules(date(2026, 3, 29)),
            ["FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"]
        );
        // In a 28-day month the 4th is always the last as well.
        assert_eq!(
            rules(date(2026, 2, 22)),
            [
                "FREQ=YEARLY;BYMONTH=2;BYDAY=4SU",
                "FREQ=YEARLY;BYMONTH=2;BYDAY=-1SU"
            ]
        );
        assert_eq!(
            rules(date(2027, 10, 21)),
            ["FREQ=YEARLY;BYMONTH=10;BYDAY=3TH"]
        );
    }

    #[test]
    fn last_matches_the_4th_or_the_5th() {
        let last_sunday = YearlyRule {
            month: 10,
            week: -1,
            weekday: Weekday::Sunday,
        };
        assert!(last_sunday.matches(date(2027, 10, 31)));
        assert!(last_sunday.matches(date(2026, 10, 25)));
        assert!(!last_sunday.matches(date(2026, 10, 18)));
        assert!(!last_sunday.matches(date(2026, 11, 29)));
        let fourth = YearlyRule {
            week: 4,
            ..last_sunday
        };
        assert!(fourth.matches(date(2026, 10, 25)));
        assert!(!fourth.matches(date(2027, 10, 31)));
    }
}
