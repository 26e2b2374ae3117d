//! Inputs shared by the benchmarks of the smtpkit codec.
