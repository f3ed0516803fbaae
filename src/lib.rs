//! touchbase keeps every manager's standing one-on-one with each direct
//! report on the calendar, with fresh conversation prompts for every meeting,
//! and honours each report's opt-outs everywhere.
//!
//! # Layout
//!
//! The pure core takes data and `now` and returns values; it never touches
//! files, the network, the clock or the environment:
//!
//! - [`source`]: located values (`file:line:column`) and the input error type.
//! - [`formats`]: TOML, YAML and JSON into raw structs, errors located.
//! - [`roster`]: the roster file, from raw serde structs to the validated model.
//! - [`cadence`]: `weekly`, `biweekly`, `every N weeks`, `monthly`.
//! - [`schedule`]: the meetings of one pair inside a window, DST rules included.
//! - [`series`]: a pair's series, earlier ones ended by a change included.
//! - [`prompts`]: the prompt bank and the per-pair rotation.
//! - [`plan`]: every meeting of a roster in a window, with its prompts.
//! - [`check`]: the summary, warnings and fairness report of `touchbase check`.
//! - [`events`]: the `VEVENT`s of a pair (masters, overrides) as data.
//! - [`ical`]: the iCalendar (RFC 5545) writer and the `VEVENT` renderer.
//! - [`feed`]: a person's feed document (`METHOD:PUBLISH`), and everyone's
//!   in one pass ([`feed::FeedSet`]).
//!
//! Around it, the effects:
//!
//! - [`config`]: `touchbase.toml`, with environment overrides.
//! - [`cli`]: the command line and the commands it runs.
//! - [`clock`]: the one place that reads the time.
#![forbid(unsafe_code)]

pub mod cadence;
pub mod check;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod events;
pub mod feed;
pub mod formats;
pub mod hash;
pub mod ical;
pub mod ledger;
pub mod mail;
pub mod ops;
pub mod plan;
pub mod prompts;
pub mod reconcile;
pub mod roster;
pub mod schedule;
pub mod series;
pub mod service;
pub mod source;
