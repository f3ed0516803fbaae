//! The settings cascade: `[defaults]`, then each manager, then each
//! report, every level checked and each key falling back to its parent.

use jiff::civil::Time;
use jiff::tz::TimeZone;

use super::{
    key, parse_time, At, Checker, DEFAULT_CADENCE, DEFAULT_DURATION, DEFAULT_MAX_PER_DAY,
    DEFAULT_PROMPTS, DEFAULT_TIME, DEFAULT_TIMEZONE, MAX_DURATION, MAX_PER_DAY, MAX_PROMPTS,
};
use crate::core::cadence::{self, Cadence};
use crate::core::placement::hours::{self, Hours};
use crate::core::roster::raw::SettingsKeys;
use crate::core::source::{did_you_mean, quoted, Loc};

/// Settings of one level of the cascade, checked; `None` where the level
/// leaves a key to its parent (or where the value was bad, already reported).
#[derive(Debug, Clone, Default)]
pub(super) struct Settings {
    pub(super) cadence: Option<Cadence>,
    pub(super) time: Option<TimeSetting>,
    pub(super) duration_minutes: Option<u32>,
    pub(super) timezone: Option<(String, TimeZone)>,
    pub(super) prompts_per_meeting: Option<u32>,
    pub(super) location: Option<String>,
    pub(super) hours: Option<Hours>,
    pub(super) max_per_day: Option<u32>,
    /// Indices of `[[calendars]]`.
    pub(super) calendars: Option<Vec<usize>>,
    pub(super) on_day_off: Option<crate::core::roster::OnDayOff>,
}

/// `time`: a wall-clock time, or `"auto"` (touchbase places the pair).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimeSetting {
    At(Time),
    Auto,
}

impl Settings {
    /// What applies where neither report, manager nor `[defaults]` says.
    pub(super) fn built_in() -> Settings {
        Settings {
            cadence: Some(DEFAULT_CADENCE),
            time: Some(TimeSetting::At(DEFAULT_TIME)),
            duration_minutes: Some(DEFAULT_DURATION),
            timezone: jiff::tz::db()
                .get(DEFAULT_TIMEZONE)
                .ok()
                .map(|tz| (DEFAULT_TIMEZONE.to_string(), tz)),
            prompts_per_meeting: Some(DEFAULT_PROMPTS),
            location: Some(String::new()),
            hours: Some(Hours::standard()),
            max_per_day: Some(DEFAULT_MAX_PER_DAY),
            calendars: Some(Vec::new()),
            on_day_off: Some(crate::core::roster::OnDayOff::Skip),
        }
    }

    /// This level's values, its parent's where it leaves a key out.
    pub(super) fn over(self, parent: &Settings) -> Settings {
        Settings {
            cadence: self.cadence.or(parent.cadence),
            time: self.time.or(parent.time),
            duration_minutes: self.duration_minutes.or(parent.duration_minutes),
            timezone: self.timezone.or_else(|| parent.timezone.clone()),
            prompts_per_meeting: self.prompts_per_meeting.or(parent.prompts_per_meeting),
            location: self.location.or_else(|| parent.location.clone()),
            hours: self.hours.or(parent.hours),
            max_per_day: self.max_per_day.or(parent.max_per_day),
            calendars: self.calendars.or_else(|| parent.calendars.clone()),
            on_day_off: self.on_day_off.or(parent.on_day_off),
        }
    }
}

impl Checker<'_> {
    /// One level's settings, each bad value reported under `prefix`.
    pub(super) fn settings(&mut self, raw: SettingsKeys<'_>, prefix: At) -> Settings {
        let mut s = Settings::default();
        if let Some(c) = raw.cadence {
            s.cadence = Cadence::parse(&c.value);
            if s.cadence.is_none() {
                self.error(
                    c.pos,
                    &key(prefix, "cadence"),
                    quoted(&c.value),
                    cadence::EXPECTED,
                );
            }
        }
        if let Some(t) = raw.time {
            s.time = if t.value.0.trim().eq_ignore_ascii_case("auto") {
                Some(TimeSetting::Auto)
            } else {
                parse_time(&t.value.0).map(TimeSetting::At)
            };
            if s.time.is_none() {
                self.error(
                    t.pos,
                    &key(prefix, "time"),
                    quoted(&t.value.0),
                    "a time of day as \"HH:MM\" (24-hour clock, 00:00 to 23:59), or \"auto\"",
                );
            }
        }
        if let Some(d) = raw.duration_minutes {
            if (1..=MAX_DURATION).contains(&d.value) {
                s.duration_minutes = u32::try_from(d.value).ok();
            } else {
                self.error(
                    d.pos,
                    &key(prefix, "duration_minutes"),
                    d.value.to_string(),
                    "a whole number of minutes from 1 to 1440",
                );
            }
        }
        if let Some(z) = raw.timezone {
            s.timezone = self.timezone(z, prefix);
        }
        if let Some(n) = raw.prompts_per_meeting {
            if (1..=MAX_PROMPTS).contains(&n.value) {
                s.prompts_per_meeting = u32::try_from(n.value).ok();
            } else {
                self.error(
                    n.pos,
                    &key(prefix, "prompts_per_meeting"),
                    n.value.to_string(),
                    "a whole number from 1 to 100",
                );
            }
        }
        if let Some(h) = raw.hours {
            match Hours::parse(&h.value) {
                Ok(parsed) => s.hours = Some(parsed),
                Err(why) => self.error(
                    h.pos,
                    &key(prefix, "hours"),
                    format!("{} ({why})", quoted(&h.value)),
                    hours::EXPECTED,
                ),
            }
        }
        if let Some(n) = raw.max_per_day {
            if (1..=MAX_PER_DAY).contains(&n.value) {
                s.max_per_day = u32::try_from(n.value).ok();
            } else {
                self.error(
                    n.pos,
                    &key(prefix, "max_per_day"),
                    n.value.to_string(),
                    "a whole number of 1:1s from 1 to 96",
                );
            }
        }
        if let Some(l) = raw.location {
            if self.one_line(l, &key(prefix, "location"), "a location") {
                s.location = Some(l.value.clone());
            }
        }
        if let Some(list) = &raw.calendars {
            s.calendars = self.calendar_list(list, &key(prefix, "calendars"));
        }
        if let Some(o) = &raw.on_day_off {
            s.on_day_off = self.on_day_off(o, &key(prefix, "on_day_off"));
        }
        s
    }

    fn timezone(&mut self, z: &Loc<String>, at: At) -> Option<(String, TimeZone)> {
        let name = z.value.trim();
        // Only IANA names: fixed offsets and POSIX rules would be accepted by
        // the parser but are not time zones a calendar client can look up.
        let iana = !name.is_empty() && !name.starts_with(['+', '-']) && !name.contains(',');
        match jiff::tz::db().get(name) {
            Ok(tz) if iana => Some((name.to_string(), tz)),
            _ => {
                let mut e = self.source.error(
                    z.pos,
                    key(at, "timezone"),
                    quoted(&z.value),
                    "an IANA time zone name such as \"Europe/London\"",
                );
                let names: Vec<String> = jiff::tz::db()
                    .available()
                    .map(|n| n.as_str().to_string())
                    .collect();
                e.hint = did_you_mean(name, names.iter().map(String::as_str));
                self.errors.push(e);
                None
            }
        }
    }
}
