//! Parsing speed of commands and replies.
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

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smtpkit_benches::{
    command_stream, header_50_fields, header_corpus, EHLO_REPLY, SINGLE_REPLIES,
    SINGLE_REPLY_COUNT, TRANSACTION_COMMANDS,
};
use smtpkit_codec::{
    parse_command, parse_header_section, parse_reply, CommandOptions, HeaderOptions, ReplyOptions,
    Status,
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

#[allow(missing_docs, reason = "criterion_group! defines a public function without docs")]
mod group {
    use super::*;

    criterion_group!(benches, commands_parse, replies_parse, headers_parse);
}

criterion_main!(group::benches);
