//! The parameters of RCPT TO (RFC 5321 §4.1.1.3, §4.1.2) and their typed
//! values: NOTIFY and ORCPT (RFC 3461 §4, RFC 6533 §3) and RRVS
//! (RFC 7293 §3).

use std::borrow::Cow;

use super::sealed::{Kind, Parameter};
use super::ReadParameter;
use super::{
    check_printable, check_text, date_time, keyword_of, parameters, relocate, required_value, rest,
    untyped_parameter, write_parameter, Checked, DateTime, EsmtpKeyword, EsmtpValue, Parameters,
    RawParam, Value,
};
use crate::address::{mailbox, whole};
use crate::error::{finish, ErrorKind, Failure, ParseError};
use crate::options::CommandOptions;
use crate::text::Text;
use crate::xtext;

/// The keywords of the typed RCPT parameters, in their canonical spelling.
const KEYWORDS: [&str; 3] = ["NOTIFY", "ORCPT", "RRVS"];

/// One parameter of RCPT TO.
///
/// Keywords that smtpkit knows become typed variants, checked against their
/// extension's grammar; any other keyword is [`RcptParameter::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RcptParameter<'a> {
    /// `NOTIFY=` when to send delivery status notifications
    /// (RFC 3461 §4.1).
    Notify(Notify),
    /// `ORCPT=` the original recipient (RFC 3461 §4.2, RFC 6533 §3).
    Orcpt(OriginalRecipient<'a>),
    /// `RRVS=` the time since which the recipient's mailbox must have
    /// belonged to the same person (RFC 7293 §3).
    Rrvs {
        /// The RFC 3339 date-time.
        time: DateTime<'a>,
        /// What to do where the check cannot be made, if the client said.
        action: Option<RrvsAction>,
    },
    /// Any other parameter, as written. Build it with
    /// [`RcptParameter::other`], which refuses the keywords above so that
    /// the parameter reads back the same.
    Other {
        /// The keyword.
        keyword: EsmtpKeyword<'a>,
        /// The value after `=`, if any.
        value: Option<EsmtpValue<'a>>,
    },
}

impl<'a> RcptParameter<'a> {
    /// Builds a parameter of a keyword that has no typed variant.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at offset 0 when the keyword is one of the
    /// typed parameters (compared case-insensitively): build the typed
    /// variant instead.
    ///
    /// ```
    /// use smtpkit_codec::{EsmtpKeyword, RcptParameter};
    ///
    /// assert!(RcptParameter::other(EsmtpKeyword::new("X-ID").expect("valid"), None).is_ok());
    /// assert!(RcptParameter::other(EsmtpKeyword::new("Notify").expect("valid"), None).is_err());
    /// ```
    pub fn other(
        keyword: EsmtpKeyword<'a>,
        value: Option<EsmtpValue<'a>>,
    ) -> Result<Self, ParseError> {
        untyped_parameter(keyword, value)
    }

    /// The keyword: upper-case for typed parameters, as written otherwise.
    pub fn keyword(&self) -> &str {
        keyword_of(self)
    }

    /// Writes the parameter, `KEYWORD` or `KEYWORD=value`, canonical for
    /// typed parameters and as written for others.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        write_parameter(self, out);
    }

    /// The same parameter, owning its text.
    pub fn into_owned(self) -> RcptParameter<'static> {
        match self {
            Self::Notify(notify) => RcptParameter::Notify(notify),
            Self::Orcpt(recipient) => RcptParameter::Orcpt(recipient.into_owned()),
            Self::Rrvs { time, action } => RcptParameter::Rrvs { time: time.into_owned(), action },
            Self::Other { keyword, value } => RcptParameter::Other {
                keyword: keyword.into_owned(),
                value: value.map(EsmtpValue::into_owned),
            },
        }
    }
}

/// The parameters of one RCPT TO command, in the order given: a
/// [`Parameters`] list with a lookup for each typed parameter.
///
/// ```
/// use smtpkit_codec::{CommandOptions, RcptParameters};
///
/// let options = CommandOptions::default();
/// let params = RcptParameters::parse(b"NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@Example.COM", &options)
///     .expect("valid");
/// assert!(params.notify().expect("given").success);
/// assert_eq!(params.orcpt().expect("given").address(), "Bob@Example.COM");
/// assert!(RcptParameters::parse(b"NOTIFY=NEVER,DELAY", &options).is_err());
/// ```
pub type RcptParameters<'a> = Parameters<RcptParameter<'a>>;

impl<'a> Parameters<RcptParameter<'a>> {
    /// Parses `Rcpt-parameters`: the text after the space that follows the
    /// forward-path, up to the end of the line (CRLF excluded).
    ///
    /// # Errors
    ///
    /// A [`ParseError`] at the offending byte: [`ErrorKind::Syntax`],
    /// [`ErrorKind::OutOfRange`], [`ErrorKind::NonAscii`], or
    /// [`ErrorKind::DuplicateParameter`] at the keyword given a second time
    /// or at a NOTIFY value given twice.
    pub fn parse(input: &'a [u8], options: &CommandOptions) -> Result<Self, ParseError> {
        finish(input, parameters(input, options, Text::new(input)))
    }

    /// When to notify, from NOTIFY.
    pub fn notify(&self) -> Option<Notify> {
        self.iter().find_map(|param| match param {
            RcptParameter::Notify(notify) => Some(*notify),
            _ => None,
        })
    }

    /// The original recipient, from ORCPT.
    pub fn orcpt(&self) -> Option<&OriginalRecipient<'a>> {
        self.iter().find_map(|param| match param {
            RcptParameter::Orcpt(recipient) => Some(recipient),
            _ => None,
        })
    }

    /// The time and action of RRVS.
    pub fn rrvs(&self) -> Option<(&DateTime<'a>, Option<RrvsAction>)> {
        self.iter().find_map(|param| match param {
            RcptParameter::Rrvs { time, action } => Some((time, *action)),
            _ => None,
        })
    }
}

/// When to send delivery status notifications, from NOTIFY.
///
/// ```abnf
/// notify-esmtp-value  = "NEVER" / 1#notify-list-element
/// notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"
/// ```
/// RFC 3461 §4.1. Case-insensitive; each element at most once, and NEVER
/// alone. All three flags off is NEVER. Written upper-case in the order
/// SUCCESS, FAILURE, DELAY.
///
/// ```
/// use smtpkit_codec::Notify;
///
/// assert!(Notify::NEVER.is_never());
/// assert!(!Notify { failure: true, ..Notify::NEVER }.is_never());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Notify {
    /// Notify on successful delivery.
    pub success: bool,
    /// Notify on failed delivery.
    pub failure: bool,
    /// Notify on delayed delivery.
    pub delay: bool,
}

impl Notify {
    /// `NEVER`: no notification at all.
    pub const NEVER: Self = Self { success: false, failure: false, delay: false };

    /// True for `NEVER`.
    pub fn is_never(self) -> bool {
        self == Self::NEVER
    }

    /// Writes the notify-esmtp-value.
    fn write_to(self, out: &mut Vec<u8>) {
        if self.is_never() {
            out.extend_from_slice(b"NEVER");
            return;
        }
        let elements =
            [(self.success, "SUCCESS"), (self.failure, "FAILURE"), (self.delay, "DELAY")];
        let mut first = true;
        for (_, name) in elements.into_iter().filter(|(on, _)| *on) {
            if !first {
                out.push(b',');
            }
            out.extend_from_slice(name.as_bytes());
            first = false;
        }
    }
}

/// What the server does where RRVS cannot be checked (RFC 7293 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RrvsAction {
    /// `C`: continue, delivering as if RRVS had not been given.
    Continue,
    /// `R`: reject the recipient.
    Reject,
}

/// The original recipient of ORCPT: an address type and an address,
/// decoded.
///
/// ```abnf
/// orcpt-parameter            = "ORCPT=" original-recipient-address
/// original-recipient-address = addr-type ";" xtext
/// addr-type                  = atom
/// utf-8-type-addr            = "utf-8;" utf-8-enc-addr
/// ```
/// RFC 3461 §4.2, RFC 6533 §3. The `rfc822` and `utf-8` types are known
/// (case-insensitively) and written in lower case; others keep their
/// spelling. A `utf-8` address is decoded from utf-8-addr-xtext or
/// utf-8-addr-unitext (see [`xtext::decode_utf8_addr`]) and written as
/// utf-8-addr-xtext; any other type's address is xtext. An address holds no
/// control characters.
///
/// A `utf-8` address, once decoded, is a mailbox: RFC 6533 §3 has it
/// follow RFC 6531's `Mailbox`, UTF-8 allowed whether or not the session
/// allows UTF-8, as the 7-bit form exists for servers without SMTPUTF8.
/// The address of any other type is kept as any printable text: RFC 3461
/// §4.2 does not hold the address to the syntax of its type, and would
/// have it carry the address as the sender gave it, for the notification
/// to report, so this type does not refuse it for its syntax.
///
/// ```
/// use smtpkit_codec::OriginalRecipient;
///
/// let recipient = OriginalRecipient::new("RFC822", "Bob@Example.COM").expect("valid");
/// assert_eq!((recipient.addr_type(), recipient.address()), ("rfc822", "Bob@Example.COM"));
/// assert_eq!(OriginalRecipient::new("rfc 822", "x").expect_err("a space").offset(), 3);
/// assert!(OriginalRecipient::new("rfc822", "Bob at home").is_ok());
/// assert_eq!(OriginalRecipient::new("utf-8", "Bob").expect_err("no domain").offset(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OriginalRecipient<'a> {
    addr_type: Cow<'a, str>,
    address: Cow<'a, str>,
}

impl<'a> OriginalRecipient<'a> {
    /// Checks an address type and a decoded address.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] with the offset in `addr_type` when it is not
    /// an atom, or with the offset in `address` at a control character, or
    /// at 0 for an empty `utf-8` address; for any other `utf-8` address
    /// that is not a mailbox, the error of the mailbox grammar with its
    /// offset in `address`.
    pub fn new(
        addr_type: impl Into<Cow<'a, str>>,
        address: impl Into<Cow<'a, str>>,
    ) -> Result<Self, ParseError> {
        let addr_type = addr_type.into();
        let len = atom_len(addr_type.as_bytes());
        if len == 0 || len < addr_type.len() {
            return Err(ParseError::new(len, ErrorKind::Syntax { expected: "addr-type" }));
        }
        let addr_type = canonical_type(addr_type);

        let address = address.into();
        if addr_type == "utf-8" {
            check_text(&address, "utf-8-enc-addr")?;
            whole(address.as_bytes(), |input| {
                mailbox(input, &CommandOptions::default(), Text::none())
            })?;
        } else {
            check_printable(&address)?;
        }
        Ok(Self { addr_type, address })
    }

    /// The address type: `rfc822`, `utf-8`, or another as written.
    pub fn addr_type(&self) -> &str {
        &self.addr_type
    }

    /// The decoded address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The same recipient, owning its text.
    pub fn into_owned(self) -> OriginalRecipient<'static> {
        OriginalRecipient {
            addr_type: Cow::Owned(self.addr_type.into_owned()),
            address: Cow::Owned(self.address.into_owned()),
        }
    }

    /// Writes the original-recipient-address, the address encoded.
    fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.addr_type.as_bytes());
        out.push(b';');
        if self.addr_type == "utf-8" {
            xtext::encode_utf8_addr(&self.address, out);
        } else {
            xtext::encode(&self.address, out);
        }
    }
}

impl<'a> Parameter<'a> for RcptParameter<'a> {
    type Owned = RcptParameter<'static>;

    fn kind(&self) -> Kind<'_, 'a> {
        match self {
            Self::Notify(_) => Kind::Typed(KEYWORDS[0]),
            Self::Orcpt(_) => Kind::Typed(KEYWORDS[1]),
            Self::Rrvs { .. } => Kind::Typed(KEYWORDS[2]),
            Self::Other { keyword, value } => Kind::Other(keyword, value.as_ref()),
        }
    }

    fn owned(self) -> RcptParameter<'static> {
        self.into_owned()
    }

    fn write_typed_value(&self, out: &mut Vec<u8>) {
        match self {
            Self::Notify(notify) => {
                out.push(b'=');
                notify.write_to(out);
            }
            Self::Orcpt(recipient) => {
                out.push(b'=');
                recipient.write_to(out);
            }
            Self::Rrvs { time, action } => {
                out.push(b'=');
                out.extend_from_slice(time.as_str().as_bytes());
                match action {
                    Some(RrvsAction::Continue) => out.extend_from_slice(b";C"),
                    Some(RrvsAction::Reject) => out.extend_from_slice(b";R"),
                    None => {}
                }
            }
            Self::Other { .. } => {}
        }
    }
}

impl<'a> ReadParameter<'a> for RcptParameter<'a> {
    const KEYWORDS: &'static [&'static str] = &KEYWORDS;

    fn typed(index: usize, raw: RawParam<'a>, options: &CommandOptions) -> Checked<'a, Self> {
        let value = required_value(&raw)?;
        match index {
            0 => Ok(Self::Notify(notify_esmtp_value(value)?)),
            1 => Ok(Self::Orcpt(original_recipient_address(value, options)?)),
            _ => rrvs_param(value),
        }
    }

    fn untyped(keyword: EsmtpKeyword<'a>, value: Option<EsmtpValue<'a>>) -> Self {
        Self::Other { keyword, value }
    }
}

/// Reads the value of NOTIFY.
///
/// ```abnf
/// notify-esmtp-value  = "NEVER" / 1#notify-list-element
/// notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"
/// ```
/// RFC 3461 §4.1; `1#` is a comma-separated list without spaces.
fn notify_esmtp_value(value: Value<'_>) -> Result<Notify, nom::Err<Failure<'_>>> {
    let bytes = value.bytes();
    if bytes.eq_ignore_ascii_case(b"NEVER") {
        return Ok(Notify::NEVER);
    }

    let mut notify = Notify::NEVER;
    let mut at = 0;
    loop {
        let element = rest(bytes, at);
        let len = memchr::memchr(b',', element).unwrap_or(element.len());
        let name = &element[..len];
        let (flag, keyword) = if name.eq_ignore_ascii_case(b"SUCCESS") {
            (&mut notify.success, "SUCCESS")
        } else if name.eq_ignore_ascii_case(b"FAILURE") {
            (&mut notify.failure, "FAILURE")
        } else if name.eq_ignore_ascii_case(b"DELAY") {
            (&mut notify.delay, "DELAY")
        } else if name.eq_ignore_ascii_case(b"NEVER") {
            return Err(value.expected(at, "NEVER alone"));
        } else {
            return Err(value.expected(at, "notify-list-element"));
        };
        if *flag {
            return Err(value.fail(at, ErrorKind::DuplicateParameter { keyword }));
        }
        *flag = true;

        at += len;
        if at == bytes.len() {
            return Ok(notify);
        }
        // Past the comma; an empty element after it fails just above.
        at += 1;
    }
}

/// Reads the value of ORCPT.
///
/// ```abnf
/// original-recipient-address = addr-type ";" xtext
/// utf-8-type-addr            = "utf-8;" utf-8-enc-addr
/// ```
/// RFC 3461 §4.2, RFC 6533 §3. A `utf-8` address that is not a mailbox
/// once decoded fails at its first byte, as offsets into the decoded text
/// do not point into the line; other types' addresses are not checked (see
/// [`OriginalRecipient`]).
fn original_recipient_address<'a>(
    value: Value<'a>,
    options: &CommandOptions,
) -> Result<OriginalRecipient<'a>, nom::Err<Failure<'a>>> {
    let len = atom_len(value.bytes());
    if len == 0 {
        return Err(value.expected(0, "addr-type"));
    }
    if value.bytes().get(len) != Some(&b';') {
        return Err(value.expected(len, "\";\""));
    }
    let addr_type = canonical_type(Cow::Borrowed(value.prefix(len).text));

    let encoded = value.suffix(len + 1);
    let address = if addr_type == "utf-8" {
        let address = xtext::decode_utf8_addr_checked(encoded.bytes(), options.allow_utf8, true)
            .map_err(|e| relocate(encoded.input, e))?;
        // The escapes of the 7-bit form may spell UTF-8 where the session
        // allows none, so the mailbox is read with UTF-8 allowed.
        let utf8 = CommandOptions { allow_utf8: true, ..options.clone() };
        if whole(address.as_bytes(), |input| mailbox(input, &utf8, Text::none())).is_err() {
            return Err(encoded.expected(0, "Mailbox"));
        }
        address
    } else {
        encoded.xtext()?
    };
    Ok(OriginalRecipient { addr_type, address })
}

/// Reads the value of RRVS.
///
/// ```abnf
/// rrvs-param = "RRVS=" date-time [ ";" ( "C" / "R" ) ]
/// ```
/// RFC 7293 §3.
fn rrvs_param(value: Value<'_>) -> Result<RcptParameter<'_>, nom::Err<Failure<'_>>> {
    let bytes = value.bytes();
    let end = memchr::memchr(b';', bytes).unwrap_or(bytes.len());
    let time = value.prefix(end);
    date_time(time)?;
    let time = DateTime(Cow::Borrowed(time.text));
    if end == bytes.len() {
        return Ok(RcptParameter::Rrvs { time, action: None });
    }

    let action = match bytes.get(end + 1) {
        Some(b'C' | b'c') => RrvsAction::Continue,
        Some(b'R' | b'r') => RrvsAction::Reject,
        _ => return Err(value.expected(end + 1, "\"C\" or \"R\"")),
    };
    if end + 2 < bytes.len() {
        return Err(value.expected(end + 2, "end of RRVS value"));
    }
    Ok(RcptParameter::Rrvs { time, action: Some(action) })
}

/// The length of the RFC 5322 atom at the start of `input`, as far as an
/// esmtp-value can hold one (so without `=`); 0 if none.
fn atom_len(input: &[u8]) -> usize {
    input
        .iter()
        .take_while(|&&b| matches!(b, b'!'..=b'~') && !b"()<>@,;:\\\".[]=".contains(&b))
        .count()
}

/// The address type with the known ones in their canonical spelling.
fn canonical_type(addr_type: Cow<'_, str>) -> Cow<'_, str> {
    if addr_type.eq_ignore_ascii_case("rfc822") {
        Cow::Borrowed("rfc822")
    } else if addr_type.eq_ignore_ascii_case("utf-8") {
        Cow::Borrowed("utf-8")
    } else {
        addr_type
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &[u8]) -> Result<RcptParameters<'_>, ParseError> {
        RcptParameters::parse(input, &CommandOptions::default())
    }

    fn written(params: &RcptParameters<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        params.write_to(&mut out);
        out.split_off(1)
    }

    fn notify(success: bool, failure: bool, delay: bool) -> RcptParameter<'static> {
        RcptParameter::Notify(Notify { success, failure, delay })
    }

    fn orcpt<'a>(addr_type: &'a str, address: &'a str) -> RcptParameter<'a> {
        RcptParameter::Orcpt(OriginalRecipient::new(addr_type, address).expect("valid ORCPT"))
    }

    fn rrvs(time: &str, action: Option<RrvsAction>) -> RcptParameter<'_> {
        RcptParameter::Rrvs { time: DateTime::new(time).expect("valid date-time"), action }
    }

    #[test]
    fn rcpt_parameters_parse_and_write_canonically() {
        let table: Vec<(&[u8], Vec<RcptParameter<'_>>, &[u8])> = vec![
            // RFC 3461 §4.1 and §4.2.
            (
                b"NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@Example.COM",
                vec![notify(true, true, false), orcpt("rfc822", "Bob@Example.COM")],
                b"NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@Example.COM",
            ),
            (b"NOTIFY=never", vec![notify(false, false, false)], b"NOTIFY=NEVER"),
            (b"notify=delay,Success", vec![notify(true, false, true)], b"NOTIFY=SUCCESS,DELAY"),
            (
                b"ORCPT=RFC822;e+3Dmc2@example.com",
                vec![orcpt("rfc822", "e=mc2@example.com")],
                b"ORCPT=rfc822;e+3Dmc2@example.com",
            ),
            (b"ORCPT=rfc822;", vec![orcpt("rfc822", "")], b"ORCPT=rfc822;"),
            (b"ORCPT=x400;c+3Dus", vec![orcpt("x400", "c=us")], b"ORCPT=x400;c+3Dus"),
            // RFC 6533 §3: the 7-bit form, and raw UTF-8 written back 7-bit.
            (
                br"ORCPT=UTF-8;\x{4F60}\x{597D}@example.com",
                vec![orcpt("utf-8", "你好@example.com")],
                br"ORCPT=utf-8;\x{4F60}\x{597D}@example.com",
            ),
            (
                "ORCPT=utf-8;jörg\\x{2B}1@example.org".as_bytes(),
                vec![orcpt("utf-8", "jörg+1@example.org")],
                br"ORCPT=utf-8;j\x{F6}rg\x{2B}1@example.org",
            ),
            // RFC 7293 §3.
            (
                b"RRVS=2014-04-03T23:01:00Z",
                vec![rrvs("2014-04-03T23:01:00Z", None)],
                b"RRVS=2014-04-03T23:01:00Z",
            ),
            (
                b"RRVS=2014-04-03T23:01:00+02:00;c",
                vec![rrvs("2014-04-03T23:01:00+02:00", Some(RrvsAction::Continue))],
                b"RRVS=2014-04-03T23:01:00+02:00;C",
            ),
            (
                b"X-Y=1 SIZE=2 NOTIFY=FAILURE",
                vec![
                    RcptParameter::other(
                        EsmtpKeyword::new("X-Y").expect("valid"),
                        Some(EsmtpValue::new("1").expect("valid")),
                    )
                    .expect("untyped"),
                    RcptParameter::other(
                        EsmtpKeyword::new("SIZE").expect("valid"),
                        Some(EsmtpValue::new("2").expect("valid")),
                    )
                    .expect("untyped in RCPT"),
                    notify(false, true, false),
                ],
                b"X-Y=1 SIZE=2 NOTIFY=FAILURE",
            ),
        ];
        for (input, expected, output) in table {
            let params = parse(input).expect("valid parameters");
            assert_eq!(params.iter().cloned().collect::<Vec<_>>(), expected, "{input:?}");
            assert_eq!(written(&params), output, "{input:?}");
        }
    }

    #[test]
    fn rcpt_parameters_refuse_bad_input_at_the_offending_byte() {
        let table: Vec<(&[u8], usize, ErrorKind)> = vec![
            (b"NOTIFY=NEVER,SUCCESS", 7, ErrorKind::Syntax { expected: "NEVER alone" }),
            (b"NOTIFY=SUCCESS,NEVER", 15, ErrorKind::Syntax { expected: "NEVER alone" }),
            (b"NOTIFY=SUCCESS,success", 15, ErrorKind::DuplicateParameter { keyword: "SUCCESS" }),
            (b"NOTIFY=SUCCESS,", 15, ErrorKind::Syntax { expected: "notify-list-element" }),
            (b"NOTIFY=SUCCESS,,DELAY", 15, ErrorKind::Syntax { expected: "notify-list-element" }),
            (b"NOTIFY=,DELAY", 7, ErrorKind::Syntax { expected: "notify-list-element" }),
            (b"NOTIFY=OFTEN", 7, ErrorKind::Syntax { expected: "notify-list-element" }),
            (b"NOTIFY", 6, ErrorKind::Syntax { expected: "\"=\"" }),
            (b"NOTIFY=NEVER notify=NEVER", 13, ErrorKind::DuplicateParameter { keyword: "NOTIFY" }),
            (b"ORCPT=;a", 6, ErrorKind::Syntax { expected: "addr-type" }),
            (b"ORCPT=rfc822", 12, ErrorKind::Syntax { expected: "\";\"" }),
            (b"ORCPT=rfc.822;a", 9, ErrorKind::Syntax { expected: "\";\"" }),
            (b"ORCPT=rfc822;a+0Ab", 14, ErrorKind::Syntax { expected: "printable character" }),
            ("ORCPT=rfc822;é".as_bytes(), 13, ErrorKind::Syntax { expected: "xtext" }),
            (b"ORCPT=utf-8;", 12, ErrorKind::Syntax { expected: "utf-8-addr-xtext" }),
            (br"ORCPT=utf-8;a\x{41}", 16, ErrorKind::Syntax { expected: "HEXPOINT" }),
            (br"ORCPT=utf-8;a\x{0A}", 16, ErrorKind::Syntax { expected: "HEXPOINT" }),
            (br"ORCPT=utf-8;a\x{7F}", 13, ErrorKind::Syntax { expected: "printable character" }),
            (b"ORCPT=utf-8;a+b", 13, ErrorKind::Syntax { expected: "QCHAR" }),
            (b"RRVS=2014-04-03T23:01:00Z;X", 26, ErrorKind::Syntax { expected: "\"C\" or \"R\"" }),
            (b"RRVS=2014-04-03T23:01:00Z;", 26, ErrorKind::Syntax { expected: "\"C\" or \"R\"" }),
            (
                b"RRVS=2014-04-03T23:01:00Z;CR",
                27,
                ErrorKind::Syntax { expected: "end of RRVS value" },
            ),
            (b"RRVS=2014-04-03", 15, ErrorKind::Syntax { expected: "\"T\"" }),
            (b"RRVS=2014-04-03T23:01:00;C", 24, ErrorKind::Syntax { expected: "time-offset" }),
            (b"X=1 ", 4, ErrorKind::Syntax { expected: "esmtp-keyword" }),
            (
                b"NOTIFY=OFTEN ORCPT=rfc822;a",
                7,
                ErrorKind::Syntax { expected: "notify-list-element" },
            ),
            (br"ORCPT=utf-8;a\x{41} X=1", 16, ErrorKind::Syntax { expected: "HEXPOINT" }),
            (
                b"RRVS=2014-04-03T23:01:00Z;X X=1",
                26,
                ErrorKind::Syntax { expected: "\"C\" or \"R\"" },
            ),
        ];
        for (input, offset, kind) in table {
            let error = parse(input).expect_err("invalid parameters");
            assert_eq!((error.offset(), error.kind()), (offset, &kind), "{input:?}");
        }
    }

    #[test]
    fn utf8_orcpt_takes_raw_utf8_only_when_allowed() {
        let options = CommandOptions { allow_utf8: false, ..CommandOptions::default() };
        let input = "ORCPT=utf-8;jörg@example.org".as_bytes();
        let error = RcptParameters::parse(input, &options).expect_err("raw UTF-8");
        assert_eq!((error.offset(), error.kind()), (13, &ErrorKind::NonAscii));
        let escaped = br"ORCPT=utf-8;j\x{F6}rg@example.org";
        let params = RcptParameters::parse(escaped, &options).expect("7-bit form");
        assert_eq!(params.orcpt().map(OriginalRecipient::address), Some("jörg@example.org"));
    }

    #[test]
    fn utf8_orcpt_refuses_an_address_that_is_no_mailbox_at_its_first_byte() {
        let table: &[&[u8]] = &[
            b"ORCPT=utf-8;nobody",
            b"ORCPT=utf-8;nobody@",
            b"ORCPT=utf-8;@example.org",
            br"ORCPT=utf-8;a\x{20}b@example.org",
            br"ORCPT=utf-8;a@example.org\x{20}x",
            b"ORCPT=UTF-8;a..b@example.org",
            "ORCPT=utf-8;jörg@-b.example".as_bytes(),
        ];
        for &input in table {
            let error = parse(input).expect_err("not a mailbox");
            let expected = ErrorKind::Syntax { expected: "Mailbox" };
            assert_eq!((error.offset(), error.kind()), (12, &expected), "{input:?}");
        }
        let error = parse(b"NOTIFY=NEVER ORCPT=utf-8;nobody X=1").expect_err("not a mailbox");
        assert_eq!(
            (error.offset(), error.kind()),
            (25, &ErrorKind::Syntax { expected: "Mailbox" })
        );
    }

    #[test]
    fn orcpt_of_other_types_keeps_any_printable_address() {
        let table: &[(&[u8], &str, &str)] = &[
            (b"ORCPT=rfc822;nobody", "rfc822", "nobody"),
            (b"ORCPT=rfc822;Bob+20at+20home", "rfc822", "Bob at home"),
            (b"ORCPT=rfc822;<a@example.org>", "rfc822", "<a@example.org>"),
            (b"ORCPT=x400;c+3Dus", "x400", "c=us"),
        ];
        for &(input, addr_type, address) in table {
            let params = parse(input).expect("any printable address");
            let recipient = params.orcpt().expect("given");
            assert_eq!((recipient.addr_type(), recipient.address()), (addr_type, address));
        }
    }

    #[test]
    fn lookups_and_push_follow_the_keywords() {
        let params =
            parse(b"NOTIFY=DELAY ORCPT=rfc822;a@b RRVS=2014-04-03T23:01:00Z;R X-Z").expect("valid");
        assert_eq!(params.len(), 4);
        assert_eq!(params.notify(), Some(Notify { delay: true, ..Notify::NEVER }));
        assert_eq!(params.orcpt().map(OriginalRecipient::addr_type), Some("rfc822"));
        let (time, action) = params.rrvs().expect("given");
        assert_eq!((time.as_str(), action), ("2014-04-03T23:01:00Z", Some(RrvsAction::Reject)));
        assert_eq!(params.get("x-z").map(RcptParameter::keyword), Some("X-Z"));

        let mut owned = params.into_owned();
        let error = owned.push(notify(true, false, false)).expect_err("second NOTIFY");
        assert_eq!(error.kind(), &ErrorKind::DuplicateParameter { keyword: "NOTIFY" });
        assert!(RcptParameters::new().is_empty());
    }

    #[test]
    fn original_recipient_refuses_what_cannot_be_written() {
        let table: &[(&str, &str, usize)] = &[
            ("", "a", 0),
            ("rfc 822", "a", 3),
            ("x=y", "a", 1),
            ("rfc822", "a\rb", 1),
            ("utf-8", "", 0),
        ];
        for &(addr_type, address, offset) in table {
            let error = OriginalRecipient::new(addr_type, address).expect_err("refused");
            assert_eq!(error.offset(), offset, "{addr_type:?} {address:?}");
        }
    }
}
