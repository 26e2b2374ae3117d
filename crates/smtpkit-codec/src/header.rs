//! The header section of a message (RFC 5322 §2.2, §3.5, §3.6), with UTF-8
//! field bodies (RFC 6532) and the obsolete syntax of RFC 5322 §4.
//!
//! [`parse_header_section`] splits the header section off a message at the
//! first empty line and cuts it into [`HeaderField`]s, each of which keeps
//! its bytes as they came: the section writes itself back byte for byte.
//! A field's value is unfolded, and its encoded words decoded, only when
//! asked. [`HeaderField::new`] builds a field from a name and a value,
//! refusing anything that could end the field early, and folds it.

mod field;
mod fold;
mod section;
mod typed;

pub use field::HeaderField;
pub use section::{
    parse_header_section, HeaderOptions, HeaderSection, HEADER_FIELDS_LIMIT, HEADER_LINE_LIMIT,
    HEADER_SECTION_LIMIT,
};

/// SP or HT, the white space of a header field (RFC 5234 `WSP`).
fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}
