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
//! URL forms, as lettre's own `from_url`: `smtp://host:port` (plain),
//! `smtp://...?tls=required` or `?tls=opportunistic` (STARTTLS),
//! `smtps://host:port` (TLS from the first byte), with optional
//! `user:password@` (percent-encoded) for AUTH PLAIN/LOGIN.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use percent_encoding::percent_decode_str;

use super::transport::SendError;

/// How long a connect, a command or a message may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// TLS use, from the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// None at all.
    None,
    /// STARTTLS when offered.
    Opportunistic,
    /// STARTTLS or fail.
    Required,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

/// Where and how to connect.
#[derive(Clone)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS use.
    pub tls: Tls,
    credentials: Option<Credentials>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print credentials.
        f.debug_struct("Target")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("credentials", &self.credentials.as_ref().map(|_| "MASKED"))
            .finish()
    }
}

fn permanent(message: String) -> SendError {
    SendError {
        transient: false,
        message,
    }
}

impl Target {
    /// Reads `smtp://` and `smtps://` URLs.
    pub fn from_url(s: &str) -> Result<Target, SendError> {
        let url = url::Url::parse(s.trim()).map_err(|e| permanent(format!("mail.url: {e}")))?;
        let (default_port, mut tls) = match url.scheme() {
            "smtp" => (587, Tls::None),
            "smtps" => (465, Tls::Implicit),
            other => {
                return Err(permanent(format!(
                    "mail.url: unknown scheme {other:?}, expected smtp or smtps"
                )))
            }
        };
        for (k, v) in url.query_pairs() {
            if k == "tls" {
                tls = match (tls, v.as_ref()) {
                    (Tls::Implicit, _) => Tls::Implicit,
                    (_, "required") => Tls::Required,
                    (_, "opportunistic") => Tls::Opportunistic,
                    (_, other) => {
                        return Err(permanent(format!(
                            "mail.url: tls={other:?}, expected required or opportunistic"
                        )))
                    }
                };
            }
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| permanent("mail.url: no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let decode = |v: &str| percent_decode_str(v).decode_utf8_lossy().into_owned();
        let credentials = (!url.username().is_empty()).then(|| {
            Credentials::new(decode(url.username()), decode(url.password().unwrap_or("")))
        });
        Ok(Target {
            host,
            port: url.port().unwrap_or(default_port),
            tls,
            credentials,
        })
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Fail> {
        let hello = ClientId::default();
        let mut conn = if self.tls == Tls::Implicit {
            // The TLS stream is lettre's own here; it has no way to set
            // TCP_NODELAY, so implicit TLS keeps the delayed-ACK wait.
            let params = TlsParameters::new(self.host.clone())?;
            AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(TIMEOUT),
                &hello,
                Some(params),
                None,
            )
            .await?
        } else {
            let tcp = tokio::time::timeout(
                TIMEOUT,
                tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
            )
            .await
            .map_err(|_| {
                Fail::Io(format!(
                    "connecting to {}:{} timed out",
                    self.host, self.port
                ))
            })?
            .map_err(|e| Fail::Io(format!("connecting to {}:{}: {e}", self.host, self.port)))?;
            tcp.set_nodelay(true)
                .map_err(|e| Fail::Io(format!("TCP_NODELAY: {e}")))?;
            let mut conn =
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello).await?;
            match self.tls {
                Tls::Required => {
                    conn.starttls(TlsParameters::new(self.host.clone())?, &hello)
                        .await?
                }
                Tls::Opportunistic if conn.can_starttls() => {
                    conn.starttls(TlsParameters::new(self.host.clone())?, &hello)
                        .await?;
                }
                _ => {}
            }
            conn
        };
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c).await?;
        }
        Ok(conn)
    }
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
    target: Target,
    runtime: tokio::runtime::Runtime,
    conn: Option<AsyncSmtpConnection>,
}

impl Session {
    /// A session to `target` (nothing is connected yet).
    pub fn new(target: Target) -> Result<Session, SendError> {
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
                *conn = Some(target.connect().await?);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = Target::from_url("smtp://127.0.0.1:2525").expect("url");
        assert_eq!(
            (t.host.as_str(), t.port, t.tls),
            ("127.0.0.1", 2525, Tls::None)
        );
        assert!(t.credentials.is_none());
        let t = Target::from_url("smtps://bob:p%40ss@mail.example.com").expect("url");
        assert_eq!((t.port, t.tls), (465, Tls::Implicit));
        assert!(t.credentials.is_some());
        assert!(!format!("{t:?}").contains("p@ss"));
        let t = Target::from_url("smtp://mail.example.com?tls=required").expect("url");
        assert_eq!((t.port, t.tls), (587, Tls::Required));
        let t = Target::from_url("smtp://[::1]:25").expect("url");
        assert_eq!(t.host, "::1");
        assert!(Target::from_url("http://x").is_err());
        assert!(Target::from_url("smtp://x?tls=maybe").is_err());
    }
}
