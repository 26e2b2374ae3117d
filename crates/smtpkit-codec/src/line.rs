//! Line framing: finding the end of a CRLF-terminated line within a limit
//! (RFC 5321 §2.3.8, §4.5.3.1).
//!
//! SMTP commands and replies are lines ending in CRLF. A line is searched for
//! only within its limit: once `limit` octets have arrived without an LF, the
//! line is too long, whatever follows, so a peer cannot make the reader
//! buffer an unbounded line.

use crate::error::{ErrorKind, ParseError, Status};

/// The limit on a command line, CRLF included (RFC 5321 §4.5.3.1.4).
pub const COMMAND_LINE_LIMIT: usize = 512;

/// The limit on an AUTH command line, CRLF included (RFC 4954 §4).
pub const AUTH_LINE_LIMIT: usize = 12_288;

/// The limit on a reply line, CRLF included (RFC 5321 §4.5.3.1.5).
pub const REPLY_LINE_LIMIT: usize = 512;

/// The limit on a text line of message content, CRLF included
/// (RFC 5321 §4.5.3.1.6).
pub const TEXT_LINE_LIMIT: usize = 1000;

/// Finds the first line of `input`.
///
/// On success the value is the line without its line ending, and `consumed`
/// counts the ending too. A line ends at CRLF; with `allow_bare_lf` a lone
/// LF ends it as well. `limit` counts the line ending.
///
/// # Errors
///
/// [`ErrorKind::LineTooLong`] once `limit` octets are there without an end
/// of line, at offset `limit`; [`ErrorKind::BareLineEnding`] for a CR not
/// followed by LF, or an LF without CR when bare LF is not allowed, at the
/// offset of that byte.
///
/// ```
/// use smtpkit_codec::{line::split_line, Status};
///
/// let status = split_line(b"NOOP\r\nQUIT\r\n", 512, false).expect("valid line");
/// assert_eq!(status, Status::Complete { value: &b"NOOP"[..], consumed: 6 });
/// assert!(split_line(b"NOOP\r", 512, false).expect("prefix").is_incomplete());
/// assert!(split_line(b"NOOP\n", 512, false).is_err());
/// ```
pub fn split_line(
    input: &[u8],
    limit: usize,
    allow_bare_lf: bool,
) -> Result<Status<&[u8]>, ParseError> {
    let window = &input[..input.len().min(limit)];
    // The first CR or LF decides: a line's content holds neither.
    match memchr::memchr2(b'\r', b'\n', window) {
        Some(lf) if window[lf] == b'\n' => {
            if !allow_bare_lf {
                return Err(ParseError::new(lf, ErrorKind::BareLineEnding));
            }
            Ok(Status::Complete { value: &input[..lf], consumed: lf + 1 })
        }
        Some(cr) => match window.get(cr + 1) {
            Some(b'\n') => Ok(Status::Complete { value: &input[..cr], consumed: cr + 2 }),
            Some(_) => Err(ParseError::new(cr, ErrorKind::BareLineEnding)),
            // A CR that ends the window may yet be followed by LF.
            None => unfinished(input, limit),
        },
        None => unfinished(input, limit),
    }
}

/// How many bytes of `input` to drop to get past the current line, for a
/// reader that recovers from a line that was too long or malformed.
///
/// Returns the count up to and including the next LF, or `None` when there
/// is no LF yet: the caller then drops all of `input` and calls again on
/// the bytes that follow.
///
/// ```
/// use smtpkit_codec::line::skip_line;
///
/// assert_eq!(skip_line(b"xxxx\r\nNOOP\r\n"), Some(6));
/// assert_eq!(skip_line(b"xxxx"), None);
/// ```
pub fn skip_line(input: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', input).map(|lf| lf + 1)
}

/// What a window without an end of line means: a line too long once
/// `limit` octets are there, else one still arriving.
fn unfinished(input: &[u8], limit: usize) -> Result<Status<&[u8]>, ParseError> {
    if input.len() >= limit {
        return Err(ParseError::new(limit, ErrorKind::LineTooLong { limit }));
    }
    Ok(Status::Incomplete)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_lines_report_content_and_consumed() {
        let table: &[(&[u8], bool, &[u8], usize)] = &[
            (b"QUIT\r\n", false, b"QUIT", 6),
            (b"\r\n", false, b"", 2),
            (b"QUIT\r\nNOOP\r\n", false, b"QUIT", 6),
            (b"QUIT\n", true, b"QUIT", 5),
            (b"QUIT\r\n", true, b"QUIT", 6),
        ];
        for &(input, bare, line, consumed) in table {
            assert_eq!(
                split_line(input, 512, bare),
                Ok(Status::Complete { value: line, consumed }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn every_strict_prefix_is_incomplete() {
        let input = b"MAIL FROM:<a@example.org>\r\n";
        for end in 0..input.len() {
            assert_eq!(split_line(&input[..end], 512, false), Ok(Status::Incomplete), "{end}");
        }
    }

    #[test]
    fn line_of_exactly_the_limit_is_accepted() {
        let mut line = vec![b'a'; 510];
        line.extend_from_slice(b"\r\n");
        assert!(matches!(
            split_line(&line, 512, false),
            Ok(Status::Complete { consumed: 512, .. })
        ));
        line.insert(0, b'a');
        let error = split_line(&line, 512, false).expect_err("513 octets");
        assert_eq!((error.offset(), error.kind()), (512, &ErrorKind::LineTooLong { limit: 512 }));
    }

    #[test]
    fn too_long_is_found_before_the_line_ends() {
        let error = split_line(&[b'x'; 600], 512, false).expect_err("no end in 512 octets");
        assert!(error.is_line_too_long());
        assert_eq!(error.server_reply().0.get(), 500);
    }

    #[test]
    fn bare_line_endings_are_refused_where_they_are() {
        let table: &[(&[u8], usize)] =
            &[(b"QUIT\n", 4), (b"QU\rIT\r\n", 2), (b"QU\rIT", 2), (b"a\r\rb", 1)];
        for &(input, offset) in table {
            let error = split_line(input, 512, false).expect_err("bare ending");
            assert_eq!((error.offset(), error.kind()), (offset, &ErrorKind::BareLineEnding));
        }
        assert!(split_line(b"QU\rIT\n", 512, true).is_err(), "bare CR is never a line ending");
    }

    /// The framing rules spelled out one by one: the first LF within the
    /// limit ends the line; a CR anywhere before it that is not followed
    /// by LF is bare; without an LF, a CR followed by anything within the
    /// limit is bare, then the limit decides.
    fn reference(
        input: &[u8],
        limit: usize,
        allow_bare_lf: bool,
    ) -> Result<Status<&[u8]>, ParseError> {
        let window = &input[..input.len().min(limit)];
        let Some(lf) = window.iter().position(|&b| b == b'\n') else {
            if let Some(cr) = window.iter().position(|&b| b == b'\r') {
                if cr + 1 < window.len() {
                    return Err(ParseError::new(cr, ErrorKind::BareLineEnding));
                }
            }
            if input.len() >= limit {
                return Err(ParseError::new(limit, ErrorKind::LineTooLong { limit }));
            }
            return Ok(Status::Incomplete);
        };
        let has_cr = lf > 0 && window[lf - 1] == b'\r';
        let content_end = if has_cr { lf - 1 } else { lf };
        if let Some(cr) = window[..content_end].iter().position(|&b| b == b'\r') {
            return Err(ParseError::new(cr, ErrorKind::BareLineEnding));
        }
        if !has_cr && !allow_bare_lf {
            return Err(ParseError::new(lf, ErrorKind::BareLineEnding));
        }
        Ok(Status::Complete { value: &input[..content_end], consumed: lf + 1 })
    }

    proptest::proptest! {
        #[test]
        fn split_line_follows_the_framing_rules(
            input in proptest::collection::vec(proptest::sample::select(b"ab\r\n".to_vec()), 0..24),
            limit in 1usize..20,
            allow_bare_lf: bool,
        ) {
            proptest::prop_assert_eq!(
                split_line(&input, limit, allow_bare_lf),
                reference(&input, limit, allow_bare_lf)
            );
        }
    }
}
