//! The date and time of the `Date:` and `Resent-Date:` fields and of trace
//! fields: RFC 5322 §3.3, with the obsolete forms of §4.3.
//!
//! [`date_time`] reads a field's value into a [`DateTime`], which checks
//! every field against its range and writes itself back in the canonical
//! form of §3.3, in RFC 3339 form, or as a Unix timestamp.
//!
//! The type is named after the ABNF rule. It is not re-exported at the
//! crate root, where [`crate::DateTime`] is the RFC 3339 text of SMTP
//! parameters; reach it as `smtpkit_codec::field::date::DateTime`.
//!
//! Readings this module chooses, where the RFC leaves room:
//!
//! - A day of the week must be a day name, but it is not checked against
//!   the date: §3.3 makes it redundant, and senders get it wrong. The date
//!   wins, and [`DateTime`] does not keep the name it was given.
//! - Military zones other than `Z` mean "offset unknown" (`-0000`), as
//!   §4.3 advises, since RFC 822 defined their signs backwards. `Z`, `UT`
//!   and `GMT` mean `+0000`, which no sign confusion can change.
//! - Alphabetic zones of three to five letters that §4.3 does not list
//!   (`CEST`, `MET`) also mean "offset unknown", as §4.3 advises; `UTC`
//!   means `+0000`.
//! - A year is 0000 to 9999, so that every value has an RFC 3339 form;
//!   two-digit years are 1950 to 2049 and three-digit years 1900 and up,
//!   as §4.3 says.
//! - A zone's hours are at most 23 and its minutes at most 59, again for
//!   RFC 3339.
//! - A second of 60 (a leap second) is allowed on any date; its Unix
//!   timestamp is that of the next second.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use super::lexical::cfws;
use crate::error::{failure, ErrorKind, Failure, PResult, ParseError};

/// The greatest year a [`DateTime`] can hold.
pub const YEAR_MAX: u16 = 9999;

/// The largest zone offset in minutes either side of UTC: 23 hours and 59
/// minutes, the most an RFC 3339 offset can say.
pub const OFFSET_MINUTES_MAX: i16 = 23 * 60 + 59;

/// Month names in the order of the calendar.
const MONTH_NAMES: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Day names, from Sunday.
const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Days in the months before each month of a common year.
const DAYS_BEFORE_MONTH: [u16; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/// Days from 0000-01-01 to 1970-01-01 in the proleptic Gregorian calendar.
const UNIX_EPOCH_DAYS: i64 = 719_528;

/// A date and time of day with its zone, every field in range.
///
/// `DateTime` keeps the local time as written and the zone's offset from
/// UTC in minutes. The zone `-0000` (and the zones RFC 5322 §4.3 says to
/// read as `-0000`) has offset 0 and [`is_zone_unknown`](Self::is_zone_unknown):
/// the time is UTC, but the sender's local zone is not known.
///
/// ```
/// use smtpkit_codec::field::date::DateTime;
///
/// let date = DateTime::new(2003, 7, 1, 10, 52, 37, 120).expect("a valid date");
/// assert_eq!(date.to_string(), "Tue, 1 Jul 2003 10:52:37 +0200");
/// assert_eq!(date.to_rfc3339(), "2003-07-01T10:52:37+02:00");
/// assert_eq!(date.unix_timestamp(), 1_057_049_557);
/// assert!(DateTime::new(2003, 2, 29, 0, 0, 0, 0).is_err(), "2003 is not a leap year");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    offset: i16,
    zone_unknown: bool,
}

impl DateTime {
    /// Checks and builds a date and time whose zone is `offset_minutes`
    /// east of UTC (negative west of it).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfRange`] at offset 0, naming the first field out of
    /// range: a year past [`YEAR_MAX`], a month outside 1 to 12, a day past
    /// the month's end (leap years included), an hour past 23, a minute
    /// past 59, a second past 60, or an offset past
    /// [`OFFSET_MINUTES_MAX`] either way.
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        offset_minutes: i16,
    ) -> Result<Self, ParseError> {
        let out_of_range = |element| Err(ParseError::new(0, ErrorKind::OutOfRange { element }));
        if year > YEAR_MAX {
            return out_of_range("year");
        }
        if !(1..=12).contains(&month) {
            return out_of_range("month");
        }
        if day == 0 || day > days_in_month(year, month) {
            return out_of_range("day");
        }
        if hour > 23 {
            return out_of_range("hour");
        }
        if minute > 59 {
            return out_of_range("minute");
        }
        if second > 60 {
            return out_of_range("second");
        }
        if offset_minutes.unsigned_abs() > OFFSET_MINUTES_MAX.unsigned_abs() {
            return out_of_range("zone");
        }
        let offset = offset_minutes;
        Ok(Self { year, month, day, hour, minute, second, offset, zone_unknown: false })
    }

    /// The same local time in UTC with the sender's zone unknown, as the
    /// zone `-0000` says (RFC 5322 §3.3).
    ///
    /// ```
    /// use smtpkit_codec::field::date::DateTime;
    ///
    /// let date = DateTime::new(1997, 11, 21, 9, 55, 6, 0).expect("valid").with_unknown_zone();
    /// assert_eq!(date.to_string(), "Fri, 21 Nov 1997 09:55:06 -0000");
    /// ```
    #[must_use]
    pub fn with_unknown_zone(self) -> Self {
        Self { offset: 0, zone_unknown: true, ..self }
    }

    /// The date and time `secs` seconds after 1970-01-01T00:00:00Z, told
    /// in the zone `offset_minutes` east of UTC.
    ///
    /// ```
    /// use smtpkit_codec::field::date::DateTime;
    ///
    /// let date = DateTime::from_unix(880_127_706, -360).expect("in range");
    /// assert_eq!(date.to_string(), "Fri, 21 Nov 1997 09:55:06 -0600");
    /// assert!(DateTime::from_unix(i64::MAX, 0).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfRange`] at offset 0 when the offset is past
    /// [`OFFSET_MINUTES_MAX`] or the local date falls outside the years 0
    /// to [`YEAR_MAX`].
    pub fn from_unix(secs: i64, offset_minutes: i16) -> Result<Self, ParseError> {
        let out_of_range = |element| ParseError::new(0, ErrorKind::OutOfRange { element });
        if offset_minutes.unsigned_abs() > OFFSET_MINUTES_MAX.unsigned_abs() {
            return Err(out_of_range("zone"));
        }
        let local = secs.checked_add(i64::from(offset_minutes) * 60).ok_or(out_of_range("time"))?;
        let (days, second_of_day) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days).ok_or(out_of_range("year"))?;

        // Each part of the time of day is below its limit by the remainders.
        let hour = u8::try_from(second_of_day / 3600).unwrap_or_default();
        let minute = u8::try_from(second_of_day / 60 % 60).unwrap_or_default();
        let second = u8::try_from(second_of_day % 60).unwrap_or_default();
        Self::new(year, month, day, hour, minute, second, offset_minutes)
    }

    /// The current time in UTC, from the system clock, to the second.
    ///
    /// A clock set outside the years 0 to 9999 gives the nearest end of
    /// that range.
    ///
    /// ```
    /// use smtpkit_codec::field::date::DateTime;
    ///
    /// assert!(DateTime::now_utc().year() >= 2024);
    /// ```
    pub fn now_utc() -> Self {
        let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        let first = -UNIX_EPOCH_DAYS * 86_400;
        let last = (days_before_year(i64::from(YEAR_MAX) + 1) - UNIX_EPOCH_DAYS) * 86_400 - 1;
        Self::from_unix(secs.clamp(first, last), 0).expect("a clamped time is within the years")
    }

    /// The year, 0 to 9999.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month, 1 for January to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The hour, 0 to 23.
    pub fn hour(&self) -> u8 {
        self.hour
    }

    /// The minute, 0 to 59.
    pub fn minute(&self) -> u8 {
        self.minute
    }

    /// The second, 0 to 60 (60 for a leap second).
    pub fn second(&self) -> u8 {
        self.second
    }

    /// The zone's offset east of UTC in minutes; 0 when the zone is
    /// unknown.
    pub fn offset_minutes(&self) -> i16 {
        self.offset
    }

    /// True for the zone `-0000`: the time is UTC and the sender's local
    /// zone is not known.
    pub fn is_zone_unknown(&self) -> bool {
        self.zone_unknown
    }

    /// The day of the week, 0 for Sunday to 6 for Saturday, computed from
    /// the date.
    pub fn weekday(&self) -> u8 {
        // 1970-01-01 was a Thursday.
        let weekday = (self.days_since_epoch() + 4).rem_euclid(7);
        u8::try_from(weekday).expect("a remainder of 7 fits in u8")
    }

    /// Seconds since 1970-01-01T00:00:00Z, negative before.
    pub fn unix_timestamp(&self) -> i64 {
        let time =
            i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second);
        self.days_since_epoch() * 86_400 + time - i64::from(self.offset) * 60
    }

    /// The RFC 3339 form, such as `2003-07-01T10:52:37+02:00`; an unknown
    /// zone is `-00:00` (RFC 3339 §4.3).
    pub fn to_rfc3339(&self) -> String {
        let Self { year, month, day, hour, minute, second, .. } = *self;
        let (sign, hours, minutes) = self.zone_parts();
        format!(
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{sign}{hours:02}:{minutes:02}"
        )
    }

    fn days_since_epoch(&self) -> i64 {
        let mut day_of_year = i64::from(DAYS_BEFORE_MONTH[usize::from(self.month - 1)]);
        if self.month > 2 && is_leap_year(self.year) {
            day_of_year += 1;
        }
        days_before_year(i64::from(self.year)) + day_of_year + i64::from(self.day)
            - 1
            - UNIX_EPOCH_DAYS
    }

    fn zone_parts(&self) -> (char, u16, u16) {
        let sign = if self.offset < 0 || self.zone_unknown { '-' } else { '+' };
        let minutes = self.offset.unsigned_abs();
        (sign, minutes / 60, minutes % 60)
    }
}

/// The canonical form of RFC 5322 §3.3, such as
/// `Tue, 1 Jul 2003 10:52:37 +0200`: the day of the week, the day without
/// a leading zero, seconds always written.
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { year, day, hour, minute, second, .. } = *self;
        let weekday = DAY_NAMES[usize::from(self.weekday())];
        let month = MONTH_NAMES[usize::from(self.month - 1)];
        let (sign, hours, minutes) = self.zone_parts();
        write!(
            f,
            "{weekday}, {day} {month} {year:04} {hour:02}:{minute:02}:{second:02} {sign}{hours:02}{minutes:02}"
        )
    }
}

/// Parses the value of a `Date:` field, or the date of a trace field.
///
/// ```abnf
/// date-time       = [ day-of-week "," ] date time [CFWS]
/// day-of-week     = ([FWS] day-name) / obs-day-of-week
/// day-name        = "Mon" / "Tue" / "Wed" / "Thu" / "Fri" / "Sat" / "Sun"
/// date            = day month year
/// day             = ([FWS] 1*2DIGIT FWS) / obs-day
/// month           = "Jan" / "Feb" / "Mar" / "Apr" / "May" / "Jun" /
///                   "Jul" / "Aug" / "Sep" / "Oct" / "Nov" / "Dec"
/// year            = (FWS 4*DIGIT FWS) / obs-year
/// time            = time-of-day zone
/// time-of-day     = hour ":" minute [ ":" second ]
/// hour            = 2DIGIT / obs-hour
/// minute          = 2DIGIT / obs-minute
/// second          = 2DIGIT / obs-second
/// zone            = (FWS ( "+" / "-" ) 4DIGIT) / obs-zone
/// obs-day-of-week = [CFWS] day-name [CFWS]
/// obs-day         = [CFWS] 1*2DIGIT [CFWS]
/// obs-year        = [CFWS] 2*DIGIT [CFWS]
/// obs-hour        = [CFWS] 2DIGIT [CFWS]
/// obs-minute      = [CFWS] 2DIGIT [CFWS]
/// obs-second      = [CFWS] 2DIGIT [CFWS]
/// obs-zone        = "UT" / "GMT" / "EST" / "EDT" / "CST" / "CDT" /
///                   "MST" / "MDT" / "PST" / "PDT" /
///                   %d65-73 / %d75-90 / %d97-105 / %d107-122
/// ```
/// RFC 5322 §3.3 and §4.3 (edited: comments may stand wherever the
/// obsolete forms allow CFWS, and before a numeric zone too; alphabetic
/// zones of three to five letters that §4.3 does not list are read as
/// `-0000`, as its prose advises). Names are case-insensitive. The
/// [module documentation](self) lists how zones, years and the day of
/// the week are read.
///
/// ```
/// use smtpkit_codec::field::date::date_time;
///
/// let date = date_time(b"Fri, 21 Nov 1997 09:55:06 -0600").expect("RFC 5322 A.1.1");
/// assert_eq!(date.to_rfc3339(), "1997-11-21T09:55:06-06:00");
///
/// let old = date_time(b"21 Nov 97 09:55:06 GMT").expect("RFC 5322 A.6.2");
/// assert_eq!(old.to_string(), "Fri, 21 Nov 1997 09:55:06 +0000");
///
/// let error = date_time(b"Sun, 30 Feb 1997 09:55:06 -0600").expect_err("no such day");
/// assert_eq!(error.to_string(), "day out of range at offset 5");
/// ```
///
/// # Errors
///
/// [`ErrorKind::Syntax`] at the first byte that breaks the grammar;
/// [`ErrorKind::OutOfRange`] at a field out of range (a day past its
/// month's end, hour 24, zone minutes of 60 or more);
/// [`ErrorKind::NestingTooDeep`] for comments nested too deeply.
pub fn date_time(value: &[u8]) -> Result<DateTime, ParseError> {
    crate::address::whole(value, date_time_prefix)
}

/// Reads a date-time and the CFWS after it, leaving what follows.
pub(crate) fn date_time_prefix(input: &[u8]) -> PResult<'_, DateTime> {
    let (mut rest, ()) = cfws(input)?;
    if rest.first().is_some_and(u8::is_ascii_alphabetic) {
        let (after, _) = name(rest, &DAY_NAMES, "day-name")?;
        rest = literal(cfws(after)?.0, b',', "\",\"")?;
    }

    // The date: day, month name, year.
    let day_at = cfws(rest)?.0;
    let (after, day) = number(day_at, 1, 2, "day")?;
    let (after, month) = name(cfws(after)?.0, &MONTH_NAMES, "month")?;
    let year_at = cfws(after)?.0;
    let (after, year) = number(year_at, 2, usize::MAX, "year")?;
    let year = match year_digits(year_at) {
        2 if year < 50 => year + 2000,
        2 | 3 => year + 1900,
        _ => year,
    };

    // The time of day.
    let hour_at = cfws(after)?.0;
    let (after, hour) = number(hour_at, 2, 2, "hour")?;
    let after = literal(cfws(after)?.0, b':', "\":\"")?;
    let minute_at = cfws(after)?.0;
    let (after, minute) = number(minute_at, 2, 2, "minute")?;
    let mut time_end = after;
    let mut rest = cfws(after)?.0;
    let mut second = (rest, 0);
    if rest.first() == Some(&b':') {
        let second_at = cfws(&rest[1..])?.0;
        let (after, value) = number(second_at, 2, 2, "second")?;
        second = (second_at, value);
        time_end = after;
        rest = cfws(after)?.0;
    }

    let zone_at = rest;
    let (rest, zone) = zone(zone_at, zone_at.len() < time_end.len())?;
    let (rest, ()) = cfws(rest)?;

    // Range checks, each failing at the field it is about.
    let out_of_range = |at, element| Err(failure(at, ErrorKind::OutOfRange { element }));
    let Ok(year) = u16::try_from(year) else { return out_of_range(year_at, "year") };
    let (Ok(day), Ok(hour), Ok(minute), Ok(second_value)) =
        (u8::try_from(day), u8::try_from(hour), u8::try_from(minute), u8::try_from(second.1))
    else {
        return out_of_range(day_at, "day");
    };
    let month = u8::try_from(month + 1).expect("twelve months");
    let (offset, zone_unknown) = zone;
    let built = DateTime::new(year, month, day, hour, minute, second_value, offset);
    match built {
        Ok(date) if zone_unknown => Ok((rest, date.with_unknown_zone())),
        Ok(date) => Ok((rest, date)),
        Err(e) => {
            let ErrorKind::OutOfRange { element } = *e.kind() else {
                return out_of_range(input, "date-time");
            };
            let at = match element {
                "year" => year_at,
                "hour" => hour_at,
                "minute" => minute_at,
                "second" => second.0,
                "zone" => zone_at,
                _ => day_at,
            };
            out_of_range(at, element)
        }
    }
}

/// Reads the zone, returning its offset in minutes and whether it is
/// unknown. `spaced` says whether CFWS came before it.
fn zone(input: &[u8], spaced: bool) -> PResult<'_, (i16, bool)> {
    let expected = || failure(input, ErrorKind::Syntax { expected: "zone" });
    match input.first() {
        Some(&sign @ (b'+' | b'-')) => {
            if !spaced {
                return Err(failure(input, ErrorKind::Syntax { expected: "FWS" }));
            }
            let (rest, hhmm) = number(&input[1..], 4, 4, "4DIGIT")?;
            let (hours, minutes) = (hhmm / 100, hhmm % 100);
            if hours > 23 || minutes > 59 {
                return Err(failure(input, ErrorKind::OutOfRange { element: "zone" }));
            }
            let magnitude = i16::try_from(hours * 60 + minutes).expect("at most 1439");
            let unknown = sign == b'-' && magnitude == 0;
            Ok((rest, (if sign == b'-' { -magnitude } else { magnitude }, unknown)))
        }
        Some(b) if b.is_ascii_alphabetic() => {
            let len = input.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            let letters = &input[..len];
            let hours: i16 = match letters.to_ascii_uppercase().as_slice() {
                b"UT" | b"GMT" | b"UTC" | b"Z" => 0,
                b"EDT" => -4,
                b"EST" | b"CDT" => -5,
                b"CST" | b"MDT" => -6,
                b"MST" | b"PDT" => -7,
                b"PST" => -8,
                [b'J'] => return Err(expected()),
                [_] => return Ok((&input[len..], (0, true))),
                _ if (3..=5).contains(&len) => return Ok((&input[len..], (0, true))),
                _ => return Err(expected()),
            };
            Ok((&input[len..], (hours * 60, false)))
        }
        _ => Err(expected()),
    }
}

/// Reads `min..=max` digits as a number, saturating at `u32::MAX`.
fn number<'a>(input: &'a [u8], min: usize, max: usize, expected: &'static str) -> PResult<'a, u32> {
    let len = input.iter().take_while(|b| b.is_ascii_digit()).count();
    if len < min || len > max {
        return Err(failure(input, ErrorKind::Syntax { expected }));
    }
    let value = input[..len]
        .iter()
        .fold(0u32, |n, &d| n.saturating_mul(10).saturating_add(u32::from(d - b'0')));
    Ok((&input[len..], value))
}

/// The number of digits at the start of `input`.
fn year_digits(input: &[u8]) -> usize {
    input.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Reads one of `names` (three letters each), case-insensitively,
/// returning its index.
fn name<'a>(input: &'a [u8], names: &[&str], expected: &'static str) -> PResult<'a, u32> {
    let len = input.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let found = names.iter().position(|n| input[..len].eq_ignore_ascii_case(n.as_bytes()));
    match found {
        Some(index) => Ok((&input[len..], u32::try_from(index).expect("a short table"))),
        None => Err(failure(input, ErrorKind::Syntax { expected })),
    }
}

/// Reads the byte `byte`.
fn literal<'a>(
    input: &'a [u8],
    byte: u8,
    expected: &'static str,
) -> Result<&'a [u8], nom::Err<Failure<'a>>> {
    match input.split_first() {
        Some((&b, rest)) if b == byte => Ok(rest),
        _ => Err(failure(input, ErrorKind::Syntax { expected })),
    }
}

fn is_leap_year(year: u16) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 0000-01-01 to the first of January of `year`, for years of 0
/// and up: 365 a year, plus a day for each leap year before it (the years
/// 0, 4, 8, … less the centuries, plus every fourth century).
fn days_before_year(year: i64) -> i64 {
    let leap_years = (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400;
    365 * year + leap_years
}

/// The date `days` days after 1970-01-01, if it falls in the years 0 to
/// [`YEAR_MAX`].
fn civil_from_days(days: i64) -> Option<(u16, u8, u8)> {
    let days = days.checked_add(UNIX_EPOCH_DAYS)?;
    if days < 0 || days >= days_before_year(i64::from(YEAR_MAX) + 1) {
        return None;
    }

    // Estimate the year from the mean length of a year (146,097 days in
    // 400 years) and correct the estimate, which is off by at most one.
    let mut year = days * 400 / 146_097;
    while days_before_year(year) > days {
        year -= 1;
    }
    while days_before_year(year + 1) <= days {
        year += 1;
    }
    let year = u16::try_from(year).ok()?;

    let mut day_of_year = u16::try_from(days - days_before_year(i64::from(year))).ok()?;
    let leap = is_leap_year(year);
    if leap && day_of_year == 59 {
        return Some((year, 2, 29));
    }
    if leap && day_of_year > 59 {
        day_of_year -= 1;
    }
    let month = DAYS_BEFORE_MONTH.iter().rposition(|&before| before <= day_of_year)?;
    let day = day_of_year - DAYS_BEFORE_MONTH[month] + 1;
    Some((year, u8::try_from(month + 1).ok()?, u8::try_from(day).ok()?))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Year, month, day, hour, minute, second, offset, unknown zone.
    type Fields = (u16, u8, u8, u8, u8, u8, i16, bool);

    /// The arguments of [`DateTime::new`].
    type Arguments = (u16, u8, u8, u8, u8, u8, i16);

    fn fields(date: &DateTime) -> Fields {
        let d = date;
        (d.year, d.month, d.day, d.hour, d.minute, d.second, d.offset, d.zone_unknown)
    }

    #[test]
    fn rfc_5322_appendix_a_dates_ok() {
        let table: &[(&[u8], Fields)] = &[
            (b"Fri, 21 Nov 1997 09:55:06 -0600", (1997, 11, 21, 9, 55, 6, -360, false)),
            (b"Fri, 21 Nov 1997 10:01:10 -0600", (1997, 11, 21, 10, 1, 10, -360, false)),
            (
                b"Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n               -0330 (Newfoundland Time)",
                (1969, 2, 13, 23, 32, 0, -210, false),
            ),
            (b"21 Nov 97 09:55:06 GMT", (1997, 11, 21, 9, 55, 6, 0, false)),
            (
                b"Fri, 21 Nov 1997 09(comment):   55  :  06 -0600",
                (1997, 11, 21, 9, 55, 6, -360, false),
            ),
            (b"Tue, 1 Jul 2003 10:52:37 +0200", (2003, 7, 1, 10, 52, 37, 120, false)),
            (b" 1 Jul 2003 10:52:37 -0000 ", (2003, 7, 1, 10, 52, 37, 0, true)),
            (b"tue, 01 jul 2003 10:52:37 +0200 (CEST)", (2003, 7, 1, 10, 52, 37, 120, false)),
            (b"Sat, 31 Dec 2016 23:59:60 +0000", (2016, 12, 31, 23, 59, 60, 0, false)),
            (b"Thu, 29 Feb 2024 00:00 +1400", (2024, 2, 29, 0, 0, 0, 840, false)),
            (b"21Nov97 09:55:06 GMT", (1997, 11, 21, 9, 55, 6, 0, false)),
            (b"1 Jan 49 00:00 Z", (2049, 1, 1, 0, 0, 0, 0, false)),
            (b"1 Jan 50 00:00 UT", (1950, 1, 1, 0, 0, 0, 0, false)),
            (b"1 Jan 103 00:00 UTC", (2003, 1, 1, 0, 0, 0, 0, false)),
            (b"1 Jan 0000 00:00 +0000", (0, 1, 1, 0, 0, 0, 0, false)),
            (b"Mon, 1 Jan 02003 00:00 +0000", (2003, 1, 1, 0, 0, 0, 0, false)),
        ];
        for &(input, expected) in table {
            let date = date_time(input).unwrap_or_else(|e| panic!("{e}: {input:?}"));
            assert_eq!(fields(&date), expected, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn a_wrong_day_of_week_is_accepted_and_the_date_kept() {
        let date = date_time(b"Mon, 21 Nov 1997 09:55:06 -0600").expect("Monday is a day name");
        assert_eq!(date.to_string(), "Fri, 21 Nov 1997 09:55:06 -0600");
    }

    #[test]
    fn obsolete_zones_ok() {
        let table: &[(&str, i16, bool)] = &[
            ("UT", 0, false),
            ("GMT", 0, false),
            ("gmt", 0, false),
            ("UTC", 0, false),
            ("EST", -300, false),
            ("EDT", -240, false),
            ("CST", -360, false),
            ("CDT", -300, false),
            ("MST", -420, false),
            ("MDT", -360, false),
            ("PST", -480, false),
            ("PDT", -420, false),
            ("Z", 0, false),
            ("z", 0, false),
            ("A", 0, true),
            ("I", 0, true),
            ("K", 0, true),
            ("m", 0, true),
            ("N", 0, true),
            ("Y", 0, true),
            ("CEST", 0, true),
            ("MET", 0, true),
            ("-0000", 0, true),
            ("+0000", 0, false),
        ];
        for &(zone, offset, unknown) in table {
            let input = format!("21 Nov 1997 09:55:06 {zone}");
            let date = date_time(input.as_bytes()).expect(zone);
            assert_eq!(
                (date.offset_minutes(), date.is_zone_unknown()),
                (offset, unknown),
                "{zone}"
            );
        }
    }

    #[test]
    fn invalid_dates_failed() {
        let table: &[(&[u8], usize, ErrorKind)] = &[
            (b"Fri, 30 Feb 1997 09:55:06 -0600", 5, ErrorKind::OutOfRange { element: "day" }),
            (b"29 Feb 1900 09:55:06 -0600", 0, ErrorKind::OutOfRange { element: "day" }),
            (b"31 Apr 1997 09:55:06 -0600", 0, ErrorKind::OutOfRange { element: "day" }),
            (b"0 Apr 1997 09:55:06 -0600", 0, ErrorKind::OutOfRange { element: "day" }),
            (b"21 Nov 1997 24:00:00 -0600", 12, ErrorKind::OutOfRange { element: "hour" }),
            (b"21 Nov 1997 09:60:00 -0600", 15, ErrorKind::OutOfRange { element: "minute" }),
            (b"21 Nov 1997 09:55:61 -0600", 18, ErrorKind::OutOfRange { element: "second" }),
            (b"21 Nov 1997 09:55:06 +0960", 21, ErrorKind::OutOfRange { element: "zone" }),
            (b"21 Nov 1997 09:55:06 +2400", 21, ErrorKind::OutOfRange { element: "zone" }),
            (b"21 Nov 10000 09:55:06 +0000", 7, ErrorKind::OutOfRange { element: "year" }),
            (b"21 Nob 1997 09:55:06 -0600", 3, ErrorKind::Syntax { expected: "month" }),
            (b"Fry, 21 Nov 1997 09:55:06 -0600", 0, ErrorKind::Syntax { expected: "day-name" }),
            (b"Fri 21 Nov 1997 09:55:06 -0600", 4, ErrorKind::Syntax { expected: "\",\"" }),
            (b"211 Nov 1997 09:55:06 -0600", 0, ErrorKind::Syntax { expected: "day" }),
            (b"21 Nov 7 09:55:06 -0600", 7, ErrorKind::Syntax { expected: "year" }),
            (b"21 Nov 1997 9:55:06 -0600", 12, ErrorKind::Syntax { expected: "hour" }),
            (b"21 Nov 1997 09.55 -0600", 14, ErrorKind::Syntax { expected: "\":\"" }),
            (b"21 Nov 1997 09:55:06 -060", 22, ErrorKind::Syntax { expected: "4DIGIT" }),
            (b"21 Nov 1997 09:55:06", 20, ErrorKind::Syntax { expected: "zone" }),
            (b"21 Nov 1997 09:55:06 J", 21, ErrorKind::Syntax { expected: "zone" }),
            (b"21 Nov 1997 09:55:06 ABCDEF", 21, ErrorKind::Syntax { expected: "zone" }),
            (b"21 Nov 1997 09:55:06+0000", 20, ErrorKind::Syntax { expected: "FWS" }),
            (b"21 Nov 1997 09:55:06 +0000 x", 27, ErrorKind::Syntax { expected: "end of input" }),
            (b"21 Nov 1997 09:55:06 +0000 (open", 32, ErrorKind::Syntax { expected: "\")\"" }),
            (b"", 0, ErrorKind::Syntax { expected: "day" }),
        ];
        for (input, offset, kind) in table {
            let error = date_time(input).expect_err(&String::from_utf8_lossy(input));
            let text = String::from_utf8_lossy(input);
            assert_eq!((error.offset(), error.kind()), (*offset, kind), "{text}");
        }
    }

    #[test]
    fn constructors_check_every_field() {
        let table: &[(Arguments, &str)] = &[
            ((10000, 1, 1, 0, 0, 0, 0), "year"),
            ((2000, 0, 1, 0, 0, 0, 0), "month"),
            ((2000, 13, 1, 0, 0, 0, 0), "month"),
            ((2001, 2, 29, 0, 0, 0, 0), "day"),
            ((2000, 1, 1, 24, 0, 0, 0), "hour"),
            ((2000, 1, 1, 0, 60, 0, 0), "minute"),
            ((2000, 1, 1, 0, 0, 61, 0), "second"),
            ((2000, 1, 1, 0, 0, 0, 1440), "zone"),
            ((2000, 1, 1, 0, 0, 0, -1440), "zone"),
        ];
        for &((y, mo, d, h, mi, s, o), element) in table {
            let error = DateTime::new(y, mo, d, h, mi, s, o).expect_err(element);
            assert_eq!(error.kind(), &ErrorKind::OutOfRange { element });
        }
        assert!(DateTime::new(2000, 2, 29, 23, 59, 60, -1439).is_ok());
    }

    #[test]
    fn unix_timestamps_of_known_dates() {
        let table: &[(&[u8], i64)] = &[
            (b"1 Jan 1970 00:00:00 +0000", 0),
            (b"31 Dec 1969 23:59:59 +0000", -1),
            (b"1 Jan 1970 01:00:00 +0100", 0),
            (b"Fri, 21 Nov 1997 09:55:06 -0600", 880_127_706),
            (b"19 Jan 2038 03:14:08 +0000", 1 << 31),
            (b"1 Mar 2000 00:00:00 +0000", 951_868_800),
            (b"1 Jan 0000 00:00:00 +0000", -62_167_219_200),
            (b"31 Dec 9999 23:59:59 +0000", 253_402_300_799),
        ];
        for &(input, secs) in table {
            let date = date_time(input).expect("valid");
            assert_eq!(date.unix_timestamp(), secs, "{}", String::from_utf8_lossy(input));
            assert_eq!(DateTime::from_unix(secs, date.offset_minutes()), Ok(date));
        }
    }

    #[test]
    fn from_unix_refuses_dates_outside_the_years_it_can_hold() {
        assert!(DateTime::from_unix(253_402_300_800, 0).is_err());
        assert!(DateTime::from_unix(-62_167_219_201, 0).is_err());
        assert!(DateTime::from_unix(i64::MIN, -1).is_err());
        assert!(DateTime::from_unix(0, 1440).is_err());
    }

    #[test]
    fn unknown_zone_is_written_as_minus_zero() {
        let date = date_time(b"1 Jul 2003 10:52:37 -0000").expect("valid");
        assert_eq!(date.to_string(), "Tue, 1 Jul 2003 10:52:37 -0000");
        assert_eq!(date.to_rfc3339(), "2003-07-01T10:52:37-00:00");
    }

    #[test]
    fn rfc3339_form_is_accepted_by_the_rfc3339_checker() {
        let date = date_time(b"Thu, 13 Feb 1969 23:32 -0330").expect("valid");
        assert_eq!(date.to_rfc3339(), "1969-02-13T23:32:00-03:30");
        assert!(crate::DateTime::new(date.to_rfc3339()).is_ok());
    }

    #[test]
    fn a_million_comments_are_read_in_linear_time() {
        let input = format!("{}1 Jan 2000 00:00 +0000", "(c) ".repeat(1_000_000));
        assert!(date_time(input.as_bytes()).is_ok());
    }

    proptest! {
        #[test]
        fn display_round_trips(date in crate::strategies::field_date::date_time()) {
            prop_assert_eq!(date_time(date.to_string().as_bytes()), Ok(date));
            prop_assert!(crate::DateTime::new(date.to_rfc3339()).is_ok());
        }

        #[test]
        fn unix_timestamp_round_trips(date in crate::strategies::field_date::date_time()) {
            prop_assume!(date.second() < 60 && !date.is_zone_unknown());
            let back = DateTime::from_unix(date.unix_timestamp(), date.offset_minutes());
            prop_assert_eq!(back, Ok(date));
        }

        #[test]
        fn from_unix_inverts_unix_timestamp(secs in -62_167_219_200i64..253_402_300_800) {
            let date = DateTime::from_unix(secs, 0).expect("in range");
            prop_assert_eq!(date.unix_timestamp(), secs);
        }

        #[test]
        fn date_time_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..100)) {
            let _ = date_time(&bytes);
        }

        #[test]
        fn date_time_never_panics_on_near_dates(
            text in "[ (),:+\\-0-9a-zA-Z\r\n]{0,40}",
        ) {
            let _ = date_time(text.as_bytes());
        }
    }
}
