//! Every feed of one roster, rendered in one pass.
//!
//! Each active pair is in two feeds (its manager's and its report's), and
//! every feed of a pass shares the window and the `DTSTAMP`. So a pair's
//! events are computed and its `VEVENT`s rendered once, each zone's
//! `VTIMEZONE` once per earliest date it must cover, and a person's
//! document is then their header followed by copies of those blocks. The
//! bytes are exactly those [`super::render`] writes for the same roster,
//! history, window, organizer and `now`.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::{
    write_calname, write_header_end, write_header_start, write_zone, UnknownPerson, ZoneSpans,
};
use crate::core::events::{pair_events, Organizer};
use crate::core::ical::event::{write_series_cached, SeriesCache};
use crate::core::ical::{utc_datetime, Writer};
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::Window;
use crate::core::series::History;

/// Every person's feed of one roster, for one window and one `now`.
///
/// Built by [`FeedSet::render`]; a document is then only copied together
/// from blocks rendered once, so serving one by address is cheap.
#[derive(Debug, Clone)]
pub struct FeedSet<'r> {
    /// Everyone with a feed, found by lowercased address in `index`.
    people: Vec<Person<'r>>,
    index: HashMap<String, usize>,
    /// The header lines before and after the name, the same in all feeds.
    header_start: String,
    header_end: String,
    /// The `VEVENT`s of every active pair, one pair after the other, in
    /// large chunks rather than one allocation per pair.
    chunks: Vec<String>,
    /// Per active pair, in roster order: its chunk and its bytes there.
    pairs: Vec<(usize, Range<usize>)>,
    /// The `VTIMEZONE`s the feeds use, one after the other.
    zones: String,
    /// Per distinct zone and earliest date: its bytes in `zones`.
    zone_blocks: Vec<Range<usize>>,
}

/// One person with a feed.
#[derive(Debug, Clone)]
struct Person<'r> {
    name: &'r str,
    /// Indices into [`FeedSet::pairs`], in roster order.
    pairs: Vec<usize>,
    /// Indices into [`FeedSet::zone_blocks`], in `TZID` order.
    zones: Vec<usize>,
}

/// The size of a chunk of [`FeedSet::chunks`]: chunks of fixed capacity,
/// because one growing buffer would copy all rendered so far each time it
/// doubled.
const CHUNK: usize = 32 << 20;

/// A pair starts a new chunk when less than this is left in the current
/// one, so that a pair's block (a few KB) never makes a chunk reallocate.
const PAIR_ROOM: usize = 1 << 20;

/// A zone one pair uses and the earliest date it must cover.
type Span<'r> = (&'r str, &'r TimeZone, Date);

impl<'r> FeedSet<'r> {
    /// Renders the feed of everyone in `roster` for `window`; `now` is the
    /// `DTSTAMP` of them all.
    pub fn render(
        roster: &'r Roster,
        history: &History,
        window: Window,
        organizer: Organizer<'_>,
        now: Timestamp,
    ) -> Self {
        Self::render_on(roster, history, window, organizer, now, 1)
    }

    /// [`FeedSet::render`] with the pairs' events split over `threads`
    /// scoped threads (0 counts as 1). The result is the same.
    pub fn render_on(
        roster: &'r Roster,
        history: &History,
        window: Window,
        organizer: Organizer<'_>,
        now: Timestamp,
        threads: usize,
    ) -> Self {
        let dtstamp = utc_datetime(now);
        let active: Vec<&Pair> = roster.active_pairs().collect();
        let per_thread = active.len().div_ceil(threads.max(1)).max(1);
        let render =
            |part: &[&'r Pair]| render_blocks(roster, history, part, window, organizer, &dtstamp);
        let parts: Vec<Blocks<'_>> = if threads <= 1 {
            vec![render(&active)]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = active
                    .chunks(per_thread)
                    .map(|part| s.spawn(move || render(part)))
                    .collect();
                handles
                    .into_iter()
                    // A panic in a part is the panic a single thread would
                    // have had: raise it here.
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect()
            })
        };
        // The parts' blocks, renumbered to follow one another.
        let mut chunks = Vec::new();
        let mut pairs = Vec::with_capacity(active.len());
        let mut spans: Vec<Span<'_>> = Vec::new();
        let mut pair_spans: Vec<Range<usize>> = Vec::with_capacity(active.len());
        for part in parts {
            let (chunk0, span0) = (chunks.len(), spans.len());
            pairs.extend(part.pairs.into_iter().map(|(c, r)| (c + chunk0, r)));
            pair_spans.extend(
                part.pair_spans
                    .into_iter()
                    .map(|r| r.start + span0..r.end + span0),
            );
            chunks.extend(part.chunks);
            spans.extend(part.spans);
        }

        let (mut people, index) = index_people(roster);
        let mut zones = Writer::new();
        let mut zone_blocks = Vec::new();
        // The window is the same for every feed of the pass, so a zone's
        // block depends only on the zone and its earliest date. That the
        // `TZID` stands for the rules rests on a series' zone being looked
        // up by its name.
        let mut zone_index: HashMap<(&str, Date), usize> = HashMap::new();
        for person in &mut people {
            let mut used = ZoneSpans::default();
            for &p in &person.pairs {
                let range = pair_spans.get(p).cloned().unwrap_or_default();
                for &(tzid, tz, first) in spans.get(range).unwrap_or_default() {
                    used.add(tzid, tz, first);
                }
            }
            for (tzid, tz, first) in used.iter() {
                let index = *zone_index.entry((tzid, first)).or_insert_with(|| {
                    let start = zones.as_str().len();
                    write_zone(&mut zones, tzid, tz, first, window);
                    zone_blocks.push(start..zones.as_str().len());
                    zone_blocks.len() - 1
                });
                person.zones.push(index);
            }
        }

        let mut header_start = Writer::new();
        write_header_start(&mut header_start);
        let mut header_end = Writer::new();
        write_header_end(&mut header_end);
        FeedSet {
            people,
            index,
            header_start: header_start.finish(),
            header_end: header_end.finish(),
            chunks,
            pairs,
            zones: zones.finish(),
            zone_blocks,
        }
    }

    /// The feed of `email` (any case, surrounding space ignored).
    pub fn get(&self, email: &str) -> Result<String, UnknownPerson> {
        let mut out = String::new();
        self.write_to(email, &mut out)?;
        Ok(out)
    }

    /// Writes the feed of `email` into `out`, replacing what it held: a
    /// caller serving many feeds reuses one buffer.
    pub fn write_to(&self, email: &str, out: &mut String) -> Result<(), UnknownPerson> {
        // Addresses as `emails` gives them need no normalising copy.
        let slot = match self.index.get(email) {
            Some(&i) => Some(i),
            None => self.index.get(&email.trim().to_ascii_lowercase()).copied(),
        };
        let person = slot
            .and_then(|i| self.people.get(i))
            .ok_or_else(|| UnknownPerson(email.trim().to_string()))?;
        self.write_person(person, out);
        Ok(())
    }

    /// The addresses that have a feed, lowercased, in no particular order.
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(String::as_str)
    }

    /// How many people have a feed.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// Whether nobody has a feed.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    fn write_person(&self, person: &Person<'_>, out: &mut String) {
        let zones = person
            .zones
            .iter()
            .filter_map(|&z| self.zone_blocks.get(z))
            .filter_map(|r| self.zones.get(r.clone()));
        let pairs = person
            .pairs
            .iter()
            .filter_map(|&p| self.pairs.get(p))
            .filter_map(|(chunk, r)| self.chunks.get(*chunk)?.get(r.clone()));
        // The header and the closing line are well under 1 KB.
        let size: usize = zones.clone().chain(pairs.clone()).map(str::len).sum();
        out.clear();
        out.reserve(size + 1024);
        let mut w = Writer::from_buffer(std::mem::take(out));
        w.push_lines(&self.header_start);
        write_calname(&mut w, person.name);
        w.push_lines(&self.header_end);
        for block in zones.chain(pairs) {
            w.push_lines(block);
        }
        w.end("VCALENDAR");
        *out = w.finish();
    }
}

/// Everyone with a feed and their pairs (indices among the active pairs),
/// found exactly as [`super::person_pairs`] finds them: a manager by their
/// entry (the first, named as there), anyone else as the report of a pair.
/// Returns them with their index by lowercased address.
fn index_people(roster: &Roster) -> (Vec<Person<'_>>, HashMap<String, usize>) {
    let mut people = Vec::with_capacity(roster.managers.len() + roster.pairs.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(people.capacity());
    let managers: Vec<usize> = roster
        .managers
        .iter()
        .map(|m| add(&mut people, &mut index, m.person.key(), &m.person.name))
        .collect();
    for (i, p) in roster.active_pairs().enumerate() {
        // Validation gives a pair the very entry of its manager; only if
        // that did not hold would the address have to be looked up.
        let manager = match roster.managers.get(p.manager_index) {
            Some(m) if Arc::ptr_eq(&m.person, &p.manager) => managers.get(p.manager_index).copied(),
            _ => index.get(&p.manager.key()).copied(),
        };
        if let Some(entry) = manager.and_then(|m| people.get_mut(m)) {
            entry.pairs.push(i);
        }
        let report = add(&mut people, &mut index, p.report.key(), &p.report.name);
        // Someone who reports to themselves is caught by validation; this
        // keeps a pair from appearing twice regardless.
        if let Some(entry) = people.get_mut(report) {
            if entry.pairs.last() != Some(&i) {
                entry.pairs.push(i);
            }
        }
    }
    (people, index)
}

/// The rendered `VEVENT`s and the zones of consecutive active pairs.
struct Blocks<'a> {
    chunks: Vec<String>,
    /// Per pair: its chunk and its bytes there.
    pairs: Vec<(usize, Range<usize>)>,
    /// Every pair's zones, flat, and per pair its range in there.
    spans: Vec<Span<'a>>,
    pair_spans: Vec<Range<usize>>,
}

fn render_blocks<'a>(
    roster: &'a Roster,
    history: &'a History,
    part: &[&'a Pair],
    window: Window,
    organizer: Organizer<'_>,
    dtstamp: &str,
) -> Blocks<'a> {
    let mut cache = SeriesCache::new(&roster.bank);
    let mut out = Blocks {
        chunks: Vec::new(),
        pairs: Vec::with_capacity(part.len()),
        spans: Vec::new(),
        pair_spans: Vec::with_capacity(part.len()),
    };
    let mut w = Writer::with_capacity(CHUNK);
    for &pair in part {
        let events = pair_events(roster, pair, history.of(pair), window);
        if CHUNK.saturating_sub(w.as_str().len()) < PAIR_ROOM {
            let full = std::mem::replace(&mut w, Writer::with_capacity(CHUNK));
            out.chunks.push(full.finish());
        }
        let start = w.as_str().len();
        for e in &events {
            write_series_cached(&mut w, e, organizer, dtstamp, &mut cache);
        }
        out.pairs.push((out.chunks.len(), start..w.as_str().len()));
        let mut zones = ZoneSpans::default();
        for e in &events {
            zones.add_series(e, window);
        }
        let first = out.spans.len();
        out.spans.extend(zones.iter());
        out.pair_spans.push(first..out.spans.len());
    }
    out.chunks.push(w.finish());
    out
}

/// The slot of `key`, added for `name` if it is new.
fn add<'r>(
    people: &mut Vec<Person<'r>>,
    index: &mut HashMap<String, usize>,
    key: String,
    name: &'r str,
) -> usize {
    *index.entry(key).or_insert_with(|| {
        people.push(Person {
            name,
            pairs: Vec::new(),
            zones: Vec::new(),
        });
        people.len() - 1
    })
}
