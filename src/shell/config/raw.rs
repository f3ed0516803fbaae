//! What the user wrote, and where: the serde structs that mirror
//! `touchbase.toml`, the `TOUCHBASE_<SECTION>__<KEY>` overrides and the
//! systemd credentials, merged by [`Lookup`] into one value per key that
//! remembers its origin, so that whatever rejects it later can point there.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::core::source::{
    did_you_mean, quoted, InputError, InputErrors, Loc, Origin, Pos, SourceText,
};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub roster: Option<Loc<String>>,
    pub state_dir: Option<Loc<String>>,
    pub log_level: Option<Loc<String>>,
    #[serde(default)]
    pub mail: RawMail,
    #[serde(default)]
    pub dispatch: RawDispatch,
    #[serde(default)]
    pub http: RawHttp,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMail {
    pub from: Option<Loc<String>>,
    pub transport: Option<Loc<String>>,
    pub url: Option<Loc<String>>,
    pub dir: Option<Loc<String>>,
    pub invite_reports: Option<Loc<bool>>,
    pub connections: Option<Loc<i64>>,
    pub updates: Option<Loc<String>>,
    pub prompts: Option<Loc<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDispatch {
    pub every: Option<Loc<String>>,
    pub lead_days: Option<Loc<i64>>,
    pub horizon_weeks: Option<Loc<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHttp {
    pub listen: Option<Loc<String>>,
    pub public_url: Option<Loc<String>>,
}

/// Every key an environment variable may set, as (section, key).
const ENV_KEYS: &[(&str, &str)] = &[
    ("", "roster"),
    ("", "state_dir"),
    ("", "log_level"),
    ("mail", "from"),
    ("mail", "transport"),
    ("mail", "url"),
    ("mail", "dir"),
    ("mail", "invite_reports"),
    ("mail", "connections"),
    ("mail", "updates"),
    ("mail", "prompts"),
    ("dispatch", "every"),
    ("dispatch", "lead_days"),
    ("dispatch", "horizon_weeks"),
    ("http", "listen"),
    ("http", "public_url"),
];

/// A value handed over as a systemd credential (a file in
/// `$CREDENTIALS_DIRECTORY`), read by the caller.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The key it sets, such as `mail.url`.
    pub key: &'static str,
    /// The file it came from.
    pub path: PathBuf,
    /// Its content, without the final newline.
    pub value: String,
}

/// The credentials touchbase reads: file name in `$CREDENTIALS_DIRECTORY`
/// and the key it sets.
pub const CREDENTIALS: &[(&str, &str)] = &[("smtp-url", "mail.url")];

/// Where a value came from, for error messages.
pub(super) enum Whence<'a> {
    /// The configuration file; [`Pos::Unknown`] for a default, so that an
    /// error about one still names the file.
    File(&'a SourceText, Pos),
    /// An environment variable.
    Env(String),
    /// A credential file.
    Credential(PathBuf),
}

/// A value as written, with where it came from.
pub(super) struct Value<'a, T> {
    pub value: T,
    pub from: Whence<'a>,
}

impl Whence<'_> {
    /// An error about the value that came from here.
    pub fn error(&self, key: &str, found: String, expected: &str) -> InputError {
        let origin = match self {
            Whence::File(src, pos) => src.origin(*pos),
            Whence::Env(var) => Origin::Env(var.clone()),
            Whence::Credential(path) => Origin::File {
                path: path.clone(),
                line: 0,
                column: 0,
            },
        };
        InputError {
            origin,
            key: key.to_string(),
            found,
            expected: expected.to_string(),
            hint: None,
        }
    }
}

impl<T> Value<'_, T> {
    /// An error about this value.
    pub fn error(&self, key: &str, found: String, expected: &str) -> InputError {
        self.from.error(key, found, expected)
    }
}

/// Each key's value: the environment beats a credential, which beats the
/// file, which beats the default.
pub(super) struct Lookup<'a> {
    source: &'a SourceText,
    /// `section.key` -> (variable, value).
    overrides: BTreeMap<String, (String, String)>,
    credentials: &'a [Credential],
    /// The config file's folder, which relative paths start from.
    base: PathBuf,
}

impl<'a> Lookup<'a> {
    /// The lookup for `source`; an environment variable shaped like an
    /// override that names no key is an error.
    pub fn new(
        source: &'a SourceText,
        env: &BTreeMap<String, String>,
        credentials: &'a [Credential],
    ) -> Result<Lookup<'a>, InputErrors> {
        let base = source
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok(Lookup {
            source,
            overrides: env_overrides(env)?,
            credentials,
            base,
        })
    }

    fn file<T: Clone>(&self, l: &Loc<T>) -> Value<'a, T> {
        Value {
            value: l.value.clone(),
            from: Whence::File(self.source, l.pos),
        }
    }

    fn env(&self, key: &str) -> Option<(&str, &str)> {
        self.overrides
            .get(key)
            .map(|(var, v)| (var.as_str(), v.as_str()))
    }

    /// The string at `key`, or `default`.
    pub fn string(
        &self,
        key: &str,
        file: Option<&Loc<String>>,
        default: &str,
    ) -> Value<'a, String> {
        if let Some((var, v)) = self.env(key) {
            return Value {
                value: v.to_string(),
                from: Whence::Env(var.to_string()),
            };
        }
        if let Some(c) = self.credentials.iter().find(|c| c.key == key) {
            return Value {
                value: c.value.clone(),
                from: Whence::Credential(c.path.clone()),
            };
        }
        file.map_or_else(
            || Value {
                value: default.to_string(),
                from: Whence::File(self.source, Pos::Unknown),
            },
            |l| self.file(l),
        )
    }

    /// The path at `key` (or `default`), relative to the config file's folder.
    pub fn path(
        &self,
        key: &str,
        file: Option<&Loc<String>>,
        default: &str,
    ) -> Result<PathBuf, InputErrors> {
        let v = self.string(key, file, default);
        if v.value.trim().is_empty() {
            return Err(v.error(key, quoted(&v.value), "a path").into());
        }
        Ok(self.base.join(v.value.trim()))
    }

    /// The whole number at `key`, within `range`, or `default`.
    pub fn int(
        &self,
        key: &str,
        file: Option<&Loc<i64>>,
        default: u32,
        range: RangeInclusive<i64>,
        expected: &str,
    ) -> Result<u32, InputErrors> {
        let v = match (self.env(key), file) {
            (Some((var, v)), _) => {
                let from = Whence::Env(var.to_string());
                match v.trim().parse::<i64>() {
                    Ok(value) => Value { value, from },
                    Err(_) => return Err(from.error(key, quoted(v), expected).into()),
                }
            }
            (None, Some(l)) => self.file(l),
            (None, None) => return Ok(default),
        };
        match u32::try_from(v.value) {
            Ok(n) if range.contains(&v.value) => Ok(n),
            _ => Err(v.error(key, v.value.to_string(), expected).into()),
        }
    }

    /// The boolean at `key`, or false.
    pub fn bool(&self, key: &str, file: Option<&Loc<bool>>) -> Result<bool, InputErrors> {
        match self.env(key) {
            Some((_, "true")) => Ok(true),
            Some((_, "false")) => Ok(false),
            Some((var, v)) => Err(Whence::Env(var.to_string())
                .error(key, quoted(v), "`true` or `false`")
                .into()),
            None => Ok(file.is_some_and(|l| l.value)),
        }
    }
}

/// `TOUCHBASE_<SECTION>__<KEY>` (or `TOUCHBASE_<KEY>` for top-level keys)
/// as `section.key` -> (variable, value). A variable that looks like an
/// override but names no key is an error, so typos do not go unnoticed.
fn env_overrides(
    env: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, (String, String)>, InputErrors> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    let known: Vec<String> = ENV_KEYS.iter().map(|(s, k)| env_name(s, k)).collect();
    for (var, value) in env {
        let Some(rest) = var.strip_prefix("TOUCHBASE_") else {
            continue;
        };
        let lower = rest.to_ascii_lowercase();
        let (section, key) = lower.split_once("__").unwrap_or(("", lower.as_str()));
        if let Some((s, k)) = ENV_KEYS.iter().find(|(s, k)| *s == section && *k == key) {
            let name = if s.is_empty() {
                (*k).to_string()
            } else {
                format!("{s}.{k}")
            };
            out.insert(name, (var.clone(), value.clone()));
        } else if rest.contains("__") {
            // Only names shaped like section overrides are checked:
            // TOUCHBASE_CONFIG and other single-word variables are not keys.
            errors.push(InputError {
                origin: Origin::Env(var.clone()),
                key: String::new(),
                found: format!("{var}, which names no configuration key"),
                expected: "TOUCHBASE_<SECTION>__<KEY> naming a key of touchbase.toml".into(),
                hint: did_you_mean(var, known.iter().map(String::as_str)),
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(InputErrors(errors))
    }
}

fn env_name(section: &str, key: &str) -> String {
    if section.is_empty() {
        format!("TOUCHBASE_{}", key.to_ascii_uppercase())
    } else {
        format!(
            "TOUCHBASE_{}__{}",
            section.to_ascii_uppercase(),
            key.to_ascii_uppercase()
        )
    }
}
