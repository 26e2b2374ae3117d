//! Strategies for the structured header fields: dates.

use proptest::prelude::*;

use crate::field::date::DateTime;

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
