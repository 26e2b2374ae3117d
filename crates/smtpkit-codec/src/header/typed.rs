//! The fields of RFC 5322 §3.6 read from a header section through their
//! structured parsers: the first field of each name, parsed on demand.
//!
//! Each accessor gives `None` when the field is absent and the parser's
//! result otherwise, so a malformed field is an error the caller sees,
//! never a silent absence.

use std::borrow::Cow;

use crate::error::ParseError;
use crate::field::address::{self, AddrSpec, AddressList, Mailbox, MailboxList};
use crate::field::date::{self, DateTime};
use crate::field::message_id::{self, MessageId};
use crate::field::mime::{self, ContentType};
use crate::header::HeaderSection;

impl HeaderSection<'_> {
    /// The authors, from the first `From` field.
    ///
    /// ```
    /// use smtpkit_codec::{HeaderOptions, HeaderSection};
    ///
    /// let input = b"From: Alice <alice@example.org>\r\nDate: nonsense\r\n\r\n";
    /// let (section, _) = HeaderSection::parse_message(input, &HeaderOptions::default())?;
    /// let from = section.from().expect("present")?;
    /// assert_eq!(from.mailboxes()[0].display_name(), Some("Alice"));
    /// assert!(section.date().expect("present").is_err());
    /// assert!(section.to().is_none());
    /// # Ok::<(), smtpkit_codec::ParseError>(())
    /// ```
    pub fn from(&self) -> Option<Result<MailboxList, ParseError>> {
        self.parsed("From", address::mailbox_list)
    }

    /// The mailbox responsible for sending, from `Sender`.
    pub fn sender(&self) -> Option<Result<Mailbox, ParseError>> {
        self.parsed("Sender", address::mailbox)
    }

    /// Where replies should go, from `Reply-To`.
    pub fn reply_to(&self) -> Option<Result<AddressList, ParseError>> {
        self.parsed("Reply-To", address::address_list)
    }

    /// The primary recipients, from `To`.
    pub fn to(&self) -> Option<Result<AddressList, ParseError>> {
        self.parsed("To", address::address_list)
    }

    /// The carbon-copy recipients, from `Cc`.
    pub fn cc(&self) -> Option<Result<AddressList, ParseError>> {
        self.parsed("Cc", address::address_list)
    }

    /// The blind-copy recipients, from `Bcc`, when a stored copy kept it.
    pub fn bcc(&self) -> Option<Result<AddressList, ParseError>> {
        self.parsed("Bcc", address::address_list)
    }

    /// The origination date, from `Date`.
    pub fn date(&self) -> Option<Result<DateTime, ParseError>> {
        self.parsed("Date", date::date_time)
    }

    /// The message identifier, from `Message-ID`.
    pub fn message_id(&self) -> Option<Result<MessageId, ParseError>> {
        self.parsed("Message-ID", message_id::msg_id)
    }

    /// The identifiers this message replies to, from `In-Reply-To`.
    pub fn in_reply_to(&self) -> Option<Result<Vec<MessageId>, ParseError>> {
        self.parsed("In-Reply-To", message_id::in_reply_to)
    }

    /// The thread's identifiers, from `References`.
    pub fn references(&self) -> Option<Result<Vec<MessageId>, ParseError>> {
        self.parsed("References", message_id::references)
    }

    /// The bounce address a final server recorded, from `Return-Path`:
    /// `Some(Ok(None))` for `<>`.
    pub fn return_path(&self) -> Option<Result<Option<AddrSpec>, ParseError>> {
        self.parsed("Return-Path", address::path)
    }

    /// The media type of the body, from `Content-Type`.
    pub fn content_type(&self) -> Option<Result<ContentType, ParseError>> {
        self.parsed("Content-Type", mime::content_type)
    }

    /// The subject, unfolded with its encoded words decoded.
    pub fn subject(&self) -> Option<Cow<'_, str>> {
        self.get("Subject").map(|field| field.unstructured())
    }

    /// Runs `parse` on the raw value of the first field named `name`.
    fn parsed<T>(
        &self,
        name: &str,
        parse: impl FnOnce(&[u8]) -> Result<T, ParseError>,
    ) -> Option<Result<T, ParseError>> {
        self.get(name).map(|field| parse(field.raw_value()))
    }
}
