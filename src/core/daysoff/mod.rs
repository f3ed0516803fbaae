//! Days off read from calendars people already keep: a public-holiday feed
//! or a person's own calendar, as iCalendar (RFC 5545) bytes in, a set of
//! dates out.
//!
//! The text is parsed by `calcard` (unfolding, parameters, time zones by
//! IANA or Windows name, `RRULE`); recurrences are expanded one series at a
//! time, so one runaway rule cannot starve the others. Overrides
//! (`RECURRENCE-ID`) replace the instance they name, and `STATUS:CANCELLED`
//! removes an event or one instance. Which events count depends on the
//! source's [`Kind`]:
//!
//! - `holidays`: every event's days are days off.
//! - `out_of_office`: events marked out of office (`X-MICROSOFT-CDO-BUSYSTATUS`
//!   or `X-MICROSOFT-CDO-INTENDEDSTATUS` = `OOF`, as Outlook and Exchange
//!   publish them; `X-GOOGLE-EVENT-TYPE` or `X-EVENT-TYPE` =
//!   `OUT_OF_OFFICE`/`OUTOFOFFICE`; `FBTYPE=BUSY-UNAVAILABLE` on a `VFREEBUSY`
//!   period), all-day events that are not transparent (`TRANSP:OPAQUE`, the
//!   default, and not marked free), and the whole days (midnight to
//!   midnight in the event's zone) that a timed busy event covers: the forms
//!   a day away takes in Google's and Apple's feeds, which carry no
//!   out-of-office marker of their own (Google's out-of-office event is a
//!   timed one, from 00:00 to 00:00 when it is for whole days). A timed
//!   busy event that covers no whole day (a meeting, an afternoon off) is
//!   no day off.
//!
//! An event's days are the local dates it touches in its own zone (a floating
//! or all-day event: as written; a time in UTC, as Google writes single
//! events: on the owner's clock, the calendar's `X-WR-TIMEZONE`, when it
//! names one); an end at midnight does not touch the day it opens. Everything is bounded: input size, events, instances per series
//! and in all, and the length of one event, so a hostile file costs little.

use std::collections::{BTreeSet, HashMap, HashSet};

use calcard::common::timezone::Tz;
use calcard::common::PartialDateTime;
use calcard::icalendar::{
    dates::TimeOrDelta, ICalendar, ICalendarComponent, ICalendarComponentType,
    ICalendarFreeBusyType, ICalendarParameterName, ICalendarParameterValue, ICalendarPeriod,
    ICalendarProperty, ICalendarStatus, ICalendarTransparency, ICalendarValue,
};
use calcard::{Entry, Parser};
use jiff::civil::Date;

use crate::core::schedule::Window;

mod moves;

pub use moves::block_moves;

#[cfg(test)]
mod tests;

/// What a source's events mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Every event's days are days off.
    Holidays,
    /// Events marked out of office, and all-day busy events, are days off.
    OutOfOffice,
}

impl Kind {
    /// Parses the roster's spelling.
    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim() {
            "holidays" => Some(Kind::Holidays),
            "out_of_office" => Some(Kind::OutOfOffice),
            _ => None,
        }
    }

    /// The roster's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Holidays => "holidays",
            Kind::OutOfOffice => "out_of_office",
        }
    }
}

/// The most bytes a calendar may hold (the fetcher caps downloads at this).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most `VEVENT`s (and `VFREEBUSY` periods) read from one source.
pub const MAX_EVENTS: usize = 20_000;
/// The most instances one recurring series expands to.
pub const MAX_INSTANCES: usize = 4_000;
/// The most instances expanded from one source, all series together.
pub const MAX_TOTAL_INSTANCES: usize = 200_000;
/// The longest one event may be, in days (longer ones are cut).
pub const MAX_EVENT_DAYS: i32 = 366;

/// One event (or instance of a recurring one) inside the range: its first
/// and last day off, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Event {
    /// The first day.
    pub first: Date,
    /// The last day (equal to `first` for a one-day event).
    pub last: Date,
}

/// The days off a source gives inside a range of dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaysOff {
    /// The events that count, in date order.
    pub events: Vec<Event>,
    /// Every day off, sorted, no repeats.
    pub days: Vec<Date>,
}

impl DaysOff {
    /// Whether `date` is a day off.
    pub fn contains(&self, date: Date) -> bool {
        self.days.binary_search(&date).is_ok()
    }

    /// The events that touch `window`.
    pub fn events_in(&self, window: Window) -> impl Iterator<Item = &Event> {
        self.events
            .iter()
            .filter(move |e| e.first < window.until && e.last >= window.from)
    }
}

/// Where `next_day` moves a meeting dated `date` (a day off): the next
/// working day of both people (`work_days`, see
/// [`crate::core::roster::Placing::work_days`]) that is no day off
/// (`days_off`, sorted) and where the time is free (not in `blocked`,
/// sorted: see [`block_moves`]), and comes before `before` (the series' next
/// meeting, so a pair never meets twice between two dates of its
/// cadence), within a week. `None`: no such day, and the meeting is
/// skipped.
///
/// This is the one place the move rule lives.
pub fn next_day(
    date: Date,
    days_off: &[Date],
    work_days: u8,
    blocked: &[Date],
    before: Option<Date>,
) -> Option<Date> {
    let mut d = date;
    for _ in 0..7 {
        d = d.tomorrow().ok()?;
        if before.is_some_and(|b| d >= b) {
            return None;
        }
        let working = work_days & (1 << d.weekday().to_monday_zero_offset()) != 0;
        let free = blocked.binary_search(&d).is_err();
        if working && free && days_off.binary_search(&d).is_err() {
            return Some(d);
        }
    }
    None
}

/// The dates in the pair's zone (`pair_tz`) whose meeting at `time` falls,
/// for a manager in `manager_tz`, on one of `manager_days`: a manager's
/// days off as the pair's dates. Without a manager zone (or the same zone)
/// the dates are taken as they are.
pub fn in_pair_zone(
    manager_days: &[Date],
    manager_tz: Option<&jiff::tz::TimeZone>,
    pair_tz: &jiff::tz::TimeZone,
    time: jiff::civil::Time,
) -> Vec<Date> {
    let Some(mtz) = manager_tz.filter(|m| *m != pair_tz) else {
        return manager_days.to_vec();
    };
    let mut out = Vec::new();
    for &d in manager_days {
        for p in [d.yesterday().ok(), Some(d), d.tomorrow().ok()]
            .into_iter()
            .flatten()
        {
            let at = crate::core::schedule::resolve(pair_tz, p.to_datetime(time));
            if at.is_some_and(|(t, _)| t.to_zoned(mtz.clone()).date() == d) {
                out.push(p);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// What the days off `days` of calendar `index` of `roster` do to the
/// meetings in `window` of the active pairs that use it: how many are
/// skipped, and how many move (`next_day`, by the pair's days off from all
/// its calendars). Pauses are left out of both.
pub fn effects(
    roster: &crate::core::roster::Roster,
    index: usize,
    days: &DaysOff,
    window: Window,
) -> (usize, usize) {
    let (mut skipped, mut moved) = (0, 0);
    for p in roster
        .active_pairs()
        .filter(|p| p.calendars.contains(&index))
    {
        let mut bare = p.clone();
        bare.days_off = std::sync::Arc::from(Vec::new());
        // This source's days as the pair's dates.
        let mut mine: Vec<Date> = Vec::new();
        if p.report_calendars.contains(&index) {
            mine.extend(days.days.iter().copied());
        }
        if p.manager_calendars.contains(&index) {
            let manager_tz = roster
                .managers
                .get(p.manager_index)
                .and_then(|m| jiff::tz::db().get(&m.timezone).ok());
            mine.extend(in_pair_zone(&days.days, manager_tz.as_ref(), &p.tz, p.time));
        }
        mine.sort_unstable();
        mine.dedup();
        for slot in crate::core::schedule::slots(&bare, window)
            .filter(|s| mine.binary_search(&s.date).is_ok())
        {
            let following = crate::core::cadence::nth_date(p.start, p.cadence, slot.occurrence + 1);
            let moves = p.on_day_off == crate::core::roster::OnDayOff::NextDay
                && next_day(
                    slot.date,
                    &p.days_off,
                    p.placing.work_days,
                    &p.move_blocked,
                    following,
                )
                .is_some();
            if moves {
                moved += 1;
            } else {
                skipped += 1;
            }
        }
    }
    (skipped, moved)
}

/// Why a source could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Bigger than [`MAX_BYTES`].
    #[error("larger than {MAX_BYTES} bytes")]
    TooLarge,
    /// No `BEGIN:VCALENDAR` object in it.
    #[error("not an iCalendar file (no VCALENDAR)")]
    NotCalendar,
}

/// Reads the days off of `kind` that `bytes` (an iCalendar file) gives
/// inside `range`. Pure and bounded; never panics on any input.
pub fn read(bytes: &[u8], kind: Kind, range: Window) -> Result<DaysOff, ReadError> {
    if bytes.len() > MAX_BYTES {
        return Err(ReadError::TooLarge);
    }
    let text = String::from_utf8_lossy(bytes);
    let mut parser = Parser::new(&text);
    let mut calendars = Vec::new();
    let mut components = 0usize;
    loop {
        match parser.entry() {
            Entry::ICalendar(cal) => {
                components += cal.components.len();
                calendars.push(cal);
                if components > MAX_EVENTS * 4 {
                    break;
                }
            }
            Entry::Eof => break,
            Entry::UnterminatedComponent(_) | Entry::TooManyComponents => break,
            // A stray line or a vCard: read on.
            _ => {}
        }
    }
    let calendars: Vec<ICalendar> = calendars
        .into_iter()
        .filter(|c| {
            c.components
                .first()
                .is_some_and(|c| c.component_type == ICalendarComponentType::VCalendar)
        })
        .collect();
    if calendars.is_empty() {
        return Err(ReadError::NotCalendar);
    }
    let mut reader = Reader {
        kind,
        range,
        budget: MAX_TOTAL_INSTANCES,
        events: Vec::new(),
        seen: 0,
    };
    for cal in &calendars {
        reader.calendar(cal);
    }
    Ok(reader.finish())
}

struct Reader {
    kind: Kind,
    range: Window,
    /// Instances still allowed.
    budget: usize,
    events: Vec<Event>,
    /// Events looked at.
    seen: usize,
}

/// What one `VEVENT` says, beyond its dates.
struct Facts<'a> {
    uid: Option<&'a str>,
    cancelled: bool,
    recurrence_date: Option<Date>,
    counts: bool,
    /// Counts only for the dates it covers from midnight to midnight: a
    /// timed busy event in an `out_of_office` source, with no out-of-office
    /// marker.
    whole_days: bool,
}

impl Reader {
    fn calendar(&mut self, cal: &ICalendar) {
        let zones: Vec<ICalendarComponent> = cal.timezones().cloned().collect();
        let owner = owner_zone(cal);
        let vevents: Vec<(&ICalendarComponent, Facts<'_>)> = cal
            .components
            .iter()
            .filter(|c| c.component_type == ICalendarComponentType::VEvent)
            .take(MAX_EVENTS)
            .map(|c| (c, facts(c, self.kind)))
            .collect();
        // Overrides: the master's instance on each of these dates is replaced.
        let mut replaced: HashMap<&str, HashSet<Date>> = HashMap::new();
        // Masters that count, so their overrides count too.
        let mut counting: HashSet<&str> = HashSet::new();
        for (_, f) in &vevents {
            if let (Some(uid), Some(d)) = (f.uid, f.recurrence_date) {
                replaced.entry(uid).or_default().insert(d);
            }
            if let (Some(uid), None, true) = (f.uid, f.recurrence_date, f.counts) {
                if !f.cancelled {
                    counting.insert(uid);
                }
            }
        }
        let empty = HashSet::new();
        for (comp, f) in &vevents {
            if self.seen >= MAX_EVENTS || self.budget == 0 {
                return;
            }
            self.seen += 1;
            if f.cancelled {
                continue;
            }
            let counts = f.counts
                || (f.recurrence_date.is_some() && f.uid.is_some_and(|u| counting.contains(u)));
            if !counts {
                continue;
            }
            let skip = match (f.uid, f.recurrence_date) {
                (Some(uid), None) => replaced.get(uid).unwrap_or(&empty),
                _ => &empty,
            };
            self.expand(&zones, comp, skip, f.whole_days, owner);
        }
        if self.kind == Kind::OutOfOffice {
            for comp in cal
                .components
                .iter()
                .filter(|c| c.component_type == ICalendarComponentType::VFreebusy)
            {
                self.free_busy(comp);
            }
        }
    }

    /// Expands one event (a series, or a single one) with calcard, alone in
    /// a calendar with the source's time zones.
    fn expand(
        &mut self,
        zones: &[ICalendarComponent],
        comp: &ICalendarComponent,
        skip: &HashSet<Date>,
        whole_days: bool,
        owner: Option<Tz>,
    ) {
        let mut alone = ICalendar {
            components: Vec::with_capacity(zones.len() + 1),
        };
        alone.components.extend(zones.iter().cloned());
        // The override keys of calcard's expansion are not needed: each
        // event is expanded on its own, without RECURRENCE-ID.
        let mut comp = comp.clone();
        comp.entries
            .retain(|e| e.name != ICalendarProperty::RecurrenceId);
        self.clamp_rule(&mut comp);
        alone.components.push(comp);
        let limit = MAX_INSTANCES.min(self.budget);
        let expanded = alone.expand_dates(Tz::Floating, limit);
        self.budget = self.budget.saturating_sub(expanded.events.len().max(1));
        for e in expanded.events {
            // Overrides name the instance by its date as written.
            if to_date(e.start.date_naive()).is_none_or(|d| skip.contains(&d)) {
                continue;
            }
            let end = match e.end {
                TimeOrDelta::Time(t) => Some(t),
                TimeOrDelta::Delta(d) => e.start.checked_add_signed(d),
            };
            // A time in UTC (Google's export writes single events so) is
            // read on the wall clock of the calendar's owner.
            let (start, end) = match owner.filter(|_| e.start.timezone().is_utc()) {
                Some(tz) => (
                    e.start.with_timezone(&tz).naive_local(),
                    end.map(|t| t.with_timezone(&tz).naive_local()),
                ),
                None => (e.start.naive_local(), end.map(|t| t.naive_local())),
            };
            let Some(first) = to_date(start.date()) else {
                continue;
            };
            if whole_days {
                if let Some((first, last)) = end.and_then(|end| whole(start, end)) {
                    self.push(first, last);
                }
                continue;
            }
            let last = end.and_then(|end| last_day(start, end)).unwrap_or(first);
            self.push(first, last);
        }
    }

    /// Ends a rule that runs past the range (no `UNTIL`, or a later one) at
    /// the end of the range, in the shape of its `DTSTART` (a date, or a
    /// UTC date-time), so expansion stops where nothing more can count.
    fn clamp_rule(&self, comp: &mut ICalendarComponent) {
        let has_time = comp.entries.iter().any(|e| {
            e.name == ICalendarProperty::Dtstart
                && matches!(e.values.first(), Some(ICalendarValue::PartialDateTime(dt)) if dt.has_time())
        });
        let end = self.range.until;
        let until = PartialDateTime {
            year: u16::try_from(end.year()).ok(),
            month: u8::try_from(end.month()).ok(),
            day: u8::try_from(end.day()).ok(),
            hour: has_time.then_some(0),
            minute: has_time.then_some(0),
            second: has_time.then_some(0),
            tz_hour: has_time.then_some(0),
            tz_minute: has_time.then_some(0),
            tz_minus: false,
        };
        for e in &mut comp.entries {
            if e.name != ICalendarProperty::Rrule {
                continue;
            }
            for v in &mut e.values {
                let ICalendarValue::RecurrenceRule(rule) = v else {
                    continue;
                };
                // With a COUNT too: the rule then stops at whichever
                // comes first, which is what the range needs.
                let beyond = rule.until.as_ref().is_none_or(|u| {
                    (u.year, u.month, u.day) > (until.year, until.month, until.day)
                });
                if beyond {
                    rule.until = Some(until.clone());
                }
            }
        }
    }

    /// `FREEBUSY;FBTYPE=BUSY-UNAVAILABLE` periods of a `VFREEBUSY`.
    fn free_busy(&mut self, comp: &ICalendarComponent) {
        for entry in &comp.entries {
            if entry.name != ICalendarProperty::Freebusy {
                continue;
            }
            let unavailable = entry.parameters(&ICalendarParameterName::Fbtype).any(|p| {
                matches!(
                    p,
                    ICalendarParameterValue::Fbtype(ICalendarFreeBusyType::BusyUnavailable)
                )
            });
            if !unavailable {
                continue;
            }
            for v in &entry.values {
                if self.seen >= MAX_EVENTS {
                    return;
                }
                self.seen += 1;
                let ICalendarValue::Period(period) = v else {
                    continue;
                };
                let (start, end) = match period {
                    ICalendarPeriod::Range { start, end } => (
                        start.to_date_time(),
                        end.to_date_time().map(|e| e.date_time),
                    ),
                    ICalendarPeriod::Duration { start, duration } => {
                        let s = start.to_date_time();
                        let e = s.as_ref().and_then(|s| {
                            duration
                                .to_time_delta()
                                .and_then(|d| s.date_time.checked_add_signed(d))
                        });
                        (s, e)
                    }
                };
                let Some(start) = start else { continue };
                let Some(first) = to_date(start.date_time.date()) else {
                    continue;
                };
                let last = end
                    .and_then(|end| last_day(start.date_time, end))
                    .unwrap_or(first);
                self.push(first, last);
            }
        }
    }

    fn push(&mut self, first: Date, last: Date) {
        let last = last.max(first).min(
            first
                .checked_add(jiff::Span::new().days(MAX_EVENT_DAYS - 1))
                .unwrap_or(first),
        );
        if first >= self.range.until || last < self.range.from {
            return;
        }
        self.events.push(Event { first, last });
    }

    fn finish(mut self) -> DaysOff {
        self.events.sort_unstable();
        self.events.dedup();
        let mut days = BTreeSet::new();
        for e in &self.events {
            let mut d = e.first.max(self.range.from);
            while d <= e.last && d < self.range.until {
                days.insert(d);
                match d.tomorrow() {
                    Ok(next) => d = next,
                    Err(_) => break,
                }
            }
        }
        DaysOff {
            events: self.events,
            days: days.into_iter().collect(),
        }
    }
}

/// The facts of one `VEVENT` that decide whether and how it counts.
fn facts(c: &ICalendarComponent, kind: Kind) -> Facts<'_> {
    let mut uid = None;
    let mut cancelled = false;
    let mut recurrence_date = None;
    let mut all_day = false;
    let mut transparent = false;
    let mut oof = false;
    let mut free = false;
    for e in &c.entries {
        let first = e.values.first();
        match (&e.name, first) {
            (ICalendarProperty::Uid, Some(ICalendarValue::Text(t))) => uid = Some(t.as_str()),
            (
                ICalendarProperty::Status,
                Some(ICalendarValue::Status(ICalendarStatus::Cancelled)),
            ) => {
                cancelled = true;
            }
            (ICalendarProperty::Status, Some(ICalendarValue::Text(t))) => {
                cancelled = t.eq_ignore_ascii_case("CANCELLED");
            }
            (ICalendarProperty::RecurrenceId, Some(ICalendarValue::PartialDateTime(dt))) => {
                recurrence_date = dt.to_date_time().and_then(|d| to_date(d.date_time.date()));
            }
            (ICalendarProperty::Dtstart, Some(ICalendarValue::PartialDateTime(dt))) => {
                all_day = !dt.has_time();
            }
            (
                ICalendarProperty::Transp,
                Some(ICalendarValue::Transparency(ICalendarTransparency::Transparent)),
            ) => transparent = true,
            (ICalendarProperty::Other(name), Some(ICalendarValue::Text(t))) => {
                let name = name.to_ascii_uppercase();
                let value = t.trim().to_ascii_uppercase();
                match name.as_str() {
                    "X-MICROSOFT-CDO-BUSYSTATUS" | "X-MICROSOFT-CDO-INTENDEDSTATUS" => {
                        oof |= value == "OOF";
                        free |= value == "FREE";
                    }
                    "X-GOOGLE-EVENT-TYPE" | "X-EVENT-TYPE" => {
                        oof |= value == "OUT_OF_OFFICE" || value == "OUTOFOFFICE";
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let busy = !transparent && !free;
    let counts = match kind {
        Kind::Holidays => true,
        Kind::OutOfOffice => oof || busy,
    };
    Facts {
        uid,
        cancelled,
        recurrence_date,
        counts,
        whole_days: kind == Kind::OutOfOffice && !oof && !all_day,
    }
}

/// The last local date an event from `start` to `end` touches: an end at
/// midnight does not touch the day it opens.
/// The zone of the calendar's owner, from `X-WR-TIMEZONE` (Google, Apple
/// and Outlook write it on a published calendar).
fn owner_zone(cal: &ICalendar) -> Option<Tz> {
    let top = cal.components.first()?;
    top.entries
        .iter()
        .find_map(|e| match (&e.name, e.values.first()) {
            (ICalendarProperty::Other(name), Some(ICalendarValue::Text(t)))
                if name.eq_ignore_ascii_case("X-WR-TIMEZONE") =>
            {
                t.trim().parse::<Tz>().ok().filter(|tz| !tz.is_floating())
            }
            _ => None,
        })
}

/// The first and last dates a timed event covers from midnight to
/// midnight (`None`: no whole day).
fn whole(start: chrono::NaiveDateTime, end: chrono::NaiveDateTime) -> Option<(Date, Date)> {
    let first = if start.time() == chrono::NaiveTime::MIN {
        start.date()
    } else {
        start.date().succ_opt()?
    };
    let last = end.date().pred_opt()?;
    (first <= last).then_some(())?;
    Some((to_date(first)?, to_date(last)?))
}

fn last_day(start: chrono::NaiveDateTime, end: chrono::NaiveDateTime) -> Option<Date> {
    if end <= start {
        return to_date(start.date());
    }
    let midnight = end.time() == chrono::NaiveTime::MIN;
    let day = if midnight {
        end.date().pred_opt()?
    } else {
        end.date()
    };
    to_date(day)
}

fn to_date(d: chrono::NaiveDate) -> Option<Date> {
    use chrono::Datelike;
    let year = i16::try_from(d.year()).ok()?;
    let month = i8::try_from(d.month()).ok()?;
    let day = i8::try_from(d.day()).ok()?;
    Date::new(year, month, day).ok()
}
