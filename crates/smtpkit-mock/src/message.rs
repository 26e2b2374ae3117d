//! What a session hands over for each message it accepted: the envelope,
//! the content as stored, and what is known of the session that sent it.

use smtpkit_codec::{
    ForwardPath, HeaderOptions, HeaderSection, Host, MailParameters, ParseError, RcptParameters,
    ReversePath,
};

use crate::tls::TlsFacts;
use crate::transcript::Transcript;

/// A message the session accepted: emitted as
/// [`Event::MessageReceived`](crate::Event::MessageReceived) after the real
/// end of its data and every check, right before the 250 reply to it.
///
/// The time it arrived and a unique id are for the store to add; the
/// session reads no clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// Who sent it and to whom, with every parameter given.
    pub envelope: Envelope,
    /// The message as stored: after DATA, the bytes between the data's
    /// start and its end line, with the stuffed dots removed (and bare
    /// line endings as the policy made them); after BDAT, the chunks'
    /// octets joined.
    pub content: Vec<u8>,
    /// How the message came: DATA or BDAT.
    pub transfer: Transfer,
    /// The session that sent it.
    pub facts: SessionFacts,
    /// The session up to this message's end, both directions.
    pub transcript: Transcript,
    /// Deviations from the protocol the session tolerated in this message.
    pub violations: Vec<Violation>,
    /// The message's number within its session, from 1.
    pub sequence: u64,
}

impl ReceivedMessage {
    /// Reads the header section of the content (RFC 5322), and the body
    /// after it.
    ///
    /// # Errors
    ///
    /// As [`HeaderSection::parse_message`]: the content does not start
    /// with a well-formed header section.
    ///
    /// ```
    /// use smtpkit_mock::{Session, SessionConfig, Event};
    ///
    /// let mut session = Session::new(SessionConfig::default(), "192.0.2.1:4321")?;
    /// session.receive(b"EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    /// session.receive(b"Subject: hi\r\n\r\nbody\r\n.\r\n");
    /// let Some(Event::MessageReceived(message)) = session.events().next() else {
    ///     panic!("a message");
    /// };
    /// let (header, body) = message.header_section().expect("a header section");
    /// assert_eq!(header.get("subject").expect("present").unstructured(), "hi");
    /// assert_eq!(body, b"body\r\n");
    ///
    /// let mut broken = message.clone();
    /// broken.content = b"no colon here\r\n\r\n".to_vec();
    /// assert!(broken.header_section().is_err());
    /// # Ok::<(), smtpkit_mock::ConfigError>(())
    /// ```
    pub fn header_section(&self) -> Result<(HeaderSection<'_>, &[u8]), ParseError> {
        HeaderSection::parse_message(&self.content, &HeaderOptions::default())
    }
}

/// The envelope of a message: its reverse-path and forward-paths with
/// their parameters (RFC 5321 §2.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse-path of MAIL FROM; `<>` is [`ReversePath::Null`].
    pub reverse_path: ReversePath<'static>,
    /// Every parameter of MAIL FROM, in the order given.
    pub mail_parameters: MailParameters<'static>,
    /// The accepted recipients, in the order given; refused ones are not
    /// here.
    pub recipients: Vec<Recipient>,
}

/// One accepted RCPT TO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The recipient.
    pub forward_path: ForwardPath<'static>,
    /// Its parameters, in the order given.
    pub parameters: RcptParameters<'static>,
}

/// How the content of a message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transfer {
    /// After DATA, dot-stuffed and ended by a line with one dot.
    Data,
    /// In BDAT chunks (RFC 3030), each of an announced size.
    Bdat,
}

/// What is known of a session's client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionFacts {
    /// The peer as the I/O layer described it, usually its socket address.
    pub peer: String,
    /// The last greeting the client sent, if any.
    pub hello: Option<Hello>,
    /// The session's TLS, once it runs over TLS.
    pub tls: Option<TlsFacts>,
    /// The user the client authenticated as with AUTH, if it did.
    pub auth: Option<String>,
}

/// A client's greeting command and the name it gave.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hello {
    /// Which greeting: HELO, EHLO or LHLO.
    pub verb: HelloVerb,
    /// The name the client gave for itself.
    pub name: Host<'static>,
}

/// The greeting commands; they say which protocol the client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HelloVerb {
    /// HELO: plain SMTP, no extensions.
    Helo,
    /// EHLO: ESMTP, with the extensions the server offered.
    Ehlo,
    /// LHLO: LMTP (RFC 2033).
    Lhlo,
}

impl HelloVerb {
    /// True for EHLO and LHLO, which offer the extensions.
    pub fn is_extended(self) -> bool {
        !matches!(self, Self::Helo)
    }
}

/// A deviation from the protocol that the session let through in a
/// message, so that a test can assert on it.
// TODO: the tolerances of `CommandOptions` (a space after `FROM:`, a bare
// LF ending a command line, ...) are not recorded here, because the
// codec's parser does not say which tolerance a command needed; a test
// cannot yet tell a sloppy client from a correct one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Violation {
    /// The data after DATA held CRs or LFs without their partner
    /// (RFC 5321 §2.3.8), kept or normalized as
    /// [`SessionConfig::bare_line_endings`](crate::SessionConfig::bare_line_endings)
    /// says.
    BareLineEndings {
        /// LFs not preceded by CR.
        bare_lf: u64,
        /// CRs not followed by LF.
        bare_cr: u64,
        /// Offset of the first, counted from the first octet of the data.
        first_offset: u64,
    },
}

/// A path as an address without its angle brackets, as people write it:
/// `fuga@example.net`, `Postmaster`, or empty for the null path.
pub(crate) fn bare_address(path: &impl std::fmt::Display) -> String {
    let path = path.to_string();
    path.strip_prefix('<').and_then(|p| p.strip_suffix('>')).unwrap_or(&path).to_owned()
}
