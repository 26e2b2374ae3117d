//! Message content on the wire: dot-stuffing and the end of DATA
//! (RFC 5321 §4.1.1.4, §4.5.2), and BDAT chunks (RFC 3030).
//!
//! After DATA, a client sends the message as lines of text and ends it with
//! a line that holds a single dot. So that a line of the message cannot end
//! it early, the client doubles the dot at the start of every line that
//! begins with one, and the server removes it again ("dot-stuffing",
//! "transparency"). [`DataEncoder`] (or [`encode_data`]) does the client's
//! half, [`DataDecoder`] the server's.
//!
//! The two halves must agree on what a line is, or a message can carry a
//! second message past a filter: SMTP smuggling works by sending an end of
//! data that one server accepts (`\n.\n`, `\r\n.\n`, `\r.\r`, …) and the
//! next one does not. Here a line ends at CRLF and nowhere else. The
//! decoder ends the data at CRLF `.` CRLF only, whatever its options; a lone
//! CR or LF is a "bare line ending" whose treatment is the explicit choice
//! of a [`BareLineEndings`] policy, rejected by default. The encoder turns
//! every bare CR and LF into CRLF before it stuffs, so what it writes reads
//! the same to every receiver.
//!
//! With CHUNKING (RFC 3030) the message travels in BDAT chunks of a size
//! announced beforehand, without stuffing and without an end marker:
//! [`BdatChunk`] takes a chunk's octets from what a server reads, and
//! [`bdat_chunks`] cuts a body into chunks for a client.

use memchr::memmem;

use crate::command::Command;
use crate::error::{ErrorKind, ParseError};
use crate::line::TEXT_LINE_LIMIT;

/// The chunk size [`bdat_chunks`] is meant to be called with when the
/// caller has no better idea: 64 KiB, a few TCP windows, small enough to
/// keep memory flat and large enough that the command lines cost nothing.
pub const BDAT_CHUNK_SIZE: usize = 64 * 1024;

/// How many octets the fast paths scan before they copy, so that the bytes
/// are still in cache when they are copied.
const SCAN_BLOCK: usize = 64 * 1024;

/// Writes a message body as DATA sends it: dot-stuffed, with CRLF line
/// endings, followed by the end-of-data line.
///
/// The body may come in chunks of any size; a line ending or a dot split
/// across two chunks is handled as if the chunks had been one. For each
/// line, in this order (RFC 5321 §4.5.2, §2.3.8):
///
/// 1. A bare LF, a bare CR, and CRLF all end a line, and each is written
///    as CRLF. A CR at the end of a chunk is held until the next chunk
///    shows whether an LF follows it.
/// 2. A line that starts with `.` gets a second `.` in front: the first
///    line, a line after an empty line, a line after a bare LF or CR.
/// 3. At [`finish`](Self::finish), a CRLF ends the last line if the body
///    did not, and `.` CRLF follows.
///
/// Line length is not checked: a body with lines over 998 octets is sent
/// as it is, and the server may refuse it.
///
/// ```
/// use smtpkit_codec::DataEncoder;
///
/// let mut encoder = DataEncoder::new();
/// let mut wire = Vec::new();
/// encoder.encode(b"Subject: dots\n\n.hidden\r", &mut wire);
/// encoder.encode(b"\n.", &mut wire);
/// encoder.finish(&mut wire);
/// assert_eq!(wire, b"Subject: dots\r\n\r\n..hidden\r\n..\r\n.\r\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataEncoder {
    /// The next byte starts a line (nothing of the body was written yet,
    /// or the last thing written was a line ending).
    line_start: bool,
    /// The previous chunk ended in CR, not yet written.
    pending_cr: bool,
}

impl Default for DataEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl DataEncoder {
    /// An encoder at the start of a body.
    pub fn new() -> Self {
        Self { line_start: true, pending_cr: false }
    }

    /// Appends the wire form of the next `chunk` of the body to `out`.
    pub fn encode(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let mut rest = chunk;
        if self.pending_cr {
            let Some(&first) = rest.first() else { return };
            self.pending_cr = false;
            self.line_start = true;
            out.extend_from_slice(b"\r\n");
            if first == b'\n' {
                rest = &rest[1..];
            }
        }

        // True right after a dot that starts a line was stuffed.
        let mut after_dot = false;
        while !rest.is_empty() {
            // Lines that end in CRLF go out as they are, their dots
            // stuffed.
            let block = &rest[..rest.len().min(SCAN_BLOCK)];
            let scan = Scan { line_start: self.line_start, line_len: 0, after_dot };
            let run = clean_run(block, scan, usize::MAX, Dots::Stuff, out).len;
            if let Some(&last) = block[..run].last() {
                self.line_start = last == b'\n';
                rest = &rest[run..];
            }
            after_dot = false;

            let Some((&byte, tail)) = rest.split_first() else { break };
            rest = tail;
            match byte {
                b'.' if self.line_start => {
                    out.extend_from_slice(b"..");
                    self.line_start = false;
                    after_dot = true;
                }
                b'\r' => match tail.first() {
                    None => self.pending_cr = true,
                    Some(&next) => {
                        out.extend_from_slice(b"\r\n");
                        self.line_start = true;
                        if next == b'\n' {
                            rest = &tail[1..];
                        }
                    }
                },
                b'\n' => {
                    out.extend_from_slice(b"\r\n");
                    self.line_start = true;
                }
                _ => {
                    out.push(byte);
                    self.line_start = false;
                }
            }
        }
    }

    /// Ends the last line if the body did not, and appends the end-of-data
    /// line `.` CRLF.
    pub fn finish(self, out: &mut Vec<u8>) {
        if self.pending_cr || !self.line_start {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
    }
}

/// The wire form of a whole body after DATA: [`DataEncoder`] in one call.
///
/// ```
/// use smtpkit_codec::encode_data;
///
/// assert_eq!(encode_data(b".\nline"), b"..\r\nline\r\n.\r\n");
/// assert_eq!(encode_data(b""), b".\r\n");
/// ```
pub fn encode_data(body: &[u8]) -> Vec<u8> {
    // One stuffed dot in 64 octets is more than real text has.
    let mut out = Vec::with_capacity(body.len() + body.len() / 64 + 5);
    let mut encoder = DataEncoder::new();
    encoder.encode(body, &mut out);
    encoder.finish(&mut out);
    out
}

/// What [`DataDecoder`] does with a CR not followed by LF, or an LF not
/// preceded by CR.
///
/// RFC 5321 §2.3.8: "In addition, the appearance of "bare" "CR" or "LF"
/// characters in text (i.e., either without the other) has a long history
/// of causing problems in mail implementations and applications that use
/// the mail system as a tool. SMTP client implementations MUST NOT
/// transmit these characters except when they are intended as line
/// terminators and then MUST, as indicated above, transmit them only as a
/// `<CRLF>` sequence."
///
/// Under every policy, a bare line ending neither ends the data nor starts
/// a line: a `.` after one is kept as it is, and `\n.\n` is text. Every
/// bare line ending is counted in [`DataReport`], with the offset of the
/// first, so that a server can log the violation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum BareLineEndings {
    /// Refuse the message: the first bare line ending is the outcome's
    /// error ([`ErrorKind::BareLineEnding`]), nothing more is written to
    /// the body, and the decoder reads on to the real end of the data, so
    /// the server answers with an error, stores nothing, and stays in step
    /// with the client. The default.
    #[default]
    Reject,
    /// Write each bare CR and each bare LF as CRLF, for servers that must
    /// take mail from clients known to send bare LF. The dot rules still
    /// apply only after a CRLF as sent.
    Normalize,
    /// Keep bare CR and LF in the body as they are. Only for a server that
    /// stores the body and never relays it as it is: a body that holds
    /// `\n.\r\n` ends the data early at a receiver that takes LF for a line
    /// ending. [`DataEncoder`] makes such a body safe to send again.
    Preserve,
}

/// The limits and the bare line ending policy of [`DataDecoder`].
///
/// ```
/// use smtpkit_codec::{BareLineEndings, DataOptions};
///
/// let options = DataOptions {
///     size_limit: Some(10 << 20),
///     bare_line_endings: BareLineEndings::Normalize,
///     ..DataOptions::default()
/// };
/// assert_eq!(options.line_limit, 1000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataOptions {
    /// Longest line of text in octets, CRLF included and a stuffed dot not
    /// counted (RFC 5321 §4.5.3.1.6). Default [`TEXT_LINE_LIMIT`], 1000.
    pub line_limit: usize,
    /// Largest message in octets, counted on the body as stored: CRLFs
    /// included, stuffed dots and the end-of-data line not (RFC 1870 §3).
    /// Default `None`, no limit: a server sets the one it announces with
    /// SIZE.
    pub size_limit: Option<u64>,
    /// What to do with a bare CR or LF. Default
    /// [`BareLineEndings::Reject`].
    pub bare_line_endings: BareLineEndings,
}

impl Default for DataOptions {
    fn default() -> Self {
        Self {
            line_limit: TEXT_LINE_LIMIT,
            size_limit: None,
            bare_line_endings: BareLineEndings::Reject,
        }
    }
}

/// What [`DataDecoder`] saw of a message: its size and its bare line
/// endings.
///
/// The counts of bare line endings are exact up to the first violation
/// that makes the message unacceptable; after it the decoder only looks
/// for the end of the data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DataReport {
    /// Octets written to the body.
    pub body_len: u64,
    /// LFs not preceded by CR.
    pub bare_lf: u64,
    /// CRs not followed by LF.
    pub bare_cr: u64,
    /// Offset of the first bare CR or LF, counted from the first octet of
    /// the data.
    pub first_bare_line_ending: Option<u64>,
}

impl DataReport {
    /// True when the client sent no bare CR or LF.
    pub fn is_clean(&self) -> bool {
        self.first_bare_line_ending.is_none()
    }
}

/// What a call to [`DataDecoder::decode`] did with its input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum DecodeStatus {
    /// The decoder took every byte of the input and needs the bytes that
    /// follow. Nothing is to be kept: bytes that may turn out to be part of
    /// the end are held inside the decoder.
    NeedMore,
    /// The data ended: the end-of-data line `.` CRLF ends `consumed` bytes
    /// into this input. The bytes after it are the next command's and were
    /// not looked at.
    End {
        /// Bytes of this input up to and including the end-of-data line.
        consumed: usize,
        /// The report when the message is acceptable, or the first
        /// violation that makes it not: the server answers 250 to the one
        /// and [`ParseError::server_reply`] to the other.
        outcome: Result<DataReport, ParseError>,
    },
}

/// Reads the data that follows DATA, as a server does: finds the end,
/// removes the stuffed dots, checks the limits and the line endings.
///
/// The decoder is sans-I/O: feed it the bytes as they arrive with
/// [`decode`](Self::decode), which appends the body to a buffer and says
/// whether the data has ended and how many bytes of the input it took.
///
/// ## Where the data ends
///
/// At the first CRLF `.` CRLF, the start of the data counting as if it
/// came after a CRLF, and nowhere else, in no mode (RFC 5321 §4.1.1.4).
/// `\n.\n`, `\n.\r\n`, `\r\n.\n`, `\r.\r` and `\r\n.\r\r\n` are not ends.
/// Since a line ends only at CRLF, each line that starts with a dot and is
/// not the end has that dot removed (RFC 5321 §4.5.2).
///
/// ## The bytes of the body
///
/// For a message with an acceptable outcome, the bytes appended to `out`
/// over all calls are exactly the text between the start of the data and
/// the end-of-data line: every line with its CRLF, less the first dot of
/// each line that started with one, and, under
/// [`BareLineEndings::Normalize`] only, each bare CR or LF replaced by
/// CRLF. The CRLF before the final `.` ends the last line and is part of
/// the body; the `.` CRLF is not. So `.\r\n` is the empty message,
/// `Hi\r\n.\r\n` is `Hi\r\n`, and every body is empty or ends with CRLF: a
/// body without a final CRLF cannot come out, since a `.` is an end only
/// right after a CRLF.
///
/// When the outcome is an error, `out` holds a prefix of that body, cut at
/// or before the violation, and must be thrown away.
///
/// ## Limits and violations
///
/// A line longer than [`DataOptions::line_limit`], a body larger than
/// [`DataOptions::size_limit`], or a bare line ending under
/// [`BareLineEndings::Reject`] makes the message unacceptable. The decoder
/// notes the first such violation ([`error`](Self::error)), stops writing
/// to `out`, and reads on in a discarding mode that only looks for the end
/// of the data, holding nothing. At the end, [`DecodeStatus::End`] carries
/// the violation, whose [`ParseError::server_reply`] is the reply to send
/// (500 5.5.6 for a line too long, 552 5.3.4 for a message too large, 500
/// 5.5.2 for a bare line ending): the server refuses the message and reads
/// the next command from the bytes after the end, in step with the client.
/// Offsets count from the first byte of the data.
///
/// ```
/// use smtpkit_codec::{DataDecoder, DataOptions, DecodeStatus};
///
/// let mut decoder = DataDecoder::new(DataOptions::default());
/// let mut body = Vec::new();
/// let status = decoder.decode(b"Subject: hi\r\n\r\n..dot\r", &mut body);
/// assert_eq!(status, DecodeStatus::NeedMore);
/// let DecodeStatus::End { consumed, outcome } = decoder.decode(b"\n.\r\nQUIT\r\n", &mut body)
/// else {
///     panic!("the data ends");
/// };
/// assert_eq!(consumed, 4);
/// assert_eq!(outcome.expect("acceptable").body_len, 21);
/// assert_eq!(body, b"Subject: hi\r\n\r\n.dot\r\n");
///
/// // A smuggled end is not an end; the message is refused at the real one.
/// let mut decoder = DataDecoder::new(DataOptions::default());
/// let input = b"Hi\n.\nMAIL FROM:<x@example.org>\r\n.\r\nQUIT\r\n";
/// let DecodeStatus::End { consumed, outcome } = decoder.decode(input, &mut Vec::new()) else {
///     panic!("the data ends");
/// };
/// assert_eq!(&input[consumed..], b"QUIT\r\n");
/// let error = outcome.expect_err("bare LF");
/// assert_eq!((error.offset(), error.to_string().as_str()), (2, "bare CR or LF at offset 2"));
/// assert_eq!(error.server_reply().0.get(), 500);
/// ```
#[derive(Debug, Clone)]
pub struct DataDecoder {
    /// The options given to [`DataDecoder::new`].
    options: DataOptions,
    /// Longest line content, the line limit less its CRLF.
    max_content: usize,
    /// Where the decoder is within a line.
    state: State,
    /// Octets of the current line written so far (its content; the CRLF
    /// and a stuffed dot are not counted).
    line_len: usize,
    /// Bytes taken by earlier calls, the base of every offset.
    offset: u64,
    /// Sizes and bare line endings so far.
    report: DataReport,
    /// The first violation; once set, nothing more is written.
    error: Option<ParseError>,
    /// Finds the next line that starts with a dot while discarding.
    dot_line: memmem::Finder<'static>,
}

/// Where [`DataDecoder`] is within a line; the bytes of the states with a
/// dot or a CR are held until the next byte says what they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a line: after CRLF, or at the start of the data.
    LineStart,
    /// Within a line.
    Text,
    /// A CR was seen within a line.
    Cr,
    /// A dot was seen at the start of a line.
    Dot,
    /// A dot and a CR were seen at the start of a line.
    DotCr,
    /// The end-of-data line was read.
    End,
}

impl Default for DataDecoder {
    fn default() -> Self {
        Self::new(DataOptions::default())
    }
}

impl DataDecoder {
    /// A decoder at the start of the data, with `options`.
    pub fn new(options: DataOptions) -> Self {
        Self {
            max_content: options.line_limit.saturating_sub(2),
            options,
            state: State::LineStart,
            line_len: 0,
            offset: 0,
            report: DataReport::default(),
            error: None,
            dot_line: memmem::Finder::new(b"\r\n."),
        }
    }

    /// Takes the next bytes of the data from `input` and appends what they
    /// hold of the body to `out`.
    ///
    /// Returns [`DecodeStatus::NeedMore`] when all of `input` was taken and
    /// the data goes on, or [`DecodeStatus::End`] with the count of bytes
    /// taken up to the end of the data and the outcome. Once the end was
    /// found, every later call takes nothing and returns the same outcome.
    /// See [`DataDecoder`] for which bytes make up the body.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> DecodeStatus {
        if self.state == State::End {
            return self.end(0);
        }

        let mut pos = 0;
        while pos < input.len() {
            let rest = &input[pos..];
            pos +=
                if self.error.is_some() { self.skip_run(rest) } else { self.copy_run(rest, out) };

            // The byte after a run is one that needs a look of its own: a
            // dot at a line start, a CR, an LF, or one past a limit.
            let Some(&byte) = input.get(pos) else { break };
            let at = self.offset + pos as u64;
            self.step(byte, at, out);
            pos += 1;
            if self.state == State::End {
                self.offset = at + 1;
                return self.end(pos);
            }
        }
        self.offset += input.len() as u64;
        DecodeStatus::NeedMore
    }

    /// The sizes and bare line endings seen so far.
    pub fn report(&self) -> &DataReport {
        &self.report
    }

    /// The first violation that makes the message unacceptable, if one was
    /// seen: from then on the decoder only looks for the end of the data.
    pub fn error(&self) -> Option<&ParseError> {
        self.error.as_ref()
    }

    /// True once the end-of-data line was read.
    pub fn is_end(&self) -> bool {
        self.state == State::End
    }

    /// The options this decoder was made with.
    pub fn options(&self) -> &DataOptions {
        &self.options
    }

    /// The status for an end that `consumed` bytes of this input reached.
    fn end(&self, consumed: usize) -> DecodeStatus {
        let outcome = match &self.error {
            Some(error) => Err(error.clone()),
            None => Ok(self.report),
        };
        DecodeStatus::End { consumed, outcome }
    }

    /// Copies the longest run at the start of `input` that holds only text
    /// and CRLFs within the limits, dropping the stuffed dots of the lines
    /// it passes, and returns how many bytes it took.
    fn copy_run(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        let mut pos = 0;
        loop {
            let rest = &input[pos..];
            let mut after_dot = false;
            match (self.state, rest.first(), rest.get(1)) {
                (State::LineStart, Some(b'.'), Some(&next)) if next != b'\r' && next != b'\n' => {
                    // A stuffed dot, with text after it: dropped here
                    // rather than byte by byte (RFC 5321 §4.5.2).
                    pos += 1;
                    self.state = State::Text;
                    after_dot = true;
                }
                (State::LineStart, Some(b'.'), _) => return pos,
                (State::LineStart | State::Text, _, _) => {}
                _ => return pos,
            }

            let room = match self.options.size_limit {
                Some(limit) => usize::try_from(limit.saturating_sub(self.report.body_len))
                    .unwrap_or(usize::MAX),
                None => usize::MAX,
            };
            let rest = &input[pos..];
            let block = &rest[..rest.len().min(SCAN_BLOCK).min(room)];
            let line_start = self.state == State::LineStart;
            let scan = Scan { line_start, line_len: self.line_len, after_dot };
            let written = out.len();
            let run = clean_run(block, scan, self.max_content, Dots::Unstuff, out);
            if run.len == 0 {
                return pos;
            }
            self.report.body_len += (out.len() - written) as u64;
            self.line_len = run.line_len;
            pos += run.len;
            if run.line_len > 0 {
                // The run stopped within a line: at a bare line ending, at
                // a limit, or at the end of the input.
                self.state = State::Text;
                return pos;
            }
            self.state = State::LineStart;
        }
    }

    /// Skips, while discarding, everything up to the next line that starts
    /// with a dot, and returns how far it went.
    fn skip_run(&mut self, input: &[u8]) -> usize {
        match (self.state, input.first()) {
            (State::LineStart, Some(&first)) if first != b'.' => {}
            (State::Text, _) => {}
            _ => return 0,
        }
        if let Some(crlf) = self.dot_line.find(input) {
            self.state = State::LineStart;
            return crlf + 2;
        }

        // The last two bytes may start the end; the slow path reads them.
        let run = input.len().saturating_sub(2);
        let skipped = &input[..run];
        if skipped.ends_with(b"\r\n") {
            self.state = State::LineStart;
        } else if skipped.ends_with(b"\r") {
            self.state = State::Cr;
        } else if run > 0 {
            self.state = State::Text;
        }
        run
    }

    /// Reads one byte at offset `at`, the slow way.
    fn step(&mut self, byte: u8, at: u64, out: &mut Vec<u8>) {
        match (self.state, byte) {
            (State::LineStart, b'.') => self.state = State::Dot,
            (State::Dot, b'\r') => self.state = State::DotCr,
            (State::DotCr, b'\n') => self.state = State::End,
            (State::Cr, b'\n') => {
                self.emit(b"\r\n", at, out);
                self.line_len = 0;
                self.state = State::LineStart;
            }
            (State::Cr | State::DotCr, _) => {
                // RFC 5321 §4.5.2: "If the first character is a period and
                // there are other characters on the line, the first
                // character is deleted." For DotCr that is the dot, and
                // the CR after it is a bare CR.
                self.state = State::Text;
                self.bare_cr(at.saturating_sub(1), out);
                self.text(byte, at, out);
            }
            // The dot was stuffing, and is dropped (§4.5.2 again).
            (State::Dot | State::LineStart | State::Text, _) => self.text(byte, at, out),
            (State::End, _) => {}
        }
    }

    /// Reads one byte within a line.
    fn text(&mut self, byte: u8, at: u64, out: &mut Vec<u8>) {
        match byte {
            b'\r' => self.state = State::Cr,
            b'\n' => {
                self.state = State::Text;
                self.bare_lf(at, out);
            }
            _ => {
                self.state = State::Text;
                self.content(byte, at, out);
            }
        }
    }

    /// Applies the policy to a CR at `at` not followed by LF.
    fn bare_cr(&mut self, at: u64, out: &mut Vec<u8>) {
        if self.error.is_none() {
            self.report.bare_cr += 1;
            self.bare_line_ending(b'\r', at, out);
        }
    }

    /// Applies the policy to an LF at `at` not preceded by CR.
    fn bare_lf(&mut self, at: u64, out: &mut Vec<u8>) {
        if self.error.is_none() {
            self.report.bare_lf += 1;
            self.bare_line_ending(b'\n', at, out);
        }
    }

    /// Applies the policy to the bare line ending `byte` at `at`.
    fn bare_line_ending(&mut self, byte: u8, at: u64, out: &mut Vec<u8>) {
        self.report.first_bare_line_ending.get_or_insert(at);
        match self.options.bare_line_endings {
            BareLineEndings::Reject => self.fail(at, ErrorKind::BareLineEnding),
            BareLineEndings::Normalize => {
                self.emit(b"\r\n", at, out);
                self.line_len = 0;
            }
            BareLineEndings::Preserve => self.content(byte, at, out),
        }
    }

    /// Writes one octet of a line's content, within the line limit.
    fn content(&mut self, byte: u8, at: u64, out: &mut Vec<u8>) {
        if self.error.is_some() {
            return;
        }
        if self.line_len >= self.max_content {
            return self.fail(at, ErrorKind::LineTooLong { limit: self.options.line_limit });
        }
        self.line_len += 1;
        self.emit(&[byte], at, out);
    }

    /// Writes `bytes` to the body, within the size limit.
    fn emit(&mut self, bytes: &[u8], at: u64, out: &mut Vec<u8>) {
        if self.error.is_some() {
            return;
        }
        let body_len = self.report.body_len + bytes.len() as u64;
        if let Some(limit) = self.options.size_limit.filter(|&limit| body_len > limit) {
            return self.fail(at, ErrorKind::MessageTooLarge { limit });
        }
        self.report.body_len = body_len;
        out.extend_from_slice(bytes);
    }

    /// Notes the first violation; the decoder discards from now on.
    fn fail(&mut self, at: u64, kind: ErrorKind) {
        if self.error.is_none() {
            let offset = usize::try_from(at).unwrap_or(usize::MAX);
            self.error = Some(ParseError::new(offset, kind));
        }
    }
}

/// Takes the octets of one BDAT chunk from the bytes a server reads
/// (RFC 3030 §2).
///
/// The chunk is exactly the `size` octets after the BDAT command line, with
/// no stuffing and no end marker, so it may hold anything, including what
/// looks like commands. [`take`](Self::take) returns the part of its input
/// that belongs to the chunk; the bytes after it are the next command's.
/// When the chunk [`is_complete`](Self::is_complete) and
/// [`is_last`](Self::is_last), the message is complete.
///
/// ```
/// use smtpkit_codec::{BdatChunk, Command};
///
/// let mut chunk = BdatChunk::new(&Command::Bdat { size: 8, last: true }).expect("BDAT");
/// assert_eq!(chunk.take(b"Hi\r\n"), b"Hi\r\n");
/// assert_eq!(chunk.remaining(), 4);
/// assert_eq!(chunk.take(b"Bye\nQUIT\r\n"), b"Bye\n");
/// assert!(chunk.is_complete() && chunk.is_last());
///
/// assert!(BdatChunk::new(&Command::Data).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BdatChunk {
    /// Octets of the chunk not yet taken.
    remaining: u64,
    /// The command said LAST.
    last: bool,
}

impl BdatChunk {
    /// The chunk announced by `command`, or `None` when it is not BDAT.
    pub fn new(command: &Command<'_>) -> Option<Self> {
        match *command {
            Command::Bdat { size, last } => Some(Self { remaining: size, last }),
            _ => None,
        }
    }

    /// The part of `input` that belongs to the chunk, from its start; the
    /// caller drops that many bytes from its buffer.
    pub fn take<'a>(&mut self, input: &'a [u8]) -> &'a [u8] {
        let len = usize::try_from(self.remaining).map_or(input.len(), |r| r.min(input.len()));
        self.remaining -= len as u64;
        &input[..len]
    }

    /// Octets of the chunk still to come.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// True when every octet of the chunk was taken.
    pub fn is_complete(&self) -> bool {
        self.remaining == 0
    }

    /// True when this is the message's last chunk (`BDAT n LAST`).
    pub fn is_last(&self) -> bool {
        self.last
    }
}

/// Cuts `body` into BDAT chunks of at most `chunk_size` octets (at least
/// one), for a client: each item is the command to send and the chunk to
/// send right after it. The last command says LAST; an empty body is one
/// `BDAT 0 LAST`.
///
/// The body is sent as it is: BDAT needs no stuffing, but the message
/// should still have CRLF line endings (RFC 3030 §3).
///
/// ```
/// use smtpkit_codec::{bdat_chunks, BDAT_CHUNK_SIZE};
///
/// let mut wire = Vec::new();
/// for (command, chunk) in bdat_chunks(b"Hi\r\n.\r\n", 5) {
///     command.write_to(&mut wire);
///     wire.extend_from_slice(chunk);
/// }
/// assert_eq!(wire, b"BDAT 5\r\nHi\r\n.BDAT 2 LAST\r\n\r\n");
/// assert_eq!(bdat_chunks(b"", BDAT_CHUNK_SIZE).count(), 1);
/// ```
pub fn bdat_chunks(body: &[u8], chunk_size: usize) -> BdatChunks<'_> {
    BdatChunks { rest: body, chunk_size: chunk_size.max(1), done: false }
}

/// The iterator of [`bdat_chunks`].
#[derive(Debug, Clone)]
pub struct BdatChunks<'a> {
    /// The part of the body not yet cut.
    rest: &'a [u8],
    /// Most octets in one chunk, at least 1.
    chunk_size: usize,
    /// The LAST chunk was returned.
    done: bool,
}

impl<'a> Iterator for BdatChunks<'a> {
    type Item = (Command<'static>, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let (chunk, rest) = self.rest.split_at(self.rest.len().min(self.chunk_size));
        self.rest = rest;
        self.done = rest.is_empty();
        Some((Command::Bdat { size: chunk.len() as u64, last: self.done }, chunk))
    }
}

/// A prefix of clean text found by [`clean_run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    /// Its length.
    len: usize,
    /// Content octets of the line it ends within, with those before it;
    /// 0 when it ends with CRLF.
    line_len: usize,
}

/// Where the input of [`clean_run`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scan {
    /// It starts a line.
    line_start: bool,
    /// Content octets of the line before it.
    line_len: usize,
    /// It follows a dot that started its line and was just dropped or
    /// stuffed: text stuffed on every line is read line by line at once.
    after_dot: bool,
}

/// What [`clean_run`] does with a dot that starts a line within its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dots {
    /// Drops it when text follows it on its line, as a decoder drops
    /// stuffing; stops before it otherwise, as it may end the data.
    Unstuff,
    /// Writes it twice, as an encoder stuffs.
    Stuff,
}

/// Octets [`clean_run`] checks at a time.
const CHUNK: usize = 256;

/// Writes to `out` the longest prefix of `input` that a line-by-line
/// reader would take as text and CRLFs, with its dots handled as `dots`
/// says, and returns how much of `input` it took: no line longer than
/// `max_content` octets of content (the current line has `scan.line_len`
/// already, and a dropped dot is no content).
///
/// The prefix stops before the first byte that needs a closer look: a dot
/// that starts the input's first line (the caller's to handle), a dot
/// that starts a later line and is not followed by text (with
/// [`Dots::Unstuff`]), a bare LF, a CR that is not followed by LF within
/// `input`, or the octet that makes a line too long.
///
/// Most text is clean, so the check first runs [`CHUNK`] octets at a time
/// over pairs of neighbouring octets, with no branch per octet, which the
/// compiler turns into vector compares. A chunk with anything that might
/// need a look (a line that starts with a dot is enough) is left to
/// [`clean_lines`], which finds exactly where the prefix ends.
// TODO(perf): the chunks are checked first and copied after, two passes
// over the text, and with SSE2 only (the baseline of x86-64, as no unsafe
// code may pick wider vectors at run time) the check is as slow as the
// copy: text with a dot stuffed on one line in 64 decodes at about a
// third of the speed of a plain copy. Text with a stuffed dot on every
// line goes line by line, a search for its LF and a count of its CRs
// each, at about a seventh of it.
fn clean_run(input: &[u8], scan: Scan, max_content: usize, dots: Dots, out: &mut Vec<u8>) -> Run {
    let plain_start = match input.first() {
        Some(b'.') => !scan.line_start,
        Some(b'\n') => false,
        _ => true,
    };
    if !plain_start || max_content < 2 * CHUNK {
        return clean_lines(input, scan, max_content, dots, out);
    }
    // A line that ends within the first chunk with a dot after it would
    // fail the first chunk's check after all its work: text stuffed on
    // every line goes line by line at once.
    let first_chunk = &input[..input.len().min(CHUNK)];
    if memchr::memchr(b'\n', first_chunk).is_some_and(|lf| input.get(lf + 1) == Some(&b'.')) {
        return clean_lines(input, scan, max_content, dots, out);
    }

    // Each chunk checks the pairs (octet, next octet) that start in it, so
    // it looks one octet past its end.
    let mut pos = 0;
    // No line has more content than this, up to `pos`.
    let mut longest = scan.line_len;
    while pos + CHUNK < input.len() && longest.saturating_add(CHUNK) <= max_content {
        let (plain, has_lf) = chunk_is_plain(&input[pos..pos + CHUNK + 1]);
        if !plain {
            break;
        }
        longest = if has_lf { CHUNK } else { longest + CHUNK };
        pos += CHUNK;
    }
    // A CRLF split by the end of the plain chunks is left whole to
    // clean_lines.
    if pos > 0 && input[pos - 1] == b'\r' {
        pos -= 1;
    }
    if pos == 0 {
        return clean_lines(input, scan, max_content, dots, out);
    }

    out.extend_from_slice(&input[..pos]);
    let (line_start, line_len) = match memchr::memrchr(b'\n', &input[..pos]) {
        Some(lf) => (lf + 1 == pos, pos - lf - 1),
        None => (false, scan.line_len + pos),
    };
    let scan = Scan { line_start, line_len, after_dot: false };
    let rest = clean_lines(&input[pos..], scan, max_content, dots, out);
    Run { len: pos + rest.len, line_len: rest.line_len }
}

/// Checks the first [`CHUNK`] pairs of neighbouring octets of `window`
/// (which holds one octet more): whether each CR precedes an LF, each LF
/// follows a CR, and no dot follows an LF; and whether there is an LF.
#[inline]
fn chunk_is_plain(window: &[u8]) -> (bool, bool) {
    let (Some(first), Some(second)) = (window.get(..CHUNK), window.get(1..=CHUNK)) else {
        return (false, false);
    };
    let first: &[u8; CHUNK] = first.try_into().expect("a slice of CHUNK octets");
    let second: &[u8; CHUNK] = second.try_into().expect("a slice of CHUNK octets");
    let mut odd = 0u8;
    let mut lf = 0u8;
    for i in 0..CHUNK {
        let (x, y) = (first[i], second[i]);
        let x_cr = u8::from(x == b'\r');
        let x_lf = u8::from(x == b'\n');
        odd |= (x_cr ^ u8::from(y == b'\n')) | (x_lf & u8::from(y == b'.'));
        lf |= x_lf;
    }
    (odd == 0, lf != 0)
}

/// [`clean_run`] line by line: one pass for LFs, one count of CRs, and the
/// checks once a line rather than once an octet.
///
/// A dot that starts a line is handled here only when the line before
/// also started with one (or `scan.after_dot` says the input follows
/// one), as in text stuffed on every line; after a line without, the run
/// stops before the dot, so that the caller handles it and the text after
/// it goes back to the faster check by chunks.
fn clean_lines(input: &[u8], scan: Scan, max_content: usize, dots: Dots, out: &mut Vec<u8>) -> Run {
    if scan.line_start && input.first() == Some(&b'.') {
        return Run { len: 0, line_len: scan.line_len };
    }

    // Each LF must close a CRLF, end a line within the limit, and be
    // followed by a dot only as `dots` allows.
    let written = out.len();
    // The first octet not yet written out.
    let mut copied = 0;
    // Where the content of the current line starts.
    let mut start = 0;
    let mut carried = scan.line_len;
    let mut crlfs = 0;
    // The current line started with a dot that was handled.
    let mut dotted = scan.after_dot;
    let mut cut = None;
    for lf in memchr::memchr_iter(b'\n', input) {
        let is_crlf = lf > start && input[lf - 1] == b'\r';
        let content = carried.saturating_add(lf - start - usize::from(is_crlf));
        if content > max_content {
            cut = Some(start + max_content.saturating_sub(carried));
            break;
        }
        if !is_crlf {
            cut = Some(lf);
            break;
        }
        crlfs += 1;
        start = lf + 1;
        carried = 0;
        let follows_dot = std::mem::replace(&mut dotted, false);
        if input.get(start) != Some(&b'.') {
            continue;
        }
        let handled = follows_dot
            && match dots {
                Dots::Unstuff => input.get(start + 1).is_some_and(|&b| b != b'\r' && b != b'\n'),
                Dots::Stuff => true,
            };
        if !handled {
            cut = Some(start);
            break;
        }
        out.extend_from_slice(&input[copied..start]);
        match dots {
            // The dot is dropped, and is no content of its line.
            Dots::Unstuff => {
                copied = start + 1;
                start += 1;
            }
            // A second dot before it; it goes out with the rest.
            Dots::Stuff => {
                out.push(b'.');
                copied = start;
            }
        }
        dotted = true;
    }
    let cut = cut.unwrap_or_else(|| {
        if carried.saturating_add(input.len() - start) > max_content {
            start + max_content.saturating_sub(carried)
        } else {
            input.len()
        }
    });

    // Every CR must be the first half of one of those CRLFs; as CRs are
    // rare otherwise, counting them is cheaper than looking at each.
    let head = &input[..cut];
    // A count without early exit, which the compiler vectorizes; on the
    // short runs between stuffed lines it costs less than a search.
    let crs = head
        .chunks(255)
        .map(|chunk| usize::from(chunk.iter().fold(0u8, |crs, &b| crs + u8::from(b == b'\r'))));
    if crs.sum::<usize>() == crlfs {
        out.extend_from_slice(&input[copied..cut]);
        return Run { len: cut, line_len: carried + (cut - start) };
    }
    // A bare CR: the run ends before it. What was written is written
    // again, up to there, where every CR is part of a CRLF.
    out.truncate(written);
    let bare =
        memchr::memchr_iter(b'\r', head).find(|&cr| head.get(cr + 1) != Some(&b'\n')).unwrap_or(0);
    clean_lines(&input[..bare], scan, max_content, dots, out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::strategies::data::data_body;

    /// What decoding produced: the body, the bytes taken through the end
    /// (if it was found), the outcome, and the report.
    #[derive(Debug, PartialEq)]
    struct Decoded {
        body: Vec<u8>,
        end: Option<(usize, Result<DataReport, ParseError>)>,
        report: DataReport,
    }

    /// Decodes `input` fed in pieces cut at `cuts` (ascending offsets).
    fn decode_pieces(input: &[u8], cuts: &[usize], options: &DataOptions) -> Decoded {
        let mut decoder = DataDecoder::new(options.clone());
        let mut body = Vec::new();
        let mut taken = 0;
        let mut start = 0;
        for end in cuts.iter().copied().chain([input.len()]) {
            let end = end.clamp(start, input.len());
            match decoder.decode(&input[start..end], &mut body) {
                DecodeStatus::NeedMore => taken += end - start,
                DecodeStatus::End { consumed, outcome } => {
                    let report = *decoder.report();
                    return Decoded { body, end: Some((taken + consumed, outcome)), report };
                }
            }
            start = end;
        }
        Decoded { body, end: None, report: *decoder.report() }
    }

    fn decode(input: &[u8], options: &DataOptions) -> Decoded {
        decode_pieces(input, &[], options)
    }

    fn with_policy(bare_line_endings: BareLineEndings) -> DataOptions {
        DataOptions { bare_line_endings, ..DataOptions::default() }
    }

    /// The body with every bare CR and LF made CRLF and a CRLF added at
    /// the end if it has none: what a round trip through DATA gives.
    fn crlf_normalized(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut bytes = body.iter().copied().peekable();
        while let Some(byte) = bytes.next() {
            match byte {
                b'\r' => {
                    bytes.next_if_eq(&b'\n');
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

    /// Where the data ends by RFC 5321: after the first `.` CRLF that
    /// starts the input or follows a CRLF.
    fn reference_end(input: &[u8]) -> Option<usize> {
        (0..input.len())
            .find(|&p| {
                input[p..].starts_with(b".\r\n") && (p == 0 || input[..p].ends_with(b"\r\n"))
            })
            .map(|p| p + 3)
    }

    #[test]
    fn data_ends_at_the_first_dot_line_and_loses_stuffed_dots() {
        let table: &[(&[u8], &[u8], &[u8])] = &[
            (b".\r\n", b"", b""),
            (b".\r\nQUIT\r\n", b"", b"QUIT\r\n"),
            (b"Hi\r\n.\r\n", b"Hi\r\n", b""),
            (b"\r\n.\r\n", b"\r\n", b""),
            (b"..\r\n.\r\n", b".\r\n", b""),
            (b"...\r\n.\r\n", b"..\r\n", b""),
            (b"a\r\n..b\r\n.\r\n", b"a\r\n.b\r\n", b""),
            (b"a.\r\n.\r\n", b"a.\r\n", b""),
            (b".a\r\n.\r\n", b"a\r\n", b""),
            (b". \r\n.\r\n", b" \r\n", b""),
            (b"a\r\n\r\n..\r\n.\r\n", b"a\r\n\r\n.\r\n", b""),
            (b".\r\n.\r\n", b"", b".\r\n"),
            (b"a\r\n.\r\nb\r\n.\r\n", b"a\r\n", b"b\r\n.\r\n"),
            (
                b"a\r\n.\r\nMAIL FROM:<x@example.org>\r\n",
                b"a\r\n",
                b"MAIL FROM:<x@example.org>\r\n",
            ),
            // RFC 5321 Appendix D.1, the body as sent.
            (
                b"Blah blah blah...\r\n...etc. etc. etc.\r\n.\r\nQUIT\r\n",
                b"Blah blah blah...\r\n..etc. etc. etc.\r\n",
                b"QUIT\r\n",
            ),
            // RFC 5322 Appendix A.1.1.
            (
                b"From: John Doe <jdoe@machine.example>\r\nTo: Mary Smith <mary@example.net>\r\n\
                  Subject: Saying Hello\r\n\r\nThis is a message just to say hello.\r\n\
                  So, \"Hello\".\r\n.\r\n",
                b"From: John Doe <jdoe@machine.example>\r\nTo: Mary Smith <mary@example.net>\r\n\
                  Subject: Saying Hello\r\n\r\nThis is a message just to say hello.\r\n\
                  So, \"Hello\".\r\n",
                b"",
            ),
        ];
        for &(input, body, rest) in table {
            let decoded = decode(input, &DataOptions::default());
            let (consumed, outcome) = decoded.end.expect("the data ends");
            assert_eq!(decoded.body, body, "{:?}", input.escape_ascii().to_string());
            assert_eq!(&input[consumed..], rest, "{:?}", input.escape_ascii().to_string());
            assert_eq!(outcome.expect("acceptable").body_len, body.len() as u64);
        }
    }

    #[test]
    fn a_dot_that_does_not_follow_crlf_never_ends_the_data() {
        // The body always ends with CRLF: a final line without one cannot
        // be sent, because `.` CRLF after anything but CRLF is text.
        let table: &[&[u8]] =
            &[b"Hi.\r\n", b"Hi\r\n .\r\n", b"Hi\r\n..\r\n", b"Hi\r\n.\r", b"Hi\r\n.", b"Hi\r\n"];
        for &input in table {
            assert_eq!(decode(input, &DataOptions::default()).end, None, "{input:?}");
        }
    }

    #[test]
    fn smuggled_ends_do_not_end_the_data_under_any_policy() {
        // (input before the real end, offset of the first bare ending, body
        // under Normalize, body under Preserve)
        type Row = (&'static [u8], usize, &'static [u8], &'static [u8]);
        let table: &[Row] = &[
            (b"a\n.\nb", 1, b"a\r\n.\r\nb", b"a\n.\nb"),
            (b"a\n.\r\nb", 1, b"a\r\n.\r\nb", b"a\n.\r\nb"),
            (b"a\r\n.\nb", 4, b"a\r\n\r\nb", b"a\r\n\nb"),
            (b"a\r.\rb", 1, b"a\r\n.\r\nb", b"a\r.\rb"),
            (b"a\r\n.\r\r\nb", 4, b"a\r\n\r\n\r\nb", b"a\r\n\r\r\nb"),
            (b"\n.\nb", 0, b"\r\n.\r\nb", b"\n.\nb"),
            (b".\nb", 1, b"\r\nb", b"\nb"),
            (b"a\r\n.\n.\r\nb", 4, b"a\r\n\r\n.\r\nb", b"a\r\n\n.\r\nb"),
            (b"a\r\n.\rx", 4, b"a\r\n\r\nx", b"a\r\n\rx"),
        ];
        for &(smuggled, offset, normalized, preserved) in table {
            let input = [smuggled, b"\r\n.\r\nQUIT\r\n"].concat();
            let name = smuggled.escape_ascii().to_string();
            let consumed = input.len() - b"QUIT\r\n".len();

            let rejected = decode(&input, &DataOptions::default());
            let (end, outcome) = rejected.end.expect("the real end");
            assert_eq!(end, consumed, "{name}");
            let error = outcome.expect_err("bare line ending");
            assert_eq!((error.offset(), error.kind()), (offset, &ErrorKind::BareLineEnding));
            assert_eq!(rejected.report.first_bare_line_ending, Some(offset as u64), "{name}");

            for (policy, body) in
                [(BareLineEndings::Normalize, normalized), (BareLineEndings::Preserve, preserved)]
            {
                let decoded = decode(&input, &with_policy(policy));
                let (end, outcome) = decoded.end.expect("the real end");
                assert_eq!(end, consumed, "{name} {policy:?}");
                assert_eq!(decoded.body, [body, b"\r\n"].concat(), "{name} {policy:?}");
                let report = outcome.expect("acceptable");
                assert_eq!(report.first_bare_line_ending, Some(offset as u64), "{name}");
                assert!(report.bare_cr + report.bare_lf > 0, "{name}");
            }
        }
    }

    #[test]
    fn reports_count_each_bare_line_ending() {
        let input = b"a\nb\rc\r\nd\n\n\r\n.\r\n";
        let decoded = decode(input, &with_policy(BareLineEndings::Normalize));
        let report = decoded.end.expect("the end").1.expect("acceptable");
        assert_eq!(
            (report.bare_lf, report.bare_cr, report.first_bare_line_ending),
            (3, 1, Some(1))
        );
        assert!(!report.is_clean());
        assert_eq!(decoded.body, b"a\r\nb\r\nc\r\nd\r\n\r\n\r\n");

        // The CRLF after a bare CR is a line ending, and the dot after it
        // the end.
        let decoded = decode(b"a\r\r\n.\r\nQUIT\r\n", &with_policy(BareLineEndings::Preserve));
        assert_eq!(decoded.end.map(|(consumed, _)| consumed), Some(7));
        assert_eq!(decoded.body, b"a\r\r\n");
    }

    #[test]
    fn every_strict_prefix_needs_more() {
        let inputs: &[&[u8]] =
            &[b".\r\n", b"Hi\r\n..\r\n.\r\n", b"a\r\n.\r\r\n.x\r\n.\r\n", b"\r\n\r\n.\r\n"];
        for &input in inputs {
            let full = decode(input, &DataOptions::default());
            for end in 0..input.len() {
                let prefix = decode(&input[..end], &DataOptions::default());
                assert_eq!(prefix.end, None, "{input:?} cut at {end}");
                assert!(full.body.starts_with(&prefix.body), "{input:?} cut at {end}");
            }
        }
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_accepted_and_one_more_octet_is_not() {
        let line = |content: usize| [&vec![b'x'; content][..], b"\r\n"].concat();
        let accepted = [line(998), b".\r\n".to_vec()].concat();
        assert!(decode(&accepted, &DataOptions::default()).end.expect("end").1.is_ok());

        // A stuffed dot is not counted (RFC 5321 §4.5.3.1.6).
        let stuffed = [b".", &line(998)[..], b".\r\n"].concat();
        let decoded = decode(&stuffed, &DataOptions::default());
        assert!(decoded.end.expect("end").1.is_ok());
        assert_eq!(decoded.body.len(), 1000);

        let refused = [b"ok\r\n", &line(999)[..], b".\r\nQUIT\r\n"].concat();
        let decoded = decode(&refused, &DataOptions::default());
        let (consumed, outcome) = decoded.end.expect("the end is still found");
        assert_eq!(&refused[consumed..], b"QUIT\r\n");
        let error = outcome.expect_err("line too long");
        assert_eq!(
            (error.offset(), error.kind()),
            (4 + 998, &ErrorKind::LineTooLong { limit: 1000 })
        );
        assert_eq!(decoded.body, [b"ok\r\n", &[b'x'; 998][..]].concat());
    }

    #[test]
    fn an_endless_line_is_discarded_without_being_kept() {
        let mut decoder = DataDecoder::default();
        let mut body = Vec::new();
        for _ in 0..100 {
            assert_eq!(decoder.decode(&[b'x'; 10_000], &mut body), DecodeStatus::NeedMore);
        }
        assert_eq!(body.len(), 998, "nothing past the limit is written");
        assert!(decoder.error().is_some_and(ParseError::is_line_too_long));

        let status = decoder.decode(b"\r\n..\r\n.\r\nQUIT\r\n", &mut body);
        let DecodeStatus::End { consumed: 9, outcome: Err(error) } = status else {
            panic!("the end, refused: {status:?}");
        };
        assert_eq!(error.offset(), 998);
        assert_eq!(error.server_reply().0.get(), 500);
        assert_eq!(error.server_reply().1.to_string(), "5.5.6");
        assert_eq!(body.len(), 998);
    }

    #[test]
    fn the_size_limit_counts_the_stored_body() {
        // "..a\r\n" is stored as ".a\r\n", 4 octets; the end line is free.
        let input = b"..a\r\n.\r\n";
        let limit = |size| DataOptions { size_limit: Some(size), ..DataOptions::default() };
        let decoded = decode(input, &limit(4));
        assert_eq!(decoded.end.expect("end").1.expect("at the limit").body_len, 4);

        let decoded = decode(input, &limit(3));
        let (consumed, outcome) = decoded.end.expect("the end is still found");
        assert_eq!(consumed, input.len());
        let error = outcome.expect_err("too large");
        assert_eq!(error.kind(), &ErrorKind::MessageTooLarge { limit: 3 });
        assert_eq!(error.offset(), 4, "the CR that would be the fourth octet");
        assert_eq!(error.to_string(), "message larger than 3 octets at offset 4");
        assert!(error.is_message_too_large());
        assert_eq!(error.server_reply().0.get(), 552);
        assert_eq!(error.server_reply().1.to_string(), "5.3.4");
        assert_eq!(decoded.body, b".a");
    }

    #[test]
    fn decoding_after_the_end_takes_nothing() {
        let mut decoder = DataDecoder::default();
        let mut body = Vec::new();
        assert!(matches!(decoder.decode(b"a\r\n.\r\n", &mut body), DecodeStatus::End { .. }));
        assert!(decoder.is_end());
        let status = decoder.decode(b"b\r\n.\r\n", &mut body);
        assert_eq!(status, DecodeStatus::End { consumed: 0, outcome: Ok(*decoder.report()) });
        assert_eq!(body, b"a\r\n");
    }

    #[test]
    fn encoder_stuffs_every_line_that_starts_with_a_dot() {
        // (body in chunks, wire)
        let table: &[(&[&[u8]], &[u8])] = &[
            (&[], b".\r\n"),
            (&[b""], b".\r\n"),
            (&[b"a"], b"a\r\n.\r\n"),
            (&[b"a\r\n"], b"a\r\n.\r\n"),
            (&[b"."], b"..\r\n.\r\n"),
            (&[b".a\r\n.\r\n\r\n.b\r\n"], b"..a\r\n..\r\n\r\n..b\r\n.\r\n"),
            (&[b"a\n.b\r.c"], b"a\r\n..b\r\n..c\r\n.\r\n"),
            (&[b"a\r\r\n."], b"a\r\n\r\n..\r\n.\r\n"),
            (&[b"a\n\n."], b"a\r\n\r\n..\r\n.\r\n"),
            (&[b"a.b\r\n. .\r\n"], b"a.b\r\n.. .\r\n.\r\n"),
            // Chunk boundaries between CR and LF, after a CR, between LF
            // and the dot, and between a dot and what follows.
            (&[b"a\r", b"\nb"], b"a\r\nb\r\n.\r\n"),
            (&[b"a\r", b"b"], b"a\r\nb\r\n.\r\n"),
            (&[b"a\r", b"", b"\n"], b"a\r\n.\r\n"),
            (&[b"a\r"], b"a\r\n.\r\n"),
            (&[b"a\r\n", b".b"], b"a\r\n..b\r\n.\r\n"),
            (&[b"a\n", b"."], b"a\r\n..\r\n.\r\n"),
            (&[b"a\r", b".\r", b"\n"], b"a\r\n..\r\n.\r\n"),
            (&[b".", b"."], b"...\r\n.\r\n"),
        ];
        for &(chunks, wire) in table {
            let mut encoder = DataEncoder::new();
            let mut out = Vec::new();
            for chunk in chunks {
                encoder.encode(chunk, &mut out);
            }
            encoder.finish(&mut out);
            assert_eq!(out.escape_ascii().to_string(), wire.escape_ascii().to_string());
        }
    }

    #[test]
    fn bdat_chunk_takes_exactly_its_size_across_reads() {
        let mut chunk = BdatChunk::new(&Command::Bdat { size: 7, last: false }).expect("BDAT");
        assert_eq!(chunk.take(b""), b"");
        assert_eq!(chunk.take(b"\r\n.\r"), b"\r\n.\r");
        assert_eq!(chunk.take(b"\nQUIT\r\n"), b"\nQU");
        assert!(chunk.is_complete() && !chunk.is_last());
        assert_eq!(chunk.take(b"IT\r\n"), b"");

        let mut empty = BdatChunk::new(&Command::Bdat { size: 0, last: true }).expect("BDAT");
        assert!(empty.is_complete() && empty.is_last());
        assert_eq!(empty.take(b"QUIT\r\n"), b"");
    }

    #[test]
    fn bdat_chunks_cut_a_body_and_mark_the_last() {
        let chunks: Vec<_> = bdat_chunks(b"abcdefg", 3).collect();
        let expected: Vec<(Command<'_>, &[u8])> = vec![
            (Command::Bdat { size: 3, last: false }, b"abc"),
            (Command::Bdat { size: 3, last: false }, b"def"),
            (Command::Bdat { size: 1, last: true }, b"g"),
        ];
        assert_eq!(chunks, expected);
        let exact: Vec<_> = bdat_chunks(b"abcdef", 3).map(|(c, _)| c.to_bytes()).collect();
        assert_eq!(exact, [&b"BDAT 3\r\n"[..], b"BDAT 3 LAST\r\n"]);
        let empty: Vec<_> = bdat_chunks(b"", 0).collect();
        assert_eq!(empty, [(Command::Bdat { size: 0, last: true }, &b""[..])]);
        assert_eq!(bdat_chunks(b"ab", 0).count(), 2, "a chunk size of 0 is taken as 1");
    }

    fn options() -> impl Strategy<Value = DataOptions> {
        let policy = prop_oneof![
            Just(BareLineEndings::Reject),
            Just(BareLineEndings::Normalize),
            Just(BareLineEndings::Preserve),
        ];
        let line_limit =
            prop_oneof![Just(TEXT_LINE_LIMIT), 0usize..24, 500usize..700, Just(usize::MAX)];
        let size_limit = prop::option::of(prop_oneof![0u64..300, 0u64..20_000]);
        (line_limit, size_limit, policy).prop_map(|(line_limit, size_limit, bare_line_endings)| {
            DataOptions { line_limit, size_limit, bare_line_endings }
        })
    }

    /// Wire input: an encoded body with what a pipelining client sends
    /// after it, or raw bytes that may end anywhere or nowhere.
    fn wire() -> impl Strategy<Value = Vec<u8>> {
        // Long runs of plain lines, some starting with a dot, some near the
        // line limit, reach the chunked fast path of the decoder.
        let text = (prop::collection::vec("[.]?[ -~]{0,300}", 1..40), 0usize..3, data_body())
            .prop_map(|(lines, form, tail)| {
                let text = lines.join("\r\n").into_bytes();
                match form {
                    0 => [encode_data(&text), tail].concat(),
                    1 => [&text[..], b"\r\n.\r\n"].concat(),
                    _ => [text, tail].concat(),
                }
            });
        // Lines stuffed one after the other, as a client stuffs text whose
        // every line starts with a dot, now and then with a bare CR or LF,
        // an end line or a dot line with nothing after it.
        let stuffed = (prop::collection::vec("[.]([ -~]{0,70}|[.]?[\r\n]?)[ -~\r\n]{0,8}", 1..60))
            .prop_map(|lines| [lines.join("\r\n").into_bytes(), b"\r\n.\r\n".to_vec()].concat());
        prop_oneof![
            (data_body(), data_body()).prop_map(|(body, next)| [encode_data(&body), next].concat()),
            data_body(),
            prop::collection::vec(any::<u8>(), 0..200),
            text,
            stuffed,
        ]
    }

    proptest! {
        #[test]
        fn encoding_then_decoding_gives_the_body_with_crlf_line_endings(body in data_body()) {
            let wire = encode_data(&body);
            let options = DataOptions { line_limit: usize::MAX, ..DataOptions::default() };
            let decoded = decode(&wire, &options);
            let (consumed, outcome) = decoded.end.expect("the end");
            prop_assert_eq!(consumed, wire.len());
            prop_assert!(outcome.expect("acceptable").is_clean());
            prop_assert_eq!(decoded.body, crlf_normalized(&body));
        }

        #[test]
        fn encoder_output_does_not_depend_on_chunk_boundaries(
            body in data_body(),
            mut cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let whole = encode_data(&body);
            let mut cuts: Vec<usize> = cuts.drain(..).map(|i| i.index(body.len() + 1)).collect();
            cuts.sort_unstable();
            for pieces in [cuts, (0..body.len()).collect()] {
                let mut encoder = DataEncoder::new();
                let mut out = Vec::new();
                let mut start = 0;
                for end in pieces.into_iter().chain([body.len()]) {
                    encoder.encode(&body[start..end], &mut out);
                    start = end;
                }
                encoder.finish(&mut out);
                prop_assert_eq!(&out, &whole);
            }
        }

        #[test]
        fn decoder_output_does_not_depend_on_chunk_boundaries(
            input in wire(),
            options in options(),
            mut cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let whole = decode(&input, &options);
            let mut cuts: Vec<usize> = cuts.drain(..).map(|i| i.index(input.len() + 1)).collect();
            cuts.sort_unstable();
            prop_assert_eq!(&decode_pieces(&input, &cuts, &options), &whole);
            let bytes: Vec<usize> = (0..input.len()).collect();
            prop_assert_eq!(&decode_pieces(&input, &bytes, &options), &whole);
        }

        #[test]
        fn decoder_ends_only_after_crlf_dot_crlf(input in wire(), options in options()) {
            let decoded = decode(&input, &options);
            let end = decoded.end.as_ref().map(|(consumed, _)| *consumed);
            prop_assert_eq!(end, reference_end(&input));
            if let Some((_, Ok(report))) = &decoded.end {
                prop_assert_eq!(report.body_len, decoded.body.len() as u64);
                prop_assert!(decoded.body.is_empty() || decoded.body.ends_with(b"\r\n"));
            }
        }

        #[test]
        fn decoder_never_panics_on_arbitrary_bytes(
            input in prop::collection::vec(any::<u8>(), 0..2000),
            options in options(),
        ) {
            let decoded = decode(&input, &options);
            prop_assert_eq!(decoded.end.map(|(consumed, _)| consumed), reference_end(&input));
        }
    }
}
