//! A fuzz driver for the calendar reader (`touchbase::core::daysoff::read`):
//! for a given number of seconds, feeds it random bytes and mutations of
//! real calendars (cut, spliced, bit-flipped, with hostile lines inserted),
//! checks that each read returns within a bound, and prints how many
//! inputs ran. The test suite runs the same properties briefly (proptest);
//! this runs them for as long as asked:
//!
//! ```sh
//! cargo run --example fuzz_daysoff -- 600 ../shared/reference/holidays/*.ics
//! ```

use std::time::{Duration, Instant};

use jiff::civil::date;
use touchbase::core::daysoff::{read, Kind};
use touchbase::core::schedule::Window;

/// xorshift64*: deterministic for a given seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
}

const TOKENS: [&[u8]; 10] = [
    b"RRULE:FREQ=DAILY;INTERVAL=1\r\n",
    b"RRULE:FREQ=SECONDLY;BYSETPOS=-1\r\n",
    b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3;COUNT=4000000000\r\n",
    b"BEGIN:VEVENT\r\n",
    b"END:VEVENT\r\n",
    b"DTSTART;TZID=Nowhere:99991231T235959\r\n",
    b"RECURRENCE-ID;RANGE=THISANDFUTURE:20030610\r\n",
    b"STATUS:CANCELLED\r\n",
    b"DTEND;VALUE=DATE:00010101\r\n",
    b"X-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..=rng.below(12) {
        if out.is_empty() {
            out.push(u8::try_from(rng.below(256)).unwrap_or(0));
            continue;
        }
        let at = rng.below(out.len());
        match rng.below(6) {
            0 => out[at] ^= 1 << rng.below(8),
            1 => {
                out.remove(at);
            }
            2 => out.insert(at, u8::try_from(rng.below(256)).unwrap_or(0)),
            3 => {
                let end = (at + rng.below(512)).min(out.len());
                let piece = out[at..end].to_vec();
                out.splice(at..at, piece);
            }
            4 => out.truncate(at),
            _ => {
                let line = out[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(line..line, token.iter().copied());
            }
        }
    }
    out
}

#[allow(clippy::disallowed_methods)] // a fuzz driver measures its own time
fn main() {
    // FUZZ_FILE=PATH: read that one file, say how long it took, and stop.
    if let Ok(path) = std::env::var("FUZZ_FILE") {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let window = Window {
            from: date(2000, 1, 1),
            until: date(2032, 1, 1),
        };
        for kind in [Kind::Holidays, Kind::OutOfOffice] {
            let one = Instant::now();
            let r = read(&bytes, kind, window).map(|d| d.days.len());
            println!("{path} as {}: {r:?} in {:?}", kind.as_str(), one.elapsed());
        }
        return;
    }
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let seeds: Vec<Vec<u8>> = args.filter_map(|p| std::fs::read(p).ok()).collect();
    let window = Window {
        from: date(2000, 1, 1),
        until: date(2032, 1, 1),
    };
    // FUZZ_DUMP=N: write input N to fuzz-input.ics instead of reading it
    // (the sequence is the same on every run).
    let dump: Option<u64> = std::env::var("FUZZ_DUMP").ok().and_then(|v| v.parse().ok());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    let (mut inputs, mut ok, mut slowest) = (0u64, 0u64, Duration::ZERO);
    while started.elapsed() < Duration::from_secs(seconds) {
        let input = if seeds.is_empty() || rng.below(4) == 0 {
            (0..rng.below(4096))
                .map(|_| u8::try_from(rng.below(256)).unwrap_or(0))
                .collect()
        } else {
            let pick = rng.below(seeds.len());
            mutate(&mut rng, &seeds[pick])
        };
        if dump == Some(inputs) {
            let _ = std::fs::write("fuzz-input.ics", &input);
            println!("input {inputs} written to fuzz-input.ics");
            return;
        }
        let kind = if rng.below(2) == 0 {
            Kind::Holidays
        } else {
            Kind::OutOfOffice
        };
        let one = Instant::now();
        if dump.is_some() {
            inputs += 1;
            continue;
        }
        if read(&input, kind, window).is_ok() {
            ok += 1;
        }
        let took = one.elapsed();
        slowest = slowest.max(took);
        assert!(
            took < Duration::from_secs(5),
            "input {inputs} took {took:?}"
        );
        inputs += 1;
    }
    println!(
        "{inputs} inputs in {:?} ({ok} read as calendars), slowest {slowest:?}",
        started.elapsed()
    );
}
