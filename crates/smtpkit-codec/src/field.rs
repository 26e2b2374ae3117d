//! Structured header fields of RFC 5322 §3.3 to §3.6 and of MIME: their
//! parsers, run on demand on a field's raw value.
//!
//! [`date`] reads dates (RFC 5322 §3.3) and [`mime`] the MIME fields
//! (RFC 2045, RFC 2183, RFC 2231). Each takes the value as it stands in
//! the header section, folds and comments included.

pub mod date;
#[allow(dead_code, reason = "atom, dot_atom and word serve the address fields")]
pub(crate) mod lexical;
pub mod mime;

pub use lexical::COMMENT_DEPTH_LIMIT;
