//! The effects around the pure core: everything that reads a file, the
//! clock or the environment, talks to SQLite, SMTP or HTTP, or runs tasks.
//! Each module here depends on [`crate::core`]; the core knows none of them.
//!
//! - [`clock`]: the one place that reads the time.
//! - `config`: `touchbase.toml` and its environment overrides, resolved
//!   into typed values (the cron schedule, the SMTP target, the listen
//!   address) that every command uses as they are.
//! - [`load`]: reads the configuration, credentials and roster files, and
//!   merges the reports' own choices (from the ledger) into the roster.
//! - `ledger`: SQLite in `state_dir`: what was sent, the outbox, feed
//!   secrets, the reports' own choices; it maps its rows to the core's
//!   typed model.
//! - `mail`: MIME messages and the transports that deliver them.
//! - [`private`]: folders 0700 and files 0600 for everything under
//!   `state_dir` and in the outbox, whatever the umask.
//! - `service`: one reconcile carried out (core diff, ledger, messages)
//!   and the outbox drained; shared by the daemon and `run --once`.
//! - [`daemon`]: `touchbase run`: the wake-up loop, HTTP (feeds and each
//!   person's own page), file watching, systemd notifications.
//! - [`lock`]: one daemon per state folder.
//! - [`commands`]: the command line, one file per command.

pub mod clock;
pub mod commands;
pub(crate) mod config;
pub mod daemon;
pub mod daysoff;
pub(crate) mod ledger;
pub mod load;
pub mod lock;
pub(crate) mod mail;
pub mod private;
pub(crate) mod service;

pub use config::Config;
