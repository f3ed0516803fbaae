//! A TOML roster read a manager at a time.
//!
//! The `toml` crate reads a whole document into tokens, events and a
//! tree before serde sees any of it: about 25 times the text in memory, so
//! 300 to 450 MB for a roster of 100,000 reports, and a page fault for
//! every fresh page of it. But a roster is mostly a long list of
//! `[[managers]]` tables, and nothing in one of them can reach into
//! another: TOML has no way to name an element of an array of tables other
//! than the last one. So the file is cut before each `[[managers]]` header
//! (found with `toml_parser`'s lexer, which allocates nothing) and each
//! piece is read on its own, with the positions of its values shifted to
//! where the piece starts in the file.
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
use crate::core::formats;
use crate::core::source::{with_format_at, Format, InputErrors, SourceText};

/// Parses the TOML roster `source` into its raw form, a manager at a time
/// when it has the usual shape, else as a whole.
pub fn parse(source: &SourceText) -> Result<RawRoster, InputErrors> {
    match by_manager(&source.text) {
        Some(raw) => Ok(raw),
        None => formats::parse_toml(source),
    }
}

/// The roster read a piece at a time; `None` when it does not have the
/// usual shape or has an error.
fn by_manager(text: &str) -> Option<RawRoster> {
    let managers = manager_starts(text)?;
    let first = *managers.first()?;
    let mut raw = head(text.get(..first)?)?;
    raw.managers.reserve(managers.len());
    let ends = managers.iter().skip(1).copied().chain([text.len()]);
    for (start, end) in managers.iter().copied().zip(ends) {
        raw.managers.push(manager(text.get(start..end)?, start)?);
    }
    Some(raw)
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

/// The `managers` of one piece: exactly one manager, since a piece runs
/// from one `[[managers]]` header to the next.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Piece {
    managers: Vec<RawManager>,
}

/// One `[[managers]]` table and its reports, the piece's text starting
/// `offset` bytes into the file.
fn manager(text: &str, offset: usize) -> Option<RawManager> {
    let table = toml::de::DeTable::parse(text).ok()?;
    let mut piece = with_format_at(Format::Toml, offset, || {
        Piece::deserialize(toml::Deserializer::from(table)).ok()
    })?;
    match piece.managers.len() {
        1 => piece.managers.pop(),
        _ => None,
    }
}

/// The byte offsets of the `[[managers]]` headers, in order; `None` when
/// the roster has none, or another header among them (anything but
/// `[[managers]]` and `managers.…` after the first one).
fn manager_starts(text: &str) -> Option<Vec<usize>> {
    let mut starts = Vec::new();
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
                    Header::UnderManagers if !starts.is_empty() => {}
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
    Some(starts)
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
