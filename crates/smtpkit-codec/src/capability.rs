//! The reply to EHLO read as typed capabilities (RFC 5321 §4.1.1.1), with
//! the service extensions a client acts on: SIZE, PIPELINING, 8BITMIME,
//! SMTPUTF8, CHUNKING, BINARYMIME, STARTTLS, AUTH, DSN,
//! ENHANCEDSTATUSCODES, REQUIRETLS, DELIVERBY, MT-PRIORITY and
//! FUTURERELEASE.
//!
//! A client turns the [`Reply`] to its EHLO into [`Capabilities`] with
//! [`Capabilities::from_reply`]; a server builds its own and sends
//! [`Capabilities::to_reply`]. Keywords nobody typed here are kept, with
//! their parameters, as [`Capability::Other`].

use std::borrow::Cow;
use std::fmt;

use smallvec::SmallVec;

use crate::error::{ErrorKind, ParseError};
use crate::line::REPLY_LINE_LIMIT;
use crate::reply::REPLY_LINES_LIMIT;
use crate::reply::{enhanced_prefix, is_control, Reply, ReplyLine};
use crate::status::ReplyCode;

/// What a server offers in its reply to EHLO: its domain, an optional
/// greeting, and its capabilities in the order it listed them.
///
/// ```
/// use smtpkit_codec::{parse_reply, Capabilities, Capability, ReplyOptions};
///
/// let input = b"250-mx.example.org hello\r\n250-SIZE 1000000\r\n250 AUTH PLAIN LOGIN\r\n";
/// let (reply, _) = parse_reply(input, &ReplyOptions::default())?.complete().expect("whole");
/// let capabilities = Capabilities::from_reply(&reply)?;
/// assert_eq!(capabilities.domain(), "mx.example.org");
/// assert_eq!(capabilities.size(), Some(Some(1_000_000)));
/// assert_eq!(capabilities.auth_mechanisms().collect::<Vec<_>>(), ["PLAIN", "LOGIN"]);
/// assert!(!capabilities.supports_pipelining());
/// # Ok::<(), smtpkit_codec::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Capabilities<'a> {
    domain: Cow<'a, str>,
    greeting: Option<Cow<'a, str>>,
    entries: Vec<Capability<'a>>,
}

/// One line of an EHLO reply after the first: a service extension.
///
/// ```abnf
/// ehlo-line    = ehlo-keyword *( SP ehlo-param )
/// ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
/// ehlo-param   = 1*(%d33-126)
/// ```
/// RFC 5321 §4.1.1.1. Keywords are matched without regard to case and the
/// typed ones are written upper-case. A known keyword whose parameters do
/// not match its RFC (`SIZE abc`, `PIPELINING now`) is kept as
/// [`Capability::Other`], so that nothing the server said is lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Capability<'a> {
    /// `SIZE [limit]`, the largest message accepted in octets; none or 0
    /// for no fixed limit (RFC 1870).
    Size(Option<u64>),
    /// `PIPELINING`: commands may be sent in groups (RFC 2920).
    Pipelining,
    /// `8BITMIME`: 8-bit message content (RFC 6152).
    EightBitMime,
    /// `SMTPUTF8`: UTF-8 addresses and headers (RFC 6531).
    SmtpUtf8,
    /// `CHUNKING`: the BDAT command (RFC 3030).
    Chunking,
    /// `BINARYMIME`: binary message content with BDAT (RFC 3030).
    BinaryMime,
    /// `STARTTLS` (RFC 3207).
    StartTls,
    /// `AUTH mechanism…`: the SASL mechanisms offered, at least one
    /// (RFC 4954).
    Auth(Vec<Cow<'a, str>>),
    /// `DSN`: delivery status notifications (RFC 3461).
    Dsn,
    /// `ENHANCEDSTATUSCODES` (RFC 2034).
    EnhancedStatusCodes,
    /// `REQUIRETLS` (RFC 8689).
    RequireTls,
    /// `DELIVERBY [min-by-time]`, the shortest BY time in seconds the
    /// server accepts, at most nine digits (RFC 2852).
    DeliverBy(Option<u32>),
    /// `MT-PRIORITY [priority-profile]` (RFC 6710), the profile being an
    /// `esmtp-keyword` such as `MIXER`, `STANAG4406` or `NSEP`.
    MtPriority(Option<Cow<'a, str>>),
    /// `FUTURERELEASE max-interval max-date-time` (RFC 4865).
    FutureRelease {
        /// The longest hold in seconds, at most nine digits.
        max_interval: u32,
        /// The latest release time, an RFC 3339 date-time kept as text.
        max_datetime: Cow<'a, str>,
    },
    /// Any other keyword, with its parameters as given.
    Other {
        /// The keyword, in the server's case.
        keyword: Cow<'a, str>,
        /// The parameters, each without spaces.
        params: Vec<Cow<'a, str>>,
    },
}

impl<'a> Capabilities<'a> {
    /// Starts the capabilities of a server called `domain`, with no
    /// greeting and no extensions.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] (`Domain`) at the offset within `domain` of a
    /// space or control character, or at 0 when it is empty or has the
    /// form of an enhanced status code (which a reader would take for one).
    ///
    /// ```
    /// use smtpkit_codec::{Capabilities, Capability};
    ///
    /// let mut capabilities = Capabilities::new("mx.example.org")?.with_greeting("hi")?;
    /// capabilities.push(Capability::Size(Some(35_882_577)))?;
    /// capabilities.push(Capability::Other { keyword: "size".into(), params: vec![] })?;
    /// assert_eq!(
    ///     capabilities.to_reply().to_bytes(),
    ///     b"250-mx.example.org hi\r\n250-SIZE 35882577\r\n250 SIZE\r\n"
    /// );
    /// assert!(Capabilities::new("").is_err());
    /// # Ok::<(), smtpkit_codec::ParseError>(())
    /// ```
    pub fn new(domain: impl Into<Cow<'a, str>>) -> Result<Self, ParseError> {
        let domain = domain.into();
        check_first_word(&domain, "Domain")?;
        check_length(domain.len())?;
        Ok(Self { domain, greeting: None, entries: Vec::new() })
    }

    /// The same capabilities with a greeting after the domain.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] at the offset of a control character other
    /// than HT in `greeting`; [`ErrorKind::LineTooLong`] when the first
    /// line would exceed [`REPLY_LINE_LIMIT`].
    pub fn with_greeting(mut self, greeting: impl Into<Cow<'a, str>>) -> Result<Self, ParseError> {
        let greeting = greeting.into();
        if let Some(at) = greeting.bytes().position(is_control) {
            return Err(ParseError::new(at, ErrorKind::Syntax { expected: "ehlo-greet" }));
        }
        check_length(self.domain.len() + 1 + greeting.len())?;
        self.greeting = Some(greeting);
        Ok(self)
    }

    /// Appends a capability, first reading an [`Capability::Other`] whose
    /// keyword and parameters match a typed one as that typed one.
    ///
    /// # Errors
    ///
    /// With the offset within the capability's line (keyword, SP,
    /// parameters): [`ErrorKind::Syntax`] for an empty keyword or
    /// parameter, one with a space or control character, AUTH without
    /// mechanisms, a keyword in the form of an enhanced status code or an
    /// MT-PRIORITY profile that is not an `esmtp-keyword`;
    /// [`ErrorKind::OutOfRange`] for a DELIVERBY or FUTURERELEASE number of
    /// more than nine digits; [`ErrorKind::LineTooLong`] for a line longer
    /// than [`REPLY_LINE_LIMIT`]; [`ErrorKind::TooManyLines`] past
    /// [`REPLY_LINES_LIMIT`] lines.
    pub fn push(&mut self, capability: Capability<'a>) -> Result<(), ParseError> {
        let capability = capability.validated()?;
        check_length(capability.line_len())?;
        if self.entries.len() + 1 >= REPLY_LINES_LIMIT {
            let limit = REPLY_LINES_LIMIT;
            return Err(ParseError::new(0, ErrorKind::TooManyLines { limit }));
        }
        self.entries.push(capability);
        Ok(())
    }

    /// The domain the server gave for itself.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The text after the domain on the first line, if there was a space
    /// after it.
    pub fn greeting(&self) -> Option<&str> {
        self.greeting.as_deref()
    }

    /// The capabilities in the order the server listed them.
    pub fn entries(&self) -> &[Capability<'a>] {
        &self.entries
    }

    /// True when a capability with this keyword is offered, in any case.
    pub fn has(&self, keyword: &str) -> bool {
        self.entries.iter().any(|entry| entry.keyword().eq_ignore_ascii_case(keyword))
    }

    /// `None` without SIZE; `Some(None)` for SIZE without a number;
    /// `Some(Some(n))` for a declared maximum, 0 meaning none (RFC 1870).
    pub fn size(&self) -> Option<Option<u64>> {
        self.entries.iter().find_map(|entry| match entry {
            Capability::Size(size) => Some(*size),
            _ => None,
        })
    }

    /// True with PIPELINING (RFC 2920).
    pub fn supports_pipelining(&self) -> bool {
        self.entries.contains(&Capability::Pipelining)
    }

    /// True with STARTTLS (RFC 3207).
    pub fn supports_starttls(&self) -> bool {
        self.entries.contains(&Capability::StartTls)
    }

    /// True with 8BITMIME (RFC 6152).
    pub fn supports_8bitmime(&self) -> bool {
        self.entries.contains(&Capability::EightBitMime)
    }

    /// True with SMTPUTF8 (RFC 6531).
    pub fn supports_smtputf8(&self) -> bool {
        self.entries.contains(&Capability::SmtpUtf8)
    }

    /// True with CHUNKING (RFC 3030).
    pub fn supports_chunking(&self) -> bool {
        self.entries.contains(&Capability::Chunking)
    }

    /// True with ENHANCEDSTATUSCODES (RFC 2034).
    pub fn supports_enhanced_status_codes(&self) -> bool {
        self.entries.contains(&Capability::EnhancedStatusCodes)
    }

    /// The SASL mechanisms of every AUTH line, in order.
    pub fn auth_mechanisms(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter_map(|entry| match entry {
                Capability::Auth(mechanisms) => Some(mechanisms),
                _ => None,
            })
            .flatten()
            .map(|mechanism| &**mechanism)
    }

    /// The same capabilities, owning their text.
    pub fn into_owned(self) -> Capabilities<'static> {
        Capabilities {
            domain: Cow::Owned(self.domain.into_owned()),
            greeting: self.greeting.map(|g| Cow::Owned(g.into_owned())),
            entries: self.entries.into_iter().map(Capability::into_owned).collect(),
        }
    }

    /// The 250 reply that offers these capabilities.
    pub fn to_reply(&self) -> Reply<'static> {
        let mut first = self.domain.clone().into_owned();
        if let Some(greeting) = &self.greeting {
            first.push(' ');
            first.push_str(greeting);
        }
        let mut lines = SmallVec::with_capacity(1 + self.entries.len());
        lines.push(ReplyLine::from_valid_text(first.into()));
        for entry in &self.entries {
            lines.push(ReplyLine::from_valid_text(entry.to_string().into()));
        }

        // Neither the domain nor a keyword may have the form of an
        // enhanced status code, so no line has one to split off.
        Reply::from_valid_lines(ReplyCode::OK, lines)
    }

    /// Reads the reply to EHLO.
    ///
    /// ```abnf
    /// ehlo-ok-rsp = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
    ///             / ( "250-" Domain [ SP ehlo-greet ] CRLF
    ///                 *( "250-" ehlo-line CRLF )
    ///                 "250" SP ehlo-line CRLF )
    /// ```
    /// RFC 5321 §4.1.1.1, (edited) to read what servers send: keywords and
    /// parameters are any words between spaces (`AUTH=LOGIN` is common),
    /// runs of spaces count as one, blank lines are skipped, and an
    /// enhanced status code at the start of a line, which RFC 2034 §3 says
    /// EHLO replies do not carry, is skipped.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`] with the offset into the reply's wire form
    /// ([`Reply::to_bytes`]) when the code is not 250, the first line has
    /// no domain, or a domain or keyword has the form of an enhanced status
    /// code.
    ///
    /// ```
    /// use smtpkit_codec::{Capabilities, Reply};
    ///
    /// let reply = Reply::ok("mx.example.org").expect("text");
    /// assert!(Capabilities::from_reply(&reply).is_ok());
    /// assert!(Capabilities::from_reply(&Reply::bad_sequence()).is_err());
    /// ```
    pub fn from_reply<'r>(reply: &'r Reply<'_>) -> Result<Capabilities<'r>, ParseError> {
        if reply.code() != ReplyCode::OK {
            return Err(ParseError::new(0, ErrorKind::Syntax { expected: "250" }));
        }

        let mut start = 0;
        let mut capabilities = None::<Capabilities<'r>>;
        for line in reply.lines() {
            let text_start = start + 4 + line.enhanced().map_or(0, |e| e.wire_len() + 1);
            start += line.wire_len();
            let text = line.text();
            let Some(capabilities) = capabilities.as_mut() else {
                let (domain, greeting) = match text.split_once(' ') {
                    Some((domain, greeting)) => (domain, Some(Cow::Borrowed(greeting))),
                    None => (text, None),
                };
                check_first_word(domain, "Domain").map_err(|e| e.shifted(text_start))?;
                capabilities =
                    Some(Capabilities { domain: domain.into(), greeting, entries: vec![] });
                continue;
            };

            let mut words = text.split(' ').filter(|word| !word.is_empty());
            let Some(keyword) = words.next() else { continue };
            let at = keyword.as_ptr() as usize - text.as_ptr() as usize;
            check_first_word(keyword, "ehlo-keyword").map_err(|e| e.shifted(text_start + at))?;
            let params = words.map(Cow::Borrowed).collect();
            capabilities.entries.push(Capability::recognize(Cow::Borrowed(keyword), params));
        }

        // A reply always has a line, so the first line made the value.
        capabilities.ok_or_else(|| ParseError::new(4, ErrorKind::Syntax { expected: "Domain" }))
    }
}

impl<'a> Capability<'a> {
    /// The keyword: upper-case for typed capabilities, as given for
    /// [`Capability::Other`].
    pub fn keyword(&self) -> &str {
        match self {
            Self::Size(_) => "SIZE",
            Self::Pipelining => "PIPELINING",
            Self::EightBitMime => "8BITMIME",
            Self::SmtpUtf8 => "SMTPUTF8",
            Self::Chunking => "CHUNKING",
            Self::BinaryMime => "BINARYMIME",
            Self::StartTls => "STARTTLS",
            Self::Auth(_) => "AUTH",
            Self::Dsn => "DSN",
            Self::EnhancedStatusCodes => "ENHANCEDSTATUSCODES",
            Self::RequireTls => "REQUIRETLS",
            Self::DeliverBy(_) => "DELIVERBY",
            Self::MtPriority(_) => "MT-PRIORITY",
            Self::FutureRelease { .. } => "FUTURERELEASE",
            Self::Other { keyword, .. } => keyword,
        }
    }

    /// The same capability, owning its text.
    pub fn into_owned(self) -> Capability<'static> {
        let owned = |text: Cow<'a, str>| Cow::Owned(text.into_owned());
        match self {
            Self::Size(size) => Capability::Size(size),
            Self::Pipelining => Capability::Pipelining,
            Self::EightBitMime => Capability::EightBitMime,
            Self::SmtpUtf8 => Capability::SmtpUtf8,
            Self::Chunking => Capability::Chunking,
            Self::BinaryMime => Capability::BinaryMime,
            Self::StartTls => Capability::StartTls,
            Self::Auth(mechanisms) => Capability::Auth(mechanisms.into_iter().map(owned).collect()),
            Self::Dsn => Capability::Dsn,
            Self::EnhancedStatusCodes => Capability::EnhancedStatusCodes,
            Self::RequireTls => Capability::RequireTls,
            Self::DeliverBy(time) => Capability::DeliverBy(time),
            Self::MtPriority(profile) => Capability::MtPriority(profile.map(owned)),
            Self::FutureRelease { max_interval, max_datetime } => {
                Capability::FutureRelease { max_interval, max_datetime: owned(max_datetime) }
            }
            Self::Other { keyword, params } => Capability::Other {
                keyword: owned(keyword),
                params: params.into_iter().map(owned).collect(),
            },
        }
    }

    /// Reads a keyword and its parameters as a typed capability where they
    /// match one, else as [`Capability::Other`].
    fn recognize(keyword: Cow<'a, str>, mut params: Vec<Cow<'a, str>>) -> Self {
        let known = |name: &str| keyword.eq_ignore_ascii_case(name);
        let bare = [
            ("PIPELINING", Self::Pipelining),
            ("8BITMIME", Self::EightBitMime),
            ("SMTPUTF8", Self::SmtpUtf8),
            ("CHUNKING", Self::Chunking),
            ("BINARYMIME", Self::BinaryMime),
            ("STARTTLS", Self::StartTls),
            ("DSN", Self::Dsn),
            ("ENHANCEDSTATUSCODES", Self::EnhancedStatusCodes),
            ("REQUIRETLS", Self::RequireTls),
        ];
        if params.is_empty() {
            if let Some((_, capability)) = bare.into_iter().find(|(name, _)| known(name)) {
                return capability;
            }
        }

        let typed = match params.as_slice() {
            [] if known("SIZE") => Some(Self::Size(None)),
            [size] if known("SIZE") => number(size, 20).map(|n| Self::Size(Some(n))),
            [] if known("DELIVERBY") => Some(Self::DeliverBy(None)),
            [time] if known("DELIVERBY") => number(time, 9).map(|n| Self::DeliverBy(Some(n))),
            [] if known("MT-PRIORITY") => Some(Self::MtPriority(None)),
            [profile] if known("MT-PRIORITY") && is_esmtp_keyword(profile) => {
                params.pop().map(|profile| Self::MtPriority(Some(profile)))
            }
            [_, ..] if known("AUTH") => return Self::Auth(params),
            [interval, _] if known("FUTURERELEASE") => number(interval, 9).and_then(|n| {
                let max_datetime = params.pop()?;
                Some(Self::FutureRelease { max_interval: n, max_datetime })
            }),
            _ => None,
        };
        typed.unwrap_or(Self::Other { keyword, params })
    }

    /// Checks a capability built by hand and reads an `Other` that matches
    /// a typed capability as that one.
    fn validated(self) -> Result<Self, ParseError> {
        const NINE_DIGITS: u32 = 999_999_999;
        let at = self.keyword().len() + 1;
        match self {
            Self::Auth(ref mechanisms) => {
                if mechanisms.is_empty() {
                    return Err(ParseError::new(4, ErrorKind::Syntax { expected: "sasl-mech" }));
                }
                check_words(mechanisms, at, "sasl-mech")?;
            }
            Self::DeliverBy(Some(time)) if time > NINE_DIGITS => {
                return Err(ParseError::new(at, ErrorKind::OutOfRange { element: "min-by-time" }));
            }
            Self::MtPriority(Some(ref profile)) if !is_esmtp_keyword(profile) => {
                let expected = "priority-profile";
                return Err(ParseError::new(at, ErrorKind::Syntax { expected }));
            }
            Self::FutureRelease { max_interval, ref max_datetime } => {
                if max_interval > NINE_DIGITS {
                    let element = "max-future-release-interval";
                    return Err(ParseError::new(at, ErrorKind::OutOfRange { element }));
                }
                let at = at + max_interval.to_string().len() + 1;
                check_word(max_datetime, "max-future-release-date-time")
                    .map_err(|e| e.shifted(at))?;
            }
            Self::Other { keyword, params } => {
                check_first_word(&keyword, "ehlo-keyword")?;
                check_words(&params, keyword.len() + 1, "ehlo-param")?;
                return Ok(Self::recognize(keyword, params));
            }
            _ => {}
        }
        Ok(self)
    }

    /// The length of the capability's line text.
    fn line_len(&self) -> usize {
        let params: usize = match self {
            Self::Auth(words) | Self::Other { params: words, .. } => {
                words.iter().map(|word| 1 + word.len()).sum()
            }
            Self::Size(Some(n)) => 1 + n.to_string().len(),
            Self::DeliverBy(Some(n)) => 1 + n.to_string().len(),
            Self::MtPriority(Some(profile)) => 1 + profile.len(),
            Self::FutureRelease { max_interval, max_datetime } => {
                2 + max_interval.to_string().len() + max_datetime.len()
            }
            _ => 0,
        };
        self.keyword().len() + params
    }
}

impl fmt::Display for Capability<'_> {
    /// The capability's ehlo-line: keyword and parameters separated by SP.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())?;
        match self {
            Self::Size(Some(size)) => write!(f, " {size}"),
            Self::DeliverBy(Some(time)) => write!(f, " {time}"),
            Self::MtPriority(Some(profile)) => write!(f, " {profile}"),
            Self::FutureRelease { max_interval, max_datetime } => {
                write!(f, " {max_interval} {max_datetime}")
            }
            Self::Auth(words) | Self::Other { params: words, .. } => {
                words.iter().try_for_each(|word| write!(f, " {word}"))
            }
            _ => Ok(()),
        }
    }
}

/// Checks a word of an ehlo-line: not empty, no SP, no control character
/// other than HT. The offset is within the word.
fn check_word(word: &str, expected: &'static str) -> Result<(), ParseError> {
    let bad = word.bytes().position(|b| b == b' ' || is_control(b));
    if let Some(at) = bad.or(word.is_empty().then_some(0)) {
        return Err(ParseError::new(at, ErrorKind::Syntax { expected }));
    }
    Ok(())
}

/// Checks the first word of a line, a domain or keyword, which must also
/// not have the form of an enhanced status code: a reader would split it
/// off as one.
fn check_first_word(word: &str, expected: &'static str) -> Result<(), ParseError> {
    check_word(word, expected)?;
    if enhanced_prefix(ReplyCode::OK, word).is_some() {
        return Err(ParseError::new(0, ErrorKind::Syntax { expected }));
    }
    Ok(())
}

/// Checks the words after a keyword, `at` being the first one's offset in
/// the line.
fn check_words(
    words: &[Cow<'_, str>],
    mut at: usize,
    expected: &'static str,
) -> Result<(), ParseError> {
    for word in words {
        check_word(word, expected).map_err(|e| e.shifted(at))?;
        at += word.len() + 1;
    }
    Ok(())
}

/// Refuses a line text that would make a reply line over the limit.
fn check_length(text: usize) -> Result<(), ParseError> {
    if 4 + text + 2 > REPLY_LINE_LIMIT {
        let limit = REPLY_LINE_LIMIT;
        return Err(ParseError::new(limit - 4, ErrorKind::LineTooLong { limit }));
    }
    Ok(())
}

/// Reads 1 to `max` digits as a number.
fn number<T: std::str::FromStr>(text: &str, max: usize) -> Option<T> {
    let digits = (1..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| text.parse().ok()).flatten()
}

/// True for an `esmtp-keyword`.
///
/// ```abnf
/// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
/// ```
/// RFC 5321 §4.1.2.
fn is_esmtp_keyword(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::reply::{parse_reply, ReplyOptions};
    use crate::status::EnhancedStatusCode;
    use crate::strategies::reply::capabilities;

    fn read(input: &[u8]) -> Result<Capabilities<'static>, ParseError> {
        let (reply, consumed) = parse_reply(input, &ReplyOptions::default())
            .expect("a valid reply")
            .complete()
            .expect("a whole reply");
        assert_eq!(consumed, input.len());
        Capabilities::from_reply(&reply).map(Capabilities::into_owned)
    }

    fn other(keyword: &'static str, params: &[&'static str]) -> Capability<'static> {
        let params = params.iter().map(|&p| Cow::Borrowed(p)).collect();
        Capability::Other { keyword: Cow::Borrowed(keyword), params }
    }

    #[test]
    fn ehlo_replies_read_as_typed_capabilities() {
        use Capability::*;
        let mechanisms = |m: &[&'static str]| Auth(m.iter().map(|&m| Cow::Borrowed(m)).collect());
        type Row = (&'static [u8], &'static str, Option<&'static str>, Vec<Capability<'static>>);
        let table: Vec<Row> = vec![
            // RFC 5321 Appendix D.1.
            (
                b"250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n",
                "foo.com",
                Some("greets bar.com"),
                vec![EightBitMime, Size(None), Dsn, other("HELP", &[])],
            ),
            (b"250 foo.com\r\n", "foo.com", None, vec![]),
            (b"250 foo.com \r\n", "foo.com", Some(""), vec![]),
            // RFC 1870 §4.
            (
                b"250-dbc.mtview.ca.us says hello\r\n250 SIZE 1000000\r\n",
                "dbc.mtview.ca.us",
                Some("says hello"),
                vec![Size(Some(1_000_000))],
            ),
            // RFC 3030 §4.
            (
                b"250-pos.example.com\r\n250-BINARYMIME\r\n250 CHUNKING\r\n",
                "pos.example.com",
                None,
                vec![BinaryMime, Chunking],
            ),
            // RFC 4954 §4 and §9.
            (
                b"250-smtp.example.com Hello\r\n250-AUTH DIGEST-MD5 CRAM-MD5\r\n\
                  250-ENHANCEDSTATUSCODES\r\n250 STARTTLS\r\n",
                "smtp.example.com",
                Some("Hello"),
                vec![mechanisms(&["DIGEST-MD5", "CRAM-MD5"]), EnhancedStatusCodes, StartTls],
            ),
            (
                b"250-x\r\n250-pipelining\r\n250-SmtpUtf8\r\n250-requiretls\r\n250 deliverby 240\r\n",
                "x",
                None,
                vec![Pipelining, SmtpUtf8, RequireTls, DeliverBy(Some(240))],
            ),
            (
                b"250-x\r\n250-MT-PRIORITY MIXER\r\n250-MT-PRIORITY\r\n\
                  250 FUTURERELEASE 604800 2010-05-10T12:00:00Z\r\n",
                "x",
                None,
                vec![
                    MtPriority(Some("MIXER".into())),
                    MtPriority(None),
                    FutureRelease { max_interval: 604_800, max_datetime: "2010-05-10T12:00:00Z".into() },
                ],
            ),
            // Known keywords with parameters their RFCs do not allow are
            // kept whole, as is the old `AUTH=` form.
            (
                b"250-x\r\n250-SIZE abc\r\n250-PIPELINING now\r\n250-AUTH\r\n250-DELIVERBY 1234567890\r\n\
                  250-MT-PRIORITY a_b\r\n250-FUTURERELEASE 1\r\n250 AUTH=LOGIN PLAIN\r\n",
                "x",
                None,
                vec![
                    other("SIZE", &["abc"]),
                    other("PIPELINING", &["now"]),
                    other("AUTH", &[]),
                    other("DELIVERBY", &["1234567890"]),
                    other("MT-PRIORITY", &["a_b"]),
                    other("FUTURERELEASE", &["1"]),
                    other("AUTH=LOGIN", &["PLAIN"]),
                ],
            ),
            // Runs of spaces, blank lines and enhanced codes are tolerated.
            (
                b"250-2.0.0 x hi\r\n250-SIZE  100 \r\n250-\r\n250 2.0.0 DSN\r\n",
                "x",
                Some("hi"),
                vec![Size(Some(100)), Dsn],
            ),
        ];
        for (input, domain, greeting, entries) in table {
            let capabilities = read(input).expect("valid capabilities");
            assert_eq!(capabilities.domain(), domain);
            assert_eq!(capabilities.greeting(), greeting);
            assert_eq!(capabilities.entries(), entries.as_slice(), "{input:?}");
        }
    }

    #[test]
    fn replies_that_are_not_ehlo_replies_fail() {
        let table: &[(&[u8], usize, &str)] = &[
            (b"550 no\r\n", 0, "250"),
            (b"250 \r\n", 4, "Domain"),
            (b"250  foo.com\r\n", 4, "Domain"),
            (b"250-foo\r\n250 2.0.0 2.0.0 X\r\n", 19, "ehlo-keyword"),
        ];
        for &(input, offset, expected) in table {
            let error = read(input).expect_err("not an EHLO reply");
            assert_eq!((error.offset(), error.kind()), (offset, &ErrorKind::Syntax { expected }));
        }
    }

    #[test]
    fn typed_capabilities_serialize_upper_case() {
        let capabilities =
            read(b"250-x\r\n250-pipelining\r\n250-auth plain\r\n250 xclient A\r\n").expect("valid");
        assert_eq!(
            capabilities.to_reply().to_bytes(),
            b"250-x\r\n250-PIPELINING\r\n250-AUTH plain\r\n250 xclient A\r\n"
        );
    }

    #[test]
    fn accessors_answer_what_a_client_asks() {
        let capabilities = read(
            b"250-x\r\n250-PIPELINING\r\n250-STARTTLS\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
              250-CHUNKING\r\n250-ENHANCEDSTATUSCODES\r\n250-AUTH PLAIN\r\n250 AUTH LOGIN\r\n",
        )
        .expect("valid");
        assert!(capabilities.supports_pipelining() && capabilities.supports_starttls());
        assert!(capabilities.supports_8bitmime() && capabilities.supports_smtputf8());
        assert!(capabilities.supports_chunking() && capabilities.supports_enhanced_status_codes());
        assert_eq!(capabilities.auth_mechanisms().collect::<Vec<_>>(), ["PLAIN", "LOGIN"]);
        assert!(capabilities.has("starttls") && !capabilities.has("SIZE"));
        assert_eq!(capabilities.size(), None);
    }

    #[test]
    fn constructors_refuse_what_a_reader_would_misread() {
        let syntax = |expected| ErrorKind::Syntax { expected };
        let table: Vec<(Result<Capabilities<'static>, ParseError>, usize, ErrorKind)> = vec![
            (Capabilities::new(""), 0, syntax("Domain")),
            (Capabilities::new("a b"), 1, syntax("Domain")),
            (Capabilities::new("2.1.0"), 0, syntax("Domain")),
            (Capabilities::new("a".repeat(507)), 508, ErrorKind::LineTooLong { limit: 512 }),
            (Capabilities::new("x").and_then(|c| c.with_greeting("a\nb")), 1, syntax("ehlo-greet")),
        ];
        for (result, offset, kind) in table {
            let error = result.expect_err("invalid");
            assert_eq!((error.offset(), error.kind()), (offset, &kind));
        }

        let mut capabilities = Capabilities::new("x").expect("a domain");
        let table: Vec<(Capability<'static>, usize, ErrorKind)> = vec![
            (Capability::Auth(vec![]), 4, syntax("sasl-mech")),
            (Capability::Auth(vec!["PLAIN".into(), "".into()]), 11, syntax("sasl-mech")),
            (
                Capability::DeliverBy(Some(1_000_000_000)),
                10,
                ErrorKind::OutOfRange { element: "min-by-time" },
            ),
            (Capability::MtPriority(Some("a_b".into())), 12, syntax("priority-profile")),
            (
                Capability::FutureRelease { max_interval: 5, max_datetime: "a b".into() },
                17,
                syntax("max-future-release-date-time"),
            ),
            (other("X Y", &[]), 1, syntax("ehlo-keyword")),
            (other("2.0.0", &["x"]), 0, syntax("ehlo-keyword")),
            (other("X", &["a", "b\x00"]), 5, syntax("ehlo-param")),
            (other("X", &["a".repeat(505).leak()]), 508, ErrorKind::LineTooLong { limit: 512 }),
        ];
        for (capability, offset, kind) in table {
            let error = capabilities.push(capability).expect_err("invalid");
            assert_eq!((error.offset(), error.kind()), (offset, &kind));
        }
        assert!(capabilities.entries().is_empty());

        for _ in 1..REPLY_LINES_LIMIT {
            capabilities.push(Capability::Dsn).expect("room for it");
        }
        let error = capabilities.push(Capability::Dsn).expect_err("line 129");
        assert_eq!(error.kind(), &ErrorKind::TooManyLines { limit: REPLY_LINES_LIMIT });
    }

    #[test]
    fn other_capabilities_that_match_a_typed_one_become_it() {
        let mut capabilities = Capabilities::new("x").expect("a domain");
        capabilities.push(other("size", &["0042"])).expect("valid");
        capabilities.push(other("Auth", &["PLAIN"])).expect("valid");
        capabilities.push(other("SIZE", &["x"])).expect("valid");
        let expected = [Capability::Size(Some(42)), Capability::Auth(vec!["PLAIN".into()])];
        assert_eq!(&capabilities.entries()[..2], &expected);
        assert_eq!(capabilities.entries()[2], other("SIZE", &["x"]));
        let reply = capabilities.to_reply();
        assert_eq!(reply.enhanced_code(), None::<EnhancedStatusCode>);
        assert_eq!(reply.to_bytes(), b"250-x\r\n250-SIZE 42\r\n250-AUTH PLAIN\r\n250 SIZE x\r\n");
    }

    proptest! {
        #[test]
        fn capabilities_survive_a_round_trip_through_the_wire(capabilities in capabilities()) {
            let bytes = capabilities.to_reply().to_bytes();
            let (reply, consumed) = parse_reply(&bytes, &ReplyOptions::default())
                .expect("serialized capabilities are a valid reply")
                .complete()
                .expect("a whole reply");
            prop_assert_eq!(consumed, bytes.len());
            let read = Capabilities::from_reply(&reply).expect("an EHLO reply");
            prop_assert_eq!(read, capabilities);
        }
    }
}
