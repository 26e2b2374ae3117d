//! The codec parses common commands and replies without allocating, and
//! header sections with an allocation for their fields.
//!
//! A counting global allocator (from the allocation-counter crate) sees
//! every allocation the parsers make while they read the same inputs the
//! benchmarks use.

use smtpkit_benches::{
    command_stream, header_50_fields, header_corpus, EHLO_REPLY, SINGLE_REPLIES,
    SINGLE_REPLY_COUNT, TRANSACTION_COMMANDS,
};
use smtpkit_codec::{
    parse_command, parse_header_section, parse_reply, CommandOptions, HeaderOptions, ReplyOptions,
    Status,
};

#[test]
fn commands_allocate_only_to_decode_xtext_escapes() {
    let stream = command_stream(1);
    let options = CommandOptions::default();
    let mut rest = &stream[..];
    let mut parsed = 0;
    while !rest.is_empty() {
        let mut consumed = 0;
        let info = allocation_counter::measure(|| {
            let Ok(Status::Complete { value, consumed: n }) = parse_command(rest, &options) else {
                panic!("a valid command");
            };
            std::hint::black_box(value);
            consumed = n;
        });
        let line = String::from_utf8_lossy(&rest[..consumed]);
        // An ORCPT such as `dave+2Btag@…` is decoded into a new string; every
        // other command borrows all its parts from the input.
        let expected = if line.contains("ORCPT") && line.contains("+2") { 1 } else { 0 };
        assert_eq!(info.count_total, expected, "allocations parsing {line:?}");
        rest = &rest[consumed..];
        parsed += 1;
    }
    assert_eq!(parsed, TRANSACTION_COMMANDS, "every command parsed");
}

#[test]
fn single_line_replies_parse_without_allocating() {
    let stream = SINGLE_REPLIES;
    let options = ReplyOptions::default();
    let mut parsed = 0;
    let info = allocation_counter::measure(|| {
        let mut rest = stream;
        while let Ok(Status::Complete { value, consumed }) = parse_reply(rest, &options) {
            std::hint::black_box(value);
            rest = &rest[consumed..];
            parsed += 1;
        }
    });
    assert_eq!(parsed, SINGLE_REPLY_COUNT, "every reply parsed");
    assert_eq!(info.count_total, 0, "allocations while parsing replies");
}

#[test]
fn a_ten_line_ehlo_reply_allocates_once() {
    let options = ReplyOptions::default();
    let info = allocation_counter::measure(|| {
        let status = parse_reply(EHLO_REPLY, &options).expect("a valid reply");
        assert!(!status.is_incomplete());
        let _ = std::hint::black_box(status);
    });
    assert_eq!(info.count_total, 1, "one allocation for the lines past the second");
}

#[test]
fn a_common_header_section_allocates_once() {
    let options = HeaderOptions::default();
    for section in header_corpus() {
        let info = allocation_counter::measure(|| {
            let status = parse_header_section(&section, &options).expect("a valid section");
            std::hint::black_box(status.complete().expect("complete"));
        });
        assert_eq!(info.count_total, 1, "allocations for {}", String::from_utf8_lossy(&section));
    }
}

#[test]
fn a_fifty_field_header_section_allocates_three_times() {
    let section = header_50_fields();
    let options = HeaderOptions::default();
    let info = allocation_counter::measure(|| {
        let status = parse_header_section(&section, &options).expect("a valid section");
        assert_eq!(status.complete().expect("complete").0.len(), 50);
    });
    // Room for 16 fields, then 32, then 64.
    assert_eq!(info.count_total, 3);
}
