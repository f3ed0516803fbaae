//! Delivering one message: SMTP (lettre over connections touchbase opens,
//! see [`super::smtp`]), the local sendmail (lettre), or a folder of `.eml`
//! files. Each sending thread opens a [`Session`] and keeps its connection.
//!
//! The file transport is written here rather than taken from lettre
//! because lettre names its files with random UUIDs; touchbase names them
//! after the Message-ID, so a message delivered twice is one file, and
//! creates them 0600 in a 0700 folder (see [`crate::shell::private`]).

use std::io::Write;
use std::path::PathBuf;

use lettre::address::Envelope;
use lettre::{SendmailTransport, Transport as _};

use super::smtp;

use crate::shell::config::{SmtpTarget, Transport as Configured};

/// Why a message was not delivered, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Whether a later attempt may succeed (4xx, connection trouble).
    pub transient: bool,
    /// What happened, as the server or the system said it.
    pub message: String,
}

impl SendError {
    /// A retry may succeed.
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// A retry would fail the same way (5xx).
    pub fn is_permanent(&self) -> bool {
        !self.transient
    }
}

/// A configured way out.
#[derive(Clone)]
pub enum Sender {
    /// SMTP.
    Smtp(SmtpTarget),
    /// The local sendmail command.
    Sendmail(SendmailTransport),
    /// `.eml` files in a folder.
    File(PathBuf),
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP transport holds credentials: never print it.
        match self {
            Sender::Smtp(t) => write!(f, "Sender::Smtp({}:{})", t.host, t.port),
            Sender::Sendmail(_) => f.write_str("Sender::Sendmail"),
            Sender::File(dir) => write!(f, "Sender::File({})", dir.display()),
        }
    }
}

impl Sender {
    /// The transport that `config` describes. The configuration was
    /// checked when it was read; trouble shows when a [`Session`] connects
    /// or sends.
    pub fn new(config: &Configured) -> Result<Sender, SendError> {
        match config {
            Configured::Smtp(target) => Ok(Sender::Smtp(target.clone())),
            Configured::Sendmail => Ok(Sender::Sendmail(SendmailTransport::new())),
            Configured::File { dir } => Ok(Sender::File(dir.clone())),
        }
    }

    /// How many sessions at once are worth having.
    pub fn parallelism(&self) -> usize {
        match self {
            Sender::Smtp(_) => usize::MAX,
            Sender::Sendmail(_) => 2,
            Sender::File(_) => 1,
        }
    }

    /// A session: what one sending thread delivers through.
    pub fn session(&self) -> Result<Session<'_>, SendError> {
        Ok(match self {
            Sender::Smtp(t) => Session::Smtp(Box::new(smtp::Session::new(t.clone())?)),
            Sender::Sendmail(t) => Session::Sendmail(t),
            Sender::File(dir) => Session::File(dir),
        })
    }
}

/// One thread's way out (for SMTP, one connection).
pub enum Session<'a> {
    /// An SMTP connection.
    Smtp(Box<smtp::Session>),
    /// sendmail.
    Sendmail(&'a SendmailTransport),
    /// A folder.
    File(&'a std::path::Path),
}

impl Session<'_> {
    /// Delivers `body` from `from` to `to`; `message_id` names the file for
    /// the file transport.
    pub fn send(
        &mut self,
        from: &str,
        to: &str,
        message_id: &str,
        body: &[u8],
    ) -> Result<(), SendError> {
        let envelope = || -> Result<Envelope, SendError> {
            let parse = |a: &str| {
                a.parse().map_err(|e| SendError {
                    transient: false,
                    message: format!("invalid address {a:?}: {e}"),
                })
            };
            Envelope::new(Some(parse(from)?), vec![parse(to)?]).map_err(|e| SendError {
                transient: false,
                message: e.to_string(),
            })
        };
        match self {
            Session::Smtp(s) => s.send(&envelope()?, body),
            Session::Sendmail(t) => t.send_raw(&envelope()?, body).map_err(|e| SendError {
                transient: true,
                message: e.to_string(),
            }),
            Session::File(dir) => write_file(dir, message_id, body),
        }
    }
}

fn write_file(dir: &std::path::Path, message_id: &str, body: &[u8]) -> Result<(), SendError> {
    let io = |e: std::io::Error| SendError {
        transient: true,
        message: format!("{}: {e}", dir.display()),
    };
    crate::shell::private::create_dir_all(dir).map_err(io)?;
    let name: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Write then rename: a reader never sees half a message.
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = crate::shell::private::create_file(&tmp).map_err(io)?;
    f.write_all(body).and_then(|()| f.sync_all()).map_err(io)?;
    std::fs::rename(&tmp, dir.join(format!("{name}.eml"))).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_transport_names_files_after_the_message_id() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Sender::File(dir.path().join("outbox"));
        let mut session = s.session().expect("session");
        for _ in 0..2 {
            session
                .send("a@example.com", "b@example.com", "x1@touchbase", b"hello")
                .expect("send");
        }
        let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
            .expect("dir")
            .flatten()
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].file_name(), "x1_touchbase.eml");
    }

    #[test]
    fn refused_connection_is_transient() {
        // Port 9 on loopback: nothing listens there in a test environment.
        let cfg = Configured::Smtp(SmtpTarget::parse("smtp://127.0.0.1:9").expect("url"));
        let s = Sender::new(&cfg).expect("transport");
        let e = s
            .session()
            .expect("session")
            .send("a@example.com", "b@example.com", "m", b"x")
            .expect_err("refused");
        assert!(e.is_transient(), "{e}");
    }
}
