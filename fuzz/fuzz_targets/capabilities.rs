//! EHLO capabilities read from any reply round-trip through the reply they write.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smtpkit_fuzz::capabilities(data));
