//! SMTP replies (RFC 5321 §4.2) with their enhanced status codes
//! (RFC 2034, RFC 3463): parsed from the bytes a server sends, built by a
//! server through validating constructors, and serialized back.
//!
//! A client reads replies with [`parse_reply`], which takes exactly one
//! reply off the front of its input, so pipelined replies are read one
//! call at a time. A server builds its replies with the named constructors
//! such as [`Reply::ok`] or [`Reply::bad_sequence`] and writes them with
//! [`Reply::write_to`].

use std::borrow::Cow;
use std::fmt;

use smallvec::{smallvec, SmallVec};

use crate::error::{ErrorKind, ParseError, Status};
use crate::line::{self, REPLY_LINE_LIMIT};
use crate::status::{EnhancedStatusCode, ReplyClass, ReplyCode};

mod server;

/// The default limit on the number of lines in one reply.
///
/// RFC 5321 sets no such limit; 128 lines of 512 octets is already more
/// than any EHLO reply needs, and bounds what a client buffers.
pub const REPLY_LINES_LIMIT: usize = 128;

/// The default limit on the size of one reply in octets, every line and
/// line ending included: [`REPLY_LINES_LIMIT`] lines of
/// [`REPLY_LINE_LIMIT`] octets.
pub const REPLY_SIZE_LIMIT: usize = 65_536;

/// How the reply parser reads: its limits and the deviations from
/// RFC 5321 it tolerates.
///
/// The default is the RFC's line limit, the limits above, CRLF only, and
/// text that is not UTF-8 decoded lossily rather than refused, since a
/// client gains nothing by failing on a garbled human-readable text.
///
/// ```
/// use smtpkit_codec::{parse_reply, ReplyOptions};
///
/// let reply = b"250 caf\xe9\r\n";
/// assert!(parse_reply(reply, &ReplyOptions::default()).is_ok());
/// assert!(parse_reply(reply, &ReplyOptions::strict()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyOptions {
    /// Longest reply line in octets, CRLF included. Default 512
    /// ([`REPLY_LINE_LIMIT`], RFC 5321 §4.5.3.1.5).
    pub line_limit: usize,
    /// Most lines in one reply. Default 128 ([`REPLY_LINES_LIMIT`]).
    pub max_lines: usize,
    /// Largest reply in octets, all lines and line endings included.
    /// Default 65,536 ([`REPLY_SIZE_LIMIT`]).
    pub size_limit: usize,
    /// Accept a reply line ending in LF alone. Default off.
    pub allow_bare_lf: bool,
    /// Decode text that is not UTF-8 lossily, replacing each bad sequence
    /// with U+FFFD; when off, such text is [`ErrorKind::NonAscii`].
    /// Default on.
    pub allow_invalid_utf8: bool,
}

impl Default for ReplyOptions {
    fn default() -> Self {
        Self {
            line_limit: REPLY_LINE_LIMIT,
            max_lines: REPLY_LINES_LIMIT,
            size_limit: REPLY_SIZE_LIMIT,
            allow_bare_lf: false,
            allow_invalid_utf8: true,
        }
    }
}

impl ReplyOptions {
    /// The default limits with no tolerance at all: text must be UTF-8.
    pub fn strict() -> Self {
        Self { allow_invalid_utf8: false, ..Self::default() }
    }

    /// The default limits with every tolerance turned on.
    pub fn lenient() -> Self {
        Self { allow_bare_lf: true, ..Self::default() }
    }
}

/// One SMTP reply: a reply code and one or more lines of text, each of
/// which may start with an enhanced status code.
///
/// Every value satisfies the grammar: at least one line, text without
/// control characters other than HT, enhanced codes of the reply code's
/// class. Hence `parse_reply(&reply.to_bytes())` gives the same value back.
///
/// ```
/// use smtpkit_codec::{EnhancedStatusCode, Reply, ReplyCode};
///
/// let reply = Reply::single(ReplyCode::MAILBOX_UNAVAILABLE, None, "5.1.1 no such user")
///     .expect("valid text");
/// assert_eq!(reply.enhanced_code(), Some(EnhancedStatusCode::BAD_DESTINATION_MAILBOX));
/// assert_eq!(reply.text(), "no such user");
/// assert_eq!(reply.to_bytes(), b"550 5.1.1 no such user\r\n");
/// assert!(Reply::single(ReplyCode::OK, None, "two\r\nlines").is_err());
/// ```
#[derive(Debug, Clone, Eq)]
pub struct Reply<'a> {
    code: ReplyCode,
    lines: SmallVec<[ReplyLine<'a>; 2]>,
}

/// One line of a [`Reply`]: an optional enhanced status code and the text
/// after it.
#[derive(Debug, Clone, Eq, Hash)]
pub struct ReplyLine<'a> {
    enhanced: Option<EnhancedStatusCode>,
    text: Cow<'a, str>,
}

/// Parses the first reply in `input`.
///
/// ```abnf
/// Reply-line = *( Reply-code "-" [ textstring ] CRLF )
///              Reply-code [ SP textstring ] CRLF
/// Reply-code = %x32-35 %x30-35 %x30-39
/// textstring = 1*(%d09 / %d32-126) ; HT, SP, Printable US-ASCII
/// ```
/// RFC 5321 §4.2, (edited): text may also be UTF-8 as RFC 6531 servers
/// send it. A line's text that starts with an enhanced status code of the
/// reply code's class, followed by SP or the end of the text, has the code
/// split off (RFC 2034 §4, RFC 3463 §2).
///
/// `input` may end inside a reply, or hold several pipelined replies; only
/// the first is parsed, and `consumed` says where it ends.
///
/// # Errors
///
/// With the offset into `input`: [`ErrorKind::Syntax`] for a bad reply
/// code, separator or control character in the text;
/// [`ErrorKind::ReplyCodeMismatch`] at a line whose code differs from the
/// first line's; [`ErrorKind::TooManyLines`], [`ErrorKind::ReplyTooLarge`],
/// [`ErrorKind::LineTooLong`] as soon as a limit is exceeded;
/// [`ErrorKind::BareLineEnding`]; [`ErrorKind::NonAscii`] for text that is
/// not UTF-8 when the options refuse it.
///
/// ```
/// use smtpkit_codec::{parse_reply, ErrorKind, ReplyOptions, Status};
///
/// let options = ReplyOptions::default();
/// let input = b"250-mx.example.org\r\n250 SIZE 1000000\r\n354 go ahead\r\n";
/// let (reply, consumed) = parse_reply(input, &options).expect("valid").complete().expect("whole");
/// assert_eq!((reply.code().get(), reply.lines().len(), consumed), (250, 2, 38));
/// assert_eq!(parse_reply(&input[..30], &options), Ok(Status::Incomplete));
///
/// let error = parse_reply(b"250-a\r\n251 b\r\n", &options).expect_err("two codes");
/// assert_eq!((error.offset(), error.kind()), (7, &ErrorKind::ReplyCodeMismatch));
/// ```
pub fn parse_reply<'a>(
    input: &'a [u8],
    options: &ReplyOptions,
) -> Result<Status<Reply<'a>>, ParseError> {
    let mut lines = SmallVec::new();
    let mut code = None;
    let mut start = 0;
    loop {
        // Only a continuation line brings the parser back here, so a reply
        // with too many lines is refused before its next line arrives.
        if lines.len() >= options.max_lines {
            let limit = options.max_lines;
            return Err(ParseError::new(start, ErrorKind::TooManyLines { limit }));
        }

        let rest = &input[start..];
        let framed = line::split_line(rest, options.line_limit, options.allow_bare_lf)
            .map_err(|e| e.shifted(start))?;
        let Status::Complete { value: content, consumed } = framed else {
            // The unfinished line is checked as far as it goes, so that a
            // peer sending garbage is refused without waiting for its end.
            line_head(rest, code, false).map_err(|e| e.shifted(start))?;
            return too_large(input.len(), options).map(|()| Status::Incomplete);
        };
        let end = start + consumed;
        too_large(end, options)?;

        // On a complete line the head is either read or refused, so the
        // `else` below only guards against a change to `line_head`.
        let head = line_head(content, code, true).map_err(|e| e.shifted(start))?;
        let Some((line_code, last)) = head else {
            return Err(ParseError::new(start, ErrorKind::Syntax { expected: "Reply-code" }));
        };
        let text = content.get(4..).unwrap_or_default();
        let text = textstring(text, options).map_err(|e| e.shifted(start + 4))?;
        if !last && lines.len() + 1 == lines.inline_size() {
            // The lines are about to spill to the heap: make room for as
            // many as an EHLO reply usually has, so that it costs one
            // allocation, not one per doubling.
            lines.reserve(SPILL_CAPACITY - lines.len());
        }
        lines.push(ReplyLine::split(line_code, text));
        code = Some(line_code);

        if last {
            return Ok(Status::Complete { value: Reply { code: line_code, lines }, consumed: end });
        }
        start = end;
    }
}

impl<'a> Reply<'a> {
    /// Builds a reply from its lines, splitting an enhanced status code off
    /// the start of a line's text where the parser would (see
    /// [`parse_reply`]), so that parsing the serialized reply gives it back.
    ///
    /// # Errors
    ///
    /// With the offset into the serialized reply ([`Reply::to_bytes`]):
    /// no lines; an enhanced code whose class is not the reply code's
    /// first digit; a line longer than [`REPLY_LINE_LIMIT`]; more than
    /// [`REPLY_LINES_LIMIT`] lines.
    ///
    /// ```
    /// use smtpkit_codec::{EnhancedStatusCode, Reply, ReplyCode, ReplyLine};
    ///
    /// let lines = [ReplyLine::new(None, "mx.example.org")?, ReplyLine::new(None, "PIPELINING")?];
    /// let reply = Reply::new(ReplyCode::OK, lines)?;
    /// assert_eq!(reply.to_bytes(), b"250-mx.example.org\r\n250 PIPELINING\r\n");
    ///
    /// let wrong_class = ReplyLine::new(Some(EnhancedStatusCode::BAD_DESTINATION_MAILBOX), "x")?;
    /// assert!(Reply::new(ReplyCode::OK, [wrong_class]).is_err());
    /// # Ok::<(), smtpkit_codec::ParseError>(())
    /// ```
    pub fn new(
        code: ReplyCode,
        lines: impl IntoIterator<Item = ReplyLine<'a>>,
    ) -> Result<Self, ParseError> {
        let mut normalized = SmallVec::new();
        let mut offset = 0;
        for line in lines {
            if normalized.len() >= REPLY_LINES_LIMIT {
                let limit = REPLY_LINES_LIMIT;
                return Err(ParseError::new(offset, ErrorKind::TooManyLines { limit }));
            }
            let line = match line.enhanced {
                Some(enhanced) if !same_class(code, enhanced) => {
                    let expected = "enhanced status code of the reply code's class";
                    return Err(ParseError::new(offset + 4, ErrorKind::Syntax { expected }));
                }
                Some(_) => line,
                None => ReplyLine::split(code, line.text),
            };
            let length = line.wire_len();
            if length > REPLY_LINE_LIMIT {
                let limit = REPLY_LINE_LIMIT;
                return Err(ParseError::new(offset + limit, ErrorKind::LineTooLong { limit }));
            }
            offset += length;
            normalized.push(line);
        }
        if normalized.is_empty() {
            return Err(ParseError::new(0, ErrorKind::Syntax { expected: "Reply-line" }));
        }
        Ok(Self { code, lines: normalized })
    }

    /// Builds a one-line reply; see [`Reply::new`] and [`ReplyLine::new`].
    ///
    /// # Errors
    ///
    /// As [`ReplyLine::new`] for the text, then as [`Reply::new`].
    pub fn single(
        code: ReplyCode,
        enhanced: Option<EnhancedStatusCode>,
        text: impl Into<Cow<'a, str>>,
    ) -> Result<Self, ParseError> {
        let line = ReplyLine::new(enhanced, text).map_err(|e| {
            let prefix = 4 + enhanced.map_or(0, |e| e.wire_len() + 1);
            e.shifted(prefix)
        })?;
        Self::new(code, [line])
    }

    /// A one-line reply built from parts known to be valid: the server
    /// replies of the `server` module use it for their fixed texts, which
    /// the tests check against [`Reply::new`].
    fn known(code: ReplyCode, enhanced: EnhancedStatusCode, text: &'static str) -> Self {
        Self { code, lines: smallvec![ReplyLine::static_text(Some(enhanced), text)] }
    }

    /// A reply whose lines are already normalized and valid, for the
    /// serializers of other modules that uphold the invariants themselves.
    pub(crate) fn from_valid_lines(code: ReplyCode, lines: SmallVec<[ReplyLine<'a>; 2]>) -> Self {
        Self { code, lines }
    }

    /// The reply code.
    pub fn code(&self) -> ReplyCode {
        self.code
    }

    /// The class given by the reply code's first digit.
    pub fn class(&self) -> ReplyClass {
        self.code.class()
    }

    /// The lines, in order; never empty.
    pub fn lines(&self) -> &[ReplyLine<'a>] {
        &self.lines
    }

    /// The enhanced status code of the first line, which RFC 2034 §4 says
    /// applies to the whole reply.
    pub fn enhanced_code(&self) -> Option<EnhancedStatusCode> {
        self.lines.first().and_then(ReplyLine::enhanced)
    }

    /// The text of all lines without their enhanced codes, joined by LF;
    /// borrowed when the reply has one line.
    pub fn text(&self) -> Cow<'_, str> {
        match self.lines.as_slice() {
            [line] => Cow::Borrowed(line.text()),
            lines => Cow::Owned(lines.iter().map(ReplyLine::text).collect::<Vec<_>>().join("\n")),
        }
    }

    /// True for 2yz and 3yz replies.
    pub fn is_positive(&self) -> bool {
        self.class().is_positive()
    }

    /// True for 3yz replies, which ask for more (354, 334).
    pub fn is_intermediate(&self) -> bool {
        self.class() == ReplyClass::PositiveIntermediate
    }

    /// True for 4yz replies: the same request may succeed later.
    pub fn is_transient(&self) -> bool {
        self.class().is_transient()
    }

    /// True for 5yz replies: repeating the request will not help.
    pub fn is_permanent(&self) -> bool {
        self.class().is_permanent()
    }

    /// The same reply, owning its text.
    pub fn into_owned(self) -> Reply<'static> {
        Reply {
            code: self.code,
            lines: self.lines.into_iter().map(ReplyLine::into_owned).collect(),
        }
    }

    /// Appends the reply's wire form to `out`: each line as the code, `-`
    /// (or SP on the last line), the enhanced code, SP, the text and CRLF.
    /// A line with neither enhanced code nor text is the bare code.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let last = self.lines.len().saturating_sub(1);
        for (index, line) in self.lines.iter().enumerate() {
            out.extend_from_slice(&self.code.to_ascii());
            let separator = if index == last { b' ' } else { b'-' };
            match (line.enhanced, line.text.is_empty()) {
                (None, true) if index == last => {}
                (None, _) => {
                    out.push(separator);
                    out.extend_from_slice(line.text.as_bytes());
                }
                (Some(enhanced), empty) => {
                    out.push(separator);
                    enhanced.write_to(out);
                    if !empty {
                        out.push(b' ');
                        out.extend_from_slice(line.text.as_bytes());
                    }
                }
            }
            out.extend_from_slice(b"\r\n");
        }
    }

    /// The reply's wire form; see [`Reply::write_to`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.lines.iter().map(ReplyLine::wire_len).sum());
        self.write_to(&mut out);
        out
    }
}

// `SmallVec` is invariant in its item type, so `Reply<'a>` is invariant in
// `'a`; comparing across lifetimes is therefore written out, so that a
// parsed reply compares with an owned one.
impl<'b> PartialEq<Reply<'b>> for Reply<'_> {
    fn eq(&self, other: &Reply<'b>) -> bool {
        self.code == other.code
            && self.lines.len() == other.lines.len()
            && self.lines.iter().zip(&other.lines).all(|(a, b)| a == b)
    }
}

impl std::hash::Hash for Reply<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.code.hash(state);
        self.lines.as_slice().hash(state);
    }
}

impl fmt::Display for Reply<'_> {
    /// The code and the text of every line with its enhanced code, joined
    /// by spaces: `550 5.1.1 no such user`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        for line in &self.lines {
            if let Some(enhanced) = line.enhanced {
                write!(f, " {enhanced}")?;
            }
            if !line.text.is_empty() {
                write!(f, " {}", line.text)?;
            }
        }
        Ok(())
    }
}

impl<'b> PartialEq<ReplyLine<'b>> for ReplyLine<'_> {
    fn eq(&self, other: &ReplyLine<'b>) -> bool {
        self.enhanced == other.enhanced && self.text == other.text
    }
}

impl<'a> ReplyLine<'a> {
    /// Builds a line, checking that the text is a `textstring`: no control
    /// characters other than HT (UTF-8 is allowed, RFC 6531).
    ///
    /// Whether an enhanced code fits is for [`Reply::new`] to check, which
    /// knows the reply code.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at the offset of the first control character
    /// in `text`.
    ///
    /// ```
    /// use smtpkit_codec::ReplyLine;
    ///
    /// assert_eq!(ReplyLine::new(None, "tab\tok").expect("HT is text").text(), "tab\tok");
    /// assert_eq!(ReplyLine::new(None, "nul\0").expect_err("NUL").offset(), 3);
    /// ```
    pub fn new(
        enhanced: Option<EnhancedStatusCode>,
        text: impl Into<Cow<'a, str>>,
    ) -> Result<Self, ParseError> {
        let text = text.into();
        if let Some(at) = text.bytes().position(is_control) {
            return Err(ParseError::new(at, ErrorKind::Syntax { expected: "textstring" }));
        }
        Ok(Self { enhanced, text })
    }

    /// A line of fixed text known to be valid.
    fn static_text(enhanced: Option<EnhancedStatusCode>, text: &'static str) -> Self {
        Self { enhanced, text: Cow::Borrowed(text) }
    }

    /// A line of valid text, with no enhanced code split off yet.
    pub(crate) fn from_valid_text(text: Cow<'a, str>) -> Self {
        Self { enhanced: None, text }
    }

    /// The enhanced status code at the start of the line, if any.
    pub fn enhanced(&self) -> Option<EnhancedStatusCode> {
        self.enhanced
    }

    /// The text after the enhanced code and its space; may be empty.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The same line, owning its text.
    pub fn into_owned(self) -> ReplyLine<'static> {
        ReplyLine { enhanced: self.enhanced, text: Cow::Owned(self.text.into_owned()) }
    }

    /// Splits an enhanced code of `code`'s class off the start of `text`
    /// when it is followed by SP or the end of the text.
    fn split(code: ReplyCode, text: Cow<'a, str>) -> Self {
        let Some((enhanced, length)) = enhanced_prefix(code, &text) else {
            return Self { enhanced: None, text };
        };
        let rest = (length + 1).min(text.len());
        let text = match text {
            Cow::Borrowed(text) => Cow::Borrowed(&text[rest..]),
            Cow::Owned(text) => Cow::Owned(text[rest..].to_owned()),
        };
        Self { enhanced: Some(enhanced), text }
    }

    /// The length of the line on the wire, CRLF included, at most one
    /// octet more than written for a bare final line.
    pub(crate) fn wire_len(&self) -> usize {
        let enhanced = self.enhanced.map_or(0, |e| e.wire_len() + 1);
        4 + enhanced + self.text.len() + 2
    }
}

/// The enhanced code of `code`'s class at the start of `text`, followed by
/// SP or the end, and its length.
pub(crate) fn enhanced_prefix(code: ReplyCode, text: &str) -> Option<(EnhancedStatusCode, usize)> {
    let (enhanced, length) = EnhancedStatusCode::parse_prefix(text.as_bytes())?;
    let ends = matches!(text.as_bytes().get(length), None | Some(b' '));
    (ends && same_class(code, enhanced)).then_some((enhanced, length))
}

/// True for the octets a `textstring` may not hold: controls other than HT.
pub(crate) fn is_control(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t') || byte == 0x7f
}

/// True when the enhanced code's class is the reply code's first digit.
fn same_class(code: ReplyCode, enhanced: EnhancedStatusCode) -> bool {
    u16::from(enhanced.class()) == code.get() / 100
}

/// Refuses a reply that has reached `length` octets when that is over the
/// size limit.
fn too_large(length: usize, options: &ReplyOptions) -> Result<(), ParseError> {
    if length > options.size_limit {
        let limit = options.size_limit;
        return Err(ParseError::new(limit, ErrorKind::ReplyTooLarge { limit }));
    }
    Ok(())
}

/// Reads the reply code and separator at the start of `line`, whose
/// length says how much has arrived.
///
/// ```abnf
/// Reply-code = %x32-35 %x30-35 %x30-39
/// ```
/// RFC 5321 §4.2. Returns the code and whether this is the last line, or
/// `None` when `complete` is false and too little has arrived to tell.
/// The code must equal `expected`, the code of the reply's earlier lines.
fn line_head(
    line: &[u8],
    expected: Option<ReplyCode>,
    complete: bool,
) -> Result<Option<(ReplyCode, bool)>, ParseError> {
    const DIGITS: [(u8, u8); 3] = [(b'2', b'5'), (b'0', b'5'), (b'0', b'9')];
    // The usual case, a whole code of valid digits, in a few comparisons.
    if let &[a @ b'2'..=b'5', b @ b'0'..=b'5', c @ b'0'..=b'9', ..] = line {
        let value = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
        if expected.is_some_and(|expected| expected.get() != value) {
            return Err(ParseError::new(0, ErrorKind::ReplyCodeMismatch));
        }
        let code = ReplyCode::new(value).expect("three digits in the Reply-code ranges");
        return separator(line, code, complete);
    }
    for (at, (&byte, (low, high))) in line.iter().zip(DIGITS).enumerate() {
        if !(low..=high).contains(&byte) {
            return Err(ParseError::new(at, ErrorKind::Syntax { expected: "Reply-code" }));
        }
    }
    if let Some(expected) = expected {
        let length = line.len().min(3);
        if line[..length] != expected.to_ascii()[..length] {
            return Err(ParseError::new(0, ErrorKind::ReplyCodeMismatch));
        }
    }

    // Three valid digits took the way above: this is a code cut short.
    if complete {
        return Err(ParseError::new(line.len(), ErrorKind::Syntax { expected: "Reply-code" }));
    }
    Ok(None)
}

/// Reads what follows the reply code of `line`: SP or nothing on the last
/// line of a reply, `-` on the others.
fn separator(
    line: &[u8],
    code: ReplyCode,
    complete: bool,
) -> Result<Option<(ReplyCode, bool)>, ParseError> {
    match line.get(3) {
        // On an unfinished line, a CR may yet be the CRLF after a bare code.
        None | Some(b'\r') if !complete => Ok(None),
        None => Ok(Some((code, true))),
        Some(b' ') => Ok(Some((code, true))),
        Some(b'-') => Ok(Some((code, false))),
        Some(_) => Err(ParseError::new(3, ErrorKind::Syntax { expected: "SP or \"-\"" })),
    }
}

/// Checks and decodes the text of a reply line.
///
/// ```abnf
/// textstring = 1*(%d09 / %d32-126) ; HT, SP, Printable US-ASCII
/// ```
/// RFC 5321 §4.2, (edited): octets from 128 up are allowed too, as the
/// UTF-8 of RFC 6531; whether they must be UTF-8 is an option.
fn textstring<'a>(text: &'a [u8], options: &ReplyOptions) -> Result<Cow<'a, str>, ParseError> {
    // A pass without early exit, which the compiler vectorizes; the
    // offset is looked for only when there is a control to report.
    if text.iter().fold(false, |found, &b| found | is_control(b)) {
        let at = text.iter().position(|&b| is_control(b)).unwrap_or_default();
        return Err(ParseError::new(at, ErrorKind::Syntax { expected: "textstring" }));
    }
    match std::str::from_utf8(text) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) if options.allow_invalid_utf8 => Ok(String::from_utf8_lossy(text)),
        Err(e) => Err(ParseError::new(e.valid_up_to(), ErrorKind::NonAscii)),
    }
}

/// How many lines a reply makes room for once it has more than fit inline.
const SPILL_CAPACITY: usize = 16;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::strategies::reply::reply;

    /// The lines of a reply as (enhanced code, text) pairs, for tables.
    fn parts<'r>(reply: &'r Reply<'_>) -> Vec<(Option<String>, &'r str)> {
        reply.lines().iter().map(|l| (l.enhanced().map(|e| e.to_string()), l.text())).collect()
    }

    fn parse(input: &[u8]) -> Result<Status<Reply<'_>>, ParseError> {
        parse_reply(input, &ReplyOptions::default())
    }

    #[test]
    fn complete_replies_parse_with_their_lines_and_length() {
        type Line = (Option<&'static str>, &'static str);
        let table: &[(&[u8], u16, &[Line], usize)] = &[
            (b"250 OK\r\n", 250, &[(None, "OK")], 8),
            (b"250\r\n", 250, &[(None, "")], 5),
            (b"250 \r\n", 250, &[(None, "")], 6),
            (b"250-\r\n250 x\r\n", 250, &[(None, ""), (None, "x")], 13),
            (b"250-a\r\n250-b\r\n250\r\n", 250, &[(None, "a"), (None, "b"), (None, "")], 19),
            (b"250 2.1.0 Originator <x> ok\r\n", 250, &[(Some("2.1.0"), "Originator <x> ok")], 29),
            (b"550 5.1.1\r\n", 550, &[(Some("5.1.1"), "")], 11),
            (b"550 5.1.1  two spaces\r\n", 550, &[(Some("5.1.1"), " two spaces")], 23),
            (b"250 2.01.000 x\r\n", 250, &[(Some("2.1.0"), "x")], 16),
            (b"550 2.1.1 other class\r\n", 550, &[(None, "2.1.1 other class")], 23),
            (b"250 2.1.0x\r\n", 250, &[(None, "2.1.0x")], 12),
            (b"354 Start mail input\r\n", 354, &[(None, "Start mail input")], 22),
            (b"250 a\tb\r\n", 250, &[(None, "a\tb")], 9),
            ("250 grüße 日本\r\n".as_bytes(), 250, &[(None, "grüße 日本")], 20),
            (b"250 OK\r\n354 go\r\n", 250, &[(None, "OK")], 8),
            (b"221 2.0.0 Bye\r\nrest", 221, &[(Some("2.0.0"), "Bye")], 15),
            (
                b"250-2.1.5 first\r\n250 2.1.5 second\r\n",
                250,
                &[(Some("2.1.5"), "first"), (Some("2.1.5"), "second")],
                35,
            ),
        ];
        for &(input, code, lines, consumed) in table {
            let (reply, used) = parse(input).expect("valid").complete().expect("complete");
            let expected: Vec<_> = lines.iter().map(|&(e, t)| (e.map(str::to_owned), t)).collect();
            assert_eq!((reply.code().get(), parts(&reply), used), (code, expected, consumed));
        }
    }

    #[test]
    fn rfc_5321_appendix_d_replies_parse() {
        let session: &[&[u8]] = &[
            b"220 foo.com Simple Mail Transfer Service Ready\r\n",
            b"250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n",
            b"250 OK\r\n",
            b"550 No such user here\r\n",
            b"354 Start mail input; end with <CRLF>.<CRLF>\r\n",
            b"221 foo.com Service closing transmission channel\r\n",
            b"251 User not local; will forward to <Postel@USC.edu>\r\n",
            b"553 User ambiguous\r\n",
        ];
        let all: Vec<u8> = session.concat();
        let mut rest = &all[..];
        for &expected in session {
            let (reply, consumed) = parse(rest).expect("valid").complete().expect("complete");
            assert_eq!((consumed, reply.to_bytes()), (expected.len(), expected.to_vec()));
            rest = &rest[consumed..];
        }
        assert!(rest.is_empty());
    }

    #[test]
    fn partial_replies_are_incomplete() {
        let table: &[&[u8]] = &[
            b"",
            b"2",
            b"25",
            b"250",
            b"250 OK",
            b"250 OK\r",
            b"250-a\r\n",
            b"250-a\r\n25",
            b"250-a\r\n250",
            b"250-a\r\n250-",
        ];
        for &input in table {
            assert_eq!(parse(input), Ok(Status::Incomplete), "{input:?}");
        }
    }

    #[test]
    fn every_strict_prefix_is_incomplete() {
        let replies: &[&[u8]] = &[
            b"250 OK\r\n",
            b"250\r\n",
            b"250-\r\n250 \r\n",
            b"250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250 HELP\r\n",
            b"550 5.1.1 <x@example.org>: no such user\r\n",
            "250 grüße\r\n".as_bytes(),
        ];
        for &reply in replies {
            for end in 0..reply.len() {
                assert_eq!(parse(&reply[..end]), Ok(Status::Incomplete), "{:?}", &reply[..end]);
            }
            assert!(matches!(parse(reply), Ok(Status::Complete { .. })));
        }
    }

    #[test]
    fn malformed_replies_fail_at_the_offending_byte() {
        let code = ErrorKind::Syntax { expected: "Reply-code" };
        let separator = ErrorKind::Syntax { expected: "SP or \"-\"" };
        let text = ErrorKind::Syntax { expected: "textstring" };
        let table: &[(&[u8], usize, ErrorKind)] = &[
            (b"600 x\r\n", 0, code.clone()),
            (b"x", 0, code.clone()),
            (b"2x0 x\r\n", 1, code.clone()),
            (b"260 x\r\n", 1, code.clone()),
            (b"25\r\n", 2, code.clone()),
            (b"\r\n", 0, code.clone()),
            (b"250x\r\n", 3, separator.clone()),
            (b"2500", 3, separator),
            (b"250-a\r\n251 b\r\n", 7, ErrorKind::ReplyCodeMismatch),
            (b"250-a\r\n251", 7, ErrorKind::ReplyCodeMismatch),
            (b"250-a\r\n3", 7, ErrorKind::ReplyCodeMismatch),
            (b"250-a\r\n6", 7, code),
            (b"250 a\x00b\r\n", 5, text.clone()),
            (b"250 a\x7f\r\n", 5, text.clone()),
            (b"250-a\r\n250 \x1b[0m\r\n", 11, text),
            (b"250 a\n", 5, ErrorKind::BareLineEnding),
            (b"250 a\rb\r\n", 5, ErrorKind::BareLineEnding),
        ];
        for (input, offset, kind) in table {
            let error = parse(input).expect_err("malformed");
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{input:?}");
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_or_refused_by_option() {
        let input = b"250 caf\xe9!\r\n";
        let (reply, _) = parse(input).expect("lossy").complete().expect("complete");
        assert_eq!(reply.text(), "caf\u{fffd}!");
        let error = parse_reply(input, &ReplyOptions::strict()).expect_err("strict");
        assert_eq!((error.offset(), error.kind()), (7, &ErrorKind::NonAscii));
    }

    #[test]
    fn bare_lf_is_accepted_only_when_allowed() {
        let input = b"250-a\n250 b\n";
        assert!(parse(input).is_err());
        let status = parse_reply(input, &ReplyOptions::lenient()).expect("lenient");
        assert!(matches!(status, Status::Complete { consumed: 12, .. }));
    }

    #[test]
    fn limits_are_enforced_as_soon_as_the_bytes_show_them() {
        let mut long = b"250 ".to_vec();
        long.resize(600, b'a');
        let error = parse(&long).expect_err("no end of line in 512 octets");
        assert_eq!((error.offset(), error.kind()), (512, &ErrorKind::LineTooLong { limit: 512 }));

        let mut second = b"250-a\r\n250 ".to_vec();
        second.resize(600, b'a');
        let error = parse(&second).expect_err("second line too long");
        assert_eq!(error.offset(), 7 + 512);

        let options = ReplyOptions { max_lines: 2, ..ReplyOptions::default() };
        let error = parse_reply(b"250-a\r\n250-b\r\n", &options).expect_err("a third line");
        assert_eq!((error.offset(), error.kind()), (14, &ErrorKind::TooManyLines { limit: 2 }));
        assert!(parse_reply(b"250-a\r\n250 b\r\n", &options).is_ok());

        let options = ReplyOptions { size_limit: 10, ..ReplyOptions::default() };
        let error = parse_reply(b"250-abc\r\n250", &options).expect_err("11 octets so far");
        assert_eq!((error.offset(), error.kind()), (10, &ErrorKind::ReplyTooLarge { limit: 10 }));
        let error = parse_reply(b"250 abcde\r\n", &options).expect_err("11 octets");
        assert_eq!(error.kind(), &ErrorKind::ReplyTooLarge { limit: 10 });
        assert!(parse_reply(b"250 abcd\r\n", &options).is_ok());
        assert!(parse_reply(b"250 abcd\r\n250 next", &options).is_ok());
    }

    #[test]
    fn default_limits_admit_the_largest_reply() {
        let line = format!("250-{}\r\n", "a".repeat(506));
        let mut input = line.repeat(127);
        input.push_str(&line.replacen('-', " ", 1));
        assert_eq!(input.len(), REPLY_SIZE_LIMIT);
        assert!(parse(input.as_bytes()).is_ok());
    }

    #[test]
    fn constructors_normalize_enhanced_codes_like_the_parser() {
        let line = ReplyLine::new(None, "2.1.0 sender ok").expect("text");
        let reply = Reply::new(ReplyCode::OK, [line]).expect("valid");
        assert_eq!(reply.enhanced_code(), Some(EnhancedStatusCode::SENDER_OK));
        assert_eq!(reply.text(), "sender ok");

        let line = ReplyLine::new(None, "5.1.0 stays").expect("text");
        let reply = Reply::new(ReplyCode::OK, [line]).expect("valid");
        assert_eq!((reply.enhanced_code(), reply.text()), (None, Cow::Borrowed("5.1.0 stays")));
    }

    #[test]
    fn constructors_refuse_what_the_grammar_does_not_allow() {
        let error = Reply::new(ReplyCode::OK, []).expect_err("no lines");
        assert_eq!(error.offset(), 0);

        let first = ReplyLine::new(None, "ok").expect("text");
        let wrong = ReplyLine::new(Some(EnhancedStatusCode::SYNTAX_ERROR), "x").expect("text");
        let error = Reply::new(ReplyCode::OK, [first, wrong]).expect_err("class 5 in a 250");
        assert_eq!(error.offset(), 8 + 4);

        let error = Reply::single(ReplyCode::OK, Some(EnhancedStatusCode::OK), "a\rb")
            .expect_err("CR in text");
        assert_eq!(error.offset(), 11);

        let error = Reply::single(ReplyCode::OK, None, "a".repeat(507)).expect_err("513 octets");
        assert_eq!(error.kind(), &ErrorKind::LineTooLong { limit: 512 });
        assert!(Reply::single(ReplyCode::OK, None, "a".repeat(506)).is_ok());

        let lines = (0..=REPLY_LINES_LIMIT).map(|_| ReplyLine::new(None, "").expect("empty"));
        let error = Reply::new(ReplyCode::OK, lines).expect_err("129 lines");
        assert_eq!(error.kind(), &ErrorKind::TooManyLines { limit: REPLY_LINES_LIMIT });

        assert!(Reply::service_ready("").is_err());
        assert_eq!(Reply::service_ready("a\tb").expect_err("HT").offset(), 5);
    }

    #[test]
    fn server_replies_are_valid_and_carry_their_codes() {
        let table: &[(Reply<'static>, &str)] = &[
            (Reply::service_ready("mx.example.org").expect("domain"), "220 mx.example.org"),
            (Reply::closing(), "221 2.0.0"),
            (Reply::ok("fine").expect("text"), "250 2.0.0 fine"),
            (Reply::sender_ok(), "250 2.1.0"),
            (Reply::recipient_ok(), "250 2.1.5"),
            (Reply::message_accepted(), "250 2.6.0"),
            (Reply::will_forward(), "251 2.1.5"),
            (Reply::cannot_verify(), "252 2.0.0"),
            (Reply::start_mail_input(), "354 start mail input"),
            (Reply::service_not_available(), "421 4.3.2"),
            (Reply::mailbox_busy(), "450 4.2.0"),
            (Reply::local_error(), "451 4.3.0"),
            (Reply::insufficient_storage(), "452 4.3.1"),
            (Reply::too_many_recipients(), "452 4.5.3"),
            (Reply::command_unrecognized(), "500 5.5.2"),
            (Reply::line_too_long(), "500 5.5.6"),
            (Reply::syntax_error(), "501 5.5.4"),
            (Reply::not_implemented(), "502 5.5.1"),
            (Reply::bad_sequence(), "503 5.5.1"),
            (Reply::parameter_not_implemented(), "504 5.5.4"),
            (Reply::does_not_accept_mail(), "521 5.3.2"),
            (Reply::mailbox_unavailable(), "550 5.1.1"),
            (Reply::message_too_big(), "552 5.3.4"),
            (Reply::mailbox_full(), "552 5.2.2"),
            (Reply::mailbox_name_not_allowed(), "553 5.1.3"),
            (Reply::transaction_failed(), "554 5.0.0"),
            (Reply::parameters_not_recognized(), "555 5.5.4"),
        ];
        for (reply, start) in table {
            let rebuilt = Reply::new(reply.code(), reply.lines().to_vec()).expect("valid parts");
            assert_eq!(&rebuilt, reply);
            assert!(reply.to_string().starts_with(start), "{reply}");
            let bytes = reply.to_bytes();
            let (parsed, consumed) = parse(&bytes).expect("valid").complete().expect("complete");
            assert_eq!(&parsed, reply);
            assert_eq!(consumed, bytes.len());
        }
    }

    #[test]
    fn replies_for_parse_errors_use_the_server_reply() {
        let error = ParseError::new(3, ErrorKind::Syntax { expected: "domain" });
        assert_eq!(Reply::from_parse_error(&error).to_string(), "501 5.5.4 expected domain");
        let error = ParseError::new(3, ErrorKind::NonAscii);
        let reply = Reply::from_parse_error(&error);
        assert_eq!(reply.to_bytes(), b"553 5.6.7 non-ASCII text not allowed here\r\n");
    }

    #[test]
    fn serialization_writes_bare_codes_for_empty_lines() {
        let empty = || ReplyLine::new(None, "").expect("empty");
        let reply = Reply::new(ReplyCode::OK, [empty(), empty()]).expect("valid");
        assert_eq!(reply.to_bytes(), b"250-\r\n250\r\n");
        let coded = ReplyLine::new(Some(EnhancedStatusCode::OK), "").expect("empty");
        let reply = Reply::new(ReplyCode::OK, [coded.clone(), coded]).expect("valid");
        assert_eq!(reply.to_bytes(), b"250-2.0.0\r\n250 2.0.0\r\n");
        assert_eq!(reply.to_string(), "250 2.0.0 2.0.0");
    }

    #[test]
    fn accessors_describe_the_reply() {
        let input = b"452-4.5.3 too many\r\n452 4.5.3 recipients\r\n";
        let (reply, _) = parse(input).expect("valid").complete().expect("complete");
        assert!(reply.is_transient() && !reply.is_positive() && !reply.is_permanent());
        assert_eq!(reply.class(), ReplyClass::TransientNegative);
        assert_eq!(reply.text(), "too many\nrecipients");
        assert_eq!(reply.to_string(), "452 4.5.3 too many 4.5.3 recipients");
        let owned: Reply<'static> = reply.clone().into_owned();
        assert_eq!(owned, reply);
        assert!(Reply::start_mail_input().is_intermediate());
    }

    /// The reply code rules checked one octet at a time: each digit in its
    /// range, then the code equal to the earlier lines', then the length,
    /// then the separator.
    fn reference_line_head(
        line: &[u8],
        expected: Option<ReplyCode>,
        complete: bool,
    ) -> Result<Option<(ReplyCode, bool)>, ParseError> {
        let ranges = [b'2'..=b'5', b'0'..=b'5', b'0'..=b'9'];
        for (at, (byte, range)) in line.iter().zip(ranges).enumerate() {
            if !range.contains(byte) {
                return Err(ParseError::new(at, ErrorKind::Syntax { expected: "Reply-code" }));
            }
        }
        if let Some(expected) = expected {
            let length = line.len().min(3);
            if line[..length] != expected.to_ascii()[..length] {
                return Err(ParseError::new(0, ErrorKind::ReplyCodeMismatch));
            }
        }
        let &[a, b, c, ..] = line else {
            if complete {
                let expected = "Reply-code";
                return Err(ParseError::new(line.len(), ErrorKind::Syntax { expected }));
            }
            return Ok(None);
        };
        let value = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
        let code = ReplyCode::new(value).expect("valid digits");
        match (line.get(3), complete) {
            (None | Some(b'\r'), false) => Ok(None),
            (None | Some(b' '), true) | (Some(b' '), false) => Ok(Some((code, true))),
            (Some(b'-'), _) => Ok(Some((code, false))),
            _ => Err(ParseError::new(3, ErrorKind::Syntax { expected: "SP or \"-\"" })),
        }
    }

    proptest! {
        #[test]
        fn serialized_replies_parse_back_to_the_same_value(reply in reply()) {
            let bytes = reply.to_bytes();
            let status = parse(&bytes).expect("serialized replies are valid").map(Reply::into_owned);
            prop_assert_eq!(status, Status::Complete { value: reply, consumed: bytes.len() });
        }

        #[test]
        fn strict_prefixes_of_serialized_replies_are_incomplete(
            reply in reply(),
            cut in any::<prop::sample::Index>(),
        ) {
            let bytes = reply.to_bytes();
            let end = cut.index(bytes.len());
            prop_assert_eq!(parse(&bytes[..end]), Ok(Status::Incomplete));
        }

        #[test]
        fn pipelined_replies_parse_one_at_a_time(first in reply(), second in reply()) {
            let mut bytes = first.to_bytes();
            let split = bytes.len();
            second.write_to(&mut bytes);
            let (value, consumed) = parse(&bytes).expect("valid").complete().expect("whole");
            prop_assert_eq!(&value, &first);
            prop_assert_eq!(consumed, split);
            let (value, _) = parse(&bytes[split..]).expect("valid").complete().expect("whole");
            prop_assert_eq!(&value, &second);
        }

        #[test]
        fn line_heads_follow_the_reply_code_rules(
            line in prop::collection::vec(prop::sample::select(b"0123569 -\rx".to_vec()), 0..6),
            expected in prop::option::of(prop::sample::select(vec![200u16, 250, 251, 354, 550])),
            complete in any::<bool>(),
        ) {
            let expected = expected.and_then(ReplyCode::new);
            prop_assert_eq!(
                line_head(&line, expected, complete),
                reference_line_head(&line, expected, complete)
            );
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..700)) {
            if let Ok(Status::Complete { consumed, .. }) = parse(&bytes) {
                prop_assert!(consumed <= bytes.len());
            }
        }

        #[test]
        fn reply_shaped_bytes_never_panic(
            bytes in prop::collection::vec(
                prop::sample::select(b"2505- .\r\n\t\xc3\xa9\x00".to_vec()), 0..200),
            strict in any::<bool>(),
        ) {
            let options = ReplyOptions {
                max_lines: 3,
                size_limit: 64,
                line_limit: 32,
                allow_bare_lf: !strict,
                allow_invalid_utf8: !strict,
            };
            match parse_reply(&bytes, &options) {
                Ok(Status::Complete { consumed, .. }) => prop_assert!(consumed <= bytes.len()),
                Ok(Status::Incomplete) => {}
                Err(error) => prop_assert!(error.offset() <= bytes.len().max(64)),
            }
        }
    }
}
