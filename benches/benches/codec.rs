//! Parsing speed of commands, replies and header sections, and the speed of
//! DATA's dot-stuffing.
//!
//! `commands_parse` reads a pipelined stream of client transactions (see
//! `smtpkit_benches::TRANSACTION`) command by command with
//! `parse_command`: each command is framed, validated against the full
//! grammar, and its paths and parameters decoded into typed values that
//! borrow from the input. `replies_parse` does the same with
//! `parse_reply` over ten-line EHLO replies and single-line replies with
//! enhanced status codes, splitting off each line's enhanced code.
//! `headers_parse` reads header sections with `parse_header_section`: a
//! corpus of varied sections (see `smtpkit_benches::header_corpus`) and one
//! section of fifty fields; every field is framed, its name checked and its
//! folding followed, without unfolding or decoding the values.
//!
//! `data` encodes and decodes 10 MiB message bodies of text lines (see
//! `smtpkit_benches::text_body`), once with every line dot-stuffed and once
//! with one line in 64, next to two baselines on the same wire bytes: a
//! plain copy (`copy_10mb`), the least any decoder that writes the body
//! must do, and a search for the end of data alone (`memmem_10mb`).

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

fn commands_parse(c: &mut Criterion) {
    const TRANSACTIONS: usize = 100;
    let stream = command_stream(TRANSACTIONS);
    let options = CommandOptions::default();
    let mut group = c.benchmark_group("commands_parse");

    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("commands_parse_bytes_100tx", |b| {
        b.iter(|| count_commands(black_box(&stream), &options))
    });
    group.throughput(Throughput::Elements((TRANSACTIONS * TRANSACTION_COMMANDS) as u64));
    group.bench_function("commands_parse_elements_100tx", |b| {
        b.iter(|| count_commands(black_box(&stream), &options))
    });
    group.finish();
}

/// Parses every command of `stream`, as a server loop would.
fn count_commands(stream: &[u8], options: &CommandOptions) -> usize {
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

fn replies_parse(c: &mut Criterion) {
    const REPEAT: usize = 100;
    let ehlo = EHLO_REPLY.repeat(REPEAT);
    let singles = SINGLE_REPLIES.repeat(REPEAT);
    let options = ReplyOptions::default();
    let mut group = c.benchmark_group("replies_parse");

    group.throughput(Throughput::Bytes(ehlo.len() as u64));
    group.bench_function("replies_parse_ehlo10_bytes", |b| {
        b.iter(|| count_replies(black_box(&ehlo), &options))
    });
    group.throughput(Throughput::Elements(REPEAT as u64));
    group.bench_function("replies_parse_ehlo10_elements", |b| {
        b.iter(|| count_replies(black_box(&ehlo), &options))
    });
    group.throughput(Throughput::Bytes(singles.len() as u64));
    group.bench_function("replies_parse_single_bytes", |b| {
        b.iter(|| count_replies(black_box(&singles), &options))
    });
    group.throughput(Throughput::Elements((REPEAT * SINGLE_REPLY_COUNT) as u64));
    group.bench_function("replies_parse_single_elements", |b| {
        b.iter(|| count_replies(black_box(&singles), &options))
    });
    group.finish();
}

/// Parses every reply of `stream`, as a client loop would.
fn count_replies(stream: &[u8], options: &ReplyOptions) -> usize {
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
