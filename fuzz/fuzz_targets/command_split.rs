//! Commands framed from one buffer and from the same bytes in pieces are
//! the same.
#![no_main]

use smtpkit_fuzz::Chunked;

libfuzzer_sys::fuzz_target!(|input: Chunked<'_>| smtpkit_fuzz::command_split(&input));
