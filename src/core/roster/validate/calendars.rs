//! `[[calendars]]` (sources of days off) and the keys that use them:
//! `calendars` (a list of their ids) and `on_day_off`.

use jiff::SignedDuration;

use super::{key, Checker};
use crate::core::daysoff::Kind;
use crate::core::roster::raw::RawCalendar;
use crate::core::roster::{Calendar, CalendarSource, OnDayOff};
use crate::core::source::{did_you_mean, quoted, Loc};

/// How often a source is fetched again when `refresh` is left out.
pub const DEFAULT_REFRESH: SignedDuration = SignedDuration::from_hours(12);
/// The shortest `refresh` accepted.
pub const MIN_REFRESH: SignedDuration = SignedDuration::from_mins(5);
/// The longest `refresh` accepted.
pub const MAX_REFRESH: SignedDuration = SignedDuration::from_hours(24 * 30);

impl Checker<'_> {
    /// Every `[[calendars]]` entry, checked; records their ids.
    pub(super) fn calendars(&mut self, raw: &[RawCalendar]) -> Vec<Calendar> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, c) in raw.iter().enumerate() {
            let prefix = format!("calendars[{i}]");
            let id = c.id.value.trim();
            let id_ok = !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch))
                && !id.starts_with('.');
            if !id_ok {
                self.error(
                    c.id.pos,
                    &key(&prefix, "id"),
                    quoted(&c.id.value),
                    "an id of 1 to 64 letters, digits, `.`, `_` or `-` (not starting with `.`), such as \"uk-holidays\"",
                );
            } else if !seen.insert(id.to_string()) {
                self.error(
                    c.id.pos,
                    &key(&prefix, "id"),
                    format!("{}, already the id of another calendar", quoted(id)),
                    "each calendar id used once",
                );
            }
            let source = self.calendar_source(&c.source, &key(&prefix, "source"));
            let kind = Kind::parse(&c.kind.value);
            if kind.is_none() {
                self.error(
                    c.kind.pos,
                    &key(&prefix, "kind"),
                    quoted(&c.kind.value),
                    "\"holidays\" or \"out_of_office\"",
                );
            }
            let refresh = match &c.refresh {
                None => Some(DEFAULT_REFRESH),
                Some(r) => {
                    let d =
                        parse_refresh(&r.value).filter(|d| (MIN_REFRESH..=MAX_REFRESH).contains(d));
                    if d.is_none() {
                        self.error(
                            r.pos,
                            &key(&prefix, "refresh"),
                            quoted(&r.value),
                            "a duration from 5 minutes to 30 days, such as \"12h\", \"30m\" or \"1d\"",
                        );
                    }
                    d
                }
            };
            if let (true, Some(source), Some(kind), Some(refresh)) = (id_ok, source, kind, refresh)
            {
                if !self.calendar_ids.contains_key(id) {
                    self.calendar_ids.insert(id.to_string(), out.len());
                    out.push(Calendar {
                        id: id.to_string(),
                        source,
                        kind,
                        refresh,
                    });
                }
            }
        }
        out
    }

    fn calendar_source(&mut self, s: &Loc<String>, key: &str) -> Option<CalendarSource> {
        let text = s.value.trim();
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            match url::Url::parse(text) {
                Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => {
                    return Some(CalendarSource::Url(u.to_string()));
                }
                _ => {}
            }
        } else if !text.is_empty() && !text.contains("://") && !text.chars().any(char::is_control) {
            let base = self
                .source
                .path
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            return Some(CalendarSource::Path(base.join(text)));
        }
        self.error(
            s.pos,
            key,
            quoted(&s.value),
            "an https:// or http:// URL, or a path to an .ics file relative to the roster",
        );
        None
    }

    /// A `calendars` list: ids of `[[calendars]]` entries.
    pub(super) fn calendar_list(
        &mut self,
        list: &Loc<Vec<Loc<String>>>,
        key: &str,
    ) -> Option<Vec<usize>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (j, id) in list.value.iter().enumerate() {
            match self.calendar_ids.get(id.value.trim()) {
                Some(&i) => out.push(i),
                None => {
                    ok = false;
                    let ids: Vec<&str> = self.calendar_ids.keys().map(String::as_str).collect();
                    let hint = did_you_mean(id.value.trim(), ids.iter().copied());
                    let expected = if ids.is_empty() {
                        "the id of a [[calendars]] entry (there is none)".to_string()
                    } else {
                        let mut names: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
                        names.sort();
                        format!(
                            "the id of a [[calendars]] entry: one of {}",
                            names.join(", ")
                        )
                    };
                    let mut e = self.source.error(
                        id.pos,
                        format!("{key}[{j}]"),
                        format!("unknown calendar {}", quoted(&id.value)),
                        &expected,
                    );
                    e.hint = hint;
                    self.errors.push(e);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        ok.then_some(out)
    }

    /// `on_day_off`: `skip` | `next_day`.
    pub(super) fn on_day_off(&mut self, o: &Loc<String>, key: &str) -> Option<OnDayOff> {
        match o.value.trim() {
            "skip" => Some(OnDayOff::Skip),
            "next_day" => Some(OnDayOff::NextDay),
            _ => {
                self.error(o.pos, key, quoted(&o.value), "\"skip\" or \"next_day\"");
                None
            }
        }
    }
}

/// "12h", "30m", "90s", "1d", or a combination such as "1h30m".
pub fn parse_refresh(s: &str) -> Option<SignedDuration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            if number.len() > 9 {
                return None;
            }
            continue;
        }
        let n: i64 = number.parse().ok()?;
        number.clear();
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !number.is_empty() {
        return None;
    }
    Some(SignedDuration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::core::roster::parse;
    use crate::core::source::SourceText;

    const YAML: &str = r#"
defaults:
  calendars: [uk]
calendars:
  - id: uk
    source: https://example.org/uk.ics
    kind: holidays
  - id: ada-ooo
    source: ooo/ada.ics
    kind: out_of_office
    refresh: 1h30m
  - id: de
    source: http://example.org/de.ics
    kind: holidays
managers:
  - email: ada@example.com
    calendars: [uk, ada-ooo]
    reports:
      - email: grace@example.com
        start: "2027-01-05"
        calendars: [de]
        on_day_off: next_day
      - email: alan@example.com
        start: "2027-01-06"
"#;

    #[test]
    fn yaml_calendars_cascade_and_union_with_the_managers_own() {
        let r = parse(&SourceText::new("/etc/touchbase/roster.yaml", YAML)).unwrap();
        let ids: Vec<&str> = r.calendars.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["uk", "ada-ooo", "de"]);
        assert_eq!(
            r.calendars[1].source,
            CalendarSource::Path(PathBuf::from("/etc/touchbase/ooo/ada.ics"))
        );
        assert_eq!(r.calendars[1].refresh, SignedDuration::from_mins(90));
        assert_eq!(r.calendars[0].refresh, DEFAULT_REFRESH);
        assert_eq!(r.calendars[1].kind, Kind::OutOfOffice);
        // Grace: Ada's own (uk, ada-ooo) and her own (de); Alan inherits Ada's.
        assert_eq!(r.pairs[0].calendars, [0, 1, 2]);
        assert_eq!(r.pairs[0].on_day_off, OnDayOff::NextDay);
        assert_eq!(r.pairs[1].calendars, [0, 1]);
        assert_eq!(r.pairs[1].on_day_off, OnDayOff::Skip);
    }

    #[test]
    fn bad_entries_are_located_errors() {
        let text = r#"
[[calendars]]
id = "uk holidays"
source = "https://example.org/uk.ics"
kind = "holidays"

[[calendars]]
id = "de"
source = "https://"
kind = "holidays"
refresh = "1m"

[[calendars]]
id = "de"
source = "de.ics"
kind = "holidays"
"#;
        let e = parse(&SourceText::new("r.toml", text)).unwrap_err();
        let all = e.to_string();
        assert!(all.contains("r.toml:3:6: key `calendars[0].id`"), "{all}");
        assert!(all.contains("key `calendars[1].source`"), "{all}");
        assert!(
            all.contains("key `calendars[1].refresh`: found \"1m\""),
            "{all}"
        );
        assert!(
            all.contains("key `calendars[2].id`: found \"de\", already the id of another calendar"),
            "{all}"
        );
    }

    #[test]
    fn refresh_spellings() {
        assert_eq!(parse_refresh("12h"), Some(SignedDuration::from_hours(12)));
        assert_eq!(parse_refresh("1d"), Some(SignedDuration::from_hours(24)));
        assert_eq!(parse_refresh("90s"), Some(SignedDuration::from_secs(90)));
        for bad in ["", "12", "h", "1w", "-1h", "99999999999h"] {
            assert_eq!(parse_refresh(bad), None, "{bad}");
        }
    }
}
