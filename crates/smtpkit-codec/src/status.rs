//! Reply codes (RFC 5321 §4.2) and enhanced status codes (RFC 3463, RFC 2034).
//!
//! These two small types are shared by the reply parser, by the errors of
//! every parser (which name the reply a server should send) and by the reply
//! constructors a server uses.

use std::fmt;

/// A three-digit SMTP reply code such as `250` or `550`.
///
/// ```abnf
/// Reply-code = %x32-35 %x30-35 %x30-39
/// ```
/// RFC 5321 §4.2. The first digit is the class (2 to 5), the second the
/// category (0 to 5), the third a detail digit.
///
/// ```
/// use smtpkit_codec::{ReplyClass, ReplyCode};
///
/// let code = ReplyCode::new(451).expect("451 is a valid reply code");
/// assert_eq!(code.class(), ReplyClass::TransientNegative);
/// assert!(ReplyCode::new(199).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplyCode(u16);

impl ReplyCode {
    /// `220` service ready.
    pub const SERVICE_READY: Self = Self(220);
    /// `221` service closing transmission channel.
    pub const CLOSING: Self = Self(221);
    /// `235` authentication succeeded (RFC 4954).
    pub const AUTH_SUCCEEDED: Self = Self(235);
    /// `250` requested action okay, completed.
    pub const OK: Self = Self(250);
    /// `251` user not local; will forward.
    pub const USER_NOT_LOCAL_WILL_FORWARD: Self = Self(251);
    /// `252` cannot verify the user, but will accept the message.
    pub const CANNOT_VERIFY: Self = Self(252);
    /// `334` server challenge during AUTH (RFC 4954).
    pub const AUTH_CHALLENGE: Self = Self(334);
    /// `354` start mail input; end with `<CRLF>.<CRLF>`.
    pub const START_MAIL_INPUT: Self = Self(354);
    /// `421` service not available, closing transmission channel.
    pub const SERVICE_NOT_AVAILABLE: Self = Self(421);
    /// `450` mailbox unavailable (transient).
    pub const MAILBOX_BUSY: Self = Self(450);
    /// `451` local error in processing.
    pub const LOCAL_ERROR: Self = Self(451);
    /// `452` insufficient system storage.
    pub const INSUFFICIENT_STORAGE: Self = Self(452);
    /// `500` syntax error, command unrecognized or line too long.
    pub const SYNTAX_ERROR: Self = Self(500);
    /// `501` syntax error in parameters or arguments.
    pub const SYNTAX_ERROR_IN_PARAMETERS: Self = Self(501);
    /// `502` command not implemented.
    pub const NOT_IMPLEMENTED: Self = Self(502);
    /// `503` bad sequence of commands.
    pub const BAD_SEQUENCE: Self = Self(503);
    /// `504` command parameter not implemented.
    pub const PARAMETER_NOT_IMPLEMENTED: Self = Self(504);
    /// `521` host does not accept mail (RFC 7504).
    pub const DOES_NOT_ACCEPT_MAIL: Self = Self(521);
    /// `530` authentication required (RFC 4954).
    pub const AUTH_REQUIRED: Self = Self(530);
    /// `535` authentication credentials invalid (RFC 4954).
    pub const AUTH_INVALID: Self = Self(535);
    /// `550` mailbox unavailable (permanent).
    pub const MAILBOX_UNAVAILABLE: Self = Self(550);
    /// `551` user not local.
    pub const USER_NOT_LOCAL: Self = Self(551);
    /// `552` exceeded storage allocation.
    pub const EXCEEDED_STORAGE: Self = Self(552);
    /// `553` mailbox name not allowed.
    pub const MAILBOX_NAME_NOT_ALLOWED: Self = Self(553);
    /// `554` transaction failed.
    pub const TRANSACTION_FAILED: Self = Self(554);
    /// `555` MAIL FROM / RCPT TO parameters not recognized or not implemented.
    pub const PARAMETERS_NOT_RECOGNIZED: Self = Self(555);

    /// Checks `value` against the `Reply-code` grammar.
    ///
    /// Returns `None` when the first digit is not 2 to 5, the second not
    /// 0 to 5, or the value has not three digits.
    pub const fn new(value: u16) -> Option<Self> {
        let (class, category) = (value / 100, value / 10 % 10);
        if class >= 2 && class <= 5 && category <= 5 {
            Some(Self(value))
        } else {
            None
        }
    }

    /// The numeric value, for example `250`.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The class given by the first digit.
    pub const fn class(self) -> ReplyClass {
        match self.0 / 100 {
            2 => ReplyClass::PositiveCompletion,
            3 => ReplyClass::PositiveIntermediate,
            4 => ReplyClass::TransientNegative,
            _ => ReplyClass::PermanentNegative,
        }
    }

    /// The three ASCII digits of the code.
    pub const fn to_ascii(self) -> [u8; 3] {
        let v = self.0;
        [b'0' + (v / 100) as u8, b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8]
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What the first digit of a reply code says (RFC 5321 §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyClass {
    /// `2yz`: the requested action completed.
    PositiveCompletion,
    /// `3yz`: accepted, more information is needed (354, 334).
    PositiveIntermediate,
    /// `4yz`: not done this time; the same request may succeed later.
    TransientNegative,
    /// `5yz`: not done, and repeating the request will not help.
    PermanentNegative,
}

impl ReplyClass {
    /// True for the 2yz and 3yz classes.
    pub const fn is_positive(self) -> bool {
        matches!(self, Self::PositiveCompletion | Self::PositiveIntermediate)
    }

    /// True for 4yz replies.
    pub const fn is_transient(self) -> bool {
        matches!(self, Self::TransientNegative)
    }

    /// True for 5yz replies.
    pub const fn is_permanent(self) -> bool {
        matches!(self, Self::PermanentNegative)
    }
}

/// An enhanced status code such as `5.1.1` (RFC 3463), carried at the start
/// of reply text by servers that offer ENHANCEDSTATUSCODES (RFC 2034).
///
/// ```abnf
/// status-code    = class "." subject "." detail
/// class          = "2" / "4" / "5"
/// subject        = 1*3digit
/// detail         = 1*3digit
/// ```
/// RFC 3463 §2. Subject and detail are kept as numbers, so `5.01.1` and
/// `5.1.1` are the same code and both serialize as `5.1.1`.
///
/// ```
/// use smtpkit_codec::EnhancedStatusCode;
///
/// let code: EnhancedStatusCode = "5.1.1".parse().expect("a valid code");
/// assert_eq!((code.class(), code.subject(), code.detail()), (5, 1, 1));
/// assert!("3.1.1".parse::<EnhancedStatusCode>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedStatusCode {
    class: u8,
    subject: u16,
    detail: u16,
}

impl EnhancedStatusCode {
    /// Builds a code, checking that the class is 2, 4 or 5 and that subject
    /// and detail fit in three digits.
    pub const fn new(class: u8, subject: u16, detail: u16) -> Option<Self> {
        if matches!(class, 2 | 4 | 5) && subject <= 999 && detail <= 999 {
            Some(Self { class, subject, detail })
        } else {
            None
        }
    }

    /// Builds a code known to be valid at compile time.
    const fn known(class: u8, subject: u16, detail: u16) -> Self {
        Self { class, subject, detail }
    }

    /// The class digit: 2, 4 or 5.
    pub const fn class(self) -> u8 {
        self.class
    }

    /// The subject number (the middle part).
    pub const fn subject(self) -> u16 {
        self.subject
    }

    /// The detail number (the last part).
    pub const fn detail(self) -> u16 {
        self.detail
    }

    /// Reads a code at the start of `input`, returning it and the number of
    /// bytes it took. The code must end at the end of `input` or before a
    /// byte that is not a digit or a dot.
    pub(crate) fn parse_prefix(input: &[u8]) -> Option<(Self, usize)> {
        let class = match input.first() {
            Some(b @ (b'2' | b'4' | b'5')) => b - b'0',
            _ => return None,
        };
        if input.get(1) != Some(&b'.') {
            return None;
        }
        let (subject, n1) = three_digits(&input[2..])?;
        if input.get(2 + n1) != Some(&b'.') {
            return None;
        }
        let (detail, n2) = three_digits(&input[3 + n1..])?;
        let end = 3 + n1 + n2;
        match input.get(end) {
            Some(b) if b.is_ascii_digit() || *b == b'.' => None,
            _ => Some((Self { class, subject, detail }, end)),
        }
    }
}

impl EnhancedStatusCode {
    /// Appends the canonical form, as [`fmt::Display`] writes it, without
    /// allocating.
    pub(crate) fn write_to(self, out: &mut Vec<u8>) {
        out.push(b'0' + self.class);
        for number in [self.subject, self.detail] {
            out.push(b'.');
            let digits = [number / 100, number / 10 % 10, number % 10].map(|d| b'0' + d as u8);
            out.extend_from_slice(&digits[3 - decimal_len(number)..]);
        }
    }

    /// The length of the canonical form in octets.
    pub(crate) fn wire_len(self) -> usize {
        3 + decimal_len(self.subject) + decimal_len(self.detail)
    }
}

/// The number of decimal digits of a number below 1000.
fn decimal_len(number: u16) -> usize {
    match number {
        0..=9 => 1,
        10..=99 => 2,
        _ => 3,
    }
}

/// Reads one to three digits at the start of `input`.
fn three_digits(input: &[u8]) -> Option<(u16, usize)> {
    let n = input.iter().take(3).take_while(|b| b.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let value = input[..n].iter().fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
    Some((value, n))
}

impl fmt::Display for EnhancedStatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// The error of parsing an [`EnhancedStatusCode`] from a string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid enhanced status code")]
pub struct InvalidEnhancedStatusCode;

impl std::str::FromStr for EnhancedStatusCode {
    type Err = InvalidEnhancedStatusCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Self::parse_prefix(s.as_bytes()) {
            Some((code, n)) if n == s.len() => Ok(code),
            _ => Err(InvalidEnhancedStatusCode),
        }
    }
}

/// Enhanced status codes a server commonly sends, named after RFC 3463.
impl EnhancedStatusCode {
    /// `2.0.0` other or undefined success.
    pub const OK: Self = Self::known(2, 0, 0);
    /// `2.1.0` sender address valid.
    pub const SENDER_OK: Self = Self::known(2, 1, 0);
    /// `2.1.5` destination address valid.
    pub const DESTINATION_OK: Self = Self::known(2, 1, 5);
    /// `2.6.0` message accepted.
    pub const MESSAGE_OK: Self = Self::known(2, 6, 0);
    /// `4.3.0` other or undefined mail system status (transient).
    pub const TRANSIENT_SYSTEM: Self = Self::known(4, 3, 0);
    /// `4.2.0` other or undefined mailbox status (transient), as sent to
    /// greylist.
    pub const MAILBOX_TRANSIENT: Self = Self::known(4, 2, 0);
    /// `4.3.1` mail system full.
    pub const SYSTEM_FULL: Self = Self::known(4, 3, 1);
    /// `4.3.2` system not accepting network messages (transient), as sent
    /// before a shutdown.
    pub const NOT_ACCEPTING_TRANSIENT: Self = Self::known(4, 3, 2);
    /// `4.4.2` bad connection (timeout).
    pub const BAD_CONNECTION: Self = Self::known(4, 4, 2);
    /// `4.5.3` too many recipients.
    pub const TOO_MANY_RECIPIENTS: Self = Self::known(4, 5, 3);
    /// `4.7.0` other or undefined security status (transient).
    pub const TRANSIENT_SECURITY: Self = Self::known(4, 7, 0);
    /// `5.0.0` other undefined status (permanent).
    pub const PERMANENT_FAILURE: Self = Self::known(5, 0, 0);
    /// `5.1.1` bad destination mailbox address.
    pub const BAD_DESTINATION_MAILBOX: Self = Self::known(5, 1, 1);
    /// `5.1.3` bad destination mailbox address syntax.
    pub const BAD_DESTINATION_SYNTAX: Self = Self::known(5, 1, 3);
    /// `5.1.7` bad sender's mailbox address syntax.
    pub const BAD_SENDER_SYNTAX: Self = Self::known(5, 1, 7);
    /// `5.2.2` mailbox full.
    pub const MAILBOX_FULL: Self = Self::known(5, 2, 2);
    /// `5.3.2` system not accepting network messages (RFC 7504 §3).
    pub const NOT_ACCEPTING: Self = Self::known(5, 3, 2);
    /// `5.3.4` message too big for system.
    pub const MESSAGE_TOO_BIG: Self = Self::known(5, 3, 4);
    /// `5.5.0` other or undefined protocol status.
    pub const PROTOCOL: Self = Self::known(5, 5, 0);
    /// `5.5.1` invalid command.
    pub const INVALID_COMMAND: Self = Self::known(5, 5, 1);
    /// `5.5.2` syntax error.
    pub const SYNTAX_ERROR: Self = Self::known(5, 5, 2);
    /// `5.5.3` too many recipients.
    pub const TOO_MANY_RECIPIENTS_PERMANENT: Self = Self::known(5, 5, 3);
    /// `5.5.4` invalid command arguments.
    pub const INVALID_ARGUMENTS: Self = Self::known(5, 5, 4);
    /// `5.5.6` syntax error: line too long (RFC 5248 registry).
    pub const LINE_TOO_LONG: Self = Self::known(5, 5, 6);
    /// `5.6.0` other or undefined media error, as sent for a message whose
    /// content is malformed.
    pub const MEDIA_ERROR: Self = Self::known(5, 6, 0);
    /// `5.6.7` non-ASCII addresses not permitted for that sender or
    /// recipient (RFC 6531).
    pub const UTF8_NOT_PERMITTED: Self = Self::known(5, 6, 7);
    /// `5.7.0` other or undefined security status.
    pub const SECURITY: Self = Self::known(5, 7, 0);
    /// `5.7.8` authentication credentials invalid (RFC 4954).
    pub const AUTH_INVALID: Self = Self::known(5, 7, 8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_code_accepts_only_the_grammar() {
        for ok in [200, 250, 354, 421, 555, 559] {
            assert_eq!(ReplyCode::new(ok).map(ReplyCode::get), Some(ok));
        }
        for bad in [0, 99, 199, 260, 599, 600, 1250] {
            assert_eq!(ReplyCode::new(bad), None, "{bad}");
        }
    }

    #[test]
    fn reply_code_renders_three_digits() {
        assert_eq!(&ReplyCode::OK.to_ascii(), b"250");
        assert_eq!(ReplyCode::INSUFFICIENT_STORAGE.to_string(), "452");
    }

    #[test]
    fn enhanced_code_prefix_stops_at_a_space_or_the_end() {
        assert_eq!(
            EnhancedStatusCode::parse_prefix(b"2.1.0 Ok"),
            Some((EnhancedStatusCode::SENDER_OK, 5))
        );
        assert_eq!(
            EnhancedStatusCode::parse_prefix(b"5.123.999"),
            Some((EnhancedStatusCode::new(5, 123, 999).expect("valid"), 9))
        );
        for bad in [&b"2.1.0000"[..], b"3.1.0", b"2.1", b"2..1", b"2.1.x", b"2.1.0.1", b""] {
            assert_eq!(EnhancedStatusCode::parse_prefix(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn enhanced_code_wire_form_matches_display() {
        for (class, subject, detail) in [(2, 0, 0), (4, 10, 99), (5, 100, 999), (5, 7, 10)] {
            let code = EnhancedStatusCode::new(class, subject, detail).expect("valid");
            let mut out = Vec::new();
            code.write_to(&mut out);
            assert_eq!(out, code.to_string().into_bytes());
            assert_eq!(code.wire_len(), out.len());
        }
    }

    #[test]
    fn enhanced_code_display_is_canonical() {
        let code: EnhancedStatusCode = "4.07.000".parse().expect("valid");
        assert_eq!(code.to_string(), "4.7.0");
    }
}
