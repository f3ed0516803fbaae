//! `touchbase preview`: the meetings in a window with their prompts, as
//! text grouped by manager or as a JSON array (SPEC.md's fields plus names,
//! duration, location, prompt ids and the occurrence number).

use std::io::{BufWriter, Write};

use jiff::civil::Date;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::{CliError, PreviewArgs};
use crate::core::group::Groups;
use crate::core::plan::{self, Meeting};
use crate::core::prompts::Prompt;
use crate::core::roster::{self, Roster};
use crate::core::schedule::Window;
use crate::core::source::{did_you_mean, quoted, InputError, InputErrors, Origin};
use crate::shell::load::Loaded;
use crate::shell::service;

/// One meeting as `preview --json` prints it, serialized straight from the
/// plan: no value is built per meeting, and the array is written as it is
/// serialized. Fields, in order: `manager`, `manager_name`, `report`,
/// `report_name` (addresses and names), `start` and `end` (RFC 3339 with
/// the local UTC offset), `timezone` (IANA), `duration_minutes`,
/// `location`, `prompts` and `prompt_ids`, `uid` (of the series) and
/// `occurrence` (position in the series, 0 = the `start` date).
struct MeetingJson<'a> {
    roster: &'a Roster,
    meeting: &'a Meeting<'a>,
}

impl Serialize for MeetingJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (roster, m) = (self.roster, self.meeting);
        let pair = m.pair;
        let mut s = serializer.serialize_struct("MeetingJson", 13)?;
        s.serialize_field("manager", &pair.manager.email)?;
        s.serialize_field("manager_name", &pair.manager.name)?;
        s.serialize_field("report", &pair.report.email)?;
        s.serialize_field("report_name", &pair.report.name)?;
        s.serialize_field("start", &Rfc3339(m.start, pair))?;
        s.serialize_field("end", &Rfc3339(m.end, pair))?;
        s.serialize_field("timezone", &pair.timezone)?;
        s.serialize_field("duration_minutes", &pair.duration_minutes)?;
        s.serialize_field("location", &pair.location)?;
        s.serialize_field("prompts", &Prompts(roster, m, prompt_text))?;
        s.serialize_field("prompt_ids", &Prompts(roster, m, prompt_id))?;
        s.serialize_field("uid", &m.uid)?;
        s.serialize_field("occurrence", &m.occurrence)?;
        s.end()
    }
}

/// An instant as RFC 3339 with the pair's UTC offset at that instant,
/// written into the output without a string of its own.
struct Rfc3339<'a>(jiff::Timestamp, &'a roster::Pair);

impl Serialize for Rfc3339<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Rfc3339(ts, pair) = *self;
        serializer.collect_str(&ts.display_with_offset(pair.tz.to_offset(ts)))
    }
}

/// One field of each of a meeting's prompts, as a JSON array.
struct Prompts<'a, F>(&'a Roster, &'a Meeting<'a>, F);

impl<F: Fn(&Prompt) -> &str> Serialize for Prompts<'_, F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Prompts(roster, m, field) = self;
        serializer.collect_seq(m.prompts(roster).map(field))
    }
}

fn prompt_text(p: &Prompt) -> &str {
    &p.text
}

fn prompt_id(p: &Prompt) -> &str {
    &p.id
}

/// All the meetings, as one JSON array.
struct AllJson<'a>(&'a Roster, &'a [Meeting<'a>]);

impl Serialize for AllJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let AllJson(roster, meetings) = *self;
        serializer.collect_seq(
            meetings
                .iter()
                .map(|meeting| MeetingJson { roster, meeting }),
        )
    }
}

/// `touchbase preview`: the meetings in the window, as text or JSON.
pub fn preview(
    loaded: &Loaded,
    args: &PreviewArgs,
    today: Date,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let Loaded { config, roster } = loaded;
    if let Some(m) = &args.manager {
        if !roster.managers.iter().any(|x| x.person.is(m)) {
            return Err(InputErrors::from(InputError {
                origin: Origin::Flag("--manager".into()),
                key: String::new(),
                found: quoted(m),
                expected: format!("the address of a manager in {}", config.roster.display()),
                hint: did_you_mean(m, roster.managers.iter().map(|x| x.person.email.as_str())),
            })
            .into());
        }
    }
    let from = args.from.unwrap_or(today);
    let weeks = args.weeks.unwrap_or(config.dispatch.horizon_weeks);
    let window = Window::weeks(from, weeks);
    let history = service::history(config)?;
    let meetings = plan::plan(roster, &history, window, args.manager.as_deref());
    // serde_json and `write!` make many small writes (a quote, an indent):
    // a buffer of a known type takes them inline, where the `dyn Write`
    // would cost a call each.
    let mut out = BufWriter::with_capacity(1 << 16, out);
    if args.json {
        serde_json::to_writer_pretty(&mut out, &AllJson(roster, &meetings))
            .map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        write_text(roster, window, &meetings, &mut out)?;
    }
    out.flush()?;
    Ok(())
}

/// The meetings as text: a line for the window, then each manager (in
/// roster order) with their meetings (in order of start).
fn write_text(
    roster: &Roster,
    window: Window,
    meetings: &[Meeting<'_>],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let last = window.until.yesterday().unwrap_or(window.until);
    writeln!(
        out,
        "1:1s from {} to {} ({} meetings)",
        window.from,
        last,
        meetings.len()
    )?;
    let by_manager = Groups::new(meetings, roster.managers.len(), |m| m.pair.manager_index);
    for (mi, manager) in roster.managers.iter().enumerate() {
        let mut mine = by_manager.get(mi).peekable();
        if mine.peek().is_none() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{} <{}>", manager.person.name, manager.person.email)?;
        for m in mine {
            write_meeting(roster, m, out)?;
        }
    }
    Ok(())
}

/// One meeting of the text preview: when, with whom, where, the prompts.
fn write_meeting(roster: &Roster, m: &Meeting<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let pair = m.pair;
    let start = m.start.to_zoned(pair.tz.clone());
    let end = m.end.to_zoned(pair.tz.clone());
    writeln!(
        out,
        "  {}-{} {} ({})  with {} <{}>",
        start.strftime("%a %Y-%m-%d %H:%M"),
        end.strftime("%H:%M"),
        pair.timezone,
        start.strftime("%Z"),
        pair.report.name,
        pair.report.email
    )?;
    if !pair.location.is_empty() {
        writeln!(out, "      at {}", pair.location)?;
    }
    for p in m.prompts(roster) {
        writeln!(out, "      - {}", p.text)?;
    }
    Ok(())
}
