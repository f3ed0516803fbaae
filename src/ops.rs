//! The commands that use the ledger: `plan` (what the next reconcile would
//! send), `status` (queue, last sent, failures), `feed-url` and `run --once`
//! (reconcile, send what is due, exit).

use std::io::Write;
use std::sync::atomic::AtomicBool;

use jiff::Timestamp;

use crate::cli::{CliError, FeedUrlArgs, Loaded};
use crate::ledger::Ledger;
use crate::mail::transport::Sender;
use crate::reconcile::Kind;
use crate::service;
use crate::source::{InputError, InputErrors, Origin};

fn kind(k: Kind) -> &'static str {
    match k {
        Kind::NewSeries => "new series",
        Kind::UpdateSeries => "series update",
        Kind::EndSeries => "series ends",
        Kind::Occurrence => "meeting prompts",
        Kind::CancelOccurrences => "meetings cancelled",
        Kind::CancelSeries => "series cancelled",
    }
}

/// `touchbase plan`: prints what the next reconcile would send. Reads the
/// ledger if there is one; writes nothing.
pub fn plan(loaded: &Loaded, now: Timestamp, out: &mut dyn Write) -> Result<(), CliError> {
    let ledger =
        Ledger::open_existing(&loaded.config.state_dir).map_err(service::ServiceError::from)?;
    let outcome = service::plan(&loaded.config, &loaded.roster, ledger.as_ref(), now)?;
    if outcome.messages.is_empty() {
        writeln!(out, "Nothing to send.")?;
        return Ok(());
    }
    let n = outcome.messages.len();
    writeln!(
        out,
        "{n} message{} would be sent:",
        if n == 1 { "" } else { "s" }
    )?;
    for m in &outcome.messages {
        writeln!(
            out,
            "  {:<7} {:<18} seq {:<3} to {:<32} {}",
            m.method.as_str(),
            kind(m.kind),
            m.sequence,
            m.to.email,
            m.body.subject
        )?;
    }
    Ok(())
}

fn time(t: i64) -> String {
    Timestamp::from_second(t).map_or_else(
        |_| t.to_string(),
        |ts| ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// `touchbase status`: the outbox and what happened to it.
pub fn status(loaded: &Loaded, out: &mut dyn Write) -> Result<(), CliError> {
    let Some(ledger) =
        Ledger::open_existing(&loaded.config.state_dir).map_err(service::ServiceError::from)?
    else {
        writeln!(
            out,
            "No ledger yet in {}: nothing has been sent.",
            loaded.config.state_dir.display()
        )?;
        return Ok(());
    };
    let s = ledger.status(10).map_err(service::ServiceError::from)?;
    writeln!(out, "ledger:   {}", ledger.path().display())?;
    write!(out, "queued:   {}", s.queued)?;
    if s.retrying > 0 {
        write!(out, " ({} waiting to retry)", s.retrying)?;
    }
    if let Some(next) = s.next_attempt {
        write!(out, ", next attempt {}", time(next))?;
    }
    writeln!(out)?;
    match &s.last_sent {
        Some((at, subject, to)) => writeln!(
            out,
            "sent:     {}, last {} to {to}: {subject}",
            s.sent,
            time(*at)
        )?,
        None => writeln!(out, "sent:     0")?,
    }
    writeln!(out, "failed:   {}", s.failures.len())?;
    for (at, to, subject, reason) in &s.failures {
        writeln!(out, "  {} to {to}: {subject}\n    {reason}", time(*at))?;
    }
    if !s.retries.is_empty() {
        writeln!(out, "retrying:")?;
        for (to, subject, attempts, reason) in &s.retries {
            writeln!(
                out,
                "  to {to} after {attempts} attempt{}: {subject}\n    {reason}",
                if *attempts == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(())
}

/// `touchbase run --once`: reconcile, send what is due, exit.
pub fn run_once(loaded: &Loaded, now: Timestamp, out: &mut dyn Write) -> Result<(), CliError> {
    let config = &loaded.config;
    let mut ledger = Ledger::open(&config.state_dir).map_err(service::ServiceError::from)?;
    let t = std::time::Instant::now();
    let (_, queued) = service::reconcile(config, &loaded.roster, &mut ledger, now)?;
    let reconciled = t.elapsed();
    let sender = Sender::new(&config.mail.transport).map_err(service::ServiceError::from)?;
    let stop = AtomicBool::new(false);
    let t = std::time::Instant::now();
    let d = service::drain(config, &mut ledger, &sender, &stop)?;
    let drained = t.elapsed();
    let left = ledger.queue_len().map_err(service::ServiceError::from)?;
    writeln!(
        out,
        "queued {queued} new message{} in {:.2} s; sent {}, deferred {}, failed {} in {:.2} s; {left} waiting",
        if queued == 1 { "" } else { "s" },
        reconciled.as_secs_f64(),
        d.sent,
        d.deferred,
        d.failed,
        drained.as_secs_f64()
    )?;
    Ok(())
}

/// `touchbase feed-url --person EMAIL [--rotate]`.
pub fn feed_url(
    loaded: &Loaded,
    args: &FeedUrlArgs,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    // Opted-out reports get the same answer as strangers.
    if crate::feed::person_pairs(&loaded.roster, &args.person).is_err() {
        return Err(InputErrors::from(InputError {
            origin: Origin::Flag("--person".into()),
            key: String::new(),
            found: crate::source::quoted(&args.person),
            expected: format!(
                "the address of a manager or report in {}",
                loaded.config.roster.display()
            ),
            hint: None,
        })
        .into());
    }
    let person = args.person.trim().to_ascii_lowercase();
    let mut ledger = Ledger::open(&loaded.config.state_dir).map_err(service::ServiceError::from)?;
    let secret = match ledger
        .feed_secret(&person)
        .map_err(service::ServiceError::from)?
    {
        Some(s) if !args.rotate => s,
        _ => {
            let s = crate::daemon::secrets::generate().map_err(|e| {
                std::io::Error::other(format!("no randomness for the feed secret: {e}"))
            })?;
            ledger
                .set_feed_secret(&person, &s, now.as_second())
                .map_err(service::ServiceError::from)?;
            s
        }
    };
    writeln!(out, "{}/feeds/{secret}.ics", loaded.config.http.public_url)?;
    Ok(())
}
