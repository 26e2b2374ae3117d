//! The message content: DATA and its dot-stuffed data (RFC 5321 §4.1.1.4),
//! BDAT and its chunks (RFC 3030), the end-of-data checks, and the replies
//! to the end of a message (one per recipient in LMTP, RFC 2033 §4.2).

use smtpkit_codec::{
    BdatChunk, Command, DataDecoder, DataOptions, DataReport, DecodeStatus, ParseError, Reply,
    ReplyClass,
};

use super::{replies, CloseReason, Event, Session};
use crate::message::{ReceivedMessage, Transfer, Violation};
use crate::policy::{Decision, Phase};

/// What the session reads next.
#[derive(Debug)]
pub(crate) enum Input {
    /// Command lines.
    Command,
    /// The rest of a refused line, up to its LF, to be dropped.
    SkipLine,
    /// The data after DATA, up to CRLF `.` CRLF.
    Data {
        /// Finds the end, unstuffs, and checks limits and line endings.
        decoder: Box<DataDecoder>,
        /// The body so far, at most the message size limit.
        body: Vec<u8>,
    },
    /// The octets of a BDAT chunk.
    Bdat {
        /// How many octets are still to come, and whether it is the last.
        chunk: BdatChunk,
        /// Why the chunk is refused, answered once it is read; `None`
        /// when it belongs to the transaction.
        refusal: Option<Refusal>,
    },
    /// A response line of an AUTH exchange.
    Auth(Box<super::auth::AuthStep>),
    /// Nothing until the TLS handshake after STARTTLS: input is dropped.
    StartTls,
    /// Nothing: the session is over.
    Closed,
}

/// Why a BDAT chunk is read but not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// CHUNKING was not offered to this client: 502 5.5.1.
    NotOffered,
    /// No transaction with a recipient is open: 503 5.5.1.
    OutOfSequence,
    /// The message outgrew the size limit: 552 5.3.4.
    TooBig,
}

impl Session {
    /// DATA: starts reading the data once there is a transaction with a
    /// recipient that may use it, and the policy agrees.
    pub(super) fn data(&mut self) {
        // RFC 3030 §3: DATA may not follow BDAT in a transaction, nor carry
        // a BINARYMIME body.
        let usable = self.transaction.as_ref().is_some_and(|transaction| {
            !transaction.envelope.recipients.is_empty()
                && !transaction.uses_bdat
                && !transaction.is_binary()
        });
        if !usable {
            return self.client_error(&Reply::bad_sequence());
        }

        match self.policy.decide(Phase::Data) {
            Decision::Continue => self.send(&Reply::start_mail_input()),
            Decision::Reply(reply) if reply.class() == ReplyClass::PositiveIntermediate => {
                self.send(&reply);
            }
            Decision::Reply(reply) => return self.send(&reply),
            Decision::Drop { with_421 } => return self.drop_connection(with_421),
        }
        let options = DataOptions {
            line_limit: self.setup.config.text_line_limit,
            size_limit: Some(self.setup.config.max_message_size),
            bare_line_endings: self.setup.config.bare_line_endings,
        };
        let decoder = Box::new(DataDecoder::new(options));
        self.input = Input::Data { decoder, body: Vec::new() };
    }

    /// BDAT: reads the chunk that follows, whether or not it can be
    /// accepted, so that its octets never run as commands. A client that
    /// announces more octets than it sends waits in the chunk until the
    /// I/O layer's deadline ends the session.
    pub(super) fn bdat(&mut self, command: &Command<'_>) {
        let Some(chunk) = BdatChunk::new(command) else { return };
        let extensions = &self.setup.config.extensions;
        let has_recipients = self
            .transaction
            .as_ref()
            .is_some_and(|transaction| !transaction.envelope.recipients.is_empty());

        // RFC 3030 §2 and §4: the octets of a refused chunk are read all
        // the same, and the reply follows them.
        let refusal = if !extensions.chunking || !self.is_extended() {
            Some(Refusal::NotOffered)
        } else if !has_recipients {
            Some(Refusal::OutOfSequence)
        } else {
            None
        };
        if let Some(transaction) = self.transaction.as_mut().filter(|_| refusal.is_none()) {
            transaction.uses_bdat = true;
        }
        self.input = Input::Bdat { chunk, refusal };
        if chunk.is_complete() {
            self.chunk_done();
        }
    }

    /// Feeds data after DATA to the decoder, and ends the message at its
    /// real end.
    pub(super) fn read_data(&mut self, input: &[u8]) -> usize {
        let Input::Data { decoder, body } = &mut self.input else { return 0 };
        match decoder.decode(input, body) {
            DecodeStatus::NeedMore => {
                self.record_client(input);
                input.len()
            }
            DecodeStatus::End { consumed, outcome } => {
                let body = std::mem::take(body);
                self.record_client(&input[..consumed]);
                self.input = Input::Command;
                self.data_end(body, outcome);
                consumed
            }
        }
    }

    /// Takes the octets of a BDAT chunk.
    pub(super) fn read_chunk(&mut self, input: &[u8]) -> usize {
        let Input::Bdat { chunk, refusal } = &mut self.input else { return 0 };
        let octets = chunk.take(input);
        let done = chunk.is_complete();
        let refused = refusal.is_some();
        self.record_client(octets);

        if !refused {
            if let Some(transaction) = &mut self.transaction {
                // Past the size limit the octets are dropped; the chunk is
                // refused once it has all arrived.
                let size = transaction.chunks.len() as u64 + octets.len() as u64;
                if size <= self.setup.config.max_message_size {
                    transaction.chunks.extend_from_slice(octets);
                } else {
                    transaction.chunks = Vec::new();
                    if let Input::Bdat { refusal, .. } = &mut self.input {
                        *refusal = Some(Refusal::TooBig);
                    }
                }
            }
        }
        if done {
            self.chunk_done();
        }
        octets.len()
    }

    /// Answers a chunk once all its octets were read.
    fn chunk_done(&mut self) {
        let Input::Bdat { chunk, refusal } = std::mem::replace(&mut self.input, Input::Command)
        else {
            return;
        };
        match refusal {
            Some(Refusal::NotOffered) => self.send(&Reply::not_implemented()),
            Some(Refusal::OutOfSequence) => self.client_error(&Reply::bad_sequence()),

            // A chunk over the size limit ends the transaction, so that the
            // client learns at once; its later chunks get 503. Only the
            // last chunk's reply is one per recipient in LMTP.
            Some(Refusal::TooBig) if chunk.is_last() => self.abort(&Reply::message_too_big()),
            Some(Refusal::TooBig) => {
                self.transaction = None;
                self.send(&Reply::message_too_big());
            }
            None if chunk.is_last() => {
                let body = self
                    .transaction
                    .as_mut()
                    .map(|transaction| std::mem::take(&mut transaction.chunks))
                    .unwrap_or_default();
                self.finish(body, Transfer::Bdat, Vec::new());
            }
            None => self.send(&replies::chunk_received()),
        }
    }

    /// Answers the end of the data after DATA.
    fn data_end(&mut self, body: Vec<u8>, outcome: Result<DataReport, ParseError>) {
        match outcome {
            Ok(report) => {
                let violations = match report.first_bare_line_ending {
                    Some(first_offset) => vec![Violation::BareLineEndings {
                        bare_lf: report.bare_lf,
                        bare_cr: report.bare_cr,
                        first_offset,
                    }],
                    None => Vec::new(),
                };
                self.finish(body, Transfer::Data, violations);
            }
            Err(error) => {
                let reply = Reply::from_parse_error(&error);
                if error.is_bare_line_ending() || error.is_line_too_long() {
                    self.errors += 1;
                }
                if self.errors > self.setup.config.max_errors {
                    self.send(&replies::too_many_errors());
                    self.close(CloseReason::TooManyErrors);
                } else {
                    self.abort(&reply);
                }
            }
        }
    }

    /// Ends a transaction whose message arrived whole and passed the
    /// session's checks: the policy has the last word, then the message is
    /// emitted and its 250 queued, or neither.
    fn finish(&mut self, content: Vec<u8>, transfer: Transfer, violations: Vec<Violation>) {
        let Some(transaction) = self.transaction.take() else { return };
        let message = ReceivedMessage {
            envelope: transaction.envelope,
            content,
            transfer,
            facts: self.facts.clone(),
            transcript: self.transcript.clone(),
            violations,
            sequence: self.messages + 1,
        };
        // The next message's transcript starts after this one, so that a
        // long session does not copy every earlier message into each later
        // one.
        self.transcript.forget_recent();

        // TODO: in LMTP the policy decides once for every recipient, though
        // RFC 2033 §4.2 allows a different reply per recipient (one mailbox
        // full, another fine); `Phase::EndOfData` cannot express that yet.
        let reply = match self.policy.decide(Phase::EndOfData { message: &message }) {
            Decision::Continue => Reply::message_accepted(),
            Decision::Reply(reply) => reply,
            Decision::Drop { with_421 } => return self.drop_connection(with_421),
        };
        let recipients = message.envelope.recipients.len();
        if reply.class() == ReplyClass::PositiveCompletion {
            self.messages += 1;
            self.events.push(Event::MessageReceived(Box::new(message)));
        }
        self.replies_per_recipient(&reply, recipients);
    }

    /// Ends the transaction without a message, answering its end with
    /// `reply`, once per recipient in LMTP.
    fn abort(&mut self, reply: &Reply<'_>) {
        let recipients =
            self.transaction.take().map_or(0, |transaction| transaction.envelope.recipients.len());
        self.replies_per_recipient(reply, recipients);
    }

    /// Sends `reply` once, or in LMTP once per accepted recipient
    /// (RFC 2033 §4.2).
    fn replies_per_recipient(&mut self, reply: &Reply<'_>, recipients: usize) {
        let count = if self.setup.config.lmtp { recipients.max(1) } else { 1 };
        for _ in 0..count {
            self.send(reply);
        }
    }
}
