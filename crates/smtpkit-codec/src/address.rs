//! Envelope addresses: domains, address literals, local-parts, mailboxes and
//! the reverse-path and forward-path of MAIL and RCPT (RFC 5321 §4.1.2,
//! §4.1.3, RFC 6531 §3.3).
//!
//! Every value here either came out of the parser or went through the same
//! grammar in its constructor, so none of them can hold CR, LF, NUL, a space
//! outside a quoted string, or anything else that would end a command line
//! early.

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{fail, failure, ErrorKind, Failure, PResult, ParseError};
use crate::options::CommandOptions;
use crate::text::Text;

/// A domain name as SMTP carries it: dot-separated labels of letters,
/// digits and hyphens, or RFC 6531 U-labels in UTF-8.
///
/// ```
/// use smtpkit_codec::Domain;
///
/// let domain = Domain::new("mail.example.org").expect("a valid domain");
/// assert_eq!(domain.as_str(), "mail.example.org");
/// assert!(Domain::new("-bad.example").is_err());
/// assert!(Domain::new("example.org\r\nQUIT").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Domain<'a>(Cow<'a, str>);

impl<'a> Domain<'a> {
    /// Checks `name` against the `Domain` grammar and the 255-octet limit.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] whose offset is into `name`.
    pub fn new(name: impl Into<Cow<'a, str>>) -> Result<Self, ParseError> {
        let name = name.into();
        whole(name.as_bytes(), |i| domain(i, &CommandOptions::default(), Text::of(&name)))?;
        Ok(Self(name))
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the name is all ASCII (no U-labels).
    pub fn is_ascii(&self) -> bool {
        self.0.is_ascii()
    }

    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> Domain<'static> {
        Domain(Cow::Owned(self.0.into_owned()))
    }
}

impl fmt::Display for Domain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An address literal in square brackets, used where a host has no name.
///
/// ```
/// use smtpkit_codec::{AddressLiteral, Host};
///
/// let host = Host::new("[IPv6:2001:db8::1]").expect("a valid literal");
/// assert!(matches!(host, Host::Literal(AddressLiteral::Ipv6(_))));
/// assert!(Host::new("[300.1.1.1]").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AddressLiteral<'a> {
    /// `[192.0.2.1]`
    Ipv4(Ipv4Addr),
    /// `[IPv6:2001:db8::1]`
    Ipv6(Ipv6Addr),
    /// `[tag:content]`, a literal of a registered standardized tag.
    General(GeneralLiteral<'a>),
}

/// The parts of a general address literal, `[tag:content]` (RFC 5321
/// §4.1.3): checked when made, by [`AddressLiteral::general`] or the
/// parser, so neither part can hold a byte outside its grammar.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GeneralLiteral<'a> {
    /// The standardized tag, an Ldh-str.
    tag: Cow<'a, str>,
    /// What follows the colon, dcontent.
    content: Cow<'a, str>,
}

impl GeneralLiteral<'_> {
    /// The standardized tag, an Ldh-str.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// What follows the colon.
    pub fn content(&self) -> &str {
        &self.content
    }
}

impl<'a> AddressLiteral<'a> {
    /// Builds a general address literal, checking both parts.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] with the offset into `tag:content` when the tag is
    /// not an Ldh-str, is `IPv6`, or the content has a byte outside dcontent.
    pub fn general(
        tag: impl Into<Cow<'a, str>>,
        content: impl Into<Cow<'a, str>>,
    ) -> Result<Self, ParseError> {
        let (tag, content) = (tag.into(), content.into());
        let inner = format!("[{tag}:{content}]");
        let parsed = whole(inner.as_bytes(), address_literal)
            .map_err(|e| ParseError::new(e.offset().saturating_sub(1), e.kind().clone()))?;
        match parsed {
            AddressLiteral::General(_) => Ok(Self::General(GeneralLiteral { tag, content })),
            _ => Err(ParseError::new(0, ErrorKind::Syntax { expected: "Standardized-tag" })),
        }
    }

    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> AddressLiteral<'static> {
        match self {
            Self::Ipv4(a) => AddressLiteral::Ipv4(a),
            Self::Ipv6(a) => AddressLiteral::Ipv6(a),
            Self::General(GeneralLiteral { tag, content }) => {
                AddressLiteral::General(GeneralLiteral {
                    tag: Cow::Owned(tag.into_owned()),
                    content: Cow::Owned(content.into_owned()),
                })
            }
        }
    }
}

impl From<Ipv4Addr> for AddressLiteral<'_> {
    fn from(address: Ipv4Addr) -> Self {
        Self::Ipv4(address)
    }
}

impl From<Ipv6Addr> for AddressLiteral<'_> {
    fn from(address: Ipv6Addr) -> Self {
        Self::Ipv6(address)
    }
}

impl fmt::Display for AddressLiteral<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipv4(a) => write!(f, "[{a}]"),
            Self::Ipv6(a) => write!(f, "[IPv6:{a}]"),
            Self::General(GeneralLiteral { tag, content }) => write!(f, "[{tag}:{content}]"),
        }
    }
}

/// What follows the `@` of a mailbox, and the argument of EHLO: a domain
/// name or an address literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host<'a> {
    /// A domain name.
    Domain(Domain<'a>),
    /// An address literal.
    Literal(AddressLiteral<'a>),
}

impl<'a> Host<'a> {
    /// Parses a domain name or a bracketed address literal.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] whose offset is into `text`.
    pub fn new(text: &'a str) -> Result<Self, ParseError> {
        whole(text.as_bytes(), |i| host(i, &CommandOptions::default(), Text::of(text)))
    }

    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> Host<'static> {
        match self {
            Self::Domain(d) => Host::Domain(d.into_owned()),
            Self::Literal(l) => Host::Literal(l.into_owned()),
        }
    }
}

impl<'a> From<Domain<'a>> for Host<'a> {
    fn from(domain: Domain<'a>) -> Self {
        Self::Domain(domain)
    }
}

impl<'a> From<AddressLiteral<'a>> for Host<'a> {
    fn from(literal: AddressLiteral<'a>) -> Self {
        Self::Literal(literal)
    }
}

impl fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(d) => d.fmt(f),
            Self::Literal(l) => l.fmt(f),
        }
    }
}

/// The part of a mailbox before the `@`, kept as written on the wire: a
/// dot-string (`john.doe`) or a quoted string (`"john doe"`).
///
/// ```
/// use smtpkit_codec::LocalPart;
///
/// let quoted = LocalPart::from_text("john doe").expect("printable text");
/// assert_eq!(quoted.as_str(), r#""john doe""#);
/// assert_eq!(quoted.to_text(), "john doe");
/// assert_eq!(LocalPart::from_text("john.doe").expect("atoms").as_str(), "john.doe");
/// assert!(LocalPart::new("two..dots").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalPart<'a>(Cow<'a, str>);

impl<'a> LocalPart<'a> {
    /// Checks `wire` against the `Local-part` grammar (a dot-string or a
    /// quoted string with its quotes) and the 64-octet limit.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] whose offset is into `wire`.
    pub fn new(wire: impl Into<Cow<'a, str>>) -> Result<Self, ParseError> {
        let wire = wire.into();
        whole(wire.as_bytes(), |i| local_part(i, &CommandOptions::default(), Text::of(&wire)))?;
        Ok(Self(wire))
    }

    /// Builds a local-part that reads as `text`: as a dot-string where that
    /// grammar allows, else as a quoted string with `"` and `\` escaped.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] when `text` holds a control character (quoting
    /// cannot carry those) or is too long once quoted.
    pub fn from_text(text: &str) -> Result<LocalPart<'static>, ParseError> {
        if let Ok(atoms) = LocalPart::new(text) {
            return Ok(atoms.into_owned());
        }
        let mut wire = String::with_capacity(text.len() + 2);
        wire.push('"');
        for c in text.chars() {
            if c == '"' || c == '\\' {
                wire.push('\\');
            }
            wire.push(c);
        }
        wire.push('"');
        LocalPart::new(wire)
    }

    /// The local-part as written on the wire, quotes included.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The local-part with quoting removed.
    pub fn to_text(&self) -> Cow<'_, str> {
        let Some(inner) = self.0.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
            return Cow::Borrowed(&self.0);
        };
        if !inner.contains('\\') {
            return Cow::Borrowed(inner);
        }
        let mut text = String::with_capacity(inner.len());
        let mut escaped = false;
        for c in inner.chars() {
            if escaped || c != '\\' {
                text.push(c);
                escaped = false;
            } else {
                escaped = true;
            }
        }
        Cow::Owned(text)
    }

    /// True when the local-part is a quoted string.
    pub fn is_quoted(&self) -> bool {
        self.0.starts_with('"')
    }

    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> LocalPart<'static> {
        LocalPart(Cow::Owned(self.0.into_owned()))
    }
}

impl fmt::Display for LocalPart<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mailbox, `local-part@host`.
///
/// ```
/// use smtpkit_codec::Mailbox;
///
/// let mailbox: Mailbox = "\"a b\"@[192.0.2.1]".parse().expect("a valid mailbox");
/// assert_eq!(mailbox.local_part().to_text(), "a b");
/// assert_eq!(mailbox.to_string(), "\"a b\"@[192.0.2.1]");
/// assert!("nobody".parse::<Mailbox>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox<'a> {
    local_part: LocalPart<'a>,
    host: Host<'a>,
}

impl<'a> Mailbox<'a> {
    /// Joins a local-part and a host, checking that the result still fits
    /// in a path of 256 octets.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TooLong`] when the mailbox is longer than 254 octets.
    pub fn new(local_part: LocalPart<'a>, host: impl Into<Host<'a>>) -> Result<Self, ParseError> {
        let mailbox = Self { local_part, host: host.into() };
        let limit = CommandOptions::default().path_limit - 2;
        if mailbox.wire_len() > limit {
            return Err(ParseError::new(0, ErrorKind::TooLong { element: "path", limit }));
        }
        Ok(mailbox)
    }

    /// Parses `text` as a whole mailbox, borrowing from it.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] whose offset is into `text`.
    pub fn parse(text: &'a str) -> Result<Self, ParseError> {
        let options = CommandOptions::default();
        let mailbox = whole(text.as_bytes(), |i| mailbox(i, &options, Text::of(text)))?;
        Self::new(mailbox.local_part, mailbox.host)
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &LocalPart<'a> {
        &self.local_part
    }

    /// The part after the `@`.
    pub fn host(&self) -> &Host<'a> {
        &self.host
    }

    /// True when local-part and host are all ASCII, so that the mailbox
    /// needs no SMTPUTF8.
    pub fn is_ascii(&self) -> bool {
        self.local_part.0.is_ascii()
            && match &self.host {
                Host::Domain(d) => d.is_ascii(),
                Host::Literal(_) => true,
            }
    }

    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> Mailbox<'static> {
        Mailbox { local_part: self.local_part.into_owned(), host: self.host.into_owned() }
    }

    /// The length of the mailbox on the wire, in octets.
    fn wire_len(&self) -> usize {
        let host = match &self.host {
            Host::Domain(d) => d.0.len(),
            Host::Literal(l) => l.to_string().len(),
        };
        self.local_part.0.len() + 1 + host
    }
}

impl std::str::FromStr for Mailbox<'static> {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mailbox::parse(s).map(Mailbox::into_owned)
    }
}

impl fmt::Display for Mailbox<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local_part, self.host)
    }
}

/// The argument of MAIL FROM: a mailbox to send reports to, or the null
/// path `<>` that asks for none (as bounces use).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReversePath<'a> {
    /// `<>`
    Null,
    /// `<mailbox>`
    Mailbox(Mailbox<'a>),
}

impl ReversePath<'_> {
    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> ReversePath<'static> {
        match self {
            Self::Null => ReversePath::Null,
            Self::Mailbox(m) => ReversePath::Mailbox(m.into_owned()),
        }
    }
}

impl fmt::Display for ReversePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("<>"),
            Self::Mailbox(m) => write!(f, "<{m}>"),
        }
    }
}

/// The argument of RCPT TO: a mailbox, or the bare `<Postmaster>` that every
/// server must accept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ForwardPath<'a> {
    /// `<Postmaster>`, in any case, with no domain.
    Postmaster,
    /// `<mailbox>`
    Mailbox(Mailbox<'a>),
}

impl ForwardPath<'_> {
    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> ForwardPath<'static> {
        match self {
            Self::Postmaster => ForwardPath::Postmaster,
            Self::Mailbox(m) => ForwardPath::Mailbox(m.into_owned()),
        }
    }
}

impl fmt::Display for ForwardPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postmaster => f.write_str("<Postmaster>"),
            Self::Mailbox(m) => write!(f, "<{m}>"),
        }
    }
}

/// Parses a domain.
///
/// ```abnf
/// Domain     = sub-domain *("." sub-domain)
/// sub-domain = Let-dig [Ldh-str]
/// sub-domain =/ U-label          ; RFC 6531 §3.3
/// Let-dig    = ALPHA / DIGIT
/// Ldh-str    = *( ALPHA / DIGIT / "-" ) Let-dig
/// ```
/// RFC 5321 §4.1.2 and RFC 6531 §3.3. A U-label is taken as any run of
/// letters, digits, hyphens and UTF-8 characters that is valid UTF-8 and
/// neither starts nor ends with a hyphen (edited: the IDNA rules that make
/// a U-label are not checked).
pub(crate) fn domain<'a>(
    input: &'a [u8],
    options: &CommandOptions,
    text: Text<'a>,
) -> PResult<'a, Domain<'a>> {
    let mut end = 0;
    loop {
        let label = sub_domain_len(&input[end..], options.allow_utf8)?;
        end += label;
        let more = input.get(end) == Some(&b'.')
            && input.get(end + 1).is_some_and(|&b| is_label_byte(b, options.allow_utf8));
        if !more {
            break;
        }
        end += 1;
    }
    if end > options.domain_limit {
        let limit = options.domain_limit;
        return fail(input, ErrorKind::TooLong { element: "domain", limit });
    }
    let name = utf8(input, end, text)?;
    Ok((&input[end..], Domain(Cow::Borrowed(name))))
}

/// Parses an address literal.
///
/// ```abnf
/// address-literal  = "[" ( IPv4-address-literal /
///                    IPv6-address-literal /
///                    General-address-literal ) "]"
/// IPv4-address-literal  = Snum 3("."  Snum)
/// IPv6-address-literal  = "IPv6:" IPv6-addr
/// General-address-literal  = Standardized-tag ":" 1*dcontent
/// Standardized-tag  = Ldh-str
/// dcontent       = %d33-90 / %d94-126
/// Snum           = 1*3DIGIT
/// ```
/// RFC 5321 §4.1.3. IPv6 addresses are read by the standard library's
/// parser, which takes the RFC's full, compressed and IPv4-embedded forms.
pub(crate) fn address_literal(input: &[u8]) -> PResult<'_, AddressLiteral<'_>> {
    if input.first() != Some(&b'[') {
        return crate::error::expected(input, "address-literal");
    }
    let inner = &input[1..];
    let len = inner.iter().take_while(|&&b| is_dcontent(b)).count();
    if inner.get(len) != Some(&b']') {
        return fail(&inner[len..], ErrorKind::Syntax { expected: "dcontent or \"]\"" });
    }
    let rest = &inner[len + 1..];
    let content = &inner[..len];

    if let Some(address) = ipv4_literal(content) {
        return Ok((rest, AddressLiteral::Ipv4(address)));
    }
    let Some(colon) = content.iter().position(|&b| b == b':') else {
        return fail(inner, ErrorKind::Syntax { expected: "IPv4-address-literal" });
    };
    let (tag, value) = (&content[..colon], &content[colon + 1..]);
    if tag.eq_ignore_ascii_case(b"IPv6") {
        let parsed = std::str::from_utf8(value).ok().and_then(|s| s.parse::<Ipv6Addr>().ok());
        return match parsed {
            Some(address) => Ok((rest, AddressLiteral::Ipv6(address))),
            None => fail(&inner[colon + 1..], ErrorKind::Syntax { expected: "IPv6-addr" }),
        };
    }
    if !is_ldh_str(tag) {
        return fail(inner, ErrorKind::Syntax { expected: "Standardized-tag" });
    }
    if value.is_empty() {
        return fail(&inner[colon + 1..], ErrorKind::Syntax { expected: "dcontent" });
    }
    // Both parts are ASCII by the checks above.
    let tag = Cow::Borrowed(std::str::from_utf8(tag).unwrap_or_default());
    let content = Cow::Borrowed(std::str::from_utf8(value).unwrap_or_default());
    Ok((rest, AddressLiteral::General(GeneralLiteral { tag, content })))
}

/// Parses a domain or an address literal, as EHLO takes and a mailbox ends
/// with.
///
/// ```abnf
/// host = Domain / address-literal    ; EHLO's argument, and after "@"
/// ```
/// RFC 5321 §4.1.1.1 and §4.1.2.
pub(crate) fn host<'a>(
    input: &'a [u8],
    options: &CommandOptions,
    text: Text<'a>,
) -> PResult<'a, Host<'a>> {
    if input.first() == Some(&b'[') {
        let (rest, literal) = address_literal(input)?;
        Ok((rest, Host::Literal(literal)))
    } else {
        let (rest, domain) = domain(input, options, text)?;
        Ok((rest, Host::Domain(domain)))
    }
}

/// Parses a local-part.
///
/// ```abnf
/// Local-part     = Dot-string / Quoted-string
/// Dot-string     = Atom *("."  Atom)
/// Atom           = 1*atext
/// Quoted-string  = DQUOTE *QcontentSMTP DQUOTE
/// QcontentSMTP   = qtextSMTP / quoted-pairSMTP
/// quoted-pairSMTP  = %d92 %d32-126
/// qtextSMTP      = %d32-33 / %d35-91 / %d93-126
/// atext          =/ UTF8-non-ascii   ; RFC 6531 §3.3
/// qtextSMTP      =/ UTF8-non-ascii   ; RFC 6531 §3.3
/// ```
/// RFC 5321 §4.1.2 and RFC 6531 §3.3.
pub(crate) fn local_part<'a>(
    input: &'a [u8],
    options: &CommandOptions,
    text: Text<'a>,
) -> PResult<'a, LocalPart<'a>> {
    let utf8_ok = options.allow_utf8;
    let end = if input.first() == Some(&b'"') {
        quoted_string_len(input, utf8_ok)?
    } else {
        dot_string_len(input, utf8_ok)?
    };
    if !utf8_ok && input.get(end).is_some_and(|&b| b >= 0x80) {
        return Err(failure(&input[end..], ErrorKind::NonAscii));
    }
    if end > options.local_part_limit {
        let limit = options.local_part_limit;
        return fail(input, ErrorKind::TooLong { element: "local-part", limit });
    }
    let wire = utf8(input, end, text)?;
    Ok((&input[end..], LocalPart(Cow::Borrowed(wire))))
}

/// Parses a mailbox.
///
/// ```abnf
/// Mailbox        = Local-part "@" ( Domain / address-literal )
/// ```
/// RFC 5321 §4.1.2.
pub(crate) fn mailbox<'a>(
    input: &'a [u8],
    options: &CommandOptions,
    text: Text<'a>,
) -> PResult<'a, Mailbox<'a>> {
    let (rest, local_part) = local_part(input, options, text)?;
    let Some(rest) = rest.strip_prefix(b"@") else {
        return fail(rest, ErrorKind::Syntax { expected: "\"@\"" });
    };
    let (rest, host) = host(rest, options, text).map_err(to_failure("domain"))?;
    Ok((rest, Mailbox { local_part, host }))
}

/// Parses a path, dropping any source route.
///
/// ```abnf
/// Path           = "<" [ A-d-l ":" ] Mailbox ">"
/// A-d-l          = At-domain *( "," At-domain )
/// At-domain      = "@" Domain
/// ```
/// RFC 5321 §4.1.2. Source routes are obsolete and "MUST BE accepted, SHOULD
/// NOT be generated, and SHOULD be ignored" (RFC 5321 §4.1.1.3): they are
/// read and dropped. With `allow_missing_brackets`, a bare mailbox is
/// accepted too.
pub(crate) fn path<'a>(
    input: &'a [u8],
    options: &CommandOptions,
    text: Text<'a>,
) -> PResult<'a, Mailbox<'a>> {
    let Some(mut rest) = input.strip_prefix(b"<") else {
        if options.allow_missing_brackets && !input.is_empty() {
            // Counted as if it had its brackets, which it gets when written.
            let (rest, mailbox) = mailbox(input, options, text)?;
            let len = input.len() - rest.len() + 2;
            return bounded_path(input, len, Ok((rest, mailbox)), options);
        }
        return fail(input, ErrorKind::Syntax { expected: "\"<\"" });
    };
    if rest.first() == Some(&b'@') {
        rest = source_route(rest, options, text)?;
    }
    let (after, mailbox) = mailbox(rest, options, text)?;
    let Some(after) = after.strip_prefix(b">") else {
        return fail(after, ErrorKind::Syntax { expected: "\">\"" });
    };
    let len = input.len() - after.len();
    bounded_path(input, len, Ok((after, mailbox)), options)
}

/// Parses MAIL's argument.
///
/// ```abnf
/// Reverse-path   = Path / "<>"
/// ```
/// RFC 5321 §4.1.2.
pub(crate) fn reverse_path<'a>(
    input: &'a [u8],
    options: &CommandOptions,
    text: Text<'a>,
) -> PResult<'a, ReversePath<'a>> {
    if let Some(rest) = input.strip_prefix(b"<>") {
        return Ok((rest, ReversePath::Null));
    }
    let (rest, mailbox) = path(input, options, text)?;
    Ok((rest, ReversePath::Mailbox(mailbox)))
}

/// Parses RCPT's argument.
///
/// ```abnf
/// Forward-path   = Path
/// rcpt-argument  = "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path
/// ```
/// RFC 5321 §4.1.1.3 and §4.1.2. `<Postmaster@domain>` is an ordinary
/// mailbox; only the bare form has a variant of its own.
pub(crate) fn forward_path<'a>(
    input: &'a [u8],
    options: &CommandOptions,
    text: Text<'a>,
) -> PResult<'a, ForwardPath<'a>> {
    const POSTMASTER: &[u8] = b"<Postmaster>";
    if input.len() >= POSTMASTER.len() && input[..POSTMASTER.len()].eq_ignore_ascii_case(POSTMASTER)
    {
        return Ok((&input[POSTMASTER.len()..], ForwardPath::Postmaster));
    }
    let (rest, mailbox) = path(input, options, text)?;
    Ok((rest, ForwardPath::Mailbox(mailbox)))
}

/// Runs `parser` over all of `input`, for the constructors of this module.
pub(crate) fn whole<'a, T>(
    input: &'a [u8],
    parser: impl FnOnce(&'a [u8]) -> PResult<'a, T>,
) -> Result<T, ParseError> {
    let result = parser(input).and_then(|(rest, value)| {
        if rest.is_empty() {
            Ok((rest, value))
        } else {
            fail(rest, ErrorKind::Syntax { expected: "end of input" })
        }
    });
    crate::error::finish(input, result)
}

/// Checks the path length, `len` octets from the start of `input`.
fn bounded_path<'a>(
    input: &'a [u8],
    len: usize,
    parsed: PResult<'a, Mailbox<'a>>,
    options: &CommandOptions,
) -> PResult<'a, Mailbox<'a>> {
    let parsed = parsed?;
    if len > options.path_limit {
        return fail(input, ErrorKind::TooLong { element: "path", limit: options.path_limit });
    }
    Ok(parsed)
}

/// Skips `A-d-l ":"`, returning what follows the colon.
fn source_route<'a>(
    mut input: &'a [u8],
    options: &CommandOptions,
    text: Text<'a>,
) -> Result<&'a [u8], nom::Err<Failure<'a>>> {
    loop {
        let Some(rest) = input.strip_prefix(b"@") else {
            return Err(failure(input, ErrorKind::Syntax { expected: "At-domain" }));
        };
        let (rest, _) = domain(rest, options, text).map_err(to_failure("domain"))?;
        match rest.first() {
            Some(b',') => input = &rest[1..],
            Some(b':') => return Ok(&rest[1..]),
            _ => return Err(failure(rest, ErrorKind::Syntax { expected: "\",\" or \":\"" })),
        }
    }
}

/// Makes a recoverable error final, naming `expected` where no rule named
/// itself.
fn to_failure<'a>(
    expected: &'static str,
) -> impl Fn(nom::Err<Failure<'a>>) -> nom::Err<Failure<'a>> {
    move |error| match error {
        nom::Err::Error(mut f) | nom::Err::Failure(mut f) => {
            f.kind.get_or_insert(ErrorKind::Syntax { expected });
            nom::Err::Failure(f)
        }
        incomplete => incomplete,
    }
}

/// The length of the sub-domain at the start of `input`.
fn sub_domain_len(input: &[u8], utf8_ok: bool) -> Result<usize, nom::Err<Failure<'_>>> {
    let len = input.iter().take_while(|&&b| is_label_byte(b, utf8_ok)).count();
    if len == 0 {
        if input.first().is_some_and(|&b| b >= 0x80) {
            return Err(failure(input, ErrorKind::NonAscii));
        }
        return Err(nom::Err::Error(Failure::expected(input, "domain")));
    }
    if input[0] == b'-' {
        return Err(failure(input, ErrorKind::Syntax { expected: "Let-dig" }));
    }
    if input[len - 1] == b'-' {
        let at = &input[len - 1..];
        return Err(failure(at, ErrorKind::Syntax { expected: "Let-dig" }));
    }
    if !utf8_ok && input.get(len).is_some_and(|&b| b >= 0x80) {
        return Err(failure(&input[len..], ErrorKind::NonAscii));
    }
    Ok(len)
}

/// The length of the dot-string at the start of `input`.
fn dot_string_len(input: &[u8], utf8_ok: bool) -> Result<usize, nom::Err<Failure<'_>>> {
    let mut end = 0;
    loop {
        let atom = input[end..].iter().take_while(|&&b| is_atext(b, utf8_ok)).count();
        if atom == 0 {
            let at = &input[end..];
            let kind = if at.first().is_some_and(|&b| b >= 0x80) {
                ErrorKind::NonAscii
            } else {
                ErrorKind::Syntax { expected: "Atom" }
            };
            return Err(nom::Err::Error(Failure::at(at, kind)));
        }
        end += atom;
        if input.get(end) != Some(&b'.') {
            return Ok(end);
        }
        end += 1;
    }
}

/// The length of the quoted string at the start of `input`, quotes included.
fn quoted_string_len(input: &[u8], utf8_ok: bool) -> Result<usize, nom::Err<Failure<'_>>> {
    let mut i = 1;
    while let Some(&b) = input.get(i) {
        match b {
            b'"' => return Ok(i + 1),
            b'\\' => match input.get(i + 1) {
                Some(32..=126) => i += 2,
                _ => {
                    let at = &input[i + 1..];
                    return Err(nom::Err::Failure(Failure::expected(at, "quoted-pairSMTP")));
                }
            },
            32..=126 => i += 1,
            0x80.. if utf8_ok => i += 1,
            0x80.. => return Err(nom::Err::Failure(Failure::at(&input[i..], ErrorKind::NonAscii))),
            _ => return Err(nom::Err::Failure(Failure::expected(&input[i..], "qtextSMTP"))),
        }
    }
    Err(nom::Err::Failure(Failure::expected(&input[i..], "DQUOTE")))
}

/// Reads `input[..end]` as UTF-8, from the line's `text` when it has it,
/// failing at the first byte that is not.
fn utf8<'a>(input: &'a [u8], end: usize, text: Text<'a>) -> Result<&'a str, nom::Err<Failure<'a>>> {
    text.str_of(&input[..end])
        .map_err(|e| nom::Err::Failure(Failure::at(&input[e.valid_up_to()..], ErrorKind::NonAscii)))
}

/// Reads `Snum 3("." Snum)` with every Snum at most 255.
fn ipv4_literal(content: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = content.split(|&b| b == b'.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = part.iter().fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
        *octet = u8::try_from(value).ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
}

/// True for `Ldh-str` that starts with a Let-dig, as a tag must.
fn is_ldh_str(s: &[u8]) -> bool {
    !s.is_empty()
        && s[0].is_ascii_alphanumeric()
        && s[s.len() - 1].is_ascii_alphanumeric()
        && s.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_label_byte(b: u8, utf8_ok: bool) -> bool {
    LABEL[usize::from(b)] || (utf8_ok && b >= 0x80)
}

/// The ASCII bytes of a domain label (letters, digits, hyphen) as a table,
/// for the same reason as [`ATEXT`].
static LABEL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'-' as usize] = true;
    let mut b = 0;
    while b < 128 {
        if (b as u8).is_ascii_alphanumeric() {
            table[b] = true;
        }
        b += 1;
    }
    table
};

fn is_dcontent(b: u8) -> bool {
    matches!(b, 33..=90 | 94..=126)
}

/// `atext` of RFC 5322 §3.2.3, which RFC 5321 uses.
pub(crate) fn is_atext(b: u8, utf8_ok: bool) -> bool {
    ATEXT[usize::from(b)] || (utf8_ok && b >= 0x80)
}

/// The ASCII `atext` bytes as a table, since local-parts and atoms are read
/// a byte at a time on the hot path of every MAIL and RCPT.
static ATEXT: [bool; 256] = {
    let mut table = [false; 256];
    let specials = b"!#$%&'*+-/=?^_`{|}~";
    let mut i = 0;
    while i < specials.len() {
        table[specials[i] as usize] = true;
        i += 1;
    }
    let mut b = 0;
    while b < 128 {
        if (b as u8).is_ascii_alphanumeric() {
            table[b] = true;
        }
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> CommandOptions {
        CommandOptions::default()
    }

    #[test]
    fn domains_ok() {
        let table: &[(&str, &str, &str)] = &[
            ("example.org", "example.org", ""),
            ("a", "a", ""),
            ("a-b.c1", "a-b.c1", ""),
            ("3com.com>", "3com.com", ">"),
            ("example.org. rest", "example.org", ". rest"),
            ("bücher.example", "bücher.example", ""),
            ("例え.テスト x", "例え.テスト", " x"),
        ];
        for &(input, name, rest) in table {
            let (r, d) = domain(input.as_bytes(), &strict(), Text::none()).expect(input);
            assert_eq!((d.as_str(), r), (name, rest.as_bytes()), "{input}");
        }
    }

    #[test]
    fn domains_failed() {
        let ascii_only = CommandOptions { allow_utf8: false, ..strict() };
        let table: &[(&str, &CommandOptions, usize, ErrorKind)] = &[
            ("-a.org", &strict(), 0, ErrorKind::Syntax { expected: "Let-dig" }),
            ("a-.org", &strict(), 1, ErrorKind::Syntax { expected: "Let-dig" }),
            ("a..org", &strict(), 1, ErrorKind::Syntax { expected: "end of input" }),
            ("", &strict(), 0, ErrorKind::Syntax { expected: "domain" }),
            ("bücher.example", &ascii_only, 1, ErrorKind::NonAscii),
        ];
        for (input, options, offset, kind) in table {
            let error =
                whole(input.as_bytes(), |i| domain(i, options, Text::none())).expect_err(input);
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{input}");
        }
    }

    #[test]
    fn domain_of_255_octets_is_the_limit() {
        let label = "a".repeat(63);
        let name = format!("{label}.{label}.{label}.{}", "b".repeat(63));
        assert_eq!(name.len(), 255);
        assert!(Domain::new(name.clone()).is_ok());
        let error = Domain::new(format!("{name}c")).expect_err("256 octets");
        assert_eq!(error.kind(), &ErrorKind::TooLong { element: "domain", limit: 255 });
    }

    #[test]
    fn address_literals_ok() {
        let table: &[(&str, &str)] = &[
            ("[192.0.2.1]", "[192.0.2.1]"),
            ("[010.0.0.255]", "[10.0.0.255]"),
            ("[IPv6:2001:db8::1]", "[IPv6:2001:db8::1]"),
            ("[ipv6:2001:DB8:0:0:0:0:0:1]", "[IPv6:2001:db8::1]"),
            ("[IPv6:::ffff:192.0.2.1]", "[IPv6:::ffff:192.0.2.1]"),
            ("[x-tag:some-content]", "[x-tag:some-content]"),
        ];
        for &(input, canonical) in table {
            let (rest, literal) = address_literal(input.as_bytes()).expect(input);
            assert!(rest.is_empty(), "{input}");
            assert_eq!(literal.to_string(), canonical);
        }
    }

    #[test]
    fn address_literals_failed() {
        let table: &[(&str, usize)] = &[
            ("[256.0.0.1]", 1),
            ("[1.2.3]", 1),
            ("[IPv6:2001:db8::g]", 6),
            ("[IPv6:1.2.3.4]", 6),
            ("[-tag:x]", 1),
            ("[tag:]", 5),
            ("[1.2.3.4", 8),
            ("[a[b]", 2),
        ];
        for &(input, offset) in table {
            let error = whole(input.as_bytes(), address_literal).expect_err(input);
            assert_eq!(error.offset(), offset, "{input}: {error}");
        }
    }

    #[test]
    fn local_parts_ok() {
        let table: &[(&str, &str, &str)] = &[
            ("john.doe@", "john.doe", "john.doe"),
            ("!#$%&'*+-/=?^_`{|}~@", "!#$%&'*+-/=?^_`{|}~", "!#$%&'*+-/=?^_`{|}~"),
            (r#""john doe"@"#, r#""john doe""#, "john doe"),
            (r#""a\"b\\c"@"#, r#""a\"b\\c""#, r#"a"b\c"#),
            ("\"\"@", "\"\"", ""),
            ("jörg@", "jörg", "jörg"),
        ];
        for &(input, wire, text) in table {
            let (rest, lp) = local_part(input.as_bytes(), &strict(), Text::none()).expect(input);
            assert_eq!((lp.as_str(), lp.to_text().as_ref(), rest), (wire, text, &b"@"[..]));
        }
    }

    #[test]
    fn local_parts_failed() {
        let table: &[(&[u8], usize, ErrorKind)] = &[
            (b".a", 0, ErrorKind::Syntax { expected: "Atom" }),
            (b"a..b", 2, ErrorKind::Syntax { expected: "Atom" }),
            (b"a.", 2, ErrorKind::Syntax { expected: "Atom" }),
            (b"\"ab", 3, ErrorKind::Syntax { expected: "DQUOTE" }),
            (b"\"a\x01b\"", 2, ErrorKind::Syntax { expected: "qtextSMTP" }),
            (b"\"a\\\x01\"", 3, ErrorKind::Syntax { expected: "quoted-pairSMTP" }),
            (b"j\xc3", 1, ErrorKind::NonAscii),
        ];
        for &(input, offset, ref kind) in table {
            let error =
                whole(input, |i| local_part(i, &strict(), Text::none())).expect_err("invalid");
            assert_eq!((error.offset(), error.kind()), (offset, kind), "{input:?}");
        }
    }

    #[test]
    fn local_part_over_64_octets_is_refused() {
        assert!(LocalPart::new("a".repeat(64)).is_ok());
        let error = LocalPart::new("a".repeat(65)).expect_err("65 octets");
        assert_eq!(error.kind(), &ErrorKind::TooLong { element: "local-part", limit: 64 });
    }

    #[test]
    fn from_text_quotes_only_when_needed() {
        let table = [("plain", "plain"), ("a b", "\"a b\""), ("a\"b", "\"a\\\"b\""), ("", "\"\"")];
        for (text, wire) in table {
            let lp = LocalPart::from_text(text).expect(text);
            assert_eq!((lp.as_str(), lp.to_text().as_ref()), (wire, text));
        }
        assert!(LocalPart::from_text("a\r\nb").is_err(), "controls cannot be quoted");
    }

    #[test]
    fn paths_drop_source_routes() {
        let (rest, mb) =
            path(b"<@a.example,@b.example:user@d.example>", &strict(), Text::none()).expect("ok");
        assert_eq!((mb.to_string().as_str(), rest), ("user@d.example", &b""[..]));
        let error = whole(b"<@a.example;user@d>", |i| path(i, &strict(), Text::none()))
            .expect_err("bad separator");
        assert_eq!(error.offset(), 11);
    }

    #[test]
    fn paths_need_brackets_unless_tolerated() {
        let error =
            whole(b"a@b.example", |i| path(i, &strict(), Text::none())).expect_err("no brackets");
        assert_eq!(error.offset(), 0);
        let lenient = CommandOptions { allow_missing_brackets: true, ..strict() };
        let (_, mb) = path(b"a@b.example", &lenient, Text::none()).expect("tolerated");
        assert_eq!(mb.to_string(), "a@b.example");

        // Only the mailbox counts towards the path limit, not what follows.
        let with_parameters = format!("a@b.example SIZE=1 ENVID={}", "x".repeat(300));
        let (rest, mb) =
            path(with_parameters.as_bytes(), &lenient, Text::none()).expect("parameters follow");
        assert_eq!((mb.to_string().as_str(), rest.len()), ("a@b.example", 314));
        let local = "l".repeat(64);
        let domain = format!("{}.{}.{}", "d".repeat(63), "d".repeat(63), "d".repeat(62));
        let long = format!("{local}@{domain} SIZE=1");
        let error =
            path(long.as_bytes(), &lenient, Text::none()).expect_err("257 octets with brackets");
        assert!(format!("{error:?}").contains("TooLong"), "{error:?}");
    }

    #[test]
    fn path_over_256_octets_is_refused() {
        let local = "l".repeat(64);
        let domain = format!("{}.{}.{}", "d".repeat(63), "d".repeat(63), "d".repeat(61));
        let ok = format!("<{local}@{domain}>");
        assert_eq!(ok.len(), 256);
        assert!(whole(ok.as_bytes(), |i| path(i, &strict(), Text::none())).is_ok());
        let long = format!("<{local}@{domain}x>");
        let error = whole(long.as_bytes(), |i| path(i, &strict(), Text::none())).expect_err("257");
        assert_eq!(error.kind(), &ErrorKind::TooLong { element: "path", limit: 256 });
        assert!(Mailbox::new(LocalPart::new(local).unwrap(), Domain::new(domain + "x").unwrap())
            .is_err());
    }

    #[test]
    fn postmaster_in_any_case_is_its_own_forward_path() {
        for input in ["<Postmaster>", "<POSTMASTER>", "<postmaster>"] {
            let (_, fp) = forward_path(input.as_bytes(), &strict(), Text::none()).expect(input);
            assert_eq!(fp, ForwardPath::Postmaster);
        }
        let (_, fp) =
            forward_path(b"<Postmaster@example.org>", &strict(), Text::none()).expect("mailbox");
        assert!(matches!(fp, ForwardPath::Mailbox(_)));
    }

    #[test]
    fn null_reverse_path() {
        assert_eq!(
            reverse_path(b"<>", &strict(), Text::none()).expect("null").1,
            ReversePath::Null
        );
        assert!(forward_path(b"<>", &strict(), Text::none()).is_err(), "no null forward-path");
    }

    #[test]
    fn constructors_refuse_line_breaks() {
        assert!(Domain::new("a.example\r\nQUIT").is_err());
        assert!(LocalPart::new("a\nb").is_err());
        assert!(Mailbox::parse("a@b\0").is_err());
        assert!(AddressLiteral::general("x", "a]b").is_err());
        assert!(AddressLiteral::general("x", "ok").is_ok());
        assert!(AddressLiteral::general("IPv6", "1").is_err());
    }
}
