//! The roster: who meets whom, when, and with which prompts.
//!
//! [`parse`] turns a roster file's text (TOML, YAML or JSON, by extension)
//! into a validated [`Roster`], or into every error found, each naming file,
//! line, column and key. Nothing here reads files: callers hand in the text.

mod chunks;
pub mod raw;
pub mod validate;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use crate::core::cadence::Cadence;
use crate::core::placement::hours::Hours;
use crate::core::prompts::Bank;
use crate::core::source::{Format, InputError, InputErrors, Origin, SourceText};

pub use validate::validate;

/// A person: an email address and a display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The address as written in the roster.
    pub email: String,
    /// The display name (the address when the roster gives none).
    pub name: String,
}

impl Person {
    /// The address lowercased: the identity used for comparisons and hashes.
    pub fn key(&self) -> String {
        self.email.to_ascii_lowercase()
    }

    /// Whether `email` names this person (addresses compare case-insensitively).
    pub fn is(&self, email: &str) -> bool {
        self.email.eq_ignore_ascii_case(email.trim())
    }
}

/// What happens to a meeting on a day off of either person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDayOff {
    /// The meeting does not take place (and uses up no prompts).
    #[default]
    Skip,
    /// The meeting moves to the next working day at the same time.
    NextDay,
}

/// Where a `[[calendars]]` source is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarSource {
    /// Fetched over HTTP(S).
    Url(String),
    /// A local file (relative paths already resolved against the roster's folder).
    Path(PathBuf),
}

/// One `[[calendars]]` entry: a source of days off.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// Its id, as `calendars` lists name it (letters, digits, `.`, `_`, `-`).
    pub id: String,
    /// Where it is read from.
    pub source: CalendarSource,
    /// What its events mean.
    pub kind: crate::core::daysoff::Kind,
    /// How often it is fetched again.
    pub refresh: jiff::SignedDuration,
}

/// A manager and where they were written.
#[derive(Debug, Clone)]
pub struct Manager {
    /// Who.
    pub person: Arc<Person>,
    /// The manager's time zone name after the cascade (manager, else defaults).
    pub timezone: String,
    /// The zone itself.
    pub tz: TimeZone,
    /// The manager's working hours, in their own zone.
    pub hours: Hours,
    /// Most 1:1s placed on one day of the manager's (`max_per_day`).
    pub max_per_day: u32,
}

/// One manager and one report: one recurring series of 1:1s.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Index of the manager in [`Roster::managers`].
    pub manager_index: usize,
    /// The manager.
    pub manager: Arc<Person>,
    /// The report.
    pub report: Person,
    /// Date of the first meeting; its weekday is the meeting day.
    pub start: Date,
    /// Local meeting time.
    pub time: Time,
    /// How often.
    pub cadence: Cadence,
    /// Length of each meeting.
    pub duration_minutes: u32,
    /// The IANA name of the pair's time zone.
    pub timezone: String,
    /// The zone itself.
    pub tz: TimeZone,
    /// Prompts asked for per meeting.
    pub prompts_per_meeting: u32,
    /// Free text: a room, a video link.
    pub location: String,
    /// The report opted out: nothing is scheduled, shown or sent.
    pub opt_out: bool,
    /// No meetings on dates before this one.
    pub paused_until: Option<Date>,
    /// Prompt tags never used with this report.
    pub skip_tags: Vec<String>,
    /// Bank indices of the prompts this pair may use, ordered by id.
    pub eligible: Vec<u16>,
    /// Meetings dated before this day draw from these prompts instead: a
    /// report's own choice of tags applies from the day it was made, so
    /// the meetings before it keep their prompts (see [`crate::core::own`]).
    pub prompts_before: Option<(Date, Vec<u16>)>,
    /// Stable hash of the pair, seeding its prompt rotation.
    pub key: u64,
    /// The iCalendar UID of the pair's series.
    pub uid: String,
    /// Where the report's entry is, for warnings.
    pub origin: Origin,
    /// Indices in [`Roster::calendars`] whose days off apply to this pair:
    /// the manager's own and the report's.
    pub calendars: Vec<usize>,
    /// The manager's own calendars (manager, else defaults): their days
    /// are dates in the manager's zone.
    pub manager_calendars: Vec<usize>,
    /// The report's calendars (report, else manager, else defaults): their
    /// days are dates in the pair's zone (the report's).
    pub report_calendars: Vec<usize>,
    /// What a day off does to a meeting.
    pub on_day_off: OnDayOff,
    /// The days off of either person, sorted (filled in by
    /// [`Roster::apply_days_off`]; empty until then).
    pub days_off: Arc<[Date]>,
    /// With `on_day_off = "next_day"`: the dates a moved meeting may not
    /// go to, another 1:1 of either person being at that time there
    /// (filled in with the days off; see [`crate::core::daysoff::block_moves`]).
    pub move_blocked: Arc<[Date]>,
    /// How the weekday and time were chosen, and the report's hours.
    pub placing: Placing,
}

/// How a pair's weekday and time are chosen (`time = "auto"` or not), with
/// what placement needs that the rest of the pair does not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placing {
    /// `time = "auto"`: touchbase picks the weekday and time; `start` and
    /// `time` hold the placed ones once [`crate::core::placement::place`] ran.
    pub auto: bool,
    /// The roster's `start`: an auto pair's first meeting is the first
    /// placed weekday on or after it.
    pub from: Date,
    /// The report's working hours, in the pair's zone (the report's);
    /// shared by the pairs whose reports have the same.
    pub report_hours: Arc<Hours>,
    /// Where the report is: `managers[i].reports[j]`.
    pub key: ReportAt,
    /// The weekdays both people work (bit 0 Monday to bit 6 Sunday): the
    /// days of both `hours`, each read as weekdays of its own zone; Monday
    /// to Friday when the two share none. `on_day_off = "next_day"` moves
    /// a meeting only to such a day.
    pub work_days: u8,
}

/// Where a report's entry is in the roster, for error keys: it reads
/// `managers[i].reports[j]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportAt {
    /// The manager's index in `[[managers]]`.
    pub manager: usize,
    /// The report's index under that manager.
    pub report: usize,
}

impl std::fmt::Display for ReportAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "managers[{}].reports[{}]", self.manager, self.report)
    }
}

/// Monday to Friday, as [`Placing::work_days`].
pub const WEEKDAYS: u8 = 0b001_1111;

impl Pair {
    /// Whether anything at all may be scheduled, shown or sent for this pair.
    pub fn is_active(&self) -> bool {
        !self.opt_out
    }

    /// Whether the pair is paused on `today` (a pause still to come counts).
    pub fn is_paused_on(&self, today: Date) -> bool {
        self.paused_until.is_some_and(|until| until > today)
    }
}

/// A validated roster.
#[derive(Debug, Clone)]
pub struct Roster {
    /// Managers in file order.
    pub managers: Vec<Manager>,
    /// Every pair in file order, opted-out ones included (they are needed to
    /// cancel what was sent before the opt-out, and nothing else).
    pub pairs: Vec<Pair>,
    /// The prompt bank.
    pub bank: Bank,
    /// Whether the bank is the built-in one.
    pub built_in_bank: bool,
    /// The reports' own choices merged in (none until the shell merges
    /// the ledger's, see [`crate::core::own::apply`]).
    pub own: crate::core::own::Applied,
    /// `[[calendars]]`, in file order.
    pub calendars: Vec<Calendar>,
}

impl Roster {
    /// Pairs whose report has not opted out.
    pub fn active_pairs(&self) -> impl Iterator<Item = &Pair> {
        self.pairs.iter().filter(|p| p.is_active())
    }

    /// Puts every pair's UID in `domain`: UIDs are `<hash>@<domain>`, and a
    /// real domain (the organizer's) is what RFC 5545 asks for.
    pub fn set_uid_domain(&mut self, domain: &str) {
        for p in &mut self.pairs {
            if let Some(at) = p.uid.find('@') {
                p.uid.truncate(at + 1);
                p.uid.push_str(domain);
            }
        }
    }

    /// Gives every pair the days off of its calendars: `days[i]` holds the
    /// days of `calendars[i]` (`None`: none known). A report's days are
    /// dates in the pair's zone; a manager's are dates in the manager's
    /// zone, so they become the dates in the pair's zone whose meeting falls
    /// on them for the manager. Pairs with the same days share one list.
    pub fn apply_days_off(&mut self, days: &[Option<&crate::core::daysoff::DaysOff>]) {
        let none = self
            .pairs
            .iter()
            .all(|p| p.report_calendars.is_empty() && p.manager_calendars.is_empty());
        if none {
            // The usual roster: nobody's days off are read.
            for p in &mut self.pairs {
                if !p.days_off.is_empty() {
                    p.days_off = Arc::from(Vec::new());
                }
            }
            crate::core::daysoff::block_moves(self);
            return;
        }
        type Key = (Vec<usize>, Vec<usize>, usize, Time, String);
        let mut shared: std::collections::HashMap<Key, Arc<[Date]>> =
            std::collections::HashMap::new();
        let zones: Vec<Option<TimeZone>> = self
            .managers
            .iter()
            .map(|m| jiff::tz::db().get(&m.timezone).ok())
            .collect();
        let union = |list: &[usize]| -> Vec<Date> {
            let mut all: Vec<Date> = list
                .iter()
                .filter_map(|&i| days.get(i).copied().flatten())
                .flat_map(|d| d.days.iter().copied())
                .collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        for p in &mut self.pairs {
            let key = (
                p.report_calendars.clone(),
                p.manager_calendars.clone(),
                p.manager_index,
                p.time,
                p.timezone.clone(),
            );
            let manager_tz = zones.get(p.manager_index).cloned().flatten();
            let list = shared
                .entry(key)
                .or_insert_with(|| {
                    let mut all = union(&p.report_calendars);
                    let manager_days = union(&p.manager_calendars);
                    all.extend(crate::core::daysoff::in_pair_zone(
                        &manager_days,
                        manager_tz.as_ref(),
                        &p.tz,
                        p.time,
                    ));
                    all.sort_unstable();
                    all.dedup();
                    all.into()
                })
                .clone();
            p.days_off = list;
        }
        crate::core::daysoff::block_moves(self);
    }

    /// Whether `email` is a manager or an active report in this roster.
    pub fn knows(&self, email: &str) -> bool {
        self.managers.iter().any(|m| m.person.is(email))
            || self.active_pairs().any(|p| p.report.is(email))
    }
}

/// How many of `old`'s active pairs `new` would cancel, out of how many.
pub fn would_cancel(old: &Roster, new: &Roster) -> (usize, usize) {
    let kept: std::collections::HashSet<&str> =
        new.active_pairs().map(|p| p.uid.as_str()).collect();
    let active: Vec<&str> = old.active_pairs().map(|p| p.uid.as_str()).collect();
    let cancelled = active.iter().filter(|u| !kept.contains(*u)).count();
    (cancelled, active.len())
}

/// The roster formats, chosen by file extension.
pub fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "toml" => Some(Format::Toml),
        "yaml" | "yml" | "json" => Some(Format::Yaml),
        _ => None,
    }
}

/// Parses and validates a roster file's text.
pub fn parse(source: &SourceText) -> Result<Roster, InputErrors> {
    match format_of(&source.path) {
        Some(Format::Toml) => chunks::roster(source),
        _ => validate(source, parse_raw(source)?),
    }
}

/// Parses a roster file's text into its raw form, by extension.
pub fn parse_raw(source: &SourceText) -> Result<raw::RawRoster, InputErrors> {
    let is_json = source
        .path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    match format_of(&source.path) {
        Some(Format::Toml) => chunks::parse(source),
        Some(_) if is_json => {
            // JSON is read as YAML (for positions), after a strict JSON
            // syntax check so that YAML's leniency does not leak in.
            if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&source.text) {
                return Err(InputError {
                    origin: Origin::File {
                        path: source.path.clone(),
                        line: e.line(),
                        column: e.column(),
                    },
                    key: String::new(),
                    found: format!("invalid JSON ({e})"),
                    expected: "a JSON object".into(),
                    hint: None,
                }
                .into());
            }
            crate::core::formats::parse_yaml(source)
        }
        Some(_) => crate::core::formats::parse_yaml(source),
        None => Err(InputError {
            origin: source.origin(crate::core::source::Pos::Unknown),
            key: String::new(),
            found: format!(
                "a file named {}",
                crate::core::source::quoted(&source.path.display().to_string())
            ),
            expected: "a roster file ending in .toml, .yaml, .yml or .json".into(),
            hint: None,
        }
        .into()),
    }
}

#[cfg(test)]
mod tests;
