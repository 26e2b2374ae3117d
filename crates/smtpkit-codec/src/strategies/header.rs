//! Strategies for header fields and header sections: names, values to
//! build fields from, built fields and sections, and whole header sections
//! as bytes on the wire, with folding, obsolete forms and values that are
//! not UTF-8.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::{HeaderField, HeaderSection};

/// Field names: the common ones, and any run of `ftext`.
pub fn field_name() -> impl Strategy<Value = String> {
    let common = prop::sample::select(vec![
        "From",
        "To",
        "Cc",
        "Subject",
        "Date",
        "Message-ID",
        "Received",
        "DKIM-Signature",
        "Content-Type",
        "X-Mailer",
    ])
    .prop_map(str::to_owned);
    prop_oneof![2 => common, 1 => "[!-9;-~]{1,30}"]
}

/// One word of a field value: printable ASCII, UTF-8 (RFC 6532), encoded
/// words, control characters other than CR, LF and NUL, now and then a word
/// longer than a folded line.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[!-~]{1,12}",
        2 => "[a-zäöüß日本語中文]{1,8}",
        1 => Just("=?UTF-8?B?5pel5pys?=".to_owned()),
        1 => "[\u{1}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{7f}a]{1,4}",
        1 => "[a-z]{70,200}",
    ]
}

/// Values to build fields from with [`HeaderField::new`]: words separated
/// by runs of SP and HT, with white space at either end now and then, up
/// to a few hundred characters, so that many of them fold.
pub fn field_value() -> impl Strategy<Value = String> {
    let space = "[ \t]{1,3}";
    ("[ \t]{0,2}", vec((space, word()), 0..30), "[ \t]{0,2}").prop_map(|(lead, words, trail)| {
        let mut value = lead;
        for (index, (space, word)) in words.into_iter().enumerate() {
            if index > 0 {
                value.push_str(&space);
            }
            value.push_str(&word);
        }
        value + &trail
    })
}

/// Fields built with [`HeaderField::new`].
pub fn header_field() -> impl Strategy<Value = HeaderField<'static>> {
    (field_name(), field_value()).prop_map(|(name, value)| {
        HeaderField::new(&name, &value).expect("generated names and values are valid")
    })
}

/// Sections built field by field.
pub fn header_section() -> impl Strategy<Value = HeaderSection<'static>> {
    vec(header_field(), 0..12).prop_map(|fields| {
        let mut section = HeaderSection::new();
        for field in fields {
            section.push(field);
        }
        section
    })
}

/// The bytes of one line of a value on the wire: anything but CR and LF.
fn line_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[ -~]{0,60}".prop_map(String::into_bytes),
        2 => "[ -~äö日本]{0,40}".prop_map(String::into_bytes),
        1 => vec(any::<u8>().prop_map(|b| if b == b'\r' || b == b'\n' { b'~' } else { b }), 0..40),
    ]
}

/// One field as on the wire, through its CRLF: a name, sometimes white
/// space before the colon (obs-optional), a value that may be empty or not
/// start with a space, and continuation lines, some of only white space
/// (obs-FWS).
fn field_bytes() -> impl Strategy<Value = Vec<u8>> {
    let continuation = ("[ \t]{1,3}", line_bytes());
    (
        field_name(),
        prop_oneof![6 => Just(String::new()), 1 => "[ \t]{1,3}"],
        line_bytes(),
        vec(continuation, 0..4),
    )
        .prop_map(|(name, before_colon, first, continuations)| {
            let mut out = name.into_bytes();
            out.extend_from_slice(before_colon.as_bytes());
            out.push(b':');
            out.extend_from_slice(&first);
            for (space, line) in continuations {
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(space.as_bytes());
                out.extend_from_slice(&line);
            }
            out.extend_from_slice(b"\r\n");
            out
        })
}

/// Whole header sections as bytes on the wire, the empty line included,
/// within the default limits.
pub fn header_section_bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(field_bytes(), 0..12).prop_map(|fields| {
        let mut out = fields.concat();
        out.extend_from_slice(b"\r\n");
        out
    })
}
