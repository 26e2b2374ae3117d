//! Input bytes read once as UTF-8, so that the parts a parser keeps become
//! `&str` by slicing rather than by checking each part again.

use std::str::Utf8Error;

/// A command line's bytes and, when all of them are UTF-8, the same bytes
/// as text.
///
/// Checking a short part of a line as UTF-8 costs about as much as
/// checking the whole line once, and a MAIL or RCPT line has half a dozen
/// parts that become `&str` (local-part, domain, parameter keywords and
/// values). A parser that was given the line's `Text` slices each part
/// out of the text it already has; a part that does not lie within the
/// line, or a line that is not UTF-8, is checked on its own, so the
/// result and its errors are the same either way.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Text<'a> {
    /// The bytes the text was read from; empty when nothing was read.
    bytes: &'a [u8],
    /// The same bytes as text, when they are UTF-8.
    text: Option<&'a str>,
}

impl<'a> Text<'a> {
    /// Reads `bytes` as UTF-8 once.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, text: std::str::from_utf8(bytes).ok() }
    }

    /// Text already known to be UTF-8.
    pub(crate) fn of(text: &'a str) -> Self {
        Self { bytes: text.as_bytes(), text: Some(text) }
    }

    /// No text: every part is checked on its own.
    pub(crate) fn none() -> Self {
        Self::default()
    }

    /// `part` as text: a slice of the text when `part` lies within the
    /// bytes it was read from, otherwise `part` checked on its own.
    pub(crate) fn str_of(self, part: &'a [u8]) -> Result<&'a str, Utf8Error> {
        if let Some(text) = self.text {
            // Where `part` starts, counted from the start of the bytes; a
            // part of other memory gives an offset out of range.
            let offset = (part.as_ptr() as usize).wrapping_sub(self.bytes.as_ptr() as usize);
            let within = offset.checked_add(part.len()).is_some_and(|end| end <= self.bytes.len());
            if within {
                if let Some(slice) = text.get(offset..offset + part.len()) {
                    return Ok(slice);
                }
            }
        }
        std::str::from_utf8(part)
    }
}

/// The length of the run at the start of `input` of printable US-ASCII
/// (`%d33-126`) other than the two bytes of `except` (which may be the
/// same byte), eight bytes at a time.
///
/// Values on a command line are mostly such runs, and testing a word of
/// eight bytes for a byte out of the range costs little more than testing
/// one byte.
pub(crate) fn vchar_run(input: &[u8], except: [u8; 2]) -> usize {
    let mut chunks = input.chunks_exact(8);
    let mut run = 0;
    for chunk in chunks.by_ref() {
        let bad = outside_vchar(u64::from_le_bytes(chunk.try_into().unwrap_or_default()), except);
        if bad != 0 {
            return run + (bad.trailing_zeros() / 8) as usize;
        }
        run += 8;
    }
    // The last bytes, padded with NUL, which ends any run.
    let word = chunks.remainder().iter().rev().fold(0u64, |word, &b| word << 8 | u64::from(b));
    run + (outside_vchar(word, except).trailing_zeros() / 8) as usize
}

/// For each byte of `word` (the first in the low bits), its high bit set
/// when it is not printable US-ASCII or is one of `except`; exact up to
/// the first such byte, which is all [`vchar_run`] reads.
fn outside_vchar(word: u64, except: [u8; 2]) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // A byte below `n` (n <= 128) in `word` leaves its high bit set here;
    // a borrow may mark bytes above it as well, never those below.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let zero = |word: u64| below(word, 1);
    let [first, second] = except.map(|b| ONES * u64::from(b));
    below(word, 33)
        | (word & HIGHS)
        | zero(word ^ (ONES * 0x7f))
        | zero(word ^ first)
        | zero(word ^ second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vchar_runs_stop_at_the_first_byte_out_of_range() {
        assert_eq!(vchar_run(b"", [b'='; 2]), 0);
        assert_eq!(vchar_run(b"rfc822;alice@example.net NOTIFY", [b'='; 2]), 24);
        assert_eq!(vchar_run(b"SIZE=1", [b'='; 2]), 4);
        assert_eq!(vchar_run(b"abcdefghijklmnopq", [b'+', b'=']), 17);
        for bad in [0u8, b' ', b'\t', 0x7f, 0x80, 0xff, b'=', b'+'] {
            for at in 0..20 {
                let mut input = vec![b'x'; 20];
                input[at] = bad;
                assert_eq!(vchar_run(&input, [b'+', b'=']), at, "{bad:#x} at {at}");
            }
        }
        // Every byte value, alone and in a full word.
        for b in 0..=255u8 {
            let expected = usize::from(matches!(b, 33..=126) && b != b'+');
            assert_eq!(vchar_run(&[b], [b'+'; 2]), expected, "{b:#x}");
            assert_eq!(vchar_run(&[b; 8], [b'+'; 2]), expected * 8, "{b:#x}");
        }
    }

    #[test]
    fn parts_within_the_line_are_sliced_and_others_checked() {
        let line = "MAIL FROM:<ユーザー@example.org>".as_bytes();
        let text = Text::new(line);
        assert_eq!(text.str_of(&line[11..23]), Ok("ユーザー"));
        assert_eq!(text.str_of(&line[..0]), Ok(""));
        assert_eq!(text.str_of(&line[line.len()..]), Ok(""));
        // Not on a character boundary: checked on its own, and refused.
        assert!(text.str_of(&line[12..23]).is_err());
        // Other memory, equal or not.
        let other = line.to_vec();
        assert_eq!(text.str_of(&other[..4]), Ok("MAIL"));
        assert!(text.str_of(b"\xff").is_err());
        // A line that is not UTF-8 leaves every part to its own check.
        let bad = b"RCPT TO:<a@b> X=\xff";
        let text = Text::new(bad);
        assert_eq!(text.str_of(&bad[..4]), Ok("RCPT"));
        assert!(text.str_of(&bad[16..]).is_err());
        assert_eq!(Text::none().str_of(b"abc"), Ok("abc"));
    }

    proptest::proptest! {
        #[test]
        fn vchar_run_agrees_with_a_byte_by_byte_scan(
            input in proptest::collection::vec(proptest::prop_oneof![33u8..=126, proptest::num::u8::ANY], 0..40),
            except in proptest::array::uniform2(proptest::num::u8::ANY),
        ) {
            let expected = input
                .iter()
                .take_while(|&&b| matches!(b, 33..=126) && !except.contains(&b))
                .count();
            proptest::prop_assert_eq!(vchar_run(&input, except), expected);
        }
    }
}
