//! The header section: reading header fields off a message up to the empty
//! line that ends them (RFC 5322 §2.2, §3.5, §4.1, §4.5.3), within limits,
//! and writing them back.

use crate::error::{ErrorKind, ParseError, Status};
use crate::line::split_line;
use crate::status::{EnhancedStatusCode, ReplyCode};

use super::field::HeaderField;
use super::fold::is_ftext;
use super::is_wsp;

/// The default limit on one line of a header section in octets, its line
/// ending included: the 998 characters of RFC 5322 §2.1.1 and CRLF, the
/// same as RFC 5321 §4.5.3.1.6 allows a text line in SMTP.
///
/// The limit applies to each physical line, so a folded field may be
/// longer. Some software writes longer lines anyway (long `Received` or
/// `DKIM-Signature` fields, unfolded); [`HeaderOptions::line_limit`] can be
/// raised to read those.
pub const HEADER_LINE_LIMIT: usize = 1000;

/// The default limit on a whole header section in octets, the empty line
/// included. RFC 5322 sets none; 256 KiB holds the largest header sections
/// of real mail (long `Received` chains, many recipients) with room to
/// spare, and bounds what a reader buffers before the body.
pub const HEADER_SECTION_LIMIT: usize = 256 * 1024;

/// The default limit on the number of fields in a header section. RFC 5322
/// sets none; a thousand is more than real mail has, and bounds the memory
/// the parser spends on fields.
pub const HEADER_FIELDS_LIMIT: usize = 1000;

/// Room for this many fields is made with the first field, so that a common
/// header section costs one allocation and a long one a few, not one per
/// doubling from one field up.
const FIELDS_AT_ONCE: usize = 16;

/// How the header section parser reads: its limits and the one deviation
/// from RFC 5322 it can tolerate.
///
/// The default is strict about line endings, with the limits above.
///
/// ```
/// use smtpkit_codec::{parse_header_section, HeaderOptions};
///
/// let input = b"Subject: hi\n\nbody";
/// assert!(parse_header_section(input, &HeaderOptions::default()).is_err());
/// assert!(parse_header_section(input, &HeaderOptions::lenient()).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderOptions {
    /// Longest line in octets, line ending included. Default 1000
    /// ([`HEADER_LINE_LIMIT`]).
    pub line_limit: usize,
    /// Largest header section in octets, the empty line included. Default
    /// 262,144 ([`HEADER_SECTION_LIMIT`]).
    pub size_limit: usize,
    /// Most fields in one header section. Default 1000
    /// ([`HEADER_FIELDS_LIMIT`]).
    pub max_fields: usize,
    /// Accept LF alone as a line ending, as in mail stored by Unix tools.
    /// A CR not followed by LF is refused regardless. Default off.
    pub allow_bare_lf: bool,
}

impl Default for HeaderOptions {
    fn default() -> Self {
        Self {
            line_limit: HEADER_LINE_LIMIT,
            size_limit: HEADER_SECTION_LIMIT,
            max_fields: HEADER_FIELDS_LIMIT,
            allow_bare_lf: false,
        }
    }
}

impl HeaderOptions {
    /// The default limits, with bare LF accepted and lines as long as the
    /// whole section may be: for mail from files and from software that
    /// ignores the line limit.
    pub fn lenient() -> Self {
        Self { allow_bare_lf: true, line_limit: HEADER_SECTION_LIMIT, ..Self::default() }
    }
}

/// The header fields of a message, in their order, duplicates included,
/// each kept as the bytes it was read from.
///
/// A section that was parsed and not changed writes itself back byte for
/// byte ([`write_to`](Self::write_to)). Fields are looked up by name
/// without regard to case.
///
/// ```
/// use smtpkit_codec::{HeaderField, HeaderSection};
///
/// let mut section = HeaderSection::new();
/// section.push(HeaderField::new("From", "alice@example.org").expect("valid"));
/// section.push(HeaderField::new("Subject", "hello").expect("valid"));
/// assert_eq!(section.get("subject").expect("present").unfolded(), "hello");
/// assert_eq!(section.to_bytes(), b"From: alice@example.org\r\nSubject: hello\r\n\r\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HeaderSection<'a> {
    fields: Vec<HeaderField<'a>>,
    /// The empty line that ended the section: CRLF, LF, or nothing for a
    /// message that ended without one.
    terminator: &'static [u8],
}

/// Parses the header section at the start of `input`, up to and including
/// the empty line that ends it.
///
/// ```abnf
/// message        = (fields / obs-fields) [CRLF body]
/// optional-field = field-name ":" unstructured CRLF
/// obs-optional   = field-name *WSP ":" unstructured CRLF
/// field-name     = 1*ftext
/// unstructured   = (*([FWS] VCHAR) *WSP) / obs-unstruct
/// FWS            = ([*WSP CRLF] 1*WSP) / obs-FWS
/// obs-FWS        = 1*WSP *(CRLF 1*WSP)
/// ```
/// RFC 5322 §3.5, §3.6.8, §4.5.3, §3.2.2, §4.2, (edited): every field is
/// read as an optional field, `field-name *WSP ":"` and a value of any
/// bytes but CR and LF, continued on each following line that starts with
/// white space, a line of only white space included (obs-FWS); the value's
/// own syntax is for the parser of each field. UTF-8 is allowed in values
/// (RFC 6532 §3.2), and so is any other byte, kept as it is.
///
/// The value is the section, its fields borrowing from `input`, and
/// `consumed` counts the empty line, so the body is `&input[consumed..]`.
/// Until that empty line has arrived the section is [`Status::Incomplete`].
/// A message that may have no empty line at all, because it has no body,
/// is read with [`HeaderSection::parse_message`].
///
/// # Errors
///
/// With the offset into `input`: [`ErrorKind::Syntax`] for a line that is
/// neither a field, nor a continuation of one, nor the empty line (a line
/// without a colon, a name with a byte outside `ftext`, a continuation line
/// before the first field); [`ErrorKind::BareLineEnding`];
/// [`ErrorKind::LineTooLong`], [`ErrorKind::HeaderTooLarge`] and
/// [`ErrorKind::TooManyFields`] as soon as a limit is exceeded. A line that
/// has not ended yet is checked as far as it goes. The server reply of the
/// error is 552 5.3.4 for a limit and 554 5.6.0 otherwise.
///
/// ```
/// use smtpkit_codec::{parse_header_section, ErrorKind, HeaderOptions, Status};
///
/// let options = HeaderOptions::default();
/// let input = b"From: alice@example.org\r\nSubject: Hi\r\n\r\nHello, Bob.\r\n";
/// let (section, consumed) = parse_header_section(input, &options).expect("valid")
///     .complete().expect("whole");
/// assert_eq!(section.len(), 2);
/// assert_eq!(&input[consumed..], b"Hello, Bob.\r\n");
/// assert_eq!(parse_header_section(&input[..30], &options), Ok(Status::Incomplete));
///
/// let error = parse_header_section(b"From alice\r\n\r\n", &options).expect_err("no colon");
/// assert_eq!(error.offset(), 5);
/// assert_eq!(error.kind(), &ErrorKind::Syntax { expected: "\":\" after field-name" });
/// ```
pub fn parse_header_section<'a>(
    input: &'a [u8],
    options: &HeaderOptions,
) -> Result<Status<HeaderSection<'a>>, ParseError> {
    // TODO(perf): each call reads the section from its first byte, so a
    // reader that calls again after every small read of a large section
    // does quadratic work; a resumable state, or a caller that waits for
    // the empty line before calling, would keep it linear.
    Reader::new(input, options).read(false).map_err(with_content_reply)
}

impl<'a> HeaderSection<'a> {
    /// An empty section, ended by CRLF when written.
    pub fn new() -> Self {
        Self { fields: Vec::new(), terminator: b"\r\n" }
    }

    /// Parses a whole message: its header section and, after the empty
    /// line, its body, which is returned as it is. Unlike
    /// [`parse_header_section`], the end of `input` also ends the section,
    /// so a message without an empty line (and so without a body) parses
    /// too, even when its last line has no line ending.
    ///
    /// # Errors
    ///
    /// As [`parse_header_section`]; a CR at the very end of `input` is a
    /// [`ErrorKind::BareLineEnding`].
    ///
    /// ```
    /// use smtpkit_codec::{HeaderOptions, HeaderSection};
    ///
    /// let options = HeaderOptions::default();
    /// let (section, body) = HeaderSection::parse_message(b"Subject: x", &options).expect("valid");
    /// assert_eq!((section.len(), body), (1, &b""[..]));
    /// let (_, body) = HeaderSection::parse_message(b"Subject: x\r\n\r\nbody", &options)
    ///     .expect("valid");
    /// assert_eq!(body, b"body");
    /// assert!(HeaderSection::parse_message(b"no colon\r\n\r\n", &options).is_err());
    /// ```
    pub fn parse_message(
        input: &'a [u8],
        options: &HeaderOptions,
    ) -> Result<(Self, &'a [u8]), ParseError> {
        match Reader::new(input, options).read(true).map_err(with_content_reply)? {
            Status::Complete { value, consumed } => Ok((value, &input[consumed..])),
            // At the end of the input the reader ends the section itself, so
            // this is never reached; should it be, the empty line is missing.
            Status::Incomplete => Err(with_content_reply(ParseError::new(
                input.len(),
                ErrorKind::Syntax { expected: "empty line" },
            ))),
        }
    }

    /// The fields in order.
    pub fn fields(&self) -> &[HeaderField<'a>] {
        &self.fields
    }

    /// The fields in order.
    pub fn iter(&self) -> std::slice::Iter<'_, HeaderField<'a>> {
        self.fields.iter()
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the section has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The first field named `name`, ignoring ASCII case.
    pub fn get(&self, name: &str) -> Option<&HeaderField<'a>> {
        self.fields.iter().find(|field| field.is_named(name))
    }

    /// Every field named `name`, ignoring ASCII case, in order.
    ///
    /// ```
    /// use smtpkit_codec::{HeaderOptions, HeaderSection};
    ///
    /// let input = b"Received: from a\r\nSubject: x\r\nreceived: from b\r\n\r\n";
    /// let (section, _) = HeaderSection::parse_message(input, &HeaderOptions::default())
    ///     .expect("valid");
    /// let hops: Vec<_> = section.get_all("RECEIVED").map(|f| f.unfolded()).collect();
    /// assert_eq!(hops, ["from a", "from b"]);
    /// ```
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s HeaderField<'a>> + 's {
        self.fields.iter().filter(move |field| field.is_named(name))
    }

    /// Appends a field.
    pub fn push(&mut self, field: HeaderField<'a>) {
        self.end_last_line();
        self.fields.push(field);
    }

    /// Inserts a field at `index`, moving the fields from there on back;
    /// `index` past the end appends.
    pub fn insert(&mut self, index: usize, field: HeaderField<'a>) {
        self.end_last_line();
        self.fields.insert(index.min(self.fields.len()), field);
    }

    /// Removes every field named `name`, ignoring ASCII case, and returns
    /// how many there were.
    pub fn remove_all(&mut self, name: &str) -> usize {
        let before = self.fields.len();
        self.fields.retain(|field| !field.is_named(name));
        before - self.fields.len()
    }

    /// Appends the section to `out` as on the wire: every field, then the
    /// empty line. A parsed section that was not changed comes out as the
    /// bytes it was parsed from.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for field in &self.fields {
            field.write_to(out);
        }
        out.extend_from_slice(self.terminator);
    }

    /// The section as on the wire; see [`write_to`](Self::write_to).
    pub fn to_bytes(&self) -> Vec<u8> {
        let len = self.fields.iter().map(|f| f.raw().len()).sum::<usize>() + 2;
        let mut out = Vec::with_capacity(len);
        self.write_to(&mut out);
        out
    }

    /// Detaches the section from the input it borrows from.
    pub fn into_owned(self) -> HeaderSection<'static> {
        HeaderSection {
            fields: self.fields.into_iter().map(HeaderField::into_owned).collect(),
            terminator: self.terminator,
        }
    }

    /// Gives the last field a CRLF if it was the last line of a message
    /// without one, so that a field added after it starts a line of its own.
    fn end_last_line(&mut self) {
        if let Some(last) = self.fields.pop() {
            self.fields.push(last.with_line_ending());
        }
    }
}

impl Default for HeaderSection<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'s, 'a> IntoIterator for &'s HeaderSection<'a> {
    type Item = &'s HeaderField<'a>;
    type IntoIter = std::slice::Iter<'s, HeaderField<'a>>;

    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter()
    }
}

/// The field being read: its first line has been seen, and continuation
/// lines may still follow.
struct Open {
    /// Where the field starts in the input.
    start: usize,
    /// Where its name ends and its value starts, from `start`.
    name_end: usize,
    value_start: usize,
    /// Where its value ends and its last line ends so far, in the input.
    value_end: usize,
    end: usize,
}

/// The state of one pass over the input.
struct Reader<'a, 'o> {
    input: &'a [u8],
    options: &'o HeaderOptions,
    section: HeaderSection<'a>,
    open: Option<Open>,
}

impl<'a, 'o> Reader<'a, 'o> {
    fn new(input: &'a [u8], options: &'o HeaderOptions) -> Self {
        Self { input, options, section: HeaderSection::new(), open: None }
    }

    /// Reads lines until the empty line, or, with `at_eof`, until the end
    /// of the input, which then ends the section too.
    fn read(mut self, at_eof: bool) -> Result<Status<HeaderSection<'a>>, ParseError> {
        let input = self.input;
        let mut start = 0;
        loop {
            let rest = &input[start..];
            let framed = split_line(rest, self.options.line_limit, self.options.allow_bare_lf)
                .map_err(|e| e.shifted(start))?;
            let (content, end) = match framed {
                Status::Complete { value, consumed } => (value, start + consumed),
                Status::Incomplete if at_eof => {
                    if rest.last() == Some(&b'\r') {
                        return Err(ParseError::new(input.len() - 1, ErrorKind::BareLineEnding));
                    }
                    (rest, input.len())
                }
                Status::Incomplete => {
                    // The unfinished line is checked as far as it goes, so
                    // that a line that can only be wrong is refused at once.
                    self.line(rest, start, None)?;
                    // More input is needed, so the section is longer than
                    // all of it.
                    self.check_size(input.len() + 1)?;
                    return Ok(Status::Incomplete);
                }
            };
            self.check_size(end)?;

            if content.is_empty() {
                self.close();
                self.section.terminator = match end - start {
                    2 => b"\r\n",
                    1 => b"\n",
                    _ => b"",
                };
                return Ok(Status::Complete { value: self.section, consumed: end });
            }
            self.line(content, start, Some(end))?;
            start = end;
        }
    }

    /// Takes in one line that is not the empty line: a continuation of the
    /// open field or the first line of a new one. `end` is where the line
    /// and its line ending end in the input, or `None` for a line that has
    /// not ended yet, which is only checked as far as it goes.
    fn line(&mut self, content: &[u8], start: usize, end: Option<usize>) -> Result<(), ParseError> {
        // The CR of a line ending whose LF has not arrived is no content.
        let content = match end {
            None => content.strip_suffix(b"\r").unwrap_or(content),
            Some(_) => content,
        };
        let Some(&first) = content.first() else {
            return Ok(());
        };
        let value_end = start + content.len();

        if is_wsp(first) {
            let Some(open) = &mut self.open else {
                let kind = ErrorKind::Syntax { expected: "field-name" };
                return Err(ParseError::new(start, kind));
            };
            if let Some(end) = end {
                (open.value_end, open.end) = (value_end, end);
            }
            return Ok(());
        }

        if self.section.fields.len() + usize::from(self.open.is_some()) >= self.options.max_fields {
            let limit = self.options.max_fields;
            return Err(ParseError::new(start, ErrorKind::TooManyFields { limit }));
        }
        let head = optional_field(content).map_err(|e| e.shifted(start))?;
        let Some(end) = end else {
            return Ok(());
        };
        let Some((name_end, value_start)) = head else {
            let kind = ErrorKind::Syntax { expected: "\":\" after field-name" };
            return Err(ParseError::new(value_end, kind));
        };
        self.close();
        self.open = Some(Open { start, name_end, value_start, value_end, end });
        Ok(())
    }

    /// Adds the open field, if any, to the section.
    fn close(&mut self) {
        if let Some(open) = self.open.take() {
            if self.section.fields.is_empty() {
                self.section.fields.reserve(FIELDS_AT_ONCE);
            }
            let raw = &self.input[open.start..open.end];
            let value_end = open.value_end - open.start;
            let field = HeaderField::parsed(raw, open.name_end, open.value_start, value_end);
            self.section.fields.push(field);
        }
    }

    /// Refuses a section that has reached `end` octets, or more, without
    /// having ended within the size limit.
    fn check_size(&self, end: usize) -> Result<(), ParseError> {
        let limit = self.options.size_limit;
        if end > limit {
            return Err(ParseError::new(limit, ErrorKind::HeaderTooLarge { limit }));
        }
        Ok(())
    }
}

/// Reads the start of a field's first line, up to its colon, and returns
/// where the name ends and where the value starts; `None` when the line
/// ends before the colon, which is an error for a whole line but not for
/// one still arriving.
///
/// ```abnf
/// optional-field = field-name ":" unstructured CRLF
/// obs-optional   = field-name *WSP ":" unstructured CRLF
/// field-name     = 1*ftext
/// ftext          = %d33-57 / %d59-126
/// ```
/// RFC 5322 §3.6.8, §4.5.3.
fn optional_field(line: &[u8]) -> Result<Option<(usize, usize)>, ParseError> {
    let name_end = line.iter().take_while(|&&b| is_ftext(b)).count();
    if name_end == 0 {
        return Err(ParseError::new(0, ErrorKind::Syntax { expected: "field-name" }));
    }
    let space = line[name_end..].iter().take_while(|&&b| is_wsp(b)).count();
    match line.get(name_end + space) {
        Some(b':') => Ok(Some((name_end, name_end + space + 1))),
        Some(_) => Err(ParseError::new(
            name_end + space,
            ErrorKind::Syntax { expected: "\":\" after field-name" },
        )),
        None => Ok(None),
    }
}

/// Gives an error in a header section the reply a server sends for bad
/// message content: 552 5.3.4 for a limit, 554 5.6.0 for the rest.
fn with_content_reply(error: ParseError) -> ParseError {
    match error.kind() {
        ErrorKind::HeaderTooLarge { .. } | ErrorKind::TooManyFields { .. } => {
            error.with_reply(ReplyCode::EXCEEDED_STORAGE, EnhancedStatusCode::MESSAGE_TOO_BIG)
        }
        _ => error.with_reply(ReplyCode::TRANSACTION_FAILED, EnhancedStatusCode::MEDIA_ERROR),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::strategies::header::{
        field_name, field_value, header_section, header_section_bytes,
    };

    fn parse(input: &[u8]) -> Result<Status<HeaderSection<'_>>, ParseError> {
        parse_header_section(input, &HeaderOptions::default())
    }

    /// The fields of a section as (name, raw value) pairs, for tables.
    fn parts<'s>(section: &'s HeaderSection<'_>) -> Vec<(&'s str, &'s [u8])> {
        section.iter().map(|f| (f.name(), f.raw_value())).collect()
    }

    #[test]
    fn complete_sections_parse_with_their_fields_and_length() {
        type Field = (&'static str, &'static [u8]);
        let table: &[(&[u8], &[Field], usize)] = &[
            (b"\r\n", &[], 2),
            (b"\r\nbody", &[], 2),
            (b"Subject: Hi\r\n\r\n", &[("Subject", b" Hi")], 15),
            (b"Subject:Hi\r\n\r\n", &[("Subject", b"Hi")], 14),
            (b"X:\r\n\r\n", &[("X", b"")], 6),
            (b"Subject : Hi\r\n\r\n", &[("Subject", b" Hi")], 16),
            (b"Subject \t:Hi\r\n\r\n", &[("Subject", b"Hi")], 16),
            (b"Subject: a\r\n b\r\n\r\n", &[("Subject", b" a\r\n b")], 18),
            (b"Subject:\r\n\tb\r\n\r\n", &[("Subject", b"\r\n\tb")], 16),
            (b"Subject: a\r\n \r\n b\r\n\r\n", &[("Subject", b" a\r\n \r\n b")], 21),
            (b"A: 1\r\nA: 2\r\na: 3\r\n\r\n", &[("A", b" 1"), ("A", b" 2"), ("a", b" 3")], 20),
            (b"X-!#$%&'*+^`{|}~: v\r\n\r\n", &[("X-!#$%&'*+^`{|}~", b" v")], 23),
            ("Subject: 日本\r\n\r\n".as_bytes(), &[("Subject", " 日本".as_bytes())], 19),
            (b"Subject: caf\xe9\r\n\r\n", &[("Subject", b" caf\xe9")], 17),
            (b"X: a\x01\x7f\0b\r\n\r\n", &[("X", b" a\x01\x7f\0b")], 12),
            (b"A: 1\r\n\r\nB: 2\r\n\r\n", &[("A", b" 1")], 8),
            (b"A: 1\r\n\r\n\r\n", &[("A", b" 1")], 8),
        ];
        for &(input, fields, consumed) in table {
            let (section, used) = parse(input).expect("valid").complete().expect("complete");
            assert_eq!((parts(&section), used), (fields.to_vec(), consumed), "{input:?}");
            assert_eq!(section.to_bytes(), &input[..consumed], "{input:?}");
        }
    }

    #[test]
    fn incomplete_sections_ask_for_more() {
        let table: &[&[u8]] = &[
            b"",
            b"\r",
            b"Subj",
            b"Subject ",
            b"Subject:",
            b"Subject: Hi",
            b"Subject: Hi\r",
            b"Subject: Hi\r\n",
            b"Subject: Hi\r\n\r",
            b"Subject: Hi\r\n b",
            b"Subject: Hi\r\n \r",
            b"Subject: Hi\r\nTo",
        ];
        for &input in table {
            assert_eq!(parse(input), Ok(Status::Incomplete), "{input:?}");
        }
    }

    #[test]
    fn lines_that_are_no_field_are_refused_where_they_go_wrong() {
        let name = ErrorKind::Syntax { expected: "field-name" };
        let colon = ErrorKind::Syntax { expected: "\":\" after field-name" };
        let table: &[(&[u8], usize, &ErrorKind)] = &[
            (b" Subject: x\r\n\r\n", 0, &name),
            (b"\tx\r\n\r\n", 0, &name),
            (b" ", 0, &name),
            (b": x\r\n\r\n", 0, &name),
            (b"\0: x\r\n\r\n", 0, &name),
            (b"\xc3\xa4: x\r\n\r\n", 0, &name),
            (b"Subject\r\n\r\n", 7, &colon),
            (b"Subject \r\n\r\n", 8, &colon),
            (b"Sub ject: x\r\n\r\n", 4, &colon),
            (b"Fr\xc3\xb6m: x\r\n\r\n", 2, &colon),
            (b"A: 1\r\nno colon here\r\n\r\n", 9, &colon),
            (b"A: 1\r\nno colon", 9, &colon),
            (b"A: 1\r\n b\r\nC d", 12, &colon),
            (b"From alice", 5, &colon),
            (b"Subject: x\n\r\n", 10, &ErrorKind::BareLineEnding),
            (b"Subject: x\r\n\n", 12, &ErrorKind::BareLineEnding),
            (b"Subject: a\rb\r\n\r\n", 10, &ErrorKind::BareLineEnding),
            (b"Subject: a\r\n\rb", 12, &ErrorKind::BareLineEnding),
        ];
        for &(input, offset, kind) in table {
            let error = parse(input).expect_err("refused");
            assert_eq!((error.offset(), error.kind()), (offset, kind), "{input:?}");
            let (code, enhanced) = error.server_reply();
            assert_eq!((code.get(), enhanced.to_string()), (554, "5.6.0".to_owned()));
        }
    }

    #[test]
    fn bare_lf_ends_lines_only_when_allowed() {
        let input = b"A: 1\nB: 2\r\n x\n\nbody";
        assert!(parse(input).is_err());
        let options = HeaderOptions { allow_bare_lf: true, ..HeaderOptions::default() };
        let (section, consumed) =
            parse_header_section(input, &options).expect("valid").complete().expect("complete");
        assert_eq!(parts(&section), [("A", &b" 1"[..]), ("B", b" 2\r\n x")]);
        assert_eq!(section.get("b").expect("present").unfolded(), "2 x");
        assert_eq!((consumed, section.to_bytes()), (15, input[..15].to_vec()));
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_accepted_and_one_more_is_not() {
        let value = "x".repeat(HEADER_LINE_LIMIT - 2 - 3);
        let input = format!("X: {value}\r\n\r\n");
        assert!(parse(input.as_bytes()).is_ok_and(|s| !s.is_incomplete()));

        let input = format!("X: {value}x\r\n\r\n");
        let error = parse(input.as_bytes()).expect_err("999 characters");
        let kind = ErrorKind::LineTooLong { limit: HEADER_LINE_LIMIT };
        assert_eq!((error.offset(), error.kind()), (HEADER_LINE_LIMIT, &kind));
        let endless = format!("X: {}", "x".repeat(2000));
        assert!(parse(endless.as_bytes()).expect_err("no end in sight").is_line_too_long());
    }

    #[test]
    fn the_line_limit_applies_to_each_line_of_a_folded_field() {
        let options = HeaderOptions { line_limit: 22, ..HeaderOptions::default() };
        let input = b"Subject: 0123456789\r\n 0123456789012345678\r\n\r\n";
        assert!(parse_header_section(input, &options).is_ok());
        let input = b"Subject: 0123456789\r\n 01234567890123456789\r\n\r\n";
        let error = parse_header_section(input, &options).expect_err("second line of 23");
        assert_eq!((error.offset(), error.kind()), (43, &ErrorKind::LineTooLong { limit: 22 }));
    }

    #[test]
    fn a_section_of_exactly_the_size_limit_is_accepted_and_one_more_is_not() {
        let options = HeaderOptions { size_limit: 20, ..HeaderOptions::default() };
        let fits = b"A: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assert_eq!(fits.len(), 20);
        assert!(matches!(
            parse_header_section(fits, &options),
            Ok(Status::Complete { consumed: 20, .. })
        ));
        assert_eq!(parse_header_section(&fits[..19], &options), Ok(Status::Incomplete));

        let over = b"A: 1\r\nB: 2\r\nC: 34\r\n\r\n";
        let kind = ErrorKind::HeaderTooLarge { limit: 20 };
        for input in [&over[..], &over[..20], &b"A: 1\r\nB: 2\r\nC: 34567"[..]] {
            let error = parse_header_section(input, &options).expect_err("too large");
            assert_eq!((error.offset(), error.kind()), (20, &kind), "{input:?}");
            let (code, enhanced) = error.server_reply();
            assert_eq!((code.get(), enhanced.to_string()), (552, "5.3.4".to_owned()));
        }
    }

    #[test]
    fn the_field_after_the_last_allowed_one_is_refused_as_it_starts() {
        let options = HeaderOptions { max_fields: 2, ..HeaderOptions::default() };
        let two = b"A: 1\r\nB: 2\r\n x\r\n\r\n";
        assert!(parse_header_section(two, &options).is_ok());
        let kind = ErrorKind::TooManyFields { limit: 2 };
        for (input, offset) in
            [(&b"A: 1\r\nB: 2\r\n x\r\nC: 3\r\n\r\n"[..], 16), (b"A: 1\r\nB: 2\r\nC", 12)]
        {
            let error = parse_header_section(input, &options).expect_err("three fields");
            assert_eq!((error.offset(), error.kind()), (offset, &kind), "{input:?}");
        }
    }

    #[test]
    fn whole_messages_parse_with_or_without_an_empty_line() {
        let options = HeaderOptions::default();
        type Case = (&'static [u8], &'static [(&'static str, &'static [u8])], &'static [u8]);
        let table: &[Case] = &[
            (b"", &[], b""),
            (b"\r\n", &[], b""),
            (b"\r\nbody", &[], b"body"),
            (b"A: 1", &[("A", b" 1")], b""),
            (b"A: 1\r\n", &[("A", b" 1")], b""),
            (b"A: 1\r\n b", &[("A", b" 1\r\n b")], b""),
            (b"A: 1\r\n\r\nbody\r\n", &[("A", b" 1")], b"body\r\n"),
            (b"A:", &[("A", b"")], b""),
        ];
        for &(input, fields, body) in table {
            let (section, rest) = HeaderSection::parse_message(input, &options).expect("valid");
            assert_eq!((parts(&section), rest), (fields.to_vec(), body), "{input:?}");
            let mut out = section.to_bytes();
            out.extend_from_slice(rest);
            assert_eq!(out, input, "{input:?}");
        }

        let failed: &[(&[u8], usize)] =
            &[(b"A: 1\r", 4), (b"A", 1), (b" A: 1", 0), (b"A: 1\r\nB", 7)];
        for &(input, offset) in failed {
            let error = HeaderSection::parse_message(input, &options).expect_err("invalid");
            assert_eq!(error.offset(), offset, "{input:?}");
        }
    }

    #[test]
    fn a_field_added_after_a_last_line_without_ending_gets_a_line_of_its_own() {
        let (mut section, _) =
            HeaderSection::parse_message(b"A: 1", &HeaderOptions::default()).expect("valid");
        section.push(HeaderField::new("B", "2").expect("valid"));
        assert_eq!(section.to_bytes(), b"A: 1\r\nB: 2\r\n");
        section.insert(0, HeaderField::new("C", "3").expect("valid"));
        assert_eq!(section.remove_all("a"), 1);
        assert_eq!(section.to_bytes(), b"C: 3\r\nB: 2\r\n");
    }

    #[test]
    fn lookup_ignores_case_and_keeps_order() {
        let input = b"Received: a\r\nSubject: s\r\nRECEIVED: b\r\nreceived: c\r\n\r\n";
        let (section, _) = parse(input).expect("valid").complete().expect("complete");
        let values: Vec<_> = section.get_all("Received").map(|f| f.unfolded()).collect();
        assert_eq!(values, ["a", "b", "c"]);
        assert_eq!(section.get("SUBJECT").map(|f| f.name()), Some("Subject"));
        assert!(section.get("Subjec").is_none());
        assert_eq!((&section).into_iter().count(), 4);
    }

    /// The examples of RFC 5322 Appendix A, with their line endings as
    /// CRLF: each message, the names of its fields, and a few unfolded
    /// values.
    type Example = (
        &'static str,
        &'static str,
        &'static [&'static str],
        &'static [(&'static str, &'static str)],
    );
    const APPENDIX_A: &[Example] = &[
        (
            "A.1.1",
            "From: John Doe <jdoe@machine.example>\n\
             To: Mary Smith <mary@example.net>\n\
             Subject: Saying Hello\n\
             Date: Fri, 21 Nov 1997 09:55:06 -0600\n\
             Message-ID: <1234@local.machine.example>\n\
             \n\
             This is a message just to say hello.\n\
             So, \"Hello\".\n",
            &["From", "To", "Subject", "Date", "Message-ID"],
            &[("subject", "Saying Hello"), ("message-id", "<1234@local.machine.example>")],
        ),
        (
            "A.1.1 with Sender",
            "From: John Doe <jdoe@machine.example>\n\
             Sender: Michael Jones <mjones@machine.example>\n\
             To: Mary Smith <mary@example.net>\n\
             Subject: Saying Hello\n\
             Date: Fri, 21 Nov 1997 09:55:06 -0600\n\
             Message-ID: <1234@local.machine.example>\n\
             \n\
             This is a message just to say hello.\n\
             So, \"Hello\".\n",
            &["From", "Sender", "To", "Subject", "Date", "Message-ID"],
            &[("Sender", "Michael Jones <mjones@machine.example>")],
        ),
        (
            "A.1.2",
            "From: \"Joe Q. Public\" <john.q.public@example.com>\n\
             To: Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>\n\
             Cc: <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>\n\
             Date: Tue, 1 Jul 2003 10:52:37 +0200\n\
             Message-ID: <5678.21-Nov-1997@example.com>\n\
             \n\
             Hi everyone.\n",
            &["From", "To", "Cc", "Date", "Message-ID"],
            &[("cc", "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>")],
        ),
        (
            "A.1.3",
            "From: Pete <pete@silly.example>\n\
             To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;\n\
             Cc: Undisclosed recipients:;\n\
             Date: Thu, 13 Feb 1969 23:32:54 -0330\n\
             Message-ID: <testabcd.1234@silly.example>\n\
             \n\
             Testing.\n",
            &["From", "To", "Cc", "Date", "Message-ID"],
            &[("Cc", "Undisclosed recipients:;")],
        ),
        (
            "A.2",
            "From: Mary Smith <mary@example.net>\n\
             To: John Doe <jdoe@machine.example>\n\
             Reply-To: \"Mary Smith: Personal Account\" <smith@home.example>\n\
             Subject: Re: Saying Hello\n\
             Date: Fri, 21 Nov 1997 10:01:10 -0600\n\
             Message-ID: <3456@example.net>\n\
             In-Reply-To: <1234@local.machine.example>\n\
             References: <1234@local.machine.example>\n\
             \n\
             This is a reply to your hello.\n",
            &[
                "From",
                "To",
                "Reply-To",
                "Subject",
                "Date",
                "Message-ID",
                "In-Reply-To",
                "References",
            ],
            &[("Reply-To", "\"Mary Smith: Personal Account\" <smith@home.example>")],
        ),
        (
            "A.3",
            "Resent-From: Mary Smith <mary@example.net>\n\
             Resent-To: Jane Brown <j-brown@other.example>\n\
             Resent-Date: Mon, 24 Nov 1997 14:22:01 -0800\n\
             Resent-Message-ID: <78910@example.net>\n\
             From: John Doe <jdoe@machine.example>\n\
             To: Mary Smith <mary@example.net>\n\
             Subject: Saying Hello\n\
             Date: Fri, 21 Nov 1997 09:55:06 -0600\n\
             Message-ID: <1234@local.machine.example>\n\
             \n\
             This is a message just to say hello.\n\
             So, \"Hello\".\n",
            &[
                "Resent-From",
                "Resent-To",
                "Resent-Date",
                "Resent-Message-ID",
                "From",
                "To",
                "Subject",
                "Date",
                "Message-ID",
            ],
            &[("resent-message-id", "<78910@example.net>")],
        ),
        (
            "A.4",
            "Received: from x.y.test\n   by example.net\n   via TCP\n   with ESMTP\n   \
             id ABC12345\n   for <mary@example.net>;  21 Nov 1997 10:05:43 -0600\n\
             Received: from node.example by x.y.test; 21 Nov 1997 10:01:22 -0600\n\
             From: John Doe <jdoe@node.example>\n\
             To: Mary Smith <mary@example.net>\n\
             Subject: Saying Hello\n\
             Date: Fri, 21 Nov 1997 09:55:06 -0600\n\
             Message-ID: <1234@local.node.example>\n\
             \n\
             This is a message just to say hello.\n\
             So, \"Hello\".\n",
            &["Received", "Received", "From", "To", "Subject", "Date", "Message-ID"],
            &[(
                "Received",
                "from x.y.test   by example.net   via TCP   with ESMTP   id ABC12345   \
                 for <mary@example.net>;  21 Nov 1997 10:05:43 -0600",
            )],
        ),
        (
            "A.5",
            "From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>\n\
             To:A Group(Some people)\n     :Chris Jones <c@(Chris's host.)public.example>,\n         \
             joe@example.org,\n  John <jdoe@one.test> (my dear friend); (the end of the group)\n\
             Cc:(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;\n\
             Date: Thu,\n      13\n        Feb\n          1969\n      23:32\n               \
             -0330 (Newfoundland Time)\n\
             Message-ID:              <testabcd.1234@silly.test>\n\
             \n\
             Testing.\n",
            &["From", "To", "Cc", "Date", "Message-ID"],
            &[
                (
                    "Date",
                    "Thu,      13        Feb          1969      23:32               \
                     -0330 (Newfoundland Time)",
                ),
                ("Message-ID", "<testabcd.1234@silly.test>"),
            ],
        ),
        (
            "A.6.1",
            "From: Joe Q. Public <john.q.public@example.com>\n\
             To: Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example\n\
             Date: Tue, 1 Jul 2003 10:52:37 +0200\n\
             Message-ID: <5678.21-Nov-1997@example.com>\n\
             \n\
             Hi everyone.\n",
            &["From", "To", "Date", "Message-ID"],
            &[("To", "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example")],
        ),
        (
            "A.6.2",
            "From: John Doe <jdoe@machine.example>\n\
             To: Mary Smith <mary@example.net>\n\
             Subject: Saying Hello\n\
             Date: 21 Nov 97 09:55:06 GMT\n\
             Message-ID: <1234@local.machine.example>\n\
             \n\
             This is a message just to say hello.\n\
             So, \"Hello\".\n",
            &["From", "To", "Subject", "Date", "Message-ID"],
            &[("Date", "21 Nov 97 09:55:06 GMT")],
        ),
        (
            "A.6.3",
            "From  : John Doe <jdoe@machine(comment).  example>\n\
             To    : Mary Smith\n  \n          <mary@example.net>\n\
             Subject     : Saying Hello\n\
             Date  : Fri, 21 Nov 1997 09(comment):   55  :  06 -0600\n\
             Message-ID  : <1234   @   local(blah)  .machine .example>\n\
             \n\
             This is a message just to say hello.\n\
             So, \"Hello\".\n",
            &["From", "To", "Subject", "Date", "Message-ID"],
            &[
                ("To", "Mary Smith            <mary@example.net>"),
                ("Subject", "Saying Hello"),
            ],
        ),
    ];

    #[test]
    fn rfc_5322_appendix_a_header_sections_parse() {
        for &(example, text, names, values) in APPENDIX_A {
            let message = text.replace('\n', "\r\n");
            let (section, consumed) =
                parse(message.as_bytes()).expect(example).complete().expect(example);
            let found: Vec<_> = section.iter().map(HeaderField::name).collect();
            assert_eq!(found, names, "{example}");
            for &(name, value) in values {
                assert_eq!(section.get(name).expect(example).unfolded(), value, "{example}");
            }
            let body = &message[consumed..];
            assert!(body.ends_with(".\r\n") && !body.starts_with("\r\n"), "{example}");
            assert_eq!(section.to_bytes(), &message.as_bytes()[..consumed], "{example}");
        }
    }

    #[test]
    fn every_strict_prefix_of_an_appendix_a_section_is_incomplete() {
        for &(example, text, _, _) in APPENDIX_A {
            let message = text.replace('\n', "\r\n");
            let (_, consumed) =
                parse(message.as_bytes()).expect(example).complete().expect(example);
            for end in 0..consumed {
                let prefix = &message.as_bytes()[..end];
                assert_eq!(parse(prefix), Ok(Status::Incomplete), "{example} {end}");
            }
        }
    }

    proptest! {
        #[test]
        fn sections_on_the_wire_write_back_byte_for_byte(bytes in header_section_bytes()) {
            let (section, consumed) = parse(&bytes).expect("valid").complete().expect("complete");
            prop_assert_eq!(consumed, bytes.len());
            prop_assert_eq!(section.to_bytes(), bytes);
        }

        #[test]
        fn strict_prefixes_of_sections_are_incomplete(
            bytes in header_section_bytes(),
            cut in any::<prop::sample::Index>(),
        ) {
            let end = cut.index(bytes.len());
            prop_assert_eq!(parse(&bytes[..end]), Ok(Status::Incomplete));
        }

        #[test]
        fn built_fields_parse_back_to_their_name_and_value(
            name in field_name(),
            value in field_value(),
        ) {
            let field = HeaderField::new(&name, &value).expect("valid");
            let mut bytes = field.raw().to_vec();
            bytes.extend_from_slice(b"\r\n");
            let (section, _) = parse(&bytes).expect("valid").complete().expect("complete");
            prop_assert_eq!(section.len(), 1);
            let parsed = &section.fields()[0];
            prop_assert_eq!(parsed.name(), name.as_str());
            prop_assert_eq!(parsed.unfolded(), value.trim_matches([' ', '\t']));
            prop_assert_eq!(parsed, &field);
            for line in bytes.split(|&b| b == b'\n') {
                prop_assert!(line.len() <= 999, "a line of {} octets", line.len());
            }
        }

        #[test]
        fn built_sections_parse_back_to_the_same_fields(section in header_section()) {
            let bytes = section.to_bytes();
            let status = parse(&bytes).expect("valid").map(HeaderSection::into_owned);
            prop_assert_eq!(status, Status::Complete { value: section, consumed: bytes.len() });
        }

        #[test]
        fn parsing_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
            let _ = parse_header_section(&bytes, &HeaderOptions::lenient());
            if let Ok((section, _)) = HeaderSection::parse_message(&bytes, &HeaderOptions::lenient()) {
                for field in &section {
                    let _ = (field.unfolded(), field.unstructured());
                }
            }
        }

        #[test]
        fn parsing_takes_lines_of_header_like_bytes(
            lines in prop::collection::vec(
                prop::sample::select(vec![
                    &b"A: 1"[..], b" x", b"\t", b"", b"B :", b":", b"C", b"\r", b"=?UTF-8?Q?a?=",
                ]),
                0..20,
            ),
            bare in any::<bool>(),
        ) {
            let ending: &[u8] = if bare { b"\n" } else { b"\r\n" };
            let bytes = lines.join(ending);
            let options = HeaderOptions { line_limit: 8, size_limit: 64, max_fields: 4, allow_bare_lf: bare };
            let _ = parse_header_section(&bytes, &options);
            let _ = HeaderSection::parse_message(&bytes, &options);
        }
    }
}
