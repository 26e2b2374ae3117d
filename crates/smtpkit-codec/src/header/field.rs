//! One header field: its name, its value as it came, and the value unfolded
//! and decoded on demand (RFC 5322 §2.2, §2.2.3, §3.6.8; RFC 6532 §3.2).

use std::borrow::Cow;
use std::fmt;

use crate::encoded_word::{decode_unstructured, encode_unstructured};
use crate::error::ParseError;

use super::fold::{check, fold};
use super::is_wsp;

/// One header field, kept as the bytes it was read from or built into: its
/// name, the colon, its value with any folding, and its line ending.
///
/// The name is ASCII by the grammar. The value is bytes: UTF-8 where the
/// message follows RFC 6532, but any other bytes are kept too, and show as
/// U+FFFD in the text views ([`unfolded`](Self::unfolded),
/// [`unstructured`](Self::unstructured)).
///
/// ```
/// use smtpkit_codec::HeaderField;
///
/// let field = HeaderField::new("Subject", "Saying Hello").expect("a valid field");
/// assert_eq!(field.name(), "Subject");
/// assert_eq!(field.raw(), b"Subject: Saying Hello\r\n");
/// assert_eq!(field.unfolded(), "Saying Hello");
/// assert!(HeaderField::new("Subject", "Hello\r\nBcc: victim@example.org").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HeaderField<'a> {
    /// The field from the first byte of its name through its line ending.
    raw: Cow<'a, [u8]>,
    /// Where the name ends: at the colon, or at white space before it.
    name_end: usize,
    /// Where the value starts, just after the colon.
    value_start: usize,
    /// Where the value ends, at the final line ending (or the end of `raw`
    /// for a last field that has none).
    value_end: usize,
}

impl HeaderField<'static> {
    /// Builds the field `name: value`, folded at white space so that lines
    /// stay within 76 characters where the words allow, and never exceed
    /// 998 (RFC 5322 §2.1.1, §2.2.3).
    ///
    /// `value` is the field body as [`unfolded`](HeaderField::unfolded)
    /// gives it back: white space at either end of it is not significant,
    /// and comes back trimmed. It is written as it is, UTF-8 included
    /// (RFC 6532); use [`new_unstructured`](Self::new_unstructured) for text
    /// that must be encoded for a 7-bit transport.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] when the name is empty or holds anything but
    /// printable ASCII other than colon, when the value holds CR, LF or
    /// NUL, or when a word of the value is too long for a line of 998
    /// characters. The offset is into `name` or into `value`, whichever was
    /// refused; [`ErrorKind`](crate::ErrorKind) says which.
    ///
    /// ```
    /// use smtpkit_codec::{ErrorKind, HeaderField};
    ///
    /// let field = HeaderField::new("X-Mailer", "smtpkit").expect("valid");
    /// assert_eq!(field.raw(), b"X-Mailer: smtpkit\r\n");
    ///
    /// let error = HeaderField::new("Subject", "hi\r\nBcc: x@example.org").expect_err("CRLF");
    /// assert_eq!(error.offset(), 2);
    /// assert_eq!(error.kind(), &ErrorKind::ForbiddenByte { byte: b'\r', element: "field-body" });
    /// assert!(HeaderField::new("Bad Name", "x").is_err());
    /// ```
    pub fn new(name: &str, value: &str) -> Result<Self, ParseError> {
        check(name, value)?;
        let mut raw = Vec::new();
        fold(name, value, &mut raw);
        let value_end = raw.len() - 2;
        Ok(Self {
            raw: Cow::Owned(raw),
            name_end: name.len(),
            value_start: name.len() + 1,
            value_end,
        })
    }

    /// Builds an unstructured field such as Subject or Comments from text
    /// that may need encoding: what is not printable ASCII is written as
    /// RFC 2047 encoded words (see
    /// [`encode_unstructured`](crate::encode_unstructured)), so the field is
    /// 7-bit, and [`unstructured`](HeaderField::unstructured) gives the text
    /// back, trimmed of white space at either end.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), for the name or for a word of the encoded
    /// value; the offset of the latter is into the encoded value.
    ///
    /// ```
    /// use smtpkit_codec::HeaderField;
    ///
    /// let field = HeaderField::new_unstructured("Subject", "日本語の件名").expect("valid");
    /// assert!(field.raw().is_ascii());
    /// assert_eq!(field.unstructured(), "日本語の件名");
    /// assert!(HeaderField::new_unstructured("Sub:ject", "x").is_err());
    /// ```
    pub fn new_unstructured(name: &str, text: &str) -> Result<Self, ParseError> {
        let mut value = String::with_capacity(text.len());
        encode_unstructured(text, &mut value);
        Self::new(name, &value)
    }
}

impl<'a> HeaderField<'a> {
    /// A field read by the section parser: `raw` runs from the name through
    /// the line ending, with the positions the parser found.
    pub(crate) fn parsed(
        raw: &'a [u8],
        name_end: usize,
        value_start: usize,
        value_end: usize,
    ) -> Self {
        Self { raw: Cow::Borrowed(raw), name_end, value_start, value_end }
    }

    /// The field name as written, in its own case.
    pub fn name(&self) -> &str {
        // Both the parser and `new` accept only ASCII names.
        std::str::from_utf8(&self.raw[..self.name_end]).expect("field names are ASCII")
    }

    /// True when the field's name is `name`, ignoring ASCII case, as field
    /// names compare (RFC 5322 §1.2.2).
    pub fn is_named(&self, name: &str) -> bool {
        self.raw[..self.name_end].eq_ignore_ascii_case(name.as_bytes())
    }

    /// The value as on the wire: everything after the colon, folding
    /// included, up to the final line ending.
    pub fn raw_value(&self) -> &[u8] {
        &self.raw[self.value_start..self.value_end]
    }

    /// The whole field as on the wire, from the name through the final line
    /// ending.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// True when the field has a line ending, which only the last field of
    /// a message without a body can lack.
    pub(crate) fn has_line_ending(&self) -> bool {
        self.value_end < self.raw.len()
    }

    /// The value unfolded (RFC 5322 §2.2.3), as text.
    ///
    /// Precisely: every line ending inside the value is removed (each is
    /// followed by white space, which stays), then the white space at both
    /// ends is trimmed, then the bytes are read as UTF-8, any sequence that
    /// is not UTF-8 becoming U+FFFD. Nothing else changes: white space
    /// inside the value, comments and encoded words stay as written. The
    /// result borrows from the field unless a line ending was removed or
    /// a byte replaced.
    ///
    /// ```
    /// use smtpkit_codec::{parse_header_section, HeaderOptions};
    ///
    /// let input = b"Subject: This\r\n is a  test\r\n\r\n";
    /// let section = parse_header_section(input, &HeaderOptions::default())
    ///     .expect("valid")
    ///     .complete()
    ///     .expect("whole")
    ///     .0;
    /// let subject = section.get("subject").expect("present");
    /// assert_eq!(subject.raw_value(), b" This\r\n is a  test");
    /// assert_eq!(subject.unfolded(), "This is a  test");
    /// ```
    pub fn unfolded(&self) -> Cow<'_, str> {
        let value = self.raw_value();
        let is_edge = |b: &u8| is_wsp(*b) || matches!(b, b'\r' | b'\n');
        let start = value.iter().position(|b| !is_edge(b)).unwrap_or(value.len());
        let end = value.iter().rposition(|b| !is_edge(b)).map_or(start, |i| i + 1);
        let value = &value[start..end];

        if memchr::memchr2(b'\r', b'\n', value).is_none() {
            return String::from_utf8_lossy(value);
        }
        let joined: Vec<u8> = value.iter().copied().filter(|&b| b != b'\r' && b != b'\n').collect();
        match String::from_utf8(joined) {
            Ok(text) => Cow::Owned(text),
            Err(error) => Cow::Owned(String::from_utf8_lossy(error.as_bytes()).into_owned()),
        }
    }

    /// The value as unstructured text (RFC 5322 §3.2.5), as in Subject or
    /// Comments: [`unfolded`](Self::unfolded), then with its RFC 2047
    /// encoded words decoded by
    /// [`decode_unstructured`](crate::decode_unstructured).
    ///
    /// Use it only on unstructured fields: in a structured field such as
    /// From, the parser of that field decides which words may be decoded.
    ///
    /// ```
    /// use smtpkit_codec::{HeaderField, HeaderSection, HeaderOptions};
    ///
    /// let message = b"Subject: =?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n \
    ///                 =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=\r\n";
    /// let (section, body) = HeaderSection::parse_message(message, &HeaderOptions::default())
    ///     .expect("valid");
    /// assert_eq!(section.get("Subject").expect("present").unstructured(),
    ///            "If you can read this you understand the example.");
    /// assert!(body.is_empty());
    /// ```
    pub fn unstructured(&self) -> Cow<'_, str> {
        match self.unfolded() {
            Cow::Borrowed(text) => decode_unstructured(text),
            Cow::Owned(text) => Cow::Owned(decode_unstructured(&text).into_owned()),
        }
    }

    /// Appends the field as on the wire to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.raw);
    }

    /// The same field with a CRLF after it, where it had no line ending.
    pub(crate) fn with_line_ending(self) -> Self {
        if self.has_line_ending() {
            return self;
        }
        let mut raw = self.raw.into_owned();
        raw.extend_from_slice(b"\r\n");
        Self { raw: Cow::Owned(raw), ..self }
    }

    /// Detaches the field from the input it borrows from.
    pub fn into_owned(self) -> HeaderField<'static> {
        HeaderField {
            raw: Cow::Owned(self.raw.into_owned()),
            name_end: self.name_end,
            value_start: self.value_start,
            value_end: self.value_end,
        }
    }
}

impl fmt::Debug for HeaderField<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderField")
            .field("name", &self.name())
            .field("raw_value", &String::from_utf8_lossy(self.raw_value()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// A field parsed from `raw`, a single field with its line ending.
    fn field(raw: &[u8]) -> HeaderField<'_> {
        let colon = raw.iter().position(|&b| b == b':').expect("a colon");
        let name_end = raw[..colon].iter().position(|&b| is_wsp(b)).unwrap_or(colon);
        let ending = if raw.ends_with(b"\r\n") { 2 } else { usize::from(raw.ends_with(b"\n")) };
        HeaderField::parsed(raw, name_end, colon + 1, raw.len() - ending)
    }

    #[test]
    fn unfolding_removes_line_endings_and_trims_the_ends() {
        let table: &[(&[u8], &str, bool)] = &[
            (b"Subject: Hello\r\n", "Hello", true),
            (b"Subject:Hello\r\n", "Hello", true),
            (b"Subject:  \t Hello \t \r\n", "Hello", true),
            (b"Subject:\r\n", "", true),
            (b"Subject:   \r\n", "", true),
            (b"Subject: a\r\n b\r\n", "a b", false),
            (b"Subject: a\r\n\tb\r\n", "a\tb", false),
            (b"Subject: a  \r\n  b\r\n", "a    b", false),
            (b"Subject:\r\n Hello\r\n", "Hello", true),
            (b"Subject: a\r\n \r\n b\r\n", "a  b", false),
            (b"Subject: a\n b\n", "a b", false),
            (b"Subject : obs\r\n", "obs", true),
            ("Subject: 日本\r\n".as_bytes(), "日本", true),
            (b"Subject: caf\xe9\r\n", "caf\u{fffd}", false),
            (b"Subject: caf\xe9\r\n s\r\n", "caf\u{fffd} s", false),
            (b"Subject: no ending", "no ending", true),
        ];
        for &(raw, unfolded, borrowed) in table {
            let field = field(raw);
            let value = field.unfolded();
            assert_eq!(value, unfolded, "{raw:?}");
            assert_eq!(matches!(value, Cow::Borrowed(_)), borrowed, "{raw:?}");
        }
    }

    #[test]
    fn unstructured_values_have_their_encoded_words_decoded() {
        let table: &[(&[u8], &str)] = &[
            (b"Subject: =?UTF-8?B?5pel5pys?=\r\n", "日本"),
            (b"Subject: =?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?=\r\n", "ab"),
            (b"Subject: Re: =?ISO-8859-1?Q?Andr=E9?= Pirard\r\n", "Re: André Pirard"),
            (b"Subject: (=?UTF-8?Q?a?=)\r\n", "(=?UTF-8?Q?a?=)"),
            (b"Comments: plain\r\n", "plain"),
        ];
        for &(raw, text) in table {
            assert_eq!(field(raw).unstructured(), text, "{raw:?}");
        }
    }

    #[test]
    fn built_fields_are_folded_and_read_back() {
        let value = "This is a subject long enough that it has to be folded at least once, \
                     if not twice, to stay within the line length limits of RFC 5322";
        let field = HeaderField::new("Subject", value).expect("valid");
        assert!(field.raw().split(|&b| b == b'\n').all(|line| line.len() <= 78));
        assert!(field.raw().windows(3).any(|w| w == b"\r\n "));
        assert_eq!(field.unfolded(), value);
        assert_eq!(field.name(), "Subject");
        assert!(field.is_named("SUBJECT") && !field.is_named("Subjec"));
    }

    #[test]
    fn building_refuses_names_and_values_that_could_inject() {
        let table: &[(&str, &str, usize, ErrorKind)] = &[
            ("", "x", 0, ErrorKind::Syntax { expected: "field-name" }),
            (
                "Bcc: x\r\nSubject",
                "y",
                3,
                ErrorKind::ForbiddenByte { byte: b':', element: "field-name" },
            ),
            ("X-A\nB", "x", 3, ErrorKind::ForbiddenByte { byte: b'\n', element: "field-name" }),
            ("X\0", "x", 1, ErrorKind::ForbiddenByte { byte: 0, element: "field-name" }),
            (
                "Subject",
                "hi\r\nBcc: v@example.org",
                2,
                ErrorKind::ForbiddenByte { byte: b'\r', element: "field-body" },
            ),
            (
                "Subject",
                "hi\nBcc: v@example.org",
                2,
                ErrorKind::ForbiddenByte { byte: b'\n', element: "field-body" },
            ),
            (
                "Subject",
                "hi\r\n\r\nbody",
                2,
                ErrorKind::ForbiddenByte { byte: b'\r', element: "field-body" },
            ),
            ("Subject", "nul\0", 3, ErrorKind::ForbiddenByte { byte: 0, element: "field-body" }),
        ];
        for (name, value, offset, kind) in table {
            let error = HeaderField::new(name, value).expect_err("refused");
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{name:?} {value:?}");
        }
    }

    #[test]
    fn unstructured_building_encodes_what_would_inject() {
        let field = HeaderField::new_unstructured("Subject", "hi\r\nBcc: v@example.org")
            .expect("encoded, so valid");
        assert!(!field.raw()[..field.raw().len() - 2].contains(&b'\n'));
        assert_eq!(field.unstructured(), "hi\r\nBcc: v@example.org");
    }

    #[test]
    fn owned_fields_equal_the_borrowed_ones() {
        let raw = b"Subject: a\r\n b\r\n".to_vec();
        let borrowed = field(&raw);
        let owned = borrowed.clone().into_owned();
        assert_eq!(owned, borrowed);
        assert_eq!(
            format!("{owned:?}"),
            r#"HeaderField { name: "Subject", raw_value: " a\r\n b" }"#
        );
    }
}
