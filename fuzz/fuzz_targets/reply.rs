//! Replies parse without panicking and round-trip through their wire form.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smtpkit_fuzz::reply(data));
