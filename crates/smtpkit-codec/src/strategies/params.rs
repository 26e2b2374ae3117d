//! Strategies over MAIL and RCPT parameters (RFC 5321 §4.1.2 and the
//! extensions of `crate::params`) that cover the whole grammar: every typed
//! parameter, values that need xtext or RFC 6533 escapes, UTF-8, and other
//! keywords with and without values.

use std::borrow::Cow;

use proptest::prelude::*;

use crate::params::{
    AuthAddress, BodyType, ByMode, DateTime, DeliverBy, EnvId, EsmtpKeyword, EsmtpValue,
    HoldForSeconds, MailParameter, MailParameters, Notify, OriginalRecipient, Priority,
    RcptParameter, RcptParameters, Ret, RrvsAction,
};
use crate::strategies::address::mailbox;

/// Printable text as decoded values hold it: ASCII with the characters
/// xtext must encode (space, `+`, `=`), plus non-ASCII letters and emoji.
const DECODED_TEXT: &str = "[ -~é中😀\u{a0}]";

/// Lists of one to six MAIL parameters in any order, no typed keyword
/// twice.
pub fn mail_parameters() -> impl Strategy<Value = MailParameters<'static>> {
    prop::collection::vec(mail_parameter(), 1..7).prop_map(|list| {
        let mut params = MailParameters::new();
        for param in list {
            // A second typed parameter of a kind is dropped, as the list
            // refuses it.
            let _ = params.push(param);
        }
        params
    })
}

/// Lists of one to five RCPT parameters in any order, no typed keyword
/// twice.
pub fn rcpt_parameters() -> impl Strategy<Value = RcptParameters<'static>> {
    prop::collection::vec(rcpt_parameter(), 1..6).prop_map(|list| {
        let mut params = RcptParameters::new();
        for param in list {
            let _ = params.push(param);
        }
        params
    })
}

/// Any one MAIL parameter.
pub fn mail_parameter() -> impl Strategy<Value = MailParameter<'static>> {
    prop_oneof![
        any::<u64>().prop_map(MailParameter::Size),
        body_type().prop_map(MailParameter::Body),
        Just(MailParameter::SmtpUtf8),
        prop_oneof![Just(Ret::Full), Just(Ret::Hdrs)].prop_map(MailParameter::Ret),
        envid().prop_map(MailParameter::EnvId),
        prop::option::of(auth_address()).prop_map(MailParameter::Auth),
        Just(MailParameter::RequireTls),
        (-9i8..=9).prop_map(|p| MailParameter::MtPriority(Priority::new(p).expect("in range"))),
        (0u32..=999_999_999)
            .prop_map(|s| MailParameter::HoldFor(HoldForSeconds::new(s).expect("in range"))),
        date_time().prop_map(MailParameter::HoldUntil),
        deliver_by().prop_map(MailParameter::By),
        other_parameter().prop_filter_map("a typed keyword", |(keyword, value)| {
            MailParameter::other(keyword, value).ok()
        }),
    ]
}

/// Any one RCPT parameter.
pub fn rcpt_parameter() -> impl Strategy<Value = RcptParameter<'static>> {
    prop_oneof![
        notify().prop_map(RcptParameter::Notify),
        original_recipient().prop_map(RcptParameter::Orcpt),
        (date_time(), prop::option::of(rrvs_action()))
            .prop_map(|(time, action)| RcptParameter::Rrvs { time, action }),
        other_parameter().prop_filter_map("a typed keyword", |(keyword, value)| {
            RcptParameter::other(keyword, value).ok()
        }),
    ]
}

/// Any body type.
pub fn body_type() -> impl Strategy<Value = BodyType> {
    prop_oneof![Just(BodyType::SevenBit), Just(BodyType::EightBitMime), Just(BodyType::BinaryMime)]
}

/// Envelope identifiers, many of them needing xtext encoding.
pub fn envid() -> impl Strategy<Value = EnvId<'static>> {
    prop::string::string_regex(&format!("{DECODED_TEXT}{{1,40}}"))
        .expect("a valid regex")
        .prop_filter_map("longer than the ENVID limit once encoded", |text| EnvId::new(text).ok())
}

/// AUTH addresses: every kind of mailbox, some with `=`, `+`, spaces or
/// UTF-8 in them that xtext must encode.
pub fn auth_address() -> impl Strategy<Value = AuthAddress<'static>> {
    mailbox().prop_map(|mailbox| AuthAddress::new(mailbox.to_string()).expect("a mailbox"))
}

/// RFC 3339 date-times in every shape: lower and upper case letters,
/// fractions of a second, Z and numeric offsets, leap seconds.
pub fn date_time() -> impl Strategy<Value = DateTime<'static>> {
    (
        (0u32..=9999, 1u32..=12, 1u32..=28, prop::bool::ANY),
        (0u32..=23, 0u32..=59, 0u32..=60, prop::option::of("[0-9]{1,6}")),
        prop_oneof![
            Just("Z".to_owned()),
            Just("z".to_owned()),
            ("[+-]", 0u32..=23, 0u32..=59).prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
        ],
    )
        .prop_map(|((year, month, day, upper), (hour, minute, second, fraction), offset)| {
            let t = if upper { 'T' } else { 't' };
            let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
            let text = format!(
                "{year:04}-{month:02}-{day:02}{t}{hour:02}:{minute:02}:{second:02}{fraction}{offset}"
            );
            DateTime::new(text).expect("generated in shape and range")
        })
}

/// Deliver-by requests of any time, mode and trace.
pub fn deliver_by() -> impl Strategy<Value = DeliverBy> {
    (
        -999_999_999i32..=999_999_999,
        prop_oneof![Just(ByMode::Notify), Just(ByMode::Return)],
        prop::bool::ANY,
    )
        .prop_map(|(time, mode, trace)| DeliverBy::new(time, mode, trace).expect("in range"))
}

/// NEVER and every non-empty combination of SUCCESS, FAILURE and DELAY.
pub fn notify() -> impl Strategy<Value = Notify> {
    (prop::bool::ANY, prop::bool::ANY, prop::bool::ANY)
        .prop_map(|(success, failure, delay)| Notify { success, failure, delay })
}

/// Original recipients of the utf-8 type, whose addresses are mailboxes,
/// and of the rfc822 type and others, whose addresses are any printable
/// text.
pub fn original_recipient() -> impl Strategy<Value = OriginalRecipient<'static>> {
    let utf8 =
        (prop_oneof![Just("utf-8"), Just("UTF-8")], mailbox()).prop_map(|(addr_type, mailbox)| {
            OriginalRecipient::new(addr_type, mailbox.to_string()).expect("a mailbox")
        });
    let addr_type = prop_oneof![
        Just(Cow::Borrowed("rfc822")),
        Just(Cow::Borrowed("RFC822")),
        "[a-zA-Z0-9!#$%&'*+/?^_`{|}~-]{1,10}"
            .prop_filter("not utf-8", |addr_type| !addr_type.eq_ignore_ascii_case("utf-8"))
            .prop_map(Cow::Owned),
    ];
    let address = prop::string::string_regex(&format!("{DECODED_TEXT}{{0,20}}(@[a-z]{{1,10}})?"))
        .expect("a valid regex");
    let other = (addr_type, address).prop_map(|(addr_type, address)| {
        OriginalRecipient::new(addr_type, address).expect("an atom and a printable address")
    });
    prop_oneof![utf8, other]
}

/// Either action of RRVS.
pub fn rrvs_action() -> impl Strategy<Value = RrvsAction> {
    prop_oneof![Just(RrvsAction::Continue), Just(RrvsAction::Reject)]
}

/// Keywords and optional values of other parameters, values with UTF-8.
pub fn other_parameter(
) -> impl Strategy<Value = (EsmtpKeyword<'static>, Option<EsmtpValue<'static>>)> {
    let keyword = "[A-Za-z0-9][A-Za-z0-9-]{0,12}"
        .prop_map(|text| EsmtpKeyword::new(text).expect("generated from the grammar"));
    let value = "[!-<>-~é中😀]{1,20}"
        .prop_map(|text| EsmtpValue::new(text).expect("generated from the grammar"));
    (keyword, prop::option::of(value))
}
