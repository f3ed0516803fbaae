//! The calendar mails: a series invitation (what the 1:1 is for, its first
//! meetings, when prompts arrive, how to change things), a meeting's
//! prompts (prompts first), and stops (neutral and short: no reason, and
//! nothing about the report beyond the name the calendar entry carries).

use super::times::both_times;
use super::{write, Block, Letter, Meeting, Prompts, Reader, SeriesFacts};
use crate::core::events::GUIDANCE;

/// What a standing 1:1 is for, in two sentences.
pub const PURPOSE: [&str; 2] = [
    "A standing 1:1 is time that belongs to the two of you, kept whether or not there is news, so that trust and connection are there before they are needed.",
    "Each meeting brings a few open questions in the spirit of six (How are things going? What's giving you energy? What's draining you? What have you learned? Where are you stuck? How can I help you?): a way in, not an agenda.",
];

/// How a series stops, or one meeting goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The series is cancelled (no meeting of it was held).
    CancelSeries,
    /// One meeting is taken off.
    CancelMeeting,
    /// The series ends; meetings held stay.
    Ends,
}

fn greeting(name: &str) -> Block {
    Block::Para(format!("Hello {name},"))
}

fn meeting_block(r: &Reader, m: &Meeting) -> Block {
    Block::Meeting {
        title: both_times(m.start, &r.zone, &r.other_zone, &r.other),
        details: Vec::new(),
        prompts: m.prompts.clone(),
    }
}

/// When and where each meeting's prompts arrive, for this reader.
fn delivery(r: &Reader, s: &SeriesFacts) -> String {
    match (s.prompts, r.is_manager) {
        (Prompts::Updates, _) => {
            let ahead = match s.lead_days {
                0 => "on the day of the meeting".to_string(),
                1 => "1 day ahead".to_string(),
                n => format!("{n} days ahead"),
            };
            format!(
                "Each meeting's prompts arrive {ahead}, as an update of that one meeting: your calendar shows them in the meeting's description, and no other mail is needed."
            )
        }
        (Prompts::Digest, true) => "Each week's prompts arrive in one mail, at 07:00 your time on the first working day of the week, listing that week's 1:1s with their prompts. There are no updates per meeting.".to_string(),
        (Prompts::Digest, false) => format!(
            "Each week's prompts go to {} in one weekly mail; the calendar feed touchbase offers shows them too.",
            r.other
        ),
    }
}

/// The subject of the invitation to a series with `other`.
pub fn series_subject(other: &str, headline: &str, updated: bool) -> String {
    if updated {
        format!("Updated: 1:1 with {other}, {headline}")
    } else {
        format!("1:1 with {other}, {headline}")
    }
}

/// The invitation to a series (`updated`: a changed series, sent again
/// whole). `headline` ends the subject: "weekly from Tue 5 Jan 09:30
/// (Europe/London)".
pub fn series(r: &Reader, s: &SeriesFacts, headline: &str, updated: bool) -> Letter {
    let subject = series_subject(&r.other, headline, updated);
    let mut shape = format!("{}, {} minutes each", s.cadence, s.duration_minutes);
    if let Some(until) = s.until {
        shape.push_str(&format!(", until {}", until.strftime("%a %-d %b %Y")));
    }
    let opening = if updated {
        format!("Your standing 1:1 with {} has changed: {shape}.", r.other)
    } else {
        format!("This is your standing 1:1 with {}: {shape}.", r.other)
    };
    let mut b = vec![greeting(&r.name), Block::Para(opening)];
    if !s.location.is_empty() {
        b.push(Block::Labelled("Where:", s.location.clone()));
    }
    b.push(Block::Heading("Why a standing 1:1".into()));
    b.push(Block::Para(PURPOSE[0].into()));
    b.push(Block::Para(PURPOSE[1].into()));
    if !s.upcoming.is_empty() {
        b.push(Block::Heading("The next meetings".into()));
        b.push(Block::List(
            s.upcoming
                .iter()
                .map(|m| both_times(m.start, &r.zone, &r.other_zone, &r.other))
                .collect(),
        ));
    }
    b.push(Block::Heading("Prompts".into()));
    b.push(Block::Para(delivery(r, s)));
    let due: Vec<&Meeting> = s.due.iter().filter(|m| !m.prompts.is_empty()).collect();
    if !due.is_empty() {
        b.push(Block::Para(if due.len() == 1 {
            "The first meeting is close, so its prompts are here already:".into()
        } else {
            "These meetings are close, so their prompts are here already:".into()
        }));
        for m in due {
            b.push(meeting_block(r, m));
        }
    }
    // A report's copy also names their own page, added by the shell
    // (`shell::mail::page_link`), which knows the secret.
    b.push(Block::Heading("Changing something".into()));
    b.push(Block::Para(
        "The time, cadence and place come from the touchbase roster: to change them, ask whoever keeps it for your team. Accept or decline this invitation in your calendar like any other meeting.".into(),
    ));
    b.push(Block::Note(GUIDANCE.into()));
    write(subject, &b)
}

/// One meeting's prompts, prompts first.
pub fn update(r: &Reader, m: &Meeting, location: &str) -> Letter {
    let day = m.start.to_zoned(r.zone.tz.clone()).date();
    let subject = format!(
        "Prompts for your 1:1 with {}, {}",
        r.other,
        day.strftime("%a %-d %b")
    );
    let mut b = vec![
        Block::Para(format!("Prompts for your 1:1 with {}:", r.other)),
        Block::List(m.prompts.clone()),
        Block::Labelled(
            "When:",
            both_times(m.start, &r.zone, &r.other_zone, &r.other),
        ),
    ];
    if !location.is_empty() {
        b.push(Block::Labelled("Where:", location.to_string()));
    }
    b.push(Block::Note(GUIDANCE.into()));
    b.push(Block::Para(
        "This update adds the prompts to the meeting already in your calendar; nothing else about it changed.".into(),
    ));
    write(subject, &b)
}

/// A stop to `name` about the 1:1 with `other`: `headline` names the
/// series or the meeting as the calendar does.
pub fn stop(name: &str, other: &str, kind: Stop, headline: &str) -> Letter {
    let (subject, line) = match kind {
        Stop::CancelSeries => (
            format!("Cancelled: 1:1 with {other}, {headline}"),
            format!(
                "The standing 1:1 with {} ({headline}) is cancelled and comes off your calendar.",
                other
            ),
        ),
        Stop::CancelMeeting => (
            format!("Cancelled: 1:1 with {other}, {headline}"),
            format!(
                "The 1:1 with {} on {headline} is cancelled and comes off your calendar.",
                other
            ),
        ),
        Stop::Ends => (
            format!("Ends: 1:1 with {other}, {headline}"),
            format!(
                "The standing 1:1 with {} ({headline}) ends. Meetings already held stay on your calendar.",
                other
            ),
        ),
    };
    write(subject, &[greeting(name), Block::Para(line)])
}
