//! `touchbase preview`: the meetings in a window with their prompts, as
//! text grouped by manager or as a JSON array (SPEC.md's fields plus names,
//! duration, location, prompt ids and the occurrence number).

use std::io::Write;

use jiff::civil::Date;
use serde::Serialize;

use super::{CliError, PreviewArgs};
use crate::core::plan::{self, Meeting};
use crate::core::roster::{self, Roster};
use crate::core::schedule::Window;
use crate::core::source::{did_you_mean, quoted, InputError, InputErrors, Origin};
use crate::shell::load::Loaded;
use crate::shell::service;

/// One meeting as `preview --json` prints it.
#[derive(Debug, Serialize)]
pub struct MeetingJson<'a> {
    /// Manager's address.
    pub manager: &'a str,
    /// Manager's name.
    pub manager_name: &'a str,
    /// Report's address.
    pub report: &'a str,
    /// Report's name.
    pub report_name: &'a str,
    /// RFC 3339 start with the local UTC offset.
    pub start: String,
    /// RFC 3339 end with the local UTC offset.
    pub end: String,
    /// IANA zone of the pair.
    pub timezone: &'a str,
    /// Length in minutes.
    pub duration_minutes: u32,
    /// Location text.
    pub location: &'a str,
    /// The prompts' texts.
    pub prompts: Vec<&'a str>,
    /// The prompts' ids.
    pub prompt_ids: Vec<&'a str>,
    /// UID of the series.
    pub uid: String,
    /// Position in the series (0 = the `start` date).
    pub occurrence: u32,
}

/// `meeting` as JSON.
pub fn meeting_json<'a>(roster: &'a Roster, m: &Meeting<'a>) -> MeetingJson<'a> {
    let pair = m.pair;
    let prompts: Vec<_> = m.prompts(roster).collect();
    MeetingJson {
        manager: &pair.manager.email,
        manager_name: &pair.manager.name,
        report: &pair.report.email,
        report_name: &pair.report.name,
        start: rfc3339(m.start, pair),
        end: rfc3339(m.end, pair),
        timezone: &pair.timezone,
        duration_minutes: pair.duration_minutes,
        location: &pair.location,
        prompts: prompts.iter().map(|p| p.text.as_str()).collect(),
        prompt_ids: prompts.iter().map(|p| p.id.as_str()).collect(),
        uid: m.uid.clone().into_owned(),
        occurrence: m.occurrence,
    }
}

fn rfc3339(ts: jiff::Timestamp, pair: &roster::Pair) -> String {
    let offset = pair.tz.to_offset(ts);
    ts.display_with_offset(offset).to_string()
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
    if args.json {
        let json: Vec<_> = meetings.iter().map(|m| meeting_json(roster, m)).collect();
        serde_json::to_writer_pretty(&mut *out, &json).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(());
    }
    let last = window.until.yesterday().unwrap_or(window.until);
    writeln!(
        out,
        "1:1s from {} to {} ({} meetings)",
        window.from,
        last,
        meetings.len()
    )?;
    for (mi, manager) in roster.managers.iter().enumerate() {
        let mine: Vec<_> = meetings
            .iter()
            .filter(|m| m.pair.manager_index == mi)
            .collect();
        if mine.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{} <{}>", manager.person.name, manager.person.email)?;
        for m in mine {
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
        }
    }
    Ok(())
}
