//! The `Received:` trace field: RFC 5322 §3.6.7, with the clauses of
//! RFC 5321 §4.4.
//!
//! Real `Received:` fields follow RFC 5321's clauses only loosely: every
//! MTA puts its own comments, keywords and orders in them. So
//! [`received`] is lenient in the part before the date and strict in the
//! date: it splits the tokens without ever failing on them, picks out the
//! clauses it recognises, keeps every token as written, and then reads
//! the date after the last `;` with [`date_time`].

use std::borrow::Cow;

use super::date::{date_time, DateTime};
use crate::error::{ErrorKind, ParseError};

/// One clause of a `Received:` field: a keyword's value and the comment
/// right after it.
///
/// In `from mail.example (mail.example [192.0.2.1])`, the value is
/// `mail.example` and the comment, which RFC 5321 §4.4 calls TCP-info,
/// is `mail.example [192.0.2.1]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Clause<'a> {
    /// The token after the keyword; an address in angle brackets loses its
    /// brackets.
    pub value: Cow<'a, str>,
    /// The text of the comment right after the value, without its outer
    /// parentheses.
    pub comment: Option<Cow<'a, str>>,
}

impl Clause<'_> {
    /// Detaches the clause from the field it borrows from.
    pub fn into_owned(self) -> Clause<'static> {
        Clause {
            value: Cow::Owned(self.value.into_owned()),
            comment: self.comment.map(|c| Cow::Owned(c.into_owned())),
        }
    }
}

/// A `Received:` field's value: its tokens, the clauses among them, and
/// the date.
///
/// ```
/// use smtpkit_codec::field::received::received;
///
/// let value = b"from mail.example (mail.example [192.0.2.1])\r\n\tby mx.example (Postfix) \
///     with ESMTPS id 4ABC123\r\n\tfor <bob@example.org>; Tue, 1 Jul 2003 10:52:37 +0200 (CEST)";
/// let trace = received(value).expect("a Postfix trace field");
/// let from = trace.from.expect("a from clause");
/// assert_eq!(from.value, "mail.example");
/// assert_eq!(from.comment.as_deref(), Some("mail.example [192.0.2.1]"));
/// assert_eq!(trace.for_.map(|c| c.value).as_deref(), Some("bob@example.org"));
/// assert_eq!(trace.date.to_rfc3339(), "2003-07-01T10:52:37+02:00");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Received<'a> {
    /// `from`: the host the message came from (its HELO name).
    pub from: Option<Clause<'a>>,
    /// `by`: the host that received it.
    pub by: Option<Clause<'a>>,
    /// `via`: the link, such as `TCP`.
    pub via: Option<Clause<'a>>,
    /// `with`: the protocol, such as `ESMTPS`.
    pub with: Option<Clause<'a>>,
    /// `id`: the receiving host's queue identifier.
    pub id: Option<Clause<'a>>,
    /// `for`: the recipient the message was received for.
    pub for_: Option<Clause<'a>>,
    /// Every token before the date as written, folds removed: words,
    /// comments with their parentheses, quoted strings with their quotes,
    /// addresses with their angle brackets, and any `;` before the last.
    /// A token borrows from the field unless it had to be unfolded or
    /// held octets that are not UTF-8 (each replaced by U+FFFD).
    pub tokens: Vec<Cow<'a, str>>,
    /// The date after the last `;`.
    pub date: DateTime,
}

impl Received<'_> {
    /// Detaches the value from the field it borrows from.
    pub fn into_owned(self) -> Received<'static> {
        Received {
            from: self.from.map(Clause::into_owned),
            by: self.by.map(Clause::into_owned),
            via: self.via.map(Clause::into_owned),
            with: self.with.map(Clause::into_owned),
            id: self.id.map(Clause::into_owned),
            for_: self.for_.map(Clause::into_owned),
            tokens: self.tokens.into_iter().map(|t| Cow::Owned(t.into_owned())).collect(),
            date: self.date,
        }
    }
}

/// Parses the value of a `Received:` field, without its final line
/// ending.
///
/// ```abnf
/// received       = "Received:" [1*received-token / CFWS] ";" date-time CRLF
/// received-token = word / angle-addr / addr-spec / domain
/// ```
/// RFC 5322 §3.6.7 (edited: the value only; any tokens before the date,
/// as the [module documentation](self) explains). A keyword of RFC 5321
/// §4.4 (`from`, `by`, `via`, `with`, `id`, `for`, in any case) followed
/// by a token makes a [`Clause`]; the first of each keyword counts. The
/// date follows the last `;` that is outside comments and quoted strings
/// (or, when comments or quotes are left open, the last `;` at all).
///
/// ```
/// use smtpkit_codec::field::received::received;
///
/// let trace = received(b"from bar.com by foo.com ; Thu, 21 May 1998 05:33:29 -0700")
///     .expect("RFC 5321 appendix D");
/// assert_eq!(trace.by.map(|c| c.value).as_deref(), Some("foo.com"));
///
/// let error = received(b"from bar.com by foo.com; Thu, 21 May 1998 05:33:29").expect_err("no zone");
/// assert_eq!(error.to_string(), "expected zone at offset 50");
/// ```
///
/// # Errors
///
/// [`ErrorKind::Syntax`] at the end when there is no `;`; otherwise the
/// errors of [`date_time`] for what follows the last `;`, with offsets into
/// `value`.
pub fn received(value: &[u8]) -> Result<Received<'_>, ParseError> {
    let Some(semicolon) = last_semicolon(value) else {
        return Err(ParseError::new(value.len(), ErrorKind::Syntax { expected: "\";\"" }));
    };
    let date = date_time(&value[semicolon + 1..]).map_err(|e| e.shifted(semicolon + 1))?;
    let tokens = tokens(&value[..semicolon]);

    let mut trace = Received {
        from: None,
        by: None,
        via: None,
        with: None,
        id: None,
        for_: None,
        tokens,
        date,
    };
    let mut words = (0..trace.tokens.len()).filter(|&i| !trace.tokens[i].starts_with('('));
    let mut previous = words.next();
    for value_at in words {
        let Some(keyword_at) = previous.replace(value_at) else { break };
        let Some(index) = keyword_index(&trace.tokens[keyword_at]) else { continue };
        let value = &trace.tokens[value_at];
        if keyword_index(value).is_some() {
            continue;
        }
        let slot = match index {
            0 => &mut trace.from,
            1 => &mut trace.by,
            2 => &mut trace.via,
            3 => &mut trace.with,
            4 => &mut trace.id,
            _ => &mut trace.for_,
        };
        if slot.is_none() {
            *slot = Some(Clause {
                value: map_cow(value, strip_angle_brackets),
                comment: trace
                    .tokens
                    .get(value_at + 1)
                    .filter(|t| t.starts_with('('))
                    .map(|t| map_cow(t, strip_parentheses)),
            });
        }
    }
    Ok(trace)
}

/// The offset of the `;` that comes before the date.
fn last_semicolon(value: &[u8]) -> Option<usize> {
    let (mut depth, mut quoted, mut last) = (0usize, false, None);
    let mut i = 0;
    while let Some(&b) = value.get(i) {
        match b {
            b'\\' if depth > 0 || quoted => i += 1,
            b'"' if depth == 0 => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth = depth.saturating_sub(1),
            b';' if depth == 0 && !quoted => last = Some(i),
            _ => {}
        }
        i += 1;
    }
    if depth > 0 || quoted {
        return last.or_else(|| value.iter().rposition(|&b| b == b';'));
    }
    last
}

/// Splits the part before the date into tokens, never failing: an
/// unclosed comment, quoted string or angle address runs to the end.
fn tokens(input: &[u8]) -> Vec<Cow<'_, str>> {
    // One check of the whole part, after which a token is a slice of it.
    let text = std::str::from_utf8(input).ok();
    let mut tokens = Vec::with_capacity(16);
    let mut i = 0;
    loop {
        i += input[i..].iter().take_while(|&&b| is_space(b)).count();
        let rest = &input[i..];
        // Only a comment, a quoted string or an address can hold a fold.
        let (len, may_fold) = match rest.first() {
            None => return tokens,
            Some(b'(') => (comment_len(rest), true),
            Some(b'"') => (quoted_len(rest), true),
            Some(b'<') => {
                (rest.iter().position(|&b| b == b'>').map_or(rest.len(), |p| p + 1), true)
            }
            Some(b';') => (1, false),
            Some(_) => {
                let word = rest.iter().take_while(|&&b| !is_space(b) && !is_special(b)).count();
                (word, false)
            }
        };
        let token = &rest[..len];
        let token = if may_fold && token.iter().any(|&b| b == b'\r' || b == b'\n') {
            let unfolded: Vec<u8> =
                token.iter().copied().filter(|&b| b != b'\r' && b != b'\n').collect();
            Cow::Owned(String::from_utf8_lossy(&unfolded).into_owned())
        } else if let Some(token) = text.and_then(|text| text.get(i..i + len)) {
            Cow::Borrowed(token)
        } else {
            String::from_utf8_lossy(token)
        };
        tokens.push(token);
        i += len;
    }
}

/// True for the octets between tokens.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// True for the octets that start a token of their own.
fn is_special(byte: u8) -> bool {
    matches!(byte, b'(' | b'"' | b'<' | b';')
}

/// The length of the comment at the start of `input`, nested ones
/// included, or all of `input` when it is not closed.
fn comment_len(input: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        match b {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    input.len()
}

/// The length of the quoted string at the start of `input`, or all of
/// `input` when it is not closed.
fn quoted_len(input: &[u8]) -> usize {
    let mut i = 1;
    while let Some(&b) = input.get(i) {
        match b {
            b'\\' => i += 1,
            b'"' => return i + 1,
            _ => {}
        }
        i += 1;
    }
    input.len()
}

/// The clause keywords of RFC 5321 §4.4, in the order of [`Received`]'s
/// fields.
const KEYWORDS: [&str; 6] = ["from", "by", "via", "with", "id", "for"];

/// The index in [`KEYWORDS`] of `token`, in any case.
fn keyword_index(token: &str) -> Option<usize> {
    KEYWORDS.iter().position(|k| token.eq_ignore_ascii_case(k))
}

fn strip_angle_brackets(token: &str) -> &str {
    token.strip_prefix('<').and_then(|t| t.strip_suffix('>')).unwrap_or(token)
}

/// A comment's text without its parentheses; an unclosed one keeps what
/// it has.
fn strip_parentheses(token: &str) -> &str {
    let token = token.strip_prefix('(').unwrap_or(token);
    token.strip_suffix(')').unwrap_or(token)
}

/// `part` of `token`, borrowed from the field when the token is.
fn map_cow<'a>(token: &Cow<'a, str>, part: fn(&str) -> &str) -> Cow<'a, str> {
    match token {
        Cow::Borrowed(token) => Cow::Borrowed(part(token)),
        Cow::Owned(token) => Cow::Owned(part(token).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The values of the six clauses, from `from` to `for`.
    type Clauses<'a> = [Option<&'a str>; 6];

    fn clauses<'t>(trace: &'t Received<'_>) -> Clauses<'t> {
        [&trace.from, &trace.by, &trace.via, &trace.with, &trace.id, &trace.for_]
            .map(|c| c.as_ref().map(|c| c.value.as_ref()))
    }

    #[test]
    fn tokens_borrow_from_the_field_unless_unfolded() {
        let value =
            b"from a.example (HELO\r\n a.example) by \xffb.example; 1 Jul 2003 10:52:37 +0200";
        let trace = received(value).expect("valid");
        let borrowed: Vec<bool> =
            trace.tokens.iter().map(|t| matches!(t, Cow::Borrowed(_))).collect();
        assert_eq!(borrowed, [true, true, false, true, false]);
        assert_eq!(trace.tokens[2], "(HELO a.example)");
        assert_eq!(trace.tokens[4], "\u{fffd}b.example");
        let from = trace.from.clone().expect("a from clause");
        assert!(matches!(from.value, Cow::Borrowed("a.example")));
        assert_eq!(from.comment.as_deref(), Some("HELO a.example"));
        assert_eq!(trace.clone().into_owned(), trace);
    }

    #[test]
    fn received_fields_ok() {
        let table: &[(&[u8], Clauses<'_>, &str)] = &[
            (
                b"from bar.com by foo.com ; Thu, 21 May 1998 05:33:29 -0700",
                [Some("bar.com"), Some("foo.com"), None, None, None, None],
                "1998-05-21T05:33:29-07:00",
            ),
            (
                b"from x.y.test\r\n   by example.net\r\n   via TCP\r\n   with ESMTP\r\n   id ABC12345\r\n   for <mary@example.net>;  21 Nov 1997 10:05:43 -0600",
                [
                    Some("x.y.test"),
                    Some("example.net"),
                    Some("TCP"),
                    Some("ESMTP"),
                    Some("ABC12345"),
                    Some("mary@example.net"),
                ],
                "1997-11-21T10:05:43-06:00",
            ),
            (
                b"from mail.example (mail.example [192.0.2.1])\r\n\tby mx.example (Postfix) with ESMTPS id 4ABC123\r\n\tfor <bob@example.org>; Tue, 1 Jul 2003 10:52:37 +0200 (CEST)",
                [
                    Some("mail.example"),
                    Some("mx.example"),
                    None,
                    Some("ESMTPS"),
                    Some("4ABC123"),
                    Some("bob@example.org"),
                ],
                "2003-07-01T10:52:37+02:00",
            ),
            (
                b"from [192.0.2.7] (helo=client.example)\r\n\tby mx.example with esmtpsa (TLS1.3) tls TLS_AES_256_GCM_SHA384\r\n\t(Exim 4.96)\r\n\t(envelope-from <alice@client.example>)\r\n\tid 1qAbCd-000123-4x\r\n\tfor bob@example.org; Tue, 01 Jul 2003 10:52:37 +0000",
                [
                    Some("[192.0.2.7]"),
                    Some("mx.example"),
                    None,
                    Some("esmtpsa"),
                    Some("1qAbCd-000123-4x"),
                    Some("bob@example.org"),
                ],
                "2003-07-01T10:52:37+00:00",
            ),
            (
                b"by 2002:a05:6a10:8e0b:b0:4a1:2b3c:4d5e with SMTP id abc123csp456789;\r\n        Tue, 1 Jul 2003 10:52:37 -0700 (PDT)",
                [None, Some("2002:a05:6a10:8e0b:b0:4a1:2b3c:4d5e"), None, Some("SMTP"), Some("abc123csp456789"), None],
                "2003-07-01T10:52:37-07:00",
            ),
            (
                b"(qmail 1234 invoked by uid 0); 1 Jul 2003 10:52:37 -0000",
                [None; 6],
                "2003-07-01T10:52:37-00:00",
            ),
            (b"; 1 Jul 2003 10:52:37 +0000", [None; 6], "2003-07-01T10:52:37+00:00"),
            (
                b"FROM a BY b; id c; 1 Jul 2003 10:52:37 +0000 (a;b)",
                [Some("a"), Some("b"), None, None, Some("c"), None],
                "2003-07-01T10:52:37+00:00",
            ),
            (
                b"from by x with (comment) smtp; 1 Jul 2003 10:52:37 +0000",
                [None, Some("x"), None, Some("smtp"), None, None],
                "2003-07-01T10:52:37+00:00",
            ),
        ];
        for &(input, expected, date) in table {
            let trace = received(input).unwrap_or_else(|e| panic!("{e}: {input:?}"));
            let text = String::from_utf8_lossy(input);
            assert_eq!(
                (clauses(&trace), trace.date.to_rfc3339().as_str()),
                (expected, date),
                "{text}"
            );
        }
    }

    #[test]
    fn tokens_are_kept_as_written_without_folds() {
        let input = b"from a.example (a.example\r\n [192.0.2.1]) by \"q;x\" <c@d> ) > ; id x;\r\n 1 Jul 2003 10:52:37 +0000";
        let trace = received(input).expect("valid");
        let tokens = [
            "from",
            "a.example",
            "(a.example [192.0.2.1])",
            "by",
            "\"q;x\"",
            "<c@d>",
            ")",
            ">",
            ";",
            "id",
            "x",
        ];
        assert_eq!(trace.tokens, tokens);
        let from = trace.from.expect("from");
        assert_eq!(from.comment.as_deref(), Some("a.example [192.0.2.1]"));
        assert_eq!(trace.by.map(|c| c.value).as_deref(), Some("\"q;x\""));
    }

    #[test]
    fn messy_tokens_never_fail() {
        let table: &[&[u8]] = &[
            b"from (unclosed by x; 1 Jul 2003 10:52:37 +0000",
            b"from \"unclosed by x; 1 Jul 2003 10:52:37 +0000",
            b"from <unclosed by x; 1 Jul 2003 10:52:37 +0000",
            b"from \xff\xfe by \x01\x02 ((((((((((((((((((((((x; 1 Jul 2003 10:52:37 +0000",
            b"from a\\ by b; 1 Jul 2003 10:52:37 +0000",
        ];
        for &input in table {
            let trace = received(input).unwrap_or_else(|e| panic!("{e}: {input:?}"));
            assert_eq!(trace.date.unix_timestamp(), 1_057_056_757, "{input:?}");
        }
    }

    #[test]
    fn received_fields_failed() {
        let table: &[(&[u8], usize, ErrorKind)] = &[
            (b"", 0, ErrorKind::Syntax { expected: "\";\"" }),
            (b"from a by b", 11, ErrorKind::Syntax { expected: "\";\"" }),
            (b"from a (x; y) by b", 18, ErrorKind::Syntax { expected: "\";\"" }),
            (b"from a by b;", 12, ErrorKind::Syntax { expected: "day" }),
            (
                b"from a by b; 30 Feb 2003 10:52:37 +0000",
                13,
                ErrorKind::OutOfRange { element: "day" },
            ),
            (
                b"from a by b; 1 Jul 2003 10:52:37 +0000 junk",
                39,
                ErrorKind::Syntax { expected: "end of input" },
            ),
            (b"from a; by b", 8, ErrorKind::Syntax { expected: "day-name" }),
        ];
        for (input, offset, kind) in table {
            let error = received(input).expect_err(&String::from_utf8_lossy(input));
            let text = String::from_utf8_lossy(input);
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{text}");
        }
    }

    #[test]
    fn a_long_token_part_is_read_in_linear_time() {
        let input = format!("{}; 1 Jul 2003 10:52:37 +0000", "from (a) <b> \"c\" ".repeat(200_000));
        assert_eq!(received(input.as_bytes()).expect("valid").tokens.len(), 800_000);
    }

    proptest! {
        #[test]
        fn received_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..150)) {
            let _ = received(&bytes);
        }

        #[test]
        fn any_token_part_before_a_valid_date_is_accepted(
            tokens in prop::collection::vec(any::<u8>(), 0..100),
            date in crate::strategies::field_date::date_time(),
        ) {
            let tokens: Vec<u8> = tokens.into_iter().filter(|&b| !b";()\"\\".contains(&b)).collect();
            let input = [tokens.as_slice(), b";", date.to_string().as_bytes()].concat();
            prop_assert_eq!(received(&input).map(|r| r.date), Ok(date));
        }
    }
}
