//! Where a value came from, and the error that points there.
//!
//! Every input error names the file, line and column, the key, what was found
//! and what was expected. Raw serde structs wrap their leaves in [`Loc`], which
//! remembers the position of the value in its file for all three roster
//! formats: TOML through `toml::Spanned`, YAML and JSON through
//! `serde_saphyr::Spanned`.

use std::cell::Cell;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

/// Where an input came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A position in a file (1-based line and column; 0 when unknown).
    File {
        /// The file as the user named it.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
    },
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line, column } if *line > 0 => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Origin::File { path, .. } => write!(f, "{}", path.display()),
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A bad input: where, which key, what was found, what is expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// Where the bad value is.
    pub origin: Origin,
    /// The key path, such as `managers[0].reports[1].timezone`.
    pub key: String,
    /// What the input held.
    pub found: String,
    /// What would have been accepted.
    pub expected: String,
    /// A suggestion, such as "did you mean `timezone`?".
    pub hint: Option<String>,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.origin)?;
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        write!(f, "found {}, expected {}", self.found, self.expected)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// One or more input errors, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputErrors(pub Vec<InputError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

impl From<InputError> for InputErrors {
    fn from(e: InputError) -> Self {
        InputErrors(vec![e])
    }
}

/// The position of a value inside its source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pos {
    /// Unknown (for example a value from the environment).
    #[default]
    Unknown,
    /// A byte offset, resolved to line and column against the text later.
    Offset(usize),
    /// Line and column, both 1-based.
    LineCol(usize, usize),
}

/// Which span machinery [`Loc`] should use; set for the duration of one parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `toml::Spanned`.
    Toml,
    /// `serde_saphyr::Spanned` (YAML, and JSON read as YAML).
    Yaml,
    /// No spans.
    Plain,
}

thread_local! {
    /// The format being read, and where its text starts in the file.
    static FORMAT: Cell<(Format, usize)> = const { Cell::new((Format::Plain, 0)) };
}

/// Runs `f` with [`Loc`] reading spans the way `format` provides them.
///
/// serde has no format-neutral way to ask a deserializer for positions, so
/// the choice is passed on the side; the guard restores the previous value
/// even if `f` panics.
pub fn with_format<R>(format: Format, f: impl FnOnce() -> R) -> R {
    with_format_at(format, 0, f)
}

/// Like [`with_format`], for text that starts `offset` bytes into its
/// file: byte offsets ([`Pos::Offset`]) are shifted by it, so a part of a
/// file read on its own is located in the whole file.
pub fn with_format_at<R>(format: Format, offset: usize, f: impl FnOnce() -> R) -> R {
    struct Restore((Format, usize));
    impl Drop for Restore {
        fn drop(&mut self) {
            FORMAT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(FORMAT.with(|c| c.replace((format, offset))));
    f()
}

/// A value with the position it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Loc<T> {
    /// The value.
    pub value: T,
    /// Where it was.
    pub pos: Pos,
}

impl<T> Loc<T> {
    /// A value with no known position.
    pub fn unknown(value: T) -> Self {
        Loc {
            value,
            pos: Pos::Unknown,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Loc<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match FORMAT.with(Cell::get) {
            (Format::Toml, offset) => {
                let s = toml::Spanned::<T>::deserialize(d)?;
                let start = s.span().start;
                Ok(Loc {
                    value: s.into_inner(),
                    pos: Pos::Offset(offset + start),
                })
            }
            (Format::Yaml, _) => {
                let s = serde_saphyr::Spanned::<T>::deserialize(d)?;
                let (line, column) = (s.referenced.line(), s.referenced.column());
                Ok(Loc {
                    value: s.value,
                    pos: if line == 0 {
                        Pos::Unknown
                    } else {
                        Pos::LineCol(line as usize, column as usize)
                    },
                })
            }
            (Format::Plain, _) => Ok(Loc::unknown(T::deserialize(d)?)),
        }
    }
}

/// A source file's name and text, to turn positions into lines and columns.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// The file as the user named it.
    pub path: PathBuf,
    /// Its whole text.
    pub text: String,
    /// Byte offsets where lines start, built on the first lookup: a roster
    /// of 100,000 reports asks for a position per entry, and scanning from
    /// the top each time made validation quadratic. Tagged with the text
    /// length it was built for, so a changed `text` rebuilds it.
    line_starts: std::sync::OnceLock<(usize, Vec<usize>)>,
}

impl SourceText {
    /// Wraps `text` read from `path`.
    pub fn new(path: impl AsRef<Path>, text: impl Into<String>) -> Self {
        SourceText {
            path: path.as_ref().to_path_buf(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        if !self.text.is_char_boundary(offset) {
            offset = self.text.len();
        }
        let fresh;
        let starts = match self.line_starts.get_or_init(|| self.index()) {
            (len, starts) if *len == self.text.len() => starts,
            _ => {
                fresh = self.index().1;
                &fresh
            }
        };
        // `starts[0]` is 0, so the partition point is at least 1.
        let line = starts.partition_point(|&s| s <= offset);
        let line_start = starts.get(line.wrapping_sub(1)).copied().unwrap_or(0);
        let column = self
            .text
            .get(line_start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    fn index(&self) -> (usize, Vec<usize>) {
        let starts = std::iter::once(0)
            .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        (self.text.len(), starts)
    }

    /// The origin of a position in this file.
    pub fn origin(&self, pos: Pos) -> Origin {
        let (line, column) = match pos {
            Pos::Unknown => (0, 0),
            Pos::Offset(o) => self.line_col(o),
            Pos::LineCol(l, c) => (l, c),
        };
        Origin::File {
            path: self.path.clone(),
            line,
            column,
        }
    }

    /// An error about the value at `pos`.
    pub fn error(
        &self,
        pos: Pos,
        key: impl Into<String>,
        found: impl Into<String>,
        expected: impl Into<String>,
    ) -> InputError {
        InputError {
            origin: self.origin(pos),
            key: key.into(),
            found: found.into(),
            expected: expected.into(),
            hint: None,
        }
    }
}

/// "did you mean `x`?" for the closest of `candidates`, when one is close.
pub fn did_you_mean<'a>(
    found: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let found_lower = found.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&found_lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// A value quoted for an error message, shortened if long.
pub fn quoted(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() > MAX {
        let short: String = value.chars().take(MAX).collect();
        format!("{short:?}…")
    } else {
        format!("{value:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let s = SourceText::new("r.toml", "a = 1\nné = \"x\"\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(6), (2, 1));
        // "né = " is 6 bytes but 5 characters.
        assert_eq!(s.line_col(12), (2, 6));
        assert_eq!(s.line_col(10_000), (3, 1));
    }

    #[test]
    fn error_display_names_everything() {
        let s = SourceText::new("roster.toml", "x\ny = 2\n");
        let mut e = s.error(Pos::Offset(6), "y", "2", "a string");
        e.hint = Some("did you mean `z`?".into());
        assert_eq!(
            e.to_string(),
            "roster.toml:2:5: key `y`: found 2, expected a string (did you mean `z`?)"
        );
    }

    #[test]
    fn suggestions_only_when_close() {
        assert_eq!(
            did_you_mean("timezon", ["time", "timezone", "cadence"]),
            Some("did you mean `timezone`?".into())
        );
        assert_eq!(did_you_mean("zzz", ["timezone", "cadence"]), None);
    }
}
