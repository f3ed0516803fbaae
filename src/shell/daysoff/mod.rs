//! Calendar sources of days off (`[[calendars]]`): fetching, the last good
//! copy in `state_dir/calendars/`, and reading them into the roster.
//!
//! Each URL source keeps `<id>.ics` (the last body that parsed) and
//! `<id>.json` (its `ETag`, `Last-Modified` and when it was fetched), both
//! 0600 in a 0700 folder. A fetch that fails, or brings something that is
//! not a calendar, leaves the last good copy in place. Path sources are
//! read directly, each time the roster is loaded. A URL source never
//! fetched yet gives no days off.

pub mod fetch;

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::core::daysoff::{self, DaysOff, MAX_BYTES};
use crate::core::roster::{Calendar, CalendarSource, Roster};
use crate::core::schedule::Window;
use crate::shell::private;

use fetch::{Fetched, Validators};

/// The folder under `state_dir` that holds the last good copies.
pub fn store_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("calendars")
}

/// What is kept beside a last good copy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Meta {
    /// The source URL it came from (a changed URL starts afresh).
    pub source: String,
    /// Its `ETag`.
    pub etag: Option<String>,
    /// Its `Last-Modified`.
    pub last_modified: Option<String>,
    /// When it was last fetched successfully (200 or 304), Unix seconds.
    pub fetched_at: i64,
}

fn body_path(state_dir: &Path, id: &str) -> PathBuf {
    store_dir(state_dir).join(format!("{id}.ics"))
}

fn meta_path(state_dir: &Path, id: &str) -> PathBuf {
    store_dir(state_dir).join(format!("{id}.json"))
}

/// The stored meta of `cal`, when it belongs to its current source.
pub fn stored_meta(state_dir: &Path, cal: &Calendar) -> Option<Meta> {
    let CalendarSource::Url(url) = &cal.source else {
        return None;
    };
    let text = std::fs::read_to_string(meta_path(state_dir, &cal.id)).ok()?;
    let meta: Meta = serde_json::from_str(&text).ok()?;
    (meta.source == *url).then_some(meta)
}

/// Writes `bytes` to `path` through a temporary file, mode 0600.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = private::create_file(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The dates days off are read for: whole calendar years around today and
/// the horizon, so the set changes only at New Year (and when a source
/// does), not every day.
pub fn range(today: Date, horizon_weeks: u32) -> Window {
    let from = Date::new(today.year().saturating_sub(1), 1, 1).unwrap_or(today);
    let end = today
        .checked_add(i64::from(horizon_weeks).saturating_mul(7).days())
        .unwrap_or(today);
    let until = Date::new(end.year().saturating_add(2), 1, 1).unwrap_or(Date::MAX);
    Window { from, until }
}

/// What is known of one source after loading.
#[derive(Debug, Clone)]
pub enum State {
    /// Read: its days off in [`range`].
    Read(DaysOff),
    /// A URL source with no copy yet: no days off.
    NeverFetched,
    /// A path source that cannot be read, or a stored copy that does not
    /// parse (the reason, with no roster value in it).
    Unreadable(String),
}

/// Reads every source of `roster` (path sources directly, URL sources from
/// their last good copy).
pub fn load_all(state_dir: &Path, roster: &Roster, window: Window) -> Vec<State> {
    roster
        .calendars
        .iter()
        .map(|cal| load_one(state_dir, cal, window))
        .collect()
}

fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut out = Vec::new();
    f.take(MAX_BYTES as u64 + 1).read_to_end(&mut out)?;
    Ok(out)
}

fn load_one(state_dir: &Path, cal: &Calendar, window: Window) -> State {
    let bytes = match &cal.source {
        CalendarSource::Path(p) => match read_capped(p) {
            Ok(b) => b,
            Err(e) => return State::Unreadable(format!("cannot read the file ({})", e.kind())),
        },
        CalendarSource::Url(_) => {
            if stored_meta(state_dir, cal).is_none() {
                return State::NeverFetched;
            }
            match read_capped(&body_path(state_dir, &cal.id)) {
                Ok(b) => b,
                Err(_) => return State::NeverFetched,
            }
        }
    };
    match daysoff::read(&bytes, cal.kind, window) {
        Ok(d) => State::Read(d),
        Err(e) => State::Unreadable(e.to_string()),
    }
}

/// Gives the pairs of `roster` the days off of `states`.
pub fn apply(roster: &mut Roster, states: &[State]) {
    let days: Vec<Option<&DaysOff>> = states
        .iter()
        .map(|s| match s {
            State::Read(d) => Some(d),
            _ => None,
        })
        .collect();
    roster.apply_days_off(&days);
}

/// Loads every source's days off into `roster` (no network).
pub fn load_into(state_dir: &Path, roster: &mut Roster, window: Window) -> Vec<State> {
    let states = load_all(state_dir, roster, window);
    apply(roster, &states);
    states
}

/// Fetches `cal` (a URL source) once, conditionally on its last good copy;
/// keeps the new body only when it reads as a calendar. `Ok(true)`: the
/// stored copy changed.
pub async fn refresh(state_dir: &Path, cal: &Calendar, now: Timestamp) -> Result<bool, String> {
    let CalendarSource::Url(url) = &cal.source else {
        return Ok(false);
    };
    let meta = stored_meta(state_dir, cal);
    let has_body = meta.is_some() && body_path(state_dir, &cal.id).exists();
    let validators = match (&meta, has_body) {
        (Some(m), true) => Validators {
            etag: m.etag.clone(),
            last_modified: m.last_modified.clone(),
        },
        _ => Validators::default(),
    };
    let fetched = fetch::fetch(url, &validators)
        .await
        .map_err(|e| e.to_string())?;
    private::create_dir_all(&store_dir(state_dir))
        .map_err(|e| format!("state folder: {}", e.kind()))?;
    let (changed, validators) = match fetched {
        Fetched::NotModified if has_body => (false, validators),
        Fetched::NotModified => return Err("304 without a stored copy".into()),
        Fetched::Body(bytes, v) => {
            // Garbage never replaces a good copy.
            let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
            daysoff::read(&bytes, cal.kind, range(today, 1)).map_err(|e| e.to_string())?;
            write_private(&body_path(state_dir, &cal.id), &bytes)
                .map_err(|e| format!("cannot store the copy ({})", e.kind()))?;
            (true, v)
        }
    };
    let meta = Meta {
        source: url.clone(),
        etag: validators.etag,
        last_modified: validators.last_modified,
        fetched_at: now.as_second(),
    };
    let json = serde_json::to_vec(&meta).map_err(|e| e.to_string())?;
    write_private(&meta_path(state_dir, &cal.id), &json)
        .map_err(|e| format!("cannot store the copy ({})", e.kind()))?;
    Ok(changed)
}

/// When `cal` is next due for a refresh (`None`: a path source).
pub fn next_refresh(state_dir: &Path, cal: &Calendar) -> Option<Timestamp> {
    let CalendarSource::Url(_) = &cal.source else {
        return None;
    };
    let at = stored_meta(state_dir, cal).map_or(0, |m| m.fetched_at);
    Timestamp::from_second(at)
        .ok()?
        .checked_add(cal.refresh)
        .ok()
}

/// For the commands that only read (`check`, `preview`, ...): fetches each
/// URL source that has no stored copy yet, once, and returns the sources
/// that failed with why. Needs no running daemon.
pub fn fetch_missing(state_dir: &Path, roster: &Roster, now: Timestamp) -> Vec<(String, String)> {
    let missing: Vec<&Calendar> = roster
        .calendars
        .iter()
        .filter(|c| {
            matches!(c.source, CalendarSource::Url(_)) && stored_meta(state_dir, c).is_none()
        })
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return vec![(String::new(), e.to_string())],
    };
    rt.block_on(async {
        let mut failed = Vec::new();
        for cal in missing {
            if let Err(e) = refresh(state_dir, cal, now).await {
                failed.push((cal.id.clone(), e));
            }
        }
        failed
    })
}
