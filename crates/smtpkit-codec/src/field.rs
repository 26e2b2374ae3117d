//! Structured header fields of RFC 5322 §3.3 to §3.6 and of MIME: their
//! parsers, run on demand on a field's raw value.
//!
//! [`date`] reads dates (RFC 5322 §3.3), [`mime`] the MIME fields
//! (RFC 2045, RFC 2183, RFC 2231) and [`received`] the `Received:` trace
//! field (RFC 5322 §3.6.7, RFC 5321 §4.4). Each takes the value as it
//! stands in the header section, folds and comments included.

pub mod date;
#[allow(dead_code, reason = "atom, dot_atom and word serve the address fields")]
pub(crate) mod lexical;
pub mod mime;
pub mod received;

pub use lexical::COMMENT_DEPTH_LIMIT;
