//! A body dot-stuffed by the encoder decodes back to itself, line endings
//! made CRLF.
#![no_main]

use smtpkit_fuzz::Chunked;

libfuzzer_sys::fuzz_target!(|input: Chunked<'_>| smtpkit_fuzz::data_roundtrip(&input));
