//! DATA decoding is the same in one piece and in pieces, and ends only at
//! CRLF `.` CRLF.
#![no_main]

use smtpkit_fuzz::DataInput;

libfuzzer_sys::fuzz_target!(|input: DataInput<'_>| smtpkit_fuzz::data_decoder(&input));
