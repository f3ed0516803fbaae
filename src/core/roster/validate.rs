//! From the raw roster to the validated model: every check, every error
//! located, all reported in the order of the file. The defaults → manager →
//! report cascade of settings is checked in `settings.rs`, the prompt bank
//! in `bank.rs`; this file checks managers and reports and builds the pairs.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::{Date, Time};

use super::raw::{RawCalendar, RawManager, RawPrompt, RawReport, RawRoster, RawSettings, Text};
use super::{Calendar, Manager, Pair, Person, Placing, ReportAt, Roster};
use crate::core::cadence::Cadence;
use crate::core::hash::{hash64, hex128};
use crate::core::placement::hours::Hours;
use crate::core::prompts::Bank;
use crate::core::source::{quoted, InputError, InputErrors, Loc, Pos, SourceText};

mod bank;
mod calendars;
mod settings;

use settings::{Settings, TimeSetting};

/// Values used where neither report, manager nor `[defaults]` says.
pub const DEFAULT_CADENCE: Cadence = Cadence::Weeks(2);
/// Default local meeting time.
pub const DEFAULT_TIME: Time = Time::constant(10, 0, 0, 0);
/// Default length of a meeting.
pub const DEFAULT_DURATION: u32 = 30;
/// Default time zone.
pub const DEFAULT_TIMEZONE: &str = "UTC";
/// Default number of prompts per meeting.
pub const DEFAULT_PROMPTS: u32 = 2;
/// Longest meeting accepted, in minutes.
pub const MAX_DURATION: i64 = 24 * 60;
/// Most prompts per meeting accepted.
pub const MAX_PROMPTS: i64 = 100;
/// Default most 1:1s placed on one day of a manager.
pub const DEFAULT_MAX_PER_DAY: u32 = 4;
/// Largest `max_per_day` accepted: a day of 15-minute meetings.
pub const MAX_PER_DAY: i64 = 96;

struct Checker<'a> {
    source: &'a SourceText,
    errors: Vec<InputError>,
    /// `[[calendars]]` ids (index by id), for the `calendars` lists.
    calendar_ids: HashMap<String, usize>,
}

/// Where a key is, for error messages: `defaults`, `managers[i]` or
/// `managers[i].reports[j]`. Keys are spelled out only for an error.
#[derive(Debug, Clone, Copy)]
enum At {
    Defaults,
    Manager(usize),
    Report(usize, usize),
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Defaults => f.write_str("defaults"),
            At::Manager(i) => write!(f, "managers[{i}]"),
            At::Report(i, j) => write!(f, "managers[{i}].reports[{j}]"),
        }
    }
}

impl Checker<'_> {
    fn error(&mut self, pos: Pos, key: &str, found: String, expected: &str) {
        let e = self.source.error(pos, key, found, expected);
        self.errors.push(e);
    }

    /// The line of `pos` in the file (0 when unknown).
    fn line(&self, pos: Pos) -> usize {
        match pos {
            Pos::Unknown => 0,
            Pos::Offset(o) => self.source.line_col(o).0,
            Pos::LineCol(line, _) => line,
        }
    }

    fn email(&mut self, e: &Loc<String>, at: At) -> bool {
        let ok = is_email(&e.value);
        if !ok {
            self.error(
                e.pos,
                &key(at, "email"),
                quoted(&e.value),
                "an email address such as \"grace@example.com\"",
            );
        }
        ok
    }

    /// Text that ends up in mail headers, calendars and web pages (names,
    /// locations, prompts) holds no control character: a line break in a
    /// name would break the `To` header, a NUL the message. A tab is fine.
    fn one_line(&mut self, t: &Loc<String>, key: &str, what: &str) -> bool {
        let Some(c) = t.value.chars().find(|&c| c.is_control() && c != '\t') else {
            return true;
        };
        let found = format!(
            "{}, which holds the control character U+{:04X}",
            quoted(&t.value),
            u32::from(c)
        );
        let expected =
            format!("{what} without control characters (CR, LF, NUL and the like; a tab is fine)");
        self.error(t.pos, key, found, &expected);
        false
    }

    fn date(&mut self, d: &Loc<Text>, at: At, name: &str) -> Option<Date> {
        let parsed = parse_date(&d.value.0);
        if parsed.is_none() {
            self.error(
                d.pos,
                &key(at, name),
                quoted(&d.value.0),
                "a date as \"YYYY-MM-DD\"",
            );
        }
        parsed
    }

    /// The date of a report's first meeting, which has no default.
    fn start(&mut self, r: &RawReport, at: At) -> Option<Date> {
        match &r.start {
            Some(s) => self.date(s, at, "start"),
            None => {
                self.error(
                    r.email.pos,
                    &key(at, "start"),
                    "a report without `start`".into(),
                    "`start = \"YYYY-MM-DD\"`, the date of the first meeting",
                );
                None
            }
        }
    }
}

/// A manager as checked, with what their reports' pairs take from them.
struct ManagerEntry {
    index: usize,
    /// The lowercased address, the manager's half of the pair's identity.
    key: String,
    person: Arc<Person>,
    /// The manager's settings over the defaults.
    settings: Settings,
}

impl ManagerEntry {
    fn model(&self) -> Manager {
        let (timezone, tz) = self
            .settings
            .timezone
            .clone()
            .unwrap_or_else(|| (DEFAULT_TIMEZONE.to_string(), jiff::tz::TimeZone::UTC));
        Manager {
            person: self.person.clone(),
            timezone,
            tz,
            hours: self.settings.hours.unwrap_or_else(Hours::standard),
            max_per_day: self.settings.max_per_day.unwrap_or(DEFAULT_MAX_PER_DAY),
        }
    }
}

/// Addresses already listed (lowercased), for the duplicate checks.
#[derive(Default)]
struct Seen {
    /// Manager address -> where its first entry is (its line is looked up
    /// only for an error).
    managers: HashMap<String, Pos>,
    /// Report address -> (where, index of the manager it is listed under).
    reports: HashMap<String, (Pos, usize)>,
}

/// Validates a raw roster: all errors, or the model.
///
/// Errors come in the order of the file: the prompt bank, `[defaults]`,
/// then each manager followed by their reports.
pub fn validate(source: &SourceText, raw: RawRoster) -> Result<Roster, InputErrors> {
    let mut v = Validator::new(source, &raw.defaults, &raw.prompts, &raw.calendars);
    let reports = raw.managers.iter().map(|m| m.reports.len()).sum();
    v.expect(raw.managers.len(), reports);
    for m in &raw.managers {
        v.manager(m);
    }
    v.finish()
}

/// Validation a manager at a time: [`validate`] for a reader that hands
/// each manager over as soon as it has read it, so that the raw roster
/// never has to be held whole. Errors come in the same order.
pub struct Validator<'a> {
    c: Checker<'a>,
    built_in_bank: bool,
    bank: Bank,
    /// The bank's indices for a pair that skips no tag (most of them).
    all_eligible: Vec<u16>,
    /// `[defaults]` over the built-in values.
    defaults: Settings,
    /// `[[calendars]]`, checked.
    calendars: Vec<Calendar>,
    managers: Vec<Manager>,
    pairs: Vec<Pair>,
    seen: Seen,
    /// The last report hours made: most reports share them.
    last_hours: Option<Arc<Hours>>,
}

impl<'a> Validator<'a> {
    /// Checks the prompt bank, `[[calendars]]` and `[defaults]`.
    pub fn new(
        source: &'a SourceText,
        defaults: &RawSettings,
        prompts: &Option<Loc<Vec<RawPrompt>>>,
        calendars: &[RawCalendar],
    ) -> Self {
        let mut c = Checker {
            source,
            errors: Vec::new(),
            calendar_ids: HashMap::new(),
        };
        let bank = c.bank(prompts);
        let calendars = c.calendars(calendars);
        let defaults = c
            .settings(defaults.keys(), At::Defaults)
            .over(&Settings::built_in());
        Validator {
            c,
            built_in_bank: prompts.is_none(),
            all_eligible: bank.eligible(&[]),
            bank,
            defaults,
            calendars,
            managers: Vec::new(),
            pairs: Vec::new(),
            seen: Seen::default(),
            last_hours: None,
        }
    }

    /// Makes room for `managers` managers and `reports` reports, when a
    /// reader knows about how many are coming: the duplicate checks' maps
    /// then never grow, which costs a rehash of every address each time.
    pub fn expect(&mut self, managers: usize, reports: usize) {
        self.managers.reserve(managers);
        self.pairs.reserve(reports);
        self.seen.managers.reserve(managers);
        self.seen.reports.reserve(reports);
    }

    /// Checks the next `[[managers]]` entry and its reports.
    pub fn manager(&mut self, m: &RawManager) {
        let manager = self.manager_entry(m);
        self.managers.push(manager.model());
        self.pairs.reserve(m.reports.len());
        for (j, r) in m.reports.iter().enumerate() {
            if let Some(pair) = self.report(&manager, j, r) {
                self.pairs.push(pair);
            }
        }
    }

    /// The roster, or every error found.
    pub fn finish(self) -> Result<Roster, InputErrors> {
        if self.c.errors.is_empty() {
            Ok(Roster {
                managers: self.managers,
                pairs: self.pairs,
                bank: self.bank,
                built_in_bank: self.built_in_bank,
                own: Default::default(),
                calendars: self.calendars,
            })
        } else {
            Err(InputErrors(self.c.errors))
        }
    }

    /// One `[[managers]]` entry, checked, with the settings its reports
    /// inherit (the manager's over the defaults).
    fn manager_entry(&mut self, m: &RawManager) -> ManagerEntry {
        let index = self.managers.len();
        let at = At::Manager(index);
        let lower = m.email.value.trim().to_ascii_lowercase();
        if self.c.email(&m.email, at) {
            self.manager_once(m, at, &lower);
        }
        if let Some(name) = &m.name {
            self.c.one_line(name, &key(at, "name"), "a name");
        }
        let person = Arc::new(Person {
            email: m.email.value.trim().to_string(),
            name: display_name(m.name.as_ref(), &m.email.value),
        });
        let settings = self.c.settings(m.keys(), at).over(&self.defaults);
        ManagerEntry {
            index,
            key: lower,
            person,
            settings,
        }
    }

    /// A manager listed twice is an error on the second entry.
    fn manager_once(&mut self, m: &RawManager, at: At, lower: &str) {
        if let Some(&first) = self.seen.managers.get(lower) {
            let line = self.c.line(first);
            let found = format!(
                "{}, already listed as a manager on line {line}",
                quoted(m.email.value.trim())
            );
            let key = key(at, "email");
            self.c
                .error(m.email.pos, &key, found, "each manager listed once");
        } else {
            self.seen.managers.insert(lower.to_string(), m.email.pos);
        }
    }

    /// One `[[managers.reports]]` entry: its errors, and its pair when
    /// every setting it needs came out valid.
    fn report(&mut self, manager: &ManagerEntry, j: usize, r: &RawReport) -> Option<Pair> {
        let at = At::Report(manager.index, j);
        let lower = r.email.value.trim().to_ascii_lowercase();
        if self.c.email(&r.email, at) {
            self.report_once(r, at, &lower, manager);
        }
        if let Some(name) = &r.name {
            self.c.one_line(name, &key(at, "name"), "a name");
        }
        let start = self.c.start(r, at);
        let paused_until = match &r.paused_until {
            Some(p) => self.c.date(p, at, "paused_until"),
            None => None,
        };
        if let Some(n) = &r.max_per_day {
            self.c.error(
                n.pos,
                &key(at, "max_per_day"),
                n.value.to_string(),
                "`max_per_day` under the manager or in [defaults] (it limits a manager's day)",
            );
        }
        let settings = self.c.settings(r.keys(), at).over(&manager.settings);
        self.pair(manager, r, at, lower, start?, paused_until, settings)
    }

    /// `hours`, shared with the pairs before when they are the same.
    fn shared_hours(&mut self, hours: Hours) -> Arc<Hours> {
        match &self.last_hours {
            Some(h) if **h == hours => h.clone(),
            _ => {
                let h = Arc::new(hours);
                self.last_hours = Some(h.clone());
                h
            }
        }
    }

    /// The pair of a checked report, when every setting it needs is valid.
    #[allow(clippy::too_many_arguments)]
    fn pair(
        &mut self,
        manager: &ManagerEntry,
        r: &RawReport,
        at: At,
        lower: String,
        start: Date,
        paused_until: Option<Date>,
        settings: Settings,
    ) -> Option<Pair> {
        let (Some(cadence), Some(time), Some(duration), Some((tzname, tz)), Some(ppm), Some(hours)) = (
            settings.cadence,
            settings.time,
            settings.duration_minutes,
            settings.timezone,
            settings.prompts_per_meeting,
            settings.hours,
        ) else {
            return None;
        };
        // An auto pair holds the default time until placement gives it one.
        let (time, auto) = match time {
            TimeSetting::At(t) => (t, false),
            TimeSetting::Auto => (DEFAULT_TIME, true),
        };
        let manager_calendars = manager.settings.calendars.clone().unwrap_or_default();
        let report_calendars = settings.calendars.clone().unwrap_or_default();
        let mut calendars: Vec<usize> = manager_calendars
            .iter()
            .chain(report_calendars.iter())
            .copied()
            .collect();
        calendars.sort_unstable();
        calendars.dedup();
        let skip_tags: Vec<String> = r
            .skip_tags
            .iter()
            .map(|t| t.value.trim().to_string())
            .collect();
        let eligible = if skip_tags.is_empty() {
            self.all_eligible.clone()
        } else {
            self.bank.eligible(&skip_tags)
        };
        Some(Pair {
            manager_index: manager.index,
            manager: manager.person.clone(),
            report: Person {
                email: r.email.value.trim().to_string(),
                name: display_name(r.name.as_ref(), &r.email.value),
            },
            start,
            time,
            cadence,
            duration_minutes: duration,
            timezone: tzname,
            tz,
            prompts_per_meeting: ppm,
            location: settings.location.unwrap_or_default(),
            opt_out: r.opt_out.as_ref().is_some_and(|o| o.value),
            paused_until,
            eligible,
            prompts_before: None,
            skip_tags,
            key: hash64(0, &[manager.key.as_bytes(), lower.as_bytes()]),
            uid: series_uid(&manager.key, &lower),
            origin: self.c.source.origin(r.email.pos),
            placing: Placing {
                auto,
                from: start,
                work_days: work_days(&hours, manager.settings.hours.as_ref()),
                report_hours: self.shared_hours(hours),
                key: match at {
                    At::Report(manager, report) => ReportAt { manager, report },
                    At::Manager(_) | At::Defaults => ReportAt::default(),
                },
            },
            calendars,
            manager_calendars,
            report_calendars,
            on_day_off: settings.on_day_off.unwrap_or_default(),
            days_off: Arc::from(Vec::new()),
            move_blocked: Arc::from(Vec::new()),
        })
    }

    /// A report is someone other than their manager, under one manager only.
    fn report_once(&mut self, r: &RawReport, at: At, lower: &str, manager: &ManagerEntry) {
        if lower == manager.key {
            let found = format!(
                "{}, the manager's own address",
                quoted(r.email.value.trim())
            );
            let key = key(at, "email");
            self.c
                .error(r.email.pos, &key, found, "a report other than the manager");
        } else if let Some(&(first, under)) = self.seen.reports.get(lower) {
            let line = self.c.line(first);
            let under = self
                .managers
                .get(under)
                .map_or("", |m| m.person.email.as_str());
            let found = format!(
                "{}, already a report of {under} on line {line}",
                quoted(r.email.value.trim())
            );
            let key = key(at, "email");
            self.c.error(
                r.email.pos,
                &key,
                found,
                "each report listed under one manager only",
            );
        } else {
            let entry = (r.email.pos, manager.index);
            self.seen.reports.insert(lower.to_string(), entry);
        }
    }
}

/// The UID of a pair's series: stable for the pair, whatever else changes.
pub fn series_uid(manager_key: &str, report_key: &str) -> String {
    let mut uid = hex128(&[
        b"touchbase-series",
        manager_key.as_bytes(),
        report_key.as_bytes(),
    ]);
    uid.push_str("@touchbase");
    uid
}

fn key(prefix: impl std::fmt::Display, name: &str) -> String {
    format!("{prefix}.{name}")
}

/// The weekdays in both `report`'s and `manager`'s hours (see
/// [`Placing::work_days`]).
fn work_days(report: &Hours, manager: Option<&Hours>) -> u8 {
    let mask = |h: &Hours| {
        (0..7)
            .filter(|&d| h.works_on(d))
            .fold(0u8, |m, d| m | 1 << d)
    };
    let both = mask(report) & manager.map_or(0x7f, mask);
    if both == 0 {
        super::WEEKDAYS
    } else {
        both
    }
}

fn display_name(name: Option<&Loc<String>>, email: &str) -> String {
    match name.map(|n| n.value.trim()) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => email.trim().to_string(),
    }
}

/// "HH:MM" or "HH:MM:SS" (what a TOML time literal reads as).
pub fn parse_time(s: &str) -> Option<Time> {
    let mut parts = s.trim().split(':');
    let h: i8 = parse_digits(parts.next()?, 1, 2)?;
    let m: i8 = parse_digits(parts.next()?, 2, 2)?;
    let sec: i8 = match parts.next() {
        Some(p) => parse_digits(p, 2, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Time::new(h, m, sec, 0).ok()
}

fn parse_digits(s: &str, min: usize, max: usize) -> Option<i8> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// "YYYY-MM-DD".
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    s.parse::<Date>().ok()
}

/// A plain `local@domain` address: what calendar invitations need.
pub fn is_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|ch| ch.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(ch));
    let domain_ok = !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|ch| ch.is_alphanumeric() || ch == '-')
        });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests;
