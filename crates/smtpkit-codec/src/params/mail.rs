//! The parameters of MAIL FROM (RFC 5321 §4.1.1.2, §4.1.2) and their typed
//! values from the extensions that define them.

use std::borrow::Cow;

use super::sealed::{Kind, Parameter};
use super::values::{
    auth_param, body_value, by_value, envid_parameter, holdfor_value, priority_value, ret_value,
    size_value,
};
use super::ReadParameter;
use super::{
    date_time, keyword_of, no_value, parameters, push_decimal, push_signed, required_value,
    untyped_parameter, write_parameter, Checked, DateTime, EsmtpKeyword, EsmtpValue, Parameters,
    RawParam,
};
use crate::error::{finish, ParseError};
use crate::options::CommandOptions;
use crate::params::values::{
    AuthAddress, BodyType, DeliverBy, EnvId, HoldForSeconds, Priority, Ret,
};
use crate::text::Text;
use crate::xtext;

/// The keywords of the typed MAIL parameters, in their canonical spelling.
const KEYWORDS: [&str; 11] = [
    "SIZE",
    "BODY",
    "SMTPUTF8",
    "RET",
    "ENVID",
    "AUTH",
    "REQUIRETLS",
    "MT-PRIORITY",
    "HOLDFOR",
    "HOLDUNTIL",
    "BY",
];

/// One parameter of MAIL FROM.
///
/// Keywords that smtpkit knows become typed variants, checked against their
/// extension's grammar; any other keyword is [`MailParameter::Other`].
/// Values that travel as xtext (ENVID, AUTH) are held decoded and written
/// back in the shortest encoding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MailParameter<'a> {
    /// `SIZE=` the message size in octets (RFC 1870 §3).
    Size(u64),
    /// `BODY=` the body type (RFC 6152 §3, RFC 3030 §3).
    Body(BodyType),
    /// `SMTPUTF8`: the message needs the UTF-8 extension (RFC 6531 §3.4).
    SmtpUtf8,
    /// `RET=` what a delivery status notification returns (RFC 3461 §4.3).
    Ret(Ret),
    /// `ENVID=` the envelope identifier (RFC 3461 §4.4).
    EnvId(EnvId<'a>),
    /// `AUTH=` the authenticated submitter, or `None` for `AUTH=<>`
    /// (RFC 4954 §5).
    Auth(Option<AuthAddress<'a>>),
    /// `REQUIRETLS`: relay only over TLS (RFC 8689 §4).
    RequireTls,
    /// `MT-PRIORITY=` the message priority (RFC 6710 §3).
    MtPriority(Priority),
    /// `HOLDFOR=` seconds to hold the message before delivery
    /// (RFC 4865 §4).
    HoldFor(HoldForSeconds),
    /// `HOLDUNTIL=` when to release the message (RFC 4865 §4).
    HoldUntil(DateTime<'a>),
    /// `BY=` the deliver-by time and mode (RFC 2852 §4).
    By(DeliverBy),
    /// Any other parameter, as written. Build it with
    /// [`MailParameter::other`], which refuses the keywords above so that
    /// the parameter reads back the same.
    Other {
        /// The keyword.
        keyword: EsmtpKeyword<'a>,
        /// The value after `=`, if any.
        value: Option<EsmtpValue<'a>>,
    },
}

impl<'a> MailParameter<'a> {
    /// Builds a parameter of a keyword that has no typed variant.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at offset 0 when the keyword is one of the
    /// typed parameters (compared case-insensitively): build the typed
    /// variant instead.
    ///
    /// ```
    /// use smtpkit_codec::{EsmtpKeyword, EsmtpValue, MailParameter};
    ///
    /// let keyword = EsmtpKeyword::new("X-TRACE").expect("valid");
    /// let value = EsmtpValue::new("abc").expect("valid");
    /// assert!(MailParameter::other(keyword, Some(value)).is_ok());
    /// let size = EsmtpKeyword::new("size").expect("valid");
    /// assert!(MailParameter::other(size, None).is_err());
    /// ```
    ///
    /// [`ErrorKind::Syntax`]: crate::ErrorKind::Syntax
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
    pub fn into_owned(self) -> MailParameter<'static> {
        match self {
            Self::Size(size) => MailParameter::Size(size),
            Self::Body(body) => MailParameter::Body(body),
            Self::SmtpUtf8 => MailParameter::SmtpUtf8,
            Self::Ret(ret) => MailParameter::Ret(ret),
            Self::EnvId(envid) => MailParameter::EnvId(envid.into_owned()),
            Self::Auth(address) => MailParameter::Auth(address.map(AuthAddress::into_owned)),
            Self::RequireTls => MailParameter::RequireTls,
            Self::MtPriority(priority) => MailParameter::MtPriority(priority),
            Self::HoldFor(seconds) => MailParameter::HoldFor(seconds),
            Self::HoldUntil(time) => MailParameter::HoldUntil(time.into_owned()),
            Self::By(by) => MailParameter::By(by),
            Self::Other { keyword, value } => MailParameter::Other {
                keyword: keyword.into_owned(),
                value: value.map(EsmtpValue::into_owned),
            },
        }
    }
}

/// The parameters of one MAIL FROM command, in the order given: a
/// [`Parameters`] list with a lookup for each typed parameter.
///
/// ```
/// use smtpkit_codec::{BodyType, CommandOptions, MailParameters};
///
/// let params = MailParameters::parse(b"SIZE=500000 BODY=8BITMIME SMTPUTF8", &CommandOptions::default())
///     .expect("valid");
/// assert_eq!(params.len(), 3);
/// assert_eq!(params.body(), Some(BodyType::EightBitMime));
/// assert!(params.smtputf8());
/// assert!(MailParameters::parse(b"SIZE=5e5", &CommandOptions::default()).is_err());
/// ```
pub type MailParameters<'a> = Parameters<MailParameter<'a>>;

impl<'a> Parameters<MailParameter<'a>> {
    /// Parses `Mail-parameters`: the text after the space that follows the
    /// reverse-path, up to the end of the line (CRLF excluded).
    ///
    /// # Errors
    ///
    /// A [`ParseError`] at the offending byte: [`ErrorKind::Syntax`],
    /// [`ErrorKind::OutOfRange`], [`ErrorKind::TooLong`],
    /// [`ErrorKind::NonAscii`], or [`ErrorKind::DuplicateParameter`] at
    /// the keyword given a second time.
    ///
    /// [`ErrorKind::Syntax`]: crate::ErrorKind::Syntax
    /// [`ErrorKind::OutOfRange`]: crate::ErrorKind::OutOfRange
    /// [`ErrorKind::TooLong`]: crate::ErrorKind::TooLong
    /// [`ErrorKind::NonAscii`]: crate::ErrorKind::NonAscii
    /// [`ErrorKind::DuplicateParameter`]: crate::ErrorKind::DuplicateParameter
    pub fn parse(input: &'a [u8], options: &CommandOptions) -> Result<Self, ParseError> {
        finish(input, parameters(input, options, Text::new(input)))
    }

    /// The declared message size, from SIZE.
    pub fn size(&self) -> Option<u64> {
        self.iter().find_map(|param| match param {
            MailParameter::Size(size) => Some(*size),
            _ => None,
        })
    }

    /// The body type, from BODY.
    pub fn body(&self) -> Option<BodyType> {
        self.iter().find_map(|param| match param {
            MailParameter::Body(body) => Some(*body),
            _ => None,
        })
    }

    /// True when SMTPUTF8 was given.
    pub fn smtputf8(&self) -> bool {
        self.iter().any(|param| matches!(param, MailParameter::SmtpUtf8))
    }

    /// What a notification returns, from RET.
    pub fn ret(&self) -> Option<Ret> {
        self.iter().find_map(|param| match param {
            MailParameter::Ret(ret) => Some(*ret),
            _ => None,
        })
    }

    /// The envelope identifier, from ENVID.
    pub fn envid(&self) -> Option<&EnvId<'a>> {
        self.iter().find_map(|param| match param {
            MailParameter::EnvId(envid) => Some(envid),
            _ => None,
        })
    }

    /// The AUTH parameter: `None` when absent, `Some(None)` for `AUTH=<>`.
    pub fn auth(&self) -> Option<Option<&AuthAddress<'a>>> {
        self.iter().find_map(|param| match param {
            MailParameter::Auth(address) => Some(address.as_ref()),
            _ => None,
        })
    }

    /// True when REQUIRETLS was given.
    pub fn requiretls(&self) -> bool {
        self.iter().any(|param| matches!(param, MailParameter::RequireTls))
    }

    /// The priority, from MT-PRIORITY.
    pub fn mt_priority(&self) -> Option<Priority> {
        self.iter().find_map(|param| match param {
            MailParameter::MtPriority(priority) => Some(*priority),
            _ => None,
        })
    }

    /// How long to hold the message, from HOLDFOR.
    pub fn hold_for(&self) -> Option<HoldForSeconds> {
        self.iter().find_map(|param| match param {
            MailParameter::HoldFor(seconds) => Some(*seconds),
            _ => None,
        })
    }

    /// When to release the message, from HOLDUNTIL.
    pub fn hold_until(&self) -> Option<&DateTime<'a>> {
        self.iter().find_map(|param| match param {
            MailParameter::HoldUntil(time) => Some(time),
            _ => None,
        })
    }

    /// The deliver-by request, from BY.
    pub fn by(&self) -> Option<DeliverBy> {
        self.iter().find_map(|param| match param {
            MailParameter::By(by) => Some(*by),
            _ => None,
        })
    }
}

impl<'a> Parameter<'a> for MailParameter<'a> {
    type Owned = MailParameter<'static>;

    fn kind(&self) -> Kind<'_, 'a> {
        let index = match self {
            Self::Size(_) => 0,
            Self::Body(_) => 1,
            Self::SmtpUtf8 => 2,
            Self::Ret(_) => 3,
            Self::EnvId(_) => 4,
            Self::Auth(_) => 5,
            Self::RequireTls => 6,
            Self::MtPriority(_) => 7,
            Self::HoldFor(_) => 8,
            Self::HoldUntil(_) => 9,
            Self::By(_) => 10,
            Self::Other { keyword, value } => return Kind::Other(keyword, value.as_ref()),
        };
        Kind::Typed(KEYWORDS[index])
    }

    fn owned(self) -> MailParameter<'static> {
        self.into_owned()
    }

    fn write_typed_value(&self, out: &mut Vec<u8>) {
        match self {
            Self::SmtpUtf8 | Self::RequireTls | Self::Other { .. } => return,
            _ => out.push(b'='),
        }
        match self {
            Self::Size(size) => push_decimal(out, *size),
            Self::Body(body) => out.extend_from_slice(body.as_str().as_bytes()),
            Self::Ret(ret) => out.extend_from_slice(ret.as_str().as_bytes()),
            Self::EnvId(envid) => xtext::encode(envid.as_str(), out),
            Self::Auth(None) => out.extend_from_slice(b"<>"),
            Self::Auth(Some(address)) => xtext::encode(address.as_str(), out),
            Self::MtPriority(priority) => push_signed(out, priority.get().into()),
            Self::HoldFor(seconds) => push_decimal(out, seconds.get().into()),
            Self::HoldUntil(time) => out.extend_from_slice(time.as_str().as_bytes()),
            Self::By(by) => by.write_to(out),
            Self::SmtpUtf8 | Self::RequireTls | Self::Other { .. } => {}
        }
    }
}

impl<'a> ReadParameter<'a> for MailParameter<'a> {
    const KEYWORDS: &'static [&'static str] = &KEYWORDS;

    fn typed(index: usize, raw: RawParam<'a>, options: &CommandOptions) -> Checked<'a, Self> {
        if matches!(index, 2 | 6) {
            no_value(&raw)?;
            return Ok(if index == 2 { Self::SmtpUtf8 } else { Self::RequireTls });
        }

        let value = required_value(&raw)?;
        let param = match index {
            0 => Self::Size(size_value(value)?),
            1 => Self::Body(body_value(value)?),
            3 => Self::Ret(ret_value(value)?),
            4 => Self::EnvId(envid_parameter(value)?),
            5 => Self::Auth(auth_param(value, options)?),
            7 => Self::MtPriority(priority_value(value)?),
            8 => Self::HoldFor(holdfor_value(value)?),
            9 => {
                date_time(value)?;
                Self::HoldUntil(DateTime(Cow::Borrowed(value.text)))
            }
            _ => Self::By(by_value(value)?),
        };
        Ok(param)
    }

    fn untyped(keyword: EsmtpKeyword<'a>, value: Option<EsmtpValue<'a>>) -> Self {
        Self::Other { keyword, value }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::params::values::{ByMode, ENVID_LIMIT};

    fn parse(input: &[u8]) -> Result<MailParameters<'_>, ParseError> {
        MailParameters::parse(input, &CommandOptions::default())
    }

    fn written(params: &MailParameters<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        params.write_to(&mut out);
        out.split_off(1)
    }

    fn envid(text: &str) -> MailParameter<'_> {
        MailParameter::EnvId(EnvId::new(text).expect("valid ENVID"))
    }

    fn auth(text: &str) -> MailParameter<'_> {
        MailParameter::Auth(Some(AuthAddress::new(text).expect("valid address")))
    }

    fn by(time: i32, mode: ByMode, trace: bool) -> MailParameter<'static> {
        MailParameter::By(DeliverBy::new(time, mode, trace).expect("valid BY"))
    }

    fn priority(value: i8) -> MailParameter<'static> {
        MailParameter::MtPriority(Priority::new(value).expect("valid priority"))
    }

    fn other<'a>(keyword: &'a str, value: Option<&'a str>) -> MailParameter<'a> {
        let keyword = EsmtpKeyword::new(keyword).expect("valid keyword");
        let value = value.map(|value| EsmtpValue::new(value).expect("valid value"));
        MailParameter::other(keyword, value).expect("not a typed keyword")
    }

    #[test]
    fn mail_parameters_parse_and_write_canonically() {
        let long_envid = "x".repeat(ENVID_LIMIT);
        let long_envid_param = format!("ENVID={long_envid}");
        let table: Vec<(&[u8], Vec<MailParameter<'_>>, &[u8])> = vec![
            // RFC 1870 §3, RFC 3461 §4.3 and §4.4, RFC 4954 §5.
            (b"SIZE=500000", vec![MailParameter::Size(500_000)], b"SIZE=500000"),
            (
                b"RET=HDRS ENVID=QQ314159",
                vec![MailParameter::Ret(Ret::Hdrs), envid("QQ314159")],
                b"RET=HDRS ENVID=QQ314159",
            ),
            (
                b"AUTH=e+3Dmc2@example.com",
                vec![auth("e=mc2@example.com")],
                b"AUTH=e+3Dmc2@example.com",
            ),
            (b"AUTH=<>", vec![MailParameter::Auth(None)], b"AUTH=<>"),
            (b"AUTH=+3C+3E", vec![MailParameter::Auth(None)], b"AUTH=<>"),
            // RFC 2852 §4, RFC 6710 §3, RFC 4865 §4.
            (b"BY=120;R", vec![by(120, ByMode::Return, false)], b"BY=120;R"),
            (b"BY=-5;nt", vec![by(-5, ByMode::Notify, true)], b"BY=-5;NT"),
            (b"BY=+000000030;R", vec![by(30, ByMode::Return, false)], b"BY=30;R"),
            (b"MT-PRIORITY=3", vec![priority(3)], b"MT-PRIORITY=3"),
            (b"mt-priority=-9", vec![priority(-9)], b"MT-PRIORITY=-9"),
            (b"MT-PRIORITY=+4", vec![priority(4)], b"MT-PRIORITY=4"),
            (
                b"HOLDFOR=600",
                vec![MailParameter::HoldFor(HoldForSeconds::new(600).expect("valid"))],
                b"HOLDFOR=600",
            ),
            (
                b"HOLDUNTIL=2014-04-03T23:01:00Z",
                vec![MailParameter::HoldUntil(
                    DateTime::new("2014-04-03T23:01:00Z").expect("valid"),
                )],
                b"HOLDUNTIL=2014-04-03T23:01:00Z",
            ),
            (
                b"size=007 body=binarymime smtputf8 requiretls",
                vec![
                    MailParameter::Size(7),
                    MailParameter::Body(BodyType::BinaryMime),
                    MailParameter::SmtpUtf8,
                    MailParameter::RequireTls,
                ],
                b"SIZE=7 BODY=BINARYMIME SMTPUTF8 REQUIRETLS",
            ),
            (
                b"BODY=7bit RET=full Body=8BitMime",
                vec![MailParameter::Body(BodyType::SevenBit), MailParameter::Ret(Ret::Full)],
                b"",
            ),
            (
                b"SIZE=18446744073709551615",
                vec![MailParameter::Size(u64::MAX)],
                b"SIZE=18446744073709551615",
            ),
            (b"ENVID=a+2Bb+20c", vec![envid("a+b c")], b"ENVID=a+2Bb+20c"),
            (b"ENVID=+41B", vec![envid("AB")], b"ENVID=AB"),
            (b"ENVID=+C3+A9t+C3+A9", vec![envid("été")], b"ENVID=+C3+A9t+C3+A9"),
            (long_envid_param.as_bytes(), vec![envid(&long_envid)], long_envid_param.as_bytes()),
            (
                b"X-Trace=abc X-Flag X-Trace=d",
                vec![
                    other("X-Trace", Some("abc")),
                    other("X-Flag", None),
                    other("X-Trace", Some("d")),
                ],
                b"X-Trace=abc X-Flag X-Trace=d",
            ),
            (
                "X-Name=Jörg".as_bytes(),
                vec![other("X-Name", Some("Jörg"))],
                "X-Name=Jörg".as_bytes(),
            ),
            (b"NOTIFY=NEVER", vec![other("NOTIFY", Some("NEVER"))], b"NOTIFY=NEVER"),
        ];
        for (input, expected, output) in table {
            let result = parse(input);
            if output.is_empty() {
                // A duplicate after valid parameters: only the error matters.
                assert!(result.is_err(), "{input:?}");
                continue;
            }
            let params = result.expect("valid parameters");
            assert_eq!(params.iter().cloned().collect::<Vec<_>>(), expected, "{input:?}");
            assert_eq!(written(&params), output, "{input:?}");
        }
    }

    #[test]
    fn mail_parameters_refuse_bad_input_at_the_offending_byte() {
        let long_envid = format!("ENVID={}", "x".repeat(ENVID_LIMIT + 1));
        let table: Vec<(&[u8], usize, ErrorKind)> = vec![
            (b"SIZE=x", 5, ErrorKind::Syntax { expected: "size-value" }),
            (b"SIZE=12a", 7, ErrorKind::Syntax { expected: "size-value" }),
            (b"SIZE=18446744073709551616", 5, ErrorKind::OutOfRange { element: "size-value" }),
            (b"SIZE=000000000000000000001", 5, ErrorKind::OutOfRange { element: "size-value" }),
            (b"SIZE", 4, ErrorKind::Syntax { expected: "\"=\"" }),
            (b"SIZE BODY=7BIT", 4, ErrorKind::Syntax { expected: "\"=\"" }),
            (b"SIZE=1 size=2", 7, ErrorKind::DuplicateParameter { keyword: "SIZE" }),
            (b"BODY=9BIT", 5, ErrorKind::Syntax { expected: "body-value" }),
            (b"SMTPUTF8=yes", 8, ErrorKind::Syntax { expected: "no value" }),
            (b"REQUIRETLS=1", 10, ErrorKind::Syntax { expected: "no value" }),
            (b"RET=ALL", 4, ErrorKind::Syntax { expected: "ret-value" }),
            (long_envid.as_bytes(), 106, ErrorKind::TooLong { element: "envid", limit: 100 }),
            (b"ENVID=a+3d", 9, ErrorKind::Syntax { expected: "hexchar" }),
            (b"ENVID=a+0D", 7, ErrorKind::Syntax { expected: "printable character" }),
            (b"ENVID=a+FF", 7, ErrorKind::NonAscii),
            (b"AUTH=e=mc2@example.com", 6, ErrorKind::Syntax { expected: "esmtp-value" }),
            (b"AUTH=<> AUTH=<>", 8, ErrorKind::DuplicateParameter { keyword: "AUTH" }),
            (b"MT-PRIORITY=10", 12, ErrorKind::OutOfRange { element: "priority-value" }),
            (b"MT-PRIORITY=x", 12, ErrorKind::Syntax { expected: "priority-value" }),
            (b"MT-PRIORITY=+", 13, ErrorKind::Syntax { expected: "priority-value" }),
            (b"MT-PRIORITY=1x", 13, ErrorKind::Syntax { expected: "priority-value" }),
            (b"HOLDFOR=1234567890", 8, ErrorKind::OutOfRange { element: "holdfor-value" }),
            (b"HOLDFOR=6m", 9, ErrorKind::Syntax { expected: "holdfor-value" }),
            (b"HOLDUNTIL=2014-04-03", 20, ErrorKind::Syntax { expected: "\"T\"" }),
            (b"HOLDUNTIL=2014-04-31T00:00:00Z", 18, ErrorKind::OutOfRange { element: "date-mday" }),
            (b"BY=120", 6, ErrorKind::Syntax { expected: "\";\"" }),
            (b"BY=;R", 3, ErrorKind::Syntax { expected: "by-time" }),
            (b"BY=-;R", 4, ErrorKind::Syntax { expected: "by-time" }),
            (b"BY=1234567890;R", 3, ErrorKind::OutOfRange { element: "by-time" }),
            (b"BY=120;X", 7, ErrorKind::Syntax { expected: "by-mode" }),
            (b"BY=120;", 7, ErrorKind::Syntax { expected: "by-mode" }),
            (b"BY=120;RX", 8, ErrorKind::Syntax { expected: "by-trace" }),
            (b"BY=120;RTT", 9, ErrorKind::Syntax { expected: "end of by-value" }),
            (b"", 0, ErrorKind::Syntax { expected: "esmtp-keyword" }),
            (b" SIZE=1", 0, ErrorKind::Syntax { expected: "esmtp-keyword" }),
            (b"SIZE=1  BODY=7BIT", 7, ErrorKind::Syntax { expected: "esmtp-keyword" }),
            (b"SIZE=1 ", 7, ErrorKind::Syntax { expected: "esmtp-keyword" }),
            (b"-X=1", 0, ErrorKind::Syntax { expected: "esmtp-keyword" }),
            (b"SI_ZE=1", 2, ErrorKind::Syntax { expected: "\"=\"" }),
            ("Xé".as_bytes(), 1, ErrorKind::Syntax { expected: "esmtp-keyword" }),
            (b"SIZE=1\r\nRSET", 6, ErrorKind::Syntax { expected: "esmtp-value" }),
            (b"X=a\0", 3, ErrorKind::Syntax { expected: "esmtp-value" }),
            (b"X=", 2, ErrorKind::Syntax { expected: "esmtp-value" }),
            (b"X=\xC3(", 2, ErrorKind::NonAscii),
            // Errors in a parameter that is not the last point at the same
            // bytes.
            (b"SIZE=x BODY=7BIT", 5, ErrorKind::Syntax { expected: "size-value" }),
            (b"ENVID=a+0D SIZE=1", 7, ErrorKind::Syntax { expected: "printable character" }),
            (b"BY=120;RX SIZE=1", 8, ErrorKind::Syntax { expected: "by-trace" }),
            (
                b"HOLDUNTIL=2014-04-03T23:01:00 SIZE=1",
                29,
                ErrorKind::Syntax { expected: "time-offset" },
            ),
        ];
        for (input, offset, kind) in table {
            let error = parse(input).expect_err("invalid parameters");
            assert_eq!((error.offset(), error.kind()), (offset, &kind), "{input:?}");
        }
    }

    #[test]
    fn mail_parameters_refuse_utf8_when_it_is_not_allowed() {
        let options = CommandOptions { allow_utf8: false, ..CommandOptions::default() };
        let error = MailParameters::parse("SIZE=1 X-A=é".as_bytes(), &options).expect_err("UTF-8");
        assert_eq!((error.offset(), error.kind()), (11, &ErrorKind::NonAscii));
        assert_eq!(error.server_reply().0.get(), 553);
    }

    #[test]
    fn auth_takes_a_mailbox_or_the_null_address() {
        let table: &[(&[u8], Option<&str>)] = &[
            (b"AUTH=e+3Dmc2@example.com", Some("e=mc2@example.com")),
            (b"AUTH=+22a+20b+22@[192.0.2.1]", Some("\"a b\"@[192.0.2.1]")),
            (b"AUTH=j+C3+B6rg@b+C3+BCcher.example", Some("jörg@bücher.example")),
            (b"AUTH=postmaster@[IPv6:2001:db8::1]", Some("postmaster@[IPv6:2001:db8::1]")),
            (b"AUTH=+3C+3E", None),
        ];
        for &(input, address) in table {
            let params = parse(input).expect("a valid AUTH");
            let auth = params.auth().map(|auth| auth.map(AuthAddress::as_str));
            assert_eq!(auth, Some(address), "{input:?}");
        }
    }

    #[test]
    fn auth_refuses_a_value_that_is_no_mailbox_at_its_first_byte() {
        let table: &[(&[u8], usize)] = &[
            (b"AUTH=nobody", 5),
            (b"AUTH=nobody@", 5),
            (b"AUTH=@example.org", 5),
            (b"AUTH=a..b@example.org", 5),
            (b"AUTH=a+20b@example.org", 5),
            (b"AUTH=a@example.org+20x", 5),
            (b"AUTH=a@-b.example", 5),
            (b"AUTH=<a@example.org>", 5),
            (b"AUTH=+3Ca@example.org+3E", 5),
            (b"SIZE=1 AUTH=nobody", 12),
            (b"AUTH=nobody SIZE=1", 5),
        ];
        for &(input, offset) in table {
            let error = parse(input).expect_err("not a mailbox");
            let expected = ErrorKind::Syntax { expected: "addr-spec" };
            assert_eq!((error.offset(), error.kind()), (offset, &expected), "{input:?}");
        }

        // An xtext that spells UTF-8 is no mailbox where UTF-8 is not allowed.
        let options = CommandOptions { allow_utf8: false, ..CommandOptions::default() };
        let error =
            MailParameters::parse(b"AUTH=j+C3+B6rg@example.org", &options).expect_err("UTF-8");
        assert_eq!(
            (error.offset(), error.kind()),
            (5, &ErrorKind::Syntax { expected: "addr-spec" })
        );
    }

    #[test]
    fn lookups_find_each_typed_parameter() {
        let input = b"SIZE=1 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=id AUTH=a@b REQUIRETLS \
            MT-PRIORITY=-2 HOLDFOR=60 HOLDUNTIL=2020-01-01T00:00:00Z BY=5;N X-A=1";
        let params = parse(input).expect("valid");
        assert_eq!(params.len(), 12);
        assert_eq!(params.size(), Some(1));
        assert_eq!(params.body(), Some(BodyType::EightBitMime));
        assert!(params.smtputf8() && params.requiretls());
        assert_eq!(params.ret(), Some(Ret::Full));
        assert_eq!(params.envid().map(EnvId::as_str), Some("id"));
        assert_eq!(params.auth().map(|a| a.map(AuthAddress::as_str)), Some(Some("a@b")));
        assert_eq!(params.mt_priority().map(Priority::get), Some(-2));
        assert_eq!(params.hold_for().map(HoldForSeconds::get), Some(60));
        assert_eq!(params.hold_until().map(DateTime::as_str), Some("2020-01-01T00:00:00Z"));
        assert_eq!(params.by().map(DeliverBy::time), Some(5));
        assert_eq!(params.get("x-a"), Some(&other("X-A", Some("1"))));
        assert_eq!(params.get("size"), Some(&MailParameter::Size(1)));
        assert_eq!(written(&params.clone().into_owned()), input.to_vec());

        let empty = MailParameters::new();
        assert!(empty.is_empty() && empty.size().is_none() && !empty.smtputf8());
        assert!(empty.auth().is_none());
    }

    #[test]
    fn push_refuses_a_second_typed_parameter_only() {
        let mut params = MailParameters::new();
        params.push(MailParameter::Size(1)).expect("first SIZE");
        let error = params.push(MailParameter::Size(2)).expect_err("second SIZE");
        assert_eq!(error.kind(), &ErrorKind::DuplicateParameter { keyword: "SIZE" });
        params.push(other("X", None)).expect("first X");
        params.push(other("X", None)).expect("others may repeat");
        assert_eq!(params.len(), 3);
    }

    #[test]
    fn constructors_refuse_what_cannot_be_written() {
        let table: Vec<(Result<(), ParseError>, usize, ErrorKind)> = vec![
            (EnvId::new("").map(drop), 0, ErrorKind::Syntax { expected: "xtext" }),
            (
                EnvId::new("id\r\nRSET").map(drop),
                2,
                ErrorKind::Syntax { expected: "printable character" },
            ),
            (
                EnvId::new("=".repeat(34)).map(drop),
                33,
                ErrorKind::TooLong { element: "envid", limit: 100 },
            ),
            (AuthAddress::new("<>").map(drop), 0, ErrorKind::Syntax { expected: "addr-spec" }),
            (AuthAddress::new("").map(drop), 0, ErrorKind::Syntax { expected: "addr-spec" }),
            (
                AuthAddress::new("a\0b").map(drop),
                1,
                ErrorKind::Syntax { expected: "printable character" },
            ),
            (Priority::new(-10).map(drop), 0, ErrorKind::OutOfRange { element: "priority-value" }),
            (
                HoldForSeconds::new(u32::MAX).map(drop),
                0,
                ErrorKind::OutOfRange { element: "holdfor-value" },
            ),
            (
                DeliverBy::new(i32::MIN, ByMode::Notify, false).map(drop),
                0,
                ErrorKind::OutOfRange { element: "by-time" },
            ),
            (
                MailParameter::other(EsmtpKeyword::new("Mt-Priority").expect("valid"), None)
                    .map(drop),
                0,
                ErrorKind::Syntax { expected: "esmtp-keyword without a typed variant" },
            ),
        ];
        for (index, (result, offset, kind)) in table.into_iter().enumerate() {
            let error = result.expect_err("refused");
            assert_eq!((error.offset(), error.kind()), (offset, &kind), "case {index}");
        }
        assert!(EnvId::new("=".repeat(33) + "a").is_ok(), "99 octets encoded");
    }
}
