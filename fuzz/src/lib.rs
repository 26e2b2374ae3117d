//! The checks behind the fuzz targets in `fuzz_targets/`: each target is a
//! line that hands the fuzzer's input to one function here.
//!
//! Every check asserts two things. Nothing in the codec panics, whatever
//! the bytes. And whatever the codec accepts, it writes back in a form it
//! parses to the same value again, so a server that relays or logs what it
//! read says the same thing as the peer did.
//!
//! Targets that feed a push parser in pieces take a [`Chunked`] input: a
//! few bytes that pick the piece lengths, then the data. A seed whose first
//! byte is 0 has no lengths and is fed one byte at a time.
#![forbid(unsafe_code)]

pub mod built;
pub mod client;

use arbitrary::Arbitrary;
use smtpkit_codec::field::address::address_list as parse_address_list;
use smtpkit_codec::field::date::date_time;
use smtpkit_codec::line::skip_line;
use smtpkit_codec::{
    decode_unstructured, decode_word, encode_unstructured, parse_command, parse_header_section,
    parse_reply, BareLineEndings, Capabilities, Command, CommandOptions, DataDecoder, DataEncoder,
    DataOptions, DecodeStatus, EnhancedStatusCode, HeaderOptions, HeaderSection, ParseError,
    ReplyOptions, Status,
};

use smtpkit_mock::{AuthMode, Event, Session, SessionConfig, TRANSCRIPT_LIMIT};

/// Data to be fed to a push parser in pieces whose lengths the fuzzer
/// chooses.
#[derive(Debug, Arbitrary)]
pub struct Chunked<'a> {
    /// Piece lengths, used in turn and over again; 0 feeds an empty piece.
    /// None at all, or only zeros, means one byte at a time.
    pub lengths: Vec<u8>,
    /// The bytes, everything after the lengths.
    pub data: &'a [u8],
}

impl<'a> Chunked<'a> {
    /// The data cut into pieces of the chosen lengths, the last one
    /// shorter where the data runs out.
    pub fn pieces(&self) -> Vec<&'a [u8]> {
        let lengths: &[u8] =
            if self.lengths.iter().all(|&l| l == 0) { &[1] } else { &self.lengths };
        let mut pieces = Vec::new();
        let mut rest = self.data;
        for &length in lengths.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (piece, tail) = rest.split_at(usize::from(length).min(rest.len()));
            pieces.push(piece);
            rest = tail;
        }
        pieces
    }
}

/// A [`Chunked`] input for the DATA decoder, with the options to run it
/// with.
#[derive(Debug, Arbitrary)]
pub struct DataInput<'a> {
    /// Bits 0–1: the bare line ending policy (reject, normalize, preserve);
    /// bit 2: a line limit of 16 instead of 1000; bit 3: a size limit of
    /// 64. A seed whose first byte is 0 runs with the default options.
    pub options: u8,
    /// The data after DATA, and how to cut it.
    pub input: Chunked<'a>,
}

impl DataInput<'_> {
    /// The decoder options that [`options`](Self::options) picks.
    pub fn data_options(&self) -> DataOptions {
        let bare_line_endings = match self.options & 0b11 {
            0 => BareLineEndings::Reject,
            1 => BareLineEndings::Normalize,
            _ => BareLineEndings::Preserve,
        };
        DataOptions {
            line_limit: if self.options & 0b100 != 0 {
                16
            } else {
                DataOptions::default().line_limit
            },
            size_limit: (self.options & 0b1000 != 0).then_some(64),
            bare_line_endings,
        }
    }
}

/// Asserts that `$again`, parsed from the wire form of `$value`, is equal
/// to it, with a message that shows both and the wire form.
macro_rules! assert_same {
    ($value:expr, $again:expr, $wire:expr) => {
        assert_eq!(
            $value,
            $again,
            "parsing the wire form {} changed the value",
            show($wire.as_ref())
        )
    };
}

/// `parse_command` with the default and the lenient options: a command
/// that parses writes a line that parses to the same command.
pub fn command(input: &[u8]) {
    for options in [CommandOptions::default(), CommandOptions::lenient()] {
        let Ok(Status::Complete { value, consumed }) = parse_command(input, &options) else {
            continue;
        };
        assert!(consumed <= input.len());

        // The canonical form of a tolerated line may be longer than the
        // line was (`MAIL FROM:a@b` gains its brackets), so it is read
        // back without the line limits.
        let wire = value.to_bytes();
        let unlimited =
            CommandOptions { line_limit: usize::MAX, auth_line_limit: usize::MAX, ..options };
        let (again, again_consumed) = parse_command(&wire, &unlimited)
            .unwrap_or_else(|e| panic!("the wire form {} does not parse: {e}", show(&wire)))
            .complete()
            .expect("the wire form ends in CRLF");
        assert_eq!(again_consumed, wire.len());
        assert_eq!(again.to_bytes(), wire, "the wire form is not canonical");
        assert_same!(value.into_owned(), again.into_owned(), wire);
    }
}

/// `parse_reply` with the default and the lenient options: a reply that
/// parses writes lines that parse to the same reply.
pub fn reply(input: &[u8]) {
    for options in [ReplyOptions::default(), ReplyOptions::lenient()] {
        let Ok(Status::Complete { value, consumed }) = parse_reply(input, &options) else {
            continue;
        };
        assert!(consumed <= input.len());
        let _ = (value.text(), value.enhanced_code(), value.class());

        let wire = value.to_bytes();
        let (again, again_consumed) = parse_reply(&wire, &reread_reply_options())
            .unwrap_or_else(|e| panic!("the wire form {} does not parse: {e}", show(&wire)))
            .complete()
            .expect("the wire form ends in CRLF");
        assert_eq!(again_consumed, wire.len());
        assert_same!(value, again, wire);
    }
}

/// The options to read back a reply's wire form with: strict about
/// UTF-8, which the wire form always is, and without the size limits,
/// since invalid UTF-8 in the reply that was read comes back as U+FFFD,
/// three octets for one.
fn reread_reply_options() -> ReplyOptions {
    ReplyOptions { line_limit: usize::MAX, size_limit: usize::MAX, ..ReplyOptions::strict() }
}

/// `Capabilities::from_reply` on every reply that parses: capabilities
/// that are read write a reply that reads to the same capabilities.
pub fn capabilities(input: &[u8]) {
    let Ok(Status::Complete { value: reply, .. }) = parse_reply(input, &ReplyOptions::lenient())
    else {
        return;
    };
    let Ok(capabilities) = Capabilities::from_reply(&reply) else { return };
    let _ = (capabilities.size(), capabilities.auth_mechanisms().count(), capabilities.greeting());

    let written = capabilities.to_reply();
    let wire = written.to_bytes();
    let (reparsed, _) = parse_reply(&wire, &reread_reply_options())
        .unwrap_or_else(|e| panic!("the wire form {} does not parse: {e}", show(&wire)))
        .complete()
        .expect("the wire form ends in CRLF");
    assert_same!(written, reparsed, wire);
    let again = Capabilities::from_reply(&reparsed)
        .unwrap_or_else(|e| panic!("the capabilities of {} do not read back: {e}", show(&wire)));
    assert_same!(capabilities.into_owned(), again.into_owned(), wire);
}

/// `parse_header_section` with the default and the lenient options: a
/// section that parses writes back the very bytes it was read from, which
/// parse to the same section; reading its fields panics on nothing.
pub fn header_section(input: &[u8]) {
    for options in [HeaderOptions::default(), HeaderOptions::lenient()] {
        if let Ok(Status::Complete { value, consumed }) = parse_header_section(input, &options) {
            let wire = value.to_bytes();
            assert_eq!(wire, &input[..consumed], "the section is not written back as read");
            let (again, _) = parse_header_section(&wire, &options)
                .unwrap_or_else(|e| panic!("the wire form {} does not parse: {e}", show(&wire)))
                .complete()
                .expect("the wire form ends with the empty line");
            assert_same!(value, again, wire);
            read_fields(&value);
        }
        if let Ok((value, _)) = HeaderSection::parse_message(input, &options) {
            read_fields(&value);
        }
    }
}

/// Runs every reader of a header section's fields, for their panics.
fn read_fields(section: &HeaderSection<'_>) {
    for field in section {
        let _ = (field.name(), field.unfolded(), field.unstructured());
    }
    let _ = (section.from(), section.sender(), section.reply_to(), section.to(), section.cc());
    let _ = (section.bcc(), section.date(), section.message_id(), section.in_reply_to());
    let _ = (section.references(), section.return_path(), section.content_type());
    let _ = (section.subject(), section.keywords(), section.received().count());
    let _ = (section.resent_from(), section.resent_sender(), section.resent_to());
    let _ = (section.resent_cc(), section.resent_bcc(), section.resent_date());
    let _ = (section.resent_message_id(), section.mime_version());
    let _ = (section.content_disposition(), section.content_transfer_encoding());
}

/// `field::address::address_list`: a list that parses displays as text
/// that parses to the same list.
pub fn address_list(input: &[u8]) {
    let Ok(list) = parse_address_list(input) else { return };
    let text = list.to_string();
    let again = parse_address_list(text.as_bytes())
        .unwrap_or_else(|e| panic!("the display form {text:?} does not parse: {e}"));
    assert_same!(list, again, text);
}

/// `field::date::date_time`: a date that parses displays as text that
/// parses to the same date.
pub fn date(input: &[u8]) {
    let Ok(date) = date_time(input) else { return };
    let _ = (date.to_rfc3339(), date.unix_timestamp());
    let text = date.to_string();
    let again = date_time(text.as_bytes())
        .unwrap_or_else(|e| panic!("the display form {text:?} does not parse: {e}"));
    assert_same!(date, again, text);
}

/// The RFC 2047 decoders take any text without panicking, and
/// `encode_unstructured` writes ASCII that decodes to the text it was
/// given.
pub fn encoded_word(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let _ = decode_unstructured(&text);
    let _ = decode_word(&text);

    let mut encoded = String::new();
    encode_unstructured(&text, &mut encoded);
    assert!(encoded.is_ascii(), "{text:?} was encoded as {encoded:?}, which is not ASCII");
    assert_eq!(decode_unstructured(&encoded), text, "{text:?} was encoded as {encoded:?}");
}

/// What a [`DataDecoder`] made of some input: the body, the status of
/// every call, and the report.
#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    body: Vec<u8>,
    /// The bytes taken up to the end of the data, counted from the start
    /// of all input, and the outcome; `None` while the data goes on.
    end: Option<(usize, Result<smtpkit_codec::DataReport, ParseError>)>,
    report: smtpkit_codec::DataReport,
}

/// Feeds `pieces` to a new decoder, the way a server does: until the data
/// ends.
fn decode_pieces(options: &DataOptions, pieces: &[&[u8]]) -> Decoded {
    let mut decoder = DataDecoder::new(options.clone());
    let mut body = Vec::new();
    let mut taken = 0;
    let mut end = None;
    for piece in pieces {
        match decoder.decode(piece, &mut body) {
            DecodeStatus::NeedMore => taken += piece.len(),
            DecodeStatus::End { consumed, outcome } => {
                assert!(consumed <= piece.len());
                end = Some((taken + consumed, outcome));
                break;
            }
        }
    }
    Decoded { body, end, report: *decoder.report() }
}

/// `DataDecoder`: the data gives the same body, end and outcome in one
/// piece and in pieces, and it ends only at the first CRLF `.` CRLF, the
/// start of the data counting as after a CRLF.
pub fn data_decoder(input: &DataInput<'_>) {
    let options = input.data_options();
    let data = input.input.data;
    let whole = decode_pieces(&options, &[data]);
    let pieces = decode_pieces(&options, &input.input.pieces());
    assert_eq!(whole, pieces, "feeding the data in pieces changed what was decoded");

    let mut framed = b"\r\n".to_vec();
    framed.extend_from_slice(data);
    let expected_end = framed.windows(5).position(|w| w == b"\r\n.\r\n").map(|at| at + 3);
    assert_eq!(whole.end.as_ref().map(|(end, _)| *end), expected_end, "the data ended elsewhere");
    if let Some((_, Ok(report))) = &whole.end {
        assert_eq!(report.body_len, whole.body.len() as u64);
    }
}

/// `DataEncoder` then `DataDecoder`: the body comes back with every line
/// ending made CRLF, a last line ended, and nothing else changed.
pub fn data_roundtrip(input: &Chunked<'_>) {
    let mut encoder = DataEncoder::new();
    let mut wire = Vec::new();
    for piece in input.pieces() {
        encoder.encode(piece, &mut wire);
    }
    encoder.finish(&mut wire);

    let options = DataOptions { line_limit: usize::MAX, ..DataOptions::default() };
    let decoded = decode_pieces(&options, &[&wire]);
    let (end, outcome) = decoded.end.expect("the wire form ends the data");
    assert_eq!(end, wire.len(), "the data ended before the end of {}", show(&wire));
    let report = outcome.unwrap_or_else(|e| panic!("{} was refused: {e}", show(&wire)));
    assert!(report.is_clean(), "{} has a bare line ending", show(&wire));
    assert_eq!(decoded.body, with_crlf(input.data), "{} did not decode to the body", show(&wire));
}

/// Bytes as text, escaped where they are not printable ASCII.
pub(crate) fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

/// `body` with CRLF, bare CR and bare LF all written as CRLF, and a CRLF
/// after a last line without one.
fn with_crlf(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 2);
    let mut bytes = body.iter().peekable();
    while let Some(&byte) = bytes.next() {
        match byte {
            b'\r' => {
                bytes.next_if_eq(&&b'\n');
                out.extend_from_slice(b"\r\n");
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            _ => out.push(byte),
        }
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// What a server's reading loop made of one command line: the command, or
/// the error it answered.
type Framed = Result<Command<'static>, ParseError>;

/// A server's reading loop over `parse_command`: it buffers what arrives,
/// takes every whole command, and after an error skips the rest of the
/// line, even when the line's end has not arrived yet.
struct Framer {
    options: CommandOptions,
    buffer: Vec<u8>,
    /// An error was answered and the rest of its line is being dropped.
    skipping: bool,
    framed: Vec<Framed>,
}

impl Framer {
    fn new(options: CommandOptions) -> Self {
        Self { options, buffer: Vec::new(), skipping: false, framed: Vec::new() }
    }

    fn feed(&mut self, piece: &[u8]) {
        self.buffer.extend_from_slice(piece);
        loop {
            if self.skipping {
                let Some(skip) = skip_line(&self.buffer) else {
                    self.buffer.clear();
                    return;
                };
                self.buffer.drain(..skip);
                self.skipping = false;
            }
            let consumed = match parse_command(&self.buffer, &self.options) {
                Ok(Status::Incomplete) => return,
                Ok(Status::Complete { value, consumed }) => {
                    self.framed.push(Ok(value.into_owned()));
                    consumed
                }
                Err(error) => {
                    self.framed.push(Err(error));
                    self.skipping = true;
                    0
                }
            };
            self.buffer.drain(..consumed);
        }
    }
}

/// Commands framed from one buffer and from the same bytes in pieces are
/// the same commands and errors, in the same order, with the same bytes
/// left over; with the default and the lenient options.
pub fn command_split(input: &Chunked<'_>) {
    for options in [CommandOptions::default(), CommandOptions::lenient()] {
        let mut whole = Framer::new(options.clone());
        whole.feed(input.data);
        let mut pieces = Framer::new(options);
        for piece in input.pieces() {
            pieces.feed(piece);
        }
        assert_eq!(whole.framed, pieces.framed, "feeding the bytes in pieces changed the commands");
        assert_eq!((whole.buffer, whole.skipping), (pieces.buffer, pieces.skipping));
    }
}

/// The mock server's `Session` fed a client's bytes in pieces the fuzzer
/// chooses: it never panics; the same bytes in one piece give the same
/// output and messages; everything it writes parses as whole replies; it
/// emits exactly as many messages as it answered 250 2.6.0 to; and what it
/// holds stays within its line, message size and transcript limits.
pub fn session(input: &Chunked<'_>) {
    let (output, messages) = run_session(&input.pieces());
    let (whole_output, whole_messages) = run_session(&[input.data]);
    assert_eq!(output, whole_output, "output depends on how the input was split");
    assert_eq!(messages, whole_messages, "messages depend on how the input was split");

    let mut rest = &output[..];
    let mut accepted = 0;
    while !rest.is_empty() {
        match parse_reply(rest, &ReplyOptions::default()) {
            Ok(Status::Complete { value, consumed }) => {
                if value.enhanced_code() == Some(EnhancedStatusCode::MESSAGE_OK) {
                    accepted += 1;
                }
                rest = &rest[consumed..];
            }
            other => panic!("the session wrote something that is not a reply: {other:?}"),
        }
    }
    assert_eq!(messages.len(), accepted, "a message without its 250, or a 250 without one");
}

/// Runs a session over `pieces` until it closes, returning everything it
/// wrote and the content of every message it emitted.
fn run_session(pieces: &[&[u8]]) -> (Vec<u8>, Vec<Vec<u8>>) {
    // A small message size limit, so that the bound on what the session
    // holds is tight enough to notice a buffer that grows past its limit.
    // STARTTLS and AUTH are offered too, AUTH in plaintext as on loopback,
    // so that their exchanges are read; no handshake follows STARTTLS, so
    // the session discards what comes after it, however it is split. The
    // CRAM-MD5 challenges are seeded, so that the two runs compared see
    // the same ones.
    let config = SessionConfig {
        max_message_size: 256,
        starttls: true,
        auth: AuthMode::users([("hoge", "secret")]),
        auth_without_tls_on_loopback: true,
        challenge_seed: Some(0),
        ..SessionConfig::default()
    };
    let options = &config.command_options;
    let bound = options.line_limit.max(options.auth_line_limit) + 256 + TRANSCRIPT_LIMIT;
    let mut session = Session::new(config, "127.0.0.1:2525").expect("valid settings");
    let mut output = session.take_output();
    let mut messages = Vec::new();
    for piece in pieces {
        if session.is_closed() {
            break;
        }
        session.receive(piece);
        output.extend(session.take_output());
        let held = session.held_octets();
        assert!(held <= bound, "the session holds {held} octets, over its limits ({bound})");
        for event in session.events() {
            if let Event::MessageReceived(message) = event {
                messages.push(message.content.clone());
            }
        }
    }
    (output, messages)
}

#[cfg(test)]
mod tests {
    use arbitrary::Unstructured;

    use super::*;

    #[test]
    fn pieces_cover_the_data_in_the_chosen_lengths() {
        let input = Chunked { lengths: vec![2, 0, 3], data: b"abcdefgh" };
        assert_eq!(input.pieces(), [&b"ab"[..], b"", b"cde", b"fg", b"", b"h"]);
        let bytewise = Chunked { lengths: vec![0], data: b"abc" };
        assert_eq!(bytewise.pieces(), [&b"a"[..], b"b", b"c"]);
    }

    #[test]
    fn a_seed_that_starts_with_zero_is_its_data_fed_byte_by_byte() {
        let input = Chunked::arbitrary_take_rest(Unstructured::new(b"\0MAIL")).expect("valid");
        assert_eq!((input.lengths.as_slice(), input.data), (&[][..], &b"MAIL"[..]));
        let input = DataInput::arbitrary_take_rest(Unstructured::new(b"\0\0.\r\n")).expect("valid");
        assert_eq!(
            (input.data_options(), input.input.data),
            (DataOptions::default(), &b".\r\n"[..])
        );
    }

    #[test]
    fn structured_targets_finish_on_inputs_too_short_for_their_values() {
        for input in [&b""[..], b"\0", &[0xff; 64]] {
            built::command_built(input);
            built::reply_built(input);
            built::header_built(input);
        }
        let command = built::generate(&smtpkit_codec::strategies::command::command(), b"");
        assert!(command.is_some(), "any input seeds a value");
    }

    /// Every committed seed of `target`.
    fn seeds(target: &str) -> Vec<Vec<u8>> {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
        std::fs::read_dir(folder)
            .expect("the target's seeds")
            .map(|entry| std::fs::read(entry.expect("a seed").path()).expect("readable"))
            .collect()
    }

    /// A seed as the fuzzer reads it: its piece lengths first.
    fn as_fuzzed(data: &[u8]) -> Chunked<'_> {
        Chunked::arbitrary_take_rest(Unstructured::new(data)).expect("any bytes")
    }

    #[test]
    fn the_client_survives_its_seeds_whole_and_byte_by_byte() {
        let seeds = seeds("client");
        for data in &seeds {
            client::client(&Chunked { lengths: vec![255], data });
            client::client(&Chunked { lengths: vec![], data });
            client::client(&as_fuzzed(data));
        }
        assert!(seeds.len() >= 4, "{} seeds", seeds.len());
    }

    #[test]
    fn the_session_passes_its_checks_on_its_seeds() {
        let seeds = seeds("session");
        for data in &seeds {
            session(&Chunked { lengths: vec![255], data });
            session(&Chunked { lengths: vec![], data });
            session(&as_fuzzed(data));
        }
        assert!(!seeds.is_empty());
    }

    #[test]
    fn line_endings_are_made_crlf() {
        assert_eq!(with_crlf(b"a\nb\rc\r\nd"), b"a\r\nb\r\nc\r\nd\r\n");
        assert_eq!(with_crlf(b""), b"");
        assert_eq!(with_crlf(b"x\r"), b"x\r\n");
    }
}
