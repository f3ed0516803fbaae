//! The roster exactly as written: serde structs that mirror the file.
//!
//! Every leaf is a [`Loc`] so that validation can point at the value; unknown
//! keys are rejected here, before any meaning is given to the rest.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::core::source::Loc;

/// The whole roster file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoster {
    /// `[defaults]`.
    #[serde(default)]
    pub defaults: RawSettings,
    /// `[[prompts]]`; `None` means the built-in bank.
    pub prompts: Option<Loc<Vec<RawPrompt>>>,
    /// `[[managers]]`.
    #[serde(default)]
    pub managers: Vec<RawManager>,
    /// `[[calendars]]`: sources of days off.
    #[serde(default)]
    pub calendars: Vec<RawCalendar>,
}

/// One `[[calendars]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    /// Stable id that `calendars` lists name.
    pub id: Loc<String>,
    /// `https://`, `http://`, or a path relative to the roster.
    pub source: Loc<String>,
    /// `holidays` | `out_of_office`.
    pub kind: Loc<String>,
    /// How often to fetch it again, e.g. "12h", "30m", "1d".
    pub refresh: Option<Loc<String>>,
}

/// The keys that cascade: defaults, then manager, then report.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    /// `cadence`.
    pub cadence: Option<Loc<String>>,
    /// `time`.
    pub time: Option<Loc<Text>>,
    /// `duration_minutes`.
    pub duration_minutes: Option<Loc<i64>>,
    /// `timezone`.
    pub timezone: Option<Loc<String>>,
    /// `prompts_per_meeting`.
    pub prompts_per_meeting: Option<Loc<i64>>,
    /// `location`.
    pub location: Option<Loc<String>>,
    /// `hours`: working hours in the person's own zone.
    pub hours: Option<Loc<String>>,
    /// `max_per_day`: most 1:1s placed on one day of a manager.
    pub max_per_day: Option<Loc<i64>>,
    /// `calendars`: ids of `[[calendars]]` whose days off apply.
    pub calendars: Option<Loc<Vec<Loc<String>>>>,
    /// `on_day_off`: `skip` | `next_day`.
    pub on_day_off: Option<Loc<String>>,
}

/// The names of the cascading keys, for "did you mean" hints.
pub const SETTINGS_KEYS: [&str; 10] = [
    "cadence",
    "time",
    "duration_minutes",
    "timezone",
    "prompts_per_meeting",
    "location",
    "hours",
    "max_per_day",
    "calendars",
    "on_day_off",
];

/// One `[[prompts]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrompt {
    /// Stable id.
    pub id: Loc<String>,
    /// The question.
    pub text: Loc<String>,
    /// Tags that reports may skip.
    #[serde(default)]
    pub tags: Vec<Loc<String>>,
}

/// One `[[managers]]` entry.
///
/// The cascading keys of [`RawSettings`] are spelled out here and in
/// [`RawReport`] rather than `#[serde(flatten)]`ed in: serde does not
/// support `flatten` together with `deny_unknown_fields`, and an unknown
/// key must stay an error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManager {
    /// Email address.
    pub email: Loc<String>,
    /// Display name.
    pub name: Option<Loc<String>>,
    /// `cadence`.
    pub cadence: Option<Loc<String>>,
    /// `time`.
    pub time: Option<Loc<Text>>,
    /// `duration_minutes`.
    pub duration_minutes: Option<Loc<i64>>,
    /// `timezone`.
    pub timezone: Option<Loc<String>>,
    /// `prompts_per_meeting`.
    pub prompts_per_meeting: Option<Loc<i64>>,
    /// `location`.
    pub location: Option<Loc<String>>,
    /// `hours`.
    pub hours: Option<Loc<String>>,
    /// `max_per_day`.
    pub max_per_day: Option<Loc<i64>>,
    /// `calendars`: ids of `[[calendars]]` whose days off apply.
    pub calendars: Option<Loc<Vec<Loc<String>>>>,
    /// `on_day_off`: `skip` | `next_day`.
    pub on_day_off: Option<Loc<String>>,
    /// `[[managers.reports]]`.
    #[serde(default)]
    pub reports: Vec<RawReport>,
}

/// One `[[managers.reports]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    /// Email address.
    pub email: Loc<String>,
    /// Display name.
    pub name: Option<Loc<String>>,
    /// Date of the first meeting.
    pub start: Option<Loc<Text>>,
    /// `opt_out`.
    pub opt_out: Option<Loc<bool>>,
    /// `paused_until`.
    pub paused_until: Option<Loc<Text>>,
    /// `skip_tags`.
    #[serde(default)]
    pub skip_tags: Vec<Loc<String>>,
    /// `cadence`.
    pub cadence: Option<Loc<String>>,
    /// `time`.
    pub time: Option<Loc<Text>>,
    /// `duration_minutes`.
    pub duration_minutes: Option<Loc<i64>>,
    /// `timezone`.
    pub timezone: Option<Loc<String>>,
    /// `prompts_per_meeting`.
    pub prompts_per_meeting: Option<Loc<i64>>,
    /// `location`.
    pub location: Option<Loc<String>>,
    /// `hours`.
    pub hours: Option<Loc<String>>,
    /// `max_per_day` (a manager's key: refused here with a pointer to it).
    pub max_per_day: Option<Loc<i64>>,
    /// `calendars`: ids of `[[calendars]]` whose days off apply.
    pub calendars: Option<Loc<Vec<Loc<String>>>>,
    /// `on_day_off`: `skip` | `next_day`.
    pub on_day_off: Option<Loc<String>>,
}

/// The cascading keys of one level (defaults, a manager or a report), as
/// borrowed from its raw struct: validation reads them without copying.
#[derive(Debug, Clone, Copy, Default)]
pub struct SettingsKeys<'a> {
    /// `cadence`.
    pub cadence: Option<&'a Loc<String>>,
    /// `time`.
    pub time: Option<&'a Loc<Text>>,
    /// `duration_minutes`.
    pub duration_minutes: Option<&'a Loc<i64>>,
    /// `timezone`.
    pub timezone: Option<&'a Loc<String>>,
    /// `prompts_per_meeting`.
    pub prompts_per_meeting: Option<&'a Loc<i64>>,
    /// `location`.
    pub location: Option<&'a Loc<String>>,
    /// `hours`.
    pub hours: Option<&'a Loc<String>>,
    /// `max_per_day`.
    pub max_per_day: Option<&'a Loc<i64>>,
    /// `calendars`.
    pub calendars: Option<&'a Loc<Vec<Loc<String>>>>,
    /// `on_day_off`.
    pub on_day_off: Option<&'a Loc<String>>,
}

/// The cascading keys of a raw struct that has them all.
macro_rules! settings_keys {
    ($($t:ty),*) => {$(
        impl $t {
            /// This level's cascading keys.
            pub fn keys(&self) -> SettingsKeys<'_> {
                SettingsKeys {
                    cadence: self.cadence.as_ref(),
                    time: self.time.as_ref(),
                    duration_minutes: self.duration_minutes.as_ref(),
                    timezone: self.timezone.as_ref(),
                    prompts_per_meeting: self.prompts_per_meeting.as_ref(),
                    location: self.location.as_ref(),
                    hours: self.hours.as_ref(),
                    max_per_day: self.max_per_day.as_ref(),
                    calendars: self.calendars.as_ref(),
                    on_day_off: self.on_day_off.as_ref(),
                }
            }
        }
    )*};
}

settings_keys!(RawSettings, RawManager, RawReport);

/// A date or a time of day as text: a quoted string, or a TOML date/time
/// literal (`start = 2027-01-05`, `time = 09:30:00`), which people write as
/// often as the quoted form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            // toml hands date-time literals over as a one-entry map.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let entry: Option<(String, String)> = map.next_entry()?;
                match entry {
                    Some((_, dt)) => Ok(Text(dt)),
                    None => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
                }
            }
        }
        d.deserialize_any(TextVisitor)
    }
}
