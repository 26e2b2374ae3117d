//! proptest strategies for replies ([`Reply`]) and EHLO capabilities
//! ([`Capabilities`]), covering the whole grammar and built only through the
//! validating constructors.

use std::borrow::Cow;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use crate::{Capabilities, Capability, EnhancedStatusCode, Reply, ReplyCode, ReplyLine};

/// Any reply code the grammar allows, with the common ones more often.
pub fn reply_code() -> impl Strategy<Value = ReplyCode> {
    let common = prop::sample::select(vec![220u16, 221, 250, 354, 421, 451, 500, 550]);
    let any = (2u16..=5, 0u16..=5, 0u16..=9).prop_map(|(x, y, z)| x * 100 + y * 10 + z);
    prop_oneof![common, any].prop_map(|value| ReplyCode::new(value).expect("digits in range"))
}

/// An enhanced status code of class `class` (2, 4 or 5), its subject and
/// detail mostly small, as servers send them.
pub fn enhanced_code(class: u8) -> impl Strategy<Value = EnhancedStatusCode> {
    let number = || prop_oneof![4 => 0u16..=9, 1 => 0u16..=999];
    (number(), number()).prop_map(move |(subject, detail)| {
        EnhancedStatusCode::new(class, subject, detail).expect("class 2, 4 or 5 and three digits")
    })
}

/// Reply text: printable ASCII, HT and UTF-8, possibly empty, possibly
/// starting with something that looks like an enhanced status code of any
/// class, or with spaces.
pub fn text() -> impl Strategy<Value = String> {
    let body = "[\t -~\u{e9}\u{df}\u{65e5}\u{1f600}]{0,40}";
    let prefix = prop_oneof![
        3 => Just(String::new()),
        1 => Just(" ".to_owned()),
        1 => (prop::sample::select(vec![2u8, 4, 5]), 0u16..=20, 0u16..=20)
            .prop_map(|(c, s, d)| format!("{c}.{s}.{d}")),
        1 => Just("2.01.000 ".to_owned()),
    ];
    (prefix, body).prop_map(|(prefix, body)| prefix + &body)
}

/// A line for a reply of `code`, with or without an enhanced code of its
/// class (none for 3yz, which has no enhanced codes).
pub fn reply_line(code: ReplyCode) -> impl Strategy<Value = ReplyLine<'static>> {
    let class = (code.get() / 100) as u8;
    let enhanced =
        if class == 3 { Just(None).boxed() } else { option::of(enhanced_code(class)).boxed() };
    (enhanced, text()).prop_map(|(enhanced, text)| {
        ReplyLine::new(enhanced, text).expect("generated text has no control characters")
    })
}

/// Any reply: one to six lines, each as [`reply_line`] makes them.
pub fn reply() -> impl Strategy<Value = Reply<'static>> {
    reply_code().prop_flat_map(|code| {
        vec(reply_line(code), 1..6).prop_map(move |lines| {
            Reply::new(code, lines).expect("lines of the reply's class within the limits")
        })
    })
}

/// A domain: labels of letters, digits, hyphens and some UTF-8, starting
/// with a letter so that it never looks like an enhanced status code.
pub fn domain() -> impl Strategy<Value = String> {
    "[a-z\u{e9}][a-z0-9\u{e9}-]{0,9}(\\.[a-z0-9-]{1,10}){0,3}"
}

/// A word of an ehlo-line: printable ASCII without space.
fn word() -> impl Strategy<Value = String> {
    "[!-~]{1,12}"
}

/// An `esmtp-keyword`.
fn esmtp_keyword() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9-]{0,15}"
}

/// A capability as a server built it: every typed one, and `Other` with
/// keywords both unknown and known (in any case, with right or wrong
/// parameters), the latter being read as typed where they match.
pub fn capability() -> impl Strategy<Value = Capability<'static>> {
    let owned = |text: String| Cow::Owned(text);
    let unit = prop::sample::select(vec![
        Capability::Pipelining,
        Capability::EightBitMime,
        Capability::SmtpUtf8,
        Capability::Chunking,
        Capability::BinaryMime,
        Capability::StartTls,
        Capability::Dsn,
        Capability::EnhancedStatusCodes,
        Capability::RequireTls,
    ]);
    let known = prop::sample::select(vec![
        "SIZE",
        "size",
        "Pipelining",
        "auth",
        "AUTH",
        "DeliverBy",
        "MT-PRIORITY",
        "FUTURERELEASE",
        "starttls",
    ]);
    let digits = "[0-9]{1,12}";
    let params = vec(prop_oneof![word(), digits], 0..3);
    let keyword = prop_oneof![esmtp_keyword(), word(), known.prop_map(str::to_owned)];
    prop_oneof![
        unit,
        option::of(any::<u64>()).prop_map(Capability::Size),
        vec("[A-Z0-9_-]{1,20}", 1..4).prop_map(move |mechanisms| Capability::Auth(
            mechanisms.into_iter().map(owned).collect()
        )),
        option::of(0u32..=999_999_999).prop_map(Capability::DeliverBy),
        option::of(esmtp_keyword()).prop_map(move |p| Capability::MtPriority(p.map(owned))),
        (0u32..=999_999_999, "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z").prop_map(
            move |(max_interval, max_datetime)| Capability::FutureRelease {
                max_interval,
                max_datetime: owned(max_datetime),
            }
        ),
        (keyword, params).prop_map(move |(keyword, params)| Capability::Other {
            keyword: owned(keyword),
            params: params.into_iter().map(owned).collect(),
        }),
    ]
}

/// Any EHLO capabilities: a domain, with or without a greeting, and up to
/// ten capabilities.
pub fn capabilities() -> impl Strategy<Value = Capabilities<'static>> {
    let greeting = option::of("[\t -~\u{e9}]{0,30}");
    (domain(), greeting, vec(capability(), 0..10)).prop_filter_map(
        "a keyword in the form of an enhanced status code",
        |(domain, greeting, entries)| {
            let mut capabilities = Capabilities::new(domain).ok()?;
            if let Some(greeting) = greeting {
                capabilities = capabilities.with_greeting(greeting).ok()?;
            }
            for entry in entries {
                capabilities.push(entry).ok()?;
            }
            Some(capabilities)
        },
    )
}
