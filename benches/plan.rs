//! Benchmark: plan 100,000 pairs (10,000 managers x 10 reports) for 12 weeks,
//! prompts included, and report wall time and peak memory.
//!
//! Run with `cargo bench --bench plan`. The roster is generated as TOML text
//! and parsed like a real one, so the figures include what a reload costs.
//! A counting allocator gives the heap held and the peak of each stage; the
//! process's peak resident size (VmHWM) is printed as well.
// The clock rule (clippy.toml) is for the library: this benchmark measures wall time.
#![allow(clippy::disallowed_methods)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use jiff::civil::date;
use touchbase::core::plan::plan;
use touchbase::core::roster;
use touchbase::core::schedule::Window;
use touchbase::core::source::SourceText;

const MANAGERS: usize = 10_000;
const REPORTS: usize = 10;
const ZONES: &[&str] = &[
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
];
const CADENCES: &[&str] = &["weekly", "biweekly", "monthly", "every 3 weeks"];

/// Counts live heap bytes and their high-water mark.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Starts a new stage: the peak restarts from what is live now.
fn stage() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

fn roster_text() -> String {
    let mut s = String::with_capacity(MANAGERS * REPORTS * 120);
    for m in 0..MANAGERS {
        let _ = write!(
            s,
            "[[managers]]\nemail = \"m{m}@example.com\"\nname = \"Manager {m}\"\ntimezone = \"{}\"\n",
            ZONES[m % ZONES.len()]
        );
        for r in 0..REPORTS {
            let day = 1 + (m * REPORTS + r) % 28;
            let _ = write!(
                s,
                "[[managers.reports]]\nemail = \"r{m}-{r}@example.com\"\nstart = \"2027-01-{day:02}\"\ntime = \"{:02}:30\"\ncadence = \"{}\"\n",
                8 + r % 9,
                CADENCES[(m + r) % CADENCES.len()]
            );
            if r == 3 {
                s.push_str("skip_tags = [\"wellbeing\"]\n");
            }
        }
    }
    s
}

/// Peak resident set size so far, from /proc (Linux).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let text = roster_text();
    let before_parse = stage();
    let t = Instant::now();
    let roster = match roster::parse(&SourceText::new("bench.toml", text)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench roster is invalid: {e}");
            std::process::exit(1);
        }
    };
    let parse = t.elapsed();
    let parse_peak = PEAK.load(Ordering::Relaxed) - before_parse;
    let roster_heap = LIVE.load(Ordering::Relaxed) - before_parse;
    let rss_after_parse = peak_rss_mb();
    let before_plan = stage();
    let window = Window::weeks(date(2027, 3, 1), 12);
    let history = touchbase::core::series::History::new();
    let mut times = Vec::new();
    let mut plan_peak = 0;
    let mut meetings = 0;
    let mut prompts = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let planned = plan(&roster, &history, window, None);
        times.push(t.elapsed().as_secs_f64());
        plan_peak = plan_peak.max(PEAK.load(Ordering::Relaxed) - before_plan);
        meetings = planned.len();
        prompts = planned.iter().map(|m| m.prompts.len()).sum::<usize>();
    }
    times.sort_by(f64::total_cmp);
    println!("pairs:            {}", roster.pairs.len());
    println!("meetings planned: {meetings} ({prompts} prompts) over 12 weeks");
    println!(
        "roster parse:     {:.3} s, heap peak {:.0} MB, roster held {:.0} MB",
        parse.as_secs_f64(),
        mb(parse_peak),
        mb(roster_heap)
    );
    println!(
        "plan (5 runs):    best {:.3} s, median {:.3} s, worst {:.3} s",
        times[0], times[2], times[4]
    );
    println!(
        "plan heap peak:   {:.0} MB (meetings with prompts, over the roster held)",
        mb(plan_peak)
    );
    println!(
        "roster + plan:    {:.0} MB heap at most while planning",
        mb(roster_heap + plan_peak)
    );
    println!("process VmHWM:    {rss_after_parse:.0} MB (after reading the roster: its text and the roster)");
    placement_case();
}

/// Zones of the all-`auto` roster, each with a neighbour whose working
/// hours overlap its own (30- and 45-minute offsets, DST on both sides of
/// the Atlantic).
const AUTO_ZONES: &[(&str, &str)] = &[
    ("Europe/London", "Europe/Berlin"),
    ("Europe/Berlin", "Asia/Kolkata"),
    ("Asia/Kolkata", "Asia/Kathmandu"),
    ("Asia/Kathmandu", "Asia/Kolkata"),
    ("America/New_York", "Europe/London"),
    ("UTC", "America/New_York"),
];

/// The same 100,000 pairs with `time = "auto"`: every one placed.
fn auto_roster_text() -> String {
    let mut s = String::with_capacity(MANAGERS * REPORTS * 120);
    s.push_str("[defaults]\ntime = \"auto\"\n\n");
    for m in 0..MANAGERS {
        let (zone, neighbour) = AUTO_ZONES[m % AUTO_ZONES.len()];
        let _ = write!(
            s,
            "[[managers]]\nemail = \"m{m}@example.com\"\ntimezone = \"{zone}\"\n"
        );
        for r in 0..REPORTS {
            let day = 1 + (m * REPORTS + r) % 28;
            let _ = write!(
                s,
                "[[managers.reports]]\nemail = \"r{m}-{r}@example.com\"\nstart = \"2027-01-{day:02}\"\ntimezone = \"{}\"\ncadence = \"{}\"\n",
                if r % 3 == 0 { neighbour } else { zone },
                CADENCES[(m + r) % CADENCES.len()]
            );
        }
    }
    s
}

fn placement_case() {
    let roster = match roster::parse(&SourceText::new("auto.toml", auto_roster_text())) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench auto roster is invalid: {e}");
            std::process::exit(1);
        }
    };
    let sent = touchbase::core::reconcile::Sent::default();
    let mut times = Vec::new();
    for _ in 0..5 {
        let mut r = roster.clone();
        let t = Instant::now();
        let placed = touchbase::core::placement::place(&mut r, &sent);
        times.push(t.elapsed().as_secs_f64());
        if let Err(unplaced) = placed {
            eprintln!("{} pairs found no slot", unplaced.len());
            std::process::exit(1);
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "placement:        {} pairs, {} managers, all time = \"auto\"",
        roster.pairs.len(),
        roster.managers.len()
    );
    println!(
        "place (5 runs):   best {:.3} s, median {:.3} s, worst {:.3} s",
        times[0], times[2], times[4]
    );
}
