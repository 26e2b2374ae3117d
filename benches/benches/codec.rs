//! Parsing speed of commands, replies and header sections, and the speed of
//! DATA's dot-stuffing, next to peer crates on the same inputs.
//!
//! Every group measures each input once per implementation: the criterion
//! function id names the implementation (`smtpkit`, a peer crate, or a
//! baseline) and the parameter names the input as
//! `<thing>_<parse|encode>_<size>`, so that criterion's report and
//! `cargo xtask bench` put the implementations side by side. Each group's
//! function says what every implementation does with its input; they do
//! not all do the same work, and the figures are read with that in mind.
//! Before any timing, each peer's count of commands, replies or fields is
//! checked against smtpkit's, so that no peer is timed on part of an
//! input.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use smtpkit_benches::{
    command_stream, header_50_fields, header_corpus, text_body, BODY_SIZE, EHLO_REPLY,
    SINGLE_REPLIES, SINGLE_REPLY_COUNT, TRANSACTION_COMMANDS,
};
use smtpkit_codec::{
    encode_data, parse_command, parse_header_section, parse_reply, CommandOptions, DataDecoder,
    DataEncoder, DecodeStatus, HeaderOptions, ReplyOptions, Status,
};

/// A pipelined stream of 100 transactions, command by command.
///
/// - `smtpkit`: `parse_command` frames each line within its limit,
///   validates it against the full grammar (paths, domains, parameters)
///   and builds a `Command` whose paths and parameters are typed values
///   borrowing from the input; xtext in ORCPT is decoded.
/// - `smtp-proto`: `Request::parse` reads each line into a `Request` whose
///   addresses borrow where they can; MAIL and RCPT parameters are decoded
///   into flags and fields (ORCPT's xtext included), with lighter checks of
///   the address grammar.
fn commands_parse(c: &mut Criterion) {
    const TRANSACTIONS: usize = 100;
    let stream = command_stream(TRANSACTIONS);
    let options = CommandOptions::default();
    let commands = TRANSACTIONS * TRANSACTION_COMMANDS;
    assert_eq!(smtpkit_commands(&stream, &options), commands);
    assert_eq!(smtp_proto_commands(&stream), commands, "smtp-proto reads every command");
    let mut group = c.benchmark_group("commands_parse");

    for (input, throughput) in [
        ("commands_parse_100tx", Throughput::Bytes(stream.len() as u64)),
        ("commands_parse_100tx_elements", Throughput::Elements(commands as u64)),
    ] {
        group.throughput(throughput);
        group.bench_function(BenchmarkId::new("smtpkit", input), |b| {
            b.iter(|| smtpkit_commands(black_box(&stream), &options))
        });
        group.bench_function(BenchmarkId::new("smtp-proto", input), |b| {
            b.iter(|| smtp_proto_commands(black_box(&stream)))
        });
    }
    group.finish();
}

/// Parses every command of `stream` with smtpkit, as a server loop would.
fn smtpkit_commands(stream: &[u8], options: &CommandOptions) -> usize {
    let mut rest = stream;
    let mut count = 0;
    while let Ok(Status::Complete { value, consumed }) = parse_command(rest, options) {
        black_box(value);
        rest = &rest[consumed..];
        count += 1;
    }
    assert!(rest.is_empty(), "the stream parses to its end");
    count
}

/// Parses every command of `stream` with smtp-proto and counts those it
/// accepts.
fn smtp_proto_commands(stream: &[u8]) -> usize {
    let mut bytes = stream.iter();
    let mut count = 0;
    while !bytes.as_slice().is_empty() {
        let before = bytes.len();
        if let Ok(request) = smtp_proto::Request::parse(&mut bytes) {
            black_box(request);
            count += 1;
        } else if bytes.len() == before {
            break;
        }
    }
    count
}

/// Ten-line EHLO replies and single-line replies with enhanced status
/// codes, 100 of each input, reply by reply.
///
/// - `smtpkit`: `parse_reply` frames each line, checks that every line of
///   a reply has the same code, splits off each line's enhanced status
///   code and builds a `Reply` whose text borrows from the input; the
///   capabilities are not typed here.
/// - `smtp-proto`: `EhloResponse::parse` reads an EHLO reply straight into
///   typed capabilities (flags, SIZE, AUTH mechanisms) and an owned host
///   name; `ResponseReceiver::parse` reads a reply into a code, an enhanced
///   code and the text as an owned `String`.
fn replies_parse(c: &mut Criterion) {
    const REPEAT: usize = 100;
    let ehlo = EHLO_REPLY.repeat(REPEAT);
    let singles = SINGLE_REPLIES.repeat(REPEAT);
    let options = ReplyOptions::default();
    assert_eq!(smtpkit_replies(&ehlo, &options), REPEAT);
    assert_eq!(smtp_proto_ehlo_replies(&ehlo), REPEAT, "smtp-proto reads every EHLO reply");
    assert_eq!(smtpkit_replies(&singles, &options), REPEAT * SINGLE_REPLY_COUNT);
    assert_eq!(
        smtp_proto_replies(&singles),
        REPEAT * SINGLE_REPLY_COUNT,
        "smtp-proto reads every reply"
    );
    let mut group = c.benchmark_group("replies_parse");

    for (input, throughput) in [
        ("replies_parse_ehlo10", Throughput::Bytes(ehlo.len() as u64)),
        ("replies_parse_ehlo10_elements", Throughput::Elements(REPEAT as u64)),
    ] {
        group.throughput(throughput);
        group.bench_function(BenchmarkId::new("smtpkit", input), |b| {
            b.iter(|| smtpkit_replies(black_box(&ehlo), &options))
        });
        group.bench_function(BenchmarkId::new("smtp-proto", input), |b| {
            b.iter(|| smtp_proto_ehlo_replies(black_box(&ehlo)))
        });
    }
    for (input, throughput) in [
        ("replies_parse_single", Throughput::Bytes(singles.len() as u64)),
        (
            "replies_parse_single_elements",
            Throughput::Elements((REPEAT * SINGLE_REPLY_COUNT) as u64),
        ),
    ] {
        group.throughput(throughput);
        group.bench_function(BenchmarkId::new("smtpkit", input), |b| {
            b.iter(|| smtpkit_replies(black_box(&singles), &options))
        });
        group.bench_function(BenchmarkId::new("smtp-proto", input), |b| {
            b.iter(|| smtp_proto_replies(black_box(&singles)))
        });
    }
    group.finish();
}

/// Parses every reply of `stream` with smtpkit, as a client loop would.
fn smtpkit_replies(stream: &[u8], options: &ReplyOptions) -> usize {
    let mut rest = stream;
    let mut count = 0;
    while let Ok(Status::Complete { value, consumed }) = parse_reply(rest, options) {
        black_box(value);
        rest = &rest[consumed..];
        count += 1;
    }
    assert!(rest.is_empty(), "the stream parses to its end");
    count
}

/// Parses every EHLO reply of `stream` with smtp-proto, stopping at the
/// first it refuses.
fn smtp_proto_ehlo_replies(stream: &[u8]) -> usize {
    let mut bytes = stream.iter();
    let mut count = 0;
    while !bytes.as_slice().is_empty() {
        match smtp_proto::EhloResponse::parse(&mut bytes) {
            Ok(reply) => black_box(reply),
            Err(_) => break,
        };
        count += 1;
    }
    count
}

/// Parses every reply of `stream` with smtp-proto's receiver, stopping at
/// the first it refuses.
fn smtp_proto_replies(stream: &[u8]) -> usize {
    let mut bytes = stream.iter();
    let mut receiver = smtp_proto::response::parser::ResponseReceiver::default();
    let mut count = 0;
    while !bytes.as_slice().is_empty() {
        match receiver.parse(&mut bytes) {
            Ok(reply) => black_box(reply),
            Err(_) => break,
        };
        receiver.reset();
        count += 1;
    }
    count
}

fn headers_parse(c: &mut Criterion) {
    let corpus = header_corpus();
    let fifty = header_50_fields();
    let options = HeaderOptions::default();
    let mut group = c.benchmark_group("headers_parse");

    group.throughput(Throughput::Bytes(corpus.iter().map(Vec::len).sum::<usize>() as u64));
    group.bench_function("headers_parse_corpus", |b| {
        b.iter(|| {
            corpus.iter().map(|section| count_fields(black_box(section), &options)).sum::<usize>()
        })
    });
    group.throughput(Throughput::Bytes(fifty.len() as u64));
    group.bench_function("headers_parse_50_fields", |b| {
        b.iter(|| count_fields(black_box(&fifty), &options))
    });
    group.finish();
}

/// Parses one whole header section and counts its fields.
fn count_fields(section: &[u8], options: &HeaderOptions) -> usize {
    match parse_header_section(section, options) {
        Ok(Status::Complete { value, consumed }) => {
            assert_eq!(consumed, section.len(), "the section parses to its end");
            black_box(&value);
            value.len()
        }
        other => panic!("a complete header section, not {other:?}"),
    }
}

fn data(c: &mut Criterion) {
    let inputs = [("every_line", text_body(BODY_SIZE, 1)), ("one_in_64", text_body(BODY_SIZE, 64))];
    let mut group = c.benchmark_group("data");
    // The output buffer is kept between iterations, as a server keeps its
    // own, so that the figures are not those of the allocator.
    let mut out = Vec::with_capacity(2 * BODY_SIZE);

    for (name, body) in &inputs {
        let wire = encode_data(body);
        group.throughput(Throughput::Bytes(wire.len() as u64));
        group.bench_with_input(BenchmarkId::new("data_decode_10mb", name), &wire, |b, wire| {
            b.iter(|| {
                out.clear();
                let mut decoder = DataDecoder::default();
                let status = decoder.decode(black_box(wire), &mut out);
                assert!(matches!(status, DecodeStatus::End { outcome: Ok(_), .. }), "decodes");
            })
        });
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("data_encode_10mb", name), body, |b, body| {
            b.iter(|| {
                out.clear();
                let mut encoder = DataEncoder::new();
                encoder.encode(black_box(body), &mut out);
                encoder.finish(&mut out);
            })
        });
    }

    let wire = encode_data(&inputs[1].1);
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.bench_function("copy_10mb", |b| {
        b.iter(|| {
            out.clear();
            out.extend_from_slice(black_box(&wire));
        })
    });
    group.bench_function("memmem_10mb", |b| {
        b.iter(|| memchr::memmem::find(black_box(&wire), b"\r\n.\r\n"))
    });
    group.finish();
}

#[allow(missing_docs, reason = "criterion_group! defines a public function without docs")]
mod group {
    use super::*;

    criterion_group!(benches, commands_parse, replies_parse, headers_parse, data);
}

criterion_main!(group::benches);
