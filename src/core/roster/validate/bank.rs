//! The prompt bank of a roster: ids unique and non-empty, every prompt
//! a question on one line, tags non-empty; the built-in bank when there
//! is none.

use std::collections::HashMap;

use super::{key, Checker};
use crate::core::prompts::{Bank, Prompt};
use crate::core::roster::raw::RawPrompt;
use crate::core::source::{quoted, Loc};

impl Checker<'_> {
    /// The prompt bank: the built-in one when the roster has no `prompts`.
    pub(super) fn bank(&mut self, raw: &Option<Loc<Vec<RawPrompt>>>) -> Bank {
        let Some(list) = raw else {
            return Bank::built_in();
        };
        if list.value.is_empty() {
            self.error(
                list.pos,
                "prompts",
                "an empty list".into(),
                "at least one prompt (or no `prompts` key, for the built-in bank)",
            );
        }
        // Trimmed id -> line of the prompt that has it, for duplicate checks.
        let mut seen: HashMap<String, usize> = HashMap::new();
        let prompts: Vec<Prompt> = list
            .value
            .iter()
            .enumerate()
            .map(|(i, p)| self.prompt(i, p, &mut seen))
            .collect();
        if prompts.len() > usize::from(u16::MAX) {
            self.error(
                list.pos,
                "prompts",
                format!("{} prompts", prompts.len()),
                "at most 65535 prompts",
            );
        }
        Bank { prompts }
    }

    /// One `[[prompts]]` entry: a unique non-empty id, a question, tags.
    fn prompt(&mut self, i: usize, p: &RawPrompt, seen: &mut HashMap<String, usize>) -> Prompt {
        let prefix = format!("prompts[{i}]");
        let id = p.id.value.trim();
        if id.is_empty() {
            self.error(
                p.id.pos,
                &key(&prefix, "id"),
                quoted(&p.id.value),
                "a non-empty id",
            );
        } else if let Some(first) = seen.get(id) {
            let found = format!("{}, already the id of prompt on line {first}", quoted(id));
            self.error(
                p.id.pos,
                &key(&prefix, "id"),
                found,
                "an id used by no other prompt",
            );
        } else {
            seen.insert(id.to_string(), self.line(p.id.pos));
        }
        if p.text.value.trim().is_empty() {
            self.error(
                p.text.pos,
                &key(&prefix, "text"),
                quoted(&p.text.value),
                "the prompt's question",
            );
        } else {
            self.one_line(&p.text, &key(&prefix, "text"), "a prompt");
        }
        let mut tags = Vec::new();
        for (j, t) in p.tags.iter().enumerate() {
            if t.value.trim().is_empty() {
                self.error(
                    t.pos,
                    &format!("{prefix}.tags[{j}]"),
                    quoted(&t.value),
                    "a non-empty tag",
                );
            } else {
                tags.push(t.value.trim().to_string());
            }
        }
        Prompt {
            id: id.to_string(),
            text: p.text.value.trim().to_string(),
            tags,
        }
    }
}
