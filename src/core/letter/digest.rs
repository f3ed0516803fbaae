//! The weekly digest (`mail.prompts = "digest"`): one mail per manager at
//! 07:00 in the manager's zone on the first working day of the week,
//! listing the week's 1:1s still to come, in time order, with their
//! prompts, places and both people's local times. It is plain mail, not
//! an invitation: no calendar is changed by it.
//!
//! [`due`] says which digests are due at `now` given those already sent:
//! a manager's digest of the current week, once its time has come and
//! while the week lasts (a digest missed while touchbase was down is sent
//! late in the same week, never after it), when the week still holds a
//! 1:1. [`next_due`] is when the daemon should wake for the next one.
//! Only active pairs' meetings that take place appear: an opted-out or a
//! paused report is never listed.

use std::collections::HashSet;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use super::times::both_times;
use super::week::{digest_due, monday_of, week_end, week_start};
use super::{write, Block, Letter, Zone};
use crate::core::events::GUIDANCE;
use crate::core::hash::hex128;
use crate::core::plan::plan;
use crate::core::roster::Roster;
use crate::core::schedule::Window;
use crate::core::series::History;

/// One 1:1 as a digest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The report's display name.
    pub report: String,
    /// When it starts.
    pub start: Timestamp,
    /// The meeting's (the report's) zone.
    pub zone: String,
    /// Minutes.
    pub duration_minutes: u32,
    /// Where ("" for nowhere in particular).
    pub location: String,
    /// Its prompts.
    pub prompts: Vec<String>,
}

/// One digest due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The manager's address, as the roster writes it.
    pub manager: String,
    /// The manager's display name.
    pub manager_name: String,
    /// The Monday of the week it covers.
    pub week: Date,
    /// The 1:1s, in time order.
    pub entries: Vec<Entry>,
    /// What it says.
    pub letter: Letter,
}

impl Digest {
    /// Its Message-ID: derived from the manager and the week, so that the
    /// same digest is never queued twice.
    pub fn message_id(&self, domain: &str) -> String {
        let week = self.week.to_string();
        format!(
            "{}@{domain}",
            hex128(&[
                b"touchbase-digest",
                self.manager.to_ascii_lowercase().as_bytes(),
                week.as_bytes(),
            ])
        )
    }
}

/// The digests due at `now`: every manager's digest of the current week
/// (in the manager's zone) whose time has come, that `sent` does not hold
/// (lowercased address, Monday of the week), and that lists at least one
/// 1:1.
pub fn due(
    roster: &Roster,
    history: &History,
    sent: &HashSet<(String, Date)>,
    now: Timestamp,
) -> Vec<Digest> {
    let mut out = Vec::new();
    for manager in &roster.managers {
        let Some(zone) = Zone::named(&manager.timezone) else {
            continue;
        };
        let monday = monday_of(now.to_zoned(zone.tz.clone()).date());
        let email = manager.person.email.to_ascii_lowercase();
        if sent.contains(&(email, monday)) {
            continue;
        }
        let (Some(at), Some(from), Some(until)) = (
            digest_due(manager, &zone.tz, monday),
            week_start(&zone.tz, monday),
            week_end(&zone.tz, monday),
        ) else {
            continue;
        };
        if now < at || now >= until {
            continue;
        }
        let window = Window {
            from: monday.checked_sub(1.day()).unwrap_or(monday),
            until: monday.checked_add(8.days()).unwrap_or(monday),
        };
        let entries: Vec<Entry> = plan(roster, history, window, Some(&manager.person.email))
            .into_iter()
            .filter(|m| m.start >= from && m.start < until && m.start >= now)
            .map(|m| Entry {
                report: m.pair.report.name.clone(),
                start: m.start,
                zone: m.pair.timezone.clone(),
                duration_minutes: m.pair.duration_minutes,
                location: m.pair.location.clone(),
                prompts: m.prompts(roster).map(|p| p.text.clone()).collect(),
            })
            .collect();
        if entries.is_empty() {
            continue;
        }
        let letter = letter(&manager.person.name, &zone, monday, &entries);
        out.push(Digest {
            manager: manager.person.email.clone(),
            manager_name: manager.person.name.clone(),
            week: monday,
            entries,
            letter,
        });
    }
    out
}

/// The next time after `now` a digest falls due: the earliest, over every
/// manager, of this week's digest time if still ahead, else next week's.
pub fn next_due(roster: &Roster, now: Timestamp) -> Option<Timestamp> {
    roster
        .managers
        .iter()
        .filter_map(|manager| {
            let zone = Zone::named(&manager.timezone)?;
            let monday = monday_of(now.to_zoned(zone.tz.clone()).date());
            let this = digest_due(manager, &zone.tz, monday)?;
            if this > now {
                return Some(this);
            }
            digest_due(manager, &zone.tz, monday.checked_add(7.days()).ok()?)
        })
        .min()
}

/// What a digest says to `name` (in `zone`) about the week starting
/// `monday`.
pub fn letter(name: &str, zone: &Zone, monday: Date, entries: &[Entry]) -> Letter {
    let count = match entries.len() {
        1 => "1 meeting".to_string(),
        n => format!("{n} meetings"),
    };
    let subject = format!(
        "Your 1:1s in the week of {}: {count}",
        monday.strftime("%a %-d %b")
    );
    let mut b = vec![
        Block::Para(format!("Hello {name},")),
        Block::Para(format!(
            "Your 1:1s this week ({count}), each with a few prompts to start from. They are on your calendar already; this is the only mail about their prompts this week."
        )),
    ];
    for e in entries {
        let theirs = Zone::named(&e.zone).unwrap_or_else(|| zone.clone());
        let mut details = vec![both_times(e.start, zone, &theirs, &e.report)];
        details.push(format!("{} minutes", e.duration_minutes));
        if !e.location.is_empty() {
            details.push(format!("Where: {}", e.location));
        }
        b.push(Block::Meeting {
            title: e.report.clone(),
            details,
            prompts: e.prompts.clone(),
        });
    }
    b.push(Block::Note(GUIDANCE.into()));
    b.push(Block::Para(
        "The time, cadence and place of each 1:1 come from the touchbase roster: to change them, ask whoever keeps it for your team.".into(),
    ));
    write(subject, &b)
}
