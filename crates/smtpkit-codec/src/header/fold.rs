//! Writing a header field folded at white space within the line lengths of
//! RFC 5322 §2.1.1, §2.2.3 and RFC 2047 §2, and the checks that make a
//! name and a value safe to write.

use crate::error::{ErrorKind, ParseError};

use super::is_wsp;

/// The most characters a line of a message may hold, CRLF not counted
/// (RFC 5322 §2.1.1: "MUST be no more than 998").
pub(crate) const LINE_LENGTH_LIMIT: usize = 998;

/// The width [`fold`] keeps lines within where it can, CRLF not counted:
/// RFC 5322 §2.1.1 asks for 78 characters, RFC 2047 §2 for 76 on lines that
/// hold encoded words, and 76 meets both.
pub(crate) const FOLD_WIDTH: usize = 76;

/// Writes the field `name: value` and its CRLF to `out`, folded.
///
/// The value follows the colon after one space. Lines are broken before
/// white space, the white space starting the next line, so unfolding
/// (removing each CRLF) gives back the space, the value and its white
/// space exactly. A line is broken where the next word would take it past
/// [`FOLD_WIDTH`] characters; a word too long for that stays whole on a line
/// of its own, which can be as long as the word. Lines of only white space
/// are never written (RFC 5322 §3.2.2): white space at the end of the value
/// stays with the last word.
///
/// The caller checks `name` and `value` with [`check`] first: `fold` writes
/// what it is given, and only a checked field is valid, with no line over
/// [`LINE_LENGTH_LIMIT`].
pub(crate) fn fold(name: &str, value: &str, out: &mut Vec<u8>) {
    out.reserve(name.len() + value.len() + value.len() / FOLD_WIDTH * 2 + 4);
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    let mut column = name.len() + 1;
    for (index, piece) in pieces(value).enumerate() {
        // The first piece is preceded by the space after the colon, where a
        // break is as good as before any other white space.
        let lead: &[u8] = if index == 0 { b" " } else { b"" };
        let len = lead.len() + piece.len();
        if column + len > FOLD_WIDTH {
            out.extend_from_slice(b"\r\n");
            column = 0;
        }
        out.extend_from_slice(lead);
        out.extend_from_slice(piece.as_bytes());
        column += len;
    }
    out.extend_from_slice(b"\r\n");
}

/// Checks that `name: value` can be written as a header field by [`fold`].
///
/// The name must be one or more printable ASCII characters other than
/// colon (RFC 5322 §3.6.8 `ftext`); the value must not hold CR, LF or NUL,
/// so that it cannot end the field or the header section early; and no
/// line may come out longer than [`LINE_LENGTH_LIMIT`]: neither `name:`
/// nor any word of the value with the white space before it.
///
/// # Errors
///
/// [`ErrorKind::Syntax`] for an empty name, [`ErrorKind::ForbiddenByte`]
/// for a byte not allowed in the name or value, [`ErrorKind::TooLong`] for
/// a name or a word that cannot fit on a line. The offset is into `name`
/// for the name, into `value` for the value.
pub(crate) fn check(name: &str, value: &str) -> Result<(), ParseError> {
    if name.is_empty() {
        return Err(ParseError::new(0, ErrorKind::Syntax { expected: "field-name" }));
    }
    if let Some(at) = name.bytes().position(|b| !is_ftext(b)) {
        let byte = name.as_bytes()[at];
        return Err(ParseError::new(at, ErrorKind::ForbiddenByte { byte, element: "field-name" }));
    }
    if name.len() + 1 > LINE_LENGTH_LIMIT {
        let kind = ErrorKind::TooLong { element: "field-name", limit: LINE_LENGTH_LIMIT - 1 };
        return Err(ParseError::new(LINE_LENGTH_LIMIT - 1, kind));
    }

    if let Some(at) = value.bytes().position(|b| matches!(b, b'\r' | b'\n' | b'\0')) {
        let byte = value.as_bytes()[at];
        return Err(ParseError::new(at, ErrorKind::ForbiddenByte { byte, element: "field-body" }));
    }
    let mut start = 0;
    for (index, piece) in pieces(value).enumerate() {
        let lead = usize::from(index == 0);
        if lead + piece.len() > LINE_LENGTH_LIMIT {
            let kind =
                ErrorKind::TooLong { element: "word of a field-body", limit: LINE_LENGTH_LIMIT };
            return Err(ParseError::new(start, kind));
        }
        start += piece.len();
    }
    Ok(())
}

/// A byte of a field name (RFC 5322 §3.6.8):
///
/// ```abnf
/// ftext = %d33-57 / %d59-126   ; Printable US-ASCII characters not including ":".
/// ```
pub(crate) fn is_ftext(b: u8) -> bool {
    matches!(b, 33..=57 | 59..=126)
}

/// The pieces a value is folded into: each is a run of white space and the
/// word after it (the first may have no white space), and white space at
/// the end of the value belongs to the last piece. Joined, they are the
/// value.
fn pieces(value: &str) -> impl Iterator<Item = &str> {
    let bytes = value.as_bytes();
    // Past the last word only white space follows; it starts no piece.
    let last_word = bytes.iter().rposition(|&b| !is_wsp(b)).unwrap_or(0);
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let space = bytes[start..].iter().take_while(|&&b| is_wsp(b)).count();
        let word = bytes[start + space..].iter().take_while(|&&b| !is_wsp(b)).count();
        let mut end = start + space + word;
        if end > last_word {
            end = bytes.len();
        }
        let piece = &value[start..end];
        start = end;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(name: &str, value: &str) -> String {
        let mut out = Vec::new();
        fold(name, value, &mut out);
        String::from_utf8(out).expect("fold writes what it is given")
    }

    #[test]
    fn short_fields_stay_on_one_line() {
        let table = [
            ("Subject", "Saying Hello", "Subject: Saying Hello\r\n"),
            ("X", "", "X:\r\n"),
            ("X", "  padded\t", "X:   padded\t\r\n"),
            ("X", "   ", "X:    \r\n"),
            ("Subject", "Grüße", "Subject: Grüße\r\n"),
        ];
        for (name, value, expected) in table {
            assert_eq!(folded(name, value), expected, "{value:?}");
        }
    }

    #[test]
    fn long_values_break_before_white_space_within_the_width() {
        let value = "word ".repeat(40);
        let out = folded("Subject", value.trim_end());
        for line in out.trim_end_matches("\r\n").split("\r\n") {
            assert!(line.len() <= FOLD_WIDTH && line.trim() != "", "{line:?}");
        }
        assert_eq!(out.replace("\r\n", ""), format!("Subject: {}", value.trim_end()));
        assert!(out.contains("\r\n word"));
    }

    #[test]
    fn a_word_too_long_for_the_width_gets_a_line_of_its_own() {
        let long = "x".repeat(100);
        let out = folded("Subject", &format!("a {long} b"));
        assert_eq!(out, format!("Subject: a\r\n {long}\r\n b\r\n"));
        assert_eq!(folded("Subject", &long), format!("Subject:\r\n {long}\r\n"));
    }

    #[test]
    fn tabs_are_kept_where_the_line_breaks() {
        let value = format!("{}\t{}", "a".repeat(60), "b".repeat(20));
        assert_eq!(
            folded("X", &value),
            format!("X: {}\r\n\t{}\r\n", "a".repeat(60), "b".repeat(20))
        );
    }

    #[test]
    fn trailing_white_space_is_never_a_line_of_its_own() {
        let value = format!("{}{}", "a".repeat(70), " ".repeat(30));
        assert_eq!(folded("X", &value), format!("X:\r\n {value}\r\n"));
    }

    #[test]
    fn check_accepts_what_fold_can_write() {
        let long_word = "x".repeat(LINE_LENGTH_LIMIT - 1);
        let long_name = "X".repeat(LINE_LENGTH_LIMIT - 1);
        let table = [
            ("Subject", "hello"),
            ("X", ""),
            ("X", long_word.as_str()),
            (long_name.as_str(), "x"),
            ("X", "control \x01 and DEL \x7f are obs-utext"),
        ];
        for (name, value) in table {
            assert_eq!(check(name, value), Ok(()), "{name:?} {value:?}");
        }
    }

    #[test]
    fn check_refuses_what_could_inject_or_overflow() {
        let too_long = "x".repeat(LINE_LENGTH_LIMIT);
        let table: &[(&str, &str, usize, ErrorKind)] = &[
            ("", "x", 0, ErrorKind::Syntax { expected: "field-name" }),
            ("Sub ject", "x", 3, ErrorKind::ForbiddenByte { byte: b' ', element: "field-name" }),
            ("Subject:", "x", 7, ErrorKind::ForbiddenByte { byte: b':', element: "field-name" }),
            ("X\r\nBcc", "x", 1, ErrorKind::ForbiddenByte { byte: b'\r', element: "field-name" }),
            ("X-Ü", "x", 2, ErrorKind::ForbiddenByte { byte: 0xc3, element: "field-name" }),
            (
                "Subject",
                "a\r\nBcc: x",
                1,
                ErrorKind::ForbiddenByte { byte: b'\r', element: "field-body" },
            ),
            ("Subject", "a\nb", 1, ErrorKind::ForbiddenByte { byte: b'\n', element: "field-body" }),
            ("Subject", "a\0b", 1, ErrorKind::ForbiddenByte { byte: 0, element: "field-body" }),
            (
                "Subject",
                too_long.as_str(),
                0,
                ErrorKind::TooLong { element: "word of a field-body", limit: LINE_LENGTH_LIMIT },
            ),
        ];
        for (name, value, offset, kind) in table {
            let error = check(name, value).expect_err("refused");
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{name:?} {value:?}");
        }
    }
}
