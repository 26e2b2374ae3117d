//! The client session: commands out, replies in, one connection reused for
//! many messages (RFC 5321 §3, §4.5.3.2; PIPELINING, RFC 2920).

use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use smtpkit_codec::{
    bdat_chunks, encode_data, parse_reply, Capabilities, Capability, Command, DataEncoder,
    ForwardPath, Host, MailParameter, MailParameters, Mechanism, RcptParameters, Reply,
    ReplyOptions, ReversePath, Status, BDAT_CHUNK_SIZE,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, ToSocketAddrs};
use tracing::{debug, Instrument as _};

use crate::auth::{Credentials, PREFERENCE};
use crate::error::{Error, ErrorKind, ProtocolViolation};
use crate::tls::{ClientTls, Connection, TlsMode};
use crate::transcript::{Direction, Transcript};

/// Deadlines and limits of a client session.
///
/// The command deadlines default to the minimums of RFC 5321 §4.5.3.2.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// How long to wait for the TCP connection. Default 30 seconds.
    pub connect_timeout: Duration,
    /// The greeting, 220. Default 5 minutes.
    pub greeting_timeout: Duration,
    /// MAIL, RCPT and other commands. Default 5 minutes.
    pub command_timeout: Duration,
    /// The reply to DATA, 354. Default 2 minutes.
    pub data_init_timeout: Duration,
    /// Writing each block of the message. Default 3 minutes.
    pub data_block_timeout: Duration,
    /// The reply after the end of the message. Default 10 minutes.
    pub data_end_timeout: Duration,
    /// Limits on the replies read.
    pub reply_options: ReplyOptions,
    /// Octets of transcript kept; older entries are dropped first.
    pub transcript_limit: usize,
    /// Whether [`Client::send`] may pipeline MAIL, RCPT and DATA when the
    /// server offers PIPELINING (RFC 2920). When false, each command waits
    /// for the reply to the one before, as with a server that does not
    /// offer it; a load test compares the two this way. Default true.
    pub pipelining: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        const MINUTE: Duration = Duration::from_secs(60);
        Self {
            connect_timeout: Duration::from_secs(30),
            greeting_timeout: 5 * MINUTE,
            command_timeout: 5 * MINUTE,
            data_init_timeout: 2 * MINUTE,
            data_block_timeout: 3 * MINUTE,
            data_end_timeout: 10 * MINUTE,
            reply_options: ReplyOptions::default(),
            transcript_limit: crate::transcript::TRANSCRIPT_LIMIT,
            pipelining: true,
        }
    }
}

impl ClientConfig {
    /// Sets every deadline of the session itself to `timeout`: the
    /// greeting, each command's reply, the reply to DATA, writing each
    /// block of the message and the reply after its end.
    ///
    /// The connect deadline is left as it was: it covers name resolution
    /// and the TCP handshake, not a step of RFC 5321 §4.5.3.2, and is
    /// not used at all by [`Client::from_stream`]. Set
    /// [`connect_timeout`](Self::connect_timeout) apart where it matters.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use smtpkit_client::ClientConfig;
    ///
    /// let config = ClientConfig::default().with_step_timeouts(Duration::from_secs(20));
    /// assert_eq!(config.greeting_timeout, Duration::from_secs(20));
    /// assert_eq!(config.data_end_timeout, Duration::from_secs(20));
    /// assert_eq!(config.connect_timeout, ClientConfig::default().connect_timeout);
    /// ```
    #[must_use]
    pub fn with_step_timeouts(self, timeout: Duration) -> Self {
        Self {
            greeting_timeout: timeout,
            command_timeout: timeout,
            data_init_timeout: timeout,
            data_block_timeout: timeout,
            data_end_timeout: timeout,
            ..self
        }
    }
}

/// Who a message goes from and to, and with which parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse-path of MAIL.
    pub reverse_path: ReversePath<'static>,
    /// MAIL's parameters; SIZE, BODY and SMTPUTF8 are added as needed.
    pub parameters: MailParameters<'static>,
    /// Each recipient with its RCPT parameters.
    pub recipients: Vec<(ForwardPath<'static>, RcptParameters<'static>)>,
}

/// What became of a message that was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReport {
    /// The recipients the server took.
    pub accepted: Vec<ForwardPath<'static>>,
    /// The recipients the server refused, with its reply.
    pub rejected: Vec<(ForwardPath<'static>, Reply<'static>)>,
    /// The reply to the end of the message.
    pub reply: Reply<'static>,
}

/// An SMTP client session over any byte stream.
///
/// ```no_run
/// use smtpkit_client::{Client, ClientConfig, Envelope};
/// use smtpkit_codec::{ForwardPath, Host, Mailbox, ReversePath};
///
/// # async fn run() -> Result<(), smtpkit_client::Error> {
/// let mut client = Client::connect("127.0.0.1:2525", ClientConfig::default()).await?;
/// client.ehlo(&Host::new("client.example").expect("a valid name")).await?;
/// let envelope = Envelope {
///     reverse_path: ReversePath::Mailbox("a@example.org".parse().expect("valid")),
///     parameters: Default::default(),
///     recipients: vec![(ForwardPath::Mailbox("b@example.net".parse().expect("valid")), Default::default())],
/// };
/// let report = client.send(&envelope, b"Subject: hi\r\n\r\nHello\r\n").await?;
/// assert!(report.rejected.is_empty());
/// client.quit().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Client<S> {
    /// The connection.
    stream: S,
    /// Bytes read and not yet parsed as a reply.
    buffer: Vec<u8>,
    /// Deadlines and limits.
    config: ClientConfig,
    /// What the server offered in reply to EHLO; empty after HELO.
    capabilities: Option<Capabilities<'static>>,
    /// Both directions of the session.
    transcript: Transcript,
    /// The step whose failure left the session in an unknown state, after
    /// which nothing more is written: a command sent after a message was
    /// cut off would be read as part of that message.
    broken: Option<&'static str>,
    /// The name the client last greeted with, to greet again after
    /// STARTTLS.
    hello: Option<Host<'static>>,
}

impl Client<TcpStream> {
    /// Connects over TCP and reads the greeting.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Connect`] or a timeout if the connection cannot be
    /// made; [`ErrorKind::Rejected`] if the greeting is not 220.
    pub async fn connect(addr: impl ToSocketAddrs, config: ClientConfig) -> Result<Self, Error> {
        let stream = connect_tcp(addr, &config).await?;
        Self::from_stream(stream, config).await
    }
}

/// Connects over TCP within the connect deadline.
async fn connect_tcp(addr: impl ToSocketAddrs, config: &ClientConfig) -> Result<TcpStream, Error> {
    let connecting = TcpStream::connect(addr);
    let stream = match tokio::time::timeout(config.connect_timeout, connecting).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => return Err(ErrorKind::Connect(error).into()),
        Err(_) => return Err(ErrorKind::Timeout { step: "connect" }.into()),
    };
    // The end of the data goes as a small write of its own after the body;
    // with Nagle's algorithm it would wait for the server's delayed
    // acknowledgement of the body, some 40 ms a message. A socket that
    // refuses the option only sends later, so that is no error.
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

impl Client<Connection> {
    /// Connects, greets with EHLO (or HELO) as `hello`, and secures the
    /// session as `mode` says: STARTTLS when offered, STARTTLS or nothing,
    /// TLS from the first byte, or plaintext.
    ///
    /// With [`TlsMode::Required`], a server that does not offer STARTTLS
    /// is told QUIT and nothing else: no transaction goes in plaintext.
    ///
    /// ```no_run
    /// use smtpkit_client::{Client, ClientConfig, ClientTls, TlsMode};
    /// use smtpkit_codec::Host;
    ///
    /// # async fn run(ca_pem: &[u8]) -> Result<(), smtpkit_client::Error> {
    /// let tls = ClientTls::with_ca_pem("localhost", ca_pem)?;
    /// let hello = Host::new("client.example").expect("a valid name");
    /// let mut client =
    ///     Client::open("127.0.0.1:2525", ClientConfig::default(), &hello, TlsMode::Required(tls))
    ///         .await?;
    /// assert!(client.connection().is_tls());
    /// client.quit().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::connect`] and [`Client::ehlo`];
    /// [`ErrorKind::TlsNotOffered`] when TLS is required and STARTTLS is
    /// not offered; as [`Client::starttls`] for the upgrade.
    pub async fn open(
        addr: impl ToSocketAddrs,
        config: ClientConfig,
        hello: &Host<'_>,
        mode: TlsMode,
    ) -> Result<Self, Error> {
        if let TlsMode::Implicit(tls) = &mode {
            let stream = connect_tcp(addr, &config).await?;
            let handshake = tls.handshake(stream);
            let stream = match tokio::time::timeout(config.greeting_timeout, handshake).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(error)) => return Err(ErrorKind::Tls { step: "implicit TLS", error }.into()),
                Err(_) => return Err(ErrorKind::Timeout { step: "implicit TLS" }.into()),
            };
            let mut client = Self::greeted(Connection::Tls(Box::new(stream)), config, true).await?;
            client.ehlo(hello).await?;
            return Ok(client);
        }

        let mut client = Client::connect(addr, config).await?;
        let offered = client.ehlo(hello).await?.supports_starttls();
        match mode {
            TlsMode::Opportunistic(tls) | TlsMode::Required(tls) if offered => {
                let client = client.starttls(&tls).await?;
                Ok(client.map_stream(|stream| Connection::Tls(Box::new(stream))))
            }
            TlsMode::Required(_) => {
                // Polite, and nothing of the caller's goes in plaintext.
                let _ = client.quit().await;
                Err(ErrorKind::TlsNotOffered.into())
            }
            _ => Ok(client.map_stream(Connection::Plain)),
        }
    }

    /// The connection, plaintext or TLS.
    pub fn connection(&self) -> &Connection {
        &self.stream
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// Starts a session on a connected stream by reading the greeting.
    ///
    /// # Errors
    ///
    /// As [`Client::connect`], past the connection.
    pub async fn from_stream(stream: S, config: ClientConfig) -> Result<Self, Error> {
        Self::greeted(stream, config, false).await
    }

    /// Reads the greeting on `stream`, which is over TLS from its start
    /// when `tls`.
    async fn greeted(stream: S, config: ClientConfig, tls: bool) -> Result<Self, Error> {
        let mut transcript = Transcript::new(config.transcript_limit);
        if tls {
            transcript.start_tls();
        }
        let mut client = Self {
            stream,
            buffer: Vec::new(),
            config,
            capabilities: None,
            transcript,
            broken: None,
            hello: None,
        };
        let timeout = client.config.greeting_timeout;
        let greeting =
            client.read_reply("greeting", timeout).instrument(step_span("greeting")).await?;
        expect_code(greeting, 220, "greeting")?;
        Ok(client)
    }

    /// Greets with EHLO, falling back to HELO when the server answers 500
    /// or 502, and returns what the server offers (nothing after HELO).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Rejected`] for any other reply, or an I/O error.
    pub async fn ehlo(&mut self, name: &Host<'_>) -> Result<&Capabilities<'static>, Error> {
        self.hello = Some(name.clone().into_owned());
        let reply = self.command(&Command::Ehlo(name.clone()), "EHLO").await?;
        let capabilities = if reply.code().get() == 250 {
            Capabilities::from_reply(&reply).map(Capabilities::into_owned).map_err(malformed)?
        } else if matches!(reply.code().get(), 500 | 502) {
            let reply = self.command(&Command::Helo(name.clone()), "HELO").await?;
            let reply = expect_code(reply, 250, "HELO")?;
            let domain = reply.lines().first().map_or("", |line| line.text());
            let domain = domain.split(' ').next().unwrap_or_default();
            Capabilities::new(domain.to_owned())
                .or_else(|_| Capabilities::new("unknown"))
                .map_err(malformed)?
        } else {
            return Err(ErrorKind::Rejected { step: "EHLO", reply }.into());
        };
        Ok(self.capabilities.insert(capabilities))
    }

    /// What the server offered, once greeted.
    pub fn capabilities(&self) -> Option<&Capabilities<'static>> {
        self.capabilities.as_ref()
    }

    /// Upgrades the session to TLS with STARTTLS (RFC 3207), verifying the
    /// server's certificate as `tls` says, then greets again with the name
    /// of the last EHLO, since the server forgets it (§4.2).
    ///
    /// A server that sends anything after its 220 before the handshake is
    /// refused: those bytes would otherwise be read as the first replies
    /// over TLS (response injection).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TlsNotOffered`] unless the last EHLO reply offered
    /// STARTTLS; [`ErrorKind::Rejected`] unless STARTTLS is answered 220;
    /// [`ProtocolViolation::DataAfterStartTls`]; [`ErrorKind::Tls`] when
    /// the handshake fails; as [`Client::ehlo`] for the new greeting.
    pub async fn starttls(
        mut self,
        tls: &ClientTls,
    ) -> Result<Client<tokio_rustls::client::TlsStream<S>>, Error> {
        if !self.capabilities.as_ref().is_some_and(Capabilities::supports_starttls) {
            return Err(ErrorKind::TlsNotOffered.into());
        }
        let reply = self.command(&Command::StartTls, "STARTTLS").await?;
        expect_code(reply, 220, "STARTTLS")?;
        if !self.buffer.is_empty() {
            let detail = ProtocolViolation::DataAfterStartTls;
            return Err(self.broke("STARTTLS", ErrorKind::Protocol { detail }.into()));
        }
        let timeout = self.config.command_timeout;
        let hello = self.hello.take();
        let mut transcript = self.transcript;
        transcript.start_tls();
        let mut client = match tokio::time::timeout(timeout, tls.handshake(self.stream)).await {
            Ok(Ok(stream)) => Client {
                stream,
                buffer: Vec::new(),
                config: self.config,
                capabilities: None,
                transcript,
                broken: None,
                hello: None,
            },
            Ok(Err(error)) => return Err(ErrorKind::Tls { step: "STARTTLS", error }.into()),
            Err(_) => return Err(ErrorKind::Timeout { step: "STARTTLS" }.into()),
        };
        if let Some(hello) = hello {
            client.ehlo(&hello).await?;
        }
        Ok(client)
    }

    /// Authenticates with AUTH (RFC 4954) as `credentials`, with
    /// `mechanism`, or else the strongest the server offers of CRAM-MD5,
    /// PLAIN and LOGIN (XOAUTH2, which takes a token, only when asked).
    /// Returns the 235 reply. The lines that carry the secret show in the
    /// transcript as `<redacted>`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unsupported`] when the server offers no AUTH or not
    /// `mechanism`; [`ErrorKind::Rejected`] for any reply but 334 during
    /// the exchange and 235 at its end (535 for bad credentials, 538 when
    /// TLS is needed first); a malformed CRAM-MD5 challenge is a
    /// protocol error.
    pub async fn auth(
        &mut self,
        credentials: &Credentials,
        mechanism: Option<Mechanism<'static>>,
    ) -> Result<Reply<'static>, Error> {
        let offered: Vec<String> = self
            .capabilities
            .as_ref()
            .map(|c| c.auth_mechanisms().map(str::to_ascii_uppercase).collect())
            .unwrap_or_default();
        let is_offered = |m: &Mechanism<'_>| offered.iter().any(|o| o == m.as_str());
        let mechanism = match mechanism {
            Some(mechanism) if is_offered(&mechanism) => mechanism,
            Some(_) => return Err(ErrorKind::Unsupported { extension: "AUTH mechanism" }.into()),
            None => match PREFERENCE.into_iter().find(|m| is_offered(m)) {
                Some(mechanism) => mechanism,
                None => return Err(ErrorKind::Unsupported { extension: "AUTH" }.into()),
            },
        };
        let verb = format!("AUTH {mechanism}");
        let hidden = format!("{verb} <redacted>");
        let reply = match mechanism {
            Mechanism::Plain => {
                self.auth_line(&format!("{verb} {}", credentials.plain()), &hidden).await?
            }
            Mechanism::XOAuth2 => {
                let line = format!("{verb} {}", credentials.xoauth2());
                let reply = self.auth_line(&line, &hidden).await?;
                if reply.code().get() != 334 {
                    reply
                } else {
                    // A refusal comes as a 334 with details; an empty line
                    // asks for the final reply.
                    self.auth_line("", "").await?
                }
            }
            Mechanism::Login => {
                let reply = self.auth_line(&verb, &verb).await?;
                expect_code(reply, 334, "AUTH")?;
                let user = credentials.login_user();
                let reply = self.auth_line(&user, &user).await?;
                expect_code(reply, 334, "AUTH")?;
                self.auth_line(&credentials.login_password(), "<redacted>").await?
            }
            Mechanism::CramMd5 => {
                let reply = expect_code(self.auth_line(&verb, &verb).await?, 334, "AUTH")?;
                let challenge = reply.lines().first().map_or("", |line| line.text()).to_owned();
                let Some(response) = credentials.cram_md5(&challenge) else {
                    let detail = ProtocolViolation::MalformedChallenge;
                    return Err(self.broke("AUTH", ErrorKind::Protocol { detail }.into()));
                };
                self.auth_line(&response, "<redacted>").await?
            }
            _ => return Err(ErrorKind::Unsupported { extension: "AUTH mechanism" }.into()),
        };
        expect_code(reply, 235, "AUTH")
    }

    /// Writes `line` (a command or a response of an AUTH exchange, base64
    /// or ASCII) with CRLF, recording `shown` in the transcript in its
    /// place, and reads the reply. A control character in `line` is
    /// refused before anything is written.
    async fn auth_line(&mut self, line: &str, shown: &str) -> Result<Reply<'static>, Error> {
        if let Some(offset) = line.bytes().position(|b| b.is_ascii_control()) {
            return Err(ErrorKind::InvalidCommand { step: "AUTH", offset }.into());
        }
        async {
            self.write_shown(
                format!("{line}\r\n").as_bytes(),
                format!("{shown}\r\n").as_bytes(),
                "AUTH",
            )
            .await?;
            let timeout = self.config.command_timeout;
            self.read_reply("AUTH", timeout).await
        }
        .instrument(step_span("AUTH"))
        .await
    }

    /// The same session over `stream` made from its own.
    fn map_stream<T>(self, stream: impl FnOnce(S) -> T) -> Client<T> {
        Client {
            stream: stream(self.stream),
            buffer: self.buffer,
            config: self.config,
            capabilities: self.capabilities,
            transcript: self.transcript,
            broken: self.broken,
            hello: self.hello,
        }
    }

    /// Starts a transaction.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Rejected`] unless the reply is 2yz.
    pub async fn mail_from(
        &mut self,
        reverse_path: &ReversePath<'_>,
        parameters: &MailParameters<'_>,
    ) -> Result<Reply<'static>, Error> {
        let command = Command::Mail {
            reverse_path: reverse_path.clone().into_owned(),
            parameters: parameters.clone().into_owned(),
        };
        let reply = self.command(&command, "MAIL").await?;
        positive(reply, "MAIL")
    }

    /// Adds a recipient.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Rejected`] unless the reply is 2yz.
    pub async fn rcpt_to(
        &mut self,
        forward_path: &ForwardPath<'_>,
        parameters: &RcptParameters<'_>,
    ) -> Result<Reply<'static>, Error> {
        let command = Command::Rcpt {
            forward_path: forward_path.clone().into_owned(),
            parameters: parameters.clone().into_owned(),
        };
        let reply = self.command(&command, "RCPT").await?;
        positive(reply, "RCPT")
    }

    /// Sends DATA, then the message dot-stuffed with CRLF line endings, and
    /// returns the reply to its end.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Rejected`] if DATA is not answered 354 or the message
    /// is refused; [`ErrorKind::OutcomeUnknown`] if the connection fails
    /// after the end of the message was sent.
    pub async fn data(&mut self, message: &[u8]) -> Result<Reply<'static>, Error> {
        let reply = self.data_command().await?;
        expect_code(reply, 354, "DATA")?;
        self.message(&encode_data(message)).await
    }

    /// Sends DATA, then the message read from `reader` as it comes,
    /// dot-stuffed with CRLF line endings, and returns the reply to its end.
    /// The whole message is never held in memory.
    ///
    /// # Errors
    ///
    /// As [`data`](Self::data); an error reading `reader` is
    /// [`ErrorKind::Io`], and the connection is then of no further use,
    /// since the message cannot be ended cleanly.
    pub async fn data_from_reader<R>(&mut self, mut reader: R) -> Result<Reply<'static>, Error>
    where
        R: AsyncRead + Unpin,
    {
        let reply = self.data_command().await?;
        expect_code(reply, 354, "DATA")?;

        let mut encoder = DataEncoder::new();
        let mut chunk = vec![0u8; 64 * 1024];
        let mut wire = Vec::with_capacity(chunk.len() + chunk.len() / 16);
        let body = async {
            loop {
                let n = reader.read(&mut chunk).await.map_err(ErrorKind::Io)?;
                wire.clear();
                if n == 0 {
                    encoder.finish(&mut wire);
                    let last_line = &wire[..wire.len() - END_OF_DATA.len()];
                    if !last_line.is_empty() {
                        self.write_block(last_line).await?;
                    }
                    return Ok::<_, Error>(());
                }
                encoder.encode(&chunk[..n], &mut wire);
                self.write_block(&wire).await?;
            }
        };
        body.instrument(step_span("message")).await?;
        self.end_of_data().await
    }

    /// Sends the message in BDAT chunks (RFC 3030), which needs no
    /// dot-stuffing and carries any octets, and returns the reply to the
    /// last chunk.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unsupported`] when the server does not offer CHUNKING;
    /// [`ErrorKind::Rejected`] when a chunk is refused;
    /// [`ErrorKind::OutcomeUnknown`] when the connection fails after the
    /// last chunk was sent.
    pub async fn bdat(&mut self, message: &[u8]) -> Result<Reply<'static>, Error> {
        if !self.capabilities.as_ref().is_some_and(Capabilities::supports_chunking) {
            return Err(ErrorKind::Unsupported { extension: "CHUNKING" }.into());
        }
        let mut last_reply = None;
        for (command, chunk) in bdat_chunks(message, BDAT_CHUNK_SIZE) {
            let last = matches!(command, Command::Bdat { last: true, .. });
            let mut bytes = command.to_bytes();
            bytes.extend_from_slice(chunk);
            let timeout = self.config.data_end_timeout;
            let exchange = async {
                self.write(&bytes, "BDAT").await?;
                self.read_reply("BDAT", timeout).await
            };
            let reply = match exchange.instrument(step_span("BDAT")).await {
                Ok(reply) => reply,
                Err(error) if last && !matches!(error.kind(), ErrorKind::Protocol { .. }) => {
                    return Err(unknown(error));
                }
                Err(error) => return Err(error),
            };
            last_reply = Some(positive(reply, "BDAT")?);
        }
        last_reply.ok_or_else(|| ErrorKind::Unsupported { extension: "CHUNKING" }.into())
    }

    /// Aborts the current transaction.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Rejected`] unless the reply is 2yz.
    pub async fn rset(&mut self) -> Result<Reply<'static>, Error> {
        let reply = self.command(&Command::Rset, "RSET").await?;
        positive(reply, "RSET")
    }

    /// Asks for a reply and nothing else, to check that the server is there.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Rejected`] unless the reply is 2yz.
    pub async fn noop(&mut self) -> Result<Reply<'static>, Error> {
        let reply = self.command(&Command::Noop(None), "NOOP").await?;
        positive(reply, "NOOP")
    }

    /// Ends the session politely and closes the connection. The client
    /// keeps its transcript; it sends nothing more.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Rejected`] if the reply is not 221.
    pub async fn quit(&mut self) -> Result<Reply<'static>, Error> {
        let reply = self.command(&Command::Quit, "QUIT").await?;
        let reply = expect_code(reply, 221, "QUIT")?;
        // The server closes too; a failure to shut down cleanly changes
        // nothing for the caller.
        let _ = self.stream.shutdown().await;
        Ok(reply)
    }

    /// Sends one message: MAIL, every RCPT and DATA, pipelined when the
    /// server offers PIPELINING and [`ClientConfig::pipelining`] allows
    /// it, one by one otherwise. Refused recipients
    /// are reported while the message goes to the others; when all are
    /// refused no message is sent. SIZE is checked and declared (the size
    /// as transmitted, RFC 1870 §3),
    /// SMTPUTF8 and BODY=8BITMIME are asked for only when the message needs
    /// them, and refused with an error when the server does not offer them.
    ///
    /// After a refusal of MAIL or of every recipient, the transaction is
    /// reset so that the connection can send the next message.
    ///
    /// # Errors
    ///
    /// See [`ErrorKind`]; [`Error::is_transient`] tells whether to retry.
    pub async fn send(&mut self, envelope: &Envelope, message: &[u8]) -> Result<SendReport, Error> {
        let wire = encode_data(message);
        let parameters = self.mail_parameters(envelope, message, message_size(&wire))?;
        let mail = Command::Mail { reverse_path: envelope.reverse_path.clone(), parameters };
        let rcpts: Vec<Command<'static>> = envelope
            .recipients
            .iter()
            .map(|(forward_path, parameters)| Command::Rcpt {
                forward_path: forward_path.clone(),
                parameters: parameters.clone(),
            })
            .collect();
        // Every line is checked before the first is written, so that a bad
        // recipient cannot leave a transaction half open.
        check_line(&mail, "MAIL")?;
        for rcpt in &rcpts {
            check_line(rcpt, "RCPT")?;
        }
        let pipelining = self.config.pipelining
            && self.capabilities.as_ref().is_some_and(Capabilities::supports_pipelining);

        let (mail_reply, rcpt_replies, data_reply) = if pipelining {
            let mut batch = mail.to_bytes();
            for rcpt in &rcpts {
                rcpt.write_to(&mut batch);
            }
            Command::Data.write_to(&mut batch);
            let timeout = self.config.command_timeout;

            // The batch goes out in MAIL's span; each reply is read in the
            // span of the command it answers.
            let mail = async {
                self.write(&batch, "MAIL").await?;
                self.read_reply("MAIL", timeout).await
            };
            let mail_reply = mail.instrument(step_span("MAIL")).await?;
            let mut rcpt_replies = Vec::with_capacity(rcpts.len());
            for _ in &rcpts {
                let reply = self.read_reply("RCPT", timeout).instrument(step_span("RCPT")).await?;
                rcpt_replies.push(reply);
            }
            let data_init = self.config.data_init_timeout;
            let data = self.read_reply("DATA", data_init).instrument(step_span("DATA")).await?;
            (mail_reply, rcpt_replies, Some(data))
        } else {
            let mail_reply = self.command(&mail, "MAIL").await?;
            let mut rcpt_replies = Vec::with_capacity(rcpts.len());
            if mail_reply.is_positive() {
                for rcpt in &rcpts {
                    rcpt_replies.push(self.command(rcpt, "RCPT").await?);
                }
            }
            (mail_reply, rcpt_replies, None)
        };

        if !mail_reply.is_positive() {
            self.abandon(data_reply).await?;
            return Err(ErrorKind::Rejected { step: "MAIL", reply: mail_reply }.into());
        }
        let mut report =
            SendReport { accepted: Vec::new(), rejected: Vec::new(), reply: mail_reply };
        for ((forward_path, _), reply) in envelope.recipients.iter().zip(rcpt_replies) {
            if reply.is_positive() {
                report.accepted.push(forward_path.clone());
            } else {
                report.rejected.push((forward_path.clone(), reply));
            }
        }
        if report.accepted.is_empty() {
            self.abandon(data_reply).await?;
            let replies = report.rejected.into_iter().map(|(_, reply)| reply).collect();
            return Err(ErrorKind::AllRecipientsRejected { replies }.into());
        }

        let data_reply = match data_reply {
            Some(reply) => reply,
            None => self.data_command().await?,
        };
        expect_code(data_reply, 354, "DATA")?;
        report.reply = self.message(&wire).await?;
        Ok(report)
    }

    /// The session so far, both directions.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// MAIL's parameters for this message: the envelope's, plus SIZE,
    /// SMTPUTF8 and BODY=8BITMIME where the server offers them and the
    /// message needs them. `size` is the message's size as RFC 1870
    /// counts it, see [`message_size`].
    fn mail_parameters(
        &self,
        envelope: &Envelope,
        message: &[u8],
        size: u64,
    ) -> Result<MailParameters<'static>, Error> {
        let offered = |wanted: fn(&Capability<'_>) -> bool| {
            self.capabilities.as_ref().is_some_and(|c| c.entries().iter().any(wanted))
        };
        let mut parameters = envelope.parameters.clone();

        let server_size = self.capabilities.as_ref().and_then(Capabilities::size);
        if let Some(limit) = server_size.flatten().filter(|&limit| limit > 0) {
            if size > limit {
                return Err(ErrorKind::MessageTooLarge { size, limit }.into());
            }
        }
        if server_size.is_some() && parameters.size().is_none() {
            push(&mut parameters, MailParameter::Size(size))?;
        }

        let utf8_addresses = !reverse_path_is_ascii(&envelope.reverse_path)
            || envelope.recipients.iter().any(|(path, _)| !forward_path_is_ascii(path));
        let eight_bit = !message.is_ascii();
        if utf8_addresses || (eight_bit && header_is_8bit(message)) {
            if !offered(|c| matches!(c, Capability::SmtpUtf8)) {
                return Err(ErrorKind::Unsupported { extension: "SMTPUTF8" }.into());
            }
            if !parameters.smtputf8() {
                push(&mut parameters, MailParameter::SmtpUtf8)?;
            }
        }
        if eight_bit && parameters.body().is_none() {
            if !offered(|c| matches!(c, Capability::EightBitMime)) {
                return Err(ErrorKind::Unsupported { extension: "8BITMIME" }.into());
            }
            push(&mut parameters, MailParameter::Body(smtpkit_codec::BodyType::EightBitMime))?;
        }
        Ok(parameters)
    }

    /// Leaves a transaction that will not send a message: ends the data a
    /// server opened against the odds with a lone dot, then resets.
    async fn abandon(&mut self, data_reply: Option<Reply<'static>>) -> Result<(), Error> {
        if data_reply.is_some_and(|reply| reply.code().get() == 354) {
            // A 354 after every recipient failed: the only way out of the
            // data is its end, with nothing in it (RFC 2920 §3.1).
            let timeout = self.config.data_end_timeout;
            let end = async {
                self.write(END_OF_DATA, "end of data").await?;
                self.read_reply("end of data", timeout).await
            };
            end.instrument(step_span("end of data")).await?;
        }
        self.rset().await.map(drop)
    }

    /// Writes the wire form of a message (from [`encode_data`]) and its
    /// end, then reads the final reply.
    async fn message(&mut self, wire: &[u8]) -> Result<Reply<'static>, Error> {
        let body = &wire[..wire.len().saturating_sub(END_OF_DATA.len())];
        let blocks = async {
            for chunk in body.chunks(64 * 1024) {
                self.write_block(chunk).await?;
            }
            Ok::<_, Error>(())
        };
        blocks.instrument(step_span("message")).await?;
        self.end_of_data().await
    }

    /// Writes DATA and reads its reply, which is not checked.
    async fn data_command(&mut self) -> Result<Reply<'static>, Error> {
        let timeout = self.config.data_init_timeout;
        let exchange = async {
            self.write(&Command::Data.to_bytes(), "DATA").await?;
            self.read_reply("DATA", timeout).await
        };
        exchange.instrument(step_span("DATA")).await
    }

    /// Writes one block of the message, after checking that no reply has
    /// come early: a reply before the end of data breaks the protocol.
    async fn write_block(&mut self, block: &[u8]) -> Result<(), Error> {
        self.check_usable()?;
        if self.early_reply().await? {
            let error = ErrorKind::Protocol { detail: ProtocolViolation::ReplyDuringData };
            return Err(self.broke("message", error.into()));
        }
        let timeout = self.config.data_block_timeout;
        match tokio::time::timeout(timeout, self.stream.write_all(block)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(self.broke("message", ErrorKind::Io(error).into())),
            Err(_) => {
                return Err(self.broke("message", ErrorKind::Timeout { step: "message" }.into()))
            }
        }
        self.transcript.push(Direction::Sent, block);
        Ok(())
    }

    /// Writes the end of the message, `.` CRLF, and reads the reply to it.
    ///
    /// The end goes as a block of its own, after a check for a reply that
    /// came while the last block of the body was written. Once it is
    /// written, a failure leaves the outcome unknown.
    async fn end_of_data(&mut self) -> Result<Reply<'static>, Error> {
        let timeout = self.config.data_end_timeout;
        let end = async {
            self.write_block(END_OF_DATA).await?;
            if let Err(error) = self.stream.flush().await {
                return Err(unknown(self.broke("end of data", ErrorKind::Io(error).into())));
            }
            match self.read_reply("end of data", timeout).await {
                Ok(reply) => positive(reply, "end of data"),
                Err(error) if matches!(error.kind(), ErrorKind::Protocol { .. }) => Err(error),
                Err(error) => Err(unknown(error)),
            }
        };
        end.instrument(step_span("end of data")).await
    }

    /// True when reply bytes are already waiting.
    ///
    /// The task first yields once, which lets the runtime poll for I/O, so
    /// that bytes that reached the socket since the last read are seen.
    /// The read is then polled once and never waited on: a zero timeout
    /// would wait for the timer's next tick, a millisecond or so for each
    /// block of every message.
    async fn early_reply(&mut self) -> Result<bool, Error> {
        if !self.buffer.is_empty() {
            return Ok(true);
        }
        tokio::task::yield_now().await;
        let mut bytes = [0u8; 512];
        let mut buf = ReadBuf::new(&mut bytes);
        let stream = &mut self.stream;
        let polled =
            std::future::poll_fn(|cx| match Pin::new(&mut *stream).poll_read(cx, &mut buf) {
                Poll::Ready(result) => Poll::Ready(Some(result)),
                Poll::Pending => Poll::Ready(None),
            })
            .await;
        match polled {
            Some(Ok(())) if buf.filled().is_empty() => {
                Err(self.broke("message", ErrorKind::Closed { step: "message" }.into()))
            }
            Some(Ok(())) => {
                let read = buf.filled();
                self.buffer.extend_from_slice(read);
                self.transcript.push(Direction::Received, read);
                Ok(true)
            }
            Some(Err(error)) => Err(self.broke("message", ErrorKind::Io(error).into())),
            None => Ok(false),
        }
    }

    /// Writes a command and reads its reply, in the tracing span of its
    /// step.
    async fn command(
        &mut self,
        command: &Command<'_>,
        step: &'static str,
    ) -> Result<Reply<'static>, Error> {
        let line = check_line(command, step)?;
        async {
            self.write(&line, step).await?;
            let timeout = self.config.command_timeout;
            let reply = self.read_reply(step, timeout).await?;
            debug!(code = reply.code().get(), "reply");
            Ok(reply)
        }
        .instrument(step_span(step))
        .await
    }

    /// Writes bytes and flushes them.
    async fn write(&mut self, bytes: &[u8], step: &'static str) -> Result<(), Error> {
        self.write_shown(bytes, bytes, step).await
    }

    /// Writes bytes and flushes them, recording `shown` in the transcript
    /// in their place.
    async fn write_shown(
        &mut self,
        bytes: &[u8],
        shown: &[u8],
        step: &'static str,
    ) -> Result<(), Error> {
        self.check_usable()?;
        self.transcript.push(Direction::Sent, shown);
        let writing = async {
            self.stream.write_all(bytes).await?;
            self.stream.flush().await
        };
        match tokio::time::timeout(self.config.command_timeout, writing).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(self.broke(step, ErrorKind::Io(error).into())),
            Err(_) => Err(self.broke(step, ErrorKind::Timeout { step }.into())),
        }
    }

    /// Refuses to go on with a session that broke.
    fn check_usable(&self) -> Result<(), Error> {
        match self.broken {
            Some(step) => Err(ErrorKind::Broken { step }.into()),
            None => Ok(()),
        }
    }

    /// Marks the session broken at `step`, the first time, and passes
    /// `error` on.
    fn broke(&mut self, step: &'static str, error: Error) -> Error {
        self.broken.get_or_insert(step);
        error
    }

    /// Reads one whole reply within `timeout`. The reply parser's limits
    /// bound what is buffered.
    async fn read_reply(
        &mut self,
        step: &'static str,
        timeout: Duration,
    ) -> Result<Reply<'static>, Error> {
        self.check_usable()?;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut chunk = [0u8; 4096];
        loop {
            let parsed = parse_reply(&self.buffer, &self.config.reply_options)
                .map(|status| status.map(Reply::into_owned));
            match parsed {
                Ok(Status::Complete { value, consumed }) => {
                    self.buffer.drain(..consumed);
                    return Ok(value);
                }
                Ok(Status::Incomplete) => {}
                Err(error) => return Err(self.broke(step, malformed(error))),
            }
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await;
            let error: Error = match read {
                Ok(Ok(0)) => ErrorKind::Closed { step }.into(),
                Ok(Ok(n)) => {
                    self.transcript.push(Direction::Received, &chunk[..n]);
                    self.buffer.extend_from_slice(&chunk[..n]);
                    continue;
                }
                Ok(Err(error)) => ErrorKind::Io(error).into(),
                Err(_) => ErrorKind::Timeout { step }.into(),
            };
            return Err(self.broke(step, error));
        }
    }
}

/// The tracing span of one step of the session: `smtp_command`, with the
/// step (`greeting`, a command's verb, `message` for the body or
/// `end of data`) as its `step` field.
fn step_span(step: &'static str) -> tracing::Span {
    tracing::debug_span!("smtp_command", step)
}

/// The wire form of `command`, if it is one line with no control character
/// before its final CRLF.
///
/// The codec's constructors already refuse such characters, and no value
/// can be built around them; the client checks the line it is about to
/// send all the same, so that a fault in one of those checks cannot
/// become an injected command.
fn check_line(command: &Command<'_>, step: &'static str) -> Result<Vec<u8>, Error> {
    let line = command.to_bytes();
    let text = line.strip_suffix(b"\r\n").unwrap_or(&line);
    match text.iter().position(|&byte| byte.is_ascii_control()) {
        Some(offset) => Err(ErrorKind::InvalidCommand { step, offset }.into()),
        None => Ok(line),
    }
}

/// Adds a parameter the client computed.
fn push(
    parameters: &mut MailParameters<'static>,
    parameter: MailParameter<'static>,
) -> Result<(), Error> {
    parameters.push(parameter).map_err(malformed)
}

/// A reply that must be 2yz.
fn positive(reply: Reply<'static>, step: &'static str) -> Result<Reply<'static>, Error> {
    if reply.code().class() == smtpkit_codec::ReplyClass::PositiveCompletion {
        Ok(reply)
    } else {
        Err(ErrorKind::Rejected { step, reply }.into())
    }
}

/// A reply that must have exactly `code`.
fn expect_code(
    reply: Reply<'static>,
    code: u16,
    step: &'static str,
) -> Result<Reply<'static>, Error> {
    if reply.code().get() == code {
        Ok(reply)
    } else {
        Err(ErrorKind::Rejected { step, reply }.into())
    }
}

fn malformed(error: smtpkit_codec::ParseError) -> Error {
    ErrorKind::Protocol { detail: ProtocolViolation::MalformedReply(error) }.into()
}

fn unknown(cause: Error) -> Error {
    ErrorKind::OutcomeUnknown { cause: Box::new(cause) }.into()
}

fn reverse_path_is_ascii(path: &ReversePath<'_>) -> bool {
    match path {
        ReversePath::Null => true,
        ReversePath::Mailbox(mailbox) => mailbox.is_ascii(),
    }
}

fn forward_path_is_ascii(path: &ForwardPath<'_>) -> bool {
    match path {
        ForwardPath::Postmaster => true,
        ForwardPath::Mailbox(mailbox) => mailbox.is_ascii(),
    }
}

/// True when the header section (up to the first empty line) holds
/// non-ASCII, which needs RFC 6532 and so SMTPUTF8.
///
/// Line endings are read as [`encode_data`] reads them: CRLF, a bare LF
/// or a bare CR each end a line. A message that starts with an empty line
/// has no header section at all.
fn header_is_8bit(message: &[u8]) -> bool {
    let mut line_start = true;
    for (i, &byte) in message.iter().enumerate() {
        match byte {
            b'\r' | b'\n' if line_start => return false,
            b'\n' => line_start = true,
            b'\r' => line_start = message.get(i + 1) != Some(&b'\n'),
            _ if !byte.is_ascii() => return true,
            _ => line_start = false,
        }
    }
    false
}

/// The line that ends the data, which [`encode_data`] always appends.
const END_OF_DATA: &[u8] = b".\r\n";

/// The size of a message as RFC 1870 §3 defines it for SIZE and its
/// limit: "the number of octets, including CR-LF pairs, but not the SMTP
/// DATA command's terminating dot or doubled quoting dots, to be
/// transmitted by the SMTP client after receiving reply code 354". So it
/// is counted from the wire form `wire` (from [`encode_data`]), with its
/// line endings normalized to CRLF, minus the final `.` CRLF and minus
/// each dot added by dot-stuffing.
fn message_size(wire: &[u8]) -> u64 {
    let body = &wire[..wire.len().saturating_sub(END_OF_DATA.len())];
    let mut stuffed = usize::from(body.first() == Some(&b'.'));
    stuffed += body.windows(2).filter(|pair| pair == b"\n.").count();
    (body.len() - stuffed) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_section_ends_at_the_first_empty_line_of_any_line_ending() {
        let cases: [(&[u8], bool); 9] = [
            (b"Subject: hi\r\n\r\nbody \xc3\xa9\r\n", false),
            (b"Subject: hi\n\nbody \xc3\xa9\n", false),
            (b"Subject: hi\r\rbody \xc3\xa9\r", false),
            (b"\r\nbody \xc3\xa9\r\n", false),
            (b"\nbody \xc3\xa9\n", false),
            (b"Subject: \xc3\xa9\r\n\r\nbody\r\n", true),
            (b"Subject: \xc3\xa9\n\nbody\n", true),
            (b"Subject: hi\nX: \xc3\xa9\n", true),
            (b"", false),
        ];
        for (message, expected) in cases {
            assert_eq!(header_is_8bit(message), expected, "{:?}", String::from_utf8_lossy(message));
        }
    }

    #[test]
    fn the_message_size_counts_crlf_line_endings_and_no_stuffed_dots() {
        let cases: [(&[u8], u64); 6] = [
            (b"", 0),
            (b"a\r\n", 3),
            (b"a\n", 3),
            (b"a", 3),
            (b".a\n..b\r\n.\n", 12),
            (b"x\n.\n", 6),
        ];
        for (message, expected) in cases {
            let size = message_size(&encode_data(message));
            assert_eq!(size, expected, "{:?}", String::from_utf8_lossy(message));
        }
    }
}
