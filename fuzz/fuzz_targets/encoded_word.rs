//! RFC 2047 decoding takes any text; encoding any text decodes back to it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smtpkit_fuzz::encoded_word(data));
