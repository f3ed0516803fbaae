//! What each message of a reconcile says to its reader: the facts a
//! [`letter`](crate::core::letter) needs, gathered from the pair, its
//! series and the roster, and the letter that fits the message's kind.

use jiff::{SignedDuration, Timestamp, ToSpan};

use super::{Kind, Settings, Who};
use crate::core::events::SeriesEvents;
use crate::core::letter::{self, Block, Letter, Meeting, Reader, SeriesFacts, Stop, Zone};
use crate::core::plan::pair_meetings_with;
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::Window;
use crate::core::series::History;

/// How many of a new series' meetings its invitation lists.
const FIRST_MEETINGS: usize = 3;

/// The facts about one pair's series or meeting that its mails state.
#[derive(Debug, Clone)]
pub(super) struct About {
    /// The manager's zone.
    pub manager_zone: Zone,
    /// The meeting's zone (the report's).
    pub meeting_zone: Zone,
    /// For a series: the series.
    pub series: Option<SeriesFacts>,
    /// For one meeting's prompts: the meeting.
    pub meeting: Option<Meeting>,
    /// Where.
    pub location: String,
    /// For a series sent whole only to bring these meetings' prompts
    /// (`mail.updates = "series"`): their starts. The mail is then about
    /// the prompts, as a single meeting's would be.
    pub prompts_for: Vec<Timestamp>,
}

fn zones(roster: &Roster, pair: &Pair) -> (Zone, Zone) {
    let meeting = Zone {
        name: pair.timezone.clone(),
        tz: pair.tz.clone(),
    };
    let manager = roster
        .managers
        .get(pair.manager_index)
        .and_then(|m| Zone::named(&m.timezone))
        .unwrap_or_else(|| meeting.clone());
    (manager, meeting)
}

/// About the series `events` of `pair`: its next meetings, and those
/// inside the lead time with their prompts.
pub(super) fn series(
    roster: &Roster,
    pair: &Pair,
    history: &History,
    events: &SeriesEvents<'_>,
    settings: &Settings<'_>,
    now: Timestamp,
) -> About {
    let (manager_zone, meeting_zone) = zones(roster, pair);
    let today = now.to_zoned(pair.tz.clone()).date();
    let from = today.max(events.dtstart.date());
    let weeks = match events.series.cadence {
        crate::core::cadence::Cadence::Weeks(n) => u32::from(n) * 3 + 1,
        crate::core::cadence::Cadence::Monthly => 15,
    };
    let window = Window::weeks(from.checked_sub(1.day()).unwrap_or(from), weeks);
    let lead = SignedDuration::from_hours(24 * i64::from(settings.lead_days));
    let horizon = now.checked_add(lead).unwrap_or(now);
    let meetings: Vec<_> = pair_meetings_with(pair, history.of(pair), window)
        .into_iter()
        .filter(|m| m.uid == events.series.uid && m.start >= now)
        .collect();
    let upcoming = meetings
        .iter()
        .take(FIRST_MEETINGS)
        .map(|m| Meeting {
            start: m.start,
            prompts: Vec::new(),
        })
        .collect();
    let due = meetings
        .iter()
        .filter(|m| m.start <= horizon)
        .map(|m| Meeting {
            start: m.start,
            prompts: m.prompts(roster).map(|p| p.text.clone()).collect(),
        })
        .collect();
    About {
        manager_zone,
        meeting_zone,
        series: Some(SeriesFacts {
            cadence: events.series.cadence.to_string(),
            duration_minutes: pair.duration_minutes,
            location: pair.location.clone(),
            upcoming,
            due,
            until: events.series.until,
            prompts: settings.prompts,
            lead_days: settings.lead_days,
        }),
        meeting: None,
        location: pair.location.clone(),
        prompts_for: Vec::new(),
    }
}

/// About one meeting of `pair` starting at `start`, with its prompts.
pub(super) fn meeting(
    roster: &Roster,
    pair: &Pair,
    start: Timestamp,
    prompts: Vec<String>,
) -> About {
    let (manager_zone, meeting_zone) = zones(roster, pair);
    About {
        manager_zone,
        meeting_zone,
        series: None,
        meeting: Some(Meeting { start, prompts }),
        location: pair.location.clone(),
        prompts_for: Vec::new(),
    }
}

/// The subject of a `kind` message to `to` about the 1:1 with `other`,
/// exactly as [`letter`] writes it, without gathering a series' facts.
pub(super) fn subject(
    kind: Kind,
    to: &Who,
    other: &Who,
    to_manager: bool,
    headline: &str,
    about: Option<&About>,
) -> String {
    match kind {
        Kind::NewSeries => letter::series_subject(&other.name, headline, false),
        Kind::UpdateSeries if about.is_none_or(|a| a.prompts_for.is_empty()) => {
            letter::series_subject(&other.name, headline, true)
        }
        _ => letter(kind, to, other, to_manager, headline, about).subject,
    }
}

/// The letter of a `kind` message to `to` about the 1:1 with `other`;
/// `to_manager` says which of the two `to` is. `headline` names the
/// series or meeting as the subject does.
pub(super) fn letter(
    kind: Kind,
    to: &Who,
    other: &Who,
    to_manager: bool,
    headline: &str,
    about: Option<&About>,
) -> Letter {
    let reader = about.map(|a| {
        let (mine, theirs) = if to_manager {
            (&a.manager_zone, &a.meeting_zone)
        } else {
            (&a.meeting_zone, &a.manager_zone)
        };
        Reader {
            name: to.name.clone(),
            zone: mine.clone(),
            is_manager: to_manager,
            other: other.name.clone(),
            other_zone: theirs.clone(),
        }
    });
    let facts = reader.as_ref().zip(about);
    match kind {
        Kind::NewSeries | Kind::UpdateSeries => {
            if let Some((r, a, s)) = facts.and_then(|(r, a)| Some((r, a, a.series.as_ref()?))) {
                let brought = s.due.iter().find(|m| a.prompts_for.contains(&m.start));
                if let (Kind::UpdateSeries, Some(m)) = (kind, brought) {
                    return letter::update(r, m, &a.location);
                }
                return letter::series(r, s, headline, kind == Kind::UpdateSeries);
            }
        }
        Kind::Occurrence => {
            if let Some((r, a, m)) = facts.and_then(|(r, a)| Some((r, a, a.meeting.as_ref()?))) {
                return letter::update(r, m, &a.location);
            }
        }
        Kind::EndSeries => return letter::stop(&to.name, &other.name, Stop::Ends, headline),
        Kind::CancelSeries => {
            return letter::stop(&to.name, &other.name, Stop::CancelSeries, headline)
        }
        Kind::CancelOccurrence => {
            return letter::stop(&to.name, &other.name, Stop::CancelMeeting, headline)
        }
    }
    // Every series and meeting message carries its facts; without them,
    // the calendar's own words.
    letter::write(
        letter::series_subject(&other.name, headline, kind == Kind::UpdateSeries),
        &[
            Block::Para(format!("Hello {},", to.name)),
            Block::Para(format!("Your 1:1 with {}: {headline}.", other.name)),
        ],
    )
}
