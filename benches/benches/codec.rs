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
    DataEncoder, DecodeStatus, HeaderOptions, HeaderSection, ReplyOptions, Status,
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
/// - `copy`: a plain copy of the stream, the floor of any parser that
///   reads every octet.
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
    let mut out = Vec::with_capacity(stream.len());
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function(BenchmarkId::new("copy", "commands_parse_100tx"), |b| {
        b.iter(|| copy(black_box(&stream), &mut out).len())
    });
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
/// - `copy`: a plain copy of the replies.
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
    let mut out = Vec::with_capacity(ehlo.len().max(singles.len()));
    for (input, stream) in [("replies_parse_ehlo10", &ehlo), ("replies_parse_single", &singles)] {
        group.throughput(Throughput::Bytes(stream.len() as u64));
        group.bench_function(BenchmarkId::new("copy", input), |b| {
            b.iter(|| copy(black_box(stream), &mut out).len())
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

/// A corpus of 64 varied header sections, and one section of fifty fields.
///
/// - `smtpkit`: `parse_header_section` frames every field, checks its name
///   and follows its folding; values stay raw slices of the input, neither
///   unfolded nor decoded.
/// - `smtpkit-typed`: the same, then every typed accessor of
///   `HeaderSection` runs on its field: the address fields (display names'
///   encoded words decoded), the dates, the message ids, `Received` (every
///   one), the MIME fields with their parameters, and `Subject` unfolded
///   with its encoded words decoded into text. Each accessor looks its
///   field up by name; absent fields cost the look-up alone. Other fields
///   stay raw.
/// - `mail-parser`: `MessageParser::parse_headers` frames the section and
///   parses every field it has a parser for (addresses, dates, message
///   ids, `Received`, the MIME fields, list fields, `Subject` and other
///   text with encoded words decoded) into owned or borrowed values, in one
///   pass; other fields stay raw.
/// - `mailparse`: `parse_headers` frames the section into fields that
///   borrow their raw bytes; then `addrparse_header` on each address field,
///   `dateparse` on `Date`, `msgidparse` on the message id fields,
///   `parse_content_type` on `Content-Type` and `get_value` (unfolding and
///   decoding encoded words) on `Subject`, each building owned values.
/// - `copy`: a plain copy of each section.
fn headers_parse(c: &mut Criterion) {
    let corpus = header_corpus();
    let fifty = vec![header_50_fields()];
    let options = HeaderOptions::default();
    let mut out = Vec::new();
    let mut group = c.benchmark_group("headers_parse");

    for (input, sections) in
        [("headers_parse_corpus", &corpus), ("headers_parse_50_fields", &fifty)]
    {
        check_fields(sections, &options);
        group.throughput(Throughput::Bytes(sections.iter().map(Vec::len).sum::<usize>() as u64));
        group.bench_function(BenchmarkId::new("smtpkit", input), |b| {
            b.iter(|| sum(sections, |section| smtpkit_fields(black_box(section), &options)))
        });
        group.bench_function(BenchmarkId::new("smtpkit-typed", input), |b| {
            b.iter(|| sum(sections, |section| smtpkit_typed_fields(black_box(section), &options).0))
        });
        group.bench_function(BenchmarkId::new("mail-parser", input), |b| {
            let parser = mail_parser::MessageParser::default();
            b.iter(|| sum(sections, |section| mail_parser_fields(black_box(section), &parser)))
        });
        group.bench_function(BenchmarkId::new("mailparse", input), |b| {
            b.iter(|| sum(sections, |section| mailparse_fields(black_box(section)).0))
        });
        group.bench_function(BenchmarkId::new("copy", input), |b| {
            b.iter(|| sum(sections, |section| copy(black_box(section), &mut out).len()))
        });
    }
    group.finish();
}

/// Checks, once and before any timing, that every implementation reads
/// every field of `sections` and that no decoder refuses one.
fn check_fields(sections: &[Vec<u8>], options: &HeaderOptions) {
    let parser = mail_parser::MessageParser::default();
    for section in sections {
        let fields = smtpkit_fields(section, options);
        assert_eq!(smtpkit_typed_fields(section, options), (fields, 0), "smtpkit decodes all");
        assert_eq!(mail_parser_fields(section, &parser), fields, "mail-parser reads every field");
        assert_eq!(mailparse_fields(section), (fields, 0), "mailparse reads and decodes all");
    }
}

/// The total of `count` over every section.
fn sum(sections: &[Vec<u8>], mut count: impl FnMut(&[u8]) -> usize) -> usize {
    sections.iter().map(|section| count(section)).sum()
}

/// Parses one whole header section and counts its fields.
fn smtpkit_fields(section: &[u8], options: &HeaderOptions) -> usize {
    let value = smtpkit_section(section, options);
    black_box(&value);
    value.len()
}

/// Parses one whole header section with smtpkit.
fn smtpkit_section<'a>(section: &'a [u8], options: &HeaderOptions) -> HeaderSection<'a> {
    match parse_header_section(section, options) {
        Ok(Status::Complete { value, consumed }) => {
            assert_eq!(consumed, section.len(), "the section parses to its end");
            value
        }
        other => panic!("a complete header section, not {other:?}"),
    }
}

/// Parses one header section with smtpkit and decodes every field that
/// has a typed accessor; gives the count of fields and of fields whose
/// parser failed.
fn smtpkit_typed_fields(section: &[u8], options: &HeaderOptions) -> (usize, usize) {
    let value = smtpkit_section(section, options);
    let mut failed = 0;
    let mut keep = |ok: Option<bool>| failed += usize::from(ok == Some(false));

    keep(value.from().map(|v| black_box(v).is_ok()));
    keep(value.sender().map(|v| black_box(v).is_ok()));
    keep(value.reply_to().map(|v| black_box(v).is_ok()));
    keep(value.to().map(|v| black_box(v).is_ok()));
    keep(value.cc().map(|v| black_box(v).is_ok()));
    keep(value.bcc().map(|v| black_box(v).is_ok()));
    keep(value.date().map(|v| black_box(v).is_ok()));
    keep(value.message_id().map(|v| black_box(v).is_ok()));
    keep(value.in_reply_to().map(|v| black_box(v).is_ok()));
    keep(value.references().map(|v| black_box(v).is_ok()));
    keep(value.return_path().map(|v| black_box(v).is_ok()));
    keep(value.keywords().map(|v| black_box(v).is_ok()));
    keep(value.mime_version().map(|v| black_box(v).is_ok()));
    keep(value.content_type().map(|v| black_box(v).is_ok()));
    keep(value.content_disposition().map(|v| black_box(v).is_ok()));
    keep(value.content_transfer_encoding().map(|v| black_box(v).is_ok()));
    black_box(value.subject());
    for received in value.received() {
        keep(Some(black_box(received).is_ok()));
    }
    (value.len(), failed)
}

/// Parses one header section with mail-parser and counts its fields.
fn mail_parser_fields(section: &[u8], parser: &mail_parser::MessageParser) -> usize {
    let message = parser.parse_headers(section).expect("mail-parser finds the fields");
    let fields = message.headers().len();
    black_box(message);
    fields
}

/// Parses one header section with mailparse, then decodes its address,
/// date, message id, Content-Type and Subject fields; gives the count of
/// fields and of fields whose decoder failed.
fn mailparse_fields(section: &[u8]) -> (usize, usize) {
    let (fields, consumed) = mailparse::parse_headers(section).expect("mailparse reads it");
    assert_eq!(consumed, section.len(), "the section parses to its end");
    let mut failed = 0;

    for field in &fields {
        let name = field.get_key_ref();
        let is = |wanted: &str| name.eq_ignore_ascii_case(wanted);
        if ["From", "Sender", "Reply-To", "To", "Cc", "Bcc"].into_iter().any(is) {
            failed += usize::from(black_box(mailparse::addrparse_header(field)).is_err());
        } else if is("Date") {
            failed += usize::from(black_box(mailparse::dateparse(&field.get_value())).is_err());
        } else if ["Message-ID", "In-Reply-To", "References"].into_iter().any(is) {
            failed += usize::from(black_box(mailparse::msgidparse(&field.get_value())).is_err());
        } else if is("Content-Type") {
            black_box(mailparse::parse_content_type(&field.get_value()));
        } else if is("Subject") {
            black_box(field.get_value());
        }
    }
    (fields.len(), failed)
}

/// 10 MiB message bodies of text lines, once with every line dot-stuffed
/// and once with one line in 64, decoded from and encoded to the wire.
///
/// - `smtpkit`: `DataDecoder` finds the end of data at CRLF `.` CRLF only,
///   unstuffs, and checks the line length limit and bare CR and LF as it
///   writes the body out; `DataEncoder` writes CRLF line endings and
///   dot-stuffs.
/// - `smtp-proto`: `DataReceiver` finds the end of data and unstuffs as it
///   writes the body out, with no limits or line ending checks; it is first
///   fed the line end of the DATA command, without which it would not
///   unstuff the first line. It has no encoder.
/// - `copy`: a plain copy of the same bytes into the same buffer, the
///   least any decoder or encoder that writes its output must do.
/// - `memmem`: a search for CRLF `.` CRLF alone, with no output.
///
/// Every decoder writes into a buffer kept between iterations, as a server
/// keeps its own, so that the figures are not those of the allocator.
fn data(c: &mut Criterion) {
    let inputs = [("every_line", text_body(BODY_SIZE, 1)), ("one_in_64", text_body(BODY_SIZE, 64))];
    let mut group = c.benchmark_group("data");
    let mut out = Vec::with_capacity(2 * BODY_SIZE);

    for (name, body) in &inputs {
        let wire = encode_data(body);
        let decoded = smtpkit_decode(&wire, &mut out).to_vec();
        assert!(smtp_proto_decode(&wire, &mut out) == decoded, "smtp-proto decodes the same");

        let input = format!("data_decode_10mb_{name}");
        group.throughput(Throughput::Bytes(wire.len() as u64));
        group.bench_function(BenchmarkId::new("smtpkit", &input), |b| {
            b.iter(|| smtpkit_decode(black_box(&wire), &mut out).len())
        });
        group.bench_function(BenchmarkId::new("smtp-proto", &input), |b| {
            b.iter(|| smtp_proto_decode(black_box(&wire), &mut out).len())
        });
        group.bench_function(BenchmarkId::new("copy", &input), |b| {
            b.iter(|| copy(black_box(&wire), &mut out).len())
        });
        group.bench_function(BenchmarkId::new("memmem", &input), |b| {
            b.iter(|| memchr::memmem::find(black_box(&wire), b"\r\n.\r\n"))
        });

        let input = format!("data_encode_10mb_{name}");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(BenchmarkId::new("smtpkit", &input), |b| {
            b.iter(|| {
                out.clear();
                let mut encoder = DataEncoder::new();
                encoder.encode(black_box(body), &mut out);
                encoder.finish(&mut out);
                out.len()
            })
        });
        group.bench_function(BenchmarkId::new("copy", &input), |b| {
            b.iter(|| copy(black_box(body), &mut out).len())
        });
    }
    group.finish();
}

/// Decodes the message on `wire` with smtpkit into `out`.
fn smtpkit_decode<'o>(wire: &[u8], out: &'o mut Vec<u8>) -> &'o [u8] {
    out.clear();
    let mut decoder = DataDecoder::default();
    let status = decoder.decode(wire, out);
    assert!(matches!(status, DecodeStatus::End { outcome: Ok(_), .. }), "decodes");
    out
}

/// Decodes the message on `wire` with smtp-proto into `out`.
fn smtp_proto_decode<'o>(wire: &[u8], out: &'o mut Vec<u8>) -> &'o [u8] {
    let mut receiver = smtp_proto::request::receiver::DataReceiver::new();
    // A new receiver does not take its input to start a line, so a first
    // line that begins with a dot would keep its stuffing; the line end of
    // the DATA command puts it at the start of a line, as in a session.
    receiver.ingest(&mut b"\r\n".iter(), out);
    out.clear();
    let ended = receiver.ingest(&mut wire.iter(), out);
    assert!(ended, "smtp-proto finds the end of data");
    out
}

/// Copies `bytes` into `out`.
fn copy<'o>(bytes: &[u8], out: &'o mut Vec<u8>) -> &'o [u8] {
    out.clear();
    out.extend_from_slice(bytes);
    out
}

#[allow(missing_docs, reason = "criterion_group! defines a public function without docs")]
mod group {
    use super::*;

    criterion_group!(benches, commands_parse, replies_parse, headers_parse, data);
}

criterion_main!(group::benches);
