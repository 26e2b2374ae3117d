//! Message identifiers (RFC 5322 §3.6.4, with the obsolete forms of
//! §4.5.4): the values of Message-ID, In-Reply-To and References, and a
//! generator of new identifiers.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::address::whole;
use crate::error::{failure, finish, ErrorKind, PResult, ParseError};
use crate::field::address::domain;
use crate::field::lexical::{cfws, Word};
use crate::field::phrase::{check_dotted, lexemes, phrase_text, write_quoted, Lexeme, Token};

/// A message identifier, `<id-left@id-right>`.
///
/// Both parts are kept as written, without comments and folds: the left
/// part as dot-separated atoms and quoted strings, the right part as
/// dot-separated atoms or a literal in brackets. Two identifiers are the
/// same when their parts are the same text.
///
/// ```
/// use smtpkit_codec::MessageId;
///
/// let id = MessageId::new("1234", "local.machine.example").expect("valid");
/// assert_eq!(id.to_string(), "<1234@local.machine.example>");
/// assert!(MessageId::new("12 34", "example").is_err());
/// assert!(MessageId::new("1234", "example>\r\nBcc: eve@evil.example").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageId {
    left: String,
    right: String,
}

impl MessageId {
    /// Builds an identifier from its two parts as written.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] with an offset into `left` when it is not an
    /// id-left, or into `right` when it is not an id-right, without
    /// comments and white space around or inside them.
    pub fn new(left: &str, right: &str) -> Result<Self, ParseError> {
        let mut buf = Vec::new();
        let parsed_left = whole(left.as_bytes(), |input| id_left(input, &mut buf))?;
        if parsed_left != left {
            return Err(ParseError::new(0, ErrorKind::Syntax { expected: "id-left" }));
        }
        let parsed_right = whole(right.as_bytes(), domain)?;
        if parsed_right != right {
            return Err(ParseError::new(0, ErrorKind::Syntax { expected: "id-right" }));
        }
        Ok(Self { left: parsed_left, right: parsed_right })
    }

    /// Makes a new identifier at `domain` that no other call makes, in this
    /// process or another: its left part joins the process id, a counter
    /// of this process and 128 random bits.
    ///
    /// The random bits come from the standard library's hash seeds, which
    /// the operating system provides; the codec reads no clock.
    ///
    /// ```
    /// use smtpkit_codec::MessageId;
    ///
    /// let first = MessageId::generate("mail.example.org").expect("a valid domain");
    /// let second = MessageId::generate("mail.example.org").expect("a valid domain");
    /// assert_ne!(first, second);
    /// assert_eq!(first.right(), "mail.example.org");
    /// assert!(MessageId::generate("bad domain").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ParseError`] with an offset into `domain` when it is not an
    /// id-right.
    pub fn generate(domain: &str) -> Result<Self, ParseError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let random = |salt: u64| {
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_u64(count);
            hasher.write_u64(salt);
            hasher.finish()
        };
        let left = format!("{:016x}{:016x}.{count:x}.{pid:x}", random(1), random(2));
        Self::new(&left, domain)
    }

    /// The part before the `@`.
    pub fn left(&self) -> &str {
        &self.left
    }

    /// The part after the `@`.
    pub fn right(&self) -> &str {
        &self.right
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}@{}>", self.left, self.right)
    }
}

impl std::str::FromStr for MessageId {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        msg_id(s.as_bytes())
    }
}

/// Parses the value of Message-ID or Resent-Message-ID.
///
/// ```abnf
/// msg-id          = [CFWS] "<" id-left "@" id-right ">" [CFWS]
/// id-left         = dot-atom-text / obs-id-left
/// id-right        = dot-atom-text / no-fold-literal / obs-id-right
/// no-fold-literal = "[" *dtext "]"
/// obs-id-left     = local-part
/// obs-id-right    = domain
/// ```
/// RFC 5322 §3.6.4 and §4.5.4.
///
/// ```
/// use smtpkit_codec::field::message_id::msg_id;
///
/// let id = msg_id(b"<1234   @   local(blah)  .machine .example>").expect("RFC 5322 A.6.3");
/// assert_eq!(id.to_string(), "<1234@local.machine.example>");
/// assert_eq!(msg_id(b"<1234@example").expect_err("no >").offset(), 13);
/// ```
///
/// # Errors
///
/// A [`ParseError`] whose offset is into `value`.
pub fn msg_id(value: &[u8]) -> Result<MessageId, ParseError> {
    let mut buf = Vec::new();
    whole(value, |input| msg_id_at(input, &mut buf))
}

/// Parses the value of In-Reply-To.
///
/// ```abnf
/// in-reply-to     = "In-Reply-To:" 1*msg-id CRLF
/// obs-in-reply-to = "In-Reply-To:" *(phrase / msg-id) CRLF
/// ```
/// RFC 5322 §3.6.4 and §4.5.4. Phrases between identifiers are skipped,
/// so a value with none gives an empty list.
///
/// ```
/// use smtpkit_codec::field::message_id::in_reply_to;
///
/// let ids = in_reply_to(b"your message <1234@local.machine.example>").expect("obsolete form");
/// assert_eq!(ids[0].left(), "1234");
/// assert_eq!(in_reply_to(b"<a@b>, <c@d>").expect_err("no commas").offset(), 5);
/// ```
///
/// # Errors
///
/// A [`ParseError`] whose offset is into `value`.
pub fn in_reply_to(value: &[u8]) -> Result<Vec<MessageId>, ParseError> {
    msg_id_list(value)
}

/// Parses the value of References.
///
/// ```abnf
/// references      = "References:" 1*msg-id CRLF
/// obs-references  = "References:" *(phrase / msg-id) CRLF
/// ```
/// RFC 5322 §3.6.4 and §4.5.4, read as [`in_reply_to`] reads.
///
/// ```
/// use smtpkit_codec::field::message_id::references;
///
/// let ids = references(b"<1234@local.machine.example>\r\n <3456@example.net>").expect("valid");
/// assert_eq!(ids.len(), 2);
/// assert_eq!(references(b"<1234@>").expect_err("no id-right").offset(), 6);
/// ```
///
/// # Errors
///
/// A [`ParseError`] whose offset is into `value`.
pub fn references(value: &[u8]) -> Result<Vec<MessageId>, ParseError> {
    msg_id_list(value)
}

/// Parses identifiers and phrases to the end of `value`, keeping the
/// identifiers.
fn msg_id_list(value: &[u8]) -> Result<Vec<MessageId>, ParseError> {
    let mut ids = Vec::new();
    let mut buf = Vec::new();
    finish(value, msg_ids(value, &mut ids, &mut buf))?;
    Ok(ids)
}

/// Reads `*(phrase / msg-id)` into `ids`.
// TODO: some clients put commas between identifiers, which the grammar
// does not allow; a named tolerance would let those values through.
fn msg_ids<'a>(
    input: &'a [u8],
    ids: &mut Vec<MessageId>,
    buf: &mut Vec<Lexeme<'a>>,
) -> PResult<'a, ()> {
    let mut rest = input;
    loop {
        let (at, ()) = cfws(rest)?;
        match at.first() {
            None => return Ok((at, ())),
            Some(b'<') => {
                let (after, id) = msg_id_at(at, buf)?;
                ids.push(id);
                rest = after;
            }
            Some(_) => {
                buf.clear();
                let (after, ()) = lexemes(at, buf)?;
                if buf.is_empty() {
                    return Err(failure(at, ErrorKind::Syntax { expected: "msg-id" }));
                }
                phrase_text(buf, after)?;
                rest = after;
            }
        }
    }
}

/// Reads a msg-id with the CFWS around it.
fn msg_id_at<'a>(input: &'a [u8], buf: &mut Vec<Lexeme<'a>>) -> PResult<'a, MessageId> {
    let (rest, ()) = cfws(input)?;
    let Some(rest) = rest.strip_prefix(b"<") else {
        return Err(failure(rest, ErrorKind::Syntax { expected: "\"<\"" }));
    };
    let (rest, left) = id_left(rest, buf)?;
    let Some(rest) = rest.strip_prefix(b"@") else {
        return Err(failure(rest, ErrorKind::Syntax { expected: "\"@\"" }));
    };
    let (rest, right) = domain(rest)?;
    let Some(rest) = rest.strip_prefix(b">") else {
        return Err(failure(rest, ErrorKind::Syntax { expected: "\">\"" }));
    };
    let (rest, ()) = cfws(rest)?;
    Ok((rest, MessageId { left, right }))
}

/// Reads an id-left as written, without comments and folds: atoms as they
/// are, quoted strings quoted again with only the escapes they need.
///
/// See [`msg_id`] for the grammar.
fn id_left<'a>(input: &'a [u8], buf: &mut Vec<Lexeme<'a>>) -> PResult<'a, String> {
    buf.clear();
    let (rest, ()) = lexemes(input, buf)?;
    check_dotted(buf, rest)?;
    let mut left = String::new();
    for lexeme in buf.iter() {
        match &lexeme.token {
            Token::Word(Word::Atom(atom)) => left.push_str(atom),
            Token::Word(Word::Quoted(content)) => {
                write_quoted(&mut left, content).expect("writing to a String cannot fail");
            }
            Token::Dot => left.push('.'),
        }
    }
    Ok((rest, left))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn msg_ids_ok() {
        let table: &[(&str, &str)] = &[
            // RFC 5322 A.1.1, A.1.2, A.1.3, A.3, A.5 and A.6.3.
            ("<1234@local.machine.example>", "<1234@local.machine.example>"),
            ("<5678.21-Nov-1997@example.com>", "<5678.21-Nov-1997@example.com>"),
            ("<testabcd.1234@silly.example>", "<testabcd.1234@silly.example>"),
            (" <78910@example.net>", "<78910@example.net>"),
            ("              <testabcd.1234@silly.test>", "<testabcd.1234@silly.test>"),
            ("  <1234   @   local(blah)  .machine .example>", "<1234@local.machine.example>"),
            // A no-fold-literal, and the obsolete quoted left part.
            ("<a.b@[192.0.2.1]>", "<a.b@[192.0.2.1]>"),
            ("<\"a b\"@example>", "<\"a b\"@example>"),
            ("<\"a\\b\".c@example>", "<\"ab\".c@example>"),
            ("(comment) <x@y> (comment)", "<x@y>"),
        ];
        for &(input, written) in table {
            let id = msg_id(input.as_bytes()).expect(input);
            assert_eq!(id.to_string(), written, "{input}");
        }
    }

    #[test]
    fn msg_ids_failed() {
        let table: &[(&[u8], usize, &str)] = &[
            (b"1234@example", 0, "\"<\""),
            (b"<1234>", 5, "\"@\""),
            (b"<@example>", 1, "local-part"),
            (b"<a@b> <c@d>", 6, "end of input"),
            (b"<a@b", 4, "\">\""),
            (b"<a..b@c>", 3, "word"),
            (b"<a b@c>", 3, "\".\" or \"@\""),
            (b"<a@b c>", 5, "\">\""),
            (b"", 0, "\"<\""),
        ];
        for &(input, offset, expected) in table {
            let error = msg_id(input).expect_err("invalid");
            let kind = ErrorKind::Syntax { expected };
            assert_eq!((error.offset(), error.kind()), (offset, &kind), "{input:?}");
        }
    }

    #[test]
    fn reference_lists_skip_phrases_between_identifiers() {
        let table: &[(&[u8], &[&str])] = &[
            (
                b"<1234@local.machine.example> <3456@example.net>",
                &["<1234@local.machine.example>", "<3456@example.net>"],
            ),
            (b"<a@b>\r\n\t<c@d>", &["<a@b>", "<c@d>"]),
            (b"your message of <a@b> \"quoted <x@y>\" Joe Q. Public <c@d>", &["<a@b>", "<c@d>"]),
            (b"", &[]),
            (b" (nothing) ", &[]),
            (b"<a@b><c@d>", &["<a@b>", "<c@d>"]),
        ];
        for &(input, expected) in table {
            let ids: Vec<String> =
                references(input).expect("valid").iter().map(|id| id.to_string()).collect();
            assert_eq!(ids, expected, "{input:?}");
            assert_eq!(in_reply_to(input).expect("valid").len(), expected.len());
        }
    }

    #[test]
    fn reference_lists_failed() {
        let table: &[(&[u8], usize, &str)] = &[
            (b"<a@b>, <c@d>", 5, "msg-id"),
            (b"<a@b> @", 6, "msg-id"),
            (b"<a@b> .x <c@d>", 6, "word"),
            (b"<a@b> <c@", 9, "domain"),
        ];
        for &(input, offset, expected) in table {
            let error = references(input).expect_err("invalid");
            let kind = ErrorKind::Syntax { expected };
            assert_eq!((error.offset(), error.kind()), (offset, &kind), "{input:?}");
        }
    }

    #[test]
    fn constructor_takes_only_parts_as_they_are_written() {
        assert!(MessageId::new("a.b", "[192.0.2.1]").is_ok());
        assert!(MessageId::new("\"a b\"", "example").is_ok());
        for (left, right) in [
            ("", "example"),
            ("a b", "example"),
            (" a", "example"),
            ("a", "exa mple"),
            ("a", "example>\r\nBcc: x@y"),
            ("a@b", "example"),
            ("\"a\\b\"", "example"),
            ("a", "(c)example"),
        ] {
            assert!(MessageId::new(left, right).is_err(), "{left:?} {right:?}");
        }
    }

    #[test]
    fn generated_identifiers_are_unique_and_valid() {
        let ids: HashSet<MessageId> =
            (0..1000).map(|_| MessageId::generate("mail.example.org").expect("valid")).collect();
        assert_eq!(ids.len(), 1000);
        for id in ids.iter().take(10) {
            assert_eq!(msg_id(id.to_string().as_bytes()).as_ref(), Ok(id));
        }
        assert_eq!(MessageId::generate("bad domain").expect_err("a space").offset(), 4);
    }

    #[test]
    fn adversarial_inputs_finish() {
        let inputs = [
            "<".repeat(100_000),
            "<a@b>".repeat(100_000),
            "a ".repeat(100_000),
            "\"".repeat(100_001),
        ];
        for input in &inputs {
            let _ = msg_id(input.as_bytes());
            let _ = references(input.as_bytes());
        }
    }

    proptest! {
        #[test]
        fn message_ids_survive_a_round_trip(id in crate::strategies::field::message_id()) {
            prop_assert_eq!(msg_id(id.to_string().as_bytes()), Ok(id.clone()));
            prop_assert_eq!(MessageId::new(id.left(), id.right()), Ok(id));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = msg_id(&bytes);
            let _ = references(&bytes);
        }
    }
}
