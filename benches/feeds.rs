//! Renders every feed of a 100,000-pair roster (10,000 managers with 10
//! reports each) for a 12-week window: 110,000 documents, each the way the
//! daemon renders a feed it has not cached (a [`Directory`] lookup, then
//! [`render_pairs`]).
//!
//! `cargo bench --bench feeds [-- --sample DIR]`. With `--sample DIR` it
//! also writes 1 % of the documents (every 100th manager's feed and those
//! of their reports) to DIR, for `benches/feeds.sh` to hand to Python's
//! `icalendar` for the side-by-side comparison.
// The clock rule (clippy.toml) is for the library: this benchmark measures wall time.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::time::Instant;

use jiff::Timestamp;
use touchbase::core::events::Organizer;
use touchbase::core::feed::{render_pairs, Directory};
use touchbase::core::roster;
use touchbase::core::schedule::Window;
use touchbase::core::series::History;
use touchbase::core::source::SourceText;

const MANAGERS: usize = 10_000;
const REPORTS: usize = 10;
const ZONES: [&str; 5] = [
    "Europe/London",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
];
const CADENCES: [&str; 4] = ["weekly", "biweekly", "every 3 weeks", "monthly"];

fn roster_text() -> String {
    let mut t = String::from("[defaults]\nprompts_per_meeting = 2\nduration_minutes = 30\n");
    for m in 0..MANAGERS {
        let _ = write!(
            t,
            "\n[[managers]]\nemail = \"m{m}@example.com\"\nname = \"Manager {m}, Team Lead\"\n\
             timezone = \"{}\"\nlocation = \"https://meet.example.com/m{m}\"\n",
            ZONES[m % ZONES.len()]
        );
        for r in 0..REPORTS {
            let day = 1 + (m * REPORTS + r) % 28;
            let _ = write!(
                t,
                "  [[managers.reports]]\n  email = \"r{m}-{r}@example.com\"\n  name = \"Report {m}-{r}\"\n  \
                 start = \"2027-01-{day:02}\"\n  time = \"{:02}:30\"\n  cadence = \"{}\"\n",
                9 + r % 8,
                CADENCES[(m + r) % CADENCES.len()]
            );
        }
    }
    t
}

/// User plus system time of the calling thread, from procfs (Linux), in
/// clock ticks of 10 ms; `None` where that is not available.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may
    // itself hold spaces: utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sample_dir = args
        .iter()
        .position(|a| a == "--sample")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);

    let t0 = Instant::now();
    let text = roster_text();
    let roster = roster::parse(&SourceText::new("bench.toml", text)).expect("valid roster");
    let history = History::new();
    let directory = Directory::new(&roster);
    let setup = t0.elapsed();

    let window = Window::weeks(jiff::civil::date(2027, 3, 1), 12);
    let now: Timestamp = "2027-03-01T00:00:00Z".parse().expect("timestamp");
    let org = Organizer {
        name: Some("Touchbase"),
        email: "touchbase@example.com",
    };
    let mut emails: Vec<String> = directory.emails().map(str::to_owned).collect();
    emails.sort_unstable();
    let docs = emails.len();

    // One thread, the figure compared with Python (which uses one too).
    let render_all = |part: &[String]| -> usize {
        let mut bytes = 0usize;
        for email in part {
            let (name, pairs) = directory.lookup(&roster, email).expect("indexed");
            let doc = render_pairs(&roster, &history, name, &pairs, window, org, now, None);
            bytes += doc.len();
            std::hint::black_box(&doc);
        }
        bytes
    };
    let cpu1 = thread_cpu_seconds();
    let t1 = Instant::now();
    let bytes = render_all(&emails);
    let render = t1.elapsed();
    let cpu = thread_cpu_seconds().zip(cpu1).map(|(b, a)| b - a);

    // Every core, as the daemon's HTTP threads would.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t2 = Instant::now();
    let parallel_bytes: usize = std::thread::scope(|s| {
        let handles: Vec<_> = emails
            .chunks(docs.div_ceil(threads).max(1))
            .map(|part| s.spawn(move || render_all(part)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let parallel = t2.elapsed();
    assert_eq!(parallel_bytes, bytes);

    println!(
        "roster: {} pairs, built and validated in {:.2?}",
        roster.pairs.len(),
        setup
    );
    println!(
        "rust: {docs} documents, {:.1} MB in {:.3} s ({:.1} us per document)",
        bytes as f64 / 1e6,
        render.as_secs_f64(),
        render.as_secs_f64() * 1e6 / docs as f64,
    );
    // Other work on a shared machine stretches the wall time; the CPU
    // time this thread used tells how much of it was ours.
    if let Some(cpu) = cpu {
        println!("rust: {cpu:.2} s of CPU time on this thread");
    }
    println!(
        "rust, {threads} threads: {docs} documents in {:.3} s",
        parallel.as_secs_f64()
    );
    println!("rust_seconds={:.6}", render.as_secs_f64());
    println!("rust_parallel_seconds={:.6}", parallel.as_secs_f64());
    println!("rust_threads={threads}");
    println!("rust_docs={docs}");

    if let Some(dir) = sample_dir {
        std::fs::create_dir_all(&dir).expect("sample folder");
        let mut n = 0;
        for m in (0..MANAGERS).step_by(100) {
            let mut who = vec![format!("m{m}@example.com")];
            who.extend((0..REPORTS).map(|r| format!("r{m}-{r}@example.com")));
            for email in who {
                let (name, pairs) = directory.lookup(&roster, &email).expect("indexed");
                let doc = render_pairs(&roster, &history, name, &pairs, window, org, now, None);
                std::fs::write(dir.join(format!("{email}.ics")), doc).expect("write sample");
                n += 1;
            }
        }
        println!("sample: {n} documents in {}", dir.display());
    }
}
