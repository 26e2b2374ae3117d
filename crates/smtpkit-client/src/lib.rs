//! An async SMTP client for tokio.
//!
//! [`Client`] sends commands built from the codec's validated types and
//! checks each line again before any of it goes out, so no value can put
//! CR, LF, NUL or another control character onto a command line, and reads
//! replies with the codec's bounded parser. It greets with EHLO (falling back to HELO),
//! sends messages with [`Client::send`] (pipelined when the server offers
//! PIPELINING, with per-recipient results), dot-stuffs every message, and
//! keeps a transcript of both directions. Its errors say whether a retry
//! may help ([`Error::is_transient`]) and whether a message may have been
//! delivered without a reply saying so ([`Error::is_outcome_unknown`]).
//!
//! ```no_run
//! use smtpkit_client::{Client, ClientConfig};
//! use smtpkit_codec::Host;
//!
//! # async fn run() -> Result<(), smtpkit_client::Error> {
//! let mut client = Client::connect("127.0.0.1:2525", ClientConfig::default()).await?;
//! let capabilities = client.ehlo(&Host::new("client.example").expect("a valid name")).await?;
//! println!("pipelining: {}", capabilities.supports_pipelining());
//! client.quit().await?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod auth;
mod client;
mod error;
mod tls;
mod transcript;

pub use auth::Credentials;
pub use client::{Client, ClientConfig, Envelope, SendReport};
pub use error::{Error, ErrorKind, ProtocolViolation};
pub use smtpkit_codec as codec;
pub use tls::{ClientTls, Connection, TlsMode};
pub use transcript::{Direction, Transcript, TRANSCRIPT_LIMIT};
