//! The typed values of MAIL parameters: BODY (RFC 6152, RFC 3030), RET and
//! ENVID (RFC 3461), AUTH (RFC 4954), MT-PRIORITY (RFC 6710), HOLDFOR
//! (RFC 4865) and BY (RFC 2852), each with its checking constructor and
//! the parser of its esmtp-value.

use std::borrow::Cow;

use super::{check_text, push_signed, rest, text_accessors, Value};
use crate::address::{mailbox, whole};
use crate::error::{ErrorKind, Failure, ParseError};
use crate::options::CommandOptions;
use crate::text::Text;
use crate::xtext;

/// The limit on an ENVID value in octets, in its xtext form
/// (RFC 3461 §4.4).
pub const ENVID_LIMIT: usize = 100;

/// The limit on a HOLDFOR value and on the size of a BY time: nine digits
/// (RFC 4865 §4, RFC 2852 §4).
const NINE_DIGITS_MAX: u32 = 999_999_999;

/// The body type of the BODY parameter.
///
/// ```abnf
/// body-value = "7BIT" / "8BITMIME" / "BINARYMIME"
/// ```
/// RFC 6152 §3, RFC 3030 §3 (edited: one rule for both). Case-insensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyType {
    /// `7BIT`: lines of 7-bit ASCII.
    SevenBit,
    /// `8BITMIME`: lines that may hold 8-bit octets (RFC 6152).
    EightBitMime,
    /// `BINARYMIME`: any octets, sent with BDAT (RFC 3030).
    BinaryMime,
}

impl BodyType {
    /// The canonical, upper-case value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SevenBit => "7BIT",
            Self::EightBitMime => "8BITMIME",
            Self::BinaryMime => "BINARYMIME",
        }
    }
}

/// What a delivery status notification returns, from RET.
///
/// ```abnf
/// ret-value = "FULL" / "HDRS"
/// ```
/// RFC 3461 §4.3. Case-insensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ret {
    /// `FULL`: the whole message.
    Full,
    /// `HDRS`: the header section only.
    Hdrs,
}

impl Ret {
    /// The canonical, upper-case value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Hdrs => "HDRS",
        }
    }
}

/// The envelope identifier of ENVID, decoded from xtext.
///
/// ```abnf
/// envid-parameter = "ENVID=" xtext
/// ```
/// RFC 3461 §4.4: at most 100 octets in xtext form. An identifier holds no
/// control characters; spaces and non-ASCII text are allowed, and are
/// encoded when written.
///
/// ```
/// use smtpkit_codec::EnvId;
///
/// assert_eq!(EnvId::new("QQ314159").expect("valid").as_str(), "QQ314159");
/// assert_eq!(EnvId::new("QQ\r\n").expect_err("a CR").offset(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvId<'a>(Cow<'a, str>);

impl<'a> EnvId<'a> {
    /// Checks `text` as a decoded envelope identifier.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at 0 for an empty identifier or at a control
    /// character; [`ErrorKind::TooLong`] at the first character whose
    /// encoding ends past [`ENVID_LIMIT`].
    pub fn new(text: impl Into<Cow<'a, str>>) -> Result<Self, ParseError> {
        let text = text.into();
        check_text(&text, "xtext")?;
        let mut encoded = 0;
        for (offset, c) in text.char_indices() {
            encoded += xtext::encoded_len(c.encode_utf8(&mut [0; 4]));
            if encoded > ENVID_LIMIT {
                let kind = ErrorKind::TooLong { element: "envid", limit: ENVID_LIMIT };
                return Err(ParseError::new(offset, kind));
            }
        }
        Ok(Self(text))
    }
}

text_accessors!(EnvId: "The decoded identifier.", "The same identifier, owning its text.");

/// The address of the AUTH parameter, decoded from xtext: a mailbox.
///
/// ```abnf
/// auth-param = "AUTH=" xtext
///              ; the decoded form of the xtext MUST be
///              ; either a <mailbox> or the two characters "<>"
/// ```
/// RFC 4954 §5 and §8. The mailbox is RFC 5321's `Mailbox` (§4.1.2), with
/// the UTF-8 of RFC 6531 §3.3, which RFC 2554 called an addr-spec; errors
/// name it so. `<>` is not an address: it is `MailParameter::Auth(None)`.
///
/// RFC 4954 §5 has a server that does not trust the client behave as if
/// `AUTH=<>` had been given, and only log what was sent. That is a matter
/// of trust in a well-formed value, for the server to decide; the RFC does
/// not ask for a malformed value to be taken as `<>`, and §8 says the
/// decoded value MUST be a mailbox or `<>`. So a value that is neither is
/// a syntax error, answered with 501 5.5.4 like any other.
///
/// ```
/// use smtpkit_codec::AuthAddress;
///
/// assert_eq!(AuthAddress::new("e=mc2@example.com").expect("valid").as_str(), "e=mc2@example.com");
/// assert!(AuthAddress::new("<>").is_err());
/// assert_eq!(AuthAddress::new("nobody").expect_err("no domain").offset(), 6);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthAddress<'a>(Cow<'a, str>);

impl<'a> AuthAddress<'a> {
    /// Checks `text` as a decoded AUTH address: a mailbox, UTF-8 allowed.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at 0 for an empty address or `<>`, or at a
    /// control character; otherwise the error of the mailbox grammar, with
    /// its offset into `text`.
    pub fn new(text: impl Into<Cow<'a, str>>) -> Result<Self, ParseError> {
        let text = text.into();
        check_text(&text, "addr-spec")?;
        if text == "<>" {
            return Err(ParseError::new(0, ErrorKind::Syntax { expected: "addr-spec" }));
        }
        whole(text.as_bytes(), |input| mailbox(input, &CommandOptions::default(), Text::none()))?;
        Ok(Self(text))
    }
}

text_accessors!(AuthAddress: "The decoded address.", "The same address, owning its text.");

/// The priority of MT-PRIORITY, from -9 to 9.
///
/// ```abnf
/// priority-value = [ "+" / "-" ] DIGIT
/// ```
/// RFC 6710 §3. Written without a `+`.
///
/// ```
/// use smtpkit_codec::Priority;
///
/// assert_eq!(Priority::new(-3).expect("in range").get(), -3);
/// assert!(Priority::new(10).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(i8);

impl Priority {
    /// Checks that `value` is within -9 to 9.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfRange`] at offset 0.
    pub fn new(value: i8) -> Result<Self, ParseError> {
        if !(-9..=9).contains(&value) {
            return Err(ParseError::new(0, ErrorKind::OutOfRange { element: "priority-value" }));
        }
        Ok(Self(value))
    }

    /// The priority.
    pub fn get(self) -> i8 {
        self.0
    }
}

/// The hold time of HOLDFOR in seconds, at most nine digits.
///
/// ```abnf
/// holdfor-value = 1*9DIGIT
/// ```
/// RFC 4865 §4.
///
/// ```
/// use smtpkit_codec::HoldForSeconds;
///
/// assert_eq!(HoldForSeconds::new(600).expect("in range").get(), 600);
/// assert!(HoldForSeconds::new(1_000_000_000).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HoldForSeconds(u32);

impl HoldForSeconds {
    /// Checks that `seconds` has at most nine digits.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfRange`] at offset 0.
    pub fn new(seconds: u32) -> Result<Self, ParseError> {
        if seconds > NINE_DIGITS_MAX {
            return Err(ParseError::new(0, ErrorKind::OutOfRange { element: "holdfor-value" }));
        }
        Ok(Self(seconds))
    }

    /// The seconds.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// What happens when a BY deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByMode {
    /// `N`: deliver anyway and notify the sender.
    Notify,
    /// `R`: return the message as undeliverable.
    Return,
}

/// The deliver-by request of the BY parameter.
///
/// ```abnf
/// by-value = by-time ";" by-mode [ by-trace ]
/// by-time  = [ "-" / "+" ] 1*9digit
/// by-mode  = "N" / "R"
/// by-trace = "T"
/// ```
/// RFC 2852 §4. Mode and trace letters are case-insensitive and written
/// upper-case; the time is written without a `+`. Whether a time of zero
/// or less suits the mode is for the server to judge (RFC 2852 §4.1).
///
/// ```
/// use smtpkit_codec::{ByMode, DeliverBy};
///
/// let by = DeliverBy::new(120, ByMode::Return, false).expect("in range");
/// assert_eq!((by.time(), by.mode(), by.trace()), (120, ByMode::Return, false));
/// assert!(DeliverBy::new(1_000_000_000, ByMode::Notify, false).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliverBy {
    time: i32,
    mode: ByMode,
    trace: bool,
}

impl DeliverBy {
    /// Checks that `time` has at most nine digits.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfRange`] at offset 0.
    pub fn new(time: i32, mode: ByMode, trace: bool) -> Result<Self, ParseError> {
        if time.unsigned_abs() > NINE_DIGITS_MAX {
            return Err(ParseError::new(0, ErrorKind::OutOfRange { element: "by-time" }));
        }
        Ok(Self { time, mode, trace })
    }

    /// Seconds from the start of the transaction until the deadline.
    pub fn time(self) -> i32 {
        self.time
    }

    /// What to do when the deadline passes.
    pub fn mode(self) -> ByMode {
        self.mode
    }

    /// True when the sender asked for trace notifications (`T`).
    pub fn trace(self) -> bool {
        self.trace
    }

    /// Writes the by-value.
    pub(super) fn write_to(self, out: &mut Vec<u8>) {
        push_signed(out, self.time.into());
        out.extend_from_slice(match self.mode {
            ByMode::Notify => b";N",
            ByMode::Return => b";R",
        });
        if self.trace {
            out.push(b'T');
        }
    }
}

/// Reads the value of SIZE.
///
/// ```abnf
/// size-value = 1*20DIGIT
/// ```
/// RFC 1870 §3; the value must also fit in 64 bits.
pub(super) fn size_value(value: Value<'_>) -> Result<u64, nom::Err<Failure<'_>>> {
    let bytes = value.bytes();
    if let Some(bad) = bytes.iter().position(|b| !b.is_ascii_digit()) {
        return Err(value.expected(bad, "size-value"));
    }
    let out_of_range = || value.fail(0, ErrorKind::OutOfRange { element: "size-value" });
    if bytes.len() > 20 {
        return Err(out_of_range());
    }
    bytes.iter().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|acc| acc.checked_add(u64::from(b - b'0')))
            .ok_or_else(out_of_range)
    })
}

/// Reads the value of BODY.
///
/// ```abnf
/// body-value = "7BIT" / "8BITMIME" / "BINARYMIME"
/// ```
/// RFC 6152 §3, RFC 3030 §3.
pub(super) fn body_value(value: Value<'_>) -> Result<BodyType, nom::Err<Failure<'_>>> {
    [BodyType::SevenBit, BodyType::EightBitMime, BodyType::BinaryMime]
        .into_iter()
        .find(|body| body.as_str().eq_ignore_ascii_case(value.text))
        .ok_or_else(|| value.expected(0, "body-value"))
}

/// Reads the value of RET.
///
/// ```abnf
/// ret-value = "FULL" / "HDRS"
/// ```
/// RFC 3461 §4.3.
pub(super) fn ret_value(value: Value<'_>) -> Result<Ret, nom::Err<Failure<'_>>> {
    [Ret::Full, Ret::Hdrs]
        .into_iter()
        .find(|ret| ret.as_str().eq_ignore_ascii_case(value.text))
        .ok_or_else(|| value.expected(0, "ret-value"))
}

/// Reads the value of ENVID, at most 100 octets of xtext.
///
/// ```abnf
/// envid-parameter = "ENVID=" xtext
/// ```
/// RFC 3461 §4.4.
pub(super) fn envid_parameter(value: Value<'_>) -> Result<EnvId<'_>, nom::Err<Failure<'_>>> {
    if value.text.len() > ENVID_LIMIT {
        let kind = ErrorKind::TooLong { element: "envid", limit: ENVID_LIMIT };
        return Err(value.fail(ENVID_LIMIT, kind));
    }
    Ok(EnvId(value.xtext()?))
}

/// Reads the value of AUTH: `<>` or a mailbox, both as xtext.
///
/// ```abnf
/// auth-param = "AUTH=" xtext
///              ; the decoded form of the xtext MUST be
///              ; either a <mailbox> or the two characters "<>"
/// ```
/// RFC 4954 §5 and §8. The mailbox may hold UTF-8 where `options` allow
/// it. A decoded value that is not a mailbox fails at the value's first
/// byte, as offsets into the decoded text do not point into the line (see
/// [`AuthAddress`] for why it fails rather than counting as `<>`).
pub(super) fn auth_param<'a>(
    value: Value<'a>,
    options: &CommandOptions,
) -> Result<Option<AuthAddress<'a>>, nom::Err<Failure<'a>>> {
    let text = value.xtext()?;
    if text == "<>" {
        return Ok(None);
    }
    if whole(text.as_bytes(), |input| mailbox(input, options, Text::none())).is_err() {
        return Err(value.expected(0, "addr-spec"));
    }
    Ok(Some(AuthAddress(text)))
}

/// Reads the value of MT-PRIORITY.
///
/// ```abnf
/// priority-value = [ "+" / "-" ] DIGIT
/// ```
/// RFC 6710 §3.
pub(super) fn priority_value(value: Value<'_>) -> Result<Priority, nom::Err<Failure<'_>>> {
    let bytes = value.bytes();
    let sign = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digit = match bytes.get(sign) {
        Some(b @ b'0'..=b'9') => (b - b'0') as i8,
        _ => return Err(value.expected(sign, "priority-value")),
    };
    match bytes.get(sign + 1) {
        None if bytes[0] == b'-' => Ok(Priority(-digit)),
        None => Ok(Priority(digit)),
        Some(b) if b.is_ascii_digit() => {
            Err(value.fail(0, ErrorKind::OutOfRange { element: "priority-value" }))
        }
        Some(_) => Err(value.expected(sign + 1, "priority-value")),
    }
}

/// Reads the value of HOLDFOR.
///
/// ```abnf
/// holdfor-value = 1*9DIGIT
/// ```
/// RFC 4865 §4.
pub(super) fn holdfor_value(value: Value<'_>) -> Result<HoldForSeconds, nom::Err<Failure<'_>>> {
    let bytes = value.bytes();
    if let Some(bad) = bytes.iter().position(|b| !b.is_ascii_digit()) {
        return Err(value.expected(bad, "holdfor-value"));
    }
    if bytes.len() > 9 {
        return Err(value.fail(0, ErrorKind::OutOfRange { element: "holdfor-value" }));
    }
    Ok(HoldForSeconds(bytes.iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))))
}

/// Reads the value of BY.
///
/// ```abnf
/// by-value = by-time ";" by-mode [ by-trace ]
/// by-time  = [ "-" / "+" ] 1*9digit
/// by-mode  = "N" / "R"
/// by-trace = "T"
/// ```
/// RFC 2852 §4.
pub(super) fn by_value(value: Value<'_>) -> Result<DeliverBy, nom::Err<Failure<'_>>> {
    let bytes = value.bytes();
    let sign = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits = rest(bytes, sign).iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return Err(value.expected(sign, "by-time"));
    }
    if digits > 9 {
        return Err(value.fail(0, ErrorKind::OutOfRange { element: "by-time" }));
    }
    let magnitude =
        bytes[sign..sign + digits].iter().fold(0i32, |acc, b| acc * 10 + i32::from(b - b'0'));
    let time = if bytes.first() == Some(&b'-') { -magnitude } else { magnitude };

    let at = sign + digits;
    if bytes.get(at) != Some(&b';') {
        return Err(value.expected(at, "\";\""));
    }
    let mode = match bytes.get(at + 1) {
        Some(b'N' | b'n') => ByMode::Notify,
        Some(b'R' | b'r') => ByMode::Return,
        _ => return Err(value.expected(at + 1, "by-mode")),
    };
    let trace = matches!(bytes.get(at + 2), Some(b'T' | b't'));
    let end = at + 2 + usize::from(trace);
    if end < bytes.len() {
        return Err(value.expected(end, if trace { "end of by-value" } else { "by-trace" }));
    }
    Ok(DeliverBy { time, mode, trace })
}
