//! xtext (RFC 3461 §4) and its internationalized forms utf-8-addr-xtext and
//! utf-8-addr-unitext (RFC 6533 §3): the encodings that let ESMTP parameter
//! values such as ENVID, AUTH and ORCPT carry characters that an esmtp-value
//! cannot hold, such as `=`, space or non-ASCII text.
//!
//! Decoders borrow from their input when it holds nothing to decode, so the
//! common case allocates nothing. Decoded text must be UTF-8.
//!
//! ```
//! use smtpkit_codec::xtext;
//!
//! assert_eq!(xtext::decode(b"e+3Dmc2@example.com").expect("valid"), "e=mc2@example.com");
//! assert!(xtext::decode(b"e+3dmc2").is_err(), "hex digits are upper-case");
//!
//! let mut out = Vec::new();
//! xtext::encode("e=mc2", &mut out);
//! assert_eq!(out, b"e+3Dmc2");
//! ```

use std::borrow::Cow;

use crate::error::{ErrorKind, ParseError};

/// The upper-case hexadecimal digits, indexed by value.
const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// Decodes xtext into text.
///
/// ```abnf
/// xtext   = *( xchar / hexchar )
/// xchar   = %d33-42 / %d44-60 / %d62-126
/// hexchar = "+" 2(%x30-39 / %x41-46)
/// ```
/// RFC 3461 §4 (edited: the RFC gives xchar and hexchar in prose). The RFC
/// asks for upper-case hexadecimal digits, and only those are accepted:
/// `+3d` is an error. There is no option to accept lower case, as no client
/// is known to need one.
///
/// The result borrows from `input` when it holds no hexchar.
///
/// # Errors
///
/// [`ErrorKind::Syntax`] at the first byte that is neither an xchar nor the
/// start of a hexchar, or at a missing or lower-case hex digit;
/// [`ErrorKind::NonAscii`] at the hexchar that starts a byte sequence that
/// is not UTF-8.
///
/// ```
/// use smtpkit_codec::xtext;
///
/// assert_eq!(xtext::decode(b"QQ314159").expect("plain"), "QQ314159");
/// assert_eq!(xtext::decode(b"a+20b").expect("a space"), "a b");
/// assert_eq!(xtext::decode(b"a=b").expect_err("'=' is encoded").offset(), 1);
/// ```
pub fn decode(input: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    decode_xtext(input, false)
}

/// Writes `text` as xtext: `+`, `=` and every byte outside `!` to `~` as a
/// hexchar with upper-case digits, all else as it is.
///
/// This is the shortest xtext for `text`, and [`decode`] gives `text` back.
///
/// ```
/// use smtpkit_codec::xtext;
///
/// let mut out = Vec::new();
/// xtext::encode("a+b é", &mut out);
/// assert_eq!(out, b"a+2Bb+20+C3+A9");
/// ```
pub fn encode(text: &str, out: &mut Vec<u8>) {
    for &byte in text.as_bytes() {
        if is_xchar(byte) {
            out.push(byte);
        } else {
            out.extend_from_slice(&[b'+', hex_digit(byte >> 4), hex_digit(byte)]);
        }
    }
}

/// The length in octets of `text` written by [`encode`].
///
/// ```
/// assert_eq!(smtpkit_codec::xtext::encoded_len("a=b"), 5);
/// ```
pub fn encoded_len(text: &str) -> usize {
    text.bytes().map(|byte| if is_xchar(byte) { 1 } else { 3 }).sum()
}

/// Decodes the address of a `utf-8` ORCPT parameter.
///
/// ```abnf
/// utf-8-addr-xtext    = 1*(QCHAR / EmbeddedUnicodeChar)
/// utf-8-addr-unitext  = 1*(QUCHAR / EmbeddedUnicodeChar)
/// QCHAR               = %x21-2a / %x2c-3c / %x3e-5b / %x5d-7e
/// QUCHAR              = QCHAR / UTF8-2 / UTF8-3 / UTF8-4
/// EmbeddedUnicodeChar = %x5C.78 "{" HEXPOINT "}"
/// HEXPOINT = ( ( "0"/"1" ) %x31-39 ) / "10" / "20" /
///            "2B" / "3D" / "7F" /
///            "5C" / (HEXDIG8 HEXDIG) /
///            ( NZHEXDIG 2(HEXDIG) ) /
///            ( NZDHEXDIG 3(HEXDIG) ) /
///            ( "D" %x30-37 2(HEXDIG) ) /
///            ( NZHEXDIG 4(HEXDIG) ) /
///            ( "10" 4HEXDIG )
/// ```
/// RFC 6533 §3 (edited: the last form says `4HEXDIG` where the RFC has
/// `4*HEXDIG`, which would allow code points past U+10FFFF). With
/// `allow_unitext` raw UTF-8 is accepted too (utf-8-addr-unitext, for a
/// server that offers SMTPUTF8); without it only the 7-bit form is.
///
/// HEXPOINT has one spelling per character, so the escapes are canonical;
/// hexadecimal digits may be of either case, as in all ABNF.
///
/// # Errors
///
/// [`ErrorKind::Syntax`] at the first byte that breaks the grammar, at the
/// digits of a HEXPOINT that names no allowed character, or at the start of
/// an empty input; [`ErrorKind::NonAscii`] at a non-ASCII byte when
/// `allow_unitext` is off, or at bytes that are not UTF-8.
///
/// ```
/// use smtpkit_codec::xtext;
///
/// let address = xtext::decode_utf8_addr(br"j\x{F6}rg@example.org", false).expect("valid");
/// assert_eq!(address, "jörg@example.org");
/// assert!(xtext::decode_utf8_addr("jörg@example.org".as_bytes(), false).is_err());
/// assert!(xtext::decode_utf8_addr("jörg@example.org".as_bytes(), true).is_ok());
/// ```
pub fn decode_utf8_addr(input: &[u8], allow_unitext: bool) -> Result<Cow<'_, str>, ParseError> {
    decode_utf8_addr_checked(input, allow_unitext, false)
}

/// Writes `text` as utf-8-addr-xtext (RFC 6533 §3): QCHARs as they are,
/// every other character as `\x{HEXPOINT}` with upper-case digits.
///
/// The output is 7-bit, so it suits a server with or without SMTPUTF8, and
/// [`decode_utf8_addr`] gives `text` back unless `text` holds U+0000,
/// U+000A to U+000F or U+001A to U+001F: the grammar has no escape for
/// those, and they are written as two-digit escapes that a decoder refuses.
///
/// ```
/// use smtpkit_codec::xtext;
///
/// let mut out = Vec::new();
/// xtext::encode_utf8_addr("jörg+1@example.org", &mut out);
/// assert_eq!(out, br"j\x{F6}rg\x{2B}1@example.org");
/// ```
pub fn encode_utf8_addr(text: &str, out: &mut Vec<u8>) {
    for c in text.chars() {
        let code = u32::from(c);
        if code < 0x80 && is_qchar(code as u8) {
            out.push(code as u8);
            continue;
        }

        // Two digits at least, as HEXPOINT spells the low code points
        // with a leading zero; otherwise no leading zeros.
        out.extend_from_slice(b"\\x{");
        let digits = (32 - code.leading_zeros()).div_ceil(4).max(2);
        for shift in (0..digits).rev() {
            out.push(hex_digit((code >> (shift * 4)) as u8));
        }
        out.push(b'}');
    }
}

/// Decodes xtext already read as text, like [`decode_xtext`]; a value
/// without a hexchar is borrowed as it is, without reading it twice.
pub(crate) fn decode_xtext_str(
    text: &str,
    refuse_controls: bool,
) -> Result<Cow<'_, str>, ParseError> {
    // An xchar is never `+`, so all xchar means no hexchar.
    if xchar_run(text.as_bytes()) == text.len() {
        return Ok(Cow::Borrowed(text));
    }
    decode_xtext(text.as_bytes(), refuse_controls)
}

/// Decodes xtext like [`decode`]; with `refuse_controls` a hexchar that
/// stands for a control character (%x00-1F, %x7F) is an error, for values
/// such as addresses and envelope identifiers that cannot hold one.
pub(crate) fn decode_xtext(
    input: &[u8],
    refuse_controls: bool,
) -> Result<Cow<'_, str>, ParseError> {
    // Without a hexchar the input is its own decoding, if it is all xchar.
    if memchr::memchr(b'+', input).is_none() {
        let run = xchar_run(input);
        if run < input.len() {
            return Err(syntax(run, "xtext"));
        }
        return std::str::from_utf8(input)
            .map(Cow::Borrowed)
            .map_err(|e| ParseError::new(e.valid_up_to(), ErrorKind::NonAscii));
    }

    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&byte) = input.get(i) {
        if byte != b'+' {
            let run = xchar_run(&input[i..]);
            if run == 0 {
                return Err(syntax(i, "xtext"));
            }
            out.extend_from_slice(&input[i..i + run]);
            i += run;
            continue;
        }
        let high = upper_hex_value(input.get(i + 1)).ok_or_else(|| syntax(i + 1, "hexchar"))?;
        let low = upper_hex_value(input.get(i + 2)).ok_or_else(|| syntax(i + 2, "hexchar"))?;
        let decoded = high << 4 | low;
        if refuse_controls && is_control(decoded) {
            return Err(syntax(i, "printable character"));
        }
        out.push(decoded);
        i += 3;
    }

    String::from_utf8(out).map(Cow::Owned).map_err(|e| {
        let offset = xtext_offset(input, e.utf8_error().valid_up_to());
        ParseError::new(offset, ErrorKind::NonAscii)
    })
}

/// Decodes utf-8-addr-xtext or -unitext like [`decode_utf8_addr`]; with
/// `refuse_controls` an escape that stands for a control character is an
/// error.
pub(crate) fn decode_utf8_addr_checked(
    input: &[u8],
    allow_unitext: bool,
    refuse_controls: bool,
) -> Result<Cow<'_, str>, ParseError> {
    if input.is_empty() {
        return Err(syntax(0, "utf-8-addr-xtext"));
    }

    let mut out: Option<String> = None;
    let mut i = 0;
    while let Some(&byte) = input.get(i) {
        if byte == b'\\' {
            let (c, len) = embedded_unicode_char(&input[i..]).map_err(|e| e.shifted(i))?;
            if refuse_controls && c.is_ascii_control() {
                return Err(syntax(i, "printable character"));
            }
            // The text so far had no escape, so it is a copy of the input.
            let text = out.get_or_insert_with(|| String::from_utf8_lossy(&input[..i]).into_owned());
            text.push(c);
            i += len;
            continue;
        }

        let len = if byte.is_ascii() {
            if !is_qchar(byte) {
                return Err(syntax(i, "QCHAR"));
            }
            1
        } else if !allow_unitext {
            return Err(ParseError::new(i, ErrorKind::NonAscii));
        } else {
            utf8_char_len(&input[i..]).ok_or_else(|| ParseError::new(i, ErrorKind::NonAscii))?
        };
        if let Some(text) = out.as_mut() {
            // The bytes were checked to be one character just above.
            text.push_str(&String::from_utf8_lossy(&input[i..i + len]));
        }
        i += len;
    }

    match out {
        Some(text) => Ok(Cow::Owned(text)),
        None => std::str::from_utf8(input)
            .map(Cow::Borrowed)
            .map_err(|e| ParseError::new(e.valid_up_to(), ErrorKind::NonAscii)),
    }
}

/// The length of the UTF-8 encoded character at the start of `bytes`, or
/// `None` when they do not start with one (overlong forms and surrogates
/// included).
pub(crate) fn utf8_char_len(bytes: &[u8]) -> Option<usize> {
    let len = match bytes.first()? {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    std::str::from_utf8(bytes.get(..len)?).ok().map(|_| len)
}

/// True for %x00-1F and %x7F, the ASCII control characters.
pub(crate) fn is_control(byte: u8) -> bool {
    byte < 0x20 || byte == 0x7F
}

/// Reads one EmbeddedUnicodeChar at the start of `input`, which starts with
/// a backslash, returning the character and the bytes it took.
fn embedded_unicode_char(input: &[u8]) -> Result<(char, usize), ParseError> {
    if input.get(1) != Some(&b'x') {
        return Err(syntax(1, "EmbeddedUnicodeChar"));
    }
    if input.get(2) != Some(&b'{') {
        return Err(syntax(2, "\"{\""));
    }

    let digits = input[3..].iter().take(6).take_while(|b| b.is_ascii_hexdigit()).count();
    let end = 3 + digits;
    if input.get(end) != Some(&b'}') {
        let offset = if digits == 0 { 3 } else { end };
        return Err(syntax(offset, if digits == 0 { "HEXPOINT" } else { "\"}\"" }));
    }

    let hex = &input[3..end];
    let code = hex.iter().fold(0u32, |acc, &b| acc << 4 | u32::from(hex_value(b)));
    if !is_hexpoint(hex, code) {
        return Err(syntax(3, "HEXPOINT"));
    }
    let c = char::from_u32(code).ok_or_else(|| syntax(3, "HEXPOINT"))?;
    Ok((c, end + 1))
}

/// True when `hex`, whose value is `code`, is a HEXPOINT.
fn is_hexpoint(hex: &[u8], code: u32) -> bool {
    // Two digits spell the specials, the low controls and U+0080 to
    // U+00FF; more digits spell larger code points without leading zeros.
    match hex.len() {
        2 => matches!(code, 0x01..=0x09 | 0x10..=0x19 | 0x20 | 0x2B | 0x3D | 0x5C | 0x7F | 0x80..),
        3..=6 => hex[0] != b'0' && code <= 0x10_FFFF && !(0xD800..=0xDFFF).contains(&code),
        _ => false,
    }
}

/// True for an xchar: `!` to `~` except `+` and `=`.
fn is_xchar(byte: u8) -> bool {
    matches!(byte, b'!'..=b'~') && byte != b'+' && byte != b'='
}

/// The length of the run of xchars at the start of `input`.
fn xchar_run(input: &[u8]) -> usize {
    crate::text::vchar_run(input, [b'+', b'='])
}

/// True for a QCHAR: `!` to `~` except `+`, `=` and `\`.
fn is_qchar(byte: u8) -> bool {
    is_xchar(byte) && byte != b'\\'
}

/// The value of an upper-case hexadecimal digit.
fn upper_hex_value(byte: Option<&u8>) -> Option<u8> {
    match byte? {
        b @ b'0'..=b'9' => Some(b - b'0'),
        b @ b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The value of a hexadecimal digit of either case; 0 for anything else,
/// which callers have ruled out.
fn hex_value(byte: u8) -> u8 {
    match byte {
        b'0'..=b'9' => byte - b'0',
        b'a'..=b'f' => byte - b'a' + 10,
        b'A'..=b'F' => byte - b'A' + 10,
        _ => 0,
    }
}

/// The upper-case hexadecimal digit for the low four bits of `value`.
fn hex_digit(value: u8) -> u8 {
    HEX_DIGITS[usize::from(value & 0x0F)]
}

/// The offset in the xtext `input` of the unit that decodes to byte
/// `decoded` of the output.
fn xtext_offset(input: &[u8], decoded: usize) -> usize {
    let mut offset = 0;
    for _ in 0..decoded {
        offset += if input.get(offset) == Some(&b'+') { 3 } else { 1 };
    }
    offset.min(input.len())
}

/// A syntax error at `offset`.
fn syntax(offset: usize, expected: &'static str) -> ParseError {
    ParseError::new(offset, ErrorKind::Syntax { expected })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn xtext_decodes_the_rfc_examples() {
        let table: &[(&[u8], &str, bool)] = &[
            (b"QQ314159", "QQ314159", true),
            (b"e+3Dmc2@example.com", "e=mc2@example.com", false),
            (b"Bob@Example.COM", "Bob@Example.COM", true),
            (b"+2B+3D", "+=", false),
            (b"", "", true),
            (b"+C3+A9t+C3+A9", "été", false),
            (b"a+0Db", "a\rb", false),
        ];
        for &(input, text, borrowed) in table {
            let decoded = decode(input).expect("valid xtext");
            assert_eq!(decoded, text, "{input:?}");
            assert_eq!(matches!(decoded, Cow::Borrowed(_)), borrowed, "{input:?}");
        }
    }

    #[test]
    fn xtext_refuses_what_the_grammar_does_not_allow() {
        let table: &[(&[u8], usize, ErrorKind)] = &[
            (b"a=b", 1, ErrorKind::Syntax { expected: "xtext" }),
            (b"a b", 1, ErrorKind::Syntax { expected: "xtext" }),
            (b"a+3d", 3, ErrorKind::Syntax { expected: "hexchar" }),
            (b"a+", 2, ErrorKind::Syntax { expected: "hexchar" }),
            (b"a+4", 3, ErrorKind::Syntax { expected: "hexchar" }),
            (b"a+G0", 2, ErrorKind::Syntax { expected: "hexchar" }),
            (b"x+20\xC3\xA9", 4, ErrorKind::Syntax { expected: "xtext" }),
            (b"ab+C3", 2, ErrorKind::NonAscii),
            (b"ab+FFcd", 2, ErrorKind::NonAscii),
            (b"ab+C3+28", 2, ErrorKind::NonAscii),
        ];
        for (input, offset, kind) in table {
            let error = decode(input).expect_err("invalid xtext");
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{input:?}");
        }
    }

    #[test]
    fn xtext_refuses_controls_when_asked() {
        let error = decode_xtext(b"ab+0Dc", true).expect_err("a CR");
        assert_eq!(error.offset(), 2);
        assert!(decode_xtext(b"ab+20c", true).is_ok(), "a space is not a control");
    }

    #[test]
    fn xtext_encodes_only_what_it_must() {
        let table: &[(&str, &[u8])] = &[
            ("QQ314159", b"QQ314159"),
            ("e=mc2", b"e+3Dmc2"),
            ("1+1", b"1+2B1"),
            ("a b\r\n", b"a+20b+0D+0A"),
            ("\u{7f}é", b"+7F+C3+A9"),
        ];
        for &(text, encoded) in table {
            let mut out = Vec::new();
            encode(text, &mut out);
            assert_eq!(out, encoded, "{text:?}");
            assert_eq!(encoded_len(text), encoded.len(), "{text:?}");
        }
    }

    #[test]
    fn utf8_addr_decodes_both_forms() {
        let table: &[(&[u8], bool, &str)] = &[
            (b"user@example.org", false, "user@example.org"),
            (br"j\x{F6}rg@example.org", false, "jörg@example.org"),
            (br"j\x{f6}rg@example.org", false, "jörg@example.org"),
            (br"\x{5C}\x{2B}\x{3D}\x{20}", false, "\\+= "),
            (br"\x{4F60}\x{597D}@example.cn", false, "你好@example.cn"),
            (br"\x{1F600}@x", false, "😀@x"),
            (br"\x{10FFFF}", false, "\u{10FFFF}"),
            ("jörg@example.org".as_bytes(), true, "jörg@example.org"),
            (r"jö\x{2B}rg".as_bytes(), true, "jö+rg"),
        ];
        for &(input, unitext, text) in table {
            assert_eq!(decode_utf8_addr(input, unitext).expect("valid"), text, "{input:?}");
        }
    }

    #[test]
    fn utf8_addr_refuses_what_the_grammar_does_not_allow() {
        let table: &[(&[u8], usize, ErrorKind)] = &[
            (b"", 0, ErrorKind::Syntax { expected: "utf-8-addr-xtext" }),
            (b"a+b", 1, ErrorKind::Syntax { expected: "QCHAR" }),
            (b"a=b", 1, ErrorKind::Syntax { expected: "QCHAR" }),
            (b"a b", 1, ErrorKind::Syntax { expected: "QCHAR" }),
            (br"a\b", 2, ErrorKind::Syntax { expected: "EmbeddedUnicodeChar" }),
            (br"a\X{F6}", 2, ErrorKind::Syntax { expected: "EmbeddedUnicodeChar" }),
            (br"a\xF6", 3, ErrorKind::Syntax { expected: "\"{\"" }),
            (br"a\x{}", 4, ErrorKind::Syntax { expected: "HEXPOINT" }),
            (br"a\x{F6", 6, ErrorKind::Syntax { expected: "\"}\"" }),
            (br"a\x{1234567}", 10, ErrorKind::Syntax { expected: "\"}\"" }),
            (br"a\x{41}", 4, ErrorKind::Syntax { expected: "HEXPOINT" }),
            (br"a\x{0F6}", 4, ErrorKind::Syntax { expected: "HEXPOINT" }),
            (br"a\x{D800}", 4, ErrorKind::Syntax { expected: "HEXPOINT" }),
            (br"a\x{110000}", 4, ErrorKind::Syntax { expected: "HEXPOINT" }),
            (br"a\x{00}", 4, ErrorKind::Syntax { expected: "HEXPOINT" }),
            (br"a\x{F}", 4, ErrorKind::Syntax { expected: "HEXPOINT" }),
            ("jörg".as_bytes(), 1, ErrorKind::NonAscii),
            (b"j\xC3rg", 1, ErrorKind::NonAscii),
        ];
        for (input, offset, kind) in table {
            let error = decode_utf8_addr(input, input.starts_with(b"j\xC3r")).expect_err("bad");
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{input:?}");
        }
    }

    #[test]
    fn utf8_addr_refuses_controls_when_asked() {
        assert_eq!(decode_utf8_addr(br"a\x{7F}", false).expect("in the grammar"), "a\u{7f}");
        let error = decode_utf8_addr_checked(br"a\x{7F}", false, true).expect_err("DEL");
        assert_eq!(error.offset(), 1);
    }

    #[test]
    fn utf8_addr_encodes_with_canonical_escapes() {
        let table: &[(&str, &[u8])] = &[
            ("user@example.org", b"user@example.org"),
            ("a+b=c\\d e", br"a\x{2B}b\x{3D}c\x{5C}d\x{20}e"),
            ("é中😀", br"\x{E9}\x{4E2D}\x{1F600}"),
            ("\u{1}", br"\x{01}"),
        ];
        for &(text, encoded) in table {
            let mut out = Vec::new();
            encode_utf8_addr(text, &mut out);
            assert_eq!(out, encoded, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn xtext_round_trips_any_text(text in any::<String>()) {
            let mut out = Vec::new();
            encode(&text, &mut out);
            prop_assert_eq!(out.len(), encoded_len(&text));
            prop_assert_eq!(decode(&out).expect("encoded xtext decodes"), text);
        }

        #[test]
        fn utf8_addr_round_trips_text_without_controls(text in "[^\\x00-\\x1F\\x7F]{1,24}") {
            let mut out = Vec::new();
            encode_utf8_addr(&text, &mut out);
            prop_assert!(out.is_ascii());
            prop_assert_eq!(decode_utf8_addr(&out, false).expect("encoded decodes"), text);
        }

        #[test]
        fn decoders_never_panic(input in any::<Vec<u8>>(), flag in any::<bool>()) {
            let _ = decode(&input);
            let _ = decode_xtext(&input, flag);
            let _ = decode_utf8_addr_checked(&input, flag, !flag);
        }

        #[test]
        fn text_and_bytes_decode_alike(text in "[ -~\u{80}-\u{10FFFF}]{0,16}", flag in any::<bool>()) {
            prop_assert_eq!(decode_xtext_str(&text, flag), decode_xtext(text.as_bytes(), flag));
        }
    }
}
