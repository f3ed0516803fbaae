//! `touchbase check` and `preview` driven through the real binary: one bad
//! roster per error class (non-zero exit, stderr names file, line and key,
//! nothing written), and the good paths on the example configuration.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::setup;

const BIN: &str = env!("CARGO_BIN_EXE_touchbase");

const CONFIG: &str = r#"roster = "roster.toml"
state_dir = "state"

[mail]
transport = "file"
dir = "outbox"
"#;

const GOOD: &str = r#"[defaults]
cadence = "biweekly"
timezone = "Europe/London"

[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace Hopper"
  start = "2027-01-05"
  time = "09:30"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-01-07"
"#;

struct Case {
    dir: tempfile::TempDir,
    roster_name: &'static str,
}

impl Case {
    fn new(roster_name: &'static str, roster: &str) -> Case {
        Case::with_config(
            CONFIG.replace("roster.toml", roster_name).as_str(),
            roster_name,
            roster,
        )
    }

    fn with_config(config: &str, roster_name: &'static str, roster: &str) -> Case {
        let dir = setup::temp_folder(config, roster_name, roster);
        Case { dir, roster_name }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join(setup::CONFIG_FILE)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .arg("--config")
            .arg(self.config())
            .current_dir(self.dir.path());
        cmd.env_remove("TOUCHBASE_CONFIG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run touchbase")
    }

    fn files(&self) -> BTreeSet<PathBuf> {
        fn walk(p: &Path, out: &mut BTreeSet<PathBuf>) {
            for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
                out.insert(e.path());
                if e.path().is_dir() {
                    walk(&e.path(), out);
                }
            }
        }
        let mut out = BTreeSet::new();
        walk(self.dir.path(), &mut out);
        out
    }

    /// Runs `check`, expects failure, and returns stderr; asserts that
    /// nothing was written.
    fn fails(&self) -> String {
        let before = self.files();
        let out = self.run(&["check"]);
        assert!(
            !out.status.success(),
            "check should fail; stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(self.files(), before, "check wrote something");
        assert!(!self.dir.path().join("state").exists());
        assert!(
            out.stdout.is_empty(),
            "stdout on error: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }
}

/// 1-based number of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle in text")
        + 1
}

/// Asserts that `stderr` names `file:line:` and the key.
fn assert_names(stderr: &str, file: &str, line: usize, key: &str) {
    let at = format!("{file}:{line}:");
    assert!(stderr.contains(&at), "stderr lacks {at}: {stderr}");
    assert!(
        stderr.contains(&format!("`{key}`")),
        "stderr lacks key `{key}`: {stderr}"
    );
    assert!(
        stderr.contains("expected"),
        "stderr says nothing of what is expected: {stderr}"
    );
}

fn bad_roster(edit: (&str, &str)) -> String {
    assert!(GOOD.contains(edit.0), "fixture edit must apply: {}", edit.0);
    GOOD.replacen(edit.0, edit.1, 1)
}

/// (what the class is, the edit to the good roster, the marker on the bad
/// line, the key the error must name, a phrase the message must hold)
type Class = (
    &'static str,
    (&'static str, &'static str),
    &'static str,
    &'static str,
    &'static str,
);

const CLASSES: &[Class] = &[
    (
        "unknown key",
        (
            "  time = \"09:30\"",
            "  time = \"09:30\"\n  timezon = \"UTC\"",
        ),
        "timezon = ",
        "managers[0].reports[0].timezon",
        "did you mean `timezone`?",
    ),
    (
        "bad email",
        (
            "email = \"grace@example.com\"",
            "email = \"grace at example.com\"",
        ),
        "grace at",
        "managers[0].reports[0].email",
        "an email address",
    ),
    (
        "unknown time zone",
        (
            "timezone = \"Europe/London\"",
            "timezone = \"Europe/Lundon\"",
        ),
        "Lundon",
        "defaults.timezone",
        "did you mean `Europe/London`?",
    ),
    (
        "bad time",
        ("time = \"09:30\"", "time = \"25:30\""),
        "25:30",
        "managers[0].reports[0].time",
        "HH:MM",
    ),
    (
        "bad date",
        ("start = \"2027-01-05\"", "start = \"2027-02-30\""),
        "2027-02-30",
        "managers[0].reports[0].start",
        "YYYY-MM-DD",
    ),
    (
        "bad cadence",
        ("cadence = \"biweekly\"", "cadence = \"every 13 weeks\""),
        "every 13",
        "defaults.cadence",
        "every N weeks",
    ),
    (
        "zero prompts",
        ("[defaults]\n", "[defaults]\nprompts_per_meeting = 0\n"),
        "prompts_per_meeting",
        "defaults.prompts_per_meeting",
        "from 1",
    ),
    (
        "bad duration type",
        (
            "[defaults]\n",
            "[defaults]\nduration_minutes = \"thirty\"\n",
        ),
        "thirty",
        "defaults.duration_minutes",
        "a whole number",
    ),
    (
        "bad pause date",
        (
            "  start = \"2027-01-07\"",
            "  start = \"2027-01-07\"\n  paused_until = \"soon\"",
        ),
        "soon",
        "managers[0].reports[1].paused_until",
        "YYYY-MM-DD",
    ),
    (
        "manager as own report",
        (
            "email = \"alan@example.com\"",
            "email = \"ADA@example.com\"",
        ),
        "ADA@",
        "managers[0].reports[1].email",
        "the manager's own address",
    ),
    (
        "report without start",
        ("  start = \"2027-01-07\"\n", ""),
        "alan@",
        "managers[0].reports[1].start",
        "without `start`",
    ),
    (
        "unknown top-level key",
        ("[defaults]\n", "manager = []\n[defaults]\n"),
        "manager = ",
        "manager",
        "did you mean `managers`?",
    ),
];

#[test]
fn each_error_class_names_file_line_and_key_and_writes_nothing() {
    let mut seen = 0;
    for (class, edit, marker, key, phrase) in CLASSES {
        let roster = bad_roster(*edit);
        let case = Case::new("roster.toml", &roster);
        let stderr = case.fails();
        assert_names(&stderr, "roster.toml", line_of(&roster, marker), key);
        assert!(
            stderr.contains(phrase),
            "{class}: stderr lacks {phrase:?}: {stderr}"
        );
        seen += 1;
    }
    assert_eq!(seen, CLASSES.len());
}

#[test]
fn report_under_two_managers() {
    let roster = format!(
        "{GOOD}\n[[managers]]\nemail = \"edsger@example.com\"\n\n  [[managers.reports]]\n  email = \"Grace@Example.com\"\n  start = \"2027-01-05\"\n"
    );
    let stderr = Case::new("roster.toml", &roster).fails();
    assert_names(
        &stderr,
        "roster.toml",
        line_of(&roster, "Grace@Example.com"),
        "managers[1].reports[0].email",
    );
    assert!(
        stderr.contains(&format!(
            "already a report of ada@example.com on line {}",
            line_of(&roster, "grace@example.com")
        )),
        "{stderr}"
    );
}

#[test]
fn manager_listed_twice() {
    let roster = format!("{GOOD}\n[[managers]]\nemail = \"ada@example.com\"\n");
    let stderr = Case::new("roster.toml", &roster).fails();
    assert_names(
        &stderr,
        "roster.toml",
        roster.lines().count(),
        "managers[1].email",
    );
}

#[test]
fn duplicate_prompt_ids() {
    let roster = format!(
        "[[prompts]]\nid = \"energy\"\ntext = \"What's giving you energy?\"\n\n[[prompts]]\nid = \"energy\"\ntext = \"What drains you?\"\n\n{GOOD}"
    );
    let stderr = Case::new("roster.toml", &roster).fails();
    assert_names(&stderr, "roster.toml", 6, "prompts[1].id");
    assert!(
        stderr.contains("already the id of prompt on line 2"),
        "{stderr}"
    );
}

#[test]
fn toml_syntax_error() {
    let roster = GOOD.replace("name = \"Grace Hopper\"", "name = \"Grace Hopper");
    let stderr = Case::new("roster.toml", &roster).fails();
    let line = line_of(&roster, "Grace Hopper");
    assert!(stderr.contains(&format!("roster.toml:{line}:")), "{stderr}");
}

#[test]
fn all_errors_are_reported_at_once() {
    let roster = GOOD
        .replace("09:30", "9h30")
        .replace("2027-01-07", "tomorrow");
    let stderr = Case::new("roster.toml", &roster).fails();
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error: ")).count(),
        2,
        "{stderr}"
    );
}

const YAML: &str = "defaults:\n  cadence: weekly\nmanagers:\n  - email: ada@example.com\n    reports:\n      - email: grace@example.com\n        start: \"2027-01-05\"\n        timezone: Europe/Lundon\n";

#[test]
fn yaml_roster_errors_are_located() {
    let stderr = Case::new("roster.yaml", YAML).fails();
    assert_names(&stderr, "roster.yaml", 8, "managers[0].reports[0].timezone");
    let unknown = YAML.replace("timezone: Europe/Lundon", "timezon: Europe/London");
    let stderr = Case::new("roster.yaml", &unknown).fails();
    assert!(stderr.contains("roster.yaml:8:"), "{stderr}");
    assert!(stderr.contains("did you mean `timezone`?"), "{stderr}");
}

#[test]
fn yaml_and_json_rosters_load() {
    let yaml = YAML.replace("Lundon", "London");
    let case = Case::new("roster.yml", &yaml);
    let out = case.run(&["preview", "--from", "2027-01-01", "--weeks", "2", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(2));

    let json = r#"{"managers": [{"email": "ada@example.com", "reports": [
  {"email": "grace@example.com", "start": "2027-01-05", "cadence": "weekly"}]}]}"#;
    let case = Case::new("roster.json", json);
    let out = case.run(&["preview", "--from", "2027-01-01", "--weeks", "2", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(2));

    let bad = json.replace("\"weekly\"", "\"weekly\",");
    let stderr = Case::new("roster.json", &bad).fails();
    assert!(stderr.contains("roster.json:2:"), "{stderr}");
    let bad = json.replace("2027-01-05", "2027-13-05");
    let stderr = Case::new("roster.json", &bad).fails();
    assert_names(&stderr, "roster.json", 2, "managers[0].reports[0].start");
}

#[test]
fn config_errors_are_located() {
    let config = format!("{CONFIG}\n[dispatch]\nlead_dayz = 3\n");
    let case = Case::with_config(&config, "roster.toml", GOOD);
    let stderr = case.fails();
    assert_names(
        &stderr,
        "touchbase.toml",
        line_of(&config, "lead_dayz"),
        "dispatch.lead_dayz",
    );
    assert!(stderr.contains("did you mean `lead_days`?"), "{stderr}");

    let config = format!("{CONFIG}\n[http]\nlisten = \"localhost\"\n");
    let stderr = Case::with_config(&config, "roster.toml", GOOD).fails();
    assert_names(
        &stderr,
        "touchbase.toml",
        line_of(&config, "localhost"),
        "http.listen",
    );
}

#[test]
fn environment_overrides_apply_and_are_checked() {
    let case = Case::new("roster.toml", GOOD);
    let out = case.run_env(
        &["check"],
        &[
            ("TOUCHBASE_MAIL__TRANSPORT", "smtp"),
            (
                "TOUCHBASE_MAIL__URL",
                "smtp://bob:hunter2@mail.example.com:587",
            ),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("smtp to \"smtp://bob:MASKED@mail.example.com:587\""),
        "{stdout}"
    );
    // Credentials on smtp:// mean STARTTLS required, and check says so.
    assert!(stdout.contains("TLS is required"), "{stdout}");
    assert!(!stdout.contains("hunter2"));

    let out = case.run_env(&["check"], &[("TOUCHBASE_DISPATCH__HORIZON_WEEKS", "many")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("environment variable TOUCHBASE_DISPATCH__HORIZON_WEEKS"),
        "{stderr}"
    );
    assert!(stderr.contains("`dispatch.horizon_weeks`"), "{stderr}");

    let out = case.run_env(&["check"], &[("TOUCHBASE_MAIL__URLL", "smtp://x")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `TOUCHBASE_MAIL__URL`?"));
}

#[test]
fn missing_files_are_named() {
    let case = Case::new("roster.toml", GOOD);
    std::fs::remove_file(case.dir.path().join("roster.toml")).expect("remove");
    let stderr = case.fails();
    assert!(
        stderr.contains("roster.toml") && stderr.contains("no readable roster file"),
        "{stderr}"
    );
    let out = Command::new(BIN)
        .args(["check", "--config", "/nonexistent/touchbase.toml"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/touchbase.toml"));
}

#[test]
fn config_is_found_through_the_environment_and_before_the_subcommand() {
    let case = Case::new("roster.toml", GOOD);
    let out = Command::new(BIN)
        .arg("check")
        .env("TOUCHBASE_CONFIG", case.config())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(BIN)
        .arg("--config")
        .arg(case.config())
        .arg("check")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/touchbase.toml")
}

#[test]
fn example_configuration_checks_and_previews() {
    let out = Command::new(BIN)
        .arg("check")
        .arg("--config")
        .arg(example())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 managers"), "{stdout}");
    assert!(stdout.contains("1 opted out"), "{stdout}");
    // Opted-out and paused reports are counted, never named.
    assert!(!stdout.contains("frances"), "{stdout}");
    assert!(!stdout.contains("katherine"), "{stdout}");

    let out = Command::new(BIN)
        .args([
            "preview",
            "--from",
            "2027-03-01",
            "--weeks",
            "8",
            "--json",
            "--config",
        ])
        .arg(example())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("frances"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let meetings = v.as_array().expect("array");
    assert!(meetings.len() > 20);
    for m in meetings {
        for field in ["manager", "report", "start", "end", "timezone", "uid"] {
            assert!(m[field].is_string(), "{field} missing in {m}");
        }
        assert!(m["prompts"].as_array().is_some_and(|p| !p.is_empty()));
        let start = m["start"].as_str().unwrap_or_default();
        let start: jiff::Timestamp = start.parse().expect("RFC 3339 start");
        let end: jiff::Timestamp = m["end"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .expect("RFC 3339 end");
        let minutes = m["duration_minutes"].as_i64().expect("duration");
        assert_eq!(end.duration_since(start).as_secs(), minutes * 60);
        let s = m["start"].as_str().unwrap_or_default();
        let offset = s.get(s.len() - 6..).unwrap_or_default().as_bytes();
        assert!(
            matches!(offset, [b'+' | b'-', _, _, b':', _, _]),
            "offset form: {s}"
        );
        let date = &s[..10];
        assert!(
            ("2027-03-01".."2027-04-26").contains(&date),
            "{date} outside the window"
        );
    }
    // Katherine is paused until 2027-03-15: nothing before, weekly after.
    let k: Vec<_> = meetings
        .iter()
        .filter(|m| m["report"] == "katherine@example.com")
        .collect();
    assert!(k
        .iter()
        .all(|m| m["start"].as_str().unwrap_or_default() >= "2027-03-15"));
    assert_eq!(k.len(), 6);

    // --manager filters; text output groups by manager.
    let out = Command::new(BIN)
        .args([
            "preview",
            "--from",
            "2027-03-01",
            "--weeks",
            "2",
            "--manager",
            "radia@example.com",
            "--config",
        ])
        .arg(example())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Radia Perlman <radia@example.com>"), "{text}");
    assert!(!text.contains("Ada Lovelace"), "{text}");
    assert!(
        text.contains("      - "),
        "prompts are indented under their meeting: {text}"
    );
}

#[test]
fn preview_is_deterministic_and_window_independent() {
    let case = Case::new("roster.toml", GOOD);
    let a = case.run(&["preview", "--from", "2027-01-01", "--weeks", "12", "--json"]);
    let b = case.run(&["preview", "--from", "2027-01-01", "--weeks", "12", "--json"]);
    assert_eq!(a.stdout, b.stdout);
    let later = case.run(&["preview", "--from", "2027-02-01", "--weeks", "4", "--json"]);
    let all: Vec<serde_json::Value> = serde_json::from_slice(&a.stdout).expect("json");
    let part: Vec<serde_json::Value> = serde_json::from_slice(&later.stdout).expect("json");
    assert!(!part.is_empty());
    for m in &part {
        assert!(
            all.contains(m),
            "{m} differs when seen through another window"
        );
    }
}

#[test]
fn unknown_manager_filter_is_an_error() {
    let case = Case::new("roster.toml", GOOD);
    let out = case.run(&["preview", "--manager", "adaa@example.com"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--manager") && stderr.contains("did you mean `ada@example.com`?"),
        "{stderr}"
    );
}

#[test]
fn warnings_for_dst_traps_skipped_prompts_and_unfair_time() {
    #[allow(clippy::disallowed_methods)] // `check` looks ahead from the real today.
    let today = jiff::Zoned::now().date();
    // The next Sunday: within 52 weeks New York has a spring-forward Sunday.
    let mut sunday = today;
    while sunday.weekday() != jiff::civil::Weekday::Sunday {
        sunday = sunday.tomorrow().expect("date");
    }
    let roster = format!(
        "[[managers]]\nemail = \"ada@example.com\"\ntimezone = \"America/New_York\"\n\n\
         [[managers.reports]]\nemail = \"grace@example.com\"\nstart = \"{sunday}\"\ntime = \"02:30\"\ncadence = \"weekly\"\n\n\
         [[managers.reports]]\nemail = \"alan@example.com\"\nstart = \"{sunday}\"\ncadence = \"monthly\"\nduration_minutes = 15\n\
         skip_tags = [\"wellbeing\", \"growth\", \"support\", \"check-in\", \"recognition\", \"career\", \"feedback\", \"clarity\", \"team\", \"ideas\", \"nonsense\"]\n"
    );
    let config = format!("{CONFIG}\n[dispatch]\nhorizon_weeks = 52\n");
    let case = Case::with_config(&config, "roster.toml", &roster);
    let out = case.run(&["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("does not exist (daylight saving starts); the meeting moves to 03:30"),
        "{stdout}"
    );
    assert!(
        stdout.contains("leave 1 prompt, fewer than prompts_per_meeting = 2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`nonsense`, which no prompt carries"),
        "{stdout}"
    );
    assert!(
        stdout.contains("alan@example.com gets 15 min of 1:1 time a month"),
        "{stdout}"
    );
    let line = line_of(&roster, "alan@example.com");
    assert!(stdout.contains(&format!("roster.toml:{line}:")), "{stdout}");
    let _ = case.roster_name;
}

#[test]
fn the_smtp_url_can_come_from_a_systemd_credential() {
    let case = Case::new("roster.toml", GOOD);
    let creds = case.dir.path().join("creds");
    std::fs::create_dir(&creds).expect("mkdir");
    std::fs::write(
        creds.join("smtp-url"),
        "smtp://bob:s3cret@mail.example.com:587\n",
    )
    .expect("write");
    let dir = creds.to_string_lossy().to_string();
    let out = case.run_env(
        &["check"],
        &[
            ("CREDENTIALS_DIRECTORY", &dir),
            ("TOUCHBASE_MAIL__TRANSPORT", "smtp"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("smtp to \"smtp://bob:MASKED@mail.example.com:587\""),
        "{stdout}"
    );
    assert!(!stdout.contains("s3cret"));
    // The environment beats the credential.
    let out = case.run_env(
        &["check"],
        &[
            ("CREDENTIALS_DIRECTORY", &dir),
            ("TOUCHBASE_MAIL__TRANSPORT", "smtp"),
            ("TOUCHBASE_MAIL__URL", "smtp://env.example.com:25"),
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("smtp://env.example.com:25"));
    // A bad credential is named by its path.
    std::fs::write(creds.join("smtp-url"), "mail.example.com\n").expect("write");
    let out = case.run_env(
        &["check"],
        &[
            ("CREDENTIALS_DIRECTORY", &dir),
            ("TOUCHBASE_MAIL__TRANSPORT", "smtp"),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("creds/smtp-url") && stderr.contains("`mail.url`"),
        "{stderr}"
    );
}

#[test]
fn an_smtp_url_that_run_would_refuse_fails_check_at_its_line() {
    let config = "roster = \"roster.toml\"\nstate_dir = \"state\"\n\n[mail]\ntransport = \"smtp\"\nurl = \"smtp://host?tls=maybe\"\n";
    let roster = "[[managers]]\nemail = \"ada@example.com\"\n\n  [[managers.reports]]\n  email = \"grace@example.com\"\n  start = \"2027-01-05\"\n";
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("touchbase.toml"), config).expect("write config");
    std::fs::write(dir.path().join("roster.toml"), roster).expect("write roster");
    let out = Command::new(env!("CARGO_BIN_EXE_touchbase"))
        .arg("check")
        .arg("--config")
        .arg(dir.path().join("touchbase.toml"))
        .env_remove("TOUCHBASE_CONFIG")
        .env_remove("TOUCHBASE_MAIL__URL")
        .env_remove("TOUCHBASE_MAIL__TRANSPORT")
        .env_remove("CREDENTIALS_DIRECTORY")
        .output()
        .expect("run touchbase");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "check passed: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Line 6, column 7: the value of `url`.
    assert!(stderr.contains("touchbase.toml:6:7: "), "{stderr}");
    assert!(stderr.contains("`mail.url`"), "{stderr}");
    assert!(stderr.contains("\"smtp://host?tls=maybe\""), "{stderr}");
    assert!(!dir.path().join("state").exists());
}

#[test]
fn a_password_in_a_malformed_smtp_url_is_masked_in_the_error() {
    let case = Case::new("roster.toml", GOOD);
    for url in ["smtp:user:s3cr3t@host", "smtp://user:s3cr3t"] {
        let out = case.run_env(
            &["check"],
            &[
                ("TOUCHBASE_MAIL__TRANSPORT", "smtp"),
                ("TOUCHBASE_MAIL__URL", url),
            ],
        );
        assert!(!out.status.success(), "{url}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("environment variable TOUCHBASE_MAIL__URL"),
            "{stderr}"
        );
        assert!(
            stderr.contains("`mail.url`") && stderr.contains("MASKED"),
            "{stderr}"
        );
        assert!(!stderr.contains("s3cr3t"), "{url}: {stderr}");
    }
}

#[test]
fn control_characters_in_names_locations_and_prompts_are_located_errors() {
    // (edit to the good roster, the marker on the bad line, key, character)
    let cases: &[((&str, &str), &str, &str, &str)] = &[
        (
            ("  name = \"Grace Hopper\"", "  name = \"Grace\\r\\nBcc: mallory@example.com\""),
            "Bcc: mallory",
            "managers[0].reports[0].name",
            "U+000D",
        ),
        (
            ("name = \"Ada Lovelace\"", "name = \"Ada\\u0000Lovelace\""),
            "Ada\\u0000",
            "managers[0].name",
            "U+0000",
        ),
        (
            ("[defaults]\n", "[defaults]\nlocation = \"Room 1\\nBcc: x\"\n"),
            "location = ",
            "defaults.location",
            "U+000A",
        ),
        (
            ("  time = \"09:30\"", "  time = \"09:30\"\n  location = \"Room\\u0085\""),
            "location = ",
            "managers[0].reports[0].location",
            "U+0085",
        ),
        (
            (
                "[defaults]\n",
                "[[prompts]]\nid = \"two\"\ntext = \"\"\"\nLine one\nline two?\"\"\"\n\n[defaults]\n",
            ),
            "text = ",
            "prompts[0].text",
            "U+000A",
        ),
    ];
    for (edit, marker, key, character) in cases {
        let roster = bad_roster(*edit);
        let stderr = Case::new("roster.toml", &roster).fails();
        assert_names(&stderr, "roster.toml", line_of(&roster, marker), key);
        assert!(stderr.contains(character), "{key}: {stderr}");
        assert!(stderr.contains("without control characters"), "{stderr}");
        // Shown escaped: the error itself stays one line per error.
        assert!(
            !stderr.contains('\r') && stderr.lines().count() == 1,
            "{stderr:?}"
        );
    }
    // YAML too, and a tab is fine.
    let yaml = "managers:\n  - email: ada@example.com\n    name: \"Ada\\tLovelace\"\n    reports:\n      - email: grace@example.com\n        name: \"Grace\\nHopper\"\n        start: \"2027-01-05\"\n";
    let stderr = Case::new("roster.yaml", yaml).fails();
    assert_names(&stderr, "roster.yaml", 6, "managers[0].reports[0].name");
    assert!(!stderr.contains("managers[0].name"), "{stderr}");
}

#[test]
fn tls_none_with_a_password_to_another_host_is_a_warning() {
    let case = Case::new("roster.toml", GOOD);
    let out = case.run_env(
        &["check"],
        &[
            ("TOUCHBASE_MAIL__TRANSPORT", "smtp"),
            (
                "TOUCHBASE_MAIL__URL",
                "smtp://bob:hunter2@mail.example.com:25?tls=none",
            ),
        ],
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("credentials go in the clear (tls=none)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("sends the password unencrypted to mail.example.com"),
        "{stdout}"
    );
    assert!(stdout.contains("ok: 1 warning\n"), "{stdout}");
    assert!(!stdout.contains("hunter2"));
}

/// `mail.from` is the ORGANIZER of every invitation: a roster person as
/// organizer would get their own 1:1s with no Accept or Decline.
#[test]
fn mail_from_may_not_be_a_person_of_the_roster() {
    for person in ["ada@example.com", "Grace@Example.com"] {
        let config = format!(
            "roster = \"roster.toml\"\nstate_dir = \"state\"\n\n[mail]\nfrom = \"Someone <{person}>\"\n"
        );
        let case = Case::with_config(&config, "roster.toml", GOOD);
        let stderr = case.fails();
        assert_names(
            &stderr,
            "touchbase.toml",
            line_of(&config, "from ="),
            "mail.from",
        );
        assert!(stderr.contains("no manager or report"), "{stderr}");
    }
    // The invitations' UIDs and Message-IDs take the organizer's domain.
    let config =
        "roster = \"roster.toml\"\nstate_dir = \"state\"\n\n[mail]\nfrom = \"Touchbase <1on1@mail.example.org>\"\n";
    let case = Case::with_config(config, "roster.toml", GOOD);
    let out = case.run(&["preview", "--json", "--from", "2027-01-01", "--weeks", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let uids: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|m| m["uid"].as_str())
        .collect();
    assert!(!uids.is_empty());
    assert!(
        uids.iter().all(|u| u.ends_with("@mail.example.org")),
        "{uids:?}"
    );
}
