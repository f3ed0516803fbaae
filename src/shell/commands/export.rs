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
    // The feed URL names the report's own page; so does its export, when
    // the person has a secret.
    let person = args.person.trim().to_ascii_lowercase();
    let secret = crate::shell::ledger::Ledger::open_existing(&config.state_dir)
        .and_then(|l| l.map(|l| l.feed_secret(&person)).transpose())
        .map_err(service::ServiceError::from)?
        .flatten();
    let page = secret.map(|s| crate::shell::daemon::secrets::page_url(&config.http.public_url, &s));
    let doc = feed::person_pairs(roster, &args.person)
        .map(|(name, pairs)| {
            let link = page.as_deref().map(|url| feed::PageLink {
                report: &person,
                url,
            });
            feed::render_pairs(roster, &history, name, &pairs, window, organizer, now, link)
        })
        .map_err(|_| {
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
