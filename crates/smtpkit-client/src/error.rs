//! What can go wrong in a session, typed so that a caller knows whether to
//! try again.

use std::fmt;
use std::io;

use smtpkit_codec::{ParseError, Reply};

/// An error of the client: a struct around a [`ErrorKind`], with the
/// predicates a caller decides on.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
}

/// The kinds of [`Error`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The TCP connection could not be made.
    Connect(io::Error),
    /// Reading or writing failed.
    Io(io::Error),
    /// No reply came within the deadline of a command.
    Timeout {
        /// The command or step that was waiting, such as `MAIL`.
        step: &'static str,
    },
    /// The server closed the connection while a reply was due.
    Closed {
        /// The command or step that was waiting.
        step: &'static str,
    },
    /// An earlier failure (a lost connection, a timeout, a protocol
    /// violation, a message cut off) left the session where client and
    /// server may disagree about what comes next, so nothing more is sent
    /// on it; open a new connection.
    Broken {
        /// The step that failed first.
        step: &'static str,
    },
    /// The server answered with a transient (4yz) or permanent (5yz)
    /// failure, or with a reply that makes no sense at that step.
    Rejected {
        /// The command or step that was answered.
        step: &'static str,
        /// The whole reply.
        reply: Reply<'static>,
    },
    /// The server broke the protocol: a malformed or overlong reply, or
    /// bytes where none were due.
    Protocol {
        /// What was wrong.
        detail: ProtocolViolation,
    },
    /// The connection was lost, or the deadline passed, after the end of
    /// the message was sent: the server may or may not have taken it.
    /// Sending it again could deliver it twice.
    OutcomeUnknown {
        /// What happened.
        cause: Box<Error>,
    },
    /// The message needs an extension the server does not offer.
    Unsupported {
        /// The extension, such as `SMTPUTF8`.
        extension: &'static str,
    },
    /// The message is larger than the server's SIZE.
    MessageTooLarge {
        /// The message's size in octets as RFC 1870 §3 counts it: with
        /// CRLF line endings, without stuffed dots and the final dot.
        size: u64,
        /// The server's limit in octets.
        limit: u64,
    },
    /// A command line would carry a control character (CR, LF, NUL or
    /// another) before its final CRLF, which could smuggle a second
    /// command onto the connection; nothing of it was sent.
    InvalidCommand {
        /// The command, such as `MAIL`.
        step: &'static str,
        /// Where in the command line the control character is.
        offset: usize,
    },
    /// Every recipient was refused; each reply is in the report.
    AllRecipientsRejected {
        /// The replies, one per recipient, in order.
        replies: Vec<Reply<'static>>,
    },
    /// TLS could not be set up: a CA file or server name that cannot be
    /// used, or a handshake that failed (a certificate the client does not
    /// trust, an expired one, a connection dropped in the handshake).
    Tls {
        /// `TLS setup`, `STARTTLS` or `implicit TLS`.
        step: &'static str,
        /// What went wrong, as rustls reports it.
        error: io::Error,
    },
    /// TLS is required and the server does not offer STARTTLS: nothing
    /// more is sent in plaintext (RFC 3207 §4, against stripping).
    TlsNotOffered,
}

/// How a server broke the protocol.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// A reply did not parse or went over a limit.
    MalformedReply(ParseError),
    /// The server sent a reply while the client was still sending the
    /// message, before the end of data.
    ReplyDuringData,
    /// The server sent more after its 220 to STARTTLS, in plaintext,
    /// where only the TLS handshake may come: bytes that would otherwise
    /// be taken as the first replies over TLS (response injection).
    DataAfterStartTls,
    /// A CRAM-MD5 challenge that is not base64.
    MalformedChallenge,
}

impl Error {
    /// Wraps a kind.
    pub fn new(kind: ErrorKind) -> Self {
        Self { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// True for a 4yz reply, a timeout or a lost connection: the same
    /// request may succeed later.
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            ErrorKind::Rejected { reply, .. } => reply.is_transient(),
            ErrorKind::Timeout { .. } | ErrorKind::Closed { .. } | ErrorKind::Io(_) => true,
            ErrorKind::Connect(_) => true,
            ErrorKind::AllRecipientsRejected { replies } => {
                replies.iter().all(|r| r.is_transient())
            }
            _ => false,
        }
    }

    /// True for a 5yz reply and for what no retry can fix.
    pub fn is_permanent(&self) -> bool {
        match &self.kind {
            ErrorKind::Rejected { reply, .. } => reply.is_permanent(),
            ErrorKind::AllRecipientsRejected { replies } => {
                replies.iter().any(|r| r.is_permanent())
            }
            ErrorKind::Unsupported { .. }
            | ErrorKind::TlsNotOffered
            | ErrorKind::MessageTooLarge { .. }
            | ErrorKind::InvalidCommand { .. } => true,
            _ => false,
        }
    }

    /// True when the message may have been delivered although no reply
    /// said so.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self.kind, ErrorKind::OutcomeUnknown { .. })
    }

    /// The server's reply, where the error is one.
    pub fn reply(&self) -> Option<&Reply<'static>> {
        match &self.kind {
            ErrorKind::Rejected { reply, .. } => Some(reply),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Connect(_) => f.write_str("could not connect"),
            ErrorKind::Io(_) => f.write_str("connection failed"),
            ErrorKind::Timeout { step } => write!(f, "no reply to {step} in time"),
            ErrorKind::Closed { step } => write!(f, "server closed the connection at {step}"),
            ErrorKind::Broken { step } => {
                write!(f, "the session broke at {step} and sends nothing more")
            }
            ErrorKind::Rejected { step, reply } => write!(f, "{step} rejected: {reply}"),
            ErrorKind::Protocol { detail } => match detail {
                ProtocolViolation::MalformedReply(e) => write!(f, "malformed reply: {e}"),
                ProtocolViolation::ReplyDuringData => {
                    f.write_str("server replied before the end of the message")
                }
                ProtocolViolation::DataAfterStartTls => {
                    f.write_str("server sent plaintext after its 220 to STARTTLS")
                }
                ProtocolViolation::MalformedChallenge => {
                    f.write_str("server sent a challenge that is not base64")
                }
            },
            ErrorKind::OutcomeUnknown { .. } => {
                f.write_str("outcome unknown: the connection failed after the message was sent")
            }
            ErrorKind::Unsupported { extension } => {
                write!(f, "the message needs {extension}, which the server does not offer")
            }
            ErrorKind::Tls { step, error } => write!(f, "TLS failed at {step}: {error}"),
            ErrorKind::TlsNotOffered => {
                f.write_str("TLS is required and the server does not offer STARTTLS")
            }
            ErrorKind::MessageTooLarge { size, limit } => {
                write!(f, "message of {size} octets exceeds the server's limit of {limit}")
            }
            ErrorKind::InvalidCommand { step, offset } => {
                write!(f, "{step} not sent: a control character at offset {offset}")
            }
            ErrorKind::AllRecipientsRejected { replies } => {
                write!(f, "all {} recipients rejected", replies.len())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Connect(e) | ErrorKind::Io(e) | ErrorKind::Tls { error: e, .. } => Some(e),
            ErrorKind::OutcomeUnknown { cause } => Some(cause.as_ref()),
            ErrorKind::Protocol { detail: ProtocolViolation::MalformedReply(e) } => Some(e),
            _ => None,
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}
