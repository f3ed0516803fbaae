//! The `series` and `occurrences` tables as the core's typed model
//! ([`Sent`]): dates, times, cadences and zones are parsed here, once, and a
//! value that does not parse is a [`Corrupt`] error naming the row and the
//! column.

use std::path::Path;

use jiff::civil::{Date, DateTime, Time};
use rusqlite::{params, Connection, Transaction};

use super::LedgerError;
use crate::core::cadence::Cadence;
use crate::core::ical::local_datetime;
use crate::core::reconcile::{
    OccurrenceState, Sent, SentOccurrence, SentSeries, SeriesState, Shape, Who, Zone,
};

/// A row's column that does not hold what it should.
#[derive(Debug)]
pub(super) struct Corrupt {
    table: &'static str,
    key: String,
    column: &'static str,
    found: String,
    expected: &'static str,
}

impl Corrupt {
    /// The error, naming the ledger file.
    pub fn at(self, path: &Path) -> LedgerError {
        LedgerError::Corrupt {
            path: path.to_path_buf(),
            table: self.table,
            key: self.key,
            column: self.column,
            found: self.found,
            expected: self.expected,
        }
    }
}

/// One `series` row as SQLite holds it.
struct SeriesRow {
    uid: String,
    pair_uid: String,
    manager: String,
    manager_name: String,
    report: String,
    report_name: String,
    sequence: u32,
    state: String,
    anchor: String,
    first_date: String,
    until_date: Option<String>,
    time: String,
    cadence: String,
    duration_minutes: u32,
    timezone: String,
    paused_until: Option<String>,
    paused_from: Option<String>,
    location: String,
    fingerprint: String,
}

/// One `occurrences` row as SQLite holds it.
struct OccurrenceRow {
    uid: String,
    recurrence_id: String,
    fingerprint: String,
    state: String,
}

/// Both tables, as read.
pub(super) struct Raw {
    series: Vec<SeriesRow>,
    occurrences: Vec<OccurrenceRow>,
}

/// Reads both tables, series grouped by pair and oldest first.
pub(super) fn read(conn: &Connection) -> rusqlite::Result<Raw> {
    read_series(conn, "1").and_then(|series| read_occurrences(conn, series))
}

/// The series rows that match `filter` (an SQL condition), and no
/// occurrences.
pub(super) fn read_where(conn: &Connection, filter: &str) -> rusqlite::Result<Raw> {
    Ok(Raw {
        series: read_series(conn, filter)?,
        occurrences: Vec::new(),
    })
}

fn read_series(conn: &Connection, filter: &str) -> rusqlite::Result<Vec<SeriesRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT uid, pair_uid, manager, manager_name, report, report_name, sequence, state,
                anchor, first_date, until_date, time, cadence, duration_minutes, timezone,
                paused_until, fingerprint, paused_from, location
         FROM series WHERE {filter} ORDER BY pair_uid, first_date"
    ))?;
    let series = stmt
        .query_map([], |r| {
            Ok(SeriesRow {
                uid: r.get(0)?,
                pair_uid: r.get(1)?,
                manager: r.get(2)?,
                manager_name: r.get(3)?,
                report: r.get(4)?,
                report_name: r.get(5)?,
                sequence: r.get(6)?,
                state: r.get(7)?,
                anchor: r.get(8)?,
                first_date: r.get(9)?,
                until_date: r.get(10)?,
                time: r.get(11)?,
                cadence: r.get(12)?,
                duration_minutes: r.get(13)?,
                timezone: r.get(14)?,
                paused_until: r.get(15)?,
                fingerprint: r.get(16)?,
                paused_from: r.get(17)?,
                location: r.get(18)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(series)
}

fn read_occurrences(conn: &Connection, series: Vec<SeriesRow>) -> rusqlite::Result<Raw> {
    let mut stmt = conn.prepare(
        "SELECT uid, recurrence_id, fingerprint, state FROM occurrences ORDER BY uid, recurrence_id",
    )?;
    let occurrences = stmt
        .query_map([], |r| {
            Ok(OccurrenceRow {
                uid: r.get(0)?,
                recurrence_id: r.get(1)?,
                fingerprint: r.get(2)?,
                state: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Raw {
        series,
        occurrences,
    })
}

/// Parses `value` of `column`, or says which row holds what.
fn field<T>(
    table: &'static str,
    key: &str,
    column: &'static str,
    value: &str,
    expected: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, Corrupt> {
    parse(value).ok_or_else(|| Corrupt {
        table,
        key: key.to_string(),
        column,
        found: value.to_string(),
        expected,
    })
}

fn date(s: &str) -> Option<Date> {
    s.parse().ok()
}

fn time(s: &str) -> Option<Time> {
    Time::strptime("%H:%M", s).ok()
}

fn recurrence_id(s: &str) -> Option<DateTime> {
    DateTime::strptime("%Y%m%dT%H%M%S", s).ok()
}

const DATE: &str = "a date as YYYY-MM-DD";

impl SeriesRow {
    fn into_sent(self) -> Result<SentSeries, Corrupt> {
        let t = "series";
        let k = self.uid.as_str();
        let state = field(
            t,
            k,
            "state",
            &self.state,
            "active, ended or cancelled",
            SeriesState::parse,
        )?;
        let opt_date = |column, v: &Option<String>| match v {
            Some(v) => field(t, k, column, v, DATE, date).map(Some),
            None => Ok(None),
        };
        let until_date = opt_date("until_date", &self.until_date)?;
        if state == SeriesState::Ended && until_date.is_none() {
            return Err(Corrupt {
                table: t,
                key: k.to_string(),
                column: "until_date",
                found: "NULL".into(),
                expected: "a date for an ended series",
            });
        }
        let tz = field(
            t,
            k,
            "timezone",
            &self.timezone,
            "an IANA time zone name",
            |z| jiff::tz::db().get(z).ok(),
        )?;
        Ok(SentSeries {
            shape: Shape {
                anchor: field(t, k, "anchor", &self.anchor, DATE, date)?,
                time: field(t, k, "time", &self.time, "a time as HH:MM", time)?,
                cadence: field(t, k, "cadence", &self.cadence, "a cadence", Cadence::parse)?,
                duration_minutes: self.duration_minutes,
                zone: Zone {
                    name: self.timezone,
                    tz,
                },
            },
            first_date: field(t, k, "first_date", &self.first_date, DATE, date)?,
            paused_until: opt_date("paused_until", &self.paused_until)?,
            paused_from: opt_date("paused_from", &self.paused_from)?,
            location: self.location,
            until_date,
            state,
            manager: Who {
                email: self.manager,
                name: self.manager_name,
            },
            report: Who {
                email: self.report,
                name: self.report_name,
            },
            sequence: self.sequence,
            pair_uid: self.pair_uid,
            fingerprint: self.fingerprint,
            uid: self.uid,
        })
    }
}

impl OccurrenceRow {
    fn into_sent(self) -> Result<SentOccurrence, Corrupt> {
        let t = "occurrences";
        let k = format!("{} {}", self.uid, self.recurrence_id);
        Ok(SentOccurrence {
            recurrence_id: field(
                t,
                &k,
                "recurrence_id",
                &self.recurrence_id,
                "a local date-time as YYYYMMDDTHHMMSS",
                recurrence_id,
            )?,
            state: field(
                t,
                &k,
                "state",
                &self.state,
                "sent or cancelled",
                OccurrenceState::parse,
            )?,
            uid: self.uid,
            fingerprint: self.fingerprint,
        })
    }
}

impl Raw {
    /// The typed model, or the first row that does not parse.
    pub fn into_sent(self) -> Result<Sent, Corrupt> {
        Ok(Sent {
            series: self
                .series
                .into_iter()
                .map(SeriesRow::into_sent)
                .collect::<Result<_, _>>()?,
            occurrences: self
                .occurrences
                .into_iter()
                .map(OccurrenceRow::into_sent)
                .collect::<Result<_, _>>()?,
        })
    }
}

/// Writes the series and occurrence states of a reconcile, inside `tx`.
pub(super) fn write(
    tx: &Transaction<'_>,
    series: &[SentSeries],
    occurrences: &[SentOccurrence],
    now: i64,
) -> rusqlite::Result<()> {
    let mut put_series = tx.prepare_cached(
        "INSERT INTO series (uid, pair_uid, manager, manager_name, report, report_name, sequence,
                             state, anchor, first_date, until_date, time, cadence,
                             duration_minutes, timezone, paused_until, fingerprint, updated_at,
                             paused_from, location)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19, ?20)
         ON CONFLICT (uid) DO UPDATE SET
             pair_uid = excluded.pair_uid, manager = excluded.manager,
             manager_name = excluded.manager_name, report = excluded.report,
             report_name = excluded.report_name, paused_until = excluded.paused_until,
             sequence = excluded.sequence, state = excluded.state, anchor = excluded.anchor,
             first_date = excluded.first_date, until_date = excluded.until_date,
             time = excluded.time, cadence = excluded.cadence,
             duration_minutes = excluded.duration_minutes, timezone = excluded.timezone,
             fingerprint = excluded.fingerprint, updated_at = excluded.updated_at,
             paused_from = excluded.paused_from, location = excluded.location",
    )?;
    for s in series {
        put_series.execute(params![
            s.uid,
            s.pair_uid,
            s.manager.email,
            s.manager.name,
            s.report.email,
            s.report.name,
            s.sequence,
            s.state.as_str(),
            s.shape.anchor.to_string(),
            s.first_date.to_string(),
            s.until_date.map(|d| d.to_string()),
            s.shape.time.strftime("%H:%M").to_string(),
            s.shape.cadence.to_string(),
            s.shape.duration_minutes,
            s.shape.zone.name,
            s.paused_until.map(|d| d.to_string()),
            s.fingerprint,
            now,
            s.paused_from.map(|d| d.to_string()),
            s.location,
        ])?;
    }
    let mut put_occurrence = tx.prepare_cached(
        "INSERT INTO occurrences (uid, recurrence_id, fingerprint, state) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (uid, recurrence_id) DO UPDATE SET
             fingerprint = excluded.fingerprint, state = excluded.state",
    )?;
    for o in occurrences {
        put_occurrence.execute(params![
            o.uid,
            local_datetime(o.recurrence_id),
            o.fingerprint,
            o.state.as_str()
        ])?;
    }
    Ok(())
}
