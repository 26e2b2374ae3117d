//! The lexical tokens of RFC 5322 §3.2 that structured header fields are
//! made of: folding white space, comments, atoms, dot-atoms, quoted
//! strings and words, with the obsolete forms of §4.1 and the UTF-8 of
//! RFC 6532 §3.2.
//!
//! The parsers run on a field's raw value, folds included. They take a
//! fold as CRLF or LF followed by white space, since the header section
//! decides whether a bare LF may end a line. Comments may nest, but no
//! deeper than [`COMMENT_DEPTH_LIMIT`], and they are read without
//! recursion.

use std::borrow::Cow;

use crate::error::{failure, ErrorKind, Failure, PResult};

/// How deeply comments may nest before a value is refused.
pub const COMMENT_DEPTH_LIMIT: usize = 16;

/// Skips folding white space.
///
/// ```abnf
/// FWS     = ([*WSP CRLF] 1*WSP) / obs-FWS
/// obs-FWS = 1*WSP *(CRLF 1*WSP)
/// ```
/// RFC 5322 §3.2.2 and §4.2 (edited: LF alone also folds). Returns the
/// input after the white space, which may be unchanged.
pub(crate) fn fws(input: &[u8]) -> &[u8] {
    let mut i = 0;
    loop {
        match input.get(i) {
            Some(b' ' | b'\t') => i += 1,
            Some(b'\r') if input.get(i + 1) == Some(&b'\n') && is_wsp_at(input, i + 2) => i += 3,
            Some(b'\n') if is_wsp_at(input, i + 1) => i += 2,
            _ => return &input[i..],
        }
    }
}

/// Skips comments and folding white space.
///
/// ```abnf
/// CFWS     = (1*([FWS] comment) [FWS]) / FWS
/// comment  = "(" *([FWS] ccontent) [FWS] ")"
/// ccontent = ctext / quoted-pair / comment
/// ctext    = %d33-39 / %d42-91 / %d93-126 / obs-ctext
/// ```
/// RFC 5322 §3.2.2 (with UTF-8 in ctext, RFC 6532 §3.2). Returns the input
/// after them, which may be unchanged.
///
/// # Errors
///
/// An unclosed comment, a control character in one, or nesting deeper than
/// [`COMMENT_DEPTH_LIMIT`].
pub(crate) fn cfws(input: &[u8]) -> PResult<'_, ()> {
    let mut rest = fws(input);
    while rest.first() == Some(&b'(') {
        rest = fws(comment(rest)?.0);
    }
    Ok((rest, ()))
}

/// Reads one comment, nested ones included, returning its text without the
/// outer parentheses.
///
/// See [`cfws`] for the grammar.
pub(crate) fn comment(input: &[u8]) -> PResult<'_, &[u8]> {
    if input.first() != Some(&b'(') {
        return Err(nom::Err::Error(Failure::expected(input, "comment")));
    }
    let mut depth = 0usize;
    let mut i = 0;
    loop {
        let Some(&b) = input.get(i) else {
            return Err(failure(&input[i..], ErrorKind::Syntax { expected: "\")\"" }));
        };
        match b {
            b'(' => {
                depth += 1;
                if depth > COMMENT_DEPTH_LIMIT {
                    let limit = COMMENT_DEPTH_LIMIT;
                    return Err(failure(&input[i..], ErrorKind::NestingTooDeep { limit }));
                }
                i += 1;
            }
            b')' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Ok((&input[i..], &input[1..i - 1]));
                }
            }
            b'\\' => i += quoted_pair_len(&input[i..])?,
            b'\r' | b'\n' => {
                let after = fws(&input[i..]);
                if after.len() == input.len() - i {
                    return Err(failure(&input[i..], ErrorKind::Syntax { expected: "ctext" }));
                }
                i = input.len() - after.len();
            }
            b' ' | b'\t' | 33..=126 | 0x80.. => i += 1,
            _ => return Err(failure(&input[i..], ErrorKind::Syntax { expected: "ctext" })),
        }
    }
}

/// Reads the text of an atom, without the CFWS around it.
///
/// ```abnf
/// atom  = [CFWS] 1*atext [CFWS]
/// atext = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
///         "-" / "/" / "=" / "?" / "^" / "_" / "`" / "{" / "|" / "}" / "~"
/// ```
/// RFC 5322 §3.2.3, with UTF-8 in atext (RFC 6532 §3.2).
pub(crate) fn atom(input: &[u8]) -> PResult<'_, &str> {
    let (rest, ()) = cfws(input)?;
    let (rest, text) = atom_text(rest)?;
    let (after, ()) = cfws(rest)?;
    Ok((after, text))
}

/// Reads the `1*atext` of an atom that starts right at `input`, with no
/// CFWS before or after it.
///
/// See [`atom`] for the grammar.
pub(crate) fn atom_text(input: &[u8]) -> PResult<'_, &str> {
    let len = input.iter().take_while(|&&b| crate::address::is_atext(b, true)).count();
    if len == 0 {
        return Err(nom::Err::Error(Failure::expected(input, "atom")));
    }
    let text = utf8(input, len)?;
    Ok((&input[len..], text))
}

/// Reads the text of a dot-atom, without the CFWS around it.
///
/// ```abnf
/// dot-atom      = [CFWS] dot-atom-text [CFWS]
/// dot-atom-text = 1*atext *("." 1*atext)
/// ```
/// RFC 5322 §3.2.3.
pub(crate) fn dot_atom(input: &[u8]) -> PResult<'_, &str> {
    let (rest, ()) = cfws(input)?;
    let mut len = 0;
    loop {
        let run = rest[len..].iter().take_while(|&&b| crate::address::is_atext(b, true)).count();
        if run == 0 {
            return Err(nom::Err::Error(Failure::expected(&rest[len..], "atext")));
        }
        len += run;
        let next_is_atext = rest.get(len + 1).is_some_and(|&b| crate::address::is_atext(b, true));
        if rest.get(len) != Some(&b'.') || !next_is_atext {
            break;
        }
        len += 1;
    }
    let text = utf8(rest, len)?;
    let (after, ()) = cfws(&rest[len..])?;
    Ok((after, text))
}

/// Reads a quoted string that starts right at `input` with its DQUOTE,
/// returning its content with quoted pairs undone and folds unfolded.
///
/// ```abnf
/// quoted-string = [CFWS] DQUOTE *([FWS] qcontent) [FWS] DQUOTE [CFWS]
/// qcontent      = qtext / quoted-pair
/// qtext         = %d33 / %d35-91 / %d93-126 / obs-qtext
/// quoted-pair   = ("\" (VCHAR / WSP)) / obs-qp
/// ```
/// RFC 5322 §3.2.4, with UTF-8 in qtext (RFC 6532 §3.2) (edited: the CFWS
/// around it is left to the caller, which needs to know where it is). The
/// content borrows from the input unless a quoted pair or a fold had to be
/// undone.
pub(crate) fn quoted_content(input: &[u8]) -> PResult<'_, Cow<'_, str>> {
    if input.first() != Some(&b'"') {
        return Err(nom::Err::Error(Failure::expected(input, "quoted-string")));
    }
    let mut i = 1;
    let mut plain = true;
    loop {
        let Some(&b) = input.get(i) else {
            return Err(failure(&input[i..], ErrorKind::Syntax { expected: "DQUOTE" }));
        };
        match b {
            b'"' => break,
            b'\\' => {
                i += quoted_pair_len(&input[i..])?;
                plain = false;
            }
            b'\r' | b'\n' => {
                let after = fws(&input[i..]);
                if after.len() == input.len() - i {
                    return Err(failure(&input[i..], ErrorKind::Syntax { expected: "qtext" }));
                }
                i = input.len() - after.len();
                plain = false;
            }
            b' ' | b'\t' | 33..=126 | 0x80.. => i += 1,
            _ => return Err(failure(&input[i..], ErrorKind::Syntax { expected: "qtext" })),
        }
    }
    let inner = &input[1..i];
    let text = utf8(inner, inner.len())?;
    let content = if plain { Cow::Borrowed(text) } else { Cow::Owned(unquote(text)) };
    Ok((&input[i + 1..], content))
}

/// A word of a phrase: an atom or a quoted string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Word<'a> {
    /// An atom, as written.
    Atom(&'a str),
    /// A quoted string's content.
    Quoted(Cow<'a, str>),
}

impl Word<'_> {
    /// The word's text: an atom as written, a quoted string's content.
    pub(crate) fn text(&self) -> &str {
        match self {
            Word::Atom(text) => text,
            Word::Quoted(content) => content,
        }
    }
}

/// The length of the quoted pair at the start of `input`.
///
/// ```abnf
/// quoted-pair = ("\" (VCHAR / WSP)) / obs-qp
/// obs-qp      = "\" (%d0 / obs-NO-WS-CTL / LF / CR)
/// ```
/// RFC 5322 §3.2.1 and §4.1 (edited: the obsolete quoting of NUL, CR and LF
/// is refused, since unquoting it would put those bytes into a value).
fn quoted_pair_len(input: &[u8]) -> Result<usize, nom::Err<Failure<'_>>> {
    match input.get(1) {
        Some(b' ' | b'\t' | 33..=126) => Ok(2),
        Some(&b) if b >= 0x80 => Ok(2),
        _ => Err(failure(
            input.get(1..).unwrap_or_default(),
            ErrorKind::Syntax { expected: "quoted-pair" },
        )),
    }
}

/// Undoes quoted pairs and removes the line breaks of folds.
fn unquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut escaped = false;
    for c in text.chars() {
        match c {
            _ if escaped => {
                out.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            '\r' | '\n' => {}
            _ => out.push(c),
        }
    }
    out
}

/// Reads `input[..len]` as UTF-8.
fn utf8(input: &[u8], len: usize) -> Result<&str, nom::Err<Failure<'_>>> {
    std::str::from_utf8(&input[..len])
        .map_err(|e| failure(&input[e.valid_up_to()..], ErrorKind::NonAscii))
}

fn is_wsp_at(input: &[u8], i: usize) -> bool {
    matches!(input.get(i), Some(b' ' | b'\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest_after<'a, T>(result: PResult<'a, T>) -> &'a [u8] {
        result.map(|(rest, _)| rest).unwrap_or(b"<error>")
    }

    #[test]
    fn cfws_skips_folds_and_nested_comments() {
        let table: &[(&[u8], &[u8])] = &[
            (b"  x", b"x"),
            (b"\r\n x", b"x"),
            (b"\n\tx", b"x"),
            (b"(a (nested) comment) x", b"x"),
            (b"(a\\) b) (c)\r\n  x", b"x"),
            (b"(caf\xc3\xa9) x", b"x"),
            (b"\r\nx", b"\r\nx"),
            (b"x", b"x"),
        ];
        for &(input, rest) in table {
            assert_eq!(rest_after(cfws(input)), rest, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn comments_fail_where_they_go_wrong() {
        let deep = format!("{}{}", "(".repeat(COMMENT_DEPTH_LIMIT + 1), ")".repeat(40));
        let table: &[(&[u8], usize, ErrorKind)] = &[
            (b"(open", 5, ErrorKind::Syntax { expected: "\")\"" }),
            (b"(a\x00b)", 2, ErrorKind::Syntax { expected: "ctext" }),
            (b"(a\r\nb)", 2, ErrorKind::Syntax { expected: "ctext" }),
            (b"(a\\\x00)", 3, ErrorKind::Syntax { expected: "quoted-pair" }),
            (deep.as_bytes(), COMMENT_DEPTH_LIMIT, ErrorKind::NestingTooDeep { limit: 16 }),
        ];
        for (input, offset, kind) in table {
            let error = crate::error::finish(input, cfws(input)).expect_err("invalid comment");
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{input:?}");
        }
    }

    #[test]
    fn a_million_open_parentheses_are_refused_without_recursion() {
        let input = vec![b'('; 1_000_000];
        assert!(cfws(&input).is_err());
    }

    #[test]
    fn atoms_and_dot_atoms_drop_surrounding_cfws() {
        assert_eq!(atom(b" (c) john (d) <").expect("atom"), (&b"<"[..], "john"));
        assert_eq!(dot_atom(b" a.b.c (x)@").expect("dot-atom"), (&b"@"[..], "a.b.c"));
        assert_eq!(dot_atom(b"a..b").expect("stops").0, b"..b");
        assert!(atom(b" <").is_err());
    }

    fn quoted_string(input: &[u8]) -> PResult<'_, Cow<'_, str>> {
        let (rest, ()) = cfws(input)?;
        let (rest, content) = quoted_content(rest)?;
        let (after, ()) = cfws(rest)?;
        Ok((after, content))
    }

    #[test]
    fn quoted_strings_unquote_and_unfold() {
        let table: &[(&[u8], &str, &[u8])] = &[
            (b"\"John Doe\" <", "John Doe", b"<"),
            (b" (c) \"a\\\"b\" x", "a\"b", b"x"),
            (b"\"folded\r\n line\"", "folded line", b""),
            (b"\"\"", "", b""),
            (b"\"J\xc3\xb6rg\"", "Jörg", b""),
        ];
        for &(input, content, rest) in table {
            let (after, text) = quoted_string(input).expect("valid quoted string");
            assert_eq!((text.as_ref(), after), (content, rest));
        }
        assert!(quoted_string(b"\"open").is_err());
        assert!(quoted_string(b"\"a\x01\"").is_err());
    }

    #[test]
    fn bare_tokens_take_no_white_space() {
        assert_eq!(atom_text(b"joe x").expect("atom"), (&b" x"[..], "joe"));
        assert!(atom_text(b" joe").is_err());
        let (rest, content) = quoted_content(b"\"a b\" x").expect("quoted");
        assert_eq!((rest, Word::Quoted(content).text()), (&b" x"[..], "a b"));
        assert!(quoted_content(b" \"a\"").is_err());
    }

    proptest::proptest! {
        #[test]
        fn lexical_parsers_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = cfws(&bytes);
            let _ = atom(&bytes);
            let _ = dot_atom(&bytes);
            let _ = quoted_string(&bytes);
            let _ = quoted_content(&bytes);
            let _ = atom_text(&bytes);
        }
    }
}
