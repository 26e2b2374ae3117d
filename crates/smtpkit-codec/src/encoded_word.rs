//! RFC 2047 encoded words, `=?charset?B?…?=` and `=?charset?Q?…?=`, with
//! the language tags of RFC 2231 §5 (`=?charset*lang?…?=`): decoding them in
//! unstructured text and one at a time, and encoding text into them for
//! header fields that must stay 7-bit.
//!
//! Decoding never fails: a word that is malformed, or names a charset this
//! crate does not know, stays in the text as it was written. Byte sequences
//! that are invalid in their charset become U+FFFD REPLACEMENT CHARACTER.
//! Charsets are looked up by their WHATWG labels through `encoding_rs`, which
//! covers UTF-8, ISO-8859-*, Windows-125x, KOI8-R/U, GB2312, GBK, GB18030,
//! Big5, EUC-KR, ISO-2022-JP, Shift_JIS and EUC-JP among others. The WHATWG
//! standard maps the labels `us-ascii` and `iso-8859-1` to windows-1252, a
//! superset of both, so text in those charsets decodes the same and bytes
//! 0x80–0x9F, which neither defines, decode as windows-1252 does.
//!
//! Every function here runs in time linear in its input: a candidate word
//! is scanned once, left to right, and a failed candidate is never
//! re-scanned from a later position.

use std::borrow::Cow;

use encoding_rs::{Encoding, BIG5, EUC_KR, GBK, SHIFT_JIS};

/// The longest encoded word RFC 2047 §2 allows, `=?` and `?=` included.
///
/// [`encode_unstructured`] never writes a longer word. The decoders accept
/// longer ones, since mailers that write them are common and the limit
/// guards nothing a decoder needs.
pub const ENCODED_WORD_LIMIT: usize = 75;

/// The longest run of printable ASCII that [`encode_unstructured`] leaves as
/// it is: a longer word could not be folded onto a line of 78 characters
/// (RFC 5322 §2.1.1), so it is encoded, and so split into several words.
pub const PLAIN_WORD_LIMIT: usize = 76;

/// What an encoded word of [`encode_unstructured`] is framed with: the
/// charset is always UTF-8.
const UTF8_B_PREFIX: &str = "=?UTF-8?B?";
const UTF8_Q_PREFIX: &str = "=?UTF-8?Q?";
const SUFFIX: &str = "?=";

/// Room for encoded text within one word of [`ENCODED_WORD_LIMIT`].
const ENCODED_TEXT_ROOM: usize = ENCODED_WORD_LIMIT - UTF8_B_PREFIX.len() - SUFFIX.len();

/// Decodes every encoded word in unstructured text, such as the body of a
/// Subject or Comments field once unfolded (RFC 2047 §5 (1), §6.2).
///
/// Text is split at linear white space (SP, HT, CR, LF). A piece of text
/// between white space is decoded when it consists of encoded words only;
/// otherwise it stays as written, so an encoded word glued to other text,
/// such as `(=?UTF-8?Q?a?=)`, is not decoded: RFC 2047 §5 (1) requires the
/// white space, and the examples of §8 show such words kept as they are in
/// unstructured text. Two choices are more tolerant than the RFC, because
/// real mail needs them and they cannot change the meaning of unstructured
/// text:
///
/// - encoded words written back to back without white space between them
///   (`=?UTF-8?Q?a?==?UTF-8?Q?b?=`) are decoded, as if separated;
/// - the decoded bytes of adjacent encoded words in the same charset are
///   joined before they are decoded as text, so a character that a mailer
///   split across two words comes out whole.
///
/// White space between two decoded words is dropped (§6.2); all other text
/// and white space is kept. The result borrows `text` when nothing in it
/// was decoded.
///
/// This is for unstructured text only. In a structured field, an encoded
/// word may stand only for a whole `word` of a phrase, or inside a comment
/// (§5 (2), (3)); the parsers of those fields decode the words they find
/// with [`decode_word`], so that an encoded `<` or `,` cannot change the
/// structure of the field.
///
/// ```
/// use smtpkit_codec::decode_unstructured;
///
/// let subject = "Re: =?ISO-8859-1?Q?Andr=E9?= =?UTF-8?B?5pel5pys?= and more";
/// assert_eq!(decode_unstructured(subject), "Re: André日本 and more");
/// // A malformed word stays as it is.
/// assert_eq!(decode_unstructured("=?UTF-8?X?abc?= ok"), "=?UTF-8?X?abc?= ok");
/// ```
pub fn decode_unstructured(text: &str) -> Cow<'_, str> {
    if memchr::memmem::find(text.as_bytes(), b"=?").is_none() {
        return Cow::Borrowed(text);
    }

    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut run = Run::default();
    let mut decoded_any = false;
    let mut start = 0;
    while start < bytes.len() {
        let space_end = start + bytes[start..].iter().take_while(|&&b| is_lwsp(b)).count();
        let token_end = space_end + bytes[space_end..].iter().take_while(|&&b| !is_lwsp(b)).count();
        let (space, token) = (&text[start..space_end], &text[space_end..token_end]);
        start = token_end;

        match encoded_words(token.as_bytes()) {
            Some(words) => {
                // White space between two encoded words is dropped (§6.2).
                if run.is_empty() {
                    out.push_str(space);
                }
                for word in words {
                    run.push(word, &mut out);
                }
                decoded_any = true;
            }
            None => {
                run.flush(&mut out);
                out.push_str(space);
                out.push_str(token);
            }
        }
    }
    run.flush(&mut out);

    if decoded_any {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// Decodes one whole encoded word.
///
/// ```abnf
/// encoded-word = "=?" charset ["*" language] "?" encoding "?" encoded-text "?="
/// charset      = token
/// encoding     = token          ; "B" or "Q", either case
/// token        = 1*<Any CHAR except SPACE, CTLs, and especials>
/// especials    = "(" / ")" / "<" / ">" / "@" / "," / ";" / ":" / DQUOTE /
///                "/" / "[" / "]" / "?" / "." / "="
/// encoded-text = 1*<Any printable ASCII character other than "?" or SPACE>
/// ```
/// RFC 2047 §2, with the language of RFC 2231 §5, (edited): the encoded
/// text may be empty, and a word may be longer than
/// [`ENCODED_WORD_LIMIT`]. B is base64 (§4.1), with or without its
/// padding; Q is quoted-printable with `_` for a space (§4.2), its hex
/// digits in either case.
///
/// Returns `None` when `word` is not exactly one encoded word, when its
/// encoded text is not valid B or Q, or when its charset is unknown (see
/// the module documentation for the charsets and how they are decoded).
///
/// ```
/// use smtpkit_codec::decode_word;
///
/// assert_eq!(decode_word("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=").as_deref(),
///            Some("Keld Jørn Simonsen"));
/// assert_eq!(decode_word("=?US-ASCII*EN?Q?Keith_Moore?=").as_deref(), Some("Keith Moore"));
/// assert_eq!(decode_word("=?UTF-8?B?5pel5pys?= tail"), None);
/// assert_eq!(decode_word("=?no-such-charset?Q?a?="), None);
/// ```
pub fn decode_word(word: &str) -> Option<String> {
    let (decoded, consumed) = encoded_word(word.as_bytes())?;
    if consumed != word.len() {
        return None;
    }
    let mut out = String::new();
    let mut run = Run::default();
    run.push(decoded, &mut out);
    run.flush(&mut out);
    Some(out)
}

/// Writes `text` for the body of an unstructured field (Subject, Comments)
/// in 7-bit ASCII, encoding what needs it as RFC 2047 encoded words in
/// UTF-8.
///
/// Text of printable ASCII words separated by SP or HT is written as it
/// is. Otherwise every run of words that need encoding, with the white
/// space between them, is encoded as one or more encoded words of at most
/// [`ENCODED_WORD_LIMIT`] characters, separated by a space where the field
/// can be folded; the words around such a run, and the white space that
/// separates them from it, stay as they are. A word needs encoding when it
/// holds anything but printable ASCII (non-ASCII, control characters such
/// as CR, LF or NUL), when it contains `=?` and so could be read as an
/// encoded word, or when it is longer than [`PLAIN_WORD_LIMIT`].
///
/// Each run is encoded as Q or B, whichever is shorter, and split only
/// between characters, never inside one. The Q form encodes every character
/// outside letters, digits and `!*+-/`, so the words it writes are also
/// valid in a phrase (RFC 2047 §5 (3)).
///
/// For every string `s`, `decode_unstructured` of what this writes is `s`.
///
/// ```
/// use smtpkit_codec::{decode_unstructured, encode_unstructured};
///
/// let mut subject = String::new();
/// encode_unstructured("Re: Überraschungsparty am Freitag", &mut subject);
/// assert_eq!(subject, "Re: =?UTF-8?Q?=C3=9Cberraschungsparty?= am Freitag");
/// assert_eq!(decode_unstructured(&subject), "Re: Überraschungsparty am Freitag");
///
/// let mut plain = String::new();
/// encode_unstructured("Saying Hello", &mut plain);
/// assert_eq!(plain, "Saying Hello");
/// ```
pub fn encode_unstructured(text: &str, out: &mut String) {
    encode_words(text, needs_encoding, out);
}

/// Writes `text` for the body of an unstructured field in a header that may
/// carry UTF-8 (RFC 6532): non-ASCII text is written as it is, and only the
/// words that could not stand as they are become RFC 2047 encoded words in
/// UTF-8, as [`encode_unstructured`] writes them.
///
/// A word cannot stand as it is when it contains `=?` and so could be read
/// as an encoded word, when it holds a control character (CR, LF and NUL
/// among them), or when it is longer than [`PLAIN_WORD_LIMIT`] octets and
/// so could not be folded. Encoding such a word is what RFC 2047 §5 (1)
/// permits in unstructured text; without it, a subject that is literally
/// `=?UTF-8?Q?a?=` would read back as `a`.
///
/// For every string `s`, `decode_unstructured` of what this writes is `s`.
///
/// ```
/// use smtpkit_codec::{decode_unstructured, encode_unstructured_utf8};
///
/// let mut subject = String::new();
/// encode_unstructured_utf8("Grüße zu =?UTF-8?Q?a?=", &mut subject);
/// assert!(subject.starts_with("Grüße zu =?UTF-8?"));
/// assert_eq!(decode_unstructured(&subject), "Grüße zu =?UTF-8?Q?a?=");
///
/// let mut plain = String::new();
/// encode_unstructured_utf8("Grüße", &mut plain);
/// assert_eq!(plain, "Grüße");
/// ```
pub fn encode_unstructured_utf8(text: &str, out: &mut String) {
    encode_words(text, needs_encoding_in_utf8, out);
}

/// Writes `text` word by word, encoding every run of words for which
/// `needs` holds, as [`encode_unstructured`] describes.
fn encode_words(text: &str, needs: fn(&str) -> bool, out: &mut String) {
    let bytes = text.as_bytes();
    let mut start = 0;
    // The run of words to encode, from the start of its first word to the
    // end of its last, while one is open.
    let mut run: Option<(usize, usize)> = None;
    loop {
        let space_end = start + bytes[start..].iter().take_while(|&&b| is_wsp(b)).count();
        let word_end = space_end + bytes[space_end..].iter().take_while(|&&b| !is_wsp(b)).count();
        let (space, word) = (&text[start..space_end], &text[space_end..word_end]);
        if word.is_empty() {
            // Only white space is left, if anything.
            if let Some((run_start, run_end)) = run {
                encode_run(&text[run_start..run_end], out);
            }
            out.push_str(space);
            return;
        }
        start = word_end;

        if needs(word) {
            match &mut run {
                Some((_, run_end)) => *run_end = word_end,
                None => {
                    out.push_str(space);
                    run = Some((space_end, word_end));
                }
            }
        } else {
            if let Some((run_start, run_end)) = run.take() {
                encode_run(&text[run_start..run_end], out);
            }
            out.push_str(space);
            out.push_str(word);
        }
    }
}

/// Writes `text` as a display name that a reader without RFC 6532 can
/// take: nothing when it is empty, otherwise the whole text as RFC 2047
/// encoded words separated by spaces, each at most
/// [`ENCODED_WORD_LIMIT`] characters and made only of the characters
/// RFC 2047 §5 (3) allows in a phrase.
///
/// Unlike [`encode_unstructured`], ASCII words are encoded too, so that a
/// comma, a quote or any other special in the name keeps its meaning as
/// text. The address parser decodes the words and drops the spaces
/// between them, which gives `text` back.
///
/// ```
/// use smtpkit_codec::encoded_word::encode_phrase;
///
/// let mut name = String::new();
/// encode_phrase("Müller, Jörg", &mut name);
/// assert!(name.starts_with("=?UTF-8?") && name.is_ascii() && !name.contains(','));
/// ```
pub fn encode_phrase(text: &str, out: &mut String) {
    encode_run(text, out);
}

/// Parses one encoded word at the start of `input`, as [`decode_word`]
/// describes, and returns it with the number of bytes it took.
///
/// The word is scanned once, left to right, and every part ends at the
/// first byte that does not belong to it, so the cost is the length of the
/// word, or of the part of it that was read before it proved malformed.
fn encoded_word(input: &[u8]) -> Option<(Word, usize)> {
    let rest = input.strip_prefix(b"=?")?;
    let charset_len = rest.iter().take_while(|&&b| is_token(b)).count();
    let (charset, rest) = rest.split_at(charset_len);
    let rest = rest.strip_prefix(b"?")?;
    let (&letter, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(b"?")?;
    let text_len = rest.iter().take_while(|&&b| is_encoded_text(b)).count();
    let (text, rest) = rest.split_at(text_len);
    rest.strip_prefix(b"?=")?;

    let encoding = charset_encoding(charset)?;
    let bytes = match letter {
        b'B' | b'b' => b_decode(text)?,
        b'Q' | b'q' => q_decode(text)?,
        _ => return None,
    };
    let consumed = input.len() - rest.len() + 2;
    Some((Word { encoding, bytes }, consumed))
}

/// A piece of text between white space that consists of encoded words only,
/// one or more, decoded to bytes; `None` if any part of it is not an
/// encoded word.
fn encoded_words(mut token: &[u8]) -> Option<Vec<Word>> {
    if token.is_empty() {
        return None;
    }
    let mut words = Vec::new();
    while !token.is_empty() {
        let (word, consumed) = encoded_word(token)?;
        words.push(word);
        token = &token[consumed..];
    }
    Some(words)
}

/// One encoded word: its charset and its text decoded from B or Q.
struct Word {
    encoding: &'static Encoding,
    bytes: Vec<u8>,
}

/// Adjacent encoded words in one charset, their bytes joined, waiting to be
/// decoded as text.
#[derive(Default)]
struct Run {
    encoding: Option<&'static Encoding>,
    bytes: Vec<u8>,
}

impl Run {
    fn is_empty(&self) -> bool {
        self.encoding.is_none()
    }

    /// Adds `word` to the run, first decoding the run into `out` when the
    /// word is in another charset.
    fn push(&mut self, word: Word, out: &mut String) {
        if self.encoding.is_some_and(|e| e != word.encoding) {
            self.flush(out);
        }
        self.encoding = Some(word.encoding);
        self.bytes.extend_from_slice(&word.bytes);
    }

    /// Decodes the run into `out` and empties it.
    fn flush(&mut self, out: &mut String) {
        if let Some(encoding) = self.encoding.take() {
            out.push_str(&encoding.decode_without_bom_handling(&self.bytes).0);
            self.bytes.clear();
        }
    }
}

/// The encoding of a charset label, by its WHATWG label or one of a few
/// Windows code page names that mail uses and the WHATWG list lacks.
///
/// Labels that WHATWG maps to its "replacement" encoding (ISO-2022-KR,
/// HZ-GB-2312 and others) are unknown here, so their words stay literal
/// rather than becoming a single U+FFFD.
fn charset_encoding(label: &[u8]) -> Option<&'static Encoding> {
    // RFC 2231 §5: a language may follow the charset after "*".
    let label = label.split(|&b| b == b'*').next().unwrap_or_default();
    if let Some(encoding) = Encoding::for_label_no_replacement(label) {
        return Some(encoding);
    }
    const CODE_PAGES: &[(&[u8], &Encoding)] =
        &[(b"cp932", SHIFT_JIS), (b"cp936", GBK), (b"cp949", EUC_KR), (b"cp950", BIG5)];
    CODE_PAGES.iter().find(|(name, _)| name.eq_ignore_ascii_case(label)).map(|&(_, e)| e)
}

/// Decodes base64 (RFC 2045 §6.8), with its `=` padding or without it.
///
/// `None` for a byte outside the alphabet, `=` anywhere but at the end, or
/// a length that leaves a single character over, which carries no whole
/// byte.
fn b_decode(text: &[u8]) -> Option<Vec<u8>> {
    let padding = text.iter().rev().take_while(|&&b| b == b'=').count();
    let data = &text[..text.len() - padding];
    if padding > 2 || data.len() % 4 == 1 {
        return None;
    }

    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    for chunk in data.chunks(4) {
        let mut group = 0u32;
        for &b in chunk {
            group = group << 6 | u32::from(b64_value(b)?);
        }
        // A short final chunk holds 2 or 3 characters: 12 or 18 bits, of
        // which the whole bytes are the first 8 or 16.
        let [_, b0, b1, b2] = (group << (6 * (4 - chunk.len()))).to_be_bytes();
        out.extend_from_slice(&[b0, b1, b2][..chunk.len() - 1]);
    }
    Some(out)
}

/// The value of one character of the base64 alphabet.
fn b64_value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes the Q encoding (RFC 2047 §4.2): `_` is a space, `=XX` a byte in
/// hex, anything else itself. `None` for `=` without two hex digits.
fn q_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'_' => out.push(b' '),
            b'=' => {
                let (&[high, low], tail) = rest.split_first_chunk::<2>()?;
                out.push(hex_value(high)? << 4 | hex_value(low)?);
                rest = tail;
            }
            _ => out.push(b),
        }
    }
    Some(out)
}

/// The value of a hex digit, of either case.
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// Encodes `text`, a run of words and the white space between them, as
/// encoded words in UTF-8 separated by single spaces.
fn encode_run(text: &str, out: &mut String) {
    let q_len: usize = text.bytes().map(q_len).sum();
    let b_len = text.len().div_ceil(3) * 4;
    let q = q_len <= b_len;

    let mut rest = text;
    let mut first = true;
    while !rest.is_empty() {
        let take = if q { q_chunk(rest) } else { b_chunk(rest) };
        let (chunk, tail) = rest.split_at(take);
        rest = tail;
        if !first {
            out.push(' ');
        }
        first = false;
        if q {
            out.push_str(UTF8_Q_PREFIX);
            q_encode(chunk.as_bytes(), out);
        } else {
            out.push_str(UTF8_B_PREFIX);
            b_encode(chunk.as_bytes(), out);
        }
        out.push_str(SUFFIX);
    }
}

/// How many bytes of `text`, in whole characters, fit in one Q word.
fn q_chunk(text: &str) -> usize {
    let mut room = ENCODED_TEXT_ROOM;
    let mut end = 0;
    for c in text.chars() {
        let len: usize = text[end..end + c.len_utf8()].bytes().map(q_len).sum();
        if len > room {
            break;
        }
        room -= len;
        end += c.len_utf8();
    }
    // A character takes at most 12 characters of Q text, so the first one
    // always fits and every word holds something.
    end
}

/// How many bytes of `text`, in whole characters, fit in one B word.
fn b_chunk(text: &str) -> usize {
    let most = ENCODED_TEXT_ROOM / 4 * 3;
    if text.len() <= most {
        return text.len();
    }
    // Back off to the start of the character that would be cut; a UTF-8
    // character is at most 4 bytes, and `most` is larger.
    (0..=most).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(text.len())
}

/// The bytes that the Q encoding writes as themselves: those that are
/// safe in every place an encoded word may stand (RFC 2047 §5 (3)).
fn is_q_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'!' | b'*' | b'+' | b'-' | b'/')
}

/// The length of one byte in the Q encoding.
fn q_len(b: u8) -> usize {
    if is_q_plain(b) || b == b' ' {
        1
    } else {
        3
    }
}

fn q_encode(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if is_q_plain(b) {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('_');
        } else {
            out.push('=');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

fn b_encode(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let mut group = [0u8; 4];
        group[1..=chunk.len()].copy_from_slice(chunk);
        let bits = u32::from_be_bytes(group);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = (bits >> (18 - 6 * i)) & 0x3f;
                out.push(char::from(ALPHABET[index as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

/// True when `word`, a run of text without SP or HT, cannot be written as
/// it is in unstructured text.
fn needs_encoding(word: &str) -> bool {
    word.len() > PLAIN_WORD_LIMIT
        || word.bytes().any(|b| !b.is_ascii_graphic())
        || memchr::memmem::find(word.as_bytes(), b"=?").is_some()
}

/// Whether a word of UTF-8 unstructured text must be encoded: it is too
/// long to fold, holds a control character, or could be read as an encoded
/// word.
fn needs_encoding_in_utf8(word: &str) -> bool {
    word.len() > PLAIN_WORD_LIMIT
        || word.chars().any(char::is_control)
        || memchr::memmem::find(word.as_bytes(), b"=?").is_some()
}

/// SP or HT, the white space of a header field (RFC 5234 `WSP`).
fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Linear white space as RFC 2047 §2 means it: SP, HT, and the CR and LF of
/// a fold, so that folded text decodes as unfolded text does.
fn is_lwsp(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// A byte of an RFC 2047 `token`: a CHAR that is not SPACE, a CTL or one
/// of the especials. `*` is a token byte; it separates an RFC 2231 language.
fn is_token(b: u8) -> bool {
    b.is_ascii_graphic() && !b"()<>@,;:\"/[]?.=".contains(&b)
}

/// A byte of `encoded-text`: printable ASCII other than `?` and SPACE.
fn is_encoded_text(b: u8) -> bool {
    b.is_ascii_graphic() && b != b'?'
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn rfc_2047_section_8_words_decode() {
        let table = [
            ("=?US-ASCII?Q?Keith_Moore?=", "Keith Moore"),
            ("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", "Keld Jørn Simonsen"),
            ("=?ISO-8859-1?Q?Andr=E9?=", "André"),
            ("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=", "If you can read this yo"),
            ("=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=", "u understand the example."),
            ("=?ISO-8859-1?Q?Olle_J=E4rnefors?=", "Olle Järnefors"),
            ("=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?=", "Patrik Fältström"),
            ("=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=", "םולש ןב ילטפנ"),
        ];
        for (word, text) in table {
            assert_eq!(decode_word(word).as_deref(), Some(text), "{word}");
        }
    }

    #[test]
    fn rfc_2047_section_8_white_space_rules_hold_in_unstructured_text() {
        // The RFC shows these inside comments; in unstructured text the
        // parentheses are text, so the words glued to them stay as they
        // are, and the same words without the parentheses decode as shown.
        let table = [
            ("=?ISO-8859-1?Q?a?=", "a"),
            ("=?ISO-8859-1?Q?a?= b", "a b"),
            ("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab"),
            ("=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=", "ab"),
            ("=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=", "ab"),
            ("=?ISO-8859-1?Q?a_b?=", "a b"),
            ("=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", "a b"),
        ];
        for (encoded, displayed) in table {
            assert_eq!(decode_unstructured(encoded), displayed, "{encoded:?}");
            let in_parentheses = format!("({encoded})");
            assert!(decode_unstructured(&in_parentheses).starts_with("(=?"), "{encoded:?}");
        }
    }

    #[test]
    fn rfc_2047_section_8_headers_decode_in_their_unstructured_parts() {
        let table = [
            (
                "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n \
                 =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
                "If you can read this you understand the example.",
            ),
            ("=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"),
            ("Test of new header generator", "Test of new header generator"),
            ("Re: RFC-HDR care and feeding", "Re: RFC-HDR care and feeding"),
        ];
        for (encoded, displayed) in table {
            assert_eq!(decode_unstructured(encoded), displayed, "{encoded:?}");
        }
    }

    #[test]
    fn charsets_of_real_mail_decode() {
        let table = [
            ("=?ISO-2022-JP?B?GyRCRnxLXDhsJE4lRiU5JUgbKEI=?=", "日本語のテスト"),
            ("=?Shift_JIS?B?k/qWe4zq?=", "日本語"),
            ("=?cp932?B?k/qWe4zq?=", "日本語"),
            ("=?EUC-JP?B?xvzL3Ljs?=", "日本語"),
            ("=?GB2312?B?1tDOxNPKvP4=?=", "中文邮件"),
            ("=?GBK?B?1tDOxNPKvP4=?=", "中文邮件"),
            ("=?GB18030?B?1tDOxNPKvP4=?=", "中文邮件"),
            ("=?Big5?B?pKSk5bZspfM=?=", "中文郵件"),
            ("=?KOI8-R?B?8NLJ18XU?=", "Привет"),
            ("=?windows-1251?B?z/Do4uXy?=", "Привет"),
            ("=?UTF-8?B?5pel5pys?=", "日本"),
            ("=?utf-8?q?=E6=97=A5=e6=9c=ac?=", "日本"),
            ("=?ISO-8859-15?B?pHVybw==?=", "€uro"),
            ("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"),
            ("=?UTF-8*de-CH?Q?Gr=C3=BCezi?=", "Grüezi"),
            ("=?us-ascii?q??=", ""),
        ];
        for (word, text) in table {
            assert_eq!(decode_word(word).as_deref(), Some(text), "{word}");
        }
    }

    #[test]
    fn base64_is_read_with_or_without_padding() {
        let table: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"YQ==", b"a"),
            (b"YQ", b"a"),
            (b"YWI=", b"ab"),
            (b"YWI", b"ab"),
            (b"YWJj", b"abc"),
            (b"5pel5pys", "日本".as_bytes()),
            (b"+/+/", &[0xfb, 0xff, 0xbf]),
        ];
        for &(text, bytes) in table {
            assert_eq!(b_decode(text).as_deref(), Some(bytes), "{text:?}");
        }
        for bad in [&b"Y"[..], b"YQ===", b"Y=Q=", b"YQ-_", b"YWJjZ"] {
            assert_eq!(b_decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn malformed_or_unknown_words_are_not_decoded() {
        let table = [
            "",
            "plain",
            "=?UTF-8?Q?a?",
            "=?UTF-8?Q?a",
            "=?UTF-8?X?a?=",
            "=?UTF-8?QQ?a?=",
            "=??Q?a?=",
            "=?UTF-8?Q?a=?=",
            "=?UTF-8?Q?a=G0?=",
            "=?UTF-8?B?Y?=",
            "=?UTF-8?Q?a b?=",
            "=?UTF 8?Q?a?=",
            "=?no-such-charset?Q?a?=",
            "=?UTF-7?Q?a?=",
            "=?ISO-2022-KR?Q?a?=",
            "=?UTF-8?Q?a?= ",
            "x=?UTF-8?Q?a?=",
            "=?UTF-8?Q?a?==?UTF-8?Q?b?=",
        ];
        for word in table {
            assert_eq!(decode_word(word), None, "{word:?}");
        }
    }

    #[test]
    fn unstructured_text_keeps_what_is_not_an_encoded_word() {
        let table = [
            ("Re: =?UTF-8?B?5pel5pys?= report", "Re: 日本 report"),
            ("  =?UTF-8?Q?a?=  ", "  a  "),
            ("=?UTF-8?Q?a?==?UTF-8?Q?b?=", "ab"),
            ("=?UTF-8?Q?a?==?UTF-8?Q?b?= c", "ab c"),
            ("=?UTF-8?Q?a?==?UTF-8?X?b?= c", "=?UTF-8?Q?a?==?UTF-8?X?b?= c"),
            ("=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?=", "café"),
            ("=?UTF-8?B?Y2Fmww==?= =?UTF-8?B?qQ==?=", "café"),
            ("=?UTF-8?Q?caf=C3?= x", "caf\u{fffd} x"),
            ("=?UTF-8?Q?=FF?=", "\u{fffd}"),
            ("x=?UTF-8?Q?a?=", "x=?UTF-8?Q?a?="),
            ("=?UTF-8?Q?a?=.", "=?UTF-8?Q?a?=."),
            ("a =?bogus?Q?b?= =?UTF-8?Q?c?= d", "a =?bogus?Q?b?= c d"),
            ("=?UTF-8?Q?a?=\t=?ISO-8859-1?Q?=E9?=\t=?UTF-8?Q?b?=", "aéb"),
            ("=?UTF-8?Q?a=0D=0ABcc:_x?=", "a\r\nBcc: x"),
        ];
        for (text, decoded) in table {
            assert_eq!(decode_unstructured(text), decoded, "{text:?}");
        }
    }

    #[test]
    fn unstructured_text_is_borrowed_when_nothing_decodes() {
        for text in ["", "Saying Hello", "=?", "a =?b?= c", "(=?UTF-8?Q?a?=)"] {
            assert!(matches!(decode_unstructured(text), Cow::Borrowed(t) if t == text), "{text:?}");
        }
        assert!(matches!(decode_unstructured("=?UTF-8?Q?a?="), Cow::Owned(_)));
    }

    #[test]
    fn a_megabyte_of_word_openings_stays_literal() {
        let text = "=?".repeat(512 * 1024);
        assert_eq!(decode_unstructured(&text), text.as_str());
        let text = "=?UTF-8?Q?".repeat(100_000) + "?=";
        assert_eq!(decode_unstructured(&text), text.as_str());
        let text = "=?UTF-8?Q?a?=".repeat(80_000) + "=?";
        assert_eq!(decode_unstructured(&text), text.as_str());
    }

    #[test]
    fn a_megabyte_of_encoded_words_decodes_whole() {
        let text = "=?UTF-8?Q?ab?= ".repeat(70_000);
        assert_eq!(decode_unstructured(&text), "ab".repeat(70_000) + " ");
    }

    #[test]
    fn plain_text_is_written_as_it_is() {
        for text in ["", " ", "Saying Hello", "  two  spaces\tand a tab ", "a=b ?= _x_ (c)"] {
            assert_eq!(encoded(text), text, "{text:?}");
        }
    }

    #[test]
    fn words_that_need_it_are_encoded_and_the_rest_kept() {
        let long = "x".repeat(PLAIN_WORD_LIMIT + 1);
        let table = [
            ("Grüße", "=?UTF-8?B?R3LDvMOfZQ==?="),
            ("Überraschungsparty", "=?UTF-8?Q?=C3=9Cberraschungsparty?="),
            ("Re: Grüße aus Köln", "Re: =?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?B?S8O2bG4=?="),
            ("Grüße  Köln ", "=?UTF-8?B?R3LDvMOfZSAgS8O2bG4=?= "),
            ("\tÜberraschung  Köln", "\t=?UTF-8?Q?=C3=9Cberraschung__K=C3=B6ln?="),
            ("日本", "=?UTF-8?B?5pel5pys?="),
            ("=?UTF-8?Q?a?=", "=?UTF-8?B?PT9VVEYtOD9RP2E/PQ==?="),
            ("a\r\nBcc: x", "=?UTF-8?B?YQ0KQmNjOg==?= x"),
            ("nul\0", "=?UTF-8?Q?nul=00?="),
            (long.as_str(), "=?UTF-8?Q?xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx?= =?UTF-8?Q?xxxxxxxxxxxxxx?="),
        ];
        for (text, expected) in table {
            assert_eq!(encoded(text), expected, "{text:?}");
            assert_eq!(decode_unstructured(expected), text, "{expected:?}");
        }
    }

    #[test]
    fn a_japanese_subject_is_encoded_in_short_words_and_decodes_back() {
        let subject = "会議の議事録と来週の予定について（重要）：確認をお願いします";
        let out = encoded(subject);
        assert!(out.is_ascii());
        assert!(out.split(' ').count() > 1, "{out}");
        for word in out.split(' ') {
            assert!(word.len() <= ENCODED_WORD_LIMIT && word.starts_with("=?UTF-8?B?"), "{word}");
        }
        assert_eq!(decode_unstructured(&out), subject);
    }

    #[test]
    fn utf8_text_is_kept_and_only_words_that_cannot_stand_are_encoded() {
        let long = "ü".repeat(PLAIN_WORD_LIMIT / 2 + 1);
        let table = [
            ("Grüße aus Köln", "Grüße aus Köln"),
            ("会議の件", "会議の件"),
            ("=?UTF-8?Q?a?=", "=?UTF-8?B?PT9VVEYtOD9RP2E/PQ==?="),
            ("Grüße =?x?Q?y?= Köln", "Grüße =?UTF-8?B?PT94P1E/eT89?= Köln"),
            ("a\r\nBcc: x", "=?UTF-8?B?YQ0KQmNjOg==?= x"),
            ("nul\0", "=?UTF-8?Q?nul=00?="),
        ];
        for (text, expected) in table {
            assert_eq!(encoded_utf8(text), expected, "{text:?}");
            assert_eq!(decode_unstructured(expected), text, "{expected:?}");
        }
        let out = encoded_utf8(&long);
        assert!(out.starts_with("=?UTF-8?") && out.is_ascii(), "{out}");
        assert_eq!(decode_unstructured(&out), long);
    }

    fn encoded(text: &str) -> String {
        let mut out = String::new();
        encode_unstructured(text, &mut out);
        out
    }

    fn encoded_utf8(text: &str) -> String {
        let mut out = String::new();
        encode_unstructured_utf8(text, &mut out);
        out
    }

    proptest! {
        #[test]
        fn encoded_text_decodes_back_to_itself(text in any::<String>()) {
            let out = encoded(&text);
            prop_assert!(out.is_ascii());
            prop_assert_eq!(decode_unstructured(&out), text.as_str());
        }

        #[test]
        fn mostly_plain_text_decodes_back_to_itself(
            text in "([ \t]{0,2}([a-z=?_]{1,6}|[äö日]{1,3}|=\\?UTF-8\\?Q\\?a\\?=)){0,12}[ \t]{0,2}"
        ) {
            let out = encoded(&text);
            prop_assert_eq!(decode_unstructured(&out), text.as_str());
        }

        #[test]
        fn utf8_encoded_text_decodes_back_to_itself(text in any::<String>()) {
            let out = encoded_utf8(&text);
            prop_assert_eq!(decode_unstructured(&out), text.as_str());
        }

        #[test]
        fn mostly_plain_utf8_text_decodes_back_to_itself(
            text in "([ \t]{0,2}([a-z=?_]{1,6}|[äö日]{1,3}|=\\?UTF-8\\?Q\\?a\\?=)){0,12}[ \t]{0,2}"
        ) {
            let out = encoded_utf8(&text);
            prop_assert_eq!(decode_unstructured(&out), text.as_str());
        }

        #[test]
        fn encoded_words_are_never_longer_than_the_limit(text in any::<String>()) {
            for word in encoded(&text).split([' ', '\t']) {
                if word.starts_with("=?UTF-8?") {
                    prop_assert!(word.len() <= ENCODED_WORD_LIMIT, "{}", word);
                }
            }
        }

        #[test]
        fn decoding_takes_any_text(text in any::<String>()) {
            let _ = decode_unstructured(&text);
            let _ = decode_word(&text);
        }

        #[test]
        fn decoding_takes_text_made_of_word_parts(
            text in prop::collection::vec(
                prop::sample::select(vec!["=?", "?=", "?", "=", "Q", "b", "UTF-8", "*", " ", "_", "=C3", "YQ"]),
                0..40,
            ).prop_map(|parts| parts.concat())
        ) {
            let _ = decode_unstructured(&text);
            let _ = decode_word(&text);
        }
    }
}
