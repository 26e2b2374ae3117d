//! The MIME header fields: `MIME-Version` (RFC 2045 §4), `Content-Type`
//! (RFC 2045 §5.1), `Content-Transfer-Encoding` (RFC 2045 §6) and
//! `Content-Disposition` (RFC 2183), with the parameter value extensions of
//! RFC 2231: continuations, charsets and languages.
//!
//! Parameters are reassembled as they are read, so that each attribute
//! appears once with its decoded value:
//!
//! - Sections (`title*0`, `title*1`, …) are joined in numeric order, even
//!   when they arrive out of order. When a section is missing, the sections
//!   that are there are still joined in order: a filename with a gap is
//!   more use than none. A section number given twice keeps its first.
//! - Extended values (`title*=`, `title*0*=`) are percent-decoded and then
//!   decoded from their charset with `encoding_rs`; an unknown or empty
//!   charset is read as UTF-8, invalid bytes replaced. The charset and
//!   language stay available on the [`Parameter`].
//! - When a sender gives both forms of an attribute (`filename="a.txt";
//!   filename*=utf-8''%C3%A4.txt`, for older readers), the RFC 2231 form
//!   wins. Otherwise an attribute given twice keeps its first value.
//!
//! Tolerated deviations that are common and harmless: a `;` with nothing
//! after it, UTF-8 in quoted values (RFC 6532), extended values in
//! quotes, and an extended initial value without its two `'`.

use std::borrow::Cow;
use std::fmt;

use super::date::{date_time, DateTime};
use super::lexical::{cfws, quoted_content};
use crate::error::{failure, ErrorKind, PResult, ParseError};

/// The most parameters a field may carry, counting each section of a
/// continued parameter.
pub const PARAMETER_LIMIT: usize = 64;

/// The number of sections a continued parameter may have: section numbers
/// run from 0 to one less than this.
pub const SECTION_LIMIT: u32 = 32;

/// The `MIME-Version` field's value.
///
/// ```abnf
/// version := "MIME-Version" ":" 1*DIGIT "." 1*DIGIT
/// ```
/// RFC 2045 §4. Every MIME message says `1.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MimeVersion {
    /// The number before the dot.
    pub major: u32,
    /// The number after the dot.
    pub minor: u32,
}

impl fmt::Display for MimeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// One parameter of a `Content-Type` or `Content-Disposition` field, after
/// its RFC 2231 sections have been joined and its value decoded.
///
/// ```
/// use smtpkit_codec::field::mime::Parameter;
///
/// let plain = Parameter::new("Charset", "us-ascii").expect("a token");
/// assert_eq!(plain.to_string(), "charset=us-ascii");
/// let spaced = Parameter::new("name", "a b.txt").expect("printable");
/// assert_eq!(spaced.to_string(), "name=\"a b.txt\"");
/// let unicode = Parameter::new("filename", "€.txt").expect("text");
/// assert_eq!(unicode.to_string(), "filename*=utf-8''%E2%82%AC.txt");
/// assert!(Parameter::new("name", "a\r\nb").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Parameter {
    name: String,
    value: String,
    charset: Option<String>,
    language: Option<String>,
}

impl Parameter {
    /// Builds a parameter. The name is lower-cased. A value that is not
    /// printable ASCII will be written in the extended form of RFC 2231 in
    /// UTF-8, and so has the charset `utf-8`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at 0 for a name that is not an RFC 2231
    /// attribute, or at the first CR, LF or NUL of the value.
    pub fn new(name: &str, value: &str) -> Result<Self, ParseError> {
        if name.is_empty() || !name.bytes().all(is_attribute_char) {
            return Err(ParseError::new(0, ErrorKind::Syntax { expected: "attribute" }));
        }
        if let Some(at) = value.find(['\r', '\n', '\0']) {
            return Err(ParseError::new(at, ErrorKind::Syntax { expected: "text" }));
        }
        let charset = needs_extended(value).then(|| "utf-8".to_owned());
        Ok(Self {
            name: name.to_ascii_lowercase(),
            value: value.to_owned(),
            charset,
            language: None,
        })
    }

    /// The same parameter with a language tag (RFC 2231 §5), written in the
    /// extended form.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at the first byte of `language` that is not a
    /// letter, digit or `-`, or at 0 when it is empty.
    pub fn with_language(mut self, language: &str) -> Result<Self, ParseError> {
        let bad = language.bytes().position(|b| !b.is_ascii_alphanumeric() && b != b'-');
        if language.is_empty() || bad.is_some() {
            let at = bad.unwrap_or_default();
            return Err(ParseError::new(at, ErrorKind::Syntax { expected: "Language-Tag" }));
        }
        self.language = Some(language.to_owned());
        self.charset = Some("utf-8".to_owned());
        Ok(self)
    }

    /// The attribute's name, lower-case.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The decoded value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The charset the value was encoded in, as written, if it was given
    /// in the extended form.
    pub fn charset(&self) -> Option<&str> {
        self.charset.as_deref()
    }

    /// The value's language tag, if one was given.
    pub fn language(&self) -> Option<&str> {
        self.language.as_deref()
    }
}

/// Writes the parameter as a token, a quoted string, or in the extended
/// form of RFC 2231 (always in UTF-8) when the value is not printable
/// ASCII or has a language.
impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = &self.value;
        if self.language.is_none() && !value.is_empty() && value.bytes().all(is_token_char) {
            return write!(f, "{}={value}", self.name);
        }
        if self.language.is_none() && !needs_extended(value) {
            f.write_str(&self.name)?;
            f.write_str("=\"")?;
            for c in value.chars() {
                if c == '"' || c == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            return f.write_str("\"");
        }
        write!(f, "{}*=utf-8'{}'", self.name, self.language.as_deref().unwrap_or_default())?;
        for b in value.bytes() {
            if is_attribute_char(b) {
                write!(f, "{}", char::from(b))?;
            } else {
                write!(f, "%{b:02X}")?;
            }
        }
        Ok(())
    }
}

/// The `Content-Type` field's value: a media type and its parameters.
///
/// ```
/// use smtpkit_codec::field::mime::{ContentType, Parameter};
///
/// let text = ContentType::new("Text", "Plain")
///     .expect("tokens")
///     .with_parameter(Parameter::new("charset", "utf-8").expect("a token"));
/// assert_eq!(text.to_string(), "text/plain; charset=utf-8");
/// assert_eq!(text.mime_type(), "text/plain");
/// assert!(ContentType::new("text", "pla in").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentType {
    type_: String,
    subtype: String,
    parameters: Vec<Parameter>,
}

impl ContentType {
    /// Builds a media type without parameters; both names are lower-cased.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at the first byte of either name that is not a
    /// token character, or at 0 for an empty name.
    pub fn new(type_: &str, subtype: &str) -> Result<Self, ParseError> {
        check_token(type_, "type")?;
        check_token(subtype, "subtype")?;
        let (type_, subtype) = (type_.to_ascii_lowercase(), subtype.to_ascii_lowercase());
        Ok(Self { type_, subtype, parameters: Vec::new() })
    }

    /// The same media type with `parameter` added, replacing one of the
    /// same name.
    #[must_use]
    pub fn with_parameter(mut self, parameter: Parameter) -> Self {
        set_parameter(&mut self.parameters, parameter);
        self
    }

    /// The top-level type, lower-case: `text`, `multipart`, …
    pub fn type_(&self) -> &str {
        &self.type_
    }

    /// The subtype, lower-case: `plain`, `mixed`, …
    pub fn subtype(&self) -> &str {
        &self.subtype
    }

    /// `type/subtype`, lower-case.
    pub fn mime_type(&self) -> String {
        format!("{}/{}", self.type_, self.subtype)
    }

    /// True for `multipart/*`.
    pub fn is_multipart(&self) -> bool {
        self.type_ == "multipart"
    }

    /// The parameters, each name once, in the order first seen.
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }

    /// The decoded value of the parameter `name`, named in any case.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        find_parameter(&self.parameters, name)
    }

    /// The `charset` parameter.
    pub fn charset(&self) -> Option<&str> {
        self.parameter("charset")
    }

    /// The `boundary` parameter of a multipart type.
    pub fn boundary(&self) -> Option<&str> {
        self.parameter("boundary")
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.type_, self.subtype)?;
        self.parameters.iter().try_for_each(|p| write!(f, "; {p}"))
    }
}

/// The `Content-Disposition` field's value: how to present a body part,
/// and its filename and dates.
///
/// ```
/// use smtpkit_codec::field::mime::{ContentDisposition, Parameter};
///
/// let attachment = ContentDisposition::new("attachment")
///     .expect("a token")
///     .with_parameter(Parameter::new("filename", "genome.jpeg").expect("a token"));
/// assert_eq!(attachment.to_string(), "attachment; filename=genome.jpeg");
/// assert!(attachment.is_attachment());
/// assert!(ContentDisposition::new("").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentDisposition {
    disposition_type: String,
    parameters: Vec<Parameter>,
}

impl ContentDisposition {
    /// Builds a disposition without parameters; the type is lower-cased.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at the first byte that is not a token
    /// character, or at 0 for an empty type.
    pub fn new(disposition_type: &str) -> Result<Self, ParseError> {
        check_token(disposition_type, "disposition-type")?;
        let disposition_type = disposition_type.to_ascii_lowercase();
        Ok(Self { disposition_type, parameters: Vec::new() })
    }

    /// The same disposition with `parameter` added, replacing one of the
    /// same name.
    #[must_use]
    pub fn with_parameter(mut self, parameter: Parameter) -> Self {
        set_parameter(&mut self.parameters, parameter);
        self
    }

    /// The disposition type, lower-case: `inline`, `attachment`, …
    pub fn disposition_type(&self) -> &str {
        &self.disposition_type
    }

    /// True for `inline`.
    pub fn is_inline(&self) -> bool {
        self.disposition_type == "inline"
    }

    /// True for `attachment`.
    pub fn is_attachment(&self) -> bool {
        self.disposition_type == "attachment"
    }

    /// The parameters, each name once, in the order first seen.
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }

    /// The decoded value of the parameter `name`, named in any case.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        find_parameter(&self.parameters, name)
    }

    /// The `filename` parameter.
    pub fn filename(&self) -> Option<&str> {
        self.parameter("filename")
    }

    /// The `size` parameter in octets, if it is a number.
    pub fn size(&self) -> Option<u64> {
        self.parameter("size")?.parse().ok()
    }

    /// The `creation-date` parameter, if it is a valid date-time.
    pub fn creation_date(&self) -> Option<DateTime> {
        date_time(self.parameter("creation-date")?.as_bytes()).ok()
    }

    /// The `modification-date` parameter, if it is a valid date-time.
    pub fn modification_date(&self) -> Option<DateTime> {
        date_time(self.parameter("modification-date")?.as_bytes()).ok()
    }

    /// The `read-date` parameter, if it is a valid date-time.
    pub fn read_date(&self) -> Option<DateTime> {
        date_time(self.parameter("read-date")?.as_bytes()).ok()
    }
}

impl fmt::Display for ContentDisposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.disposition_type)?;
        self.parameters.iter().try_for_each(|p| write!(f, "; {p}"))
    }
}

/// The `Content-Transfer-Encoding` field's value.
///
/// ```
/// use smtpkit_codec::field::mime::ContentTransferEncoding;
///
/// assert_eq!(ContentTransferEncoding::new("BASE64"), Ok(ContentTransferEncoding::Base64));
/// assert_eq!(ContentTransferEncoding::Base64.to_string(), "base64");
/// assert!(ContentTransferEncoding::new("x y").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContentTransferEncoding {
    /// `7bit`: short lines of US-ASCII, the default.
    SevenBit,
    /// `8bit`: short lines that may hold octets above 127.
    EightBit,
    /// `binary`: any octets, in lines of any length.
    Binary,
    /// `quoted-printable` (RFC 2045 §6.7).
    QuotedPrintable,
    /// `base64` (RFC 2045 §6.8).
    Base64,
    /// An `x-token` or a later registered mechanism, lower-case.
    Other(String),
}

impl ContentTransferEncoding {
    /// The mechanism named by `token`, in any case.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at the first byte that is not a token
    /// character, or at 0 for an empty token.
    pub fn new(token: &str) -> Result<Self, ParseError> {
        check_token(token, "mechanism")?;
        let known = [Self::SevenBit, Self::EightBit, Self::Binary, Self::QuotedPrintable];
        let found = known
            .into_iter()
            .chain([Self::Base64])
            .find(|m| token.eq_ignore_ascii_case(m.as_str()));
        Ok(found.unwrap_or_else(|| Self::Other(token.to_ascii_lowercase())))
    }

    /// The mechanism's name, lower-case.
    pub fn as_str(&self) -> &str {
        match self {
            Self::SevenBit => "7bit",
            Self::EightBit => "8bit",
            Self::Binary => "binary",
            Self::QuotedPrintable => "quoted-printable",
            Self::Base64 => "base64",
            Self::Other(name) => name,
        }
    }
}

impl fmt::Display for ContentTransferEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses the value of a `MIME-Version` field.
///
/// ```abnf
/// version := "MIME-Version" ":" 1*DIGIT "." 1*DIGIT
/// ```
/// RFC 2045 §4 (edited: the value only). Comments may stand around and
/// between the parts, as the RFC's examples show.
///
/// ```
/// use smtpkit_codec::field::mime::{mime_version, MimeVersion};
///
/// let version = mime_version(b"1.(produced by MetaSend Vx.x)0").expect("RFC 2045 §4");
/// assert_eq!(version, MimeVersion { major: 1, minor: 0 });
/// assert_eq!(mime_version(b"1").expect_err("no dot").offset(), 1);
/// ```
///
/// # Errors
///
/// [`ErrorKind::Syntax`] at the first byte that breaks the grammar;
/// [`ErrorKind::OutOfRange`] for a number past `u32::MAX`.
pub fn mime_version(value: &[u8]) -> Result<MimeVersion, ParseError> {
    crate::address::whole(value, |input| {
        let (rest, major) = version_number(cfws(input)?.0)?;
        let rest = cfws(rest)?.0;
        let Some(rest) = rest.strip_prefix(b".") else {
            return Err(failure(rest, ErrorKind::Syntax { expected: "\".\"" }));
        };
        let (rest, minor) = version_number(cfws(rest)?.0)?;
        let (rest, ()) = cfws(rest)?;
        Ok((rest, MimeVersion { major, minor }))
    })
}

/// Parses the value of a `Content-Type` field.
///
/// ```abnf
/// content   := "Content-Type" ":" type "/" subtype *(";" parameter)
/// parameter := attribute "=" value
/// attribute := token
/// value     := token / quoted-string
/// token     := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>
/// tspecials := "(" / ")" / "<" / ">" / "@" / "," / ";" / ":" / "\" /
///              <"> / "/" / "[" / "]" / "?" / "="
/// ```
/// RFC 2045 §5.1 (edited: the value only; CFWS between the tokens as in
/// RFC 822; the deviations the [module documentation](self) lists), with
/// the parameters of RFC 2231 §7 (see [`content_disposition`]).
///
/// ```
/// use smtpkit_codec::field::mime::content_type;
///
/// let ct = content_type(b"text/plain; charset=us-ascii (Plain text)").expect("RFC 2045");
/// assert_eq!((ct.mime_type().as_str(), ct.charset()), ("text/plain", Some("us-ascii")));
///
/// let error = content_type(b"text; charset=us-ascii").expect_err("no subtype");
/// assert_eq!(error.to_string(), "expected \"/\" at offset 4");
/// ```
///
/// # Errors
///
/// [`ErrorKind::Syntax`] at the first byte that breaks the grammar;
/// [`ErrorKind::OutOfRange`] for more than [`PARAMETER_LIMIT`] parameters
/// or a section number of [`SECTION_LIMIT`] or more;
/// [`ErrorKind::NestingTooDeep`] for comments nested too deeply.
pub fn content_type(value: &[u8]) -> Result<ContentType, ParseError> {
    crate::address::whole(value, |input| {
        let (rest, type_) = token(cfws(input)?.0, "type")?;
        let rest = cfws(rest)?.0;
        let Some(rest) = rest.strip_prefix(b"/") else {
            return Err(failure(rest, ErrorKind::Syntax { expected: "\"/\"" }));
        };
        let (rest, subtype) = token(cfws(rest)?.0, "subtype")?;
        let (rest, parameters) = parameters(rest)?;
        let (type_, subtype) = (type_.to_ascii_lowercase(), subtype.to_ascii_lowercase());
        Ok((rest, ContentType { type_, subtype, parameters }))
    })
}

/// Parses the value of a `Content-Disposition` field.
///
/// ```abnf
/// disposition      := "Content-Disposition" ":"
///                     disposition-type *(";" disposition-parm)
/// disposition-type := "inline" / "attachment" / extension-token
/// disposition-parm := filename-parm / creation-date-parm /
///                     modification-date-parm / read-date-parm /
///                     size-parm / parameter
///
/// parameter := regular-parameter / extended-parameter
/// regular-parameter := regular-parameter-name "=" value
/// regular-parameter-name := attribute [section]
/// section := initial-section / other-sections
/// initial-section := "*0"
/// other-sections := "*" ("1" / "2" / "3" / "4" / "5" / "6" / "7" / "8" / "9") *DIGIT)
/// extended-parameter := (extended-initial-name "=" extended-initial-value) /
///                       (extended-other-names "=" extended-other-values)
/// extended-initial-name := attribute [initial-section] "*"
/// extended-other-names := attribute other-sections "*"
/// extended-initial-value := [charset] "'" [language] "'" extended-other-values
/// extended-other-values := *(ext-octet / attribute-char)
/// ext-octet := "%" 2(DIGIT / "A" / "B" / "C" / "D" / "E" / "F")
/// attribute-char := <any (US-ASCII) CHAR except SPACE, CTLs, "*", "'", "%", or tspecials>
/// ```
/// RFC 2183 §2 and RFC 2231 §7 (edited: the value only; every parameter
/// is read as an RFC 2231 parameter, whose specific forms such as
/// `filename-parm` are special cases; section numbers may have leading
/// zeros; an invalid `%` escape stands for itself).
///
/// ```
/// use smtpkit_codec::field::mime::content_disposition;
///
/// let cd = content_disposition(b"attachment; filename*=utf-8''%E2%82%AC.txt").expect("RFC 2231");
/// assert_eq!(cd.filename(), Some("€.txt"));
/// assert_eq!(content_disposition(b"attachment; filename").expect_err("no =").offset(), 20);
/// ```
///
/// # Errors
///
/// As for [`content_type`].
pub fn content_disposition(value: &[u8]) -> Result<ContentDisposition, ParseError> {
    crate::address::whole(value, |input| {
        let (rest, disposition_type) = token(cfws(input)?.0, "disposition-type")?;
        let (rest, parameters) = parameters(rest)?;
        let disposition_type = disposition_type.to_ascii_lowercase();
        Ok((rest, ContentDisposition { disposition_type, parameters }))
    })
}

/// Parses the value of a `Content-Transfer-Encoding` field.
///
/// ```abnf
/// encoding  := "Content-Transfer-Encoding" ":" mechanism
/// mechanism := "7bit" / "8bit" / "binary" /
///              "quoted-printable" / "base64" /
///              ietf-token / x-token
/// ```
/// RFC 2045 §6.1 (edited: the value only, with CFWS around it).
///
/// ```
/// use smtpkit_codec::field::mime::{content_transfer_encoding, ContentTransferEncoding};
///
/// let cte = content_transfer_encoding(b" Quoted-Printable (qp)").expect("a mechanism");
/// assert_eq!(cte, ContentTransferEncoding::QuotedPrintable);
/// assert_eq!(content_transfer_encoding(b"base 64").expect_err("two tokens").offset(), 5);
/// ```
///
/// # Errors
///
/// [`ErrorKind::Syntax`] when the value is not one token.
pub fn content_transfer_encoding(value: &[u8]) -> Result<ContentTransferEncoding, ParseError> {
    crate::address::whole(value, |input| {
        let (rest, mechanism) = token(cfws(input)?.0, "mechanism")?;
        let (rest, ()) = cfws(rest)?;
        let encoding = ContentTransferEncoding::new(mechanism).expect("a token is a mechanism");
        Ok((rest, encoding))
    })
}

/// A parameter as written, before its sections are joined.
struct RawParameter<'a> {
    /// The attribute, lower-case, without its section and `*`.
    name: String,
    /// The section number, if any.
    section: Option<u32>,
    /// True for the extended form (a `*` after the name or section).
    extended: bool,
    /// The value as written, unquoted.
    value: Cow<'a, str>,
}

/// Reads `*(";" parameter)` and the CFWS after it, and joins the sections.
fn parameters(input: &[u8]) -> PResult<'_, Vec<Parameter>> {
    let mut raw = Vec::new();
    let mut rest = cfws(input)?.0;
    while let Some(after) = rest.strip_prefix(b";") {
        rest = cfws(after)?.0;
        if rest.is_empty() || rest.first() == Some(&b';') {
            continue;
        }
        if raw.len() == PARAMETER_LIMIT {
            let element = "number of parameters";
            return Err(failure(rest, ErrorKind::OutOfRange { element }));
        }
        let (after, parameter) = parameter(rest)?;
        raw.push(parameter);
        rest = cfws(after)?.0;
    }
    Ok((rest, join(raw)))
}

/// Reads one parameter, in any of the forms of RFC 2231 §7.
fn parameter(input: &[u8]) -> PResult<'_, RawParameter<'_>> {
    let (rest, name) = token(input, "attribute")?;
    let (base, suffix) = name.split_at(name.find('*').unwrap_or(name.len()));
    if base.is_empty() {
        return Err(failure(input, ErrorKind::Syntax { expected: "attribute" }));
    }
    let suffix_at = &input[base.len()..];
    let (section, extended) = match suffix.as_bytes() {
        [] => (None, false),
        [b'*'] => (None, true),
        [b'*', digits @ ..] => {
            let (digits, extended) = match digits.strip_suffix(b"*") {
                Some(digits) => (digits, true),
                None => (digits, false),
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(failure(suffix_at, ErrorKind::Syntax { expected: "section" }));
            }
            let number = digits
                .iter()
                .fold(0u32, |n, &d| n.saturating_mul(10).saturating_add(u32::from(d - b'0')));
            if number >= SECTION_LIMIT {
                return Err(failure(suffix_at, ErrorKind::OutOfRange { element: "section" }));
            }
            (Some(number), extended)
        }
        _ => return Err(failure(suffix_at, ErrorKind::Syntax { expected: "section" })),
    };

    let rest = cfws(rest)?.0;
    let Some(rest) = rest.strip_prefix(b"=") else {
        return Err(failure(rest, ErrorKind::Syntax { expected: "\"=\"" }));
    };
    let rest = cfws(rest)?.0;
    let (rest, value) = if rest.first() == Some(&b'"') {
        let (rest, value) = quoted_content(rest)?;
        (cfws(rest)?.0, value)
    } else {
        let (rest, value) = token(rest, "value")?;
        (rest, Cow::Borrowed(value))
    };
    let name = base.to_ascii_lowercase();
    Ok((rest, RawParameter { name, section, extended, value }))
}

/// Joins the sections of each parameter and decodes extended values, as
/// the module documentation describes.
fn join(raw: Vec<RawParameter<'_>>) -> Vec<Parameter> {
    let mut names: Vec<&str> = Vec::new();
    for p in &raw {
        if !names.contains(&p.name.as_str()) {
            names.push(&p.name);
        }
    }

    let mut joined = Vec::with_capacity(names.len());
    for name in names {
        let all = || raw.iter().filter(move |p| p.name == name);
        let single = all().find(|p| p.section.is_none() && p.extended);
        let mut sections: Vec<&RawParameter<'_>> = all().filter(|p| p.section.is_some()).collect();
        let plain = all().find(|p| p.section.is_none() && !p.extended);

        let parameter = if let Some(single) = single {
            decode(name, &[single])
        } else if !sections.is_empty() {
            // A stable sort keeps the first of a repeated section first.
            sections.sort_by_key(|p| p.section);
            sections.dedup_by_key(|p| p.section);
            decode(name, &sections)
        } else if let Some(plain) = plain {
            // RFC 2047 §5 forbids encoded words in parameter values, but
            // common mailers write `name="=?UTF-8?B?...?="` for file names;
            // decoding them shows the name the sender meant. Values this
            // module writes never hold `=?` outside the extended form, so
            // nothing it writes is decoded by mistake.
            let value = crate::encoded_word::decode_unstructured(&plain.value).into_owned();
            Parameter { name: name.to_owned(), value, charset: None, language: None }
        } else {
            continue;
        };
        joined.push(parameter);
    }
    joined
}

/// Decodes the sections of one parameter, in order, into its value.
fn decode(name: &str, sections: &[&RawParameter<'_>]) -> Parameter {
    let mut bytes = Vec::new();
    let (mut charset, mut language) = (None, None);
    for (i, section) in sections.iter().enumerate() {
        let mut text = section.value.as_ref();
        let initial = i == 0 && section.section.unwrap_or_default() == 0;
        if initial && section.extended {
            let mut parts = text.splitn(3, '\'');
            if let (Some(c), Some(l), Some(encoded)) = (parts.next(), parts.next(), parts.next()) {
                charset = Some(c).filter(|c| !c.is_empty()).map(str::to_owned);
                language = Some(l).filter(|l| !l.is_empty()).map(str::to_owned);
                text = encoded;
            }
        }
        if section.extended {
            percent_decode(text.as_bytes(), &mut bytes);
        } else {
            bytes.extend_from_slice(text.as_bytes());
        }
    }

    let encoding = charset.as_deref().and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()));
    let value = match encoding {
        Some(encoding) => encoding.decode_without_bom_handling(&bytes).0.into_owned(),
        None => String::from_utf8_lossy(&bytes).into_owned(),
    };
    Parameter { name: name.to_owned(), value, charset, language }
}

/// Appends `text` to `out` with its `%XX` escapes decoded; a `%` not
/// followed by two hex digits stands for itself.
fn percent_decode(text: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let escaped = match text.get(i + 1..i + 3) {
            Some(&[high, low]) if b == b'%' => {
                hex_value(high).zip(hex_value(low)).map(|(high, low)| high * 16 + low)
            }
            _ => None,
        };
        match escaped {
            Some(decoded) => {
                out.push(decoded);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Reads a token of RFC 2045 §5.1.
fn token<'a>(input: &'a [u8], expected: &'static str) -> PResult<'a, &'a str> {
    let len = input.iter().take_while(|&&b| is_token_char(b)).count();
    if len == 0 {
        return Err(failure(input, ErrorKind::Syntax { expected }));
    }
    let text = std::str::from_utf8(&input[..len]).expect("token characters are ASCII");
    Ok((&input[len..], text))
}

/// Reads the digits of a MIME version number.
fn version_number(input: &[u8]) -> PResult<'_, u32> {
    let len = input.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 {
        return Err(failure(input, ErrorKind::Syntax { expected: "DIGIT" }));
    }
    let text = std::str::from_utf8(&input[..len]).expect("digits are ASCII");
    match text.parse() {
        Ok(number) => Ok((&input[len..], number)),
        Err(_) => Err(failure(input, ErrorKind::OutOfRange { element: "version" })),
    }
}

fn check_token(text: &str, expected: &'static str) -> Result<(), ParseError> {
    let bad = text.bytes().position(|b| !is_token_char(b));
    if text.is_empty() || bad.is_some() {
        let kind = ErrorKind::Syntax { expected };
        return Err(ParseError::new(bad.unwrap_or_default(), kind));
    }
    Ok(())
}

fn set_parameter(parameters: &mut Vec<Parameter>, parameter: Parameter) {
    match parameters.iter_mut().find(|p| p.name == parameter.name) {
        Some(existing) => *existing = parameter,
        None => parameters.push(parameter),
    }
}

fn find_parameter<'p>(parameters: &'p [Parameter], name: &str) -> Option<&'p str> {
    parameters.iter().find(|p| p.name.eq_ignore_ascii_case(name)).map(|p| p.value.as_str())
}

/// True when a value cannot be written as a quoted string of printable
/// ASCII.
fn needs_extended(value: &str) -> bool {
    // A plain value holding `=?` would be read back as an encoded word.
    !value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) || value.contains("=?")
}

/// `token` characters of RFC 2045 §5.1.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b)
}

/// `attribute-char` of RFC 2231 §7.
fn is_attribute_char(b: u8) -> bool {
    is_token_char(b) && !b"*'%".contains(&b)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn encoded_words_in_plain_values_are_decoded_as_mailers_mean_them() {
        let cd = content_disposition(b"attachment; filename=\"=?UTF-8?B?w6TDtsO8LnR4dA==?=\"")
            .expect("valid");
        assert_eq!(cd.filename(), Some("äöü.txt"));
        let written = Parameter::new("name", "=?x?=").expect("valid").to_string();
        assert!(written.starts_with("name*=utf-8''"), "{written}");
        let ct = content_type(format!("text/plain; {written}").as_bytes()).expect("valid");
        assert_eq!(ct.parameter("name"), Some("=?x?="));
    }

    /// A parameter as (name, value, charset, language).
    type Fields<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>);

    fn parameter_list(parameters: &[Parameter]) -> Vec<Fields<'_>> {
        parameters.iter().map(|p| (p.name(), p.value(), p.charset(), p.language())).collect()
    }

    #[test]
    fn content_types_ok() {
        type Expected<'a> = (&'a str, &'a [(&'a str, &'a str)]);
        let table: &[(&[u8], Expected<'_>)] = &[
            (b"text/plain; charset=us-ascii (Plain text)", ("text/plain", &[("charset", "us-ascii")])),
            (b"text/plain; charset=\"us-ascii\"", ("text/plain", &[("charset", "us-ascii")])),
            (b"Text/HTML;Charset=\"ISO-8859-1\"", ("text/html", &[("charset", "ISO-8859-1")])),
            (b"text/plain", ("text/plain", &[])),
            (b"text/plain;", ("text/plain", &[])),
            (b" (c) text (c) / (c) plain (c) ; (c) a (c) = (c) b (c) ", ("text/plain", &[("a", "b")])),
            (b"text/plain; charset=utf-8;; format=flowed;", ("text/plain", &[("charset", "utf-8"), ("format", "flowed")])),
            (
                b"multipart/mixed;\r\n boundary=\"----=_Part_0_1.2\"",
                ("multipart/mixed", &[("boundary", "----=_Part_0_1.2")]),
            ),
            (
                b"message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
                (
                    "message/external-body",
                    &[
                        ("access-type", "URL"),
                        ("url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"),
                    ],
                ),
            ),
            (b"application/x-stuff; a*2=c; a*0=a; a*1=b", ("application/x-stuff", &[("a", "abc")])),
            (b"application/x-stuff; a*0=a; a*2=c", ("application/x-stuff", &[("a", "ac")])),
            (b"application/x-stuff; a*0=a; a*0=b; a*1=c", ("application/x-stuff", &[("a", "ac")])),
            (b"application/x-stuff; a=1; a=2", ("application/x-stuff", &[("a", "1")])),
            (
                b"image/png; name=\"fallback.png\"; name*=utf-8''%C3%A4.png",
                ("image/png", &[("name", "ä.png")]),
            ),
            (b"text/plain; name=\"J\xc3\xb6rg.txt\"", ("text/plain", &[("name", "Jörg.txt")])),
        ];
        for &(input, (mime_type, parameters)) in table {
            let ct = content_type(input).unwrap_or_else(|e| panic!("{e}: {input:?}"));
            let found: Vec<_> = ct.parameters().iter().map(|p| (p.name(), p.value())).collect();
            assert_eq!((ct.mime_type().as_str(), found.as_slice()), (mime_type, parameters));
        }
    }

    #[test]
    fn rfc_2231_charsets_languages_and_continuations() {
        let table: &[(&[u8], Fields<'_>)] = &[
            (
                b"application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
                ("title", "This is ***fun***", Some("us-ascii"), Some("en-us")),
            ),
            (
                b"application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"",
                ("title", "This is even more ***fun*** isn't it!", Some("us-ascii"), Some("en")),
            ),
            (
                b"application/x-stuff; title*2=\"isn't it!\"; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*0*=us-ascii'en'This%20is%20even%20more%20",
                ("title", "This is even more ***fun*** isn't it!", Some("us-ascii"), Some("en")),
            ),
            (b"a/b; name*=iso-8859-1''%E9t%E9", ("name", "été", Some("iso-8859-1"), None)),
            (b"a/b; name*=''plain", ("name", "plain", None, None)),
            (b"a/b; name*=no-quotes%21", ("name", "no-quotes!", None, None)),
            (b"a/b; name*=\"utf-8''%E2%82%AC\"", ("name", "€", Some("utf-8"), None)),
            (b"a/b; name*=x-unknown''%E2%82%AC", ("name", "€", Some("x-unknown"), None)),
            (b"a/b; name*=utf-8''100%; x=1", ("name", "100%", Some("utf-8"), None)),
            (b"a/b; name*=utf-8''%zz%4", ("name", "%zz%4", Some("utf-8"), None)),
            (b"a/b; name*=utf-8''%FF", ("name", "\u{fffd}", Some("utf-8"), None)),
            (b"a/b; name*0*=utf-8''%E2%82; name*1*=%AC", ("name", "€", Some("utf-8"), None)),
        ];
        for &(input, expected) in table {
            let ct = content_type(input).unwrap_or_else(|e| panic!("{e}: {input:?}"));
            assert_eq!(parameter_list(ct.parameters())[0], expected, "{input:?}");
        }
    }

    #[test]
    fn content_types_failed() {
        let table: &[(&[u8], usize, ErrorKind)] = &[
            (b"", 0, ErrorKind::Syntax { expected: "type" }),
            (b"text", 4, ErrorKind::Syntax { expected: "\"/\"" }),
            (b"text/", 5, ErrorKind::Syntax { expected: "subtype" }),
            (b"text/plain charset=x", 11, ErrorKind::Syntax { expected: "end of input" }),
            (b"text/plain; charset", 19, ErrorKind::Syntax { expected: "\"=\"" }),
            (b"text/plain; charset=", 20, ErrorKind::Syntax { expected: "value" }),
            (b"text/plain; charset=a b", 22, ErrorKind::Syntax { expected: "end of input" }),
            (b"text/plain; charset=\"open", 25, ErrorKind::Syntax { expected: "DQUOTE" }),
            (b"text/plain; =x", 12, ErrorKind::Syntax { expected: "attribute" }),
            (b"text/plain; *0=x", 12, ErrorKind::Syntax { expected: "attribute" }),
            (b"text/plain; a*x=1", 13, ErrorKind::Syntax { expected: "section" }),
            (b"text/plain; a*1*2=1", 13, ErrorKind::Syntax { expected: "section" }),
            (b"text/plain; a**=1", 13, ErrorKind::Syntax { expected: "section" }),
            (b"text/plain; a*32=1", 13, ErrorKind::OutOfRange { element: "section" }),
            (b"text/plain; a*99999999999=1", 13, ErrorKind::OutOfRange { element: "section" }),
            (b"text/plain; a=\"\\\x00\"", 16, ErrorKind::Syntax { expected: "quoted-pair" }),
            (b"text/plain (open", 16, ErrorKind::Syntax { expected: "\")\"" }),
            (b"text/pl\xc3\xa4in", 7, ErrorKind::Syntax { expected: "end of input" }),
        ];
        for (input, offset, kind) in table {
            let error = content_type(input).expect_err(&String::from_utf8_lossy(input));
            let text = String::from_utf8_lossy(input);
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{text}");
        }
    }

    #[test]
    fn more_parameters_than_the_limit_are_refused() {
        let many = |n: usize| {
            let parameters: String = (0..n).map(|i| format!("; p{i}=v")).collect();
            format!("text/plain{parameters}")
        };
        let ct = content_type(many(PARAMETER_LIMIT).as_bytes()).expect("at the limit");
        assert_eq!(ct.parameters().len(), PARAMETER_LIMIT);
        let input = many(PARAMETER_LIMIT + 1);
        let error = content_type(input.as_bytes()).expect_err("one too many");
        let element = "number of parameters";
        assert_eq!(error.kind(), &ErrorKind::OutOfRange { element });
        assert_eq!(error.offset(), input.len() - "p64=v".len());
    }

    #[test]
    fn rfc_2183_dispositions_ok() {
        let input = b"attachment; filename=genome.jpeg;\r\n modification-date=\"Wed, 12 Feb 1997 16:29:51 -0500\";";
        let cd = content_disposition(input).expect("RFC 2183 §2");
        assert!(cd.is_attachment() && !cd.is_inline());
        assert_eq!(cd.filename(), Some("genome.jpeg"));
        let date = cd.modification_date().expect("a valid date");
        assert_eq!(date.to_rfc3339(), "1997-02-12T16:29:51-05:00");
        assert_eq!((cd.creation_date(), cd.read_date(), cd.size()), (None, None, None));

        let cd = content_disposition(b"INLINE").expect("RFC 2183 §2.1");
        assert_eq!((cd.disposition_type(), cd.is_inline()), ("inline", true));
        let cd = content_disposition(b"attachment; SIZE=1024; filename=\"a b.txt\"").expect("ok");
        assert_eq!((cd.size(), cd.parameter("FileName")), (Some(1024), Some("a b.txt")));
    }

    #[test]
    fn dispositions_failed() {
        let table: &[(&[u8], usize)] = &[(b"", 0), (b"attachment filename=a", 11), (b"; a=b", 0)];
        for &(input, offset) in table {
            let error = content_disposition(input).expect_err("invalid");
            assert_eq!(error.offset(), offset, "{input:?}");
        }
    }

    #[test]
    fn mime_versions_ok() {
        let table: &[(&[u8], (u32, u32))] = &[
            (b"1.0", (1, 0)),
            (b"1.0 (produced by MetaSend Vx.x)", (1, 0)),
            (b"(produced by MetaSend Vx.x) 1.0", (1, 0)),
            (b"1.(produced by MetaSend Vx.x)0", (1, 0)),
            (b" 2 . 13 ", (2, 13)),
        ];
        for &(input, (major, minor)) in table {
            assert_eq!(mime_version(input), Ok(MimeVersion { major, minor }), "{input:?}");
        }
        assert_eq!(MimeVersion { major: 1, minor: 0 }.to_string(), "1.0");
    }

    #[test]
    fn mime_versions_failed() {
        let table: &[(&[u8], usize, ErrorKind)] = &[
            (b"", 0, ErrorKind::Syntax { expected: "DIGIT" }),
            (b"1", 1, ErrorKind::Syntax { expected: "\".\"" }),
            (b"1.", 2, ErrorKind::Syntax { expected: "DIGIT" }),
            (b"1.0.1", 3, ErrorKind::Syntax { expected: "end of input" }),
            (b"4294967296.0", 0, ErrorKind::OutOfRange { element: "version" }),
        ];
        for (input, offset, kind) in table {
            let error = mime_version(input).expect_err("invalid");
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{input:?}");
        }
    }

    #[test]
    fn transfer_encodings_ok_and_failed() {
        use ContentTransferEncoding as Cte;
        let table: &[(&[u8], Cte)] = &[
            (b"7bit", Cte::SevenBit),
            (b"8BIT", Cte::EightBit),
            (b"Binary", Cte::Binary),
            (b"quoted-printable", Cte::QuotedPrintable),
            (b" base64 (c)", Cte::Base64),
            (b"X-Custom", Cte::Other("x-custom".to_owned())),
        ];
        for (input, expected) in table {
            assert_eq!(content_transfer_encoding(input).as_ref(), Ok(expected), "{input:?}");
        }
        assert_eq!(content_transfer_encoding(b"").expect_err("empty").offset(), 0);
        assert_eq!(content_transfer_encoding(b"base64;").expect_err("a ;").offset(), 6);
    }

    #[test]
    fn constructors_refuse_what_cannot_be_written() {
        assert!(ContentType::new("", "plain").is_err());
        assert!(ContentType::new("text/x", "plain").is_err());
        assert_eq!(ContentType::new("text", "plain\r\n").expect_err("CR").offset(), 5);
        assert!(Parameter::new("a*", "b").is_err());
        assert!(Parameter::new("a b", "b").is_err());
        assert_eq!(Parameter::new("a", "x\0").expect_err("NUL").offset(), 1);
        assert!(Parameter::new("a", "b").expect("ok").with_language("e n").is_err());
        assert!(ContentTransferEncoding::new("").is_err());
    }

    #[test]
    fn constructed_values_are_written_as_the_rfcs_say() {
        let ct = ContentType::new("multipart", "mixed")
            .expect("tokens")
            .with_parameter(Parameter::new("boundary", "a=b c").expect("printable"))
            .with_parameter(Parameter::new("x", "q\"uote\\").expect("printable"))
            .with_parameter(Parameter::new("BOUNDARY", "simple").expect("printable"))
            .with_parameter(Parameter::new("t", "d").expect("ok").with_language("en").expect("ok"));
        assert_eq!(
            ct.to_string(),
            "multipart/mixed; boundary=simple; x=\"q\\\"uote\\\\\"; t*=utf-8'en'd"
        );
        assert_eq!((ct.is_multipart(), ct.boundary(), ct.charset()), (true, Some("simple"), None));
        assert_eq!(content_type(ct.to_string().as_bytes()), Ok(ct));
    }

    proptest! {
        #[test]
        fn content_types_round_trip(ct in crate::strategies::field_date::content_type()) {
            prop_assert_eq!(content_type(ct.to_string().as_bytes()), Ok(ct));
        }

        #[test]
        fn dispositions_round_trip(
            parameters in prop::collection::vec(crate::strategies::field_date::parameter(), 0..4),
        ) {
            let cd = parameters
                .into_iter()
                .fold(ContentDisposition::new("attachment").expect("a token"), ContentDisposition::with_parameter);
            prop_assert_eq!(content_disposition(cd.to_string().as_bytes()), Ok(cd));
        }

        #[test]
        fn mime_parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
            let _ = content_type(&bytes);
            let _ = content_disposition(&bytes);
            let _ = content_transfer_encoding(&bytes);
            let _ = mime_version(&bytes);
        }

        #[test]
        fn mime_parsers_never_panic_on_near_parameters(
            text in "a/b(; ?[a-z]{1,3}(\\*[0-9]{1,2}\\*?)?=([a-z%0-9A-F']{0,8}|\"[a-z%' ]{0,6}\"))*",
        ) {
            let _ = content_type(text.as_bytes());
        }
    }
}
