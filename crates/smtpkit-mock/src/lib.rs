//! An in-memory mock mail server (MTA) for tests and for learning SMTP.
//!
//! This crate is where the mock server will live; it holds no server yet.
//! Until it does, it re-exports the codec whose commands it is to parse and
//! whose replies it is to send.
#![forbid(unsafe_code)]

pub use smtpkit_codec as codec;
