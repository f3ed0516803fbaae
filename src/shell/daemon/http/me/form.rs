//! A page's form, read strictly: the action asked for, checked whole
//! (dates, tags), and the token, which the caller checks.

use jiff::civil::Date;

use crate::core::own::Action;
use crate::core::page;

/// The most tags one form may name.
const MAX_TAGS: usize = 256;

/// A form, read: the action asked for and the token.
pub fn read(
    body: &[u8],
    today: Date,
    bank_has: impl Fn(&str) -> bool,
) -> Result<(Action, Option<String>), String> {
    let mut action = None;
    let mut until = None;
    let mut tags = Vec::new();
    let mut csrf = None;
    for (k, v) in url::form_urlencoded::parse(body) {
        let slot = match k.as_ref() {
            "action" => &mut action,
            "until" => &mut until,
            "csrf" => &mut csrf,
            "tags" => {
                if tags.len() >= MAX_TAGS {
                    return Err("Too many tags.\n".to_string());
                }
                tags.push(v.into_owned());
                continue;
            }
            _ => continue,
        };
        if slot.replace(v.into_owned()).is_some() {
            return Err(format!("The field `{k}` is given twice.\n"));
        }
    }
    let action = match action.as_deref() {
        None | Some("") => {
            return Err(
                "The form names no action: expected one of pause, opt_out, resume, skip_tags.\n"
                    .to_string(),
            )
        }
        Some("pause") => {
            let Some(until) = until.filter(|u| !u.is_empty()) else {
                return Err("A pause needs a date: `until` as YYYY-MM-DD.\n".to_string());
            };
            let date = until
                .parse::<Date>()
                .ok()
                .filter(|_| until.len() == 10)
                .ok_or_else(|| "The date `until` is not a date YYYY-MM-DD.\n".to_string())?;
            if date <= today {
                return Err(format!("The date {date} is not after today ({today}): a pause runs until a date to come.\n"));
            }
            let latest = page::latest_pause(today);
            if date > latest {
                return Err(format!(
                    "The date {date} is more than a year out: pick one on or before {latest}.\n"
                ));
            }
            Action::Pause(date)
        }
        Some("opt_out") => Action::OptOut,
        Some("resume") => Action::Resume,
        Some("skip_tags") => {
            if let Some(t) = tags.iter().find(|t| !bank_has(t)) {
                return Err(format!(
                    "No prompt has the tag `{}`: choose among the tags the page lists.\n",
                    t.escape_debug()
                ));
            }
            Action::SkipTags(tags, today)
        }
        Some(other) => {
            return Err(format!(
                "Unknown action `{}`: expected one of pause, opt_out, resume, skip_tags.\n",
                other.escape_debug()
            ))
        }
    };
    Ok((action, csrf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_read_strictly() {
        let today = jiff::civil::date(2027, 1, 10);
        let has = |t: &str| t == "growth";
        let read = |b: &str| read(b.as_bytes(), today, has);
        assert_eq!(
            read("action=pause&until=2027-02-01&csrf=x"),
            Ok((
                Action::Pause(jiff::civil::date(2027, 2, 1)),
                Some("x".into())
            ))
        );
        assert_eq!(
            read("action=skip_tags&tags=growth&csrf=x").map(|r| r.0),
            Ok(Action::SkipTags(vec!["growth".into()], today))
        );
        for bad in [
            "action=dance",
            "",
            "action=pause",
            "action=pause&until=2027-01-10",
            "action=pause&until=2028-01-11",
            "action=pause&until=2027-2-1",
            "action=skip_tags&tags=nope",
            "action=opt_out&action=resume",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
