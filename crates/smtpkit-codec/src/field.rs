//! Structured header fields of RFC 5322 §3.3 to §3.6 and of MIME: their
//! parsers, run on demand on a field's raw value.
//!
//! Each parser takes the value's bytes as they stand after the colon,
//! folds included, and returns an owned value or a [`ParseError`] whose
//! offset is into those bytes: [`address`] for the originator and
//! destination fields and Return-Path, [`message_id`] for Message-ID,
//! In-Reply-To and References, [`phrase`] for Keywords.
//!
//! [`ParseError`]: crate::ParseError

pub mod address;
pub(crate) mod lexical;
pub mod message_id;
pub mod phrase;

pub use lexical::COMMENT_DEPTH_LIMIT;
