//! Email: invitations as iMIP messages (RFC 6047), and the transports that
//! deliver them.
//!
//! - [`message`]: the pure part: one MIME message, byte for byte the same
//!   for the same input (derived boundaries and Message-ID, injected date).
//! - [`plain`]: a plain mail (the weekly digest): text and HTML, no
//!   calendar; also the headers and readable parts every mail shares.
//! - [`transport`]: SMTP, sendmail or a folder of `.eml` files, with errors
//!   sorted into transient (retry) and permanent (give up).
//! - [`page_link`]: a report's own page, named in their copy of an
//!   invitation.
//! - [`sender`]: drains the ledger's outbox through a transport.

pub mod message;
pub mod page_link;
pub mod plain;
pub mod sender;
pub mod smtp;
pub mod transport;
