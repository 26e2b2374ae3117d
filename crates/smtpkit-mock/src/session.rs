//! The mock server's protocol logic as a pure state machine: bytes in,
//! replies and events out (RFC 5321 §3, §4; RFC 2033 LMTP; RFC 2920
//! PIPELINING; RFC 3030 CHUNKING).
//!
//! A [`Session`] does no I/O and reads no clock. The I/O layer feeds it
//! what it reads with [`Session::receive`], writes what
//! [`Session::take_output`] returns, hands the [`Event`]s to the store,
//! closes the connection once [`Session::is_closed`], and runs the
//! deadlines, telling the session with [`Session::deadline_expired`].

mod auth;
mod content;
mod replies;
mod transaction;

use std::fmt;
use std::sync::Arc;

use smtpkit_codec::{
    parse_command, Capabilities, Capability, Command, Host, ParseError, Reply, ReplyClass,
    ReplyCode, Status,
};

use crate::config::{ConfigError, SessionConfig};
use crate::message::{Hello, HelloVerb, ReceivedMessage, SessionFacts};
use crate::policy::{AcceptAll, Decision, Phase, Policy};
use crate::tls::TlsFacts;
use crate::transcript::{Direction, Transcript};

use self::content::Input;
use self::transaction::Transaction;

/// Something the I/O layer or the store has to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A message was accepted: it is whole, every check passed, and the
    /// reply that says so is the next one in the output.
    MessageReceived(Box<ReceivedMessage>),
    /// The session is over: its last reply is in the output, and the I/O
    /// layer closes the connection once that is written.
    Closed {
        /// Why the session ended.
        reason: CloseReason,
    },
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client sent QUIT and got 221.
    Quit,
    /// The client made more errors than
    /// [`SessionConfig::max_errors`] and got 421 4.7.0.
    TooManyErrors,
    /// The [`Policy`] dropped the connection.
    Policy,
    /// The client let a deadline pass and got 421 4.4.2.
    Timeout,
    /// The client closed the connection, or it was lost, before the
    /// session ended.
    Disconnected,
}

/// One SMTP or LMTP session, from the greeting to the close, as a state
/// machine.
///
/// ## Driving it
///
/// Create it when a client connects; the greeting is then waiting in the
/// output. After each read, pass the bytes to [`receive`](Self::receive),
/// which takes all of them, then write [`take_output`](Self::take_output)
/// and flush. Flushing after every read is the whole of the PIPELINING
/// rule (RFC 2920 §3.2): the replies to a batch go out together once the
/// batch has been read, and a client that waits for a reply before its
/// next command gets it at once, since its command was the whole read.
/// Then drain [`events`](Self::events), and close the connection once
/// [`is_closed`](Self::is_closed) says so; input after the close is
/// ignored.
///
/// ## STARTTLS
///
/// With [`SessionConfig::starttls`], the session answers STARTTLS with
/// 220 and from then on [`is_starting_tls`](Self::is_starting_tls): it
/// discards every byte it is given, so that commands a client (or an
/// attacker) pipelined after STARTTLS in plaintext never run. The I/O
/// layer writes the 220, does the TLS handshake on the connection, and
/// calls [`tls_established`](Self::tls_established), after which the
/// session starts over as RFC 3207 §4.2 asks: the client greets again,
/// and STARTTLS is no longer offered. If the handshake fails, the I/O
/// layer closes the connection.
///
/// ## Deadlines
///
/// RFC 5321 §4.5.3.2 gives a client minutes per command, not per read.
/// The I/O layer starts a deadline whenever
/// [`is_idle_between_commands`](Self::is_idle_between_commands) turns true
/// (or a longer one while [`is_reading_message`](Self::is_reading_message)),
/// and calls [`deadline_expired`](Self::deadline_expired) when it passes.
/// A message as a whole, for as long as [`is_in_message`](Self::is_in_message),
/// may have a deadline of its own, so that a client sending its content
/// slowly but steadily cannot hold the session forever.
///
/// ## What is emitted
///
/// A message is emitted only after the real end of its data and every
/// check, right before its 250 reply is queued: the count of 250 replies
/// to ends of data equals the count of [`Event::MessageReceived`] (in
/// LMTP, one 250 per accepted recipient of each message). A session
/// dropped in the middle of a message has emitted nothing of it.
///
/// ## Memory
///
/// The session holds at most one command line of
/// `command_options.line_limit` octets, one message body of
/// `max_message_size` octets, the transcript's [`TRANSCRIPT_LIMIT`], and
/// the output and events not yet taken.
///
/// [`TRANSCRIPT_LIMIT`]: crate::TRANSCRIPT_LIMIT
///
/// ```
/// use smtpkit_mock::{Event, Session, SessionConfig};
///
/// let mut session = Session::new(SessionConfig::default(), "192.0.2.1:4321")?;
/// assert_eq!(session.take_output(), b"220 localhost ESMTP service ready\r\n");
///
/// session.receive(b"HELO client.example.org\r\nMAIL FROM:<a@example.org>\r\n");
/// session.receive(b"RCPT TO:<b@example.org>\r\nDATA\r\n");
/// session.receive(b"Hi\r\n.\r\nQUIT\r\n");
/// let output = String::from_utf8(session.take_output()).expect("ASCII");
/// let codes: Vec<&str> = output.lines().map(|line| &line[..3]).collect();
/// assert_eq!(codes, ["250", "250", "250", "354", "250", "221"]);
/// let events: Vec<Event> = session.events().collect();
/// assert!(matches!(&events[0], Event::MessageReceived(message) if message.content == b"Hi\r\n"));
/// assert!(session.is_closed());
///
/// // A command out of order is refused, and the session goes on.
/// let mut session = Session::new(SessionConfig::default(), "192.0.2.1:4321")?;
/// session.receive(b"DATA\r\nNOOP\r\n");
/// assert!(session.take_output().ends_with(b"503 5.5.1 bad sequence of commands\r\n250 2.0.0 ok\r\n"));
///
/// // A configuration with an unusable hostname makes no session.
/// let config = SessionConfig { hostname: "two words".into(), ..SessionConfig::default() };
/// assert!(Session::new(config, "peer").is_err());
/// # Ok::<(), smtpkit_mock::ConfigError>(())
/// ```
pub struct Session {
    /// The configuration and the replies built from it.
    setup: Arc<SessionSetup>,
    /// Who decides on scripted replies.
    policy: Box<dyn Policy>,
    /// The peer and the greeting it sent.
    facts: SessionFacts,
    /// The greeting was not 220: only QUIT is answered other than with 503
    /// (RFC 5321 §3.1).
    refused: bool,
    /// What the next input bytes are.
    input: Input,
    /// The command line read so far, at most the line limit.
    line: Vec<u8>,
    /// The mail transaction in progress, after a good MAIL FROM.
    transaction: Option<Transaction>,
    /// Reply bytes not yet taken.
    outbox: Vec<u8>,
    /// Events not yet taken.
    events: Vec<Event>,
    /// Everything sent both ways, up to its limit.
    transcript: Transcript,
    /// The client's bytes as the transcript records them, kept for an
    /// observer until taken; `None` when nobody watches.
    client_view: Option<Vec<u8>>,
    /// True while the rest of a line too long to keep is skipped and that
    /// line carried an AUTH secret: its rest is not recorded either.
    skipping_secret: bool,
    /// True from an AUTH command without an initial response until the
    /// next line: when AUTH was refused, a client that sends its response
    /// anyway sends a secret as a line of its own.
    secret_may_follow: bool,
    /// Client errors so far.
    errors: usize,
    /// Messages emitted so far.
    messages: u64,
    /// The state the nonces of CRAM-MD5 challenges come from.
    nonces: u64,
}

impl Session {
    /// Starts a session with a client described by `peer` (usually its
    /// socket address), with the policy that accepts everything.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when `config.hostname` cannot be written in a
    /// greeting: empty, or with a space or control character.
    pub fn new(config: SessionConfig, peer: impl Into<String>) -> Result<Self, ConfigError> {
        Self::with_policy(config, peer, Box::new(AcceptAll))
    }

    /// Starts a session whose scripted replies come from `policy`, which
    /// is asked about the connection first.
    ///
    /// # Errors
    ///
    /// As [`Session::new`].
    pub fn with_policy(
        config: SessionConfig,
        peer: impl Into<String>,
        policy: Box<dyn Policy>,
    ) -> Result<Self, ConfigError> {
        Ok(Self::from_setup(SessionSetup::new(config)?, peer, policy))
    }

    /// Starts a session from a setup shared with other sessions, so that
    /// a server builds its replies once rather than for every connection.
    pub fn from_setup(
        setup: Arc<SessionSetup>,
        peer: impl Into<String>,
        policy: Box<dyn Policy>,
    ) -> Self {
        let nonces = setup.config.challenge_seed.unwrap_or_else(auth::random_seed);
        let mut session = Self {
            setup,
            policy,
            facts: SessionFacts { peer: peer.into(), hello: None, tls: None, auth: None },
            refused: false,
            input: Input::Command,
            line: Vec::new(),
            transaction: None,
            outbox: Vec::new(),
            events: Vec::new(),
            transcript: Transcript::new(),
            client_view: None,
            skipping_secret: false,
            secret_may_follow: false,
            errors: 0,
            messages: 0,
            nonces,
        };

        let peer = session.facts.peer.clone();
        match session.policy.decide(Phase::Connect { peer: &peer }) {
            Decision::Continue => {
                let greeting = session.setup.greeting.clone();
                session.send(&greeting);
            }
            Decision::Reply(reply) => {
                session.refused = reply.code().get() != 220;
                session.send(&reply);
            }
            Decision::Drop { with_421 } => session.drop_connection(with_421),
        }
        session
    }

    /// Takes every byte of `input`, acting on each complete command and
    /// on the message data, and queues the replies and events.
    ///
    /// Input may be split anywhere: the output and the events are the
    /// same whichever way the same bytes arrive. After the session closed,
    /// input is ignored.
    pub fn receive(&mut self, input: &[u8]) {
        let mut rest = input;
        while !rest.is_empty() {
            let taken = match self.input {
                Input::Command => self.read_command(rest),
                Input::SkipLine => self.skip_line(rest),
                Input::Data { .. } => self.read_data(rest),
                Input::Bdat { .. } => self.read_chunk(rest),
                Input::Auth(_) => self.read_auth_line(rest),
                // Plaintext after STARTTLS is never acted on.
                Input::StartTls | Input::Closed => return,
            };
            rest = &rest[taken..];
        }
    }

    /// Takes the reply bytes queued so far, to be written and flushed.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.outbox)
    }

    /// Takes the events queued so far, oldest first.
    pub fn events(&mut self) -> std::vec::Drain<'_, Event> {
        self.events.drain(..)
    }

    /// The octets the session holds for its client: the command line read
    /// so far, the message being received (as data or BDAT chunks), the
    /// replies not yet taken, and the transcript.
    ///
    /// Whatever the client sends, this stays within the command line
    /// limit (the AUTH line limit during an AUTH exchange), the message
    /// size limit and [`TRANSCRIPT_LIMIT`](crate::TRANSCRIPT_LIMIT),
    /// plus the replies the caller has not taken yet.
    pub fn held_octets(&self) -> usize {
        let body = match &self.input {
            Input::Data { body, .. } => body.len(),
            _ => 0,
        };
        let chunks = self.transaction.as_ref().map_or(0, |t| t.chunks.len());
        let view = self.client_view.as_ref().map_or(0, Vec::len);
        self.line.len() + body + chunks + self.outbox.len() + self.transcript.len() + view
    }

    /// From now on, keeps a copy of the client's bytes as the transcript
    /// records them, for [`take_client_view`](Self::take_client_view): in
    /// the order the session read them, each command line once it is
    /// whole, and with the secrets of AUTH exchanges replaced by
    /// `<redacted>`. This is what a server shows of a session as it runs.
    pub fn keep_client_view(&mut self) {
        self.client_view.get_or_insert_with(Vec::new);
    }

    /// Takes the client's bytes kept since the last call; empty unless
    /// [`keep_client_view`](Self::keep_client_view) was called.
    ///
    /// ```
    /// use smtpkit_mock::{Session, SessionConfig};
    ///
    /// let mut session = Session::new(SessionConfig::default(), "192.0.2.1:40000")?;
    /// session.keep_client_view();
    /// session.receive(b"EHLO client.example\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
    /// let seen = session.take_client_view();
    /// assert_eq!(seen, b"EHLO client.example\r\nAUTH PLAIN <redacted>\r\n");
    /// # Ok::<(), smtpkit_mock::ConfigError>(())
    /// ```
    pub fn take_client_view(&mut self) -> Vec<u8> {
        self.client_view.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// True once the session is over: the I/O layer writes the output that
    /// is left and closes the connection.
    pub fn is_closed(&self) -> bool {
        matches!(self.input, Input::Closed)
    }

    /// True after the 220 to STARTTLS, until
    /// [`tls_established`](Self::tls_established): the I/O layer writes
    /// the output, then does the TLS handshake.
    pub fn is_starting_tls(&self) -> bool {
        matches!(self.input, Input::StartTls)
    }

    /// Tells the session that it now runs over TLS, with `tls`: after a
    /// STARTTLS handshake, or right after the greeting was queued for a
    /// connection that was TLS from its start. Everything the client said
    /// before is forgotten (RFC 3207 §4.2): its greeting, a transaction,
    /// a partial command line. A closed session stays closed.
    pub fn tls_established(&mut self, tls: TlsFacts) {
        if self.is_closed() {
            return;
        }
        self.facts.tls = Some(tls);
        self.transcript.start_tls();
        self.facts.hello = None;
        self.facts.auth = None;
        self.transaction = None;
        self.line.clear();
        self.input = Input::Command;
    }

    /// True when the session waits for the first byte of a command: the
    /// moment to start the deadline for the next command.
    pub fn is_idle_between_commands(&self) -> bool {
        matches!(self.input, Input::Command) && self.line.is_empty()
    }

    /// True while the content of a message arrives, after DATA or BDAT.
    pub fn is_reading_message(&self) -> bool {
        matches!(self.input, Input::Data { .. } | Input::Bdat { .. })
    }

    /// True from the first octet of a message's content to its end: while
    /// [`is_reading_message`](Self::is_reading_message), and for a message
    /// sent with BDAT also between its chunks, until the last one or the
    /// end of the transaction.
    pub fn is_in_message(&self) -> bool {
        self.is_reading_message()
            || self.transaction.as_ref().is_some_and(|transaction| transaction.uses_bdat)
    }

    /// Tells the session that the client let its deadline pass: it answers
    /// 421 4.4.2 and closes. Nothing happens when it is closed already.
    pub fn deadline_expired(&mut self) {
        if !self.is_closed() {
            // The line the client did not finish goes into the transcript
            // before the reply that cut it off.
            let line = std::mem::take(&mut self.line);
            self.record_line(&line, false);
            self.send(&replies::timeout());
            self.close(CloseReason::Timeout);
        }
    }

    /// Tells the session that the client closed the connection, or that
    /// it was lost: a line the client did not finish goes into the
    /// transcript (and the client view) as it was sent, a message not yet
    /// ended is dropped without being emitted, and the session is over.
    ///
    /// ```
    /// use smtpkit_mock::{Session, SessionConfig};
    ///
    /// let mut session = Session::new(SessionConfig::default(), "192.0.2.1:40000")?;
    /// session.keep_client_view();
    /// session.receive(b"EHLO client.example\r\nMAIL FROM:<a@example.org>");
    /// session.client_closed();
    /// assert!(session.is_closed());
    /// assert_eq!(session.take_client_view(), b"EHLO client.example\r\nMAIL FROM:<a@example.org>");
    /// # Ok::<(), smtpkit_mock::ConfigError>(())
    /// ```
    pub fn client_closed(&mut self) {
        if !self.is_closed() {
            let line = std::mem::take(&mut self.line);
            self.record_line(&line, false);
            self.close(CloseReason::Disconnected);
        }
    }

    /// The peer and the greeting it sent.
    pub fn facts(&self) -> &SessionFacts {
        &self.facts
    }

    /// The session so far, both directions, up to its limit.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// How many messages were emitted.
    pub fn messages_received(&self) -> u64 {
        self.messages
    }

    /// The configuration the session runs with.
    pub fn config(&self) -> &SessionConfig {
        &self.setup.config
    }

    /// Takes bytes of a command line up to its LF or its limit, and acts
    /// on the line once it is complete or too long.
    fn read_command(&mut self, input: &[u8]) -> usize {
        let limit = self.setup.config.command_options.line_limit.max(1);
        self.read_line(input, limit, Self::command_line)
    }

    /// Takes bytes of a line up to its LF or `limit`, and hands the line
    /// to `act`, with whether it has its LF, once it is complete or has
    /// reached the limit. Returns how many bytes it took.
    fn read_line(&mut self, input: &[u8], limit: usize, act: fn(&mut Self, &[u8], bool)) -> usize {
        let room = limit.saturating_sub(self.line.len());
        let until_lf = smtpkit_codec::line::skip_line(input).unwrap_or(input.len());
        let taken = until_lf.min(room);
        self.line.extend_from_slice(&input[..taken]);

        // A line is acted on only once it has its LF or has reached the
        // limit, so that how the bytes were split cannot change when an
        // error is found. It is recorded then too, before its reply, so
        // that an AUTH secret can be left out whole.
        let complete = self.line.last() == Some(&b'\n');
        if complete || self.line.len() >= limit {
            let line = std::mem::take(&mut self.line);
            self.record_line(&line, complete);
            act(self, &line, complete);
            self.line = line;
            self.line.clear();
        }
        taken
    }

    /// Records a command or AUTH response line from the client, with its
    /// secret, if it carries one, replaced by `<redacted>`. `complete`
    /// says whether the line has its LF; the rest of a cut line with a
    /// secret is not recorded either.
    fn record_line(&mut self, line: &[u8], complete: bool) {
        let after_auth = std::mem::take(&mut self.secret_may_follow);
        if line.is_empty() {
            return;
        }
        let in_auth = matches!(self.input, Input::Auth(_));
        let redacted = match auth::redact(line, in_auth) {
            None if after_auth => auth::redact_lone_response(line),
            redacted => redacted,
        };
        match redacted {
            Some(redacted) => {
                self.skipping_secret = !complete;
                self.record_client(&redacted);
            }
            None => self.record_client(line),
        }
    }

    /// Records bytes the client sent, in the transcript and, when someone
    /// watches, in the client view.
    pub(crate) fn record_client(&mut self, bytes: &[u8]) {
        self.transcript.record(Direction::Client, bytes);
        if let Some(view) = &mut self.client_view {
            view.extend_from_slice(bytes);
        }
    }

    /// Drops the rest of a line that was refused before its end.
    fn skip_line(&mut self, input: &[u8]) -> usize {
        let taken = match smtpkit_codec::line::skip_line(input) {
            Some(end) => {
                self.input = Input::Command;
                end
            }
            None => input.len(),
        };
        if !self.skipping_secret {
            self.record_client(&input[..taken]);
        }
        if matches!(self.input, Input::Command) {
            self.skipping_secret = false;
        }
        taken
    }

    /// Parses one command line and acts on it. `complete` says whether the
    /// line has its LF; a line cut at the limit without one is too long,
    /// and its rest is skipped.
    fn command_line(&mut self, line: &[u8], complete: bool) {
        let parsed = parse_command(line, &self.setup.config.command_options);
        if !complete && !self.is_closed() {
            self.input = Input::SkipLine;
        }
        match parsed {
            Ok(Status::Complete { value, .. }) => self.command(value.into_owned()),

            // Only a line without its LF can be incomplete, and it is at
            // the limit: an AUTH line, which may be longer, is too long
            // for this server all the same.
            Ok(Status::Incomplete) => self.client_error(&Reply::line_too_long()),
            Err(error) => self.parse_error(&error),
        }
    }

    /// Answers a command that did not parse.
    fn parse_error(&mut self, error: &ParseError) {
        self.client_error(&Reply::from_parse_error(error));
    }

    /// Acts on one parsed command.
    fn command(&mut self, command: Command<'static>) {
        match self.policy.decide(Phase::Command { command: &command }) {
            Decision::Continue => {}
            Decision::Reply(reply) => return self.send(&reply),
            Decision::Drop { with_421 } => return self.drop_connection(with_421),
        }
        if self.refused && command != Command::Quit {
            return self.client_error(&Reply::bad_sequence());
        }

        match command {
            Command::Helo(name) => self.hello(HelloVerb::Helo, name),
            Command::Ehlo(name) => self.hello(HelloVerb::Ehlo, name),
            Command::Lhlo(name) => self.hello(HelloVerb::Lhlo, name),
            Command::Mail { .. } if self.needs_tls() => self.send(&replies::tls_required()),
            Command::Mail { reverse_path, parameters } => self.mail(reverse_path, parameters),
            Command::Rcpt { forward_path, parameters } => self.rcpt(forward_path, parameters),
            Command::Data => self.data(),
            Command::Bdat { .. } => self.bdat(&command),
            Command::Rset => {
                self.transaction = None;
                self.send(&replies::ok());
            }
            Command::Noop(_) => self.send(&replies::ok()),
            Command::Vrfy(_) => self.send(&Reply::cannot_verify()),
            Command::Help(_) => self.send(&replies::help(self.setup.config.lmtp)),
            Command::Quit => {
                self.send(&Reply::closing());
                self.close(CloseReason::Quit);
            }
            Command::StartTls if self.setup.config.starttls => self.starttls(),
            Command::Auth { mechanism, initial_response } => self.auth(mechanism, initial_response),

            // EXPN would disclose mailing lists, which a mock server has
            // none of; ETRN is not offered, nor STARTTLS without a
            // certificate.
            Command::Expn(_) | Command::StartTls | Command::Etrn(_) => {
                self.send(&Reply::not_implemented());
            }
            Command::Unknown { .. } => self.client_error(&Reply::command_unrecognized()),
        }
    }

    /// STARTTLS: 220, then nothing more until the handshake is done.
    fn starttls(&mut self) {
        let tls = self.facts.tls.is_some();
        if tls || self.transaction.is_some() {
            return self.client_error(&replies::starttls_out_of_sequence(tls));
        }
        self.send(&replies::ready_for_tls());
        self.input = Input::StartTls;
    }

    /// HELO, EHLO or LHLO: the greeting, which also ends any transaction
    /// (RFC 5321 §4.1.4).
    fn hello(&mut self, verb: HelloVerb, name: Host<'static>) {
        if (verb == HelloVerb::Lhlo) != self.setup.config.lmtp {
            return self.client_error(&Reply::command_unrecognized());
        }
        let reply = match self.policy.decide(Phase::Hello { verb, name: &name }) {
            Decision::Continue if verb == HelloVerb::Helo => self.setup.helo_reply.clone(),
            // Over TLS, STARTTLS is offered no more (RFC 3207 §4.2); AUTH
            // only where it may be used.
            Decision::Continue => {
                let tls = usize::from(self.facts.tls.is_some());
                self.setup.ehlo_replies[tls][usize::from(self.offers_auth())].clone()
            }
            Decision::Reply(reply) if reply.class() != ReplyClass::PositiveCompletion => {
                return self.send(&reply);
            }
            Decision::Reply(reply) => reply,
            Decision::Drop { with_421 } => return self.drop_connection(with_421),
        };
        self.transaction = None;
        self.facts.hello = Some(Hello { verb, name });
        self.send(&reply);
    }

    /// Queues a reply and records it in the transcript.
    fn send(&mut self, reply: &Reply<'_>) {
        let start = self.outbox.len();
        let enhanced = self.setup.config.extensions.enhanced_status_codes;
        replies::write_reply(reply, enhanced, &mut self.outbox);
        self.transcript.record(Direction::Server, &self.outbox[start..]);
    }

    /// Answers a client error, or closes the session with 421 4.7.0 when
    /// it is one error too many.
    fn client_error(&mut self, reply: &Reply<'_>) {
        self.errors += 1;
        if self.errors > self.setup.config.max_errors {
            self.send(&replies::too_many_errors());
            self.close(CloseReason::TooManyErrors);
        } else {
            self.send(reply);
        }
    }

    /// Closes on the policy's word, with 421 4.3.2 first if it asks.
    fn drop_connection(&mut self, with_421: bool) {
        if with_421 {
            self.send(&Reply::service_not_available());
        }
        self.close(CloseReason::Policy);
    }

    /// Ends the session: no more input is read.
    fn close(&mut self, reason: CloseReason) {
        self.input = Input::Closed;
        self.transaction = None;
        self.events.push(Event::Closed { reason });
    }

    /// True when MAIL must wait for STARTTLS: TLS is required, the client
    /// greeted, and the session is not over TLS yet.
    fn needs_tls(&self) -> bool {
        self.setup.config.require_tls && self.facts.hello.is_some() && self.facts.tls.is_none()
    }

    /// True when the client greeted with EHLO or LHLO, so that the
    /// extensions were offered to it.
    fn is_extended(&self) -> bool {
        self.facts.hello.as_ref().is_some_and(|hello| hello.verb.is_extended())
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("facts", &self.facts)
            .field("input", &self.input)
            .field("transaction", &self.transaction)
            .field("errors", &self.errors)
            .field("messages", &self.messages)
            .finish_non_exhaustive()
    }
}

/// What every session of one configuration shares: the configuration and
/// the greeting and replies to EHLO and HELO, built from it once.
#[derive(Debug)]
pub struct SessionSetup {
    /// The configuration.
    config: SessionConfig,
    /// The 220 greeting.
    greeting: Reply<'static>,
    /// The replies to EHLO and LHLO: in plaintext (with STARTTLS when
    /// configured) and over TLS, each without and with AUTH.
    ehlo_replies: [[Reply<'static>; 2]; 2],
    /// The reply to HELO.
    helo_reply: Reply<'static>,
}

impl SessionSetup {
    /// Checks `config` and builds the replies every session sends alike.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when `config.hostname` cannot be written in a
    /// greeting: empty, or with a space or control character.
    pub fn new(config: SessionConfig) -> Result<Arc<Self>, ConfigError> {
        let ehlo_replies = [
            [
                capabilities(&config, config.starttls, false)?.to_reply(),
                capabilities(&config, config.starttls, true)?.to_reply(),
            ],
            [
                capabilities(&config, false, false)?.to_reply(),
                capabilities(&config, false, true)?.to_reply(),
            ],
        ];
        let helo_reply = Reply::single(ReplyCode::OK, None, config.hostname.clone())
            .map_err(|source| ConfigError { field: "hostname", source })?;
        let greeting = greeting(&config)?;
        Ok(Arc::new(Self { config, greeting, ehlo_replies, helo_reply }))
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }
}

/// The 220 greeting, ESMTP or LMTP.
fn greeting(config: &SessionConfig) -> Result<Reply<'static>, ConfigError> {
    let reply = if config.lmtp {
        Reply::service_ready(&config.hostname).and_then(|_| {
            let text = format!("{} LMTP service ready", config.hostname);
            Reply::single(ReplyCode::SERVICE_READY, None, text)
        })
    } else {
        Reply::service_ready(&config.hostname)
    };
    reply.map_err(|source| ConfigError { field: "hostname", source })
}

/// The capabilities the reply to EHLO or LHLO lists, with or without
/// STARTTLS and AUTH.
fn capabilities(
    config: &SessionConfig,
    starttls: bool,
    auth: bool,
) -> Result<Capabilities<'static>, ConfigError> {
    let error = |source| ConfigError { field: "hostname", source };
    let mut capabilities = Capabilities::new(config.hostname.clone()).map_err(error)?;
    let extensions = config.extensions;
    let offered = [
        (extensions.pipelining, Capability::Pipelining),
        (extensions.size, Capability::Size(Some(config.max_message_size))),
        (extensions.eight_bit_mime, Capability::EightBitMime),
        (extensions.smtputf8, Capability::SmtpUtf8),
        (extensions.enhanced_status_codes, Capability::EnhancedStatusCodes),
        (extensions.chunking, Capability::Chunking),
        (extensions.chunking && extensions.binarymime, Capability::BinaryMime),
        (extensions.dsn, Capability::Dsn),
        (starttls, Capability::StartTls),
        (auth, Capability::Auth(auth::MECHANISMS.iter().map(|&m| m.into()).collect())),
    ];
    for (on, capability) in offered {
        if on {
            capabilities
                .push(capability)
                .map_err(|source| ConfigError { field: "extensions", source })?;
        }
    }
    Ok(capabilities)
}

#[cfg(test)]
mod tests;
