//! SMTP sessions: lettre speaks the protocol; touchbase opens the TCP
//! connection itself so that it can set `TCP_NODELAY`.
//!
//! lettre writes a message's body and its closing `.` in two writes and
//! leaves Nagle's algorithm on, so on Linux every message waits for the
//! server's delayed ACK (about 40 ms): measured, 176 messages/s over 8
//! connections into Postfix's smtp-sink. With the connection opened here
//! (no delay) the same setup is limited by the server instead. See
//! docs/DEPENDENCIES.md.
//!
//! Where to connect comes from the configuration as an [`SmtpTarget`]:
//! `mail.url` is read there, once, so `touchbase check` judges the same
//! target that is dialled here. A password goes out only over TLS, unless
//! the URL says `tls=none`: a server that offers no STARTTLS gets no AUTH
//! and no message, and the message waits in the outbox with the reason.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use super::transport::SendError;
use crate::shell::config::{SmtpTarget, Tls};

/// How long a connect, a command or a message may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Opens and, as the target says, secures and authenticates a connection.
async fn connect(target: &SmtpTarget) -> Result<AsyncSmtpConnection, Fail> {
    let hello = ClientId::default();
    let mut conn = if target.tls == Tls::Implicit {
        // The TLS stream is lettre's own here; it has no way to set
        // TCP_NODELAY, so implicit TLS keeps the delayed-ACK wait.
        let params = TlsParameters::new(target.host.clone())?;
        AsyncSmtpConnection::connect_tokio1(
            (target.host.as_str(), target.port),
            Some(TIMEOUT),
            &hello,
            Some(params),
            None,
        )
        .await?
    } else {
        let tcp = tokio::time::timeout(
            TIMEOUT,
            tokio::net::TcpStream::connect((target.host.as_str(), target.port)),
        )
        .await
        .map_err(|_| {
            Fail::Io(format!(
                "connecting to {}:{} timed out",
                target.host, target.port
            ))
        })?
        .map_err(|e| {
            Fail::Io(format!(
                "connecting to {}:{}: {e}",
                target.host, target.port
            ))
        })?;
        tcp.set_nodelay(true)
            .map_err(|e| Fail::Io(format!("TCP_NODELAY: {e}")))?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello).await?;
        let starttls = match target.tls {
            Tls::Required if !conn.can_starttls() => {
                conn.abort().await;
                return Err(Fail::Io(no_starttls(target)));
            }
            Tls::Required => true,
            Tls::Opportunistic => conn.can_starttls(),
            Tls::None | Tls::Implicit => false,
        };
        if starttls {
            conn.starttls(TlsParameters::new(target.host.clone())?, &hello)
                .await?;
        }
        conn
    };
    if let Some(c) = &target.credentials {
        // The parser turns every URL with credentials into TLS required
        // unless it says `tls=none`; this is the last line of defence.
        if !conn.is_encrypted() && target.tls != Tls::None {
            conn.abort().await;
            return Err(Fail::Io(no_starttls(target)));
        }
        let c = Credentials::new(c.user.clone(), c.password.clone());
        conn.auth(&[Mechanism::Plain, Mechanism::Login], &c).await?;
    }
    Ok(conn)
}

/// Why nothing was sent to a server that does not offer STARTTLS.
fn no_starttls(target: &SmtpTarget) -> String {
    format!(
        "{}:{} does not offer STARTTLS, which mail.url requires{}; nothing was sent \
         (use smtps://, a server that offers STARTTLS, or ?tls=none for a relay on this machine)",
        target.host,
        target.port,
        if target.credentials.is_some() {
            " (credentials go only over TLS)"
        } else {
            ""
        }
    )
}

/// A failed connect or send.
enum Fail {
    /// lettre's protocol or network error.
    Smtp(lettre::transport::smtp::Error),
    /// Trouble before lettre took over (connect, timeouts).
    Io(String),
}

impl From<lettre::transport::smtp::Error> for Fail {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Fail::Smtp(e)
    }
}

/// One SMTP connection, opened on first use and reopened after a failure.
pub struct Session {
    target: SmtpTarget,
    runtime: tokio::runtime::Runtime,
    conn: Option<AsyncSmtpConnection>,
}

impl Session {
    /// A session to `target` (nothing is connected yet).
    pub fn new(target: SmtpTarget) -> Result<Session, SendError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SendError {
                transient: true,
                message: format!("cannot start the SMTP session: {e}"),
            })?;
        Ok(Session {
            target,
            runtime,
            conn: None,
        })
    }

    /// Sends one message; a failure closes the connection.
    pub fn send(&mut self, envelope: &Envelope, body: &[u8]) -> Result<(), SendError> {
        let target = &self.target;
        let conn = &mut self.conn;
        let result: Result<(), Fail> = self.runtime.block_on(async {
            if conn.is_none() {
                // The whole opening (greeting, EHLO, STARTTLS, AUTH): a
                // server that accepts and then says nothing must not hold
                // a sending thread forever.
                let opened = tokio::time::timeout(TIMEOUT, connect(target))
                    .await
                    .map_err(|_| Fail::Io("the SMTP server did not greet in time".into()))?;
                *conn = Some(opened?);
            }
            match conn.as_mut() {
                Some(c) => tokio::time::timeout(TIMEOUT, c.send(envelope, body))
                    .await
                    .map_err(|_| Fail::Io("the SMTP server did not answer in time".into()))?
                    .map(|_| ())
                    .map_err(Fail::from),
                None => Ok(()),
            }
        });
        result.map_err(|e| {
            self.conn = None;
            match e {
                // Only a 5xx answer is final; connection trouble, timeouts,
                // TLS hiccups and 4xx all deserve another try.
                Fail::Smtp(e) => SendError {
                    transient: !e.is_permanent(),
                    message: e.to_string(),
                },
                Fail::Io(message) => SendError {
                    transient: true,
                    message,
                },
            }
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(mut c) = self.conn.take() {
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(2), c.quit()).await });
        }
    }
}
