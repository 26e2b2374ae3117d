//! proptest strategies over every value type of the codec.
//!
//! Each strategy builds its values through the public, validating
//! constructors, so that it only yields values a user could build, and
//! covers the whole grammar rather than a corner of it. The round-trip
//! tests of this crate use them, and so can other crates' tests and the
//! fuzz targets, with the `proptest` feature.

pub mod address;
pub mod command;
pub mod data;
pub mod field;
pub mod field_date;
pub mod header;
pub mod params;
pub mod reply;
