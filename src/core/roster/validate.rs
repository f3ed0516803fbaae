//! From the raw roster to the validated model: every check, every error
//! located, and the defaults → manager → report cascade.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use super::raw::{RawRoster, RawSettings, Text};
use super::{Manager, Pair, Person, Roster};
use crate::core::cadence::{self, Cadence};
use crate::core::hash::{hash64, hex128};
use crate::core::prompts::{Bank, Prompt};
use crate::core::source::{did_you_mean, quoted, InputError, InputErrors, Loc, Pos, SourceText};

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

/// Settings of one level of the cascade, checked; `None` where the level
/// leaves a key to its parent (or where the value was bad, already reported).
#[derive(Debug, Clone, Default)]
struct Settings {
    cadence: Option<Cadence>,
    time: Option<Time>,
    duration_minutes: Option<u32>,
    timezone: Option<(String, TimeZone)>,
    prompts_per_meeting: Option<u32>,
    location: Option<String>,
}

impl Settings {
    fn over(self, parent: &Settings) -> Settings {
        Settings {
            cadence: self.cadence.or(parent.cadence),
            time: self.time.or(parent.time),
            duration_minutes: self.duration_minutes.or(parent.duration_minutes),
            timezone: self.timezone.or_else(|| parent.timezone.clone()),
            prompts_per_meeting: self.prompts_per_meeting.or(parent.prompts_per_meeting),
            location: self.location.or_else(|| parent.location.clone()),
        }
    }
}

struct Checker<'a> {
    source: &'a SourceText,
    errors: Vec<InputError>,
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

    fn settings(&mut self, raw: &RawSettings, prefix: &str) -> Settings {
        let mut s = Settings::default();
        if let Some(c) = &raw.cadence {
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
        if let Some(t) = &raw.time {
            s.time = parse_time(&t.value.0);
            if s.time.is_none() {
                self.error(
                    t.pos,
                    &key(prefix, "time"),
                    quoted(&t.value.0),
                    "a time of day as \"HH:MM\" (24-hour clock, 00:00 to 23:59)",
                );
            }
        }
        if let Some(d) = &raw.duration_minutes {
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
        if let Some(z) = &raw.timezone {
            s.timezone = self.timezone(z, &key(prefix, "timezone"));
        }
        if let Some(n) = &raw.prompts_per_meeting {
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
        if let Some(l) = &raw.location {
            s.location = Some(l.value.clone());
        }
        s
    }

    fn timezone(&mut self, z: &Loc<String>, key: &str) -> Option<(String, TimeZone)> {
        let name = z.value.trim();
        // Only IANA names: fixed offsets and POSIX rules would be accepted by
        // the parser but are not time zones a calendar client can look up.
        let iana = !name.is_empty() && !name.starts_with(['+', '-']) && !name.contains(',');
        match jiff::tz::db().get(name) {
            Ok(tz) if iana => Some((name.to_string(), tz)),
            _ => {
                let mut e = self.source.error(
                    z.pos,
                    key,
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

    fn date(&mut self, d: &Loc<Text>, key: &str) -> Option<Date> {
        let parsed = parse_date(&d.value.0);
        if parsed.is_none() {
            self.error(d.pos, key, quoted(&d.value.0), "a date as \"YYYY-MM-DD\"");
        }
        parsed
    }

    fn bank(&mut self, raw: &Option<Loc<Vec<super::raw::RawPrompt>>>) -> Bank {
        let Some(list) = raw else {
            return Bank::built_in();
        };
        if list.value.is_empty() {
            self.error(
                list.pos,
                "prompts",
                "an empty list".into(),
                "at least one prompt (or no `prompts` key, for the built-in bank)",
            );
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut prompts = Vec::with_capacity(list.value.len());
        for (i, p) in list.value.iter().enumerate() {
            let prefix = format!("prompts[{i}]");
            let id = p.id.value.trim();
            if id.is_empty() {
                self.error(
                    p.id.pos,
                    &key(&prefix, "id"),
                    quoted(&p.id.value),
                    "a non-empty id",
                );
            } else if let Some(first) = seen.get(id) {
                let found = format!("{}, already the id of prompt on line {first}", quoted(id));
                self.error(
                    p.id.pos,
                    &key(&prefix, "id"),
                    found,
                    "an id used by no other prompt",
                );
            } else {
                seen.insert(id.to_string(), self.line(p.id.pos));
            }
            if p.text.value.trim().is_empty() {
                self.error(
                    p.text.pos,
                    &key(&prefix, "text"),
                    quoted(&p.text.value),
                    "the prompt's question",
                );
            }
            let mut tags = Vec::new();
            for (j, t) in p.tags.iter().enumerate() {
                if t.value.trim().is_empty() {
                    self.error(
                        t.pos,
                        &format!("{prefix}.tags[{j}]"),
                        quoted(&t.value),
                        "a non-empty tag",
                    );
                } else {
                    tags.push(t.value.trim().to_string());
                }
            }
            prompts.push(Prompt {
                id: id.to_string(),
                text: p.text.value.trim().to_string(),
                tags,
            });
        }
        if prompts.len() > usize::from(u16::MAX) {
            self.error(
                list.pos,
                "prompts",
                format!("{} prompts", prompts.len()),
                "at most 65535 prompts",
            );
        }
        Bank { prompts }
    }
}

/// Validates a raw roster: all errors, or the model.
pub fn validate(source: &SourceText, raw: RawRoster) -> Result<Roster, InputErrors> {
    let mut c = Checker {
        source,
        errors: Vec::new(),
    };
    let built_in_bank = raw.prompts.is_none();
    let bank = c.bank(&raw.prompts);
    let defaults = c.settings(&raw.defaults, "defaults");
    let base = Settings {
        cadence: Some(DEFAULT_CADENCE),
        time: Some(DEFAULT_TIME),
        duration_minutes: Some(DEFAULT_DURATION),
        timezone: jiff::tz::db()
            .get(DEFAULT_TIMEZONE)
            .ok()
            .map(|tz| (DEFAULT_TIMEZONE.to_string(), tz)),
        prompts_per_meeting: Some(DEFAULT_PROMPTS),
        location: Some(String::new()),
    };
    let defaults = defaults.over(&base);

    let mut managers = Vec::new();
    let mut pairs = Vec::new();
    // Lowercased address -> (line, what they were) for duplicate checks.
    let mut managers_seen: HashMap<String, usize> = HashMap::new();
    let mut reports_seen: HashMap<String, (usize, String)> = HashMap::new();

    for (i, m) in raw.managers.iter().enumerate() {
        let prefix = format!("managers[{i}]");
        let email_ok = c.email(&m.email, &key(&prefix, "email"));
        let mkey = m.email.value.trim().to_ascii_lowercase();
        if email_ok {
            if let Some(line) = managers_seen.get(&mkey) {
                let found = format!(
                    "{}, already listed as a manager on line {line}",
                    quoted(m.email.value.trim())
                );
                c.error(
                    m.email.pos,
                    &key(&prefix, "email"),
                    found,
                    "each manager listed once",
                );
            } else {
                managers_seen.insert(mkey.clone(), c.line(m.email.pos));
            }
        }
        let person = Arc::new(Person {
            email: m.email.value.trim().to_string(),
            name: display_name(m.name.as_ref(), &m.email.value),
        });
        let msettings = c.settings(&m.settings(), &prefix).over(&defaults);
        managers.push(Manager {
            person: person.clone(),
            timezone: msettings
                .timezone
                .as_ref()
                .map_or_else(|| DEFAULT_TIMEZONE.to_string(), |(n, _)| n.clone()),
        });

        for (j, r) in m.reports.iter().enumerate() {
            let prefix = format!("{prefix}.reports[{j}]");
            let email_key = key(&prefix, "email");
            let rkey = r.email.value.trim().to_ascii_lowercase();
            if c.email(&r.email, &email_key) {
                if rkey == mkey {
                    let found = format!(
                        "{}, the manager's own address",
                        quoted(r.email.value.trim())
                    );
                    c.error(
                        r.email.pos,
                        &email_key,
                        found,
                        "a report other than the manager",
                    );
                } else if let Some((line, under)) = reports_seen.get(&rkey) {
                    let found = format!(
                        "{}, already a report of {under} on line {line}",
                        quoted(r.email.value.trim())
                    );
                    c.error(
                        r.email.pos,
                        &email_key,
                        found,
                        "each report listed under one manager only",
                    );
                } else {
                    reports_seen.insert(rkey.clone(), (c.line(r.email.pos), person.email.clone()));
                }
            }
            let start = match &r.start {
                Some(s) => c.date(s, &key(&prefix, "start")),
                None => {
                    c.error(
                        r.email.pos,
                        &key(&prefix, "start"),
                        "a report without `start`".into(),
                        "`start = \"YYYY-MM-DD\"`, the date of the first meeting",
                    );
                    None
                }
            };
            let paused_until = match &r.paused_until {
                Some(p) => c.date(p, &key(&prefix, "paused_until")),
                None => None,
            };
            let settings = c.settings(&r.settings(), &prefix).over(&msettings);
            let skip_tags: Vec<String> = r
                .skip_tags
                .iter()
                .map(|t| t.value.trim().to_string())
                .collect();
            let (
                Some(start),
                Some(cadence),
                Some(time),
                Some(duration),
                Some((tzname, tz)),
                Some(ppm),
            ) = (
                start,
                settings.cadence,
                settings.time,
                settings.duration_minutes,
                settings.timezone,
                settings.prompts_per_meeting,
            )
            else {
                continue;
            };
            let pair_key = hash64(0, &[mkey.as_bytes(), rkey.as_bytes()]);
            pairs.push(Pair {
                manager_index: i,
                manager: person.clone(),
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
                key: pair_key,
                uid: series_uid(&mkey, &rkey),
                origin: source.origin(r.email.pos),
            });
        }
    }

    if c.errors.is_empty() {
        Ok(Roster {
            managers,
            pairs,
            bank,
            built_in_bank,
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
