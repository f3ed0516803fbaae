//! VTIMEZONE tests: observances read back from the output and checked
//! against the tz database, yearly rules, and a golden zone.

use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

fn render(tzid: &str, tz: &TimeZone, from: Timestamp, until: Timestamp) -> String {
    let mut w = Writer::new();
    vtimezone(&mut w, tzid, tz, from, until);
    w.finish()
}

/// A sub-component as read back from the output.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed {
    kind: String,
    dtstart: String,
    from: String,
    to: String,
    name: Option<String>,
    rrule: Option<String>,
}

impl Parsed {
    fn new(kind: &str, dtstart: &str, from: &str, to: &str, name: &str) -> Self {
        Parsed {
            kind: kind.to_owned(),
            dtstart: dtstart.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            name: Some(name.to_owned()),
            rrule: None,
        }
    }

    fn yearly(mut self, rrule: &str) -> Self {
        self.rrule = Some(rrule.to_owned());
        self
    }

    fn local_start(&self) -> DateTime {
        jiff::fmt::strtime::parse("%Y%m%dT%H%M%S", &self.dtstart)
            .unwrap()
            .to_datetime()
            .unwrap()
    }

    /// The UTC instant of the onset: DTSTART read in TZOFFSETFROM.
    fn onset(&self) -> Timestamp {
        parse_offset(&self.from)
            .to_timestamp(self.local_start())
            .unwrap()
    }

    /// Every onset up to `until`: the one of DTSTART, and for a yearly
    /// observance those its RRULE adds, each read in TZOFFSETFROM.
    fn onsets(&self, until: Timestamp) -> Vec<Timestamp> {
        let Some(rrule) = &self.rrule else {
            return vec![self.onset()];
        };
        let (month, week, weekday) = parse_yearly(rrule);
        let start = self.local_start();
        let mut out = Vec::new();
        for year in start.year().. {
            let day = jiff::civil::date(year, month, 1)
                .nth_weekday_of_month(week, weekday)
                .unwrap();
            let onset = parse_offset(&self.from)
                .to_timestamp(day.to_datetime(start.time()))
                .unwrap();
            if out.is_empty() {
                // RFC 5545: DTSTART is the first instance of the rule.
                assert_eq!(onset, self.onset(), "DTSTART off its rule: {self:?}");
            }
            if onset >= until {
                break;
            }
            out.push(onset);
        }
        out
    }
}

/// `FREQ=YEARLY;BYMONTH=m;BYDAY=nWD` with n in 1..=4 or -1: the only
/// RRULE a VTIMEZONE of ours may hold.
fn parse_yearly(rrule: &str) -> (i8, i8, jiff::civil::Weekday) {
    use jiff::civil::Weekday;
    let parts: Vec<&str> = rrule.split(';').collect();
    let [freq, month, day] = parts[..] else {
        panic!("unexpected RRULE {rrule:?}");
    };
    assert_eq!(freq, "FREQ=YEARLY", "{rrule}");
    let month: i8 = month.strip_prefix("BYMONTH=").unwrap().parse().unwrap();
    assert!((1..=12).contains(&month), "{rrule}");
    let day = day.strip_prefix("BYDAY=").unwrap();
    let (week, weekday) = day.split_at(day.len() - 2);
    let week: i8 = week.parse().unwrap();
    assert!((1..=4).contains(&week) || week == -1, "{rrule}");
    let weekday = match weekday {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => panic!("bad weekday in {rrule:?}"),
    };
    (month, week, weekday)
}

fn parse_offset(s: &str) -> Offset {
    let sign = match &s[..1] {
        "+" => 1,
        "-" => -1,
        _ => panic!("bad offset {s:?}"),
    };
    let digits = &s[1..];
    assert!(digits.len() == 4 || digits.len() == 6, "bad offset {s:?}");
    let h: i32 = digits[0..2].parse().unwrap();
    let m: i32 = digits[2..4].parse().unwrap();
    let sec: i32 = if digits.len() == 6 {
        let sec = digits[4..6].parse().unwrap();
        assert_ne!(sec, 0, "seconds written though zero: {s:?}");
        sec
    } else {
        0
    };
    Offset::from_seconds(sign * (h * 3600 + m * 60 + sec)).unwrap()
}

/// Parses our own VTIMEZONE output: TZID and the sub-components in order.
fn parse(doc: &str) -> (String, Vec<Parsed>) {
    assert!(!doc.replace("\r\n", "").contains('\n'), "bare LF");
    let unfolded = doc.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(lines.first(), Some(&"BEGIN:VTIMEZONE"));
    assert_eq!(lines.last(), Some(&"END:VTIMEZONE"));
    let mut tzid = None;
    let mut out = Vec::new();
    let mut current: Option<Parsed> = None;
    for line in &lines[1..lines.len() - 1] {
        let (name, value) = line.split_once(':').unwrap();
        match (name, current.as_mut()) {
            ("TZID", None) => tzid = Some(value.to_owned()),
            ("X-LIC-LOCATION", None) => {}
            ("BEGIN", None) => {
                assert!(value == "STANDARD" || value == "DAYLIGHT");
                current = Some(Parsed {
                    kind: value.to_owned(),
                    dtstart: String::new(),
                    from: String::new(),
                    to: String::new(),
                    name: None,
                    rrule: None,
                });
            }
            ("END", Some(p)) => {
                assert_eq!(value, p.kind);
                assert!(!p.dtstart.is_empty() && !p.from.is_empty() && !p.to.is_empty());
                out.push(p.clone());
                current = None;
            }
            ("DTSTART", Some(p)) => p.dtstart = value.to_owned(),
            ("TZOFFSETFROM", Some(p)) => p.from = value.to_owned(),
            ("TZOFFSETTO", Some(p)) => p.to = value.to_owned(),
            ("RRULE", Some(p)) => {
                assert!(p.rrule.is_none(), "two RRULEs");
                parse_yearly(value);
                p.rrule = Some(value.to_owned());
            }
            ("TZNAME", Some(p)) => {
                assert!(!value.is_empty());
                p.name = Some(value.to_owned());
            }
            _ => panic!("unexpected line {line:?}"),
        }
    }
    assert!(current.is_none(), "unterminated sub-component");
    (tzid.unwrap(), out)
}

/// Checks hour by hour (and at every onset and just before it) that
/// the generated VTIMEZONE agrees with the tz database on `[from, until)`
/// and for the 10 years after it, which holds for every zone (a zone
/// without a yearly rule has explicit transitions that long).
fn assert_exact(name: &str, from: Timestamp, until: Timestamp) -> Vec<Parsed> {
    assert_exact_for(name, from, until, 10)
}

/// [`assert_exact`] up to `years` (of 365 days) past `until`.
fn assert_exact_for(name: &str, from: Timestamp, until: Timestamp, years: i64) -> Vec<Parsed> {
    let tz = zone(name);
    let doc = render(name, &tz, from, until);
    let (tzid, obs) = parse(&doc);
    assert_eq!(tzid, name);
    let end = until
        .checked_add(SignedDuration::from_hours(years * 365 * 24))
        .unwrap();

    // Explicit observances come first, in order; the yearly ones (a
    // pair, or none) all start after the last explicit one, so that
    // no two observances ever claim the same instant.
    let explicit = obs.iter().take_while(|o| o.rrule.is_none()).count();
    let yearly = &obs[explicit..];
    assert!(yearly.iter().all(|o| o.rrule.is_some()), "{obs:?}");
    assert!(yearly.is_empty() || yearly.len() == 2, "{obs:?}");
    if let [a, b] = yearly {
        assert_ne!(a.kind, b.kind, "{obs:?}");
        assert_eq!(
            (a.to.as_str(), b.to.as_str()),
            (b.from.as_str(), a.from.as_str())
        );
    }
    let last_explicit = obs[explicit - 1].onset();
    assert!(yearly.iter().all(|o| o.onset() > last_explicit), "{obs:?}");
    assert!(
        obs[..explicit]
            .windows(2)
            .all(|w| w[0].onset() < w[1].onset()),
        "onsets not sorted"
    );

    // Each onset with its TZOFFSETFROM and TZOFFSETTO.
    let mut onsets: Vec<(Timestamp, Offset, Offset)> = obs
        .iter()
        .flat_map(|o| {
            let (from, to) = (parse_offset(&o.from), parse_offset(&o.to));
            o.onsets(end).into_iter().map(move |t| (t, from, to))
        })
        .collect();
    onsets.sort_by_key(|o| o.0);
    assert!(
        onsets.windows(2).all(|w| w[0].0 < w[1].0),
        "two observances at one instant"
    );
    assert!(onsets[0].0 <= from);

    // Clients take the offset of the last onset not after `t`.
    let mut current = 0;
    let mut t = from;
    while t < end {
        while onsets.get(current + 1).is_some_and(|o| o.0 <= t) {
            current += 1;
        }
        assert_eq!(onsets[current].2, tz.to_offset(t), "{name} at {t}");
        t = t.checked_add(SignedDuration::from_hours(1)).unwrap();
    }
    for (i, &(onset, offset_from, offset_to)) in onsets.iter().enumerate() {
        // Every onset must chain: its TZOFFSETFROM is the offset really
        // in force just before it (and the one before it in the
        // definition, so nothing is missing in between).
        let before = onset.checked_sub(SignedDuration::from_nanos(1)).unwrap();
        assert_eq!(offset_from, tz.to_offset(before), "{name} at {onset}");
        if i > 0 {
            assert_eq!(offset_from, onsets[i - 1].2, "{name} at {onset}");
        }
        if onset < end {
            assert_eq!(offset_to, tz.to_offset(onset), "{name} at {onset}");
        }
    }
    obs
}

/// How many observances are explicit ones (without an RRULE).
fn explicit(obs: &[Parsed]) -> usize {
    obs.iter().filter(|o| o.rrule.is_none()).count()
}

const YEAR_2027: (&str, &str) = ("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z");

fn year_2027(name: &str) -> Vec<Parsed> {
    assert_exact(name, ts(YEAR_2027.0), ts(YEAR_2027.1))
}

#[test]
fn new_york() {
    assert_eq!(
        year_2027("America/New_York"),
        [
            Parsed::new("STANDARD", "20261101T020000", "-0400", "-0500", "EST"),
            Parsed::new("DAYLIGHT", "20270314T020000", "-0500", "-0400", "EDT"),
            Parsed::new("STANDARD", "20271107T020000", "-0400", "-0500", "EST"),
            Parsed::new("DAYLIGHT", "20280312T020000", "-0500", "-0400", "EDT")
                .yearly("FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"),
            Parsed::new("STANDARD", "20281105T020000", "-0400", "-0500", "EST")
                .yearly("FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"),
        ]
    );
}

#[test]
fn london() {
    assert_eq!(
        year_2027("Europe/London"),
        [
            Parsed::new("STANDARD", "20261025T020000", "+0100", "+0000", "GMT"),
            Parsed::new("DAYLIGHT", "20270328T010000", "+0000", "+0100", "BST"),
            Parsed::new("STANDARD", "20271031T020000", "+0100", "+0000", "GMT"),
            // Last Sundays, at 01:00 UTC.
            Parsed::new("DAYLIGHT", "20280326T010000", "+0000", "+0100", "BST")
                .yearly("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
            Parsed::new("STANDARD", "20281029T020000", "+0100", "+0000", "GMT")
                .yearly("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
        ]
    );
}

#[test]
fn sydney_southern_hemisphere() {
    assert_eq!(
        year_2027("Australia/Sydney"),
        [
            Parsed::new("DAYLIGHT", "20261004T020000", "+1000", "+1100", "AEDT"),
            Parsed::new("STANDARD", "20270404T030000", "+1100", "+1000", "AEST"),
            Parsed::new("DAYLIGHT", "20271003T020000", "+1000", "+1100", "AEDT"),
            // The rules follow the window: STANDARD comes first here.
            Parsed::new("STANDARD", "20280402T030000", "+1100", "+1000", "AEST")
                .yearly("FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"),
            Parsed::new("DAYLIGHT", "20281001T020000", "+1000", "+1100", "AEDT")
                .yearly("FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"),
        ]
    );
}

#[test]
fn kolkata_has_a_single_standard() {
    let obs = year_2027("Asia/Kolkata");
    assert_eq!(obs.len(), 1);
    assert_eq!(obs[0].kind, "STANDARD");
    assert_eq!(obs[0].to, "+0530");
    assert_eq!(obs[0].name.as_deref(), Some("IST"));
    // Its last real change of offset (the end of war time, 1945) is
    // kept as the onset rather than invented.
    assert!(obs[0].dtstart.starts_with("1945"), "{obs:?}");
}

#[test]
fn utc_has_a_single_fixed_standard() {
    let (from, until) = (ts(YEAR_2027.0), ts(YEAR_2027.1));
    let doc = render("UTC", &TimeZone::UTC, from, until);
    assert_eq!(
        doc,
        "BEGIN:VTIMEZONE\r\n\
         TZID:UTC\r\n\
         X-LIC-LOCATION:UTC\r\n\
         BEGIN:STANDARD\r\n\
         DTSTART:19700101T000000\r\n\
         TZOFFSETFROM:+0000\r\n\
         TZOFFSETTO:+0000\r\n\
         TZNAME:UTC\r\n\
         END:STANDARD\r\n\
         END:VTIMEZONE\r\n"
    );
    assert_exact("UTC", from, until);
    assert_exact("Etc/UTC", from, until);
}

#[test]
fn fixed_offset_zone() {
    let tz = TimeZone::fixed(Offset::from_seconds(-(9 * 3600 + 30 * 60)).unwrap());
    let (_, obs) = parse(&render("X", &tz, ts(YEAR_2027.0), ts(YEAR_2027.1)));
    assert_eq!(obs.len(), 1);
    assert_eq!(
        (obs[0].from.as_str(), obs[0].to.as_str()),
        ("-0930", "-0930")
    );
    assert_eq!(obs[0].dtstart, "19700101T000000");
}

#[test]
fn fixed_zone_before_1970_starts_no_later_than_from() {
    let from = ts("1950-06-01T12:00:00Z");
    let (_, obs) = parse(&render(
        "UTC",
        &TimeZone::UTC,
        from,
        ts("1951-01-01T00:00:00Z"),
    ));
    assert_eq!(obs.len(), 1);
    assert_eq!(obs[0].dtstart, "19500601T120000");
}

#[test]
fn many_zones_are_exact_over_several_years() {
    let zones = [
        "America/New_York",
        "America/Los_Angeles",
        "America/Sao_Paulo",
        "America/St_Johns",
        "America/Santiago",
        "Europe/London",
        "Europe/Dublin",
        "Europe/Berlin",
        "Europe/Moscow",
        "Africa/Casablanca",
        "Asia/Tehran",
        "Asia/Kathmandu",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "Pacific/Apia",
    ];
    for name in zones {
        assert_exact(name, ts("2009-06-01T00:00:00Z"), ts("2013-06-01T00:00:00Z"));
        assert_exact(name, ts("2026-01-01T00:00:00Z"), ts("2029-01-01T00:00:00Z"));
    }
}

/// The yearly observances of `obs`: (kind, TZOFFSETFROM, TZOFFSETTO,
/// RRULE), sorted, so windows that end at either season compare alike.
fn rules(obs: &[Parsed]) -> Vec<(&str, &str, &str, &str)> {
    let mut out: Vec<_> = obs
        .iter()
        .filter_map(|o| {
            let rrule = o.rrule.as_deref()?;
            Some((o.kind.as_str(), o.from.as_str(), o.to.as_str(), rrule))
        })
        .collect();
    out.sort();
    out
}

/// Series are open-ended, so the definition must agree with the tz
/// database long after the window: hour by hour for 15 years past it,
/// through rules that start right after the explicit transitions.
#[test]
fn rules_hold_fifteen_years_past_the_window() {
    type Rule = (&'static str, &'static str, &'static str, &'static str);
    let cases: [(&str, &[Rule]); 6] = [
        (
            "America/New_York",
            &[
                (
                    "DAYLIGHT",
                    "-0500",
                    "-0400",
                    "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
                ),
                (
                    "STANDARD",
                    "-0400",
                    "-0500",
                    "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
                ),
            ],
        ),
        (
            "Europe/London",
            &[
                (
                    "DAYLIGHT",
                    "+0000",
                    "+0100",
                    "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
                ),
                (
                    "STANDARD",
                    "+0100",
                    "+0000",
                    "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
                ),
            ],
        ),
        (
            "Australia/Sydney",
            &[
                (
                    "DAYLIGHT",
                    "+1000",
                    "+1100",
                    "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU",
                ),
                (
                    "STANDARD",
                    "+1100",
                    "+1000",
                    "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU",
                ),
            ],
        ),
        (
            // Half an hour of daylight saving.
            "Australia/Lord_Howe",
            &[
                (
                    "DAYLIGHT",
                    "+1030",
                    "+1100",
                    "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU",
                ),
                (
                    "STANDARD",
                    "+1100",
                    "+1030",
                    "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU",
                ),
            ],
        ),
        ("Asia/Kolkata", &[]),
        ("UTC", &[]),
    ];
    let windows = [
        YEAR_2027,
        // Ends in the northern summer: the other rule comes first.
        ("2026-05-15T00:00:00Z", "2026-08-01T00:00:00Z"),
        // Ends exactly at a transition (New York's, 2028-03-12).
        ("2027-06-01T00:00:00Z", "2028-03-12T07:00:00Z"),
    ];
    for (name, want) in cases {
        for (from, until) in windows {
            let obs = assert_exact_for(name, ts(from), ts(until), 15);
            assert_eq!(rules(&obs), want, "{name} {from}..{until}");
            if want.is_empty() {
                // Without DST, the output is what it always was.
                assert_eq!(obs.len(), 1, "{name}: {obs:?}");
                assert_eq!(obs[0].kind, "STANDARD");
            }
        }
    }
}

/// A zone whose transitions follow no yearly weekday rule gets no
/// RRULE but explicit transitions for 10 years past the window.
/// Morocco suspends its +01 for Ramadan, which moves through the
/// Gregorian year, and the tz database lists those dates explicitly.
#[test]
fn irregular_zone_gets_ten_years_of_transitions() {
    let name = "Africa/Casablanca";
    let (from, until) = (ts(YEAR_2027.0), ts(YEAR_2027.1));
    let tz = zone(name);
    // What makes it irregular, as the tz database has it: the offset
    // changes twice a year on dates that drift by about 11 days a year.
    let ramadan: Vec<Timestamp> = tz.following(until).map(|t| t.timestamp()).take(6).collect();
    assert_eq!(ramadan.len(), 6);
    let drift = ramadan[0].duration_until(ramadan[2]).as_hours() / 24;
    assert!((340..360).contains(&drift), "{ramadan:?}");

    let obs = assert_exact_for(name, from, until, 10);
    assert!(obs.iter().all(|o| o.rrule.is_none()), "{obs:?}");
    let ten_years = until
        .checked_add(SignedDuration::from_hours(10 * 366 * 24))
        .unwrap();
    let later: Vec<Timestamp> = obs
        .iter()
        .map(Parsed::onset)
        .filter(|t| *t >= until)
        .collect();
    // Every transition of the 10 years is there, and none after them.
    let expected: Vec<Timestamp> = tz
        .following(until)
        .map(|t| t.timestamp())
        .take_while(|t| *t < ten_years)
        .collect();
    assert_eq!(later, expected);
    assert!(later.len() >= 18, "{later:?}");
    assert!(
        later[later.len() - 1] > ts("2037-01-01T00:00:00Z"),
        "{later:?}"
    );
}

/// Zones whose rules jiff reports but no `BYDAY=nWD` expresses stay
/// explicit too: Chile's first Sunday on or after the 2nd, Israel's
/// Friday on or after the 23rd.
#[test]
fn other_irregular_rules_stay_explicit() {
    for name in ["America/Santiago", "Asia/Jerusalem"] {
        let obs = assert_exact_for(name, ts(YEAR_2027.0), ts(YEAR_2027.1), 10);
        assert!(obs.iter().all(|o| o.rrule.is_none()), "{name}: {obs:?}");
        assert!(obs.len() > 20, "{name}: {obs:?}");
    }
}

#[test]
fn historical_offsets_with_seconds() {
    // Monrovia kept -00:44:30 until 1972; New York used LMT until 1883.
    // Both are in the main tz data, not in `backzone`, so they do not
    // depend on how the system's tzdata was built.
    let obs = assert_exact(
        "Africa/Monrovia",
        ts("1971-06-01T00:00:00Z"),
        ts("1972-06-01T00:00:00Z"),
    );
    assert_eq!(obs.len(), 2, "{obs:?}");
    assert_eq!(obs[0].to, "-004430");
    assert_eq!(obs[1].dtstart, "19720107T000000");
    assert_eq!(obs[1].from, "-004430");
    assert_eq!(obs[1].to, "+0000");
    let obs = assert_exact(
        "America/New_York",
        ts("1880-01-01T00:00:00Z"),
        ts("1884-01-01T00:00:00Z"),
    );
    assert_eq!(obs[0].to, "-045602");
    assert_eq!(obs[1].dtstart, "18831118T120358");
    assert_eq!(obs[1].from, "-045602");
    assert_eq!(obs[1].to, "-0500");
}

#[test]
fn window_boundaries() {
    let tz = zone("America/New_York");
    let dst_start = ts("2027-03-14T07:00:00Z");

    // A transition exactly at `from` is the one in force.
    let (_, obs) = parse(&render("NY", &tz, dst_start, ts("2027-06-01T00:00:00Z")));
    assert_eq!(
        obs,
        [
            Parsed::new("DAYLIGHT", "20270314T020000", "-0500", "-0400", "EDT"),
            Parsed::new("STANDARD", "20271107T020000", "-0400", "-0500", "EST")
                .yearly("FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"),
            Parsed::new("DAYLIGHT", "20280312T020000", "-0500", "-0400", "EDT")
                .yearly("FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"),
        ]
    );
    assert_exact("America/New_York", dst_start, ts("2027-06-01T00:00:00Z"));

    // A transition exactly at `until` is outside the window.
    let (_, obs) = parse(&render("NY", &tz, ts("2027-01-01T00:00:00Z"), dst_start));
    assert_eq!(explicit(&obs), 1);
    assert_eq!(obs[0].to, "-0500");
    // ... and the first the rules date from.
    assert_eq!(obs[1].dtstart, "20270314T020000");

    // One nanosecond before `from` and a sub-second `from`.
    let from = dst_start
        .checked_sub(SignedDuration::from_nanos(1))
        .unwrap();
    let (_, obs) = parse(&render("NY", &tz, from, ts("2027-06-01T00:00:00Z")));
    assert_eq!(explicit(&obs), 2);
    assert_eq!(obs[0].to, "-0500");
    assert_exact("America/New_York", from, ts("2027-06-01T00:00:00Z"));
}

#[test]
fn degenerate_windows_do_not_panic() {
    let tz = zone("Europe/London");
    let t = ts("2027-07-01T00:00:00Z");
    for (from, until) in [
        (t, t),
        (t, ts("2020-01-01T00:00:00Z")),
        (Timestamp::MIN, Timestamp::MIN),
        (Timestamp::MAX, Timestamp::MAX),
        (Timestamp::MAX, Timestamp::MIN),
    ] {
        let (_, obs) = parse(&render("Europe/London", &tz, from, until));
        assert_eq!(explicit(&obs), 1, "{obs:?}");
    }
    // The whole range: every transition jiff knows, all the way to 9999.
    let doc = render("Europe/London", &tz, Timestamp::MIN, Timestamp::MAX);
    let (_, obs) = parse(&doc);
    assert!(obs.len() > 10_000);
}

#[test]
fn deterministic_and_escaped() {
    let tz = zone("Europe/Berlin");
    let (from, until) = (ts(YEAR_2027.0), ts(YEAR_2027.1));
    let a = render("Europe/Berlin", &tz, from, until);
    let b = render("Europe/Berlin", &tz, from, until);
    assert_eq!(a, b);
    // The TZID is TEXT, so it is escaped like any other.
    let odd = render("Odd;Zone,Name", &tz, from, until);
    assert!(odd.contains("TZID:Odd\\;Zone\\,Name\r\n"), "{odd}");
}

#[test]
fn golden_new_york() {
    let tz = zone("America/New_York");
    let doc = render("America/New_York", &tz, ts(YEAR_2027.0), ts(YEAR_2027.1));
    let expected = "BEGIN:VTIMEZONE\r\n\
TZID:America/New_York\r\n\
X-LIC-LOCATION:America/New_York\r\n\
BEGIN:STANDARD\r\n\
DTSTART:20261101T020000\r\n\
TZOFFSETFROM:-0400\r\n\
TZOFFSETTO:-0500\r\n\
TZNAME:EST\r\n\
END:STANDARD\r\n\
BEGIN:DAYLIGHT\r\n\
DTSTART:20270314T020000\r\n\
TZOFFSETFROM:-0500\r\n\
TZOFFSETTO:-0400\r\n\
TZNAME:EDT\r\n\
END:DAYLIGHT\r\n\
BEGIN:STANDARD\r\n\
DTSTART:20271107T020000\r\n\
TZOFFSETFROM:-0400\r\n\
TZOFFSETTO:-0500\r\n\
TZNAME:EST\r\n\
END:STANDARD\r\n\
BEGIN:DAYLIGHT\r\n\
DTSTART:20280312T020000\r\n\
TZOFFSETFROM:-0500\r\n\
TZOFFSETTO:-0400\r\n\
TZNAME:EDT\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n\
END:DAYLIGHT\r\n\
BEGIN:STANDARD\r\n\
DTSTART:20281105T020000\r\n\
TZOFFSETFROM:-0400\r\n\
TZOFFSETTO:-0500\r\n\
TZNAME:EST\r\n\
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n";
    assert_eq!(doc, expected);
}

/// Europe/Dublin is in the tz database with a negative DST (winter is the
/// "daylight" time there). Exchange does not recognise that form, so the
/// VTIMEZONE takes the conventional one: summer (IST, +0100) is DAYLIGHT,
/// winter (GMT, +0000) STANDARD, like London's.
#[test]
fn dublin_in_the_conventional_form() {
    let obs = year_2027("Europe/Dublin");
    assert!(!obs.is_empty());
    for o in &obs {
        let expected = if o.to == "+0100" {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        assert_eq!(o.kind, expected, "{o:?}");
    }
    assert!(obs
        .iter()
        .any(|o| o.kind == "DAYLIGHT" && o.rrule.is_some()));
    // Every zone: a DAYLIGHT observance is a step forward, a STANDARD one
    // is not.
    for name in [
        "Europe/Dublin",
        "Europe/London",
        "America/New_York",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "Africa/Casablanca",
        "America/Santiago",
    ] {
        for o in year_2027(name) {
            let forward = parse_offset(&o.to) > parse_offset(&o.from);
            assert_eq!(o.kind == "DAYLIGHT", forward, "{name}: {o:?}");
        }
    }
}
