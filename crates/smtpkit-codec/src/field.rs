//! Structured header fields of RFC 5322 §3.3 to §3.6 and of MIME: their
//! parsers, run on demand on a field's raw value.

#[allow(dead_code, reason = "the structured field parsers are its users")]
pub(crate) mod lexical;
pub mod phrase;

pub use lexical::COMMENT_DEPTH_LIMIT;
