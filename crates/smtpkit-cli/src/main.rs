//! The `smtpkit` command line.
#![forbid(unsafe_code)]

fn main() {}
