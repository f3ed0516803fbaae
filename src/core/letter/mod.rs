//! What people read: the subject, the plain text and the HTML of every
//! mail touchbase sends (a series invitation, a meeting's prompts, a
//! stop, the weekly digest), made from facts the caller gathers.
//!
//! The two parts of a mail say the same things in the same order: each
//! text is built once, as a list of [`Block`]s, and written out twice, so
//! a time, a name or a prompt cannot be in one part and missing from the
//! other. [`html`] holds the HTML conventions (inline styles, one column,
//! escaping).
//!
//! - `times`: a meeting's time in the reader's zone and, when it differs,
//!   in the other person's.
//! - `texts`: invitations, meeting updates and stops.
//! - [`digest`]: the weekly digest (`mail.prompts = "digest"`).
//! - [`week`]: when a manager's week starts and the digest is due.

pub mod digest;
pub mod html;
mod texts;
mod times;
pub mod week;

use jiff::tz::TimeZone;
use jiff::Timestamp;

pub use texts::{series, series_subject, stop, update, Stop};
pub use times::{both_times, local_time};

/// A mail's subject and its two bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// Subject line.
    pub subject: String,
    /// text/plain.
    pub text: String,
    /// text/html.
    pub html: String,
}

impl Letter {
    /// A subject without bodies, for a message made with its headers only.
    pub fn subject_only(subject: String) -> Letter {
        Letter {
            subject,
            text: String::new(),
            html: String::new(),
        }
    }
}

/// How meetings' prompts reach managers (`mail.prompts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prompts {
    /// Each meeting's prompts come as an update of that meeting in the
    /// calendar, `lead_days` ahead.
    #[default]
    Updates,
    /// One mail per manager a week lists the week's 1:1s with their
    /// prompts; no per-meeting updates.
    Digest,
}

impl Prompts {
    /// `updates` or `digest`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Prompts> {
        match s {
            "updates" => Some(Prompts::Updates),
            "digest" => Some(Prompts::Digest),
            _ => None,
        }
    }
}

/// A named time zone.
#[derive(Debug, Clone)]
pub struct Zone {
    /// The IANA name.
    pub name: String,
    /// The zone.
    pub tz: TimeZone,
}

impl Zone {
    /// The zone named `name`, from the time zone database; `None` when it
    /// has no such zone (a validated roster only names known zones).
    pub fn named(name: &str) -> Option<Zone> {
        jiff::tz::db().get(name).ok().map(|tz| Zone {
            name: name.to_string(),
            tz,
        })
    }
}

/// Who reads the mail, and the other person of the 1:1.
#[derive(Debug, Clone)]
pub struct Reader {
    /// The reader's display name.
    pub name: String,
    /// The reader's zone: the manager's for a manager, the meeting's for
    /// a report.
    pub zone: Zone,
    /// Whether the reader is the manager of the pair.
    pub is_manager: bool,
    /// The other person's display name.
    pub other: String,
    /// The other person's zone.
    pub other_zone: Zone,
}

/// One meeting, with its prompts when they are due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// When it starts.
    pub start: Timestamp,
    /// Its prompts (empty: not due yet).
    pub prompts: Vec<String>,
}

/// What a series invitation says about the series.
#[derive(Debug, Clone)]
pub struct SeriesFacts {
    /// "weekly", "every 3 weeks".
    pub cadence: String,
    /// Minutes per meeting.
    pub duration_minutes: u32,
    /// Where ("" when nowhere in particular).
    pub location: String,
    /// The first meetings still to come (a few).
    pub upcoming: Vec<Meeting>,
    /// The meetings already inside the lead time, with their prompts.
    pub due: Vec<Meeting>,
    /// The date of the last meeting, once the series is ended.
    pub until: Option<jiff::civil::Date>,
    /// How prompts arrive, and how far ahead.
    pub prompts: Prompts,
    /// `dispatch.lead_days`.
    pub lead_days: u32,
}

/// A paragraph of a mail, written into both parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Plain text.
    Para(String),
    /// "Label: text".
    Labelled(&'static str, String),
    /// A heading.
    Heading(String),
    /// A bulleted list.
    List(Vec<String>),
    /// One meeting: its time line, details, prompts.
    Meeting {
        /// When.
        title: String,
        /// Where, how long, the other person's time.
        details: Vec<String>,
        /// Its prompts.
        prompts: Vec<String>,
    },
    /// A quieter note.
    Note(String),
}

/// Writes `blocks` as a mail: the text part and the HTML part.
pub fn write(subject: String, blocks: &[Block]) -> Letter {
    let mut text = String::new();
    let mut page = html::Html::new();
    for b in blocks {
        match b {
            Block::Para(s) => {
                text.push_str(s);
                text.push_str("\n\n");
                page.p(s);
            }
            Block::Labelled(label, s) => {
                text.push_str(&format!("{label} {s}\n\n"));
                page.labelled(label, s);
            }
            Block::Heading(s) => {
                text.push_str(s);
                text.push('\n');
                text.push_str(&"-".repeat(s.chars().count()));
                text.push_str("\n\n");
                page.h2(s);
            }
            Block::List(items) => {
                for i in items {
                    text.push_str(&format!("- {i}\n"));
                }
                text.push('\n');
                page.list(items.iter().map(String::as_str));
            }
            Block::Meeting {
                title,
                details,
                prompts,
            } => {
                text.push_str(&format!("* {title}\n"));
                for d in details {
                    text.push_str(&format!("  {d}\n"));
                }
                for p in prompts {
                    text.push_str(&format!("  - {p}\n"));
                }
                text.push('\n');
                page.meeting(title, details, prompts);
            }
            Block::Note(s) => {
                text.push_str(s);
                text.push_str("\n\n");
                page.note(s);
            }
        }
    }
    text.push_str("-- \nSent by touchbase.\n");
    let html = page.finish(&subject);
    Letter {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests;
