//! What `touchbase check` reports about a valid roster: a summary, the
//! monthly 1:1 time of each active report per manager (favouritism shows up
//! here first), and warnings that are not errors.
//!
//! Opted-out and paused reports are only counted, never named.

use jiff::civil::Date;

use crate::core::group::Groups;
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::{self, Clock, Window};

/// One report's share of its manager's time.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// The report's address.
    pub report: String,
    /// Average 1:1 minutes per month.
    pub minutes_per_month: f64,
    /// Cadence and duration, in words.
    pub how: String,
}

/// One manager's active reports and their shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Fairness {
    /// The manager, as `Name <address>`.
    pub manager: String,
    /// Each active report's share, in roster order.
    pub shares: Vec<Share>,
}

/// A warning: worth a look, not worth refusing the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where (file:line:column), when known.
    pub origin: String,
    /// What.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.origin.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.origin, self.message)
        }
    }
}

/// The outcome of checking a roster.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Managers listed.
    pub managers: usize,
    /// Reports neither opted out nor paused today.
    pub active: usize,
    /// Reports paused today (or with a pause still to come).
    pub paused: usize,
    /// Reports who opted out.
    pub opted_out: usize,
    /// Prompts in the bank.
    pub prompts: usize,
    /// Per manager.
    pub fairness: Vec<Fairness>,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// Per manager (as in the roster): their active 1:1s on each weekday
    /// of their own week, Monday first. Counts only, no names.
    pub load: Vec<[u32; 7]>,
}

/// Checks `roster` as of `today`, looking `horizon_weeks` ahead for DST traps.
pub fn check(roster: &Roster, today: Date, horizon_weeks: u32) -> Report {
    let window = Window::weeks(today, horizon_weeks);
    // The overlap and working-hours audit walks every meeting again: on a
    // second thread, while this one does the rest.
    std::thread::scope(|s| {
        let audit = s.spawn(|| crate::core::placement::audit::warnings(roster, window));
        let mut report = report(roster, today, window);
        match audit.join() {
            Ok(w) => report.warnings.extend(w),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        report
    })
}

/// Everything [`check`] reports but the audit's warnings.
fn report(roster: &Roster, today: Date, window: Window) -> Report {
    let mut warnings = Vec::new();
    let mut fairness = Vec::new();
    let (mut active, mut paused, mut opted_out) = (0, 0, 0);

    let by_manager = Groups::new(&roster.pairs, roster.managers.len(), |p| p.manager_index);
    for (mi, m) in roster.managers.iter().enumerate() {
        let mut shares = Vec::new();
        for pair in by_manager.get(mi) {
            if pair.opt_out {
                opted_out += 1;
                continue;
            }
            if pair.is_paused_on(today) {
                paused += 1;
                continue;
            }
            active += 1;
            shares.push(Share {
                report: pair.report.email.clone(),
                minutes_per_month: f64::from(pair.duration_minutes) * pair.cadence.per_month(),
                how: format!("{}, {} min", pair.cadence, pair.duration_minutes),
            });
            prompt_warnings(roster, pair, &mut warnings);
            dst_warnings(pair, window, &mut warnings);
        }
        let most = shares
            .iter()
            .map(|s| s.minutes_per_month)
            .fold(0.0, f64::max);
        for s in &shares {
            if s.minutes_per_month * 2.0 < most {
                warnings.push(Warning {
                    origin: String::new(),
                    message: format!(
                        "{} gets {:.0} min of 1:1 time a month with {}, less than half of the {:.0} min another report gets",
                        s.report, s.minutes_per_month, m.person.email, most
                    ),
                });
            }
        }
        fairness.push(Fairness {
            manager: format!("{} <{}>", m.person.name, m.person.email),
            shares,
        });
    }

    Report {
        load: crate::core::placement::load(roster),
        managers: roster.managers.len(),
        active,
        paused,
        opted_out,
        prompts: roster.bank.prompts.len(),
        fairness,
        warnings,
    }
}

fn prompt_warnings(roster: &Roster, pair: &Pair, warnings: &mut Vec<Warning>) {
    for tag in &pair.skip_tags {
        if !roster.bank.has_tag(tag) {
            warnings.push(Warning {
                origin: pair.origin.to_string(),
                message: format!("skip_tags names `{tag}`, which no prompt carries"),
            });
        }
    }
    let left = pair.eligible.len();
    if left < pair.prompts_per_meeting as usize {
        warnings.push(Warning {
            origin: pair.origin.to_string(),
            message: format!(
                "skip_tags of {} leave {left} prompt{}, fewer than prompts_per_meeting = {}; each meeting gets {left}",
                pair.report.email,
                if left == 1 { "" } else { "s" },
                pair.prompts_per_meeting
            ),
        });
    }
}

fn dst_warnings(pair: &Pair, window: Window, warnings: &mut Vec<Warning>) {
    for slot in schedule::slots(pair, window) {
        let what = match slot.clock {
            Clock::Normal => continue,
            Clock::Gap => {
                let actual = slot.start.to_zoned(pair.tz.clone());
                format!(
                    "does not exist (daylight saving starts); the meeting moves to {}",
                    actual.strftime("%H:%M")
                )
            }
            Clock::Fold => {
                "happens twice (daylight saving ends); the meeting takes the first".to_string()
            }
        };
        warnings.push(Warning {
            origin: pair.origin.to_string(),
            message: format!(
                "{} with {} on {}: {} {} {}",
                pair.manager.email,
                pair.report.email,
                slot.date,
                slot.local.strftime("%H:%M"),
                pair.timezone,
                what
            ),
        });
    }
}

#[cfg(test)]
mod tests;
