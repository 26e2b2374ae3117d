//! Replies and capabilities built from the codec's strategies round-trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smtpkit_fuzz::built::reply_built(data));
