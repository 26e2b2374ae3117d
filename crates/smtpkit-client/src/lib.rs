//! An async SMTP client for tokio.
//!
//! This crate is where the client will live; it holds no client yet. Until
//! it does, it re-exports the codec whose commands and replies the client
//! is to send and read.
#![forbid(unsafe_code)]

pub use smtpkit_codec as codec;
