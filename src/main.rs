//! The `touchbase` binary: parses the command line, runs the command, and
//! turns the result into an exit code (0 ok, 1 bad input or failure, 2 bad
//! usage).
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use clap::Parser;
use touchbase::shell::commands::{self, Cli, CliError};

fn main() -> ExitCode {
    // Before anything is created: the ledger holds every feed secret.
    touchbase::shell::private::restrict_umask();
    let cli = Cli::parse();

    let env: BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let now = touchbase::shell::clock::now();
    let today = touchbase::shell::clock::now_local().date();
    // Stdout is line-buffered: one write(2) per line, millions of them for a
    // large preview. A block buffer writes in 64 KiB pieces instead.
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let result = commands::run(&cli, &env, today, now, &mut out);
    let flushed = out.flush();
    let result = result.and_then(|()| flushed.map_err(CliError::Output));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.to_string().lines() {
                eprintln!("error: {line}");
            }
            ExitCode::FAILURE
        }
    }
}
