//! One message as a step drafts it, and its expansion into one
//! [`Outgoing`] per recipient (the manager, and the report when
//! `invite_reports` is on), each with its derived Message-ID; and the
//! SEQUENCE numbers, which grow with every message sent for a UID.

use std::collections::HashMap;

use jiff::Timestamp;

use super::render::{self, Body};
use super::{Kind, Outcome, Outgoing, SentSeries, Settings, Who};
use crate::core::hash::hex128;
use crate::core::ical::Method;

/// What a step wants to send about one series.
pub(super) struct Draft<'a> {
    /// Why.
    pub kind: Kind,
    /// Series UID.
    pub uid: &'a str,
    /// RECURRENCE-ID for a single meeting.
    pub recurrence_id: Option<String>,
    /// SEQUENCE.
    pub sequence: u32,
    /// METHOD.
    pub method: Method,
    /// The manager.
    pub manager: &'a Who,
    /// The report.
    pub report: &'a Who,
    /// What the subject says after the other person's name.
    pub headline: &'a str,
    /// The prompts the body lists.
    pub prompts: &'a [&'a str],
    /// Where.
    pub location: &'a str,
    /// Renders the VCALENDAR (not called for headers only).
    pub ics: &'a dyn Fn() -> String,
}

/// A reconcile in progress: its settings, `now`, and what it has decided.
pub(super) struct Ctx<'a> {
    pub settings: Settings<'a>,
    pub now: Timestamp,
    pub out: Outcome,
    /// Whether messages are made in full, or with their headers only (see
    /// [`super::Reconciler::headers_only`]).
    pub full: bool,
    /// The organizer's domain, which every Message-ID ends in.
    domain: String,
    /// The last SEQUENCE handed out per UID in this reconcile.
    sequences: HashMap<String, u32>,
}

impl<'a> Ctx<'a> {
    pub fn new(settings: Settings<'a>, now: Timestamp) -> Self {
        Ctx {
            settings,
            now,
            out: Outcome::default(),
            full: true,
            domain: settings.organizer.domain(),
            sequences: HashMap::new(),
        }
    }

    /// The SEQUENCE of the next message about `uid`: one more than the last
    /// one sent (in this reconcile, else as `sent` records), 0 for the
    /// first. Every recipient of a UID gets every message about it, so one
    /// counter per UID makes SEQUENCE grow per recipient too.
    pub fn next_sequence(&mut self, uid: &str, sent: Option<&SentSeries>) -> u32 {
        let last = self
            .sequences
            .get(uid)
            .copied()
            .or(sent.map(|s| s.sequence));
        let next = last.map_or(0, |s| s.saturating_add(1));
        self.sequences.insert(uid.to_string(), next);
        next
    }

    /// Forgets the SEQUENCE numbers handed out so far, once no message
    /// about their UIDs can follow.
    pub fn forget_sequences(&mut self) {
        self.sequences.clear();
    }

    /// The last SEQUENCE sent for `uid`, this reconcile included.
    pub fn sequence(&self, uid: &str, sent: Option<&SentSeries>) -> u32 {
        self.sequences
            .get(uid)
            .copied()
            .or(sent.map(|s| s.sequence))
            .unwrap_or(0)
    }

    /// Queues `d` to the manager (and the report, if they are invited).
    pub fn send(&mut self, d: Draft<'_>) {
        let mut recipients = vec![(d.manager, d.report)];
        if self.settings.invite_reports {
            recipients.push((d.report, d.manager));
        }
        let ics = if self.full { (d.ics)() } else { String::new() };
        let content_hash = if self.full {
            content_hash(&ics)
        } else {
            String::new()
        };
        for (to, other) in recipients {
            let (body, message_id) = if self.full {
                (
                    render::body(d.kind, to, other, d.headline, d.prompts, d.location),
                    message_id(&d, to, &content_hash, &self.domain),
                )
            } else {
                let subject = render::subject(d.kind, other, d.headline);
                (Body::subject_only(subject), String::new())
            };
            self.out.messages.push(Outgoing {
                kind: d.kind,
                uid: d.uid.to_string(),
                recurrence_id: d.recurrence_id.clone(),
                sequence: d.sequence,
                method: d.method,
                to: to.clone(),
                body,
                ics: ics.clone(),
                message_id,
                content_hash: content_hash.clone(),
            });
        }
    }
}

/// A hash of what `ics` says. DTSTAMP changes with every render; the hash
/// leaves it out so the same change always has the same Message-ID.
fn content_hash(ics: &str) -> String {
    let stable: String = ics
        .split("\r\n")
        .filter(|l| !l.starts_with("DTSTAMP:"))
        .collect::<Vec<_>>()
        .join("\n");
    hex128(&[stable.as_bytes()])
}

/// The Message-ID of `d` to `to`: derived, so the same message is never
/// queued twice.
fn message_id(d: &Draft<'_>, to: &Who, content_hash: &str, domain: &str) -> String {
    let seq = d.sequence.to_string();
    format!(
        "{}@{}",
        hex128(&[
            b"touchbase-message",
            d.uid.as_bytes(),
            d.recurrence_id.as_deref().unwrap_or("").as_bytes(),
            d.method.as_str().as_bytes(),
            seq.as_bytes(),
            to.email.to_ascii_lowercase().as_bytes(),
            content_hash.as_bytes(),
        ]),
        domain
    )
}
