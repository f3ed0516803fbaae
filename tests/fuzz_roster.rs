//! Fuzzing roster parsing and validation: whatever the bytes, `roster::parse`
//! returns a roster or located errors (whose text can be printed), never a
//! panic, and the meetings of a roster it accepts can be computed.
//!
//! Three kinds of input, each read as TOML, YAML and JSON:
//! - arbitrary bytes;
//! - good rosters with random bytes inserted, deleted or overwritten;
//! - roster-shaped documents whose values are random (good, bad, of the
//!   wrong type, with control characters, unknown keys), written out as
//!   TOML and as JSON.
//!
//! The normal suite runs `TOUCHBASE_FUZZ_CASES` inputs of each kind
//! (default 256). For a longer run, `TOUCHBASE_FUZZ_SECONDS` gives the
//! whole run a time budget instead, shared by the three kinds, e.g.
//! `TOUCHBASE_FUZZ_SECONDS=600 cargo test --release --test fuzz_roster -- --nocapture`;
//! the count of inputs is printed at the end.
// The clock rule (clippy.toml) is for the library: a long run is bounded by wall time.
#![allow(clippy::disallowed_methods)]

mod common;

use std::cell::Cell;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use touchbase::core::plan::pair_meetings;
use touchbase::core::roster;
use touchbase::core::schedule::Window;
use touchbase::core::source::SourceText;

/// Parses `text` as the roster file `name`; panics only if the code does.
fn exercise(name: &str, text: &str) {
    match roster::parse(&SourceText::new(name, text)) {
        Ok(r) => {
            for p in &r.pairs {
                let _ = pair_meetings(p, Window::weeks(p.start, 6));
                let _ = pair_meetings(p, Window::weeks(jiff::civil::date(2027, 1, 1), 2));
            }
        }
        Err(e) => {
            assert!(!e.0.is_empty(), "an error without errors");
            let _ = e.to_string();
        }
    }
}

/// The same text as each roster format.
fn every_format(text: &str) {
    for name in ["fuzz.toml", "fuzz.yaml", "fuzz.json"] {
        exercise(name, text);
    }
}

fn env_number(var: &str) -> Option<u64> {
    std::env::var(var).ok().and_then(|v| v.trim().parse().ok())
}

/// Runs `check` over inputs from `strategy`: `TOUCHBASE_FUZZ_CASES` of
/// them, or for `budget` when a time budget is set. Returns how many ran.
fn fuzz<S: Strategy>(
    name: &str,
    strategy: S,
    budget: Option<Duration>,
    check: impl Fn(&S::Value),
) -> u64
where
    S::Value: std::fmt::Debug,
{
    let cases = env_number("TOUCHBASE_FUZZ_CASES").unwrap_or(256);
    let batch = if budget.is_some() { 1000 } else { cases };
    let config = Config {
        cases: u32::try_from(batch).unwrap_or(u32::MAX),
        failure_persistence: None,
        ..Config::default()
    };
    let count = Cell::new(0u64);
    let started = Instant::now();
    loop {
        // A runner counts the cases it ran: a new one (new random seed)
        // for each batch.
        let result = TestRunner::new(config.clone()).run(&strategy, |v| {
            count.set(count.get() + 1);
            check(&v);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{name}: {e}");
        }
        match budget {
            Some(b) if started.elapsed() < b => {}
            _ => break,
        }
    }
    eprintln!(
        "fuzz {name}: {} inputs in {:.1} s",
        count.get(),
        started.elapsed().as_secs_f64()
    );
    count.get()
}

// ---- structured documents -------------------------------------------------

/// A value as a roster file may hold it: usually of the type the key
/// wants, sometimes not.
#[derive(Debug, Clone)]
enum V {
    S(String),
    I(i64),
    F(f64),
    B(bool),
    L(Vec<String>),
}

/// Keys in order with their values.
type Table = Vec<(String, V)>;

#[derive(Debug, Clone)]
struct Doc {
    defaults: Option<Table>,
    prompts: Option<Vec<Table>>,
    managers: Vec<(Table, Vec<Table>)>,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        3 => "[ -~]{0,16}",
        1 => Just(String::new()),
        2 => "[a-z \\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{2028}]{1,8}",
    ]
}

fn date() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..=10_000, 0u32..=13, 0u32..=32)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        2 => (2020u32..2040, 1u32..=12, 1u32..=31)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        1 => text(),
    ]
}

fn time() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..=25, 0u32..=61).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        1 => Just("auto".to_string()),
        1 => text(),
    ]
}

fn cadence() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["weekly", "biweekly", "monthly", "Weekly "])
            .prop_map(str::to_string),
        2 => (-2i64..=20).prop_map(|n| format!("every {n} weeks")),
        1 => text(),
    ]
}

fn zone() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe",
            "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "Etc/GMT+12",
            "Pacific/Kiritimati", "+05:00", "EST5EDT,M3.2.0,M11.1.0", "Europe/Lundon",
        ])
        .prop_map(str::to_string),
        1 => text(),
    ]
}

fn email() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "ada@example.com", "grace@example.com", "alan@example.com",
            "ADA@example.com", "edsger@example.com", "a@b", "x@-y.z",
        ])
        .prop_map(str::to_string),
        1 => text(),
    ]
}

/// A value for a key that wants `good`: mostly that, sometimes any type.
fn val(good: impl Strategy<Value = V> + 'static) -> BoxedStrategy<V> {
    prop_oneof![
        6 => good,
        1 => text().prop_map(V::S),
        1 => any::<i64>().prop_map(V::I),
        1 => any::<f64>().prop_map(V::F),
        1 => any::<bool>().prop_map(V::B),
        1 => prop::collection::vec(text(), 0..3).prop_map(V::L),
    ]
    .boxed()
}

fn int() -> impl Strategy<Value = V> {
    prop_oneof![3 => (-2i64..200).prop_map(V::I), 1 => any::<i64>().prop_map(V::I)]
}

/// A table with each of `keys` present or not, and now and then a key
/// the roster does not know.
fn table(keys: Vec<(&'static str, BoxedStrategy<V>)>) -> impl Strategy<Value = Table> {
    let fields: Vec<_> = keys
        .into_iter()
        .map(|(k, s)| {
            prop::option::weighted(0.6, s).prop_map(move |v| v.map(|v| (k.to_string(), v)))
        })
        .collect();
    let unknown = prop::option::weighted(0.05, ("[a-z_]{1,10}", val(text().prop_map(V::S))));
    (fields, unknown)
        .prop_map(|(fields, unknown)| fields.into_iter().flatten().chain(unknown).collect())
}

fn settings_keys() -> Vec<(&'static str, BoxedStrategy<V>)> {
    vec![
        ("cadence", val(cadence().prop_map(V::S))),
        ("time", val(time().prop_map(V::S))),
        ("duration_minutes", val(int())),
        ("timezone", val(zone().prop_map(V::S))),
        ("prompts_per_meeting", val(int())),
        ("location", val(text().prop_map(V::S))),
    ]
}

fn report() -> impl Strategy<Value = Table> {
    let mut keys = vec![
        ("email", val(email().prop_map(V::S))),
        ("name", val(text().prop_map(V::S))),
        ("start", val(date().prop_map(V::S))),
        ("opt_out", val(any::<bool>().prop_map(V::B))),
        ("paused_until", val(date().prop_map(V::S))),
        (
            "skip_tags",
            val(prop::collection::vec(text(), 0..3).prop_map(V::L)),
        ),
    ];
    keys.extend(settings_keys());
    table(keys)
}

fn manager() -> impl Strategy<Value = (Table, Vec<Table>)> {
    let mut keys = vec![
        ("email", val(email().prop_map(V::S))),
        ("name", val(text().prop_map(V::S))),
    ];
    keys.extend(settings_keys());
    (table(keys), prop::collection::vec(report(), 0..4))
}

fn prompt() -> impl Strategy<Value = Table> {
    table(vec![
        ("id", val(prop_oneof!["[a-c]{1,2}", text()].prop_map(V::S))),
        ("text", val(text().prop_map(V::S))),
        (
            "tags",
            val(prop::collection::vec(prop_oneof!["[a-c]{1,2}", text()], 0..3).prop_map(V::L)),
        ),
    ])
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        prop::option::of(table(settings_keys())),
        prop::option::weighted(0.3, prop::collection::vec(prompt(), 0..4)),
        prop::collection::vec(manager(), 0..4),
    )
        .prop_map(|(defaults, prompts, managers)| Doc {
            defaults,
            prompts,
            managers,
        })
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_value(v: &V) -> String {
    match v {
        V::S(s) => toml_string(s),
        V::I(i) => i.to_string(),
        V::F(f) if f.is_nan() => "nan".into(),
        V::F(f) if f.is_infinite() => if *f > 0.0 { "inf" } else { "-inf" }.into(),
        V::F(f) => format!("{f:?}"),
        V::B(b) => b.to_string(),
        V::L(l) => format!(
            "[{}]",
            l.iter()
                .map(|s| toml_string(s))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn toml_table(out: &mut String, header: &str, t: &Table) {
    out.push_str(header);
    out.push('\n');
    for (k, v) in t {
        out.push_str(&format!("{} = {}\n", toml_string(k), toml_value(v)));
    }
}

fn to_toml(d: &Doc) -> String {
    let mut out = String::new();
    if d.prompts.as_ref().is_some_and(Vec::is_empty) {
        out.push_str("prompts = []\n");
    }
    if let Some(t) = &d.defaults {
        toml_table(&mut out, "[defaults]", t);
    }
    for p in d.prompts.iter().flatten() {
        toml_table(&mut out, "[[prompts]]", p);
    }
    for (m, reports) in &d.managers {
        toml_table(&mut out, "[[managers]]", m);
        for r in reports {
            toml_table(&mut out, "[[managers.reports]]", r);
        }
    }
    out
}

fn json_value(v: &V) -> serde_json::Value {
    match v {
        V::S(s) => s.clone().into(),
        V::I(i) => (*i).into(),
        V::F(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into),
        V::B(b) => (*b).into(),
        V::L(l) => l.clone().into(),
    }
}

fn json_table(t: &Table) -> serde_json::Map<String, serde_json::Value> {
    t.iter().map(|(k, v)| (k.clone(), json_value(v))).collect()
}

fn to_json(d: &Doc) -> String {
    let mut root = serde_json::Map::new();
    if let Some(t) = &d.defaults {
        root.insert("defaults".into(), json_table(t).into());
    }
    if let Some(p) = &d.prompts {
        let list: Vec<serde_json::Value> = p.iter().map(|t| json_table(t).into()).collect();
        root.insert("prompts".into(), list.into());
    }
    let managers: Vec<serde_json::Value> = d
        .managers
        .iter()
        .map(|(m, reports)| {
            let mut m = json_table(m);
            let reports: Vec<serde_json::Value> =
                reports.iter().map(|r| json_table(r).into()).collect();
            m.insert("reports".into(), reports.into());
            m.into()
        })
        .collect();
    root.insert("managers".into(), managers.into());
    serde_json::Value::Object(root).to_string()
}

// ---- mutated good rosters -------------------------------------------------

const YAML: &str = "defaults:\n  cadence: weekly\n  timezone: Europe/London\nprompts:\n  - id: a\n    text: \"How are things?\"\n    tags: [x]\nmanagers:\n  - email: ada@example.com\n    name: Ada\n    reports:\n      - email: grace@example.com\n        start: \"2027-01-05\"\n        time: \"09:30\"\n        skip_tags: [x]\n";
const JSON: &str = r#"{"defaults":{"cadence":"monthly"},"managers":[{"email":"ada@example.com","reports":[{"email":"grace@example.com","start":"2027-01-29","paused_until":"2027-03-01","opt_out":false}]}]}"#;

/// Edits applied in order: (where, what, bytes).
type Edits = Vec<(usize, u8, Vec<u8>)>;

fn mutate(seed: &str, edits: &Edits) -> Vec<u8> {
    let mut b = seed.as_bytes().to_vec();
    for (at, op, bytes) in edits {
        let i = at % (b.len() + 1);
        match op % 4 {
            0 => {
                b.splice(i..i, bytes.iter().copied());
            }
            1 => {
                let end = (i + bytes.len().max(1)).min(b.len());
                b.drain(i..end);
            }
            2 => {
                for (k, x) in bytes.iter().enumerate() {
                    if let Some(slot) = b.get_mut(i + k) {
                        *slot = *x;
                    }
                }
            }
            _ => {
                // Repeat a slice: lists and tables grow.
                let end = (i + bytes.len() * 8).min(b.len());
                let copy = b[i..end].to_vec();
                b.splice(i..i, copy);
            }
        }
    }
    b
}

fn edits() -> impl Strategy<Value = Edits> {
    prop::collection::vec(
        (
            any::<usize>(),
            any::<u8>(),
            prop::collection::vec(any::<u8>(), 0..8),
        ),
        1..6,
    )
}

#[test]
fn roster_parsing_never_panics() {
    let budget = env_number("TOUCHBASE_FUZZ_SECONDS").map(|s| Duration::from_secs(s) / 3);
    let bytes = fuzz(
        "bytes",
        prop::collection::vec(any::<u8>(), 0..1024),
        budget,
        |b| every_format(&String::from_utf8_lossy(b)),
    );
    let seeds = [common::rosters::DST, common::rosters::ESCAPES, YAML, JSON];
    let mutated = fuzz("mutated", (0..seeds.len(), edits()), budget, |(i, e)| {
        every_format(&String::from_utf8_lossy(&mutate(seeds[*i], e)))
    });
    let structured = fuzz("structured", doc(), budget, |d| {
        exercise("fuzz.toml", &to_toml(d));
        let json = to_json(d);
        exercise("fuzz.json", &json);
        exercise("fuzz.yaml", &json);
    });
    eprintln!(
        "fuzz: {} inputs in all, each read as TOML, YAML and JSON",
        bytes + mutated + structured
    );
}

/// The structured documents are rosters often enough to reach validation
/// and scheduling, not only the parsers.
#[test]
fn structured_documents_reach_validation() {
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let (mut toml_ok, mut json_ok) = (0, 0);
    for _ in 0..400 {
        let d = doc().new_tree(&mut runner).expect("a document").current();
        toml_ok += usize::from(roster::parse(&SourceText::new("f.toml", to_toml(&d))).is_ok());
        json_ok += usize::from(roster::parse(&SourceText::new("f.json", to_json(&d))).is_ok());
    }
    eprintln!("valid rosters out of 400 documents: TOML {toml_ok}, JSON {json_ok}");
    assert!(toml_ok > 0 && json_ok > 0, "toml {toml_ok}, json {json_ok}");
}
