//! `touchbase preview`: the meetings in a window with their prompts, as
//! text grouped by manager or as a JSON array (SPEC.md's fields plus names,
//! duration, location, prompt ids and the occurrence number).

use std::io::{BufWriter, Write};

use jiff::civil::Date;

mod json;

use super::{CliError, PreviewArgs};
use crate::core::group::Groups;
use crate::core::plan::{self, Meeting};
use crate::core::roster::Roster;
use crate::core::schedule::Window;
use crate::core::source::{did_you_mean, quoted, InputError, InputErrors, Origin};
use crate::shell::load::Loaded;
use crate::shell::service;

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
        json::write(roster, &meetings, out)?;
        return Ok(());
    }
    // `write!` makes many small writes: a buffer of a known type takes
    // them inline, where the `dyn Write` would cost a call each.
    let mut out = BufWriter::with_capacity(1 << 16, out);
    write_text(roster, window, &meetings, &mut out)?;
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
