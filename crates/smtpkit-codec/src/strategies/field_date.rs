//! Strategies for the structured header fields: dates and MIME content
//! types.

use proptest::prelude::*;

use crate::field::date::DateTime;
use crate::field::mime::{ContentType, Parameter};

/// Dates of any year from 0 to 9999, with every zone offset, the unknown
/// zone and leap seconds.
pub fn date_time() -> impl Strategy<Value = DateTime> {
    (
        (0u16..=9999, 1u8..=12, 1u8..=31),
        (0u8..=23, 0u8..=59, prop_oneof![20 => 0u8..=59, 1 => Just(60u8)]),
        prop_oneof![
            1 => Just(None),
            3 => (-1439i16..=1439).prop_map(Some),
            2 => (-12i16..=14).prop_map(|hours| Some(hours * 60)),
        ],
    )
        .prop_filter_map(
            "a day of the month",
            |((year, month, day), (hour, minute, second), zone)| {
                let date = DateTime::new(year, month, day, hour, minute, second, zone.unwrap_or(0));
                let date = date.ok()?;
                Some(if zone.is_none() { date.with_unknown_zone() } else { date })
            },
        )
}

/// Parameters with token, quoted and non-ASCII values, some with a
/// language.
pub fn parameter() -> impl Strategy<Value = Parameter> {
    let name = "[a-zA-Z0-9!#$&+.^_`{|}~-]{1,12}";
    let value = prop_oneof![
        3 => "[a-zA-Z0-9.-]{1,20}",
        2 => "[ -~\t]{0,20}",
        1 => "[a-zäé€ 用\u{1}-\u{8}]{0,12}",
    ];
    let language = prop::option::weighted(0.2, "[a-z]{2}(-[A-Z]{2})?");
    (name, value, language).prop_map(|(name, value, language)| {
        let parameter = Parameter::new(&name, &value).expect("no CR, LF or NUL");
        match language {
            Some(language) => parameter.with_language(&language).expect("a language tag"),
            None => parameter,
        }
    })
}

/// Content types with up to five parameters.
pub fn content_type() -> impl Strategy<Value = ContentType> {
    let token = "[a-zA-Z0-9!#$%&'*+.^_`{|}~-]{1,16}";
    (token, token, prop::collection::vec(parameter(), 0..5)).prop_map(
        |(type_, subtype, parameters)| {
            let content_type = ContentType::new(&type_, &subtype).expect("tokens");
            parameters.into_iter().fold(content_type, ContentType::with_parameter)
        },
    )
}
