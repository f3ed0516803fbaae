//! From the raw roster to the validated model: every check, every error
//! located, all reported in the order of the file. The defaults → manager →
//! report cascade of settings is checked in `settings.rs`, the prompt bank
//! in `bank.rs`; this file checks managers and reports and builds the pairs.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::{Date, Time};

use super::raw::{RawManager, RawReport, RawRoster, Text};
use super::{Manager, Pair, Person, Roster};
use crate::core::cadence::Cadence;
use crate::core::hash::{hash64, hex128};
use crate::core::prompts::Bank;
use crate::core::source::{quoted, InputError, InputErrors, Loc, Pos, SourceText};

mod bank;
mod calendars;
mod settings;

use settings::Settings;

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

struct Checker<'a> {
    source: &'a SourceText,
    errors: Vec<InputError>,
    /// `[[calendars]]` ids (index by id), for the `calendars` lists.
    calendar_ids: HashMap<String, usize>,
}

impl Checker<'_> {
    fn error(&mut self, pos: Pos, key: &str, found: String, expected: &str) {
        let e = self.source.error(pos, key, found, expected);
        self.errors.push(e);
    }

    fn line(&self, pos: Pos) -> usize {
        match self.source.origin(pos) {
            crate::core::source::Origin::File { line, .. } => line,
            _ => 0,
        }
    }

    fn email(&mut self, e: &Loc<String>, key: &str) -> bool {
        let ok = is_email(&e.value);
        if !ok {
            self.error(
                e.pos,
                key,
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

    fn date(&mut self, d: &Loc<Text>, key: &str) -> Option<Date> {
        let parsed = parse_date(&d.value.0);
        if parsed.is_none() {
            self.error(d.pos, key, quoted(&d.value.0), "a date as \"YYYY-MM-DD\"");
        }
        parsed
    }

    /// One `[[managers]]` entry, checked, with the settings its reports
    /// inherit (the manager's over the defaults).
    fn manager(
        &mut self,
        index: usize,
        m: &RawManager,
        defaults: &Settings,
        seen: &mut Seen,
    ) -> ManagerEntry {
        let prefix = format!("managers[{index}]");
        let email_key = key(&prefix, "email");
        let lower = m.email.value.trim().to_ascii_lowercase();
        if self.email(&m.email, &email_key) {
            self.manager_once(m, &email_key, &lower, seen);
        }
        if let Some(name) = &m.name {
            self.one_line(name, &key(&prefix, "name"), "a name");
        }
        let person = Arc::new(Person {
            email: m.email.value.trim().to_string(),
            name: display_name(m.name.as_ref(), &m.email.value),
        });
        let settings = self.settings(&m.settings(), &prefix).over(defaults);
        ManagerEntry {
            index,
            prefix,
            key: lower,
            person,
            settings,
        }
    }

    /// A manager listed twice is an error on the second entry.
    fn manager_once(&mut self, m: &RawManager, email_key: &str, lower: &str, seen: &mut Seen) {
        if let Some(line) = seen.managers.get(lower) {
            let found = format!(
                "{}, already listed as a manager on line {line}",
                quoted(m.email.value.trim())
            );
            self.error(m.email.pos, email_key, found, "each manager listed once");
        } else {
            seen.managers
                .insert(lower.to_string(), self.line(m.email.pos));
        }
    }

    /// One `[[managers.reports]]` entry: its errors, and its pair when
    /// every setting it needs came out valid.
    fn report(
        &mut self,
        manager: &ManagerEntry,
        j: usize,
        r: &RawReport,
        bank: &Bank,
        seen: &mut Seen,
    ) -> Option<Pair> {
        let prefix = format!("{}.reports[{j}]", manager.prefix);
        let email_key = key(&prefix, "email");
        let lower = r.email.value.trim().to_ascii_lowercase();
        if self.email(&r.email, &email_key) {
            self.report_once(r, &email_key, &lower, manager, seen);
        }
        if let Some(name) = &r.name {
            self.one_line(name, &key(&prefix, "name"), "a name");
        }
        let start = self.start(r, &prefix);
        let paused_until = match &r.paused_until {
            Some(p) => self.date(p, &key(&prefix, "paused_until")),
            None => None,
        };
        let settings = self
            .settings(&r.settings(), &prefix)
            .over(&manager.settings);
        self.pair(manager, r, start?, paused_until, settings, bank)
    }

    /// The pair of a checked report, when every setting it needs is valid.
    fn pair(
        &self,
        manager: &ManagerEntry,
        r: &RawReport,
        start: Date,
        paused_until: Option<Date>,
        settings: Settings,
        bank: &Bank,
    ) -> Option<Pair> {
        let (Some(cadence), Some(time), Some(duration), Some((tzname, tz)), Some(ppm)) = (
            settings.cadence,
            settings.time,
            settings.duration_minutes,
            settings.timezone,
            settings.prompts_per_meeting,
        ) else {
            return None;
        };
        let lower = r.email.value.trim().to_ascii_lowercase();
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
            eligible: bank.eligible(&skip_tags),
            skip_tags,
            key: hash64(0, &[manager.key.as_bytes(), lower.as_bytes()]),
            uid: series_uid(&manager.key, &lower),
            origin: self.source.origin(r.email.pos),
            calendars,
            manager_calendars,
            report_calendars,
            on_day_off: settings.on_day_off.unwrap_or_default(),
            days_off: Arc::from(Vec::new()),
        })
    }

    /// A report is someone other than their manager, under one manager only.
    fn report_once(
        &mut self,
        r: &RawReport,
        email_key: &str,
        lower: &str,
        manager: &ManagerEntry,
        seen: &mut Seen,
    ) {
        if lower == manager.key {
            let found = format!(
                "{}, the manager's own address",
                quoted(r.email.value.trim())
            );
            self.error(
                r.email.pos,
                email_key,
                found,
                "a report other than the manager",
            );
        } else if let Some((line, under)) = seen.reports.get(lower) {
            let found = format!(
                "{}, already a report of {under} on line {line}",
                quoted(r.email.value.trim())
            );
            self.error(
                r.email.pos,
                email_key,
                found,
                "each report listed under one manager only",
            );
        } else {
            let entry = (self.line(r.email.pos), manager.person.email.clone());
            seen.reports.insert(lower.to_string(), entry);
        }
    }

    /// The date of a report's first meeting, which has no default.
    fn start(&mut self, r: &RawReport, prefix: &str) -> Option<Date> {
        match &r.start {
            Some(s) => self.date(s, &key(prefix, "start")),
            None => {
                self.error(
                    r.email.pos,
                    &key(prefix, "start"),
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
    /// `managers[i]`, the start of every key under this manager.
    prefix: String,
    /// The lowercased address, the manager's half of the pair's identity.
    key: String,
    person: Arc<Person>,
    /// The manager's settings over the defaults.
    settings: Settings,
}

impl ManagerEntry {
    fn model(&self) -> Manager {
        Manager {
            person: self.person.clone(),
            timezone: self
                .settings
                .timezone
                .as_ref()
                .map_or_else(|| DEFAULT_TIMEZONE.to_string(), |(n, _)| n.clone()),
        }
    }
}

/// Addresses already listed (lowercased), for the duplicate checks.
#[derive(Default)]
struct Seen {
    /// Manager address -> line of its first entry.
    managers: HashMap<String, usize>,
    /// Report address -> (line, the manager it is listed under).
    reports: HashMap<String, (usize, String)>,
}

/// Validates a raw roster: all errors, or the model.
///
/// Errors come in the order of the file: the prompt bank, `[defaults]`,
/// then each manager followed by their reports.
pub fn validate(source: &SourceText, raw: RawRoster) -> Result<Roster, InputErrors> {
    let mut c = Checker {
        source,
        errors: Vec::new(),
        calendar_ids: HashMap::new(),
    };
    let built_in_bank = raw.prompts.is_none();
    let bank = c.bank(&raw.prompts);
    let calendars = c.calendars(&raw.calendars);
    let defaults = c
        .settings(&raw.defaults, "defaults")
        .over(&Settings::built_in());

    let mut managers = Vec::new();
    let mut pairs = Vec::new();
    let mut seen = Seen::default();
    for (i, m) in raw.managers.iter().enumerate() {
        let manager = c.manager(i, m, &defaults, &mut seen);
        managers.push(manager.model());
        for (j, r) in m.reports.iter().enumerate() {
            pairs.extend(c.report(&manager, j, r, &bank, &mut seen));
        }
    }

    if c.errors.is_empty() {
        Ok(Roster {
            managers,
            pairs,
            bank,
            built_in_bank,
            calendars,
        })
    } else {
        Err(InputErrors(c.errors))
    }
}

/// The UID of a pair's series: stable for the pair, whatever else changes.
pub fn series_uid(manager_key: &str, report_key: &str) -> String {
    let h = hex128(&[
        b"touchbase-series",
        manager_key.as_bytes(),
        report_key.as_bytes(),
    ]);
    format!("{h}@touchbase")
}

fn key(prefix: &str, name: &str) -> String {
    format!("{prefix}.{name}")
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
