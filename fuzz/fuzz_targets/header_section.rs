//! Header sections parse without panicking and are written back byte for byte.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smtpkit_fuzz::header_section(data));
