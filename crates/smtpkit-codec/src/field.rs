//! Structured header fields of RFC 5322 §3.3 to §3.6 and of MIME: their
//! parsers, run on demand on a field's raw value.
//!
//! Each parser takes the value's bytes as they stand after the colon,
//! folds and comments included, and returns an owned value or a
//! [`ParseError`] whose offset is into those bytes: [`address`] for the
//! originator and destination fields and Return-Path, [`message_id`] for
//! Message-ID, In-Reply-To and References, [`phrase`] for Keywords,
//! [`date`] for dates (RFC 5322 §3.3), [`mime`] for the MIME fields
//! (RFC 2045, RFC 2183, RFC 2231) and [`received`] for the `Received:`
//! trace field (RFC 5322 §3.6.7, RFC 5321 §4.4).
//!
//! [`ParseError`]: crate::ParseError

pub mod address;
pub mod date;
pub(crate) mod lexical;
pub mod message_id;
pub mod mime;
pub mod phrase;
pub mod received;

pub use lexical::COMMENT_DEPTH_LIMIT;
