//! Reading the roster again after an edit or SIGHUP, and swapping it in.
//!
//! An invalid edit is ignored (the last good roster stays in force) and
//! reported where operators look, `/healthz` and the log at warn level,
//! by location only: file, line, column and key. The value found there
//! may be an address or a name, even an opted-out report's, and neither
//! place may quote one; `touchbase check` shows the whole error to
//! whoever runs it.

use std::sync::Arc;

use crate::core::roster::{self, Roster};
use crate::core::source::{InputErrors, SourceText};

use super::state::{Metrics, Shared};

/// Reads the roster again. `explicit` (SIGHUP) also applies a reload that
/// would cancel more than half of the active series. Returns whether the
/// roster in force changed.
pub fn reload(shared: &Shared, explicit: bool) -> bool {
    let path = &shared.config.roster;
    let parsed = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the roster: {e}", path.display()))
        .and_then(|text| {
            crate::shell::load::roster_from(&shared.config, &SourceText::new(path, text))
                .map_err(|e| located(&e))
        });
    let m = &shared.metrics;
    let new = match parsed {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(
                "roster edit ignored, the last good roster stays in force; `touchbase check` shows the whole error: {e}"
            );
            Metrics::inc(&m.reload_errors);
            shared.health(|h| h.reload_error = Some(e));
            return false;
        }
    };
    apply(shared, new, explicit)
}

/// Swaps `new` in, unless it would cancel more than half of the active
/// series and the reload is not `explicit`.
fn apply(shared: &Shared, new: Roster, explicit: bool) -> bool {
    let m = &shared.metrics;
    let current = shared.current();
    let (cancelled, active) = roster::would_cancel(&current.roster, &new);
    if !explicit && cancelled * 2 > active {
        let msg = format!(
            "roster edit held back: it would cancel {cancelled} of {active} active series; \
             run `systemctl reload touchbase` (SIGHUP) to apply it"
        );
        tracing::warn!("{msg}");
        Metrics::inc(&m.reload_errors);
        shared.health(|h| {
            h.reload_error = None;
            h.held_back = Some(msg);
        });
        return false;
    }
    shared.set_current(Arc::new(new), current.history.clone());
    Metrics::inc(&m.reloads);
    shared.health(|h| {
        h.reload_error = None;
        h.held_back = None;
    });
    tracing::info!(
        "roster reloaded: {} active pairs",
        shared.current().roster.active_pairs().count()
    );
    true
}

/// Where the errors are, without what was found there: `roster.toml:14:3:
/// key `managers[0].reports[2].email``, then how many more. A key that
/// holds more than key characters (YAML lets a map key be anything, an
/// address included) is left out.
pub fn located(errors: &InputErrors) -> String {
    let Some(first) = errors.0.first() else {
        return "the roster has an error".to_string();
    };
    let mut s = first.origin.to_string();
    let plain = |k: &str| {
        k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.[]-".contains(c))
    };
    if !first.key.is_empty() && plain(&first.key) {
        s.push_str(&format!(": key `{}`", first.key));
    }
    match errors.0.len() {
        1 => {}
        2 => s.push_str(" (and 1 more error)"),
        n => s.push_str(&format!(" (and {} more errors)", n - 1)),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_located_error_names_the_place_and_never_the_value() {
        let text = "[[managers]]\nemail = \"ada@example.com\"\n  [[managers.reports]]\n  email = \"frances@example..com\"\n  start = \"2027-01-05\"\n  opt_out = true\n";
        let errors = roster::parse(&SourceText::new("roster.toml", text)).expect_err("bad address");
        assert!(
            errors.to_string().contains("frances"),
            "check shows the value: {errors}"
        );
        let s = located(&errors);
        assert!(s.starts_with("roster.toml:4:"), "{s}");
        assert!(s.contains("key `managers[0].reports[0].email`"), "{s}");
        assert!(!s.contains("frances") && !s.contains("example"), "{s}");
    }

    #[test]
    fn a_key_that_is_not_a_key_is_left_out() {
        let err = crate::core::source::InputError {
            origin: crate::core::source::Origin::File {
                path: "roster.yaml".into(),
                line: 3,
                column: 1,
            },
            key: "frances@example.com".into(),
            found: "unknown key".into(),
            expected: "a key".into(),
            hint: None,
        };
        let s = located(&InputErrors(vec![err.clone(), err.clone(), err]));
        assert_eq!(s, "roster.yaml:3:1 (and 2 more errors)");
    }
}
