//! Reading TOML, YAML and JSON into raw serde structs, with every error
//! turned into an [`InputError`] that names position and key path.

use crate::core::source::{
    did_you_mean, with_format, Format, InputError, InputErrors, Origin, Pos, SourceText,
};

/// Parses TOML text into `T`, turning any error into an [`InputError`] that
/// names the position and the key path.
pub fn parse_toml<T: serde::de::DeserializeOwned>(source: &SourceText) -> Result<T, InputErrors> {
    let de = match toml::Deserializer::parse(&source.text) {
        Ok(de) => de,
        Err(e) => return Err(toml_error(source, &e, "").into()),
    };
    with_format(Format::Toml, || serde_path_to_error::deserialize(de)).map_err(|e| {
        let path = e.path().to_string();
        toml_error(source, e.inner(), &path).into()
    })
}

fn toml_error(source: &SourceText, e: &toml::de::Error, path: &str) -> InputError {
    let pos = e.span().map_or(Pos::Unknown, |s| Pos::Offset(s.start));
    serde_message_error(source.origin(pos), e.message(), path, "valid TOML")
}

/// Parses YAML text (or JSON, read as YAML) into `T`, like [`parse_toml`].
pub fn parse_yaml<T: serde::de::DeserializeOwned>(source: &SourceText) -> Result<T, InputErrors> {
    let mut path = String::new();
    let result = with_format(Format::Yaml, || {
        serde_saphyr::with_deserializer_from_str(&source.text, |de| {
            serde_path_to_error::deserialize(de).map_err(|e| {
                path = e.path().to_string();
                e.into_inner()
            })
        })
    });
    result.map_err(|e| {
        let pos = e
            .location()
            .filter(|l| l.line() > 0)
            .map_or(Pos::Unknown, |l| {
                Pos::LineCol(l.line() as usize, l.column() as usize)
            });
        let message = e.without_snippet().to_string();
        // The message may end with its own position; ours is in the origin.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        serde_message_error(source.origin(pos), &message, &path, "valid YAML").into()
    })
}

/// Builds an [`InputError`] out of a serde error message, recognising the
/// standard serde phrasings so that found and expected come out separately.
fn serde_message_error(origin: Origin, message: &str, path: &str, syntax: &str) -> InputError {
    let message = message.trim();
    // Drop the segments that span wrappers add (`toml::Spanned`'s private
    // key, `serde_saphyr::Spanned`'s `value`): people never wrote them.
    let path = path
        .split('.')
        .filter(|seg| !seg.is_empty() && !seg.starts_with("$__") && *seg != "value")
        .collect::<Vec<_>>()
        .join(".");
    let path = path.as_str();
    let mut e = InputError {
        origin,
        key: path.to_string(),
        found: message.to_string(),
        expected: syntax.to_string(),
        hint: None,
    };
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (field, expected) = rest.split_once(", ").unwrap_or((rest, ""));
        let field = field.trim_matches('`');
        let known: Vec<&str> = expected
            .trim_start_matches("expected one of ")
            .trim_start_matches("expected ")
            .split(", ")
            .map(|s| s.trim_matches('`'))
            .filter(|s| !s.is_empty() && !s.contains(' '))
            .collect();
        e.found = format!("unknown key `{field}`");
        e.expected = if known.is_empty() {
            "no keys here".to_string()
        } else {
            format!(
                "one of {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        e.hint = did_you_mean(field, known.iter().copied());
        // The path already ends with the unknown key.
        if !e.key.ends_with(field) {
            e.key = join_key(&e.key, field);
        }
    } else if let Some(rest) = message.strip_prefix("missing field ") {
        let field = rest.trim_matches('`');
        e.key = join_key(&e.key, field);
        e.found = "nothing".to_string();
        e.expected = format!("the required key `{field}`");
    } else if let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
    {
        if let Some((found, expected)) = rest.rsplit_once(", expected ") {
            e.found = found.to_string();
            e.expected = match expected {
                "i64" | "u64" | "i32" | "u32" => "a whole number",
                "a boolean" => "`true` or `false`",
                other => other,
            }
            .to_string();
        }
    }
    e
}

fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}
