//! `VTIMEZONE` components (RFC 5545 3.6.5) generated from the tz database.
//!
//! A calendar that uses `TZID=Europe/London` must carry a `VTIMEZONE` for it,
//! and clients really use it: a stale or rule-based definition that
//! disagrees with the tz database moves meetings by an hour. So instead of
//! writing `RRULE`s that summarize a zone's current rules, [`vtimezone`]
//! writes one `STANDARD` or `DAYLIGHT` sub-component per actual transition
//! that jiff reports inside the window, plus one for the offset already in
//! force when the window opens. The result is exact for every instant in the
//! window, whatever the zone's history, at the cost of a few lines per year.

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

use super::writer::{local_datetime, utc_offset, Writer};

/// Onset used when the offset in force has no known start, e.g. for `UTC`.
/// 1970 is what most published `VTIMEZONE`s use.
const UNBOUNDED_ONSET: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);

/// One `STANDARD` or `DAYLIGHT` sub-component.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    /// Local time of the onset, in `offset_from` (RFC 5545 3.8.2.4 wants
    /// `DTSTART` of an observance expressed in the offset it replaces).
    dtstart: DateTime,
    offset_from: Offset,
    offset_to: Offset,
    name: String,
    dst: bool,
}

impl Observance {
    fn write(&self, w: &mut Writer) {
        let kind = if self.dst { "DAYLIGHT" } else { "STANDARD" };
        w.begin(kind);
        w.raw("DTSTART", &local_datetime(self.dtstart));
        w.raw("TZOFFSETFROM", &utc_offset(self.offset_from));
        w.raw("TZOFFSETTO", &utc_offset(self.offset_to));
        // TZNAME is optional, and an empty one is useless to clients.
        if !self.name.is_empty() {
            w.text("TZNAME", &self.name);
        }
        w.end(kind);
    }
}

/// Writes a `VTIMEZONE` for `tz` under the identifier `tzid` (normally the
/// IANA name, e.g. `America/New_York`), correct for every instant in
/// `[from, until)`.
///
/// It holds one sub-component for the offset in force at `from` (dated at
/// the transition that started it, or at 1970-01-01 when the zone never
/// changes offset) and one per transition strictly after `from` and before
/// `until`, in chronological order. The output depends only on the
/// arguments.
///
/// An empty or reversed window still yields a valid component describing
/// the offset at `from`.
pub fn vtimezone(w: &mut Writer, tzid: &str, tz: &TimeZone, from: Timestamp, until: Timestamp) {
    w.begin("VTIMEZONE");
    w.text("TZID", tzid);
    // Lets libical-based clients map the definition back to their own
    // tz database entry.
    w.text("X-LIC-LOCATION", tzid);
    for observance in observances(tz, from, until) {
        observance.write(w);
    }
    w.end("VTIMEZONE");
}

fn observances(tz: &TimeZone, from: Timestamp, until: Timestamp) -> Vec<Observance> {
    let mut out = Vec::new();

    // `preceding` is strictly before its argument, so nudge past `from` to
    // also catch a transition that happens exactly at `from`.
    let just_after_from = from
        .checked_add(SignedDuration::from_nanos(1))
        .unwrap_or(from);
    let in_force = tz.to_offset_info(from);
    let offset_now = in_force.offset();
    let (dtstart, offset_from) = match tz.preceding(just_after_from).next() {
        Some(transition) => {
            let at = transition.timestamp();
            let before = offset_before(tz, at);
            (before.to_datetime(at), before)
        }
        None => {
            // The offset has held since before the tz database's horizon.
            // The onset must not be after `from`, or clients would find no
            // observance for the start of the window.
            let local_from = offset_now.to_datetime(from);
            (UNBOUNDED_ONSET.min(local_from), offset_now)
        }
    };
    // The values in force at `from` come from `to_offset_info` rather than
    // from the transition, so the first observance is right at `from` by
    // construction.
    out.push(Observance {
        dtstart,
        offset_from,
        offset_to: offset_now,
        name: in_force.abbreviation().to_owned(),
        dst: in_force.dst().is_dst(),
    });

    for transition in tz.following(from) {
        let at = transition.timestamp();
        if at >= until {
            break;
        }
        let before = offset_before(tz, at);
        out.push(Observance {
            dtstart: before.to_datetime(at),
            offset_from: before,
            offset_to: transition.offset(),
            name: transition.abbreviation().to_owned(),
            dst: transition.dst().is_dst(),
        });
    }
    out
}

/// The offset in force just before the instant `at`.
fn offset_before(tz: &TimeZone, at: Timestamp) -> Offset {
    let just_before = at.checked_sub(SignedDuration::from_nanos(1)).unwrap_or(at);
    tz.to_offset(just_before)
}

#[cfg(test)]
mod tests {
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
    }

    impl Parsed {
        fn new(kind: &str, dtstart: &str, from: &str, to: &str, name: &str) -> Self {
            Parsed {
                kind: kind.to_owned(),
                dtstart: dtstart.to_owned(),
                from: from.to_owned(),
                to: to.to_owned(),
                name: Some(name.to_owned()),
            }
        }

        /// The UTC instant of the onset: DTSTART read in TZOFFSETFROM.
        fn onset(&self) -> Timestamp {
            let dt: DateTime = jiff::fmt::strtime::parse("%Y%m%dT%H%M%S", &self.dtstart)
                .unwrap()
                .to_datetime()
                .unwrap();
            parse_offset(&self.from).to_timestamp(dt).unwrap()
        }
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

    /// The offset a client would derive from the VTIMEZONE at `t`: that of
    /// the last observance whose onset is not after `t`. `onsets` pairs each
    /// observance's onset with its TZOFFSETTO.
    fn implied_offset(onsets: &[(Timestamp, Offset)], t: Timestamp) -> Offset {
        onsets
            .iter()
            .rev()
            .find(|(onset, _)| *onset <= t)
            .unwrap_or_else(|| panic!("no observance in force at {t}"))
            .1
    }

    /// Checks hour by hour (and at every transition and just before it)
    /// that the generated VTIMEZONE agrees with the tz database on
    /// `[from, until)`.
    fn assert_exact(name: &str, from: Timestamp, until: Timestamp) -> Vec<Parsed> {
        let tz = zone(name);
        let doc = render(name, &tz, from, until);
        let (tzid, obs) = parse(&doc);
        assert_eq!(tzid, name);
        let onsets: Vec<(Timestamp, Offset)> = obs
            .iter()
            .map(|o| (o.onset(), parse_offset(&o.to)))
            .collect();
        assert!(
            onsets.windows(2).all(|w| w[0].0 < w[1].0),
            "onsets not sorted"
        );
        assert!(onsets[0].0 <= from);

        let mut t = from;
        while t < until {
            assert_eq!(implied_offset(&onsets, t), tz.to_offset(t), "{name} at {t}");
            t = t.checked_add(SignedDuration::from_hours(1)).unwrap();
        }
        for (onset, _) in &onsets[1..] {
            let before = onset.checked_sub(SignedDuration::from_secs(1)).unwrap();
            for t in [before, *onset] {
                if from <= t && t < until {
                    assert_eq!(implied_offset(&onsets, t), tz.to_offset(t), "{name} at {t}");
                }
            }
        }
        for o in &obs {
            // Every sub-component must chain: its TZOFFSETFROM is the offset
            // really in force just before its onset.
            let at = o.onset();
            let before = at.checked_sub(SignedDuration::from_nanos(1)).unwrap();
            assert_eq!(parse_offset(&o.from), tz.to_offset(before), "{name} {o:?}");
        }
        obs
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
            [Parsed::new(
                "DAYLIGHT",
                "20270314T020000",
                "-0500",
                "-0400",
                "EDT"
            )]
        );
        assert_exact("America/New_York", dst_start, ts("2027-06-01T00:00:00Z"));

        // A transition exactly at `until` is outside the window.
        let (_, obs) = parse(&render("NY", &tz, ts("2027-01-01T00:00:00Z"), dst_start));
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].to, "-0500");

        // One nanosecond before `from` and a sub-second `from`.
        let from = dst_start
            .checked_sub(SignedDuration::from_nanos(1))
            .unwrap();
        let (_, obs) = parse(&render("NY", &tz, from, ts("2027-06-01T00:00:00Z")));
        assert_eq!(obs.len(), 2);
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
            assert_eq!(obs.len(), 1);
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
END:VTIMEZONE\r\n";
        assert_eq!(doc, expected);
    }
}
