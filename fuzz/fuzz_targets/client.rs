//! The client against any server bytes, split anywhere.
#![no_main]

use smtpkit_fuzz::Chunked;

libfuzzer_sys::fuzz_target!(|input: Chunked<'_>| smtpkit_fuzz::client::client(&input));
