//! What a mock session offers and enforces: its name, its extensions, and
//! the limits of RFC 5321 §4.5.3.

use std::collections::BTreeMap;
use std::sync::Arc;

use smtpkit_codec::line::{COMMAND_LINE_LIMIT, TEXT_LINE_LIMIT};
use smtpkit_codec::{BareLineEndings, CommandOptions, ParseError};

/// The name the server gives itself when none is configured.
pub const DEFAULT_HOSTNAME: &str = "localhost";

/// How many octets a command line may exceed [`COMMAND_LINE_LIMIT`] by, so
/// that the parameters of the offered extensions fit: RFC 3461 §5 lets DSN
/// parameters lengthen RCPT by up to 500 octets, more than SIZE (26,
/// RFC 1870 §3), ENVID and RET (100) or SMTPUTF8 (10, RFC 6531 §3.4) add.
pub const EXTENSION_LINE_ALLOWANCE: usize = 500;

/// The largest message accepted by default, in octets: 10 MiB, counted on
/// the message as stored (RFC 1870 §3).
pub const DEFAULT_MESSAGE_SIZE_LIMIT: u64 = 10 * 1024 * 1024;

/// How many recipients one transaction may have by default. RFC 5321
/// §4.5.3.1.8 asks servers to accept at least 100.
pub const DEFAULT_RECIPIENTS_LIMIT: usize = 100;

/// How many client errors a session may make by default before the server
/// gives up on it with 421 4.7.0 and closes.
pub const DEFAULT_ERRORS_LIMIT: usize = 20;

/// How a [`Session`](crate::Session) behaves: the name it gives, the
/// extensions it offers, and its limits.
///
/// The default is an ESMTP server called `localhost` that offers every
/// extension it implements and enforces the RFC's limits.
///
/// ```
/// use smtpkit_mock::SessionConfig;
///
/// let config = SessionConfig { hostname: "mx.example.org".into(), ..SessionConfig::default() };
/// assert_eq!(config.max_recipients, 100);
/// assert!(config.extensions.pipelining);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// The server's name, in the greeting and the reply to EHLO. It must
    /// be one word of printable characters. Default [`DEFAULT_HOSTNAME`].
    pub hostname: String,
    /// Speak LMTP (RFC 2033): LHLO instead of EHLO and HELO, and one reply
    /// per recipient at the end of the data. Default off.
    pub lmtp: bool,
    /// Which extensions the reply to EHLO or LHLO offers. Default all.
    pub extensions: Extensions,
    /// How commands are parsed: the command line limit and the tolerated
    /// deviations. Default the RFC's grammar with a line limit of
    /// [`COMMAND_LINE_LIMIT`] plus [`EXTENSION_LINE_ALLOWANCE`].
    pub command_options: CommandOptions,
    /// Longest line of message text after DATA, CRLF included
    /// (RFC 5321 §4.5.3.1.6). Default [`TEXT_LINE_LIMIT`], 1000.
    pub text_line_limit: usize,
    /// Largest message in octets, as stored: offered with SIZE, checked
    /// against `MAIL FROM … SIZE=` and while the message arrives.
    /// Default [`DEFAULT_MESSAGE_SIZE_LIMIT`].
    pub max_message_size: u64,
    /// Most recipients of one transaction; one more gets 452 4.5.3.
    /// Default [`DEFAULT_RECIPIENTS_LIMIT`].
    pub max_recipients: usize,
    /// Most client errors in a session; the next one gets 421 4.7.0 and
    /// the session closes. Default [`DEFAULT_ERRORS_LIMIT`].
    pub max_errors: usize,
    /// What to do with a bare CR or LF in the data after DATA.
    /// Default [`BareLineEndings::Reject`].
    pub bare_line_endings: BareLineEndings,
    /// Offer STARTTLS (RFC 3207). The session only answers the command;
    /// the I/O layer does the handshake, so a server turns this on when
    /// it has a certificate. Default off.
    pub starttls: bool,
    /// Refuse MAIL with 530 5.7.0 until the session runs over TLS.
    /// Default off.
    pub require_tls: bool,
    /// Whether and whom AUTH (RFC 4954) accepts. Default off.
    pub auth: AuthMode,
    /// Offer AUTH without TLS to a client on a loopback address, where
    /// test setups often have no TLS. Elsewhere AUTH needs TLS first
    /// (538 5.7.11). Default off.
    pub auth_without_tls_on_loopback: bool,
    /// Where the nonces of CRAM-MD5 challenges start. `None`, the
    /// default, draws a new start for each session, so that no client can
    /// predict a challenge and replay a response it recorded. A fixed
    /// seed makes a session's output depend on its input alone, which
    /// tests and fuzzers that compare two runs need; a server should not
    /// set it.
    pub challenge_seed: Option<u64>,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            hostname: DEFAULT_HOSTNAME.to_owned(),
            lmtp: false,
            extensions: Extensions::default(),
            command_options: CommandOptions {
                line_limit: COMMAND_LINE_LIMIT + EXTENSION_LINE_ALLOWANCE,
                ..CommandOptions::default()
            },
            text_line_limit: TEXT_LINE_LIMIT,
            max_message_size: DEFAULT_MESSAGE_SIZE_LIMIT,
            max_recipients: DEFAULT_RECIPIENTS_LIMIT,
            max_errors: DEFAULT_ERRORS_LIMIT,
            bare_line_endings: BareLineEndings::Reject,
            starttls: false,
            require_tls: false,
            auth: AuthMode::Off,
            auth_without_tls_on_loopback: false,
            challenge_seed: None,
        }
    }
}

/// The extensions a session offers, each on or off. An extension that is
/// off is not listed and its commands and parameters are refused as if
/// the server did not know them.
///
/// ```
/// use smtpkit_mock::Extensions;
///
/// let plain = Extensions::none();
/// assert!(!plain.chunking && !plain.pipelining);
/// assert!(Extensions::default().chunking);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Extensions {
    /// PIPELINING (RFC 2920). The session reads pipelined commands either
    /// way; this only says so to the client.
    pub pipelining: bool,
    /// 8BITMIME (RFC 6152): `BODY=8BITMIME`.
    pub eight_bit_mime: bool,
    /// SMTPUTF8 (RFC 6531): the `SMTPUTF8` parameter and UTF-8 addresses.
    pub smtputf8: bool,
    /// ENHANCEDSTATUSCODES (RFC 2034). When off, replies carry no enhanced
    /// status codes.
    pub enhanced_status_codes: bool,
    /// SIZE (RFC 1870), offered with the message size limit, and the
    /// `SIZE=` parameter.
    pub size: bool,
    /// CHUNKING (RFC 3030): the BDAT command.
    pub chunking: bool,
    /// BINARYMIME (RFC 3030): `BODY=BINARYMIME`. Offered only together
    /// with CHUNKING, which it needs.
    pub binarymime: bool,
    /// DSN (RFC 3461): the `RET`, `ENVID`, `NOTIFY` and `ORCPT` parameters.
    pub dsn: bool,
}

impl Default for Extensions {
    fn default() -> Self {
        Self {
            pipelining: true,
            eight_bit_mime: true,
            smtputf8: true,
            enhanced_status_codes: true,
            size: true,
            chunking: true,
            binarymime: true,
            dsn: true,
        }
    }
}

impl Extensions {
    /// No extension at all, as an RFC 821 server.
    pub fn none() -> Self {
        Self {
            pipelining: false,
            eight_bit_mime: false,
            smtputf8: false,
            enhanced_status_codes: false,
            size: false,
            chunking: false,
            binarymime: false,
            dsn: false,
        }
    }
}

/// A [`SessionConfig`] that cannot make a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} in session configuration: {source}")]
pub struct ConfigError {
    /// The field that is wrong.
    pub field: &'static str,
    /// What is wrong with it.
    #[source]
    pub source: ParseError,
}

/// Gives the secret of a user (password, or token for XOAUTH2), or `None`
/// for an unknown user.
pub type SecretLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Whether a session answers AUTH, and whom it lets in. The mechanisms
/// offered are PLAIN, LOGIN, CRAM-MD5 and XOAUTH2.
///
/// ```
/// use smtpkit_mock::AuthMode;
///
/// let users = AuthMode::users([("hoge", "secret")]);
/// assert_eq!(users.secret("hoge").as_deref(), Some("secret"));
/// assert_eq!(users.secret("fuga"), None);
/// assert!(!AuthMode::Off.is_on());
/// ```
#[derive(Clone, Default)]
pub enum AuthMode {
    /// AUTH is not offered; the command gets 502 5.5.1.
    #[default]
    Off,
    /// Any user name and secret is accepted.
    AcceptAny,
    /// Each user with their secret.
    Users(Arc<BTreeMap<String, String>>),
    /// A function that gives a user's secret.
    Lookup(SecretLookup),
}

impl AuthMode {
    /// The users of `pairs`, each with their secret.
    pub fn users<U: Into<String>, S: Into<String>>(
        pairs: impl IntoIterator<Item = (U, S)>,
    ) -> Self {
        Self::Users(Arc::new(pairs.into_iter().map(|(u, s)| (u.into(), s.into())).collect()))
    }

    /// True unless [`AuthMode::Off`].
    pub fn is_on(&self) -> bool {
        !matches!(self, Self::Off)
    }

    /// The secret of `user`, where the mode knows users.
    pub fn secret(&self, user: &str) -> Option<String> {
        match self {
            Self::Off | Self::AcceptAny => None,
            Self::Users(users) => users.get(user).cloned(),
            Self::Lookup(lookup) => lookup(user),
        }
    }
}

impl std::fmt::Debug for AuthMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets stay out of logs.
        match self {
            Self::Off => f.write_str("Off"),
            Self::AcceptAny => f.write_str("AcceptAny"),
            Self::Users(users) => write!(f, "Users({} users)", users.len()),
            Self::Lookup(_) => f.write_str("Lookup(..)"),
        }
    }
}

impl PartialEq for AuthMode {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Off, Self::Off) | (Self::AcceptAny, Self::AcceptAny) => true,
            (Self::Users(a), Self::Users(b)) => a == b,
            (Self::Lookup(a), Self::Lookup(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for AuthMode {}
