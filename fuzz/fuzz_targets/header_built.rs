//! Messages built from generated fields parse back to the same values.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smtpkit_fuzz::built::header_built(data));
