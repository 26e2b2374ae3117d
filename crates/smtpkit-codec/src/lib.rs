//! The SMTP grammar, without I/O: commands, replies and their parts, parsed
//! from bytes and serialized back.
//!
//! A server feeds the bytes it has read to [`parse_command`]; a client feeds
//! its bytes to [`parse_reply`]. Each returns a value that borrows from the
//! input and the number of bytes it took, or [`Status::Incomplete`] when more
//! bytes are needed, or a [`ParseError`] that says where the input went wrong
//! and which reply a server should send for it. Every value writes itself
//! back with `write_to` or `to_bytes`, and parsing that gives the same value.
//!
//! ```
//! use smtpkit_codec::{parse_command, Command, CommandOptions, ReversePath, Status};
//!
//! let options = CommandOptions::default();
//! let input = b"MAIL FROM:<alice@example.org> SIZE=1024\r\nRCPT TO:<bob@example.org>\r\n";
//! let Ok(Status::Complete { value, consumed }) = parse_command(input, &options) else {
//!     panic!("a valid command");
//! };
//! let Command::Mail { reverse_path: ReversePath::Mailbox(sender), parameters } = &value else {
//!     panic!("MAIL");
//! };
//! assert_eq!(sender.to_string(), "alice@example.org");
//! assert_eq!(parameters.size(), Some(1024));
//! assert_eq!(value.to_bytes(), &input[..consumed]);
//!
//! let error = parse_command(b"MAIL FROM:<alice@example.org\r\n", &options).unwrap_err();
//! assert_eq!(error.offset(), 28);
//! assert_eq!(error.to_string(), "expected \">\" at offset 28");
//! ```
//!
//! The message a client sends after DATA starts with its header section
//! (RFC 5322), which [`parse_header_section`] reads into [`HeaderField`]s
//! that keep their bytes; [`encoded_word`] decodes and encodes the RFC 2047
//! encoded words of their text.
//!
//! ```
//! use smtpkit_codec::{parse_header_section, HeaderOptions};
//!
//! let message = b"From: alice@example.org\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nHi\r\n";
//! let (section, consumed) = parse_header_section(message, &HeaderOptions::default())
//!     .expect("a valid header section")
//!     .complete()
//!     .expect("the empty line has arrived");
//! assert_eq!(section.get("subject").expect("present").unstructured(), "Grüße");
//! assert_eq!(&message[consumed..], b"Hi\r\n");
//! assert!(parse_header_section(b"no colon\r\n\r\n", &HeaderOptions::default()).is_err());
//! ```
//!
//! The modules follow the protocol: [`line`](mod@line) frames lines within
//! their limits; commands, replies, addresses, parameters, EHLO
//! capabilities, header sections and encoded words each have a file of
//! their own, and so does the message content after DATA or BDAT
//! ([`DataDecoder`], [`DataEncoder`], [`BdatChunk`]); [`CommandOptions`], [`ReplyOptions`] and [`HeaderOptions`]
//! hold the limits and the named tolerances of the parsers. [`field`]
//! parses the structured header fields on demand: its date type stays at
//! `field::date::DateTime`, apart from the RFC 3339 [`DateTime`] of SMTP
//! parameters.
#![forbid(unsafe_code)]

mod address;
mod builder;
mod capability;
mod command;
mod data;
pub mod encoded_word;
mod error;
pub mod field;
mod header;
pub mod line;
mod options;
mod params;
mod reply;
mod status;
#[cfg(any(test, feature = "proptest"))]
pub mod strategies;
mod text;
pub mod xtext;

pub use address::{
    AddressLiteral, Domain, ForwardPath, GeneralLiteral, Host, LocalPart, Mailbox, ReversePath,
};
pub use builder::{BuildError, MessageBuilder, BODY_LINE_LIMIT};
pub use capability::{Capabilities, Capability};
pub use command::{
    command_line, parse_command, Argument, Base64, Command, EtrnNode, InitialResponse, Mechanism,
    MechanismName,
};
pub use data::{
    bdat_chunks, encode_data, BareLineEndings, BdatChunk, BdatChunks, DataDecoder, DataEncoder,
    DataOptions, DataReport, DecodeStatus, BDAT_CHUNK_SIZE,
};
pub use encoded_word::{
    decode_unstructured, decode_word, encode_unstructured, encode_unstructured_utf8,
};
pub use error::{ErrorKind, ParseError, Status};
pub use field::address::{AddrSpec, Address, AddressList, Group, MailboxList};
pub use field::message_id::MessageId;
pub use field::mime::{ContentDisposition, ContentTransferEncoding, ContentType, MimeVersion};
pub use field::received::Received;
pub use header::{
    parse_header_section, HeaderField, HeaderOptions, HeaderSection, HEADER_FIELDS_LIMIT,
    HEADER_LINE_LIMIT, HEADER_SECTION_LIMIT,
};
pub use options::{CommandOptions, DOMAIN_LIMIT, LOCAL_PART_LIMIT, PATH_LIMIT};
pub use params::{
    AuthAddress, BodyType, ByMode, DateTime, DeliverBy, EnvId, EsmtpKeyword, EsmtpValue,
    HoldForSeconds, MailParameter, MailParameters, Notify, OriginalRecipient, Parameters, Priority,
    RcptParameter, RcptParameters, Ret, RrvsAction, ENVID_LIMIT,
};
pub use reply::{parse_reply, Reply, ReplyLine, ReplyOptions, REPLY_LINES_LIMIT, REPLY_SIZE_LIMIT};
pub use status::{EnhancedStatusCode, InvalidEnhancedStatusCode, ReplyClass, ReplyCode};
