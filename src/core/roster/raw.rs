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
    /// `calendars`: ids of `[[calendars]]` whose days off apply.
    pub calendars: Option<Loc<Vec<Loc<String>>>>,
    /// `on_day_off`: `skip` | `next_day`.
    pub on_day_off: Option<Loc<String>>,
}

/// The names of the cascading keys, for "did you mean" hints.
pub const SETTINGS_KEYS: [&str; 8] = [
    "cadence",
    "time",
    "duration_minutes",
    "timezone",
    "prompts_per_meeting",
    "location",
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
    /// `calendars`: ids of `[[calendars]]` whose days off apply.
    pub calendars: Option<Loc<Vec<Loc<String>>>>,
    /// `on_day_off`: `skip` | `next_day`.
    pub on_day_off: Option<Loc<String>>,
}

impl RawManager {
    /// The manager's cascading keys.
    pub fn settings(&self) -> RawSettings {
        RawSettings {
            cadence: self.cadence.clone(),
            time: self.time.clone(),
            duration_minutes: self.duration_minutes.clone(),
            timezone: self.timezone.clone(),
            prompts_per_meeting: self.prompts_per_meeting.clone(),
            location: self.location.clone(),
            calendars: self.calendars.clone(),
            on_day_off: self.on_day_off.clone(),
        }
    }
}

impl RawReport {
    /// The report's cascading keys.
    pub fn settings(&self) -> RawSettings {
        RawSettings {
            cadence: self.cadence.clone(),
            time: self.time.clone(),
            duration_minutes: self.duration_minutes.clone(),
            timezone: self.timezone.clone(),
            prompts_per_meeting: self.prompts_per_meeting.clone(),
            location: self.location.clone(),
            calendars: self.calendars.clone(),
            on_day_off: self.on_day_off.clone(),
        }
    }
}

impl RawSettings {
    /// `self`, with each key it leaves out taken from `parent`.
    pub fn over(self, parent: &RawSettings) -> RawSettings {
        RawSettings {
            cadence: self.cadence.or_else(|| parent.cadence.clone()),
            time: self.time.or_else(|| parent.time.clone()),
            duration_minutes: self
                .duration_minutes
                .or_else(|| parent.duration_minutes.clone()),
            timezone: self.timezone.or_else(|| parent.timezone.clone()),
            prompts_per_meeting: self
                .prompts_per_meeting
                .or_else(|| parent.prompts_per_meeting.clone()),
            location: self.location.or_else(|| parent.location.clone()),
            calendars: self.calendars.or_else(|| parent.calendars.clone()),
            on_day_off: self.on_day_off.or_else(|| parent.on_day_off.clone()),
        }
    }
}

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
