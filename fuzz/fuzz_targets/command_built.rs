//! Commands built from the codec's strategies round-trip through their wire form.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smtpkit_fuzz::built::command_built(data));
