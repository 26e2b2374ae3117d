//! Addresses in header fields (RFC 5322 §3.4, with the obsolete forms of
//! §4.4 and the UTF-8 of RFC 6532 §3.2): mailboxes with display names,
//! groups, and the address lists of From, Sender, Reply-To, To, Cc, Bcc
//! and Return-Path (§3.6.2, §3.6.3, §3.6.7).
//!
//! The parsers read strictly by the grammar and never guess. Text that can
//! be read two ways, such as `"alice@example.org"@evil.example` or
//! `alice@example.org<bob@evil.example>`, is either what the grammar makes
//! of it (here a local part `alice@example.org` at `evil.example`) or an
//! error; a parser that guesses is how Python's `email.utils.parseaddr`
//! came to hand out addresses their sender never wrote (CVE-2023-27043).
//! Use [`AddrSpec::local_part`] and [`AddrSpec::domain`] rather than
//! splitting the written address at an `@`.
//!
//! Values are owned: a structured field is parsed on demand, and its text
//! is decoded, unfolded and unquoted on the way, so little could borrow.
//! Comments are skipped everywhere; an old-style `jdoe@example.org (John
//! Doe)` has no display name, since RFC 5322 §3.2.2 gives comments no
//! meaning. Obsolete source routes (`<@relay:mary@example.net>`) are read
//! and dropped, as RFC 5322 §4.4 says.
//!
//! A display name is its words joined by single spaces. An atom that is a
//! whole RFC 2047 encoded word is decoded, and the white space between two
//! adjacent encoded words is dropped (RFC 2047 §6.2); a quoted string is
//! never decoded (RFC 2047 §5(3)), so `"=?UTF-8?Q?a?=" <a@example.org>`
//! keeps the name as written. A name is written back as atoms where that
//! reads as the same text, else as a quoted string, in UTF-8 (RFC 6532);
//! `write_to_ascii` hands names that are not ASCII to an RFC 2047 encoder.

use std::fmt;

use crate::address::whole;
use crate::error::{ErrorKind, ParseError};
use crate::field::phrase::{first_control, is_dot_atom_text, write_phrase, write_quoted};

mod parse;

pub(crate) use parse::domain;
pub use parse::{address_list, address_list_with, mailbox, mailbox_list, mailbox_list_with, path};

/// How many addresses a list may hold, group members included, before the
/// value is refused.
pub const ADDRESS_LIMIT: usize = 1000;

/// The limits of the address parsers.
///
/// ```
/// use smtpkit_codec::field::address::{address_list_with, AddressOptions};
///
/// let options = AddressOptions { address_limit: 2 };
/// assert!(address_list_with(b"a@example.org, b@example.org", &options).is_ok());
/// let error = address_list_with(b"a@example.org, b@example.org, c@example.org", &options)
///     .expect_err("three addresses");
/// assert_eq!(error.to_string(), "more than 2 addresses at offset 30");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressOptions {
    /// Most addresses in one list, group members and groups included.
    /// Default [`ADDRESS_LIMIT`].
    pub address_limit: usize,
}

impl Default for AddressOptions {
    fn default() -> Self {
        Self { address_limit: ADDRESS_LIMIT }
    }
}

/// An addr-spec, `local-part@domain`, as its text: the local part without
/// quotes and the domain without comments or folds.
///
/// ```
/// use smtpkit_codec::field::address::AddrSpec;
///
/// let spec = AddrSpec::new("alice@example.org", "evil.example").expect("quotable");
/// assert_eq!(spec.to_string(), "\"alice@example.org\"@evil.example");
/// assert_eq!(spec.domain(), "evil.example");
/// assert!(AddrSpec::new("alice", "example.org\r\nBcc: eve@evil.example").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddrSpec {
    local_part: String,
    domain: String,
}

impl AddrSpec {
    /// Builds an addr-spec from a local part's text, which is quoted when
    /// written if it is not a dot-atom, and a domain as it is written: a
    /// dot-atom or a domain literal in brackets, without comments or
    /// white space around it.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] with an offset into `local_part` when it holds a
    /// control character other than tab, or into `domain` when it is not a
    /// domain as written.
    pub fn new(local_part: &str, domain: &str) -> Result<Self, ParseError> {
        check_text(local_part, "local-part text")?;
        let parsed = whole(domain.as_bytes(), parse::domain)?;
        if parsed != domain {
            return Err(ParseError::new(0, ErrorKind::Syntax { expected: "domain" }));
        }
        Ok(Self { local_part: local_part.to_owned(), domain: parsed })
    }

    /// The local part's text, quotes and quoted pairs undone.
    pub fn local_part(&self) -> &str {
        &self.local_part
    }

    /// The domain: dot-separated atoms, or a literal in brackets.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// True when the domain is a literal in brackets, such as `[192.0.2.1]`.
    pub fn is_domain_literal(&self) -> bool {
        self.domain.starts_with('[')
    }

    /// True when local part and domain are all ASCII, so that the address
    /// needs neither SMTPUTF8 nor RFC 6532 to be sent.
    pub fn is_ascii(&self) -> bool {
        self.local_part.is_ascii() && self.domain.is_ascii()
    }

    /// The same address as an SMTP envelope mailbox, for MAIL and RCPT.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] when RFC 5321 cannot carry it: a domain that is not
    /// letters, digits and hyphens, an address literal of another form, or
    /// a local part or path over the RFC 5321 limits.
    pub fn to_envelope(&self) -> Result<crate::Mailbox<'static>, ParseError> {
        let local_part = crate::LocalPart::from_text(&self.local_part)?;
        let host = crate::Host::new(&self.domain)?.into_owned();
        crate::Mailbox::new(local_part, host)
    }
}

impl fmt::Display for AddrSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_dot_atom_text(&self.local_part) {
            f.write_str(&self.local_part)?;
        } else {
            write_quoted(f, &self.local_part)?;
        }
        write!(f, "@{}", self.domain)
    }
}

/// A mailbox: an addr-spec with an optional display name.
///
/// ```
/// use smtpkit_codec::field::address::{mailbox, AddrSpec, Mailbox};
///
/// let parsed = mailbox(b"\"Doe, John\" <jdoe@example.org>").expect("valid");
/// let spec = AddrSpec::new("jdoe", "example.org").expect("valid");
/// let built = Mailbox::new(Some("Doe, John"), spec).expect("no controls");
/// assert_eq!(parsed, built);
/// assert_eq!(built.to_string(), "\"Doe, John\" <jdoe@example.org>");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox {
    display_name: Option<String>,
    addr_spec: AddrSpec,
}

impl Mailbox {
    /// Builds a mailbox. The display name is any text without control
    /// characters other than tab; it is written as atoms or as a quoted
    /// string, whichever reads back as the same text.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] with an offset into `display_name` when it holds a
    /// control character other than tab (CR and LF would start a new
    /// header field).
    pub fn new(display_name: Option<&str>, addr_spec: AddrSpec) -> Result<Self, ParseError> {
        if let Some(name) = display_name {
            check_text(name, "display-name text")?;
        }
        Ok(Self { display_name: display_name.map(str::to_owned), addr_spec })
    }

    /// The display name, decoded, or `None` where there is none.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The address.
    pub fn addr_spec(&self) -> &AddrSpec {
        &self.addr_spec
    }

    /// Writes the mailbox as [`Display`](fmt::Display) does.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_string().as_bytes());
    }

    /// Writes the mailbox, handing a display name that is not ASCII to
    /// `encode`, which returns what to write instead: RFC 2047 encoded
    /// words separated by spaces, for a reader without RFC 6532. The
    /// addr-spec is written as it is: one that is not ASCII
    /// ([`AddrSpec::is_ascii`]) needs RFC 6532 and SMTPUTF8 regardless.
    pub fn write_to_ascii(&self, out: &mut Vec<u8>, mut encode: impl FnMut(&str) -> String) {
        write_ascii(out, &mut encode, |text, encode| self.write_with(text, encode));
    }

    fn write_with(&self, out: &mut dyn fmt::Write, encode: &mut Encode<'_>) -> fmt::Result {
        match &self.display_name {
            Some(name) => {
                write_display_name(out, name, encode)?;
                write!(out, " <{}>", self.addr_spec)
            }
            None => write!(out, "{}", self.addr_spec),
        }
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_with(f, &mut None)
    }
}

impl std::str::FromStr for Mailbox {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        mailbox(s.as_bytes())
    }
}

/// A named group of mailboxes, possibly empty, as in
/// `undisclosed-recipients:;`.
///
/// ```
/// use smtpkit_codec::field::address::Group;
///
/// let group = Group::new("undisclosed-recipients", Vec::new()).expect("no controls");
/// assert_eq!(group.to_string(), "undisclosed-recipients:;");
/// assert!(Group::new("a\nb", Vec::new()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    display_name: String,
    members: Vec<Mailbox>,
}

impl Group {
    /// Builds a group; the name is written as [`Mailbox::new`] says.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] with an offset into `display_name` when it holds a
    /// control character other than tab.
    pub fn new(display_name: &str, members: Vec<Mailbox>) -> Result<Self, ParseError> {
        check_text(display_name, "display-name text")?;
        Ok(Self { display_name: display_name.to_owned(), members })
    }

    /// The group's name, decoded.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The mailboxes of the group, maybe none.
    pub fn members(&self) -> &[Mailbox] {
        &self.members
    }

    fn write_with(&self, out: &mut dyn fmt::Write, encode: &mut Encode<'_>) -> fmt::Result {
        write_display_name(out, &self.display_name, encode)?;
        out.write_char(':')?;
        for (i, member) in self.members.iter().enumerate() {
            out.write_str(if i == 0 { " " } else { ", " })?;
            member.write_with(out, encode)?;
        }
        out.write_char(';')
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_with(f, &mut None)
    }
}

/// An address: a mailbox or a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// A single mailbox.
    Mailbox(Mailbox),
    /// A named group of mailboxes.
    Group(Group),
}

impl Address {
    /// The mailboxes of the address: itself, or a group's members.
    pub fn mailboxes(&self) -> &[Mailbox] {
        match self {
            Self::Mailbox(mailbox) => std::slice::from_ref(mailbox),
            Self::Group(group) => group.members(),
        }
    }

    fn write_with(&self, out: &mut dyn fmt::Write, encode: &mut Encode<'_>) -> fmt::Result {
        match self {
            Self::Mailbox(mailbox) => mailbox.write_with(out, encode),
            Self::Group(group) => group.write_with(out, encode),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_with(f, &mut None)
    }
}

/// The addresses of To, Cc, Bcc, Reply-To and their Resent- forms.
///
/// Written with `, ` between addresses and no folds: folding is for the
/// writer of the header section.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddressList(Vec<Address>);

impl AddressList {
    /// Builds a list of at least one and at most [`ADDRESS_LIMIT`]
    /// addresses, group members included.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] at offset 0 when the list is empty or too long.
    pub fn new(addresses: Vec<Address>) -> Result<Self, ParseError> {
        let count = addresses
            .iter()
            .map(|address| match address {
                Address::Mailbox(_) => 1,
                Address::Group(group) => 1 + group.members.len(),
            })
            .sum();
        check_count(addresses.is_empty(), count, "address")?;
        Ok(Self(addresses))
    }

    /// The addresses, in order.
    pub fn addresses(&self) -> &[Address] {
        &self.0
    }

    /// Every mailbox, group members included, in order.
    pub fn mailboxes(&self) -> impl Iterator<Item = &Mailbox> {
        self.0.iter().flat_map(Address::mailboxes)
    }

    /// Writes the list as [`Display`](fmt::Display) does.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_string().as_bytes());
    }

    /// Writes the list, handing every display name that is not ASCII to
    /// `encode`, as [`Mailbox::write_to_ascii`] does.
    pub fn write_to_ascii(&self, out: &mut Vec<u8>, mut encode: impl FnMut(&str) -> String) {
        write_ascii(out, &mut encode, |text, encode| self.write_with(text, encode));
    }

    fn write_with(&self, out: &mut dyn fmt::Write, encode: &mut Encode<'_>) -> fmt::Result {
        write_separated(&self.0, out, encode, Address::write_with)
    }
}

impl fmt::Display for AddressList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_with(f, &mut None)
    }
}

/// The mailboxes of From and Resent-From: no groups.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MailboxList(Vec<Mailbox>);

impl MailboxList {
    /// Builds a list of at least one and at most [`ADDRESS_LIMIT`]
    /// mailboxes.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] at offset 0 when the list is empty or too long.
    pub fn new(mailboxes: Vec<Mailbox>) -> Result<Self, ParseError> {
        check_count(mailboxes.is_empty(), mailboxes.len(), "mailbox")?;
        Ok(Self(mailboxes))
    }

    /// The mailboxes, in order.
    pub fn mailboxes(&self) -> &[Mailbox] {
        &self.0
    }

    /// Writes the list as [`Display`](fmt::Display) does.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_string().as_bytes());
    }

    /// Writes the list, handing every display name that is not ASCII to
    /// `encode`, as [`Mailbox::write_to_ascii`] does.
    pub fn write_to_ascii(&self, out: &mut Vec<u8>, mut encode: impl FnMut(&str) -> String) {
        write_ascii(out, &mut encode, |text, encode| self.write_with(text, encode));
    }

    fn write_with(&self, out: &mut dyn fmt::Write, encode: &mut Encode<'_>) -> fmt::Result {
        write_separated(&self.0, out, encode, Mailbox::write_with)
    }
}

impl fmt::Display for MailboxList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_with(f, &mut None)
    }
}

/// The writer of display names: `None` writes them as they are, `Some`
/// hands those that are not ASCII to an encoder.
type Encode<'e> = Option<&'e mut dyn FnMut(&str) -> String>;

/// Writes with `write` into a string, handing display names that are not
/// ASCII to `encode`, and appends the result to `out`.
fn write_ascii(
    out: &mut Vec<u8>,
    encode: &mut dyn FnMut(&str) -> String,
    write: impl FnOnce(&mut String, &mut Encode<'_>) -> fmt::Result,
) {
    let mut text = String::new();
    write(&mut text, &mut Some(encode)).expect("writing to a String cannot fail");
    out.extend_from_slice(text.as_bytes());
}

/// Writes `items` separated by `, `, as address and mailbox lists are.
fn write_separated<T>(
    items: &[T],
    out: &mut dyn fmt::Write,
    encode: &mut Encode<'_>,
    write: impl Fn(&T, &mut dyn fmt::Write, &mut Encode<'_>) -> fmt::Result,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write(item, out, encode)?;
    }
    Ok(())
}

/// Writes a display name, through the encoder where it is not ASCII.
fn write_display_name(
    out: &mut dyn fmt::Write,
    name: &str,
    encode: &mut Encode<'_>,
) -> fmt::Result {
    match encode {
        Some(encode) if !name.is_ascii() => out.write_str(&encode(name)),
        _ => write_phrase(out, name),
    }
}

/// Refuses text with a control character other than tab.
fn check_text(text: &str, expected: &'static str) -> Result<(), ParseError> {
    match first_control(text) {
        Some(offset) => Err(ParseError::new(offset, ErrorKind::Syntax { expected })),
        None => Ok(()),
    }
}

/// Refuses an empty list or one over [`ADDRESS_LIMIT`].
fn check_count(empty: bool, count: usize, expected: &'static str) -> Result<(), ParseError> {
    if empty {
        return Err(ParseError::new(0, ErrorKind::Syntax { expected }));
    }
    if count > ADDRESS_LIMIT {
        let kind = ErrorKind::TooMany { element: "addresses", limit: ADDRESS_LIMIT };
        return Err(ParseError::new(0, kind));
    }
    Ok(())
}

impl From<Mailbox> for Address {
    fn from(mailbox: Mailbox) -> Self {
        Address::Mailbox(mailbox)
    }
}

impl From<Group> for Address {
    fn from(group: Group) -> Self {
        Address::Group(group)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::strategies::field as strategies;

    #[test]
    fn a_quoted_local_part_is_written_quoted_again() {
        let list = address_list(b"\"alice@example.org\"@evil.example").expect("valid");
        assert_eq!(list.to_string(), "\"alice@example.org\"@evil.example");
        let spec = list.mailboxes().next().expect("one mailbox").addr_spec();
        assert!(spec
            .to_envelope()
            .is_ok_and(|m| m.to_string() == "\"alice@example.org\"@evil.example"));
    }

    #[test]
    fn constructors_refuse_what_a_header_field_cannot_carry() {
        let spec = AddrSpec::new("jdoe", "example.org").expect("valid");
        assert_eq!(Mailbox::new(Some("a\r\nBcc: x"), spec.clone()).expect_err("CRLF").offset(), 1);
        assert!(Mailbox::new(Some("tab\there"), spec.clone()).is_ok());
        assert!(Group::new("a\0", Vec::new()).is_err());
        assert_eq!(AddrSpec::new("a\nb", "example.org").expect_err("LF").offset(), 1);
        for domain in ["", " example.org", "example .org", "(c)example.org", "a@b", "[a]b]", "a."] {
            assert!(AddrSpec::new("a", domain).is_err(), "{domain:?}");
        }
        assert_eq!(
            AddrSpec::new("a b", "[192.0.2.1]").expect("quotable").to_string(),
            "\"a b\"@[192.0.2.1]"
        );
        assert!(AddressList::new(Vec::new()).is_err());
        assert!(MailboxList::new(vec![
            Mailbox::new(None, spec).expect("valid");
            ADDRESS_LIMIT + 1
        ])
        .is_err());
    }

    #[test]
    fn write_to_ascii_encodes_only_non_ascii_display_names() {
        let list =
            address_list("Jörg <j@x.test>, Ann <a@x.test>, Grüppe: ;".as_bytes()).expect("valid");
        let mut out = Vec::new();
        list.write_to_ascii(&mut out, |text| format!("=?UTF-8?Q?{}?=", text.len()));
        assert_eq!(out, b"=?UTF-8?Q?5?= <j@x.test>, Ann <a@x.test>, =?UTF-8?Q?7?=:;");
        let mut plain = Vec::new();
        list.write_to(&mut plain);
        assert_eq!(plain, "Jörg <j@x.test>, Ann <a@x.test>, Grüppe:;".as_bytes());
    }

    proptest! {
        #[test]
        fn address_lists_survive_a_round_trip(list in strategies::address_list()) {
            prop_assert_eq!(address_list(list.to_string().as_bytes()), Ok(list));
        }

        #[test]
        fn mailbox_lists_survive_a_round_trip(list in strategies::mailbox_list()) {
            prop_assert_eq!(mailbox_list(list.to_string().as_bytes()), Ok(list));
        }

        #[test]
        fn mailboxes_survive_a_round_trip(mailbox in strategies::mailbox()) {
            prop_assert_eq!(super::mailbox(mailbox.to_string().as_bytes()), Ok(mailbox.clone()));
            let envelope = path(format!("<{}>", mailbox.addr_spec()).as_bytes());
            prop_assert_eq!(envelope, Ok(Some(mailbox.addr_spec().clone())));
        }

    }
}
