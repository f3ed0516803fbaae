//! The pure core: data and `now` in, values out. Nothing here reads a file,
//! the clock, the environment or the network, or knows SQLite, SMTP or tokio;
//! [`crate::shell`] does that and hands the results in.
//!
//! From the roster file to a calendar, in dependency order:
//!
//! - [`source`]: located values (`file:line:column`) and the input error type.
//! - `formats`: TOML, YAML and JSON text into raw structs, errors located.
//! - `hash`: the stable hashes behind UIDs, Message-IDs and rotations.
//! - [`cadence`]: `weekly`, `biweekly`, `every N weeks`, `monthly`.
//! - [`prompts`]: the prompt bank and the per-pair rotation.
//! - [`daysoff`]: external calendars (holidays, time off) into days off.
//! - [`roster`]: the roster, from raw serde structs to the validated model.
//! - [`schedule`]: the meetings of one pair inside a window, DST rules included.
//! - [`series`]: a pair's series, earlier ones ended by a change included.
//! - [`own`]: a report's own choices (pause, opt-out, skipped tags), merged
//!   into the roster.
//! - [`page`]: a person's own page (`/me/<secret>`) as HTML.
//! - [`plan`]: every meeting of a roster in a window, with its prompts.
//! - `group`: items grouped per manager in one pass.
//! - `check`: the summary, warnings and fairness report of `touchbase check`.
//! - [`placement`]: `time = "auto"` pairs placed inside both people's
//!   `hours`, clear of each other's 1:1s; the overlap and hours warnings.
//! - [`events`]: the `VEVENT`s of a pair (masters, overrides) as data.
//! - `ical`: the iCalendar (RFC 5545) writer and the `VEVENT` renderer.
//! - [`feed`]: a person's feed document (`METHOD:PUBLISH`).
//! - [`letter`]: what mails say (invitations, prompts, stops, the weekly
//!   digest), in plain text and HTML.
//! - [`reconcile`]: what was sent (a typed model the ledger fills) against
//!   what the roster wants now: the messages due and the state they leave.

pub mod cadence;
pub(crate) mod check;
pub mod daysoff;
pub mod events;
pub mod feed;
pub(crate) mod formats;
pub(crate) mod group;
pub(crate) mod hash;
pub(crate) mod ical;
pub mod letter;
pub mod own;
pub mod page;
pub mod placement;
pub mod plan;
pub mod prompts;
pub mod reconcile;
pub mod roster;
pub mod schedule;
pub mod series;
pub mod source;
