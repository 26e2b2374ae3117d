//! MAIL and RCPT parameters (RFC 5321 §4.1.2) and the values of the
//! extensions that define them: SIZE (RFC 1870), BODY (RFC 6152, RFC 3030),
//! SMTPUTF8 (RFC 6531), RET, ENVID, NOTIFY and ORCPT (RFC 3461, RFC 6533),
//! AUTH (RFC 4954), REQUIRETLS (RFC 8689), MT-PRIORITY (RFC 6710), HOLDFOR
//! and HOLDUNTIL (RFC 4865), BY (RFC 2852) and RRVS (RFC 7293).
//!
//! Known keywords become typed values and are checked against their
//! extension's grammar; other keywords are checked against the generic
//! esmtp-param grammar and kept as written, for the server to accept or
//! refuse with 555. Every value here is built through a constructor that
//! checks it, so a parameter serialized from user input cannot hold a
//! space, CR, LF or other control character, and cannot inject a command.
//!
//! ```
//! use smtpkit_codec::{CommandOptions, MailParameters};
//!
//! let options = CommandOptions::default();
//! let params = MailParameters::parse(b"size=500000 BODY=8bitmime", &options).expect("valid");
//! assert_eq!(params.size(), Some(500_000));
//! let mut out = Vec::new();
//! params.write_to(&mut out);
//! assert_eq!(out, b" SIZE=500000 BODY=8BITMIME");
//!
//! let error = MailParameters::parse(b"SIZE=1 SIZE=2", &options).expect_err("twice");
//! assert_eq!(error.offset(), 7);
//! ```

mod mail;
mod rcpt;
mod values;

use std::borrow::Cow;

use smallvec::SmallVec;

use crate::error::{fail, ErrorKind, Failure, PResult, ParseError};
use crate::options::CommandOptions;
use crate::text::Text;
use crate::xtext::utf8_char_len;

use self::sealed::{Kind, Parameter};

pub use mail::{MailParameter, MailParameters};
pub use rcpt::{Notify, OriginalRecipient, RcptParameter, RcptParameters, RrvsAction};
pub use values::{
    AuthAddress, BodyType, ByMode, DeliverBy, EnvId, HoldForSeconds, Priority, Ret, ENVID_LIMIT,
};

/// An esmtp-keyword as written, checked against the grammar.
///
/// ```abnf
/// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
/// ```
/// RFC 5321 §4.1.2. Keywords are case-insensitive; this type keeps the
/// spelling it was given and compares it exactly.
///
/// ```
/// use smtpkit_codec::EsmtpKeyword;
///
/// assert_eq!(EsmtpKeyword::new("X-Trace").expect("valid").as_str(), "X-Trace");
/// assert_eq!(EsmtpKeyword::new("-X").expect_err("starts with '-'").offset(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EsmtpKeyword<'a>(Cow<'a, str>);

impl<'a> EsmtpKeyword<'a> {
    /// Checks `keyword` against the esmtp-keyword grammar.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at the first byte that does not fit.
    pub fn new(keyword: impl Into<Cow<'a, str>>) -> Result<Self, ParseError> {
        let keyword = keyword.into();
        let bytes = keyword.as_bytes();
        let len = keyword_len(bytes);
        if len == 0 || len < bytes.len() {
            let kind = ErrorKind::Syntax { expected: "esmtp-keyword" };
            return Err(ParseError::new(len, kind));
        }
        Ok(Self(keyword))
    }
}

text_accessors!(EsmtpKeyword: "The keyword as written.", "The same keyword, owning its text.");
text_display!(EsmtpKeyword);

/// An esmtp-value as written, checked against the grammar.
///
/// ```abnf
/// esmtp-value = 1*(%d33-60 / %d62-126 / UTF8-non-ascii)
/// ```
/// RFC 5321 §4.1.2, with the UTF-8 that RFC 6531 §3.3 adds. Whether UTF-8
/// may be sent is for the session to decide; this type allows it.
///
/// ```
/// use smtpkit_codec::EsmtpValue;
///
/// assert!(EsmtpValue::new("a;b,c").is_ok());
/// assert_eq!(EsmtpValue::new("a\r\nRSET").expect_err("no CR").offset(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EsmtpValue<'a>(Cow<'a, str>);

impl<'a> EsmtpValue<'a> {
    /// Checks `value` against the esmtp-value grammar, UTF-8 allowed.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at the first byte that does not fit, or at 0
    /// for an empty value.
    pub fn new(value: impl Into<Cow<'a, str>>) -> Result<Self, ParseError> {
        let value = value.into();
        let bytes = value.as_bytes();
        check(
            bytes,
            esmtp_value(bytes, true, Text::of(&value))
                .and_then(|(rest, _)| end_of(rest, "esmtp-value")),
        )?;
        Ok(Self(value))
    }
}

text_accessors!(EsmtpValue: "The value as written.", "The same value, owning its text.");
text_display!(EsmtpValue);

/// An RFC 3339 date-time, as HOLDUNTIL and RRVS carry it, checked for
/// shape and kept as written.
///
/// ```abnf
/// date-time      = full-date "T" full-time
/// full-date      = date-fullyear "-" date-month "-" date-mday
/// full-time      = partial-time time-offset
/// partial-time   = time-hour ":" time-minute ":" time-second [time-secfrac]
/// time-secfrac   = "." 1*DIGIT
/// time-offset    = "Z" / time-numoffset
/// time-numoffset = ("+" / "-") time-hour ":" time-minute
/// ```
/// RFC 3339 §5.6. Every field has its digits and its range, the day its
/// month's length (leap years included), the second up to 60 for a leap
/// second. `T` and `Z` may be lower-case, as ABNF strings are.
///
/// ```
/// use smtpkit_codec::DateTime;
///
/// assert!(DateTime::new("2014-04-03T23:01:00Z").is_ok());
/// assert_eq!(DateTime::new("2014-02-30T23:01:00Z").expect_err("no such day").offset(), 8);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DateTime<'a>(Cow<'a, str>);

impl<'a> DateTime<'a> {
    /// Checks `text` against the date-time grammar and ranges.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at the first byte that breaks the grammar;
    /// [`ErrorKind::OutOfRange`] at a field whose value is out of range.
    pub fn new(text: impl Into<Cow<'a, str>>) -> Result<Self, ParseError> {
        let text = text.into();
        check(text.as_bytes(), date_time(Value::whole(&text)))?;
        Ok(Self(text))
    }
}

text_accessors!(DateTime: "The date-time as written.", "The same date-time, owning its text.");
text_display!(DateTime);

/// The parameters of one MAIL FROM or RCPT TO command, in the order given:
/// [`MailParameters`] or [`RcptParameters`].
///
/// Each typed parameter appears at most once; other keywords may repeat.
/// Up to four parameters are held without allocating, as most commands
/// carry no more.
///
/// ```
/// use smtpkit_codec::{MailParameter, MailParameters};
///
/// let mut params = MailParameters::new();
/// params.push(MailParameter::Size(1000)).expect("the first SIZE");
/// assert!(params.push(MailParameter::Size(2000)).is_err(), "a second SIZE");
/// let mut out = Vec::new();
/// params.write_to(&mut out);
/// assert_eq!(out, b" SIZE=1000");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Parameters<P> {
    list: SmallVec<[P; 4]>,
}

impl<P> Default for Parameters<P> {
    fn default() -> Self {
        Self { list: SmallVec::new() }
    }
}

impl<P> Parameters<P> {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// The parameters in order.
    pub fn iter(&self) -> std::slice::Iter<'_, P> {
        self.list.iter()
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

impl<'a, P: Parameter<'a>> Parameters<P> {
    /// Appends `param`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::DuplicateParameter`], at offset 0, when `param` is a
    /// typed parameter that is there already.
    pub fn push(&mut self, param: P) -> Result<(), ParseError> {
        if let Some(keyword) = self.duplicate(&param) {
            return Err(ParseError::new(0, ErrorKind::DuplicateParameter { keyword }));
        }
        self.list.push(param);
        Ok(())
    }

    /// The first parameter with `keyword`, compared case-insensitively.
    pub fn get(&self, keyword: &str) -> Option<&P> {
        self.iter().find(|param| keyword_of(*param).eq_ignore_ascii_case(keyword))
    }

    /// Writes every parameter, each after one space.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for param in self.iter() {
            out.push(b' ');
            write_parameter(param, out);
        }
    }

    /// The same parameters, owning their text.
    pub fn into_owned(self) -> Parameters<P::Owned> {
        Parameters { list: self.list.into_iter().map(P::owned).collect() }
    }

    /// The keyword of `param` when it is typed and already present.
    fn duplicate(&self, param: &P) -> Option<&'static str> {
        let keyword = typed_keyword(param)?;
        self.iter().any(|have| typed_keyword(have) == Some(keyword)).then_some(keyword)
    }
}

impl<'p, P> IntoIterator for &'p Parameters<P> {
    type Item = &'p P;
    type IntoIter = std::slice::Iter<'p, P>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// What a check of one parameter gives: the value, or a failure that stops
/// the whole list.
pub(crate) type Checked<'a, T> = Result<T, nom::Err<Failure<'a>>>;

/// One esmtp-param as found on the line, before its keyword is looked up.
pub(crate) struct RawParam<'a> {
    /// The input from the first byte of the keyword on.
    pub start: &'a [u8],
    /// The keyword.
    pub keyword: &'a str,
    /// The input right after the keyword, where `=` or the end is.
    pub after_keyword: &'a [u8],
    /// The value after `=`, if any.
    pub value: Option<Value<'a>>,
}

/// An esmtp-value being read: its text, and the input from its first byte
/// to the end of the line.
///
/// A failure's offset is computed from the length of the input left at the
/// failure, so failures are built from `input`, which runs to the end of
/// the line, never from a slice that ends with the value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Value<'a> {
    /// The value.
    pub text: &'a str,
    /// The input from the value's first byte to the end of the line.
    pub input: &'a [u8],
}

impl<'a> Value<'a> {
    /// A value that is all of `text`, as the constructors check.
    pub fn whole(text: &'a str) -> Self {
        Self { text, input: text.as_bytes() }
    }

    /// The value's bytes.
    pub fn bytes(self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// A failure of `kind` at byte `offset` of the value.
    pub fn fail(self, offset: usize, kind: ErrorKind) -> nom::Err<Failure<'a>> {
        failure(rest(self.input, offset), kind)
    }

    /// A syntax failure naming `expected` at byte `offset` of the value.
    pub fn expected(self, offset: usize, expected: &'static str) -> nom::Err<Failure<'a>> {
        self.fail(offset, ErrorKind::Syntax { expected })
    }

    /// The first `len` bytes of the value, which end before an ASCII byte.
    pub fn prefix(self, len: usize) -> Self {
        Self { text: self.text.get(..len).unwrap_or(self.text), input: self.input }
    }

    /// The value from byte `at` on, which starts at an ASCII byte.
    pub fn suffix(self, at: usize) -> Self {
        Self { text: self.text.get(at..).unwrap_or_default(), input: rest(self.input, at) }
    }

    /// Decodes the value as xtext, refusing control characters.
    pub fn xtext(self) -> Result<Cow<'a, str>, nom::Err<Failure<'a>>> {
        crate::xtext::decode_xtext_str(self.text, true).map_err(|e| relocate(self.input, e))
    }
}

/// Reads one esmtp-param.
///
/// ```abnf
/// esmtp-param   = esmtp-keyword ["=" esmtp-value]
/// ```
/// RFC 5321 §4.1.2.
pub(crate) fn esmtp_param<'a>(
    input: &'a [u8],
    options: &CommandOptions,
    text: Text<'a>,
) -> PResult<'a, RawParam<'a>> {
    let len = keyword_len(input);
    if len == 0 {
        return fail_syntax(input, "esmtp-keyword");
    }
    let keyword = text.str_of(&input[..len]).expect("an esmtp-keyword is ASCII");
    let after_keyword = &input[len..];

    match after_keyword.first() {
        None | Some(b' ') => {
            Ok((after_keyword, RawParam { start: input, keyword, after_keyword, value: None }))
        }
        Some(b'=') => {
            let value_input = &after_keyword[1..];
            let (rest, value) = esmtp_value(value_input, options.allow_utf8, text)?;
            let value = Some(Value { text: value, input: value_input });
            Ok((rest, RawParam { start: input, keyword, after_keyword, value }))
        }
        Some(_) if after_keyword[0].is_ascii() => fail_syntax(after_keyword, "\"=\""),
        Some(_) => fail_syntax(after_keyword, "esmtp-keyword"),
    }
}

/// Reads an esmtp-value, up to the next space or the end.
///
/// ```abnf
/// esmtp-value = 1*(%d33-60 / %d62-126)   ; RFC 5321
///             / 1*(%d33-60 / %d62-126 / UTF8-non-ascii)   ; RFC 6531
/// ```
/// RFC 5321 §4.1.2, RFC 6531 §3.3 when `allow_utf8` is on.
pub(crate) fn esmtp_value<'a>(
    input: &'a [u8],
    allow_utf8: bool,
    text: Text<'a>,
) -> PResult<'a, &'a str> {
    // The usual value is all printable ASCII: skip it eight bytes at a time.
    let mut i = crate::text::vchar_run(input, [b'='; 2]);
    while let Some(&byte) = input.get(i) {
        match byte {
            b' ' => break,
            b'!'..=b'<' | b'>'..=b'~' => i += 1,
            0x80.. if !allow_utf8 => return fail(&input[i..], ErrorKind::NonAscii),
            0x80.. => match utf8_char_len(&input[i..]) {
                Some(len) => i += len,
                None => return fail(&input[i..], ErrorKind::NonAscii),
            },
            _ => return fail_syntax(&input[i..], "esmtp-value"),
        }
    }
    if i == 0 {
        return fail_syntax(input, "esmtp-value");
    }
    match text.str_of(&input[..i]) {
        Ok(value) => Ok((&input[i..], value)),
        Err(e) => fail(&input[e.valid_up_to()..], ErrorKind::NonAscii),
    }
}

/// Reads the parameters of MAIL FROM or RCPT TO, separated by single
/// spaces, typing the known keywords and refusing a typed keyword given
/// twice.
///
/// ```abnf
/// Mail-parameters = esmtp-param *(SP esmtp-param)
/// Rcpt-parameters = esmtp-param *(SP esmtp-param)
/// ```
/// RFC 5321 §4.1.2. The input is what follows the space after the path,
/// up to the end of the line without CRLF.
pub(crate) fn parameters<'a, P: ReadParameter<'a>>(
    input: &'a [u8],
    options: &CommandOptions,
    text: Text<'a>,
) -> PResult<'a, Parameters<P>> {
    let mut params = Parameters::new();
    let mut rest = input;
    loop {
        let (after, raw) = esmtp_param(rest, options, text)?;
        let start = raw.start;
        let param = parameter(raw, options)?;
        if let Some(keyword) = params.duplicate(&param) {
            return Err(failure(start, ErrorKind::DuplicateParameter { keyword }));
        }
        params.list.push(param);

        match after.split_first() {
            None => return Ok((after, params)),
            Some((b' ', next)) => rest = next,
            // esmtp_param stops only at a space or the end.
            Some(_) => return fail_syntax(after, "SP"),
        }
    }
}

/// The value of a parameter that must have one, or a failure right after
/// its keyword, where the `=` should be.
pub(crate) fn required_value<'a>(raw: &RawParam<'a>) -> Result<Value<'a>, nom::Err<Failure<'a>>> {
    raw.value.ok_or_else(|| failure(raw.after_keyword, ErrorKind::Syntax { expected: "\"=\"" }))
}

/// Checks that a parameter that takes no value has none.
pub(crate) fn no_value<'a>(raw: &RawParam<'a>) -> Result<(), nom::Err<Failure<'a>>> {
    match raw.value {
        None => Ok(()),
        Some(_) => Err(failure(raw.after_keyword, ErrorKind::Syntax { expected: "no value" })),
    }
}

/// Reads an RFC 3339 date-time filling all of `value` (see [`DateTime`]).
pub(crate) fn date_time(value: Value<'_>) -> Result<(), nom::Err<Failure<'_>>> {
    let year = digits_field(value, 0, 4, "date-fullyear")?;
    literal(value, 4, b'-')?;
    let month = ranged_field(value, 5, "date-month", 1, 12)?;
    literal(value, 7, b'-')?;
    ranged_field(value, 8, "date-mday", 1, days_in_month(year, month))?;
    if !matches!(value.bytes().get(10), Some(b'T' | b't')) {
        return Err(value.expected(10, "\"T\""));
    }
    ranged_field(value, 11, "time-hour", 0, 23)?;
    literal(value, 13, b':')?;
    ranged_field(value, 14, "time-minute", 0, 59)?;
    literal(value, 16, b':')?;
    ranged_field(value, 17, "time-second", 0, 60)?;

    let bytes = value.bytes();
    let mut i = 19;
    if bytes.get(i) == Some(&b'.') {
        let digits = rest(bytes, i + 1).iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return Err(value.expected(i + 1, "time-secfrac"));
        }
        i += 1 + digits;
    }

    match bytes.get(i) {
        Some(b'Z' | b'z') => i += 1,
        Some(b'+' | b'-') => {
            ranged_field(value, i + 1, "time-hour", 0, 23)?;
            literal(value, i + 3, b':')?;
            ranged_field(value, i + 4, "time-minute", 0, 59)?;
            i += 6;
        }
        _ => return Err(value.expected(i, "time-offset")),
    }
    if i < bytes.len() {
        return Err(value.expected(i, "end of date-time"));
    }
    Ok(())
}

/// Reads `digits` ASCII digits at byte `at` of `value`, or fails at the
/// first that is not.
pub(crate) fn digits_field<'a>(
    value: Value<'a>,
    at: usize,
    digits: usize,
    element: &'static str,
) -> Result<u32, nom::Err<Failure<'a>>> {
    let mut number = 0u32;
    for i in at..at + digits {
        match value.bytes().get(i) {
            Some(b @ b'0'..=b'9') => number = number * 10 + u32::from(b - b'0'),
            _ => return Err(value.expected(i, element)),
        }
    }
    Ok(number)
}

/// A nom failure of `kind` at `input`, which stops the whole list.
pub(crate) fn failure(input: &[u8], kind: ErrorKind) -> nom::Err<Failure<'_>> {
    nom::Err::Failure(Failure::at(input, kind))
}

/// Fails with a syntax error naming `expected` at `input`.
pub(crate) fn fail_syntax<'a, O>(input: &'a [u8], expected: &'static str) -> PResult<'a, O> {
    fail(input, ErrorKind::Syntax { expected })
}

/// Succeeds when `input` is empty, or fails naming `expected` at its start.
pub(crate) fn end_of<'a>(
    input: &'a [u8],
    expected: &'static str,
) -> Result<(), nom::Err<Failure<'a>>> {
    if input.is_empty() {
        Ok(())
    } else {
        Err(failure(input, ErrorKind::Syntax { expected }))
    }
}

/// Turns the result of a check run over `start` into this crate's error,
/// for the constructors that check text a user gave.
pub(crate) fn check<'a, O>(
    start: &'a [u8],
    result: Result<O, nom::Err<Failure<'a>>>,
) -> Result<O, ParseError> {
    result.map_err(|e| match e {
        nom::Err::Error(f) | nom::Err::Failure(f) => f.into_error(start),
        // The checks run over complete values and never ask for more.
        nom::Err::Incomplete(_) => {
            ParseError::new(start.len(), ErrorKind::Syntax { expected: "more input" })
        }
    })
}

/// Turns an error found in `input` by a decoder into a nom failure at the
/// same place.
pub(crate) fn relocate(input: &[u8], error: ParseError) -> nom::Err<Failure<'_>> {
    failure(rest(input, error.offset()), error.kind().clone())
}

/// The bytes of `input` from `at` on, or none when `at` is past the end.
pub(crate) fn rest(input: &[u8], at: usize) -> &[u8] {
    input.get(at..).unwrap_or_default()
}

/// Writes `value` in decimal, without leading zeros.
pub(crate) fn push_decimal(out: &mut Vec<u8>, value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// Writes `value` in decimal with a `-` when negative.
pub(crate) fn push_signed(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    push_decimal(out, value.unsigned_abs());
}

/// Checks decoded text for a value that is not empty and holds no control
/// character, naming `expected` in the error for an empty one.
pub(crate) fn check_text(text: &str, expected: &'static str) -> Result<(), ParseError> {
    if text.is_empty() {
        return Err(ParseError::new(0, ErrorKind::Syntax { expected }));
    }
    check_printable(text)
}

/// Checks that `text` holds no ASCII control character.
pub(crate) fn check_printable(text: &str) -> Result<(), ParseError> {
    match text.bytes().position(crate::xtext::is_control) {
        Some(offset) => {
            Err(ParseError::new(offset, ErrorKind::Syntax { expected: "printable character" }))
        }
        None => Ok(()),
    }
}

/// Builds a parameter of a keyword that has no typed variant, refusing the
/// typed keywords (compared case-insensitively) so that the parameter reads
/// back the same.
fn untyped_parameter<'a, P: ReadParameter<'a>>(
    keyword: EsmtpKeyword<'a>,
    value: Option<EsmtpValue<'a>>,
) -> Result<P, ParseError> {
    if known_keyword::<P>(keyword.as_str()).is_some() {
        let expected = "esmtp-keyword without a typed variant";
        return Err(ParseError::new(0, ErrorKind::Syntax { expected }));
    }
    Ok(P::untyped(keyword, value))
}

/// Types one esmtp-param by its keyword: a known keyword's value is read by
/// its extension's grammar, and any other parameter is kept as written.
fn parameter<'a, P: ReadParameter<'a>>(
    raw: RawParam<'a>,
    options: &CommandOptions,
) -> Result<P, nom::Err<Failure<'a>>> {
    match known_keyword::<P>(raw.keyword) {
        Some(index) => P::typed(index, raw, options),
        None => Ok(P::untyped(
            EsmtpKeyword(Cow::Borrowed(raw.keyword)),
            raw.value.map(|value| EsmtpValue(Cow::Borrowed(value.text))),
        )),
    }
}

/// The index in `P::KEYWORDS` of `keyword`, compared case-insensitively.
fn known_keyword<'a, P: ReadParameter<'a>>(keyword: &str) -> Option<usize> {
    P::KEYWORDS.iter().position(|known| known.eq_ignore_ascii_case(keyword))
}

/// The keyword of `param`: upper-case for typed parameters, as written
/// otherwise.
fn keyword_of<'p, 'a: 'p, P: Parameter<'a>>(param: &'p P) -> &'p str {
    match param.kind() {
        Kind::Typed(keyword) => keyword,
        Kind::Other(keyword, _) => keyword.as_str(),
    }
}

/// The canonical keyword of a typed parameter; `None` for others.
fn typed_keyword<'a, P: Parameter<'a>>(param: &P) -> Option<&'static str> {
    match param.kind() {
        Kind::Typed(keyword) => Some(keyword),
        Kind::Other(..) => None,
    }
}

/// Writes `param`, `KEYWORD` or `KEYWORD=value`, canonical for typed
/// parameters and as written for others.
fn write_parameter<'a, P: Parameter<'a>>(param: &P, out: &mut Vec<u8>) {
    out.extend_from_slice(keyword_of(param).as_bytes());
    match param.kind() {
        Kind::Typed(_) => param.write_typed_value(out),
        Kind::Other(_, Some(value)) => {
            out.push(b'=');
            out.extend_from_slice(value.as_str().as_bytes());
        }
        Kind::Other(_, None) => {}
    }
}

/// The length of the esmtp-keyword at the start of `input`; 0 if none.
fn keyword_len(input: &[u8]) -> usize {
    match input.first() {
        Some(b) if b.is_ascii_alphanumeric() => {
            1 + input[1..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count()
        }
        _ => 0,
    }
}

/// Checks that `value` has `byte` at `at`.
fn literal(value: Value<'_>, at: usize, byte: u8) -> Result<(), nom::Err<Failure<'_>>> {
    if value.bytes().get(at) == Some(&byte) {
        return Ok(());
    }
    Err(value.expected(at, if byte == b'-' { "\"-\"" } else { "\":\"" }))
}

/// Reads two digits at `at` and checks that they are within `min..=max`.
fn ranged_field<'a>(
    value: Value<'a>,
    at: usize,
    element: &'static str,
    min: u32,
    max: u32,
) -> Result<u32, nom::Err<Failure<'a>>> {
    let number = digits_field(value, at, 2, element)?;
    if !(min..=max).contains(&number) {
        return Err(value.fail(at, ErrorKind::OutOfRange { element }));
    }
    Ok(number)
}

/// The number of days of `month` (1 to 12) in `year`, Gregorian.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// How the parameters of MAIL or RCPT are read and built: their typed
/// keywords and the grammar of each. This half of what differs between the
/// two stays within the crate, as it speaks of the parser's own types.
pub(crate) trait ReadParameter<'a>: Parameter<'a> {
    /// The keywords of the typed parameters, in their canonical spelling.
    const KEYWORDS: &'static [&'static str];

    /// Reads the parameter whose keyword is `KEYWORDS[index]`, checking its
    /// value against its extension's grammar.
    fn typed(index: usize, raw: RawParam<'a>, options: &CommandOptions) -> Checked<'a, Self>;

    /// A parameter of a keyword that has no typed variant; the caller has
    /// checked that the keyword is not one of `KEYWORDS`.
    fn untyped(keyword: EsmtpKeyword<'a>, value: Option<EsmtpValue<'a>>) -> Self;
}

/// What [`Parameters`] needs of the parameters of MAIL and of RCPT, so
/// that the list and the helpers above serve both.
///
/// The trait is public in a private module: [`Parameters`] can name it in
/// its bounds, and no other crate can implement it.
mod sealed {
    use super::{EsmtpKeyword, EsmtpValue};

    /// One parameter of MAIL FROM or RCPT TO, as the list sees it.
    pub trait Parameter<'a>: Sized {
        /// The same parameter type, owning its text.
        type Owned;

        /// Whether the parameter is typed, with its keyword or its parts.
        fn kind(&self) -> Kind<'_, 'a>;

        /// Writes `=` and the value of a typed parameter, canonical, or
        /// nothing for one that takes no value.
        fn write_typed_value(&self, out: &mut Vec<u8>);

        /// The same parameter, owning its text.
        fn owned(self) -> Self::Owned;
    }

    /// A parameter as the list sees it.
    pub enum Kind<'p, 'a> {
        /// A typed parameter, with its canonical keyword.
        Typed(&'static str),
        /// Any other parameter: its keyword and value as written.
        Other(&'p EsmtpKeyword<'a>, Option<&'p EsmtpValue<'a>>),
    }
}

/// Gives a newtype over checked `Cow<str>` text its `as_str` and
/// `into_owned`, documented with the two given lines.
macro_rules! text_accessors {
    ($name:ident: $as_str:literal, $into_owned:literal) => {
        impl<'a> $name<'a> {
            #[doc = $as_str]
            pub fn as_str(&self) -> &str {
                &self.0
            }

            #[doc = $into_owned]
            pub fn into_owned(self) -> $name<'static> {
                $name(::std::borrow::Cow::Owned(self.0.into_owned()))
            }
        }
    };
}

/// Shows a newtype over text as the text it holds.
macro_rules! text_display {
    ($name:ident) => {
        impl ::std::fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use text_accessors;
use text_display;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::strategies::params as strategies;

    #[test]
    fn keywords_follow_the_grammar() {
        for ok in ["SIZE", "x", "9", "X-ABC-1", "mt-priority"] {
            assert_eq!(EsmtpKeyword::new(ok).expect("valid").as_str(), ok);
        }
        let table: &[(&str, usize)] = &[("", 0), ("-X", 0), ("X_Y", 1), ("X Y", 1), ("é", 0)];
        for &(bad, offset) in table {
            let error = EsmtpKeyword::new(bad).expect_err("invalid");
            assert_eq!(error.offset(), offset, "{bad:?}");
        }
    }

    #[test]
    fn values_follow_the_grammar() {
        for ok in ["a", "<>", "é", "a;b,c", "~!"] {
            assert_eq!(EsmtpValue::new(ok).expect("valid").as_str(), ok);
        }
        let table: &[(&str, usize, ErrorKind)] = &[
            ("", 0, ErrorKind::Syntax { expected: "esmtp-value" }),
            ("a=b", 1, ErrorKind::Syntax { expected: "esmtp-value" }),
            ("a b", 1, ErrorKind::Syntax { expected: "esmtp-value" }),
            ("ab\r\n", 2, ErrorKind::Syntax { expected: "esmtp-value" }),
            ("a\0", 1, ErrorKind::Syntax { expected: "esmtp-value" }),
            ("a\u{7f}", 1, ErrorKind::Syntax { expected: "esmtp-value" }),
        ];
        for (bad, offset, kind) in table {
            let error = EsmtpValue::new(*bad).expect_err("invalid");
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{bad:?}");
        }
    }

    #[test]
    fn values_take_utf8_only_when_allowed() {
        assert!(esmtp_value("é".as_bytes(), true, Text::none()).is_ok());
        let Err(nom::Err::Failure(f)) = esmtp_value("aé".as_bytes(), false, Text::none()) else {
            panic!("non-ASCII with UTF-8 off");
        };
        assert_eq!((f.input.len(), f.kind), (2, Some(ErrorKind::NonAscii)));
        let Err(nom::Err::Failure(f)) = esmtp_value(b"a\xC3(", true, Text::none()) else {
            panic!("not UTF-8");
        };
        assert_eq!((f.input.len(), f.kind), (2, Some(ErrorKind::NonAscii)));
    }

    #[test]
    fn date_times_are_checked_for_shape_and_range() {
        let ok = [
            "2014-04-03T23:01:00Z",
            "2014-04-03t23:01:00z",
            "1985-04-12T23:20:50.52Z",
            "1996-12-19T16:39:57-08:00",
            "1990-12-31T23:59:60Z",
            "2000-02-29T00:00:00+00:00",
        ];
        for text in ok {
            assert_eq!(DateTime::new(text).expect("valid").as_str(), text);
        }
        let failed: &[(&str, usize, ErrorKind)] = &[
            ("", 0, ErrorKind::Syntax { expected: "date-fullyear" }),
            ("14-04-03T23:01:00Z", 2, ErrorKind::Syntax { expected: "date-fullyear" }),
            ("2014/04/03T23:01:00Z", 4, ErrorKind::Syntax { expected: "\"-\"" }),
            ("2014-13-03T23:01:00Z", 5, ErrorKind::OutOfRange { element: "date-month" }),
            ("2014-04-31T23:01:00Z", 8, ErrorKind::OutOfRange { element: "date-mday" }),
            ("1900-02-29T23:01:00Z", 8, ErrorKind::OutOfRange { element: "date-mday" }),
            ("2014-04-03 23:01:00Z", 10, ErrorKind::Syntax { expected: "\"T\"" }),
            ("2014-04-03T24:01:00Z", 11, ErrorKind::OutOfRange { element: "time-hour" }),
            ("2014-04-03T23:01Z", 16, ErrorKind::Syntax { expected: "\":\"" }),
            ("2014-04-03T23:01:61Z", 17, ErrorKind::OutOfRange { element: "time-second" }),
            ("2014-04-03T23:01:00.Z", 20, ErrorKind::Syntax { expected: "time-secfrac" }),
            ("2014-04-03T23:01:00", 19, ErrorKind::Syntax { expected: "time-offset" }),
            ("2014-04-03T23:01:00+0100", 22, ErrorKind::Syntax { expected: "\":\"" }),
            ("2014-04-03T23:01:00+01:60", 23, ErrorKind::OutOfRange { element: "time-minute" }),
            ("2014-04-03T23:01:00ZZ", 20, ErrorKind::Syntax { expected: "end of date-time" }),
        ];
        for (text, offset, kind) in failed {
            let error = DateTime::new(*text).expect_err("invalid");
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{text:?}");
        }
    }

    #[test]
    fn address_constructors_refuse_what_is_no_mailbox_at_the_offending_byte() {
        let table: &[(&str, usize, &str)] = &[
            ("nobody", 6, "\"@\""),
            ("a b@example.org", 1, "\"@\""),
            ("a@", 2, "domain"),
            ("a@-b.example", 2, "Let-dig"),
            ("a@example.org x", 13, "end of input"),
            ("<a@example.org>", 0, "Atom"),
            // RFC 6531 UTF-8, whose offsets count bytes.
            ("用户", 6, "\"@\""),
            ("jörg.@example.org", 6, "Atom"),
            ("\"用户\"@", 9, "domain"),
            ("用户@例え.テスト!", 23, "end of input"),
        ];
        for &(text, offset, expected) in table {
            let expected = (offset, &ErrorKind::Syntax { expected });
            let auth = AuthAddress::new(text).expect_err("not a mailbox");
            assert_eq!((auth.offset(), auth.kind()), expected, "AUTH {text:?}");
            let orcpt = OriginalRecipient::new("utf-8", text).expect_err("not a mailbox");
            assert_eq!((orcpt.offset(), orcpt.kind()), expected, "ORCPT {text:?}");
            // RFC 3461 §4.2 holds other types' addresses to no syntax.
            assert!(OriginalRecipient::new("rfc822", text).is_ok(), "{text:?}");
        }
        for text in ["e=mc2@example.com", "\"a b\"@[192.0.2.1]", "用户@例え.テスト"] {
            assert_eq!(AuthAddress::new(text).expect("a mailbox").as_str(), text);
            let orcpt = OriginalRecipient::new("UTF-8", text).expect("a mailbox");
            assert_eq!((orcpt.addr_type(), orcpt.address()), ("utf-8", text));
        }
    }

    /// Bytes that are mostly the grammar's own characters, to reach deep
    /// into the value parsers.
    fn grammar_bytes() -> impl Strategy<Value = Vec<u8>> {
        let alphabet =
            b"SIZEBODYRETNVAUTHOLDFRQPBYMCPTUWX-=;,+\\{}:.<>0123456789 \xC3\xA9\r".to_vec();
        prop::collection::vec(prop::sample::select(alphabet), 0..64)
    }

    proptest! {
        #[test]
        fn mail_parameters_read_back_what_they_write(params in strategies::mail_parameters()) {
            let mut out = Vec::new();
            params.write_to(&mut out);
            let line = out.strip_prefix(b" ").expect("a leading space");
            let parsed = MailParameters::parse(line, &CommandOptions::default());
            prop_assert_eq!(parsed.map(MailParameters::into_owned), Ok(params));
        }

        #[test]
        fn rcpt_parameters_read_back_what_they_write(params in strategies::rcpt_parameters()) {
            let mut out = Vec::new();
            params.write_to(&mut out);
            let line = out.strip_prefix(b" ").expect("a leading space");
            let parsed = RcptParameters::parse(line, &CommandOptions::default());
            prop_assert_eq!(parsed.map(RcptParameters::into_owned), Ok(params));
        }

        #[test]
        fn parsers_never_panic_on_any_bytes(
            input in prop_oneof![any::<Vec<u8>>(), grammar_bytes()],
            allow_utf8 in any::<bool>(),
        ) {
            let options = CommandOptions { allow_utf8, ..CommandOptions::default() };
            for result in [
                MailParameters::parse(&input, &options).map(drop),
                RcptParameters::parse(&input, &options).map(drop),
            ] {
                if let Err(error) = result {
                    prop_assert!(error.offset() <= input.len());
                }
            }
        }

        #[test]
        fn errors_do_not_depend_on_what_follows(input in grammar_bytes()) {
            let options = CommandOptions::default();
            let mut longer = input.clone();
            longer.extend_from_slice(b" X-TAIL=1");
            if let Err(error) = MailParameters::parse(&input, &options) {
                prop_assert_eq!(MailParameters::parse(&longer, &options).map(drop), Err(error));
            }
            if let Err(error) = RcptParameters::parse(&input, &options) {
                prop_assert_eq!(RcptParameters::parse(&longer, &options).map(drop), Err(error));
            }
        }

        #[test]
        fn parsers_never_panic_on_damaged_parameters(
            params in (strategies::mail_parameters(), strategies::rcpt_parameters()),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let options = CommandOptions::default();
            let mut mail = Vec::new();
            params.0.write_to(&mut mail);
            let index = at.index(mail.len());
            mail[index] = byte;
            let _ = MailParameters::parse(&mail, &options);
            let mut rcpt = Vec::new();
            params.1.write_to(&mut rcpt);
            let index = at.index(rcpt.len());
            rcpt[index] = byte;
            let _ = RcptParameters::parse(&rcpt, &options);
        }
    }
}
