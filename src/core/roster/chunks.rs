//! A TOML roster read a manager at a time.
//!
//! The `toml` crate reads a whole document into tokens, events and a
//! tree before serde sees any of it: about 25 times the text in memory, so
//! 300 to 450 MB for a roster of 100,000 reports, and a page fault for
//! every fresh page of it. But a roster is mostly a long list of
//! `[[managers]]` tables, and nothing in one of them can reach into
//! another: TOML has no way to name an element of an array of tables other
//! than the last one. So the file is cut before `[[managers]]` headers
//! (found with `toml_parser`'s lexer, which allocates nothing) into pieces
//! of a few managers, each piece is read on its own, with the positions of
//! its values shifted to where the piece starts in the file, and each
//! manager is validated as soon as it is read ([`Validator`]), while a
//! second thread parses the next pieces.
//!
//! Only a roster of the usual shape is read this way: top-level tables and
//! keys first, then the managers, with nothing but `managers.…` headers
//! among them. Anything else, and any error at all, goes to the
//! whole-file reader ([`formats::parse_toml`]), so every error is reported
//! exactly as it always was, and a roster of another shape is read the
//! same as before.

use serde::Deserialize;
use toml_parser::lexer::{Token, TokenKind};

use super::raw::{RawManager, RawRoster};
use super::validate::{validate, Validator};
use super::Roster;
use crate::core::formats;
use crate::core::source::{with_format_at, Format, InputErrors, SourceText};

/// How many managers are parsed together: enough that the fixed cost of a
/// parse (its token and event buffers) is spread thin, few enough that a
/// piece's tree stays small (a few MB at 10 reports a manager).
const PER_PIECE: usize = 32;

/// Parses the TOML roster `source` into its raw form, a piece at a time
/// when it has the usual shape, else as a whole.
pub fn parse(source: &SourceText) -> Result<RawRoster, InputErrors> {
    let raw = by_piece(&source.text, |head, _| head, |raw, m| raw.managers.push(m));
    match raw {
        Some(raw) => Ok(raw),
        None => formats::parse_toml(source),
    }
}

/// Parses and validates the TOML roster `source`. Read a piece at a time,
/// each manager is validated as soon as it is read and then dropped, so
/// the raw roster (about as large as the validated one) is never held
/// whole.
pub fn roster(source: &SourceText) -> Result<Roster, InputErrors> {
    let validated = by_piece(
        &source.text,
        |head, layout| {
            let mut v = Validator::new(source, &head.defaults, &head.prompts, &head.calendars);
            v.expect(layout.starts.len(), layout.under);
            v
        },
        |v, m| v.manager(&m),
    );
    match validated {
        Some(v) => v.finish(),
        None => validate(source, formats::parse_toml(source)?),
    }
}

/// Reads `text` a piece at a time: `start` gets what comes before the
/// managers, `each` every manager in order. `None` when the roster does
/// not have the usual shape or has an error: the caller then reads it
/// whole.
///
/// Parsing a piece takes about as long as what `each` does with its
/// managers (validating them), so a second thread parses the next pieces
/// meanwhile, a few ahead at most.
fn by_piece<V>(
    text: &str,
    start: impl FnOnce(RawRoster, &Layout) -> V,
    mut each: impl FnMut(&mut V, RawManager),
) -> Option<V> {
    let layout = manager_starts(text)?;
    let first = *layout.starts.first()?;
    let mut v = start(head(text.get(..first)?)?, &layout);
    let starts = layout.starts.as_slice();
    let read = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        scope.spawn(move || {
            for (from, to, count) in pieces(starts, text.len()) {
                let parsed = text.get(from..to).and_then(|t| managers(t, from, count));
                let failed = parsed.is_none();
                // A closed channel: the reader stopped at an error.
                if tx.send(parsed).is_err() || failed {
                    return;
                }
            }
        });
        let mut read = 0;
        for parsed in rx {
            for m in parsed? {
                each(&mut v, m);
                read += 1;
            }
        }
        Some(read)
    });
    (read? == starts.len()).then_some(v)
}

/// The pieces of the managers starting at `starts`: the text from the
/// first header of a piece to the first of the next, and how many
/// managers it holds.
fn pieces(starts: &[usize], end: usize) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let ends = starts
        .chunks(PER_PIECE)
        .skip(1)
        .filter_map(|p| p.first().copied())
        .chain([end]);
    starts
        .chunks(PER_PIECE)
        .zip(ends)
        .filter_map(|(p, to)| Some((*p.first()?, to, p.len())))
}

/// What comes before the first manager: `[defaults]`, `[[prompts]]`. It
/// must not mention `managers` itself, which would make the managers'
/// headers an error, or change what they mean.
fn head(text: &str) -> Option<RawRoster> {
    let table = toml::de::DeTable::parse(text).ok()?;
    if table
        .get_ref()
        .iter()
        .any(|(k, _)| k.get_ref() == "managers")
    {
        return None;
    }
    with_format_at(Format::Toml, 0, || {
        RawRoster::deserialize(toml::Deserializer::from(table)).ok()
    })
}

/// The `managers` of one piece.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Piece {
    managers: Vec<RawManager>,
}

/// The `count` managers of a piece whose text starts `offset` bytes into
/// the file.
fn managers(text: &str, offset: usize, count: usize) -> Option<Vec<RawManager>> {
    let table = toml::de::DeTable::parse(text).ok()?;
    let piece = with_format_at(Format::Toml, offset, || {
        Piece::deserialize(toml::Deserializer::from(table)).ok()
    })?;
    (piece.managers.len() == count).then_some(piece.managers)
}

/// Where the managers are: the byte offsets of the `[[managers]]`
/// headers, in order, and how many `managers.…` headers (reports, mostly)
/// follow them.
#[derive(Debug, PartialEq, Eq)]
struct Layout {
    starts: Vec<usize>,
    under: usize,
}

/// The layout of the managers; `None` when the roster has none, or
/// another header among them (anything but `[[managers]]` and
/// `managers.…` after the first one).
fn manager_starts(text: &str) -> Option<Layout> {
    let mut starts = Vec::new();
    let mut under = 0;
    let mut tokens = toml_parser::Source::new(text).lex();
    // Whether only whitespace came since the line began, and whether a
    // value is being read (after `=`, until the line ends outside any
    // bracket): a `[` opens a header only at the start of a line and
    // outside a value, where a multi-line array may also start a line.
    let mut line_start = true;
    let mut in_value = false;
    let mut depth = 0usize;
    while let Some(token) = tokens.next() {
        match token.kind() {
            TokenKind::Newline => {
                line_start = true;
                in_value = in_value && depth > 0;
                continue;
            }
            TokenKind::Whitespace | TokenKind::Comment => continue,
            TokenKind::LeftSquareBracket if line_start && !in_value => {
                match header(text, token.span().start(), &mut tokens) {
                    Header::Managers => starts.push(token.span().start()),
                    Header::UnderManagers if !starts.is_empty() => under += 1,
                    _ if starts.is_empty() => {}
                    _ => return None,
                }
            }
            TokenKind::Equals => in_value = true,
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket if in_value => depth += 1,
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket if in_value => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        line_start = false;
    }
    Some(Layout { starts, under })
}

/// What a table header names.
#[derive(Debug, PartialEq, Eq)]
enum Header {
    /// `[[managers]]`: a new manager.
    Managers,
    /// `[[managers.…]]` or `[managers.…]`: a part of the last manager.
    UnderManagers,
    /// Anything else, or a header written in a way not recognised here.
    Other,
}

/// Reads the header whose first `[` is at `open` (already consumed) up to
/// its last `]`.
fn header(text: &str, open: usize, tokens: &mut impl Iterator<Item = Token>) -> Header {
    let mut array = false;
    let mut keys: Vec<&str> = Vec::new();
    let mut dot = true;
    let mut closing = 0;
    for token in tokens.by_ref() {
        let span = token.span();
        match token.kind() {
            TokenKind::LeftSquareBracket
                if !array && keys.is_empty() && span.start() == open + 1 =>
            {
                array = true;
            }
            TokenKind::Whitespace => {}
            TokenKind::Atom if dot && closing == 0 => {
                keys.push(text.get(span.start()..span.end()).unwrap_or_default());
                dot = false;
            }
            TokenKind::Dot if !dot && closing == 0 => dot = true,
            TokenKind::RightSquareBracket if !dot => {
                closing += 1;
                if closing == 1 + usize::from(array) {
                    break;
                }
            }
            _ => return Header::Other,
        }
    }
    match (keys.as_slice(), array) {
        (["managers"], true) => Header::Managers,
        (["managers", _, ..], _) => Header::UnderManagers,
        _ => Header::Other,
    }
}

#[cfg(test)]
mod tests;
