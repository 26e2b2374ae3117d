//! The grammar of addresses in header fields: the parsers behind
//! [`address_list`], [`mailbox_list`], [`mailbox`] and [`path`], and the
//! domain reader that message identifiers share.

use crate::address::whole;
use crate::error::{failure, finish, ErrorKind, Failure, PResult, ParseError};
use crate::field::lexical::{atom, cfws, fws};
use crate::field::phrase::{check_dotted, lexemes, phrase_text, Lexeme, Token};

use super::{AddrSpec, Address, AddressList, AddressOptions, Group, Mailbox, MailboxList};

/// Parses the value of To, Cc, Bcc or Reply-To, with
/// [`ADDRESS_LIMIT`](super::ADDRESS_LIMIT).
///
/// ```abnf
/// address-list    = (address *("," address)) / obs-addr-list
/// obs-addr-list   = *([CFWS] ",") address *("," [address / CFWS])
/// address         = mailbox / group
/// group           = display-name ":" [group-list] ";" [CFWS]
/// group-list      = mailbox-list / CFWS / obs-group-list
/// obs-group-list  = 1*([CFWS] ",") [CFWS]
/// ```
/// RFC 5322 §3.4 and §4.4. Empty elements of the obsolete lists are
/// skipped.
///
/// ```
/// use smtpkit_codec::field::address::{address_list, Address};
///
/// let list = address_list(b"Mary <mary@x.test>, friends: joe@y.test;").expect("valid");
/// assert_eq!(list.mailboxes().count(), 2);
/// assert!(matches!(&list.addresses()[1], Address::Group(g) if g.display_name() == "friends"));
///
/// let error = address_list(b"alice@example.org<bob@evil.example>").expect_err("ambiguous");
/// assert_eq!(error.to_string(), "expected \",\" at offset 17");
/// ```
///
/// # Errors
///
/// A [`ParseError`] whose offset is into `value`: a syntax error, text
/// that is not UTF-8, comments nested too deeply, or too many addresses.
pub fn address_list(value: &[u8]) -> Result<AddressList, ParseError> {
    address_list_with(value, &AddressOptions::default())
}

/// Parses the value of To, Cc, Bcc or Reply-To within `options`' limits.
///
/// See [`address_list`].
///
/// # Errors
///
/// As [`address_list`].
pub fn address_list_with(
    value: &[u8],
    options: &AddressOptions,
) -> Result<AddressList, ParseError> {
    let mut budget = Budget { left: options.address_limit, limit: options.address_limit };
    let mut buf = Vec::new();
    let result = list(value, "address", |input| address(input, true, &mut budget, &mut buf));
    finish(value, result).map(AddressList)
}

/// Parses the value of From or Resent-From, with
/// [`ADDRESS_LIMIT`](super::ADDRESS_LIMIT).
///
/// ```abnf
/// mailbox-list    = (mailbox *("," mailbox)) / obs-mbox-list
/// obs-mbox-list   = *([CFWS] ",") mailbox *("," [mailbox / CFWS])
/// ```
/// RFC 5322 §3.4 and §4.4.
///
/// ```
/// use smtpkit_codec::field::address::mailbox_list;
///
/// let list = mailbox_list(b"a@example.org, Bea <b@example.org>").expect("valid");
/// assert_eq!(list.mailboxes()[1].display_name(), Some("Bea"));
/// assert_eq!(mailbox_list(b"friends: a@example.org;").expect_err("a group").offset(), 7);
/// ```
///
/// # Errors
///
/// As [`address_list`]; a group is a syntax error here.
pub fn mailbox_list(value: &[u8]) -> Result<MailboxList, ParseError> {
    mailbox_list_with(value, &AddressOptions::default())
}

/// Parses the value of From or Resent-From within `options`' limits.
///
/// See [`mailbox_list`].
///
/// # Errors
///
/// As [`mailbox_list`].
pub fn mailbox_list_with(
    value: &[u8],
    options: &AddressOptions,
) -> Result<MailboxList, ParseError> {
    let mut budget = Budget { left: options.address_limit, limit: options.address_limit };
    let mut buf = Vec::new();
    let result = list(value, "mailbox", |input| single(input, &mut budget, &mut buf));
    finish(value, result).map(MailboxList)
}

/// Parses the value of Sender or Resent-Sender: one mailbox.
///
/// ```abnf
/// mailbox         = name-addr / addr-spec
/// name-addr       = [display-name] angle-addr
/// angle-addr      = [CFWS] "<" addr-spec ">" [CFWS] / obs-angle-addr
/// display-name    = phrase
/// addr-spec       = local-part "@" domain
/// obs-angle-addr  = [CFWS] "<" obs-route addr-spec ">" [CFWS]
/// ```
/// RFC 5322 §3.4, §3.4.1 and §4.4.
///
/// ```
/// use smtpkit_codec::field::address::mailbox;
///
/// let sender = mailbox(b"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>")
///     .expect("RFC 5322 A.5");
/// assert_eq!(sender.to_string(), "Pete <pete@silly.test>");
/// assert_eq!(mailbox(b"a@example.org, b@example.org").expect_err("two").offset(), 13);
/// ```
///
/// # Errors
///
/// A [`ParseError`] whose offset is into `value`.
pub fn mailbox(value: &[u8]) -> Result<Mailbox, ParseError> {
    let mut budget = Budget { left: 1, limit: 1 };
    let mut buf = Vec::new();
    whole(value, |input| single(input, &mut budget, &mut buf))
}

/// Parses the value of Return-Path: an address, or `None` for `<>`.
///
/// ```abnf
/// path            = angle-addr / ([CFWS] "<" [CFWS] ">" [CFWS])
/// ```
/// RFC 5322 §3.6.7.
///
/// ```
/// use smtpkit_codec::field::address::path;
///
/// let spec = path(b" <mary@example.net>").expect("valid").expect("not null");
/// assert_eq!(spec.to_string(), "mary@example.net");
/// assert_eq!(path(b"<>").expect("the null path"), None);
/// assert_eq!(path(b"mary@example.net").expect_err("no brackets").offset(), 0);
/// ```
///
/// # Errors
///
/// A [`ParseError`] whose offset is into `value`.
pub fn path(value: &[u8]) -> Result<Option<AddrSpec>, ParseError> {
    let mut buf = Vec::new();
    whole(value, |input| {
        let (rest, ()) = cfws(input)?;
        if rest.first() != Some(&b'<') {
            return Err(failure(rest, ErrorKind::Syntax { expected: "\"<\"" }));
        }
        let (inner, ()) = cfws(&rest[1..])?;
        if let Some(after) = inner.strip_prefix(b">") {
            let (after, ()) = cfws(after)?;
            return Ok((after, None));
        }
        let (rest, spec) = angle_addr(rest, &mut buf)?;
        Ok((rest, Some(spec)))
    })
}

/// Reads a domain, returning it without comments and folds.
///
/// ```abnf
/// domain          = dot-atom / domain-literal / obs-domain
/// obs-domain      = atom *("." atom)
/// ```
/// RFC 5322 §3.4.1 and §4.4. The atoms are joined by dots, whatever CFWS
/// stood around them.
pub(crate) fn domain(input: &[u8]) -> PResult<'_, String> {
    let (mut rest, ()) = cfws(input)?;
    if rest.first() == Some(&b'[') {
        return domain_literal(rest);
    }
    let mut text = String::new();
    loop {
        let (after, label) = atom(rest).map_err(|e| named(e, "domain"))?;
        text.push_str(label);
        let Some(next) = after.strip_prefix(b".") else {
            return Ok((after, text));
        };
        text.push('.');
        rest = next;
    }
}

/// Counts addresses against the limit.
struct Budget {
    left: usize,
    limit: usize,
}

impl Budget {
    fn take<'a>(&mut self, at: &'a [u8]) -> Result<(), nom::Err<Failure<'a>>> {
        if self.left == 0 {
            let kind = ErrorKind::TooMany { element: "addresses", limit: self.limit };
            return Err(failure(at, kind));
        }
        self.left -= 1;
        Ok(())
    }
}

/// Reads a list of `item`s separated by commas, skipping empty elements,
/// to the end of the input.
fn list<'a, T>(
    input: &'a [u8],
    expected: &'static str,
    mut item: impl FnMut(&'a [u8]) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    let mut items = Vec::new();
    let mut rest = input;
    loop {
        let (at, ()) = cfws(rest)?;
        match at.first() {
            None if items.is_empty() => {
                return Err(failure(at, ErrorKind::Syntax { expected }));
            }
            None => return Ok((at, items)),
            Some(b',') => rest = &at[1..],
            Some(_) => {
                let (after, value) = item(at)?;
                items.push(value);
                match after.first() {
                    None => return Ok((after, items)),
                    Some(b',') => rest = &after[1..],
                    Some(_) => return Err(failure(after, ErrorKind::Syntax { expected: "\",\"" })),
                }
            }
        }
    }
}

/// Reads a mailbox, or, with `groups`, a group.
///
/// The words and dots at the start are read once; the byte after them says
/// what they were: `<` ends a display name, `:` a group's name and `@` a
/// local part. Anything else is an error, since no rule of the grammar
/// would take it.
fn address<'a>(
    input: &'a [u8],
    groups: bool,
    budget: &mut Budget,
    buf: &mut Vec<Lexeme<'a>>,
) -> PResult<'a, Address> {
    buf.clear();
    let (rest, ()) = lexemes(input, buf)?;
    match rest.first() {
        Some(b'<') => {
            let display_name = if buf.is_empty() { None } else { Some(phrase_text(buf, rest)?) };
            let (rest, addr_spec) = angle_addr(rest, buf)?;
            budget.take(input)?;
            Ok((rest, Address::Mailbox(Mailbox { display_name, addr_spec })))
        }
        Some(b':') if groups && !buf.is_empty() => {
            let display_name = phrase_text(buf, rest)?;
            budget.take(input)?;
            let (rest, members) = group_list(&rest[1..], budget, buf)?;
            Ok((rest, Address::Group(Group { display_name, members })))
        }
        Some(b'@') if !buf.is_empty() => {
            let (rest, addr_spec) = addr_spec_after(buf, rest)?;
            budget.take(input)?;
            Ok((rest, Address::Mailbox(Mailbox { display_name: None, addr_spec })))
        }
        _ => {
            let expected = match (buf.is_empty(), groups) {
                (true, true) => "address",
                (true, false) => "mailbox",
                (false, true) => "\"<\", \":\" or \"@\"",
                (false, false) => "\"<\" or \"@\"",
            };
            Err(failure(rest, ErrorKind::Syntax { expected }))
        }
    }
}

/// Reads a mailbox, where groups are not allowed.
fn single<'a>(
    input: &'a [u8],
    budget: &mut Budget,
    buf: &mut Vec<Lexeme<'a>>,
) -> PResult<'a, Mailbox> {
    match address(input, false, budget, buf)? {
        (rest, Address::Mailbox(mailbox)) => Ok((rest, mailbox)),
        // `address` reads no group when told not to; should it, the input
        // is still not a mailbox.
        (_, Address::Group(_)) => Err(failure(input, ErrorKind::Syntax { expected: "mailbox" })),
    }
}

/// Reads the mailboxes of a group after its colon, through the semicolon
/// and the CFWS after it.
fn group_list<'a>(
    input: &'a [u8],
    budget: &mut Budget,
    buf: &mut Vec<Lexeme<'a>>,
) -> PResult<'a, Vec<Mailbox>> {
    let mut members = Vec::new();
    let mut rest = input;
    loop {
        let (at, ()) = cfws(rest)?;
        match at.first() {
            Some(b';') => {
                let (after, ()) = cfws(&at[1..])?;
                return Ok((after, members));
            }
            Some(b',') => rest = &at[1..],
            None => return Err(failure(at, ErrorKind::Syntax { expected: "\";\"" })),
            Some(_) => {
                let (after, mailbox) = single(at, budget, buf)?;
                members.push(mailbox);
                match after.first() {
                    Some(b',') => rest = &after[1..],
                    Some(b';') => rest = after,
                    _ => {
                        let expected = "\",\" or \";\"";
                        return Err(failure(after, ErrorKind::Syntax { expected }));
                    }
                }
            }
        }
    }
}

/// Reads an angle-addr from its `<`, dropping an obsolete route.
///
/// ```abnf
/// obs-route       = obs-domain-list ":"
/// obs-domain-list = *(CFWS / ",") "@" domain
///                   *("," [CFWS] ["@" domain])
/// ```
/// RFC 5322 §4.4.
fn angle_addr<'a>(input: &'a [u8], buf: &mut Vec<Lexeme<'a>>) -> PResult<'a, AddrSpec> {
    let (mut rest, ()) = cfws(&input[1..])?;
    if matches!(rest.first(), Some(b'@' | b',')) {
        rest = obs_route(rest)?;
    }
    buf.clear();
    let (rest, ()) = lexemes(rest, buf)?;
    let (rest, addr_spec) = addr_spec_after(buf, rest)?;
    let Some(rest) = rest.strip_prefix(b">") else {
        return Err(failure(rest, ErrorKind::Syntax { expected: "\">\"" }));
    };
    let (rest, ()) = cfws(rest)?;
    Ok((rest, addr_spec))
}

/// Skips an obs-route, returning the input after its colon.
fn obs_route(input: &[u8]) -> Result<&[u8], nom::Err<Failure<'_>>> {
    let mut rest = input;
    let mut domains = 0;
    loop {
        let (at, ()) = cfws(rest)?;
        match at.first() {
            Some(b',') => rest = &at[1..],
            Some(b'@') => {
                rest = domain(&at[1..])?.0;
                domains += 1;
            }
            Some(b':') if domains > 0 => return Ok(&at[1..]),
            _ => {
                let expected = if domains == 0 { "\"@\"" } else { "\",\" or \":\"" };
                return Err(failure(at, ErrorKind::Syntax { expected }));
            }
        }
    }
}

/// Finishes an addr-spec whose local part has been read as `lexemes`, with
/// `rest` at the `@`.
///
/// ```abnf
/// addr-spec       = local-part "@" domain
/// local-part      = dot-atom / quoted-string / obs-local-part
/// obs-local-part  = word *("." word)
/// ```
/// RFC 5322 §3.4.1 and §4.4. The local part's text is its words' text
/// joined by dots: quoting is not part of it.
fn addr_spec_after<'a>(lexemes: &[Lexeme<'a>], rest: &'a [u8]) -> PResult<'a, AddrSpec> {
    check_dotted(lexemes, rest)?;
    let Some(rest) = rest.strip_prefix(b"@") else {
        return Err(failure(rest, ErrorKind::Syntax { expected: "\"@\"" }));
    };
    let mut local_part = String::new();
    for lexeme in lexemes {
        match &lexeme.token {
            Token::Word(word) => local_part.push_str(word.text()),
            Token::Dot => local_part.push('.'),
        }
    }
    let (rest, domain) = domain(rest)?;
    Ok((rest, AddrSpec { local_part, domain }))
}

/// Reads a domain literal from its `[`, keeping one space where FWS
/// separated two runs of dtext.
///
/// ```abnf
/// domain-literal  = [CFWS] "[" *([FWS] dtext) [FWS] "]" [CFWS]
/// dtext           = %d33-90 / %d94-126 / obs-dtext
/// ```
/// RFC 5322 §3.4.1, with UTF-8 in dtext (RFC 6532 §3.2) (edited: the
/// obs-dtext of §4.4, control characters and quoted pairs, is refused).
fn domain_literal(input: &[u8]) -> PResult<'_, String> {
    let mut text = String::from("[");
    let mut rest = &input[1..];
    loop {
        let at = fws(rest);
        let len = at.iter().take_while(|&&b| matches!(b, 33..=90 | 94..=126 | 0x80..)).count();
        if len == 0 {
            break;
        }
        if at.len() != rest.len() && text.len() > 1 {
            text.push(' ');
        }
        let run = std::str::from_utf8(&at[..len])
            .map_err(|e| failure(&at[e.valid_up_to()..], ErrorKind::NonAscii))?;
        text.push_str(run);
        rest = &at[len..];
    }
    let at = fws(rest);
    let Some(after) = at.strip_prefix(b"]") else {
        return Err(failure(at, ErrorKind::Syntax { expected: "dtext or \"]\"" }));
    };
    text.push(']');
    let (after, ()) = cfws(after)?;
    Ok((after, text))
}

/// Makes an error final, naming `expected` where no rule named itself.
fn named<'a>(error: nom::Err<Failure<'a>>, expected: &'static str) -> nom::Err<Failure<'a>> {
    match error {
        nom::Err::Error(mut f) | nom::Err::Failure(mut f) => {
            if matches!(f.kind, None | Some(ErrorKind::Syntax { expected: "atom" })) {
                f.kind = Some(ErrorKind::Syntax { expected });
            }
            nom::Err::Failure(f)
        }
        incomplete => incomplete,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::field::address::ADDRESS_LIMIT;

    /// Every mailbox of a list as `display name|local part|domain`.
    fn parts(list: &AddressList) -> Vec<String> {
        let show = |m: &Mailbox| {
            let spec = m.addr_spec();
            format!("{:?}|{}|{}", m.display_name(), spec.local_part(), spec.domain())
        };
        list.mailboxes().map(show).collect()
    }

    #[test]
    fn rfc_5322_appendix_a_addresses_ok() {
        let table: &[(&str, &str)] = &[
            // A.1.1 to A.1.3: simple addressing, groups.
            ("John Doe <jdoe@machine.example>", "John Doe <jdoe@machine.example>"),
            (
                "\"Joe Q. Public\" <john.q.public@example.com>",
                "\"Joe Q. Public\" <john.q.public@example.com>",
            ),
            (
                "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
                "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
            ),
            (
                "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
                "boss@nil.test, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
            ),
            (
                "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
                "A Group: Ed Jones <c@a.test>, joe@where.test, John <jdoe@one.test>;",
            ),
            ("Undisclosed recipients:;", "Undisclosed recipients:;"),
            // A.2 and A.3: a reply, resent fields.
            (
                "\"Mary Smith: Personal Account\" <smith@home.example>",
                "\"Mary Smith: Personal Account\" <smith@home.example>",
            ),
            ("Jane Brown <j-brown@other.example>", "Jane Brown <j-brown@other.example>"),
            // A.4: the addresses of a message with trace fields.
            ("John Doe <jdoe@node.example>", "John Doe <jdoe@node.example>"),
            ("Mary Smith <mary@example.net>", "Mary Smith <mary@example.net>"),
            // A.5: white space, comments and other oddities.
            ("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "Pete <pete@silly.test>"),
            (
                "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)",
                "A Group: Chris Jones <c@public.example>, joe@example.org, John <jdoe@one.test>;",
            ),
            ("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;", "Hidden recipients:;"),
            // A.6.1 and A.6.3: obsolete addressing, white space and comments.
            ("Joe Q. Public <john.q.public@example.com>", "\"Joe Q. Public\" <john.q.public@example.com>"),
            (
                "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
                "Mary Smith <mary@example.net>, jdoe@test.example",
            ),
            ("John Doe <jdoe@machine(comment).  example>", "John Doe <jdoe@machine.example>"),
            (" Mary Smith\r\n  \r\n          <mary@example.net>", "Mary Smith <mary@example.net>"),
        ];
        for &(input, written) in table {
            let list = address_list(input.as_bytes()).expect(input);
            assert_eq!(list.to_string(), written, "{input}");
        }
    }

    #[test]
    fn address_lists_ok() {
        let table: &[(&str, &[&str])] = &[
            ("<@a.test,@b.test:x@c.test>", &["None|x|c.test"]),
            ("<,@a.test,,@b.test:x@c.test>", &["None|x|c.test"]),
            ("jdoe@[192.0.2.1]", &["None|jdoe|[192.0.2.1]"]),
            ("jdoe@[ a \r\n b ]", &["None|jdoe|[a b]"]),
            ("Jörg <jörg@bücher.example>", &["Some(\"Jörg\")|jörg|bücher.example"]),
            ("\"\" <a@b.test>", &["Some(\"\")|a|b.test"]),
            ("jdoe@example.org (John Doe)", &["None|jdoe|example.org"]),
            ("\"john doe\"@example.org", &["None|john doe|example.org"]),
            ("john . \"q\" . public@example.com", &["None|john.q.public|example.com"]),
            ("\"Doe, John\" <j@x.test>", &["Some(\"Doe, John\")|j|x.test"]),
            (",a@b.test,,", &["None|a|b.test"]),
            (
                "=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
                &["Some(\"Keith Moore\")|moore|cs.utk.edu"],
            ),
            (
                "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
                &["Some(\"Keld Jørn Simonsen\")|keld|dkuug.dk"],
            ),
            (
                "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
                &["Some(\"André Pirard\")|PIRARD|vm1.ulg.ac.be"],
            ),
            ("\"=?UTF-8?Q?a?=\" <a@b.test>", &["Some(\"=?UTF-8?Q?a?=\")|a|b.test"]),
            ("g:a@b.test;, c@d.test", &["None|a|b.test", "None|c|d.test"]),
        ];
        for &(input, expected) in table {
            let list = address_list(input.as_bytes()).expect(input);
            assert_eq!(parts(&list), expected, "{input}");
        }
    }

    #[test]
    fn address_lists_failed() {
        let table: &[(&[u8], usize, &str)] = &[
            (b"", 0, "address"),
            (b" , ,", 4, "address"),
            (b"John Doe", 8, "\"<\", \":\" or \"@\""),
            (b"<jdoe@example.org", 17, "\">\""),
            (b"jdoe@", 5, "domain"),
            (b"@example.org", 0, "address"),
            (b"a..b@example.org", 2, "word"),
            (b"a@b..c", 4, "domain"),
            (b"a@b.", 4, "domain"),
            (b"A Group: a@b.test", 17, "\",\" or \";\""),
            (b"A: B: c@d;;", 4, "\"<\" or \"@\""),
            (b"John <jdoe@[1.2.3.4>", 20, "dtext or \"]\""),
            (b"\"open <a@b>", 11, "DQUOTE"),
            (b"a@b\x00", 3, "\",\""),
            (b"(unclosed a@b", 13, "\")\""),
            (b"Joe <a@b> <c@d>", 10, "\",\""),
            (b".Joe <a@b.test>", 0, "word"),
            (b"<@:a@b>", 2, "domain"),
            (b"<a@b>\r\nBcc: x@y", 5, "\",\""),
            (b"a@[b\\]c]", 4, "dtext or \"]\""),
        ];
        for &(input, offset, expected) in table {
            let error = address_list(input).expect_err("invalid");
            let kind = ErrorKind::Syntax { expected };
            assert_eq!((error.offset(), error.kind()), (offset, &kind), "{input:?}");
        }
        let error = address_list(b"j\xc3@b.test").expect_err("not UTF-8");
        assert_eq!((error.offset(), error.kind()), (1, &ErrorKind::NonAscii));
    }

    /// Inputs that a lenient parser could read as another address than the
    /// one written (CVE-2023-27043): each gives exactly what the grammar
    /// says, or an error.
    #[test]
    fn ambiguous_inputs_never_yield_an_unwritten_address() {
        let table: &[(&str, Result<&[&str], usize>)] = &[
            ("\"alice@example.org\"@evil.example", Ok(&["None|alice@example.org|evil.example"])),
            ("\"alice@example.org\" @ evil.example", Ok(&["None|alice@example.org|evil.example"])),
            ("alice@example.org<bob@evil.example>", Err(17)),
            ("alice@example.org <bob@evil.example>", Err(18)),
            ("alice@example.org)<bob@evil.example>", Err(17)),
            ("alice@example.org@evil.example", Err(17)),
            ("alice\"@example.org\"@evil.example", Err(5)),
            ("\"a@b.example@\"evil.example", Err(26)),
            ("a@b.example\"@evil.example", Err(11)),
            ("<alice@example.org>@evil.example", Err(19)),
            ("alice@[evil.example]@example.org", Err(20)),
            ("alice@example.org;bob@evil.example", Err(17)),
            ("alice@example.org\r\nBcc: eve@evil.example", Err(17)),
            ("alice@example.org\n bob@evil.example", Err(19)),
            ("alice)@example.org", Err(5)),
            (
                "\"alice@example.org\" <bob@evil.example>",
                Ok(&["Some(\"alice@example.org\")|bob|evil.example"]),
            ),
            (
                "\"alice@example.org\"<bob@evil.example>",
                Ok(&["Some(\"alice@example.org\")|bob|evil.example"]),
            ),
            (
                "\"Bob <bob@evil.example>\" <carol@example.net>",
                Ok(&["Some(\"Bob <bob@evil.example>\")|carol|example.net"]),
            ),
            (
                "\"alice\\\"@evil.example\"@example.org",
                Ok(&["None|alice\"@evil.example|example.org"]),
            ),
            ("alice@example.org (bob@evil.example)", Ok(&["None|alice|example.org"])),
            ("alice(@evil.example)@example.org", Ok(&["None|alice|example.org"])),
            ("<@evil.example:alice@example.org>", Ok(&["None|alice|example.org"])),
            (
                "\"alice@example.org, bob\"@evil.example",
                Ok(&["None|alice@example.org, bob|evil.example"]),
            ),
            (
                "alice@example.org,bob@evil.example",
                Ok(&["None|alice|example.org", "None|bob|evil.example"]),
            ),
            (
                "=?UTF-8?Q?alice=40example=2Eorg?= <bob@evil.example>",
                Ok(&["Some(\"alice@example.org\")|bob|evil.example"]),
            ),
            (
                "=?UTF-8?Q?alice=40example.org?= <bob@evil.example>",
                Ok(&["Some(\"=?UTF-8?Q?alice=40example.org?=\")|bob|evil.example"]),
            ),
            (
                "=?UTF-8?Q?alice=40example.org?=@evil.example",
                Ok(&["None|=?UTF-8?Q?alice=40example.org?=|evil.example"]),
            ),
        ];
        for &(input, expected) in table {
            let parsed = address_list(input.as_bytes());
            match (parsed, expected) {
                (Ok(list), Ok(mailboxes)) => assert_eq!(parts(&list), mailboxes, "{input}"),
                (Err(error), Err(offset)) => assert_eq!(error.offset(), offset, "{input}: {error}"),
                (parsed, expected) => panic!("{input}: got {parsed:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn mailbox_lists_refuse_groups_and_mailbox_takes_one() {
        let list = mailbox_list(b"a@b.test, Bea <b@c.test>").expect("valid");
        assert_eq!(list.to_string(), "a@b.test, Bea <b@c.test>");
        let error = mailbox_list(b"g: a@b.test;").expect_err("a group");
        assert_eq!(
            (error.offset(), error.kind()),
            (1, &ErrorKind::Syntax { expected: "\"<\" or \"@\"" })
        );
        let error = mailbox(b"a@b.test, c@d.test").expect_err("two");
        assert_eq!(
            (error.offset(), error.kind()),
            (8, &ErrorKind::Syntax { expected: "end of input" })
        );
        assert_eq!(mailbox(b" <a@b.test> ").expect("one").to_string(), "a@b.test");
    }

    #[test]
    fn return_paths_ok_and_failed() {
        let ok: &[(&[u8], Option<&str>)] = &[
            (b"<mary@example.net>", Some("mary@example.net")),
            (b" (c) < @relay.test:mary@example.net > ", Some("mary@example.net")),
            (b"<>", None),
            (b" < (nobody) > ", None),
        ];
        for &(input, expected) in ok {
            let spec = path(input).expect("valid");
            assert_eq!(spec.map(|s| s.to_string()).as_deref(), expected, "{input:?}");
        }
        let failed: &[(&[u8], usize)] =
            &[(b"mary@example.net", 0), (b"<mary>", 5), (b"<a@b> x", 6), (b"", 0)];
        for &(input, offset) in failed {
            assert_eq!(path(input).expect_err("invalid").offset(), offset, "{input:?}");
        }
    }

    #[test]
    fn more_addresses_than_the_limit_are_refused() {
        let value = "a@b.test,".repeat(ADDRESS_LIMIT) + "c@d.test";
        let error = address_list(value.as_bytes()).expect_err("one too many");
        let kind = ErrorKind::TooMany { element: "addresses", limit: ADDRESS_LIMIT };
        assert_eq!((error.offset(), error.kind()), (9 * ADDRESS_LIMIT, &kind));

        let options = AddressOptions { address_limit: 3 };
        assert!(address_list_with(b"g: a@b.test, c@d.test;", &options).is_ok());
        let error =
            address_list_with(b"g: a@b.test, c@d.test, e@f.test;", &options).expect_err("four");
        assert_eq!(error.offset(), 23);
        assert!(
            mailbox_list_with(b"a@b.test, c@d.test", &AddressOptions { address_limit: 1 }).is_err()
        );
    }

    #[test]
    fn adversarial_inputs_finish() {
        let inputs = [
            ",".repeat(100_000),
            "\"".repeat(100_001),
            "a.".repeat(100_000),
            "<".repeat(100_000),
            "a:".repeat(100_000),
            "(".repeat(100_000),
            "a@b,".repeat(100_000),
            "=?".repeat(100_000),
            "\"\\\"".repeat(100_000),
            format!("<{}a@b>", "@a,".repeat(100_000)),
            format!("a@[{}]", "a ".repeat(100_000)),
        ];
        for input in &inputs {
            let _ = address_list(input.as_bytes());
            let _ = mailbox_list(input.as_bytes());
            let _ = path(input.as_bytes());
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = address_list(&bytes);
            let _ = mailbox_list(&bytes);
            let _ = mailbox(&bytes);
            let _ = path(&bytes);
        }

        #[test]
        fn address_shaped_bytes_never_panic(text in "[a-z@<>\",;:.()\\[\\]\\\\ \r\n\t=?é]{0,80}") {
            let _ = address_list(text.as_bytes());
            let _ = mailbox(text.as_bytes());
            let _ = path(text.as_bytes());
        }
    }
}
