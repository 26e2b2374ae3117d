//! The mock server's session on any client bytes, split anywhere.
#![no_main]

use smtpkit_fuzz::Chunked;

libfuzzer_sys::fuzz_target!(|input: Chunked<'_>| smtpkit_fuzz::session(&input));
