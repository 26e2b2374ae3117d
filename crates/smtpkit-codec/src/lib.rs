//! The SMTP grammar, without I/O: commands, replies and their parts, parsed
//! from bytes and serialized back.
#![forbid(unsafe_code)]

mod error;
pub mod line;
mod options;
mod status;

pub use error::{ErrorKind, ParseError, Status};
pub use options::{CommandOptions, DOMAIN_LIMIT, LOCAL_PART_LIMIT, PATH_LIMIT};
pub use status::{EnhancedStatusCode, InvalidEnhancedStatusCode, ReplyClass, ReplyCode};
