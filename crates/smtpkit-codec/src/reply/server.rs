//! The replies a server sends (RFC 5321 §4.2.2, §4.2.3), each with the
//! enhanced status code that RFC 3463 and the RFC 5248 registry give it.

use std::borrow::Cow;

use smallvec::smallvec;

use super::{is_control, same_class, Reply, ReplyLine};
use crate::error::{ErrorKind, ParseError};
use crate::status::{EnhancedStatusCode, ReplyCode};

/// The replies a server sends.
impl Reply<'static> {
    /// `220 <domain> ESMTP service ready`, the greeting (RFC 5321 §4.2).
    /// It has no enhanced code: the greeting must start with the domain
    /// (RFC 2034 §3).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] when `domain` is empty or holds a space or a
    /// control character, at its offset in the serialized reply.
    ///
    /// ```
    /// use smtpkit_codec::Reply;
    ///
    /// let greeting = Reply::service_ready("mx.example.org").expect("a domain");
    /// assert_eq!(greeting.to_bytes(), b"220 mx.example.org ESMTP service ready\r\n");
    /// assert!(Reply::service_ready("mx example").is_err());
    /// ```
    pub fn service_ready(domain: &str) -> Result<Self, ParseError> {
        let bad = domain.bytes().position(|b| b.is_ascii_whitespace() || is_control(b));
        if let Some(at) = bad.or(domain.is_empty().then_some(0)) {
            return Err(ParseError::new(4 + at, ErrorKind::Syntax { expected: "Domain" }));
        }
        let text = format!("{domain} ESMTP service ready");
        Reply::new(ReplyCode::SERVICE_READY, [ReplyLine { enhanced: None, text: text.into() }])
    }

    /// `221 2.0.0 closing connection`, the answer to QUIT.
    pub fn closing() -> Self {
        Self::known(ReplyCode::CLOSING, EnhancedStatusCode::OK, "closing connection")
    }

    /// `250 2.0.0 <text>`, the plain success reply.
    ///
    /// # Errors
    ///
    /// As [`Reply::single`] for the text.
    ///
    /// ```
    /// use smtpkit_codec::Reply;
    ///
    /// assert_eq!(Reply::ok("queued as 42").expect("text").to_bytes(), b"250 2.0.0 queued as 42\r\n");
    /// assert!(Reply::ok("bell\x07").is_err());
    /// ```
    pub fn ok(text: &str) -> Result<Self, ParseError> {
        Reply::single(ReplyCode::OK, Some(EnhancedStatusCode::OK), text.to_owned())
    }

    /// `250 2.1.0 sender ok`, the answer to a good MAIL FROM.
    pub fn sender_ok() -> Self {
        Self::known(ReplyCode::OK, EnhancedStatusCode::SENDER_OK, "sender ok")
    }

    /// `250 2.1.5 recipient ok`, the answer to a good RCPT TO.
    pub fn recipient_ok() -> Self {
        Self::known(ReplyCode::OK, EnhancedStatusCode::DESTINATION_OK, "recipient ok")
    }

    /// `250 2.6.0 message accepted`, the answer to the end of DATA once the
    /// message is stored.
    pub fn message_accepted() -> Self {
        Self::known(ReplyCode::OK, EnhancedStatusCode::MESSAGE_OK, "message accepted")
    }

    /// `251 2.1.5 user not local; will forward`.
    pub fn will_forward() -> Self {
        Self::known(
            ReplyCode::USER_NOT_LOCAL_WILL_FORWARD,
            EnhancedStatusCode::DESTINATION_OK,
            "user not local; will forward",
        )
    }

    /// `252 2.0.0 cannot verify user, but will accept message`, the answer
    /// to VRFY from a server that does not disclose its users.
    pub fn cannot_verify() -> Self {
        Self::known(
            ReplyCode::CANNOT_VERIFY,
            EnhancedStatusCode::OK,
            "cannot verify user, but will accept message",
        )
    }

    /// `354 start mail input; end with <CRLF>.<CRLF>`, the answer to DATA.
    /// 3yz replies have no enhanced code (RFC 3463 §2 has no class 3).
    pub fn start_mail_input() -> Self {
        let line = ReplyLine::static_text(None, "start mail input; end with <CRLF>.<CRLF>");
        Self { code: ReplyCode::START_MAIL_INPUT, lines: smallvec![line] }
    }

    /// `421 4.3.2 service not available, closing connection`, sent before
    /// the server closes the connection on its own.
    pub fn service_not_available() -> Self {
        Self::known(
            ReplyCode::SERVICE_NOT_AVAILABLE,
            EnhancedStatusCode::NOT_ACCEPTING_TRANSIENT,
            "service not available, closing connection",
        )
    }

    /// `450 4.2.0 mailbox unavailable, try again later`, for example to
    /// greylist a recipient.
    pub fn mailbox_busy() -> Self {
        Self::known(
            ReplyCode::MAILBOX_BUSY,
            EnhancedStatusCode::MAILBOX_TRANSIENT,
            "mailbox unavailable, try again later",
        )
    }

    /// `451 4.3.0 local error in processing`.
    pub fn local_error() -> Self {
        Self::known(
            ReplyCode::LOCAL_ERROR,
            EnhancedStatusCode::TRANSIENT_SYSTEM,
            "local error in processing",
        )
    }

    /// `452 4.3.1 insufficient system storage`.
    pub fn insufficient_storage() -> Self {
        Self::known(
            ReplyCode::INSUFFICIENT_STORAGE,
            EnhancedStatusCode::SYSTEM_FULL,
            "insufficient system storage",
        )
    }

    /// `452 4.5.3 too many recipients` (RFC 5321 §4.5.3.1.10).
    pub fn too_many_recipients() -> Self {
        Self::known(
            ReplyCode::INSUFFICIENT_STORAGE,
            EnhancedStatusCode::TOO_MANY_RECIPIENTS,
            "too many recipients",
        )
    }

    /// `500 5.5.2 command not recognized`.
    pub fn command_unrecognized() -> Self {
        Self::known(
            ReplyCode::SYNTAX_ERROR,
            EnhancedStatusCode::SYNTAX_ERROR,
            "command not recognized",
        )
    }

    /// `500 5.5.6 line too long` (RFC 5321 §4.5.3.1.4).
    pub fn line_too_long() -> Self {
        Self::known(ReplyCode::SYNTAX_ERROR, EnhancedStatusCode::LINE_TOO_LONG, "line too long")
    }

    /// `501 5.5.4 syntax error in parameters or arguments`.
    pub fn syntax_error() -> Self {
        Self::known(
            ReplyCode::SYNTAX_ERROR_IN_PARAMETERS,
            EnhancedStatusCode::INVALID_ARGUMENTS,
            "syntax error in parameters or arguments",
        )
    }

    /// `502 5.5.1 command not implemented`.
    pub fn not_implemented() -> Self {
        Self::known(
            ReplyCode::NOT_IMPLEMENTED,
            EnhancedStatusCode::INVALID_COMMAND,
            "command not implemented",
        )
    }

    /// `503 5.5.1 bad sequence of commands`.
    pub fn bad_sequence() -> Self {
        Self::known(
            ReplyCode::BAD_SEQUENCE,
            EnhancedStatusCode::INVALID_COMMAND,
            "bad sequence of commands",
        )
    }

    /// `504 5.5.4 command parameter not implemented`.
    pub fn parameter_not_implemented() -> Self {
        Self::known(
            ReplyCode::PARAMETER_NOT_IMPLEMENTED,
            EnhancedStatusCode::INVALID_ARGUMENTS,
            "command parameter not implemented",
        )
    }

    /// `521 5.3.2 host does not accept mail` (RFC 7504 §3).
    pub fn does_not_accept_mail() -> Self {
        Self::known(
            ReplyCode::DOES_NOT_ACCEPT_MAIL,
            EnhancedStatusCode::NOT_ACCEPTING,
            "host does not accept mail",
        )
    }

    /// `550 5.1.1 mailbox unavailable`, for a recipient that does not exist.
    pub fn mailbox_unavailable() -> Self {
        Self::known(
            ReplyCode::MAILBOX_UNAVAILABLE,
            EnhancedStatusCode::BAD_DESTINATION_MAILBOX,
            "mailbox unavailable",
        )
    }

    /// `552 5.3.4 message size exceeds fixed maximum message size`
    /// (RFC 1870 §6).
    pub fn message_too_big() -> Self {
        Self::known(
            ReplyCode::EXCEEDED_STORAGE,
            EnhancedStatusCode::MESSAGE_TOO_BIG,
            "message size exceeds fixed maximum message size",
        )
    }

    /// `552 5.2.2 mailbox full`.
    pub fn mailbox_full() -> Self {
        Self::known(ReplyCode::EXCEEDED_STORAGE, EnhancedStatusCode::MAILBOX_FULL, "mailbox full")
    }

    /// `553 5.1.3 mailbox name not allowed`.
    pub fn mailbox_name_not_allowed() -> Self {
        Self::known(
            ReplyCode::MAILBOX_NAME_NOT_ALLOWED,
            EnhancedStatusCode::BAD_DESTINATION_SYNTAX,
            "mailbox name not allowed",
        )
    }

    /// `554 5.0.0 transaction failed`.
    pub fn transaction_failed() -> Self {
        Self::known(
            ReplyCode::TRANSACTION_FAILED,
            EnhancedStatusCode::PERMANENT_FAILURE,
            "transaction failed",
        )
    }

    /// `555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not
    /// implemented` (RFC 5321 §4.2.3).
    pub fn parameters_not_recognized() -> Self {
        Self::known(
            ReplyCode::PARAMETERS_NOT_RECOGNIZED,
            EnhancedStatusCode::INVALID_ARGUMENTS,
            "MAIL FROM/RCPT TO parameters not recognized or not implemented",
        )
    }

    /// The reply a server sends for a command it could not parse: the code
    /// and enhanced code of [`ParseError::server_reply`] and the error's
    /// description as text.
    ///
    /// ```
    /// use smtpkit_codec::{ErrorKind, ParseError, Reply};
    ///
    /// let error = ParseError::new(0, ErrorKind::LineTooLong { limit: 512 });
    /// let reply = Reply::from_parse_error(&error);
    /// assert_eq!(reply.to_string(), "500 5.5.6 line longer than 512 octets");
    /// ```
    pub fn from_parse_error(error: &ParseError) -> Self {
        let (code, enhanced) = error.server_reply();

        // An overridden reply could pair codes of different classes; the
        // reply code is what a client acts on, so the enhanced code yields.
        let enhanced = same_class(code, enhanced).then_some(enhanced);
        let text: String = error.kind().to_string().chars().filter(|c| !c.is_control()).collect();
        Self { code, lines: smallvec![ReplyLine { enhanced, text: Cow::Owned(text) }] }
    }
}
