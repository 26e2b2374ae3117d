//! Phrases (RFC 5322 §3.2.5 and the obsolete form of §4.1): the display
//! names of addresses and the Keywords field (§3.6.5), with the encoded
//! words of RFC 2047 §5(3) decoded.
//!
//! A phrase is read as a run of words and dots, each remembering whether
//! white space or a comment came before it. The address parser reads the
//! same run at the start of every mailbox and only then decides, from the
//! byte that follows it, whether the run was a display name, a group's
//! name or a local part, so nothing is read twice.

use std::borrow::Cow;
use std::fmt;

use crate::address::is_atext;
use crate::error::{failure, finish, ErrorKind, Failure, PResult, ParseError};
use crate::field::lexical::{atom_text, cfws, dot_atom, fws, quoted_content, Word};

/// Parses the value of a Keywords field into its phrases, decoded.
///
/// ```abnf
/// keywords        = "Keywords:" phrase *("," phrase) CRLF
/// obs-keywords    = "Keywords:" obs-phrase-list CRLF
/// obs-phrase-list = [phrase / CFWS] *("," [phrase / CFWS])
/// ```
/// RFC 5322 §3.6.5 and §4.5.5. Empty elements of the obsolete list are
/// skipped, so an empty value gives no keywords. Each phrase reads as a
/// display name does: words joined by single spaces, encoded words
/// decoded, quoted strings taken as they are.
///
/// ```
/// use smtpkit_codec::field::phrase::keywords;
///
/// let value = b" tax, \"2024 return\", =?UTF-8?Q?Steuererkl=C3=A4rung?=";
/// assert_eq!(keywords(value).expect("valid"), ["tax", "2024 return", "Steuererklärung"]);
/// assert_eq!(keywords(b"tax; money").expect_err("not a comma").offset(), 3);
/// ```
///
/// # Errors
///
/// A [`ParseError`] whose offset is into `value` when a phrase is
/// malformed or two phrases are not separated by a comma.
pub fn keywords(value: &[u8]) -> Result<Vec<String>, ParseError> {
    let mut phrases = Vec::new();
    let mut lexemes = Vec::new();
    let result = keyword_list(value, &mut phrases, &mut lexemes);
    finish(value, result)?;
    Ok(phrases)
}

/// A token of a phrase or a local part: a word or a dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// An atom or a quoted string.
    Word(Word<'a>),
    /// A `.`, as obs-phrase and local-part have them.
    Dot,
}

/// A token with where it starts and what came before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lexeme<'a> {
    /// The token.
    pub token: Token<'a>,
    /// The input from the token's first byte on, for error offsets.
    pub at: &'a [u8],
    /// White space or a comment separates the token from the one before.
    pub spaced: bool,
    /// A comment separates the token from the one before.
    pub commented: bool,
}

/// Reads words and dots, with the CFWS between and after them, into `out`.
///
/// ```abnf
/// phrase         = 1*word / obs-phrase
/// obs-phrase     = word *(word / "." / CFWS)
/// obs-local-part = word *("." word)
/// word           = atom / quoted-string
/// ```
/// RFC 5322 §3.2.5, §4.1 and §4.4. The run may be empty or break either
/// rule; [`phrase_text`] and [`check_dotted`] check it for the rule the
/// caller settles on. Returns the input after the run and its CFWS.
pub(crate) fn lexemes<'a>(input: &'a [u8], out: &mut Vec<Lexeme<'a>>) -> PResult<'a, ()> {
    let mut rest = input;
    loop {
        let (at, ()) = cfws(rest)?;
        let spaced = at.len() != rest.len();
        let commented = fws(rest).len() != at.len();
        let (after, token) = match at.first() {
            Some(b'.') => (&at[1..], Token::Dot),
            Some(b'"') => {
                let (after, content) = quoted_content(at)?;
                (after, Token::Word(Word::Quoted(content)))
            }
            Some(&b) if is_atext(b, true) => {
                let (after, text) = atom_text(at)?;
                (after, Token::Word(Word::Atom(text)))
            }
            _ => return Ok((at, ())),
        };
        out.push(Lexeme { token, at, spaced, commented });
        rest = after;
    }
}

/// Joins the lexemes of a display name or a keyword into its text.
///
/// Words are joined by single spaces, except that the white space between
/// two adjacent encoded words is dropped (RFC 2047 §6.2); two encoded words
/// with a comment between them are not adjacent. A dot keeps a space on
/// either side only where the input had one, so `Joe Q. Public` stays as
/// it is. An atom that is a whole encoded word is decoded; a quoted string
/// never is (RFC 2047 §5(3)), nor is an encoded word whose text would hold
/// a control character, which is kept as written.
///
/// # Errors
///
/// A failure at the first lexeme when the run is empty or starts with a
/// dot, since a phrase starts with a word.
pub(crate) fn phrase_text<'a>(
    lexemes: &[Lexeme<'a>],
    end: &'a [u8],
) -> Result<String, nom::Err<Failure<'a>>> {
    match lexemes.first() {
        Some(Lexeme { token: Token::Word(_), .. }) => {}
        Some(lexeme) => return Err(failure(lexeme.at, ErrorKind::Syntax { expected: "word" })),
        None => return Err(failure(end, ErrorKind::Syntax { expected: "phrase" })),
    }
    let mut text = String::new();
    let (mut after_dot, mut after_encoded) = (false, false);
    for (i, lexeme) in lexemes.iter().enumerate() {
        let (piece, encoded) = match &lexeme.token {
            Token::Dot => (Cow::Borrowed("."), false),
            Token::Word(Word::Quoted(content)) => (Cow::Borrowed(content.as_ref()), false),
            Token::Word(Word::Atom(atom)) => match decode(atom) {
                Some(decoded) => (Cow::Owned(decoded), true),
                None => (Cow::Borrowed(*atom), false),
            },
        };
        let is_dot = lexeme.token == Token::Dot;
        let space = if is_dot || after_dot {
            lexeme.spaced
        } else {
            !(encoded && after_encoded && !lexeme.commented)
        };
        if i > 0 && space {
            text.push(' ');
        }
        text.push_str(&piece);
        (after_dot, after_encoded) = (is_dot, encoded);
    }
    Ok(text)
}

/// Checks that lexemes alternate word, dot, word, ..., as a local part and
/// the left part of a message identifier must.
///
/// ```abnf
/// local-part     = dot-atom / quoted-string / obs-local-part
/// obs-local-part = word *("." word)
/// ```
/// RFC 5322 §3.4.1 and §4.4. `end` is the input after the lexemes, where
/// a missing last word is reported.
///
/// # Errors
///
/// A failure at the first lexeme out of place.
pub(crate) fn check_dotted<'a>(
    lexemes: &[Lexeme<'a>],
    end: &'a [u8],
) -> Result<(), nom::Err<Failure<'a>>> {
    for (i, lexeme) in lexemes.iter().enumerate() {
        let expected = match (&lexeme.token, i % 2 == 0) {
            (Token::Word(_), true) | (Token::Dot, false) => continue,
            (Token::Dot, true) => "word",
            (Token::Word(_), false) => "\".\" or \"@\"",
        };
        return Err(failure(lexeme.at, ErrorKind::Syntax { expected }));
    }
    if lexemes.len() % 2 == 0 {
        let expected = if lexemes.is_empty() { "local-part" } else { "word" };
        return Err(failure(end, ErrorKind::Syntax { expected }));
    }
    Ok(())
}

/// Writes `text` as a phrase: as atoms separated by single spaces where it
/// reads the same that way, else as one quoted string with `"` and `\`
/// escaped.
///
/// Text with a word that starts with `=?` is always quoted, lest a reader
/// decode it as an encoded word. UTF-8 is written as it is (RFC 6532 §3.2);
/// the caller keeps control characters other than tab out of `text`.
pub(crate) fn write_phrase(out: &mut dyn fmt::Write, text: &str) -> fmt::Result {
    let as_atoms = !text.is_empty()
        && text.split(' ').all(|word| {
            !word.is_empty() && !word.starts_with("=?") && word.bytes().all(|b| is_atext(b, true))
        });
    if as_atoms {
        return out.write_str(text);
    }
    write_quoted(out, text)
}

/// Writes `text` as a quoted string, escaping `"` and `\`.
pub(crate) fn write_quoted(out: &mut dyn fmt::Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.write_char('\\')?;
        }
        out.write_char(c)?;
    }
    out.write_char('"')
}

/// True when `text` is a dot-atom-text (RFC 5322 §3.2.3), so that it can
/// be written without quotes.
pub(crate) fn is_dot_atom_text(text: &str) -> bool {
    matches!(dot_atom(text.as_bytes()), Ok((rest, atoms)) if rest.is_empty() && atoms.len() == text.len())
}

/// The byte offset of the first character that no header field can carry
/// in a phrase, a quoted string or a domain: a control other than tab.
pub(crate) fn first_control(text: &str) -> Option<usize> {
    text.find(|c: char| c.is_ascii_control() && c != '\t')
}

/// Reads `obs-phrase-list` into `phrases`.
fn keyword_list<'a>(
    input: &'a [u8],
    phrases: &mut Vec<String>,
    lexemes_buf: &mut Vec<Lexeme<'a>>,
) -> PResult<'a, ()> {
    let mut rest = input;
    loop {
        lexemes_buf.clear();
        let (after, ()) = lexemes(rest, lexemes_buf)?;
        if !lexemes_buf.is_empty() {
            phrases.push(phrase_text(lexemes_buf, after)?);
        }
        match after.first() {
            None => return Ok((after, ())),
            Some(b',') => rest = &after[1..],
            Some(_) => return Err(failure(after, ErrorKind::Syntax { expected: "\",\"" })),
        }
    }
}

/// Decodes an atom that is a whole encoded word, unless it is malformed or
/// its text would hold a control character.
fn decode(atom: &str) -> Option<String> {
    if !atom.starts_with("=?") || !atom.ends_with("?=") {
        return None;
    }
    crate::encoded_word::decode_word(atom).filter(|text| first_control(text).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(input: &str) -> String {
        let mut buf = Vec::new();
        let (rest, ()) = lexemes(input.as_bytes(), &mut buf).expect("valid lexemes");
        phrase_text(&buf, rest).expect("a phrase")
    }

    #[test]
    fn phrases_join_words_with_single_spaces() {
        let table = [
            ("John Doe", "John Doe"),
            ("  John \r\n  Doe  ", "John Doe"),
            ("Joe Q. Public", "Joe Q. Public"),
            ("Joe Q.Public", "Joe Q.Public"),
            ("\"Joe Q. Public\"", "Joe Q. Public"),
            ("Pete(A nice \\) chap)", "Pete"),
            ("John\"Doe\"", "John Doe"),
            ("\"  padded \"", "  padded "),
            ("Jörg Müller", "Jörg Müller"),
        ];
        for (input, text) in table {
            assert_eq!(phrase(input), text, "{input}");
        }
    }

    #[test]
    fn rfc_2047_section_8_examples_decode() {
        let table = [
            ("=?US-ASCII?Q?Keith_Moore?=", "Keith Moore"),
            ("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", "Keld Jørn Simonsen"),
            ("=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"),
            ("=?ISO-8859-1?Q?a?=", "a"),
            ("=?ISO-8859-1?Q?a?= b", "a b"),
            ("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab"),
            ("=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=", "ab"),
            ("=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=", "ab"),
            ("=?ISO-8859-1?Q?a_b?=", "a b"),
            ("=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", "a b"),
            ("=?UTF-8?B?SsO2cmc=?=", "Jörg"),
        ];
        for (input, text) in table {
            assert_eq!(phrase(input), text, "{input}");
        }
    }

    #[test]
    fn encoded_words_are_decoded_only_as_whole_atoms() {
        let table = [
            ("\"=?UTF-8?Q?a?=\"", "=?UTF-8?Q?a?="),
            ("\"=?UTF-8?Q?a?= b\"", "=?UTF-8?Q?a?= b"),
            ("=?UTF-8?Q?a?= (comment) =?UTF-8?Q?b?=", "a b"),
            ("=?UTF-8?Q?a?= \"=?UTF-8?Q?b?=\"", "a =?UTF-8?Q?b?="),
            ("=?UTF-8?Q?bad", "=?UTF-8?Q?bad"),
            ("=?UTF-8?Q?a=0D=0Ab?=", "=?UTF-8?Q?a=0D=0Ab?="),
            ("=?x-unknown?Q?a?= b", "=?x-unknown?Q?a?= b"),
        ];
        for (input, text) in table {
            assert_eq!(phrase(input), text, "{input}");
        }
    }

    #[test]
    fn phrases_are_written_as_atoms_only_when_they_read_back_the_same() {
        let table = [
            ("John Doe", "John Doe"),
            ("Jörg", "Jörg"),
            ("Joe Q. Public", "\"Joe Q. Public\""),
            ("two  spaces", "\"two  spaces\""),
            (" lead", "\" lead\""),
            ("", "\"\""),
            ("a\"b\\c", "\"a\\\"b\\\\c\""),
            ("=?UTF-8?Q?a?=", "\"=?UTF-8?Q?a?=\""),
            ("Giant; \"Big\" Box", "\"Giant; \\\"Big\\\" Box\""),
        ];
        for (text, written) in table {
            let mut out = String::new();
            write_phrase(&mut out, text).expect("writing to a String");
            assert_eq!(out, written, "{text}");
            assert_eq!(phrase(&out), text, "{written} reads back");
        }
    }

    #[test]
    fn keywords_ok() {
        let table: &[(&[u8], &[&str])] = &[
            (b"a", &["a"]),
            (b"a, b c ,\"d, e\"", &["a", "b c", "d, e"]),
            (b" , a,, b, ", &["a", "b"]),
            (b"", &[]),
            (b"(comment)", &[]),
        ];
        for &(input, expected) in table {
            assert_eq!(keywords(input).expect("valid"), expected, "{input:?}");
        }
    }

    #[test]
    fn keywords_decode_encoded_words_within_each_keyword() {
        let table: &[(&[u8], &[&str])] = &[
            (b"=?UTF-8?Q?Steuererkl=C3=A4rung?=, tax", &["Steuererklärung", "tax"]),
            (b"=?ISO-8859-1?Q?caf=E9?= menu, =?UTF-8?B?5pel5pys?=", &["café menu", "日本"]),
            (b"=?UTF-8?Q?a?= =?UTF-8?Q?b?=", &["ab"]),
            (b"=?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?=, c", &["ab", "c"]),
            (b"=?UTF-8?Q?a=2C_b?=", &["a, b"]),
            (b"\"=?UTF-8?Q?a?=\", b", &["=?UTF-8?Q?a?=", "b"]),
            (b"=?x-unknown?Q?a?=, b", &["=?x-unknown?Q?a?=", "b"]),
        ];
        for &(input, expected) in table {
            assert_eq!(keywords(input).expect("valid"), expected, "{input:?}");
        }
    }

    #[test]
    fn keywords_failed() {
        let table: &[(&[u8], usize, &str)] = &[
            (b"a; b", 1, "\",\""),
            (b"a, .b", 3, "word"),
            (b"a, \"b", 5, "DQUOTE"),
            (b"a@b", 1, "\",\""),
        ];
        for &(input, offset, expected) in table {
            let error = keywords(input).expect_err("invalid");
            let kind = ErrorKind::Syntax { expected };
            assert_eq!((error.offset(), error.kind()), (offset, &kind), "{input:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn keywords_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = keywords(&bytes);
        }
    }
}
