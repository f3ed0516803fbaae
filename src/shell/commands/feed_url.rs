//! `touchbase feed-url --person EMAIL [--rotate]`: prints the person's
//! secret feed URL, making the secret on first use (or anew with
//! `--rotate`, which stops the old URL at once, also while the daemon runs).

use std::io::Write;

use jiff::Timestamp;

use super::{CliError, FeedUrlArgs};
use crate::core::feed;
use crate::core::source::{quoted, InputError, InputErrors, Origin};
use crate::shell::daemon::secrets;
use crate::shell::ledger::Ledger;
use crate::shell::load::Loaded;
use crate::shell::service::ServiceError;

/// `touchbase feed-url --person EMAIL [--rotate]`.
pub fn feed_url(
    loaded: &Loaded,
    args: &FeedUrlArgs,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    // Opted-out reports get the same answer as strangers.
    if feed::person_pairs(&loaded.roster, &args.person).is_err() {
        return Err(InputErrors::from(InputError {
            origin: Origin::Flag("--person".into()),
            key: String::new(),
            found: quoted(&args.person),
            expected: format!(
                "the address of a manager or report in {}",
                loaded.config.roster.display()
            ),
            hint: None,
        })
        .into());
    }
    let person = args.person.trim().to_ascii_lowercase();
    let mut ledger = Ledger::open(&loaded.config.state_dir).map_err(ServiceError::from)?;
    let secret = match ledger.feed_secret(&person).map_err(ServiceError::from)? {
        Some(s) if !args.rotate => s,
        _ => {
            let s = secrets::generate().map_err(|e| {
                std::io::Error::other(format!("no randomness for the feed secret: {e}"))
            })?;
            ledger
                .set_feed_secret(&person, &s, now.as_second())
                .map_err(ServiceError::from)?;
            s
        }
    };
    writeln!(out, "{}/feeds/{secret}.ics", loaded.config.http.public_url)?;
    Ok(())
}
