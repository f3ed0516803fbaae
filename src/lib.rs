//! touchbase keeps every manager's standing one-on-one with each direct
//! report on the calendar, with fresh conversation prompts for every meeting,
//! and honours each report's opt-outs everywhere.
//!
//! # Layout
//!
//! Two folders, and the dependency between them runs one way only:
//! [`shell`] uses [`core`], never the other way round.
//!
//! - [`core`]: the pure core. It takes data and `now` and returns values:
//!   roster validation, schedule, prompts, plan, iCalendar rendering, feed
//!   bodies, a person's own page, and the reconciler's diff. It never touches files, the network,
//!   the clock, SQLite, tokio or the environment.
//! - [`shell`]: the effects around it: configuration, the clock, the ledger
//!   (SQLite), mail, the daemon (HTTP, file watching, signals, systemd) and
//!   the commands of the `touchbase` binary.
//!
//! `main.rs` only parses the command line, calls [`shell::commands::run`]
//! and turns the result into an exit code.
#![forbid(unsafe_code)]

pub mod core;
pub mod shell;
