//! Address lists parse without panicking and round-trip through their display form.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smtpkit_fuzz::address_list(data));
