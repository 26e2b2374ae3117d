//! SMTP commands: parsing a command line into a [`Command`] and writing one
//! back (RFC 5321 §4.1, with STARTTLS from RFC 3207, AUTH from RFC 4954,
//! BDAT from RFC 3030, ETRN from RFC 1985 and LHLO from RFC 2033).

use std::borrow::Cow;
use std::fmt;

use crate::address::{
    forward_path, host, reverse_path, whole, Domain, ForwardPath, Host, ReversePath,
};
use crate::error::{fail, failure, ErrorKind, Failure, PResult, ParseError, Status};
use crate::line::split_line;
use crate::options::CommandOptions;
use crate::params::{parameters, MailParameters, RcptParameters};
use crate::status::{EnhancedStatusCode, ReplyCode};
use crate::text::Text;

/// One SMTP command, borrowing from the line it was parsed from.
///
/// Parse one with [`parse_command`]; write one with [`Command::write_to`] or
/// [`Command::to_bytes`]. A verb the parser does not know is
/// [`Command::Unknown`], not an error, so that a server can answer it with
/// 500 5.5.2 and go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command<'a> {
    /// `HELO host`: the old greeting, without extensions.
    Helo(Host<'a>),
    /// `EHLO host`: the greeting that asks for the server's extensions.
    Ehlo(Host<'a>),
    /// `LHLO host`: the LMTP greeting (RFC 2033).
    Lhlo(Host<'a>),
    /// `MAIL FROM:<reverse-path> [parameters]`: starts a transaction.
    Mail {
        /// Where reports about the message go; `<>` for none.
        reverse_path: ReversePath<'a>,
        /// The mail parameters, in the order given.
        parameters: MailParameters<'a>,
    },
    /// `RCPT TO:<forward-path> [parameters]`: adds a recipient.
    Rcpt {
        /// The recipient.
        forward_path: ForwardPath<'a>,
        /// The recipient parameters, in the order given.
        parameters: RcptParameters<'a>,
    },
    /// `DATA`: the message follows, ended by a line holding one dot.
    Data,
    /// `BDAT size [LAST]`: a chunk of `size` octets follows (RFC 3030).
    Bdat {
        /// The size of the chunk in octets.
        size: u64,
        /// True when this is the last chunk of the message.
        last: bool,
    },
    /// `RSET`: aborts the current transaction.
    Rset,
    /// `VRFY argument`: asks whether a user or mailbox exists.
    Vrfy(Argument<'a>),
    /// `EXPN argument`: asks for the members of a mailing list.
    Expn(Argument<'a>),
    /// `HELP [argument]`
    Help(Option<Argument<'a>>),
    /// `NOOP [argument]`: does nothing; the argument is ignored.
    Noop(Option<Argument<'a>>),
    /// `QUIT`: ends the session.
    Quit,
    /// `STARTTLS`: starts TLS on this connection (RFC 3207).
    StartTls,
    /// `AUTH mechanism [initial-response]` (RFC 4954).
    Auth {
        /// The SASL mechanism.
        mechanism: Mechanism<'a>,
        /// The initial response, if the client sent one.
        initial_response: Option<InitialResponse<'a>>,
    },
    /// `ETRN node`: asks the server to start its queue for a node
    /// (RFC 1985).
    Etrn(EtrnNode<'a>),
    /// A verb this parser does not know, with whatever followed it.
    Unknown {
        /// The verb as sent.
        verb: Argument<'a>,
        /// The rest of the line after the first space, if any.
        arguments: Option<Argument<'a>>,
    },
}

/// Reads the first command line of `input`.
///
/// `input` may hold part of a line, a line, or several pipelined lines; only
/// the first is read, and `consumed` says how far it went. An AUTH line may
/// be up to `options.auth_line_limit` long, any other line up to
/// `options.line_limit`.
///
/// # Errors
///
/// A [`ParseError`] with the offset into `input` and, through
/// [`ParseError::server_reply`], the reply a server should send: 500 5.5.6
/// for a line too long, 500 5.5.2 for a line that is not a command at all,
/// 501 for bad arguments. After an error the server skips the line
/// (see [`crate::line::skip_line`]) and reads on.
///
/// ```
/// use smtpkit_codec::{parse_command, Command, CommandOptions, Status};
///
/// let options = CommandOptions::default();
/// let Ok(Status::Complete { value, consumed }) =
///     parse_command(b"RCPT TO:<bob@example.org>\r\nDATA\r\n", &options)
/// else {
///     panic!("a valid command");
/// };
/// assert!(matches!(value, Command::Rcpt { .. }));
/// assert_eq!(consumed, 27);
///
/// let error = parse_command(b"RCPT TO:<bob@>\r\n", &options).expect_err("no domain");
/// assert_eq!(error.offset(), 13);
/// assert_eq!(error.server_reply().0.get(), 501);
/// ```
pub fn parse_command<'a>(
    input: &'a [u8],
    options: &CommandOptions,
) -> Result<Status<Command<'a>>, ParseError> {
    let limit = if starts_with_auth(input) { options.auth_line_limit } else { options.line_limit };
    let (line, consumed) = match split_line(input, limit, options.allow_bare_lf)? {
        Status::Complete { value, consumed } => (value, consumed),
        Status::Incomplete => return Ok(Status::Incomplete),
    };
    let value = command_line(line, options)?;
    Ok(Status::Complete { value, consumed })
}

/// Parses one command line without its line ending.
///
/// This is [`parse_command`] for callers that did the framing themselves.
///
/// # Errors
///
/// As [`parse_command`], with offsets into `line`.
// TODO(perf): a pipelined stream of MAIL and RCPT lines with DSN
// parameters parses at a little over half the speed of smtp-proto's. The
// 304-octet `Command`, with up to four parameters inline, is moved through
// three layers on its way out (a tenth of the time), and each byte of a
// parameter is read by several layers in turn (framing, path, esmtp-param,
// the typed value). One pass that types parameters as it reads them, and
// parameters out of line, would remove most of both.
pub fn command_line<'a>(
    line: &'a [u8],
    options: &CommandOptions,
) -> Result<Command<'a>, ParseError> {
    let mut body = line;
    if options.allow_trailing_space {
        while let [rest @ .., b' ' | b'\t'] = body {
            body = rest;
        }
    }
    crate::error::finish(line, command(body, options)).map_err(|e| with_reply_for(line, e))
}

impl<'a> Command<'a> {
    /// Writes the command line in canonical form, CRLF included.
    ///
    /// ```
    /// use smtpkit_codec::{Command, Host};
    ///
    /// let command = Command::Ehlo(Host::new("client.example").expect("a valid name"));
    /// assert_eq!(command.to_bytes(), b"EHLO client.example\r\n");
    /// ```
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Self::Helo(h) => verb_and_display(out, "HELO ", h),
            Self::Ehlo(h) => verb_and_display(out, "EHLO ", h),
            Self::Lhlo(h) => verb_and_display(out, "LHLO ", h),
            Self::Mail { reverse_path, parameters } => {
                verb_and_display(out, "MAIL FROM:", reverse_path);
                parameters.write_to(out);
            }
            Self::Rcpt { forward_path, parameters } => {
                verb_and_display(out, "RCPT TO:", forward_path);
                parameters.write_to(out);
            }
            Self::Data => out.extend_from_slice(b"DATA"),
            Self::Bdat { size, last } => {
                verb_and_display(out, "BDAT ", size);
                if *last {
                    out.extend_from_slice(b" LAST");
                }
            }
            Self::Rset => out.extend_from_slice(b"RSET"),
            Self::Vrfy(a) => verb_and_display(out, "VRFY ", a),
            Self::Expn(a) => verb_and_display(out, "EXPN ", a),
            Self::Help(a) => verb_and_optional(out, "HELP", a.as_ref()),
            Self::Noop(a) => verb_and_optional(out, "NOOP", a.as_ref()),
            Self::Quit => out.extend_from_slice(b"QUIT"),
            Self::StartTls => out.extend_from_slice(b"STARTTLS"),
            Self::Auth { mechanism, initial_response } => {
                verb_and_display(out, "AUTH ", mechanism);
                if let Some(response) = initial_response {
                    out.push(b' ');
                    out.extend_from_slice(response.wire().as_bytes());
                }
            }
            Self::Etrn(node) => verb_and_display(out, "ETRN ", node),
            Self::Unknown { verb, arguments } => {
                out.extend_from_slice(verb.as_str().as_bytes());
                if let Some(arguments) = arguments {
                    out.push(b' ');
                    out.extend_from_slice(arguments.as_str().as_bytes());
                }
            }
        }
        out.extend_from_slice(b"\r\n");
    }

    /// The command line in canonical form, CRLF included.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.write_to(&mut out);
        out
    }

    /// The verb, upper-case, or as sent for an unknown one.
    pub fn verb(&self) -> &str {
        match self {
            Self::Helo(_) => "HELO",
            Self::Ehlo(_) => "EHLO",
            Self::Lhlo(_) => "LHLO",
            Self::Mail { .. } => "MAIL",
            Self::Rcpt { .. } => "RCPT",
            Self::Data => "DATA",
            Self::Bdat { .. } => "BDAT",
            Self::Rset => "RSET",
            Self::Vrfy(_) => "VRFY",
            Self::Expn(_) => "EXPN",
            Self::Help(_) => "HELP",
            Self::Noop(_) => "NOOP",
            Self::Quit => "QUIT",
            Self::StartTls => "STARTTLS",
            Self::Auth { .. } => "AUTH",
            Self::Etrn(_) => "ETRN",
            Self::Unknown { verb, .. } => verb.as_str(),
        }
    }

    /// Detaches the command from the input it borrows from.
    pub fn into_owned(self) -> Command<'static> {
        match self {
            Self::Helo(h) => Command::Helo(h.into_owned()),
            Self::Ehlo(h) => Command::Ehlo(h.into_owned()),
            Self::Lhlo(h) => Command::Lhlo(h.into_owned()),
            Self::Mail { reverse_path, parameters } => Command::Mail {
                reverse_path: reverse_path.into_owned(),
                parameters: parameters.into_owned(),
            },
            Self::Rcpt { forward_path, parameters } => Command::Rcpt {
                forward_path: forward_path.into_owned(),
                parameters: parameters.into_owned(),
            },
            Self::Data => Command::Data,
            Self::Bdat { size, last } => Command::Bdat { size, last },
            Self::Rset => Command::Rset,
            Self::Vrfy(a) => Command::Vrfy(a.into_owned()),
            Self::Expn(a) => Command::Expn(a.into_owned()),
            Self::Help(a) => Command::Help(a.map(Argument::into_owned)),
            Self::Noop(a) => Command::Noop(a.map(Argument::into_owned)),
            Self::Quit => Command::Quit,
            Self::StartTls => Command::StartTls,
            Self::Auth { mechanism, initial_response } => Command::Auth {
                mechanism: mechanism.into_owned(),
                initial_response: initial_response.map(InitialResponse::into_owned),
            },
            Self::Etrn(node) => Command::Etrn(node.into_owned()),
            Self::Unknown { verb, arguments } => Command::Unknown {
                verb: verb.into_owned(),
                arguments: arguments.map(Argument::into_owned),
            },
        }
    }
}

/// Free text after a verb: printable ASCII, spaces, tabs and (where the
/// options allow) UTF-8, with no control character that could end the line.
///
/// ```
/// use smtpkit_codec::Argument;
///
/// assert!(Argument::new("John Smith").is_ok());
/// assert!(Argument::new("x\r\nRCPT TO:<victim@example.org>").is_err());
/// assert!(Argument::new("").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Argument<'a>(Cow<'a, str>);

impl<'a> Argument<'a> {
    /// Checks that `text` is not empty, holds no control character other
    /// than HT, and neither starts nor ends with a space or tab (which a
    /// command line cannot carry without changing its meaning).
    ///
    /// # Errors
    ///
    /// A [`ParseError`] at the offending byte of `text`.
    pub fn new(text: impl Into<Cow<'a, str>>) -> Result<Self, ParseError> {
        let text = text.into();
        let options = CommandOptions::default();
        whole(text.as_bytes(), |i| argument(i, &options))?;
        Ok(Self(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> Argument<'static> {
        Argument(Cow::Owned(self.0.into_owned()))
    }
}

impl fmt::Display for Argument<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A SASL mechanism name (RFC 4422 §3.1), as AUTH names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mechanism<'a> {
    /// `PLAIN` (RFC 4616).
    Plain,
    /// `LOGIN`, the widespread unregistered mechanism.
    Login,
    /// `CRAM-MD5` (RFC 2195).
    CramMd5,
    /// `XOAUTH2`, OAuth 2.0 bearer tokens as Google and Microsoft take them.
    XOAuth2,
    /// `SCRAM-SHA-256` (RFC 7677).
    ScramSha256,
    /// Any other mechanism, upper-case.
    Other(MechanismName<'a>),
}

/// The name of a mechanism that [`Mechanism`] has no variant for: checked
/// against the sasl-mech grammar and upper-case, so it can only be made by
/// [`Mechanism::new`] and never carries a byte that would end the command.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MechanismName<'a>(Cow<'a, str>);

impl MechanismName<'_> {
    /// The name, upper-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'a> Mechanism<'a> {
    /// Reads a mechanism name, case-insensitively.
    ///
    /// ```abnf
    /// sasl-mech    = 1*20mech-char
    /// mech-char    = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE
    /// ```
    /// RFC 4422 §3.1 (edited: lower-case letters are taken, as servers do,
    /// and folded to upper case).
    ///
    /// # Errors
    ///
    /// A [`ParseError`] at the first byte that is not a mech-char, or at 20
    /// when the name is longer.
    pub fn new(name: &'a str) -> Result<Self, ParseError> {
        whole(name.as_bytes(), mechanism)
    }

    /// The name, upper-case.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Plain => "PLAIN",
            Self::Login => "LOGIN",
            Self::CramMd5 => "CRAM-MD5",
            Self::XOAuth2 => "XOAUTH2",
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::Other(name) => name.as_str(),
        }
    }

    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> Mechanism<'static> {
        match self {
            Self::Plain => Mechanism::Plain,
            Self::Login => Mechanism::Login,
            Self::CramMd5 => Mechanism::CramMd5,
            Self::XOAuth2 => Mechanism::XOAuth2,
            Self::ScramSha256 => Mechanism::ScramSha256,
            Self::Other(name) => Mechanism::Other(MechanismName(Cow::Owned(name.0.into_owned()))),
        }
    }
}

impl fmt::Display for Mechanism<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The initial response of AUTH: base64 data, or `=` for an empty one.
///
/// The data often holds a password, so `Debug` never shows it.
///
/// ```
/// use smtpkit_codec::InitialResponse;
///
/// let response = InitialResponse::new("AGJvYgBzZWNyZXQ=").expect("base64");
/// assert_eq!(format!("{response:?}"), "InitialResponse::Data(<redacted>)");
/// assert_eq!(response.wire(), "AGJvYgBzZWNyZXQ=");
/// assert!(InitialResponse::new("not base64!").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum InitialResponse<'a> {
    /// `=`: a response of zero length.
    Empty,
    /// Base64 data, still encoded.
    Data(Base64<'a>),
}

/// Base64 text as RFC 4954 §4 writes it, still encoded; it can only be
/// made by [`InitialResponse::new`], so it holds nothing but base64
/// characters and padding. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Base64<'a>(Cow<'a, str>);

impl Base64<'_> {
    /// The encoded text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Base64<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Base64(<redacted>)")
    }
}

impl<'a> InitialResponse<'a> {
    /// Reads `=` or base64 text.
    ///
    /// ```abnf
    /// initial-response = base64 / "="
    /// base64           = base64-terminal /
    ///                    ( 1*(4base64-char) [base64-terminal] )
    /// base64-char      = ALPHA / DIGIT / "+" / "/"
    /// base64-terminal  = (2base64-char "==") / (3base64-char "=")
    /// ```
    /// RFC 4954 §4.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] at the first byte that breaks the grammar.
    pub fn new(text: &'a str) -> Result<Self, ParseError> {
        whole(text.as_bytes(), initial_response)
    }

    /// The response as sent: `=` or the base64 text.
    pub fn wire(&self) -> &str {
        match self {
            Self::Empty => "=",
            Self::Data(data) => data.as_str(),
        }
    }

    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> InitialResponse<'static> {
        match self {
            Self::Empty => InitialResponse::Empty,
            Self::Data(data) => InitialResponse::Data(Base64(Cow::Owned(data.0.into_owned()))),
        }
    }
}

impl fmt::Debug for InitialResponse<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("InitialResponse::Empty"),
            Self::Data(_) => f.write_str("InitialResponse::Data(<redacted>)"),
        }
    }
}

/// What ETRN asks the server to flush (RFC 1985 §5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EtrnNode<'a> {
    /// `domain`: mail queued for this domain.
    Domain(Domain<'a>),
    /// `@domain`: mail for this domain and its subdomains.
    Subdomains(Domain<'a>),
    /// `#queue`: a named queue.
    Queue(Argument<'a>),
}

impl EtrnNode<'_> {
    /// Detaches the value from the input it borrows from.
    pub fn into_owned(self) -> EtrnNode<'static> {
        match self {
            Self::Domain(d) => EtrnNode::Domain(d.into_owned()),
            Self::Subdomains(d) => EtrnNode::Subdomains(d.into_owned()),
            Self::Queue(q) => EtrnNode::Queue(q.into_owned()),
        }
    }
}

impl fmt::Display for EtrnNode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(d) => d.fmt(f),
            Self::Subdomains(d) => write!(f, "@{d}"),
            Self::Queue(q) => write!(f, "#{q}"),
        }
    }
}

/// Parses a command line without its ending.
///
/// ```abnf
/// command = ehlo / helo / mail / rcpt / data / rset / vrfy / expn / help /
///           noop / quit / starttls / auth / bdat / etrn / lhlo / unknown
/// unknown = 1*VCHAR [ SP argument ]
/// ```
/// RFC 5321 §4.1.1 with the extensions named in this module's doc.
fn command<'a>(line: &'a [u8], options: &CommandOptions) -> PResult<'a, Command<'a>> {
    let verb_len = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let (verb, rest) = line.split_at(verb_len);
    let upper = upper_verb(verb);
    let key: &[u8] = if verb.len() <= upper.len() { &upper[..verb.len()] } else { b"" };
    let arguments = rest.strip_prefix(b" ");

    let (rest, command) = match (key, arguments) {
        (b"HELO", Some(a)) => one(a, |a| host(a, options, Text::new(a)), Command::Helo),
        (b"EHLO", Some(a)) => one(a, |a| host(a, options, Text::new(a)), Command::Ehlo),
        (b"LHLO", Some(a)) => one(a, |a| host(a, options, Text::new(a)), Command::Lhlo),
        (b"MAIL", Some(a)) => mail(a, options),
        (b"RCPT", Some(a)) => rcpt(a, options),
        (b"DATA", None) => Ok((rest, Command::Data)),
        (b"BDAT", Some(a)) => bdat(a),
        (b"RSET", None) => Ok((rest, Command::Rset)),
        (b"VRFY", Some(a)) => one(a, |a| argument(a, options), Command::Vrfy),
        (b"EXPN", Some(a)) => one(a, |a| argument(a, options), Command::Expn),
        (b"HELP", None) => Ok((rest, Command::Help(None))),
        (b"HELP", Some(a)) => one(a, |a| argument(a, options), |a| Command::Help(Some(a))),
        (b"NOOP", None) => Ok((rest, Command::Noop(None))),
        (b"NOOP", Some(a)) => one(a, |a| argument(a, options), |a| Command::Noop(Some(a))),
        (b"QUIT", None) => Ok((rest, Command::Quit)),
        (b"STARTTLS", None) => Ok((rest, Command::StartTls)),
        (b"AUTH", Some(a)) => auth(a),
        (b"ETRN", Some(a)) => one(a, |a| etrn_node(a, options), Command::Etrn),
        (known, _) if is_known_verb(known) => {
            // A known verb with an argument it does not take, or without one
            // it needs.
            let expected = if arguments.is_some() { "end of line" } else { "SP and an argument" };
            fail(rest, ErrorKind::Syntax { expected })
        }
        _ => unknown(line, verb_len, options),
    }?;
    if !rest.is_empty() {
        return fail(rest, ErrorKind::Syntax { expected: "end of line" });
    }
    Ok((rest, command))
}

/// Parses MAIL's arguments after `MAIL `.
///
/// ```abnf
/// mail = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF
/// ```
/// RFC 5321 §4.1.1.2.
fn mail<'a>(input: &'a [u8], options: &CommandOptions) -> PResult<'a, Command<'a>> {
    let input = keyword_colon(input, b"FROM:", options)?;
    let text = Text::new(input);
    let (rest, reverse_path) =
        reverse_path(input, options, text).map_err(|e| path_error(e, true))?;
    let (rest, parameters) = match rest.strip_prefix(b" ") {
        Some(params) => parameters(params, options, text)?,
        None => (rest, MailParameters::default()),
    };
    Ok((rest, Command::Mail { reverse_path, parameters }))
}

/// Parses RCPT's arguments after `RCPT `.
///
/// ```abnf
/// rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" /
///        Forward-path ) [SP Rcpt-parameters] CRLF
/// ```
/// RFC 5321 §4.1.1.3.
fn rcpt<'a>(input: &'a [u8], options: &CommandOptions) -> PResult<'a, Command<'a>> {
    let input = keyword_colon(input, b"TO:", options)?;
    let text = Text::new(input);
    let (rest, forward_path) =
        forward_path(input, options, text).map_err(|e| path_error(e, false))?;
    let (rest, parameters) = match rest.strip_prefix(b" ") {
        Some(params) => parameters(params, options, text)?,
        None => (rest, RcptParameters::default()),
    };
    Ok((rest, Command::Rcpt { forward_path, parameters }))
}

/// Parses BDAT's arguments after `BDAT `.
///
/// ```abnf
/// bdat-cmd   = "BDAT" SP chunk-size [ SP end-marker ] CR LF
/// chunk-size = 1*DIGIT
/// end-marker = "LAST"
/// ```
/// RFC 3030 §2.
fn bdat(input: &[u8]) -> PResult<'_, Command<'_>> {
    let (rest, size) = number(input, "chunk-size")?;
    match rest.strip_prefix(b" ") {
        None => Ok((rest, Command::Bdat { size, last: false })),
        Some(marker) if marker.len() >= 4 && marker[..4].eq_ignore_ascii_case(b"LAST") => {
            Ok((&marker[4..], Command::Bdat { size, last: true }))
        }
        Some(marker) => fail(marker, ErrorKind::Syntax { expected: "end-marker" }),
    }
}

/// Parses AUTH's arguments after `AUTH `.
///
/// ```abnf
/// auth-command = "AUTH" SP sasl-mech [SP initial-response] *(CRLF [base64]) [CRLF cancel-response] CRLF
/// ```
/// RFC 4954 §4; the lines after the first are read by the session, not here.
fn auth(input: &[u8]) -> PResult<'_, Command<'_>> {
    let (rest, mechanism) = mechanism(input)?;
    let (rest, initial_response) = match rest.strip_prefix(b" ") {
        Some(response) => {
            let (rest, response) = initial_response(response)?;
            (rest, Some(response))
        }
        None => (rest, None),
    };
    Ok((rest, Command::Auth { mechanism, initial_response }))
}

/// See [`Mechanism::new`].
fn mechanism(input: &[u8]) -> PResult<'_, Mechanism<'_>> {
    let len =
        input.iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_').count();
    if len == 0 {
        return fail(input, ErrorKind::Syntax { expected: "sasl-mech" });
    }
    if len > 20 {
        return fail(&input[20..], ErrorKind::TooLong { element: "sasl-mech", limit: 20 });
    }
    let (name, rest) = input.split_at(len);
    let known = [
        (&b"PLAIN"[..], Mechanism::Plain),
        (b"LOGIN", Mechanism::Login),
        (b"CRAM-MD5", Mechanism::CramMd5),
        (b"XOAUTH2", Mechanism::XOAuth2),
        (b"SCRAM-SHA-256", Mechanism::ScramSha256),
    ];
    for (known_name, mechanism) in known {
        if name.eq_ignore_ascii_case(known_name) {
            return Ok((rest, mechanism));
        }
    }
    let name = String::from_utf8_lossy(name).to_ascii_uppercase();
    Ok((rest, Mechanism::Other(MechanismName(Cow::Owned(name)))))
}

/// See [`InitialResponse::new`].
fn initial_response(input: &[u8]) -> PResult<'_, InitialResponse<'_>> {
    if let Some(rest) = input.strip_prefix(b"=") {
        return Ok((rest, InitialResponse::Empty));
    }
    let len = base64_len(input)?;
    let text = std::str::from_utf8(&input[..len]).unwrap_or_default();
    Ok((&input[len..], InitialResponse::Data(Base64(Cow::Borrowed(text)))))
}

/// The length of the base64 text at the start of `input`.
fn base64_len(input: &[u8]) -> Result<usize, nom::Err<Failure<'_>>> {
    let is_char = |b: &u8| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/';
    let chars = input.iter().take_while(|b| is_char(b)).count();
    let pad = input[chars..].iter().take(2).take_while(|&&b| b == b'=').count();
    let len = chars + pad;
    if chars == 0 {
        return Err(failure(input, ErrorKind::Syntax { expected: "base64" }));
    }
    // A multiple of four rules out a lone trailing character and pads that
    // do not match the characters before them.
    if len % 4 != 0 {
        return Err(failure(&input[len..], ErrorKind::Syntax { expected: "base64-terminal" }));
    }
    Ok(len)
}

/// Parses ETRN's node name.
///
/// ```abnf
/// etrn      = "ETRN" SP node-name CRLF
/// node-name = domain / "@" domain / "#" String
/// ```
/// RFC 1985 §5 (edited: the queue name is any argument text).
fn etrn_node<'a>(input: &'a [u8], options: &CommandOptions) -> PResult<'a, EtrnNode<'a>> {
    match input.first() {
        Some(b'@') => {
            let (rest, domain) = crate::address::domain(&input[1..], options, Text::none())?;
            Ok((rest, EtrnNode::Subdomains(domain)))
        }
        Some(b'#') => {
            let (rest, queue) = argument(&input[1..], options)?;
            Ok((rest, EtrnNode::Queue(queue)))
        }
        _ => {
            let (rest, domain) = crate::address::domain(input, options, Text::none())?;
            Ok((rest, EtrnNode::Domain(domain)))
        }
    }
}

/// Parses an unknown verb and what follows it.
fn unknown<'a>(
    line: &'a [u8],
    verb_len: usize,
    options: &CommandOptions,
) -> PResult<'a, Command<'a>> {
    if verb_len == 0 {
        return fail(line, ErrorKind::Syntax { expected: "command verb" });
    }
    if let Some(bad) = line[..verb_len].iter().position(|&b| !(33..=126).contains(&b)) {
        return fail(&line[bad..], ErrorKind::Syntax { expected: "command verb" });
    }
    let verb = Argument(Cow::Borrowed(std::str::from_utf8(&line[..verb_len]).unwrap_or_default()));
    let rest = &line[verb_len..];
    let Some(arguments) = rest.strip_prefix(b" ") else {
        return Ok((rest, Command::Unknown { verb, arguments: None }));
    };
    let (rest, arguments) = argument(arguments, options)?;
    Ok((rest, Command::Unknown { verb, arguments: Some(arguments) }))
}

/// Parses free argument text to the end of the line.
///
/// ```abnf
/// argument = VCHAR-or-UTF8 *( *WSP VCHAR-or-UTF8 )
/// ```
/// (edited: RFC 5321 gives VRFY and EXPN a `String` and HELP and NOOP a
/// `String` too; real clients send paths, names with spaces and mailbox
/// lists, which this takes.)
fn argument<'a>(input: &'a [u8], options: &CommandOptions) -> PResult<'a, Argument<'a>> {
    if input.first().is_none_or(|&b| b == b' ' || b == b'\t') {
        return fail(input, ErrorKind::Syntax { expected: "argument" });
    }
    for (i, &b) in input.iter().enumerate() {
        let ok = matches!(b, b'\t' | 32..=126) || (b >= 0x80 && options.allow_utf8);
        if !ok {
            let kind = if b >= 0x80 {
                ErrorKind::NonAscii
            } else {
                ErrorKind::Syntax { expected: "printable text" }
            };
            return fail(&input[i..], kind);
        }
    }
    if matches!(input.last(), Some(b' ' | b'\t')) {
        return fail(&input[input.len() - 1..], ErrorKind::Syntax { expected: "end of line" });
    }
    let text = std::str::from_utf8(input)
        .map_err(|e| failure(&input[e.valid_up_to()..], ErrorKind::NonAscii))?;
    Ok((&input[input.len()..], Argument(Cow::Borrowed(text))))
}

/// Reads `1*DIGIT` as a u64.
fn number<'a>(input: &'a [u8], expected: &'static str) -> PResult<'a, u64> {
    let len = input.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 {
        return fail(input, ErrorKind::Syntax { expected });
    }
    let mut value: u64 = 0;
    for &b in &input[..len] {
        value = match value.checked_mul(10).and_then(|v| v.checked_add(u64::from(b - b'0'))) {
            Some(v) => v,
            None => return fail(input, ErrorKind::OutOfRange { element: expected }),
        };
    }
    Ok((&input[len..], value))
}

/// Matches `FROM:` or `TO:` case-insensitively, then the tolerated spaces.
fn keyword_colon<'a>(
    input: &'a [u8],
    keyword: &'static [u8],
    options: &CommandOptions,
) -> Result<&'a [u8], nom::Err<Failure<'a>>> {
    if input.len() < keyword.len() || !input[..keyword.len()].eq_ignore_ascii_case(keyword) {
        let expected = if keyword == b"FROM:" { "\"FROM:\"" } else { "\"TO:\"" };
        return Err(failure(input, ErrorKind::Syntax { expected }));
    }
    let mut rest = &input[keyword.len()..];
    if options.allow_space_after_colon {
        while let Some(after) = rest.strip_prefix(b" ") {
            rest = after;
        }
    }
    Ok(rest)
}

/// Runs `parser` on the arguments and wraps the value.
fn one<'a, T>(
    input: &'a [u8],
    parser: impl FnOnce(&'a [u8]) -> PResult<'a, T>,
    wrap: impl FnOnce(T) -> Command<'a>,
) -> PResult<'a, Command<'a>> {
    let (rest, value) = parser(input)?;
    Ok((rest, wrap(value)))
}

/// Gives an address error the reply for a bad sender or recipient address.
fn path_error(error: nom::Err<Failure<'_>>, sender: bool) -> nom::Err<Failure<'_>> {
    match error {
        nom::Err::Error(mut f) | nom::Err::Failure(mut f) => {
            if !matches!(f.kind, Some(ErrorKind::NonAscii)) {
                let enhanced = if sender {
                    EnhancedStatusCode::BAD_SENDER_SYNTAX
                } else {
                    EnhancedStatusCode::BAD_DESTINATION_SYNTAX
                };
                f.reply = Some((ReplyCode::SYNTAX_ERROR_IN_PARAMETERS, enhanced));
            }
            nom::Err::Failure(f)
        }
        incomplete => incomplete,
    }
}

/// Sets the reply an error should get when it is not the default.
fn with_reply_for(line: &[u8], error: ParseError) -> ParseError {
    let at_verb = line.iter().position(|&b| b == b' ').is_none_or(|space| error.offset() <= space);
    if error.is_line_too_long() {
        return error;
    }
    if at_verb && matches!(error.kind(), ErrorKind::Syntax { expected: "command verb" }) {
        return error.with_reply(ReplyCode::SYNTAX_ERROR, EnhancedStatusCode::SYNTAX_ERROR);
    }
    error
}

/// The verb's first eight bytes, upper-case.
fn upper_verb(verb: &[u8]) -> [u8; 8] {
    let mut upper = [0u8; 8];
    for (u, b) in upper.iter_mut().zip(verb) {
        *u = b.to_ascii_uppercase();
    }
    upper
}

/// True for the verbs of this module.
fn is_known_verb(verb: &[u8]) -> bool {
    matches!(
        verb,
        b"HELO"
            | b"EHLO"
            | b"LHLO"
            | b"MAIL"
            | b"RCPT"
            | b"DATA"
            | b"BDAT"
            | b"RSET"
            | b"VRFY"
            | b"EXPN"
            | b"HELP"
            | b"NOOP"
            | b"QUIT"
            | b"STARTTLS"
            | b"AUTH"
            | b"ETRN"
    )
}

/// True when `input` begins with `AUTH ` in any case.
fn starts_with_auth(input: &[u8]) -> bool {
    input.len() >= 5 && input[..5].eq_ignore_ascii_case(b"AUTH ")
}

fn verb_and_display(out: &mut Vec<u8>, verb: &str, value: &dyn fmt::Display) {
    use std::io::Write as _;
    out.extend_from_slice(verb.as_bytes());
    write!(out, "{value}").expect("writing to a Vec cannot fail");
}

fn verb_and_optional(out: &mut Vec<u8>, verb: &str, argument: Option<&Argument<'_>>) {
    out.extend_from_slice(verb.as_bytes());
    if let Some(argument) = argument {
        out.push(b' ');
        out.extend_from_slice(argument.as_str().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{LocalPart, Mailbox};

    fn parse(input: &[u8]) -> Result<Status<Command<'_>>, ParseError> {
        parse_command(input, &CommandOptions::default())
    }

    fn complete(input: &[u8]) -> Command<'_> {
        match parse(input) {
            Ok(Status::Complete { value, consumed }) => {
                assert_eq!(consumed, input.len(), "{:?}", String::from_utf8_lossy(input));
                value
            }
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(input)),
        }
    }

    fn mailbox(text: &str) -> Mailbox<'_> {
        Mailbox::parse(text).expect("valid mailbox")
    }

    #[test]
    fn verbs_are_case_insensitive_and_serialize_upper_case() {
        let table: &[(&[u8], Command<'_>, &[u8])] = &[
            (b"quit\r\n", Command::Quit, b"QUIT\r\n"),
            (b"Data\r\n", Command::Data, b"DATA\r\n"),
            (b"rSeT\r\n", Command::Rset, b"RSET\r\n"),
            (b"starttls\r\n", Command::StartTls, b"STARTTLS\r\n"),
            (b"noop\r\n", Command::Noop(None), b"NOOP\r\n"),
            (b"help\r\n", Command::Help(None), b"HELP\r\n"),
            (
                b"mail from:<>\r\n",
                Command::Mail {
                    reverse_path: ReversePath::Null,
                    parameters: MailParameters::default(),
                },
                b"MAIL FROM:<>\r\n",
            ),
        ];
        for (input, command, canonical) in table {
            assert_eq!(&complete(input), command);
            assert_eq!(&command.to_bytes(), canonical);
        }
    }

    #[test]
    fn rfc5321_appendix_d_sessions_parse() {
        // D.1, D.2, D.3 and D.4, client side.
        let session: &[u8] = b"EHLO bar.com\r\nMAIL FROM:<Smith@bar.com>\r\n\
            RCPT TO:<Jones@foo.com>\r\nRCPT TO:<Green@foo.com>\r\nRCPT TO:<Brown@foo.com>\r\n\
            DATA\r\nQUIT\r\nRSET\r\nMAIL FROM:<JQP@bar.com>\r\nRCPT TO:<Jones@XYZ.COM>\r\n\
            VRFY Crispin\r\nSEND FROM:<Elliott@bar.com>\r\n";
        let mut rest = session;
        let mut verbs = Vec::new();
        while !rest.is_empty() {
            let Ok(Status::Complete { value, consumed }) = parse(rest) else {
                panic!("{:?}", String::from_utf8_lossy(rest));
            };
            verbs.push(value.verb().to_owned());
            rest = &rest[consumed..];
        }
        assert_eq!(
            verbs,
            [
                "EHLO", "MAIL", "RCPT", "RCPT", "RCPT", "DATA", "QUIT", "RSET", "MAIL", "RCPT",
                "VRFY", "SEND"
            ]
        );
    }

    #[test]
    fn commands_with_arguments_ok() {
        let table: Vec<(&[u8], Command<'_>)> = vec![
            (b"EHLO bar.com\r\n", Command::Ehlo(Host::new("bar.com").unwrap())),
            (b"HELO [192.0.2.1]\r\n", Command::Helo(Host::new("[192.0.2.1]").unwrap())),
            (
                b"LHLO [IPv6:2001:db8::1]\r\n",
                Command::Lhlo(Host::new("[IPv6:2001:db8::1]").unwrap()),
            ),
            (
                b"MAIL FROM:<Smith@bar.com>\r\n",
                Command::Mail {
                    reverse_path: ReversePath::Mailbox(mailbox("Smith@bar.com")),
                    parameters: MailParameters::default(),
                },
            ),
            (
                b"RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>\r\n",
                Command::Rcpt {
                    forward_path: ForwardPath::Mailbox(mailbox("userc@d.bar.org")),
                    parameters: RcptParameters::default(),
                },
            ),
            (
                b"RCPT TO:<postmaster>\r\n",
                Command::Rcpt {
                    forward_path: ForwardPath::Postmaster,
                    parameters: RcptParameters::default(),
                },
            ),
            (
                "RCPT TO:<用户@例子.广告>\r\n".as_bytes(),
                Command::Rcpt {
                    forward_path: ForwardPath::Mailbox(mailbox("用户@例子.广告")),
                    parameters: RcptParameters::default(),
                },
            ),
            (b"VRFY <Smith@bar.com>\r\n", Command::Vrfy(Argument::new("<Smith@bar.com>").unwrap())),
            (b"EXPN Example People\r\n", Command::Expn(Argument::new("Example People").unwrap())),
            (b"HELP MAIL\r\n", Command::Help(Some(Argument::new("MAIL").unwrap()))),
            (b"BDAT 86 LAST\r\n", Command::Bdat { size: 86, last: true }),
            (b"BDAT 100000\r\n", Command::Bdat { size: 100_000, last: false }),
            (b"bdat 0 last\r\n", Command::Bdat { size: 0, last: true }),
            (
                b"AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=\r\n",
                Command::Auth {
                    mechanism: Mechanism::Plain,
                    initial_response: Some(InitialResponse::new("dGVzdAB0ZXN0ADEyMzQ=").unwrap()),
                },
            ),
            (
                b"AUTH cram-md5\r\n",
                Command::Auth { mechanism: Mechanism::CramMd5, initial_response: None },
            ),
            (
                b"AUTH PLAIN =\r\n",
                Command::Auth {
                    mechanism: Mechanism::Plain,
                    initial_response: Some(InitialResponse::Empty),
                },
            ),
            (
                b"AUTH gssapi\r\n",
                Command::Auth {
                    mechanism: Mechanism::new("gssapi").expect("a sasl-mech"),
                    initial_response: None,
                },
            ),
            (
                b"ETRN @example.com\r\n",
                Command::Etrn(EtrnNode::Subdomains(Domain::new("example.com").unwrap())),
            ),
            (b"ETRN #queue1\r\n", Command::Etrn(EtrnNode::Queue(Argument::new("queue1").unwrap()))),
            (
                b"ETRN example.com\r\n",
                Command::Etrn(EtrnNode::Domain(Domain::new("example.com").unwrap())),
            ),
            (
                b"GET / HTTP/1.1\r\n",
                Command::Unknown {
                    verb: Argument::new("GET").unwrap(),
                    arguments: Some(Argument::new("/ HTTP/1.1").unwrap()),
                },
            ),
            (
                b"XCLIENT\r\n",
                Command::Unknown { verb: Argument::new("XCLIENT").unwrap(), arguments: None },
            ),
            (
                b"STARTTLSX\r\n",
                Command::Unknown { verb: Argument::new("STARTTLSX").unwrap(), arguments: None },
            ),
        ];
        for (input, command) in table {
            let command = command.into_owned();
            assert_eq!(
                complete(input).into_owned(),
                command,
                "{:?}",
                String::from_utf8_lossy(input)
            );
            let bytes = command.to_bytes();
            assert_eq!(
                complete(&bytes).into_owned(),
                command,
                "round trip of {:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn rfc_examples_with_parameters_parse_and_round_trip() {
        let table: &[&[u8]] = &[
            // RFC 1870 §6
            b"MAIL FROM:<ned@thor.innosoft.com> SIZE=500000\r\n",
            // RFC 3461 §9
            b"MAIL FROM:<Alice@Example.ORG> RET=HDRS ENVID=QQ314159\r\n",
            b"RCPT TO:<Bob@Example.COM> NOTIFY=SUCCESS ORCPT=rfc822;Bob@Example.COM\r\n",
            b"RCPT TO:<Carol@Ivory.EDU> NOTIFY=FAILURE ORCPT=rfc822;Carol@Ivory.EDU\r\n",
            // RFC 3030 §4.2
            b"MAIL FROM:<Sam@Random.com> BODY=BINARYMIME\r\n",
            // RFC 4954 §5
            b"MAIL FROM:<e=mc2@example.com> AUTH=e+3Dmc2@example.com\r\n",
            b"MAIL FROM:<bounce@example.com> AUTH=<>\r\n",
            // RFC 6531 §3.7
            "MAIL FROM:<用户@例子.广告> SMTPUTF8\r\n".as_bytes(),
            // RFC 6533 §3
            b"RCPT TO:<x@example.org> ORCPT=utf-8;\\x{7528}\\x{6237}@example.org\r\n",
            // RFC 2852, RFC 6710, RFC 4865, RFC 8689, RFC 7293
            b"MAIL FROM:<a@example.org> BY=120;R MT-PRIORITY=3 HOLDFOR=600 REQUIRETLS\r\n",
            b"RCPT TO:<b@example.org> RRVS=2014-04-03T23:01:00Z;C\r\n",
            // An unknown parameter is kept for the server to judge.
            b"MAIL FROM:<a@example.org> X-TRACE=abc XYZ\r\n",
        ];
        for input in table {
            let command = complete(input).into_owned();
            let bytes = command.to_bytes();
            assert_eq!(&bytes[..], *input, "canonical already");
            assert_eq!(complete(&bytes).into_owned(), command);
        }
    }

    #[test]
    fn mail_parameters_are_typed() {
        let command =
            complete(b"MAIL FROM:<a@example.org> SIZE=1000 BODY=8BITMIME ENVID=x+2By\r\n");
        let Command::Mail { parameters, .. } = command else { panic!("MAIL") };
        assert_eq!(parameters.size(), Some(1000));
        assert_eq!(parameters.body(), Some(crate::BodyType::EightBitMime));
        assert_eq!(parameters.envid().map(|e| e.as_str()), Some("x+y"));
    }

    #[test]
    fn source_route_is_dropped_on_output() {
        let command = complete(b"RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>\r\n");
        assert_eq!(command.to_bytes(), b"RCPT TO:<userc@d.bar.org>\r\n");
    }

    #[test]
    fn pipelined_commands_are_read_one_at_a_time() {
        let input = b"MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n";
        let Ok(Status::Complete { consumed, .. }) = parse(input) else { panic!() };
        assert_eq!(consumed, 25);
        let Ok(Status::Complete { consumed: second, .. }) = parse(&input[consumed..]) else {
            panic!()
        };
        assert_eq!(second, 23);
        assert_eq!(complete(&input[consumed + second..]), Command::Data);
    }

    #[test]
    fn every_strict_prefix_is_incomplete() {
        let inputs: &[&[u8]] = &[
            b"EHLO bar.com\r\n",
            b"MAIL FROM:<Smith@bar.com>\r\n",
            b"RCPT TO:<@a,@b:c@d>\r\n",
            b"AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=\r\n",
            b"BDAT 86 LAST\r\n",
            "RCPT TO:<用户@例子.广告>\r\n".as_bytes(),
            b"QUIT\r\n",
        ];
        for input in inputs {
            for end in 0..input.len() {
                assert_eq!(parse(&input[..end]), Ok(Status::Incomplete), "{:?}", &input[..end]);
            }
        }
    }

    #[test]
    fn invalid_commands_report_offset_and_reply() {
        let table: &[(&[u8], usize, u16, &str)] = &[
            (b"\r\n", 0, 500, "5.5.2"),
            (b"X\x01Y\r\n", 1, 500, "5.5.2"),
            (b"QUIT\n", 4, 500, "5.5.2"),
            (b"QU\rIT\r\n", 2, 500, "5.5.2"),
            (b"QUIT \r\n", 4, 501, "5.5.4"),
            (b"DATA x\r\n", 4, 501, "5.5.4"),
            (b"HELO\r\n", 4, 501, "5.5.4"),
            (b"EHLO -bad\r\n", 5, 501, "5.5.4"),
            (b"MAIL TO:<a@b>\r\n", 5, 501, "5.5.4"),
            (b"MAIL FROM: <a@b>\r\n", 10, 501, "5.1.7"),
            (b"MAIL FROM:<a@b>x\r\n", 15, 501, "5.5.4"),
            (b"RCPT TO:<bob@>\r\n", 13, 501, "5.1.3"),
            (b"RCPT TO:<bob@example.org\r\n", 24, 501, "5.1.3"),
            (b"RCPT TO:<>\r\n", 9, 501, "5.1.3"),
            ("RCPT TO:<a@b>\u{a0}\r\n".as_bytes(), 13, 501, "5.5.4"),
            (b"BDAT 99999999999999999999999\r\n", 5, 501, "5.5.4"),
            (b"BDAT 10 FIRST\r\n", 8, 501, "5.5.4"),
            (b"BDAT\r\n", 4, 501, "5.5.4"),
            (b"AUTH PLAIN abc\r\n", 14, 501, "5.5.4"),
            (b"AUTH PL@IN\r\n", 7, 501, "5.5.4"),
            (b"AUTH ABCDEFGHIJKLMNOPQRSTU\r\n", 25, 501, "5.5.4"),
            (b"VRFY x\x00y\r\n", 6, 501, "5.5.4"),
            (b"NOOP x \r\n", 6, 501, "5.5.4"),
            (b"NOOP  x\r\n", 5, 501, "5.5.4"),
            (b"MAIL FROM:<a@b> SIZE=x\r\n", 21, 501, "5.5.4"),
            (b"MAIL FROM:<a@b> SIZE=1 SIZE=2\r\n", 23, 501, "5.5.4"),
            (b"MAIL FROM:<a@b>  SIZE=1\r\n", 16, 501, "5.5.4"),
            (b"RCPT TO:<a@b> NOTIFY=NEVER,DELAY\r\n", 21, 501, "5.5.4"),
        ];
        for &(input, offset, code, enhanced) in table {
            let error = parse(input).expect_err(&String::from_utf8_lossy(input));
            let (reply, esc) = error.server_reply();
            assert_eq!(
                (error.offset(), reply.get(), esc.to_string().as_str()),
                (offset, code, enhanced),
                "{:?}: {error}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn non_ascii_address_without_utf8_gets_553() {
        let options = CommandOptions { allow_utf8: false, ..CommandOptions::default() };
        let error = parse_command("MAIL FROM:<jörg@example.org>\r\n".as_bytes(), &options)
            .expect_err("UTF-8 not allowed");
        assert_eq!((error.offset(), error.kind()), (12, &ErrorKind::NonAscii));
        assert_eq!(error.server_reply().0, ReplyCode::MAILBOX_NAME_NOT_ALLOWED);
    }

    #[test]
    fn line_limits_depend_on_the_verb() {
        let mut long_noop = b"NOOP ".to_vec();
        long_noop.resize(600, b'x');
        let error = parse(&long_noop).expect_err("over 512 octets without an end");
        assert_eq!((error.offset(), error.server_reply().0.get()), (512, 500));
        assert_eq!(error.server_reply().1, EnhancedStatusCode::LINE_TOO_LONG);

        let mut long_auth = b"AUTH PLAIN ".to_vec();
        long_auth.resize(11 + 4000, b'A');
        long_auth.extend_from_slice(b"\r\n");
        assert!(matches!(complete(&long_auth), Command::Auth { .. }));
        long_auth.truncate(11);
        long_auth.resize(12_300, b'A');
        assert!(parse(&long_auth).expect_err("over 12,288").is_line_too_long());
    }

    #[test]
    fn tolerances_are_off_by_default_and_each_can_be_turned_on() {
        type Enable = fn(&mut CommandOptions);
        let table: &[(&[u8], Enable)] = &[
            (b"MAIL FROM: <a@b.example>\r\n", |o| o.allow_space_after_colon = true),
            (b"RCPT TO:  <a@b.example>\r\n", |o| o.allow_space_after_colon = true),
            (b"MAIL FROM:a@b.example\r\n", |o| o.allow_missing_brackets = true),
            (b"QUIT  \r\n", |o| o.allow_trailing_space = true),
            (b"RCPT TO:<a@b.example> \r\n", |o| o.allow_trailing_space = true),
            (b"QUIT\n", |o| o.allow_bare_lf = true),
        ];
        for (input, enable) in table {
            assert!(parse(input).is_err(), "strict: {:?}", String::from_utf8_lossy(input));
            let mut options = CommandOptions::default();
            enable(&mut options);
            let status = parse_command(input, &options).expect("tolerated");
            assert!(!status.is_incomplete());
            assert!(parse_command(input, &CommandOptions::lenient()).is_ok());
        }
    }

    #[test]
    fn initial_response_debug_never_shows_the_data() {
        let command = complete(b"AUTH PLAIN AHVzZXIAcGFzc3dvcmQ=\r\n");
        assert!(!format!("{command:?}").contains("AHVzZXIAcGFzc3dvcmQ="));
    }

    #[test]
    fn built_commands_cannot_carry_line_breaks() {
        assert!(Argument::new("a\r\nQUIT").is_err());
        assert!(Argument::new(" leading").is_err());
        assert!(Mechanism::new("PLAIN\r\n").is_err());
        assert!(InitialResponse::new("YQ==\r\nQUIT").is_err());
        assert!(LocalPart::new("a\rb").is_err());
        assert!(crate::AddressLiteral::general("x-tag", "a\r\nQUIT").is_err());
        assert!(crate::AddressLiteral::general("x\0", "a").is_err());
    }

    #[test]
    fn known_mechanisms_in_any_case_are_their_own_variants() {
        // An unknown name can only come from the parser, so a known one can
        // never hide behind `Other` and write back as something else.
        for (name, want) in [
            ("plain", Mechanism::Plain),
            ("Login", Mechanism::Login),
            ("cram-md5", Mechanism::CramMd5),
            ("xoauth2", Mechanism::XOAuth2),
            ("scram-sha-256", Mechanism::ScramSha256),
        ] {
            assert_eq!(Mechanism::new(name), Ok(want));
        }
        let other = Mechanism::new("gssapi").expect("a sasl-mech");
        assert_eq!(other.as_str(), "GSSAPI");
        assert!(matches!(other, Mechanism::Other(_)));
    }

    proptest::proptest! {
        #[test]
        fn every_command_survives_a_round_trip(command in crate::strategies::command::command()) {
            let bytes = command.to_bytes();
            let parsed = parse(&bytes)
                .map(|status| status.map(Command::into_owned))
                .map_err(|e| e.render(&bytes));
            proptest::prop_assert_eq!(
                parsed,
                Ok(Status::Complete { value: command, consumed: bytes.len() })
            );
        }

        #[test]
        fn every_strict_prefix_of_a_command_is_incomplete(
            command in crate::strategies::command::command(),
        ) {
            let bytes = command.to_bytes();
            for end in 0..bytes.len() {
                let prefix = &bytes[..end];
                proptest::prop_assert!(
                    matches!(parse(prefix), Ok(Status::Incomplete)),
                    "{:?} gives {:?}",
                    String::from_utf8_lossy(prefix),
                    parse(prefix),
                );
            }
        }

        #[test]
        fn any_bytes_parse_without_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = parse(&bytes);
            let _ = parse_command(&bytes, &CommandOptions::lenient());
        }

        #[test]
        fn any_printable_line_parses_without_panic(line in "[ -~\\r\\n]{0,80}") {
            let _ = parse(line.as_bytes());
        }
    }
}
