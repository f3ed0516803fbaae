//! `preview --json`: the meetings as a JSON array, written straight from
//! the plan into a buffer.
//!
//! The bytes are those of `serde_json::to_writer_pretty` over one object
//! per meeting (the test below compares the two). serde_json's pretty
//! printer makes a call per token and per indent level and checks every
//! byte of every string for escapes: about 130 MB/s, three seconds for
//! the 380 MB of a 12-week preview of 100,000 pairs. Here the layout is
//! fixed, whole lines are copied at once, and a string goes through
//! serde_json's escaping only when it holds a byte that needs it.
//!
//! Fields, in order: `manager`, `manager_name`, `report`, `report_name`
//! (addresses and names), `start` and `end` (RFC 3339 with the local UTC
//! offset), `timezone` (IANA), `duration_minutes`, `location`, `prompts`
//! and `prompt_ids`, `uid` (of the series) and `occurrence` (position in
//! the series, 0 = the `start` date).

use std::io::{self, Write};

use crate::core::plan::Meeting;
use crate::core::prompts::Prompt;
use crate::core::roster::{Pair, Roster};

/// How much is gathered before it is handed to the output.
const CHUNK: usize = 1 << 16;

/// Writes `meetings` as a pretty-printed JSON array and a newline.
pub fn write(roster: &Roster, meetings: &[Meeting<'_>], out: &mut dyn Write) -> io::Result<()> {
    if meetings.is_empty() {
        return out.write_all(b"[]\n");
    }
    let pairs = PairFields::new(roster)?;
    let mut buf = Vec::with_capacity(CHUNK + 4096);
    buf.extend_from_slice(b"[\n");
    for (i, m) in meetings.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(b",\n");
        }
        meeting(&mut buf, roster, &pairs, m)?;
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n]\n");
    out.write_all(&buf)
}

/// The fields that are the same for every meeting of a pair, written once
/// per pair into one buffer: meetings come in order of start, so writing
/// each from its pair's strings read them from all over the heap, a cache
/// miss each; a pair's fields are now one contiguous copy.
struct PairFields {
    bytes: Vec<u8>,
    /// Per pair (as indexed in the roster): where its fields from
    /// `manager` to `report_name`, from `timezone` to `location`, and its
    /// series UID start, and where they end.
    spans: Vec<[usize; 4]>,
}

impl PairFields {
    fn new(roster: &Roster) -> io::Result<PairFields> {
        let mut bytes = Vec::new();
        let mut spans = Vec::with_capacity(roster.pairs.len());
        for pair in &roster.pairs {
            let head = bytes.len();
            if pair.is_active() {
                bytes.extend_from_slice(b"    \"manager\": ");
                string(&mut bytes, &pair.manager.email)?;
                bytes.extend_from_slice(b",\n    \"manager_name\": ");
                string(&mut bytes, &pair.manager.name)?;
                bytes.extend_from_slice(b",\n    \"report\": ");
                string(&mut bytes, &pair.report.email)?;
                bytes.extend_from_slice(b",\n    \"report_name\": ");
                string(&mut bytes, &pair.report.name)?;
            }
            let middle = bytes.len();
            if pair.is_active() {
                bytes.extend_from_slice(b",\n    \"timezone\": ");
                string(&mut bytes, &pair.timezone)?;
                write!(
                    bytes,
                    ",\n    \"duration_minutes\": {}",
                    pair.duration_minutes
                )?;
                bytes.extend_from_slice(b",\n    \"location\": ");
                string(&mut bytes, &pair.location)?;
            }
            let uid = bytes.len();
            if pair.is_active() {
                string(&mut bytes, &pair.uid)?;
            }
            spans.push([head, middle, uid, bytes.len()]);
        }
        Ok(PairFields { bytes, spans })
    }

    /// The fields of `m`'s pair, if it is one of `roster`'s pairs.
    fn of(&self, roster: &Roster, m: &Meeting<'_>) -> Option<[&[u8]; 3]> {
        // A meeting's pair is a reference into `roster.pairs`: its index is
        // its distance from the start, checked before use.
        let size = std::mem::size_of::<Pair>().max(1);
        let offset = (m.pair as *const Pair as usize).checked_sub(roster.pairs.as_ptr() as usize)?;
        let i = offset / size;
        if !std::ptr::eq(roster.pairs.get(i)?, m.pair) {
            return None;
        }
        let [head, middle, uid, end] = *self.spans.get(i)?;
        Some([
            self.bytes.get(head..middle)?,
            self.bytes.get(middle..uid)?,
            self.bytes.get(uid..end)?,
        ])
    }
}

/// One meeting's object, indented as an element of the array.
fn meeting(
    buf: &mut Vec<u8>,
    roster: &Roster,
    pairs: &PairFields,
    m: &Meeting<'_>,
) -> io::Result<()> {
    let pair = m.pair;
    let Some([head, middle, uid]) = pairs.of(roster, m) else {
        return meeting_alone(buf, roster, m);
    };
    buf.extend_from_slice(b"  {\n");
    buf.extend_from_slice(head);
    times(buf, m)?;
    buf.extend_from_slice(middle);
    prompt_lists(buf, roster, m)?;
    buf.extend_from_slice(b",\n    \"uid\": ");
    // A meeting of the pair's current series carries the pair's UID.
    if std::ptr::eq(m.uid.as_ptr(), pair.uid.as_ptr()) && m.uid.len() == pair.uid.len() {
        buf.extend_from_slice(uid);
    } else {
        string(buf, &m.uid)?;
    }
    write!(buf, ",\n    \"occurrence\": {}\n  }}", m.occurrence)
}

/// One meeting's object, every field read from its pair.
fn meeting_alone(buf: &mut Vec<u8>, roster: &Roster, m: &Meeting<'_>) -> io::Result<()> {
    let pair = m.pair;
    buf.extend_from_slice(b"  {\n    \"manager\": ");
    string(buf, &pair.manager.email)?;
    buf.extend_from_slice(b",\n    \"manager_name\": ");
    string(buf, &pair.manager.name)?;
    buf.extend_from_slice(b",\n    \"report\": ");
    string(buf, &pair.report.email)?;
    buf.extend_from_slice(b",\n    \"report_name\": ");
    string(buf, &pair.report.name)?;
    times(buf, m)?;
    buf.extend_from_slice(b",\n    \"timezone\": ");
    string(buf, &pair.timezone)?;
    write!(
        buf,
        ",\n    \"duration_minutes\": {}",
        pair.duration_minutes
    )?;
    buf.extend_from_slice(b",\n    \"location\": ");
    string(buf, &pair.location)?;
    prompt_lists(buf, roster, m)?;
    buf.extend_from_slice(b",\n    \"uid\": ");
    string(buf, &m.uid)?;
    write!(buf, ",\n    \"occurrence\": {}\n  }}", m.occurrence)
}

/// `start` and `end`.
fn times(buf: &mut Vec<u8>, m: &Meeting<'_>) -> io::Result<()> {
    // RFC 3339 is digits, `-`, `:`, `T`, `+`, `.` and `Z`: nothing to escape.
    let tz = &m.pair.tz;
    let at = |ts: jiff::Timestamp| ts.display_with_offset(tz.to_offset(ts));
    write!(buf, ",\n    \"start\": \"{}\"", at(m.start))?;
    write!(buf, ",\n    \"end\": \"{}\"", at(m.end))
}

/// `prompts` and `prompt_ids`.
fn prompt_lists(buf: &mut Vec<u8>, roster: &Roster, m: &Meeting<'_>) -> io::Result<()> {
    buf.extend_from_slice(b",\n    \"prompts\": ");
    prompts(buf, roster, m, |p| &p.text)?;
    buf.extend_from_slice(b",\n    \"prompt_ids\": ");
    prompts(buf, roster, m, |p| &p.id)
}

/// One field of each of the meeting's prompts, as an array.
fn prompts(
    buf: &mut Vec<u8>,
    roster: &Roster,
    m: &Meeting<'_>,
    field: fn(&Prompt) -> &String,
) -> io::Result<()> {
    let mut any = false;
    for p in m.prompts(roster) {
        buf.extend_from_slice(if any { b",\n      " } else { b"[\n      " });
        string(buf, field(p))?;
        any = true;
    }
    buf.extend_from_slice(if any { b"\n    ]" } else { b"[]" });
    Ok(())
}

/// `s` as a JSON string.
fn string(buf: &mut Vec<u8>, s: &str) -> io::Result<()> {
    // serde_json escapes `"`, `\` and control characters, nothing else.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(buf, s).map_err(io::Error::from)
    }
}

#[cfg(test)]
mod tests;
