//! The outcome of every parser: a value, "need more bytes", or an error with
//! its byte offset and the reply a server should send for it.

use std::fmt;

use crate::status::{EnhancedStatusCode, ReplyCode};

/// What a parser made of the bytes it was given, short of an error.
///
/// "Incomplete" is not an error: the input is a strict prefix of something
/// that may still turn out valid, and the caller should read more bytes and
/// call again with the longer buffer.
///
/// ```
/// use smtpkit_codec::{parse_command, CommandOptions, Status};
///
/// let options = CommandOptions::default();
/// assert!(matches!(parse_command(b"NOOP", &options), Ok(Status::Incomplete)));
/// match parse_command(b"NOOP\r\nQUIT\r\n", &options) {
///     Ok(Status::Complete { consumed, .. }) => assert_eq!(consumed, 6),
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Status<T> {
    /// A whole value was parsed.
    Complete {
        /// The value, borrowing from the input where it can.
        value: T,
        /// How many bytes of the input it took, line ending included.
        consumed: usize,
    },
    /// The input ends before the value does.
    Incomplete,
}

impl<T> Status<T> {
    /// True when more bytes are needed.
    pub fn is_incomplete(&self) -> bool {
        matches!(self, Self::Incomplete)
    }

    /// The value and the bytes consumed, if complete.
    pub fn complete(self) -> Option<(T, usize)> {
        match self {
            Self::Complete { value, consumed } => Some((value, consumed)),
            Self::Incomplete => None,
        }
    }

    /// Applies `f` to a complete value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Status<U> {
        match self {
            Self::Complete { value, consumed } => Status::Complete { value: f(value), consumed },
            Self::Incomplete => Status::Incomplete,
        }
    }
}

/// A parse failure: where it happened, what went wrong, and which reply a
/// server should send for it.
///
/// ```
/// use smtpkit_codec::{parse_command, CommandOptions};
///
/// let error = parse_command(b"MAIL FROM:<a@b> SIZE=x\r\n", &CommandOptions::default())
///     .expect_err("SIZE takes digits");
/// assert_eq!(error.offset(), 21);
/// assert_eq!(error.server_reply().0.get(), 501);
/// assert_eq!(error.server_reply().1.to_string(), "5.5.4");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    offset: usize,
    kind: ErrorKind,
    reply: Option<(ReplyCode, EnhancedStatusCode)>,
}

/// The kinds of [`ParseError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A line runs past `limit` octets, line ending included, with no end
    /// in sight. Detected as soon as `limit` octets have arrived.
    LineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A CR not followed by LF, or (unless tolerated) an LF without CR.
    BareLineEnding,
    /// The bytes at the offset do not match the grammar.
    Syntax {
        /// The ABNF rule (or a short description) that was expected there.
        expected: &'static str,
    },
    /// An element is longer than its limit (RFC 5321 §4.5.3.1).
    TooLong {
        /// Which element: `local-part`, `domain`, `path`, ...
        element: &'static str,
        /// The limit in octets.
        limit: usize,
    },
    /// A number does not fit the range its grammar or type allows.
    OutOfRange {
        /// Which value.
        element: &'static str,
    },
    /// A parameter that may be given once was given again.
    DuplicateParameter {
        /// The parameter's keyword, upper-case.
        keyword: &'static str,
    },
    /// Non-ASCII text where the options allow only ASCII, or bytes that
    /// are not UTF-8 where UTF-8 is allowed.
    NonAscii,
    /// A multi-line reply changes its reply code from one line to the next.
    ReplyCodeMismatch,
    /// A multi-line reply has more lines than allowed.
    TooManyLines {
        /// The limit in lines.
        limit: usize,
    },
    /// A multi-line reply is larger than allowed.
    ReplyTooLarge {
        /// The limit in octets.
        limit: usize,
    },
    /// Comments nest deeper than allowed (RFC 5322 comments may nest).
    NestingTooDeep {
        /// The limit in levels.
        limit: usize,
    },
    /// A header section is larger than allowed, its empty line included.
    HeaderTooLarge {
        /// The limit in octets.
        limit: usize,
    },
    /// A header section has more fields than allowed.
    TooManyFields {
        /// The limit in fields.
        limit: usize,
    },
    /// A byte that must never appear in an element, such as CR, LF or NUL
    /// in a header field built from parts.
    ForbiddenByte {
        /// The byte.
        byte: u8,
        /// Which element: `field-name`, `field-body`, ...
        element: &'static str,
    },
    /// A list has more elements than allowed, such as the addresses of an
    /// address list.
    TooMany {
        /// What the list holds, in the plural: `addresses`, ...
        element: &'static str,
        /// The limit in elements.
        limit: usize,
    },
    /// A message sent with DATA is larger than allowed (RFC 1870 §6.3).
    MessageTooLarge {
        /// The limit in octets, counted on the message as stored.
        limit: u64,
    },
}

impl ParseError {
    /// Builds an error at `offset`.
    pub fn new(offset: usize, kind: ErrorKind) -> Self {
        Self { offset, kind, reply: None }
    }

    /// Overrides the reply a server should send for this error.
    pub(crate) fn with_reply(mut self, code: ReplyCode, enhanced: EnhancedStatusCode) -> Self {
        self.reply = Some((code, enhanced));
        self
    }

    /// Moves the offset by `base`, for an error found in a slice that starts
    /// `base` bytes into the caller's input.
    pub(crate) fn shifted(mut self, base: usize) -> Self {
        self.offset += base;
        self
    }

    /// The byte offset into the input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// True when a line was longer than the limit.
    pub fn is_line_too_long(&self) -> bool {
        matches!(self.kind, ErrorKind::LineTooLong { .. })
    }

    /// True when a message was larger than the limit.
    pub fn is_message_too_large(&self) -> bool {
        matches!(self.kind, ErrorKind::MessageTooLarge { .. })
    }

    /// True when a CR or LF came without its partner.
    pub fn is_bare_line_ending(&self) -> bool {
        matches!(self.kind, ErrorKind::BareLineEnding)
    }

    /// The reply code and enhanced status code a server should answer with.
    ///
    /// Line too long is 500 5.5.6; a message too large is 552 5.3.4; a bad
    /// address in MAIL or RCPT is 501
    /// 5.1.7 or 501 5.1.3; non-ASCII where it is not allowed is 553 5.6.7;
    /// other syntax errors in arguments are 501 5.5.4.
    pub fn server_reply(&self) -> (ReplyCode, EnhancedStatusCode) {
        if let Some(reply) = self.reply {
            return reply;
        }
        match self.kind {
            ErrorKind::LineTooLong { .. } => {
                (ReplyCode::SYNTAX_ERROR, EnhancedStatusCode::LINE_TOO_LONG)
            }
            ErrorKind::BareLineEnding => {
                (ReplyCode::SYNTAX_ERROR, EnhancedStatusCode::SYNTAX_ERROR)
            }
            ErrorKind::NonAscii => {
                (ReplyCode::MAILBOX_NAME_NOT_ALLOWED, EnhancedStatusCode::UTF8_NOT_PERMITTED)
            }
            ErrorKind::MessageTooLarge { .. } => {
                (ReplyCode::EXCEEDED_STORAGE, EnhancedStatusCode::MESSAGE_TOO_BIG)
            }
            _ => (ReplyCode::SYNTAX_ERROR_IN_PARAMETERS, EnhancedStatusCode::INVALID_ARGUMENTS),
        }
    }

    /// Renders the line that holds the error with a caret under the offset,
    /// prefixed by `line:column` (both counted from 1, the column in bytes).
    ///
    /// ```
    /// use smtpkit_codec::{parse_command, CommandOptions};
    ///
    /// let input = b"NOOP\r\nRCPT TO:<a@@b>\r\n";
    /// let error = parse_command(&input[6..], &CommandOptions::default())
    ///     .expect_err("two @")
    ///     .shifted_by(6);
    /// assert_eq!(error.render(input), "2:12: expected domain\nRCPT TO:<a@@b>\n           ^");
    /// ```
    pub fn render(&self, input: &[u8]) -> String {
        let offset = self.offset.min(input.len());
        let line_start = input[..offset].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line_end = input[offset..]
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .map_or(input.len(), |i| offset + i);
        let line_number = 1 + input[..line_start].iter().filter(|&&b| b == b'\n').count();
        let column = offset - line_start;
        let text = String::from_utf8_lossy(&input[line_start..line_end]);
        format!("{line_number}:{}: {}\n{text}\n{:column$}^", column + 1, self.kind, "")
    }

    /// The same error with its offset moved by `base`, for callers that
    /// parsed a slice starting `base` bytes into a larger buffer.
    pub fn shifted_by(self, base: usize) -> Self {
        self.shifted(base)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {}", self.kind, self.offset)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::LineTooLong { limit } => write!(f, "line longer than {limit} octets"),
            ErrorKind::BareLineEnding => f.write_str("bare CR or LF"),
            ErrorKind::Syntax { expected } => write!(f, "expected {expected}"),
            ErrorKind::TooLong { element, limit } => {
                write!(f, "{element} longer than {limit} octets")
            }
            ErrorKind::OutOfRange { element } => write!(f, "{element} out of range"),
            ErrorKind::DuplicateParameter { keyword } => {
                write!(f, "parameter {keyword} given twice")
            }
            ErrorKind::NonAscii => f.write_str("non-ASCII text not allowed here"),
            ErrorKind::ReplyCodeMismatch => f.write_str("reply code changes within a reply"),
            ErrorKind::TooManyLines { limit } => write!(f, "reply has more than {limit} lines"),
            ErrorKind::ReplyTooLarge { limit } => write!(f, "reply larger than {limit} octets"),
            ErrorKind::NestingTooDeep { limit } => write!(f, "comments nested deeper than {limit}"),
            ErrorKind::HeaderTooLarge { limit } => {
                write!(f, "header section larger than {limit} octets")
            }
            ErrorKind::TooManyFields { limit } => {
                write!(f, "header section has more than {limit} fields")
            }
            ErrorKind::ForbiddenByte { byte, element } => {
                write!(f, "byte 0x{byte:02x} not allowed in {element}")
            }
            ErrorKind::TooMany { element, limit } => write!(f, "more than {limit} {element}"),
            ErrorKind::MessageTooLarge { limit } => {
                write!(f, "message larger than {limit} octets")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// The error type threaded through the nom parsers of this crate.
///
/// It keeps the remaining input where the failure happened, from which the
/// offset is computed, and the innermost grammar rule that was expected.
#[derive(Debug)]
pub(crate) struct Failure<'a> {
    /// The input left at the point of failure.
    pub input: &'a [u8],
    /// What went wrong; `None` until a rule names itself.
    pub kind: Option<ErrorKind>,
    /// The reply a server should send, where it is not the kind's default.
    pub reply: Option<(ReplyCode, EnhancedStatusCode)>,
}

impl<'a> Failure<'a> {
    /// A failure of `kind` at `input`.
    pub fn at(input: &'a [u8], kind: ErrorKind) -> Self {
        Self { input, kind: Some(kind), reply: None }
    }

    /// A syntax failure at `input`, naming the rule that was expected.
    pub fn expected(input: &'a [u8], expected: &'static str) -> Self {
        Self::at(input, ErrorKind::Syntax { expected })
    }

    /// Turns the failure into a public error, given the slice the parser
    /// started on (of which `self.input` is a suffix).
    pub fn into_error(self, start: &[u8]) -> ParseError {
        let offset = start.len().saturating_sub(self.input.len());
        let kind = self.kind.unwrap_or(ErrorKind::Syntax { expected: "valid syntax" });
        ParseError { offset, kind, reply: self.reply }
    }
}

impl<'a> nom::error::ParseError<&'a [u8]> for Failure<'a> {
    fn from_error_kind(input: &'a [u8], _kind: nom::error::ErrorKind) -> Self {
        Self { input, kind: None, reply: None }
    }

    fn append(_input: &'a [u8], _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        // Of two alternatives, the one that got further explains more.
        if other.input.len() <= self.input.len() {
            other
        } else {
            self
        }
    }
}

impl<'a> nom::error::ContextError<&'a [u8]> for Failure<'a> {
    fn add_context(_input: &'a [u8], expected: &'static str, mut other: Self) -> Self {
        // The innermost rule names the failure; outer contexts keep it.
        if other.kind.is_none() {
            other.kind = Some(ErrorKind::Syntax { expected });
        }
        other
    }
}

/// The result type of this crate's nom parsers.
pub(crate) type PResult<'a, O> = nom::IResult<&'a [u8], O, Failure<'a>>;

/// Fails with `kind` at `input`, as a nom error that stops alternatives.
pub(crate) fn fail<'a, O>(input: &'a [u8], kind: ErrorKind) -> PResult<'a, O> {
    Err(nom::Err::Failure(Failure::at(input, kind)))
}

/// A nom error of `kind` at `input` that stops alternatives.
pub(crate) fn failure(input: &[u8], kind: ErrorKind) -> nom::Err<Failure<'_>> {
    nom::Err::Failure(Failure::at(input, kind))
}

/// Fails with a syntax error naming `expected`, recoverable by `alt`.
pub(crate) fn expected<'a, O>(input: &'a [u8], expected: &'static str) -> PResult<'a, O> {
    Err(nom::Err::Error(Failure::expected(input, expected)))
}

/// Unwraps a nom result run over a complete line into this crate's error.
pub(crate) fn finish<'a, O>(start: &'a [u8], result: PResult<'a, O>) -> Result<O, ParseError> {
    match result {
        Ok((_, value)) => Ok(value),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e.into_error(start)),
        // Every parser in this crate runs on a complete line, so nom never
        // asks for more input; should one do so, the line is still invalid.
        Err(nom::Err::Incomplete(_)) => {
            Err(ParseError::new(start.len(), ErrorKind::Syntax { expected: "more input" }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_points_at_the_offset_on_the_right_line() {
        let error = ParseError::new(11, ErrorKind::Syntax { expected: "domain" });
        assert_eq!(error.render(b"HELO\r\nEHLO !\r\n"), "2:6: expected domain\nEHLO !\n     ^");
    }

    #[test]
    fn display_is_lowercase_without_full_stop() {
        let error = ParseError::new(3, ErrorKind::LineTooLong { limit: 512 });
        assert_eq!(error.to_string(), "line longer than 512 octets at offset 3");
    }
}
