//! `touchbase export --person EMAIL`: the iCalendar document that the
//! person's feed URL serves, for the window the flags give.

use std::io::Write;

use jiff::civil::Date;
use jiff::Timestamp;

use super::{CliError, ExportArgs};
use crate::core::feed;
use crate::core::schedule::Window;
use crate::core::source::{did_you_mean, quoted, InputError, InputErrors, Origin};
use crate::shell::load::Loaded;
use crate::shell::service;

/// `touchbase export`: writes the person's feed for the window.
pub fn export(
    loaded: &Loaded,
    args: &ExportArgs,
    today: Date,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let Loaded { config, roster } = loaded;
    let window = Window::weeks(
        args.from.unwrap_or(today),
        args.weeks.unwrap_or(config.dispatch.horizon_weeks),
    );
    let organizer = service::organizer(config);
    let history = service::history(config)?;
    let doc =
        feed::render(roster, &history, &args.person, window, organizer, now).map_err(|_| {
            // One message for an unknown address and an opted-out report,
            // and hints drawn only from people who may be named.
            InputErrors::from(InputError {
                origin: Origin::Flag("--person".into()),
                key: String::new(),
                found: quoted(args.person.trim()),
                expected: format!(
                    "the address of a manager or report in {}",
                    config.roster.display()
                ),
                hint: did_you_mean(
                    &args.person,
                    roster
                        .managers
                        .iter()
                        .map(|m| m.person.email.as_str())
                        .chain(roster.active_pairs().map(|p| p.report.email.as_str())),
                ),
            })
        })?;
    out.write_all(doc.as_bytes())?;
    Ok(())
}
