//! An in-memory mock mail server (MTA) for tests and for learning SMTP.
//!
//! The server's protocol logic is [`Session`], a pure state machine: the
//! bytes a client sent go in, the replies to write and the [`Event`]s to
//! act on come out. It does no I/O and reads no clock, so the same bytes
//! give the same replies and messages however they are split, and a
//! fuzzer can drive it directly. Each accepted message comes out as a
//! [`ReceivedMessage`]: its envelope, its content exactly as stored, and
//! the transcript of the session that sent it.
//!
//! ```
//! use smtpkit_mock::{Event, Session, SessionConfig};
//!
//! let mut session = Session::new(SessionConfig::default(), "192.0.2.7:2525")?;
//! session.receive(b"EHLO example.net\r\nMAIL FROM:<hoge@example.net>\r\n");
//! session.receive(b"RCPT TO:<fuga@example.net>\r\nDATA\r\n");
//! session.receive(b"Hello, this is HAL-9000.\r\n.\r\nQUIT\r\n");
//!
//! let events: Vec<Event> = session.events().collect();
//! let Event::MessageReceived(message) = &events[0] else { panic!("a message") };
//! assert_eq!(message.envelope.recipients[0].forward_path.to_string(), "<fuga@example.net>");
//! assert_eq!(message.content, b"Hello, this is HAL-9000.\r\n");
//! assert!(session.is_closed());
//!
//! // Nothing runs before the greeting is answered: MAIL needs EHLO first.
//! let mut session = Session::new(SessionConfig::default(), "192.0.2.7:2525")?;
//! session.receive(b"MAIL FROM:<hoge@example.net>\r\n");
//! assert!(session.take_output().ends_with(b"503 5.5.1 bad sequence of commands\r\n"));
//! # Ok::<(), smtpkit_mock::ConfigError>(())
//! ```
//!
//! [`config`](SessionConfig) holds what a session offers and its limits,
//! [`policy`](Policy) the hook for scripted replies, [`message`](ReceivedMessage)
//! what a session hands over, and [`Transcript`] the bounded record of
//! both directions. The tokio listener and the store are built on top.
#![forbid(unsafe_code)]

mod config;
mod maildir;
mod message;
mod policy;
mod rules;
mod server;
mod session;
mod store;
mod tls;
mod transcript;

pub use config::{
    AuthMode, ConfigError, Extensions, SecretLookup, SessionConfig, DEFAULT_ERRORS_LIMIT,
    DEFAULT_HOSTNAME, DEFAULT_MESSAGE_SIZE_LIMIT, DEFAULT_RECIPIENTS_LIMIT,
    EXTENSION_LINE_ALLOWANCE,
};
pub use maildir::Maildirs;
pub use message::{
    Envelope, Hello, HelloVerb, ReceivedMessage, Recipient, SessionFacts, Transfer, Violation,
};
pub use policy::{AcceptAll, Decision, Phase, Policy};
pub use rules::{parse_rule, Action, On, Rule, RuleGuard, Rules, VerifyError};
pub use server::{
    IoObserver, MessageObserver, MockServer, MockServerBuilder, PolicyFactory, TlsFailureObserver,
    DEFAULT_COMMAND_DEADLINE, DEFAULT_CONNECTION_LIMIT, DEFAULT_DATA_DEADLINE, SHUTDOWN_GRACE,
};
pub use session::{CloseReason, Event, Session, SessionSetup};
pub use store::{
    summary, Reservation, Store, Stored, StoredMessage, WaitError, DEFAULT_STORE_CAPACITY,
};
pub use tls::{ServerTls, Tls, TlsError, TlsFacts};
pub use transcript::{Direction, Transcript, TRANSCRIPT_LIMIT};

pub use smtpkit_codec as codec;
