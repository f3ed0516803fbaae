//! The roster read a manager at a time must be the roster read whole:
//! the same raw values at the same positions, or the whole-file reader
//! when the shape is not the usual one.

use super::*;
use crate::core::source::Pos;

const EXAMPLE: &str = include_str!("../../../../config/roster.toml");

/// Usual rosters, written in the ways TOML allows.
const USUAL: &[&str] = &[
    EXAMPLE,
    "[[managers]]\nemail = \"a@example.com\"\n",
    // Spaces in headers, comments after them, CRLF line ends.
    "# team\r\n[defaults]\r\ncadence = \"weekly\"\r\n\r\n[[ managers ]] # first\r\n\
     email = \"a@example.com\"\r\n[[ managers . reports ]]\r\nemail = \"b@example.com\"\r\n\
     start = 2027-01-05\r\n",
    // A byte-order mark, date and time literals, a multi-line array.
    "\u{feff}[[managers]]\nemail = \"a@example.com\"\ntime = 09:30:00\n\
     [[managers.reports]]\nemail = \"b@example.com\"\nstart = 2027-01-05\nskip_tags = [\n\
     \"x\",\n  \"y\", # why\n]\n[[managers]]\nemail = \"c@example.com\"\n",
    // Header-like text inside strings and comments.
    "[[prompts]]\nid = \"p\"\ntext = \"\"\"\n[[managers]]\nemail = 1\n\"\"\"\n\
     [[managers]]\nemail = \"a@example.com\"\nname = '[[managers]]'\n# [[managers]]\n\
     location = \"\"\"\n[defaults]\n\"\"\"\n[[managers.reports]]\nemail = \"b@example.com\"\n",
    // Inline tables and dotted keys inside a manager.
    "[[managers]]\nemail = \"a@example.com\"\nreports = [ { email = \"b@example.com\" } ]\n\
     [[managers]]\nemail = \"c@example.com\"\n",
];

fn by_manager(text: &str) -> Option<RawRoster> {
    by_piece(text, |head, _| head, |raw, m| raw.managers.push(m))
}

fn whole(text: &str) -> Result<RawRoster, InputErrors> {
    formats::parse_toml(&SourceText::new("r.toml", text))
}

#[test]
fn usual_rosters_read_by_manager_equal_the_whole_file() {
    for text in USUAL {
        let by = by_manager(text).unwrap_or_else(|| panic!("not read by manager: {text}"));
        let whole = whole(text).expect("valid");
        assert_eq!(format!("{by:?}"), format!("{whole:?}"), "{text}");
    }
}

#[test]
fn positions_are_those_in_the_whole_file() {
    let text =
        "[[managers]]\nemail = \"a@example.com\"\n\n[[managers]]\nemail = \"c@example.com\"\n";
    let raw = by_manager(text).expect("usual");
    let at = text.find("\"c@").expect("in text");
    assert_eq!(raw.managers[1].email.pos, Pos::Offset(at));
}

/// Rosters of another shape, and errors: read whole, so they mean and
/// report exactly what they did.
const OTHER: &[&str] = &[
    // Top-level tables after the managers.
    "[[managers]]\nemail = \"a@example.com\"\n[defaults]\ncadence = \"weekly\"\n",
    // `managers` also defined before the headers.
    "managers = []\n[[managers]]\nemail = \"a@example.com\"\n",
    "[managers.x]\n[[managers]]\nemail = \"a@example.com\"\n",
    // A quoted header among the managers.
    "[[managers]]\nemail = \"a@example.com\"\n[[\"managers\"]]\nemail = \"c@example.com\"\n",
    // A table instead of an array, after the first manager.
    "[[managers]]\nemail = \"a@example.com\"\n[managers]\n",
    // Errors in a manager: syntax, an unknown key, a wrong type.
    "[[managers]]\nemail = \"a@example.com\n",
    "[[managers]]\nemail = \"a@example.com\"\ntimezon = \"UTC\"\n",
    "[[managers]]\nemail = \"a@example.com\"\n[[managers.reports]]\nemail = 5\n",
    "[[managers]]\nemail = \"a@example.com\"\nemail = \"b@example.com\"\n",
    // No managers at all.
    "[defaults]\ncadence = \"weekly\"\n",
];

#[test]
fn other_shapes_and_errors_are_read_whole() {
    for text in OTHER {
        assert!(by_manager(text).is_none(), "read by manager: {text}");
        let source = SourceText::new("r.toml", *text);
        assert_eq!(
            format!("{:?}", parse(&source)),
            format!("{:?}", whole(text)),
            "{text}"
        );
    }
}

#[test]
fn headers_only_at_line_starts_outside_values() {
    let text = "a = [\n[1],\n]\n[[managers]]\nb = { c = [\n[2]] }\n  [[managers]]\n";
    let second = text.rfind("[[managers]]").expect("in text");
    assert_eq!(
        manager_starts(text),
        Some(Layout {
            starts: vec![text.find("[[managers]]").expect("in text"), second],
            under: 0
        })
    );
}

#[test]
fn headers_are_classified() {
    let kind = |h: &str| {
        let mut tokens = toml_parser::Source::new(h).lex();
        tokens.next();
        header(h, 0, &mut tokens)
    };
    assert_eq!(kind("[[managers]]"), Header::Managers);
    assert_eq!(kind("[[ managers ]]"), Header::Managers);
    assert_eq!(kind("[managers]"), Header::Other);
    assert_eq!(kind("[[managers.reports]]"), Header::UnderManagers);
    assert_eq!(kind("[managers.reports.x]"), Header::UnderManagers);
    assert_eq!(kind("[[\"managers\"]]"), Header::Other);
    assert_eq!(kind("[[managers.\"reports\"]]"), Header::Other);
    assert_eq!(kind("[defaults]"), Header::Other);
    assert_eq!(kind("[ [managers]]"), Header::Other);
}

/// `n` managers of two reports each; `edit` changes the text.
fn many(n: usize, edit: impl Fn(usize, usize) -> String) -> String {
    let mut text = String::from("[defaults]\ncadence = \"weekly\"\n\n");
    for m in 0..n {
        text.push_str(&format!("[[managers]]\nemail = \"m{m}@example.com\"\n"));
        for r in 0..2 {
            text.push_str(&format!(
                "  [[managers.reports]]\n  email = \"{}\"\n  start = \"2027-01-05\"\n",
                edit(m, r)
            ));
        }
    }
    text
}

#[test]
fn many_pieces_read_and_validated_like_the_whole_file() {
    let good = many(3 * PER_PIECE + 5, |m, r| format!("r{m}-{r}@example.com"));
    // The same report under two managers in different pieces, and a bad
    // address: errors that span pieces, or come from validation.
    let bad = many(3 * PER_PIECE + 5, |m, r| match (m, r) {
        (70, 1) => "r1-0@example.com".to_string(),
        (90, 0) => "not an address".to_string(),
        _ => format!("r{m}-{r}@example.com"),
    });
    for text in [good, bad] {
        let by = by_manager(&text).expect("usual shape");
        assert_eq!(
            format!("{by:?}"),
            format!("{:?}", whole(&text).expect("parses"))
        );
        let source = SourceText::new("r.toml", text.as_str());
        let whole = validate(&source, formats::parse_toml(&source).expect("parses"));
        assert_eq!(format!("{:?}", roster(&source)), format!("{whole:?}"));
    }
}
