//! Writes touchbase's man pages and shell completions, generated from the
//! command-line definition ([`touchbase::shell::commands::Cli`]), into a folder.
//!
//! ```sh
//! cargo run --locked --example gen-assets -- target/assets
//! ```
//!
//! writes `man/man1/touchbase.1` (plus one `touchbase-<command>.1` per
//! subcommand) and `completions/{touchbase.bash,_touchbase,touchbase.fish}`.
//! `scripts/package` runs it before `cargo deb`, whose assets point at these
//! files. It is an example rather than a `build.rs` so that the man and
//! completion generators are dev-dependencies only and the CLI is compiled
//! once, not a second time for the build script.

use std::error::Error;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::roff::{bold, italic, roman, Inline, Roff};
use clap_mangen::Man;

/// The footer of every page; clap_mangen would name a subcommand's page
/// after the subcommand alone ("run 0.1.0").
const SOURCE: &str = concat!("touchbase ", env!("CARGO_PKG_VERSION"));

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/assets"));
    let man_dir = out.join("man").join("man1");
    let completion_dir = out.join("completions");
    fs::create_dir_all(&man_dir)?;
    fs::create_dir_all(&completion_dir)?;

    let mut cmd = touchbase::shell::commands::Cli::command().disable_help_subcommand(true);
    // Propagates globals (`--config`, `--version`) into the subcommands and
    // names them `touchbase-<command>`, as the man pages are titled.
    cmd.build();

    write_main_page(&cmd, &man_dir.join("touchbase.1"))?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_display_name().unwrap_or(sub.get_name()).to_string();
        let path = man_dir.join(format!("{name}.1"));
        let mut file = fs::File::create(&path)?;
        let mut roff = Vec::new();
        Man::new(sub.clone())
            .title(name.to_uppercase())
            .source(SOURCE)
            .manual("touchbase")
            .render(&mut roff)?;
        file.write_all(&roff)?;
        file.write_all(see_also(&[("touchbase", "1")]).as_bytes())?;
        println!("{}", path.display());
    }

    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let path = clap_complete::generate_to(shell, &mut cmd, "touchbase", &completion_dir)?;
        println!("{}", path.display());
    }
    Ok(())
}

/// `touchbase(1)`: clap's sections, then what an operator looks for in a
/// daemon's page and the CLI cannot say (files, environment, signals, exit
/// codes).
fn write_main_page(cmd: &clap::Command, path: &Path) -> Result<(), Box<dyn Error>> {
    let man = Man::new(cmd.clone()).title("TOUCHBASE").manual("touchbase");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    page.write_all(description().as_bytes())?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    page.write_all(extra_sections().as_bytes())?;
    let subs: Vec<(String, &str)> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            (
                s.get_display_name().unwrap_or(s.get_name()).to_string(),
                "1",
            )
        })
        .collect();
    let mut refs: Vec<(&str, &str)> = subs.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    refs.extend([
        ("systemctl", "1"),
        ("journalctl", "1"),
        ("systemd.exec", "5"),
        ("systemd-creds", "1"),
    ]);
    page.write_all(see_also(&refs).as_bytes())?;
    fs::write(path, page)?;
    println!("{}", path.display());
    Ok(())
}

fn description() -> String {
    let mut roff = Roff::new();
    roff.text([roman(
        "Every manager gets one recurring invitation per report, sent by email \
         (iMIP), and an update of each meeting with its prompts some days ahead; \
         managers and reports can also subscribe to an iCalendar feed of their \
         own 1:1s. A report who opts out appears in no mail, feed, preview or log line.",
    )]);
    roff.control("PP", [] as [&str; 0]);
    roff.text([
        roman("As a system service it runs as "),
        bold("touchbase run"),
        roman(" under systemd (see "),
        bold("touchbase.service"),
        roman("), reads its configuration from "),
        italic("/etc/touchbase"),
        roman(" and keeps its ledger in "),
        italic("/var/lib/touchbase"),
        roman(". The other commands read the same configuration and can be run at any time."),
    ]);
    roff.to_roff()
}

fn extra_sections() -> String {
    let mut roff = Roff::new();
    let entry = |roff: &mut Roff, term: Vec<Inline>, text: &str| {
        roff.control("TP", [] as [&str; 0]);
        roff.text(term);
        roff.text([roman(text)]);
    };

    roff.control("SH", ["FILES"]);
    entry(
        &mut roff,
        vec![italic("/etc/touchbase/touchbase.toml")],
        "The service configuration: roster, state_dir, [mail], [dispatch], [http]. \
         Relative paths in it are relative to its folder.",
    );
    entry(
        &mut roff,
        vec![italic("/etc/touchbase/roster.toml")],
        "The roster: managers, reports, cadences, prompts and opt-outs (TOML, YAML or JSON by extension). \
         The running daemon picks up every edit.",
    );
    entry(
        &mut roff,
        vec![italic("/etc/touchbase/touchbase.env")],
        "Optional, mode 0600: TOUCHBASE_<SECTION>__<KEY>=value lines that the unit passes as environment.",
    );
    entry(
        &mut roff,
        vec![italic("/etc/touchbase/smtp-url")],
        "Optional, mode 0600: the SMTP URL with its password, passed to the service as the \
         systemd credential smtp-url (LoadCredential=).",
    );
    entry(
        &mut roff,
        vec![italic("/var/lib/touchbase")],
        "The state folder: the ledger (SQLite) of everything sent and queued. Back it up.",
    );

    roff.control("SH", ["ENVIRONMENT"]);
    entry(
        &mut roff,
        vec![bold("TOUCHBASE_CONFIG")],
        "The configuration file when --config is not given.",
    );
    entry(
        &mut roff,
        vec![
            bold("TOUCHBASE_"),
            italic("SECTION"),
            bold("__"),
            italic("KEY"),
        ],
        "Overrides one key of the configuration, e.g. TOUCHBASE_MAIL__URL=smtps://user:secret@mail.example.com:465; \
         TOUCHBASE_ROSTER and TOUCHBASE_STATE_DIR for the top-level keys. \
         A variable of this shape that names no key is an error.",
    );
    entry(
        &mut roff,
        vec![bold("CREDENTIALS_DIRECTORY")],
        "Set by systemd. A credential named smtp-url in it supplies mail.url.",
    );
    entry(
        &mut roff,
        vec![bold("NOTIFY_SOCKET")],
        "Set by systemd for Type=notify: touchbase run reports READY=1, STATUS=, WATCHDOG=1 and RELOADING=1 there.",
    );

    roff.control("SH", ["SIGNALS"]);
    entry(
        &mut roff,
        vec![bold("SIGHUP")],
        "Reload the configuration and the roster (systemctl reload touchbase), \
         and confirm a held-back roster edit that would cancel more than half of the series.",
    );
    entry(
        &mut roff,
        vec![bold("SIGTERM"), roman(", "), bold("SIGINT")],
        "Finish the message in flight and exit 0 within 10 seconds.",
    );

    roff.control("SH", ["EXIT STATUS"]);
    entry(&mut roff, vec![bold("0")], "Success.");
    entry(
        &mut roff,
        vec![bold("1")],
        "Bad configuration or roster (each error names file, line, column and key), or a failure.",
    );
    entry(
        &mut roff,
        vec![bold("2")],
        "Bad usage: an unknown command or flag.",
    );
    roff.to_roff()
}

fn see_also(pages: &[(&str, &str)]) -> String {
    let mut roff = Roff::new();
    roff.control("SH", ["SEE ALSO"]);
    let mut line = Vec::new();
    for (i, (name, section)) in pages.iter().enumerate() {
        if i > 0 {
            line.push(roman(", "));
        }
        line.push(bold(*name));
        line.push(roman(format!("({section})")));
    }
    roff.text(line);
    roff.to_roff()
}
