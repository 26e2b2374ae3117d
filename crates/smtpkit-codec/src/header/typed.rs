//! The fields of RFC 5322 §3.6 and of MIME (RFC 2045, RFC 2183) read from
//! a header section through their structured parsers: the first field of
//! each name, parsed on demand.
//!
//! Each accessor gives `None` when the field is absent and the parser's
//! result otherwise, so a malformed field is an error the caller sees,
//! never a silent absence. The Resent- fields (§3.6.6) come in one block
//! per resending, the newest block on top, so their accessors give the
//! newest. `Received` (§3.6.7) comes once per hop and is the one field
//! read in full: [`received`](HeaderSection::received) gives every one,
//! newest first.

use std::borrow::Cow;

use crate::error::ParseError;
use crate::field::address::{self, AddrSpec, AddressList, Mailbox, MailboxList};
use crate::field::date::{self, DateTime};
use crate::field::message_id::{self, MessageId};
use crate::field::mime::{
    self, ContentDisposition, ContentTransferEncoding, ContentType, MimeVersion,
};
use crate::field::phrase;
use crate::field::received::{self, Received};
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

    /// The keywords, from the first `Keywords` field.
    pub fn keywords(&self) -> Option<Result<Vec<String>, ParseError>> {
        self.parsed("Keywords", phrase::keywords)
    }

    /// Every `Received` trace field, in the order they appear, which is
    /// newest first: each server puts its own on top (RFC 5321 §4.4).
    ///
    /// ```
    /// use smtpkit_codec::{HeaderOptions, HeaderSection};
    ///
    /// let input = b"Received: by mx.example; Tue, 1 Jul 2003 10:52:37 +0200\r\n\
    ///               Received: from mail.example; nonsense\r\n\r\n";
    /// let (section, _) = HeaderSection::parse_message(input, &HeaderOptions::default())?;
    /// let received: Vec<_> = section.received().collect();
    /// assert_eq!(received.len(), 2);
    /// assert_eq!(received[0].as_ref().expect("valid").by.as_ref().expect("by").value, "mx.example");
    /// assert!(received[1].is_err());
    /// # Ok::<(), smtpkit_codec::ParseError>(())
    /// ```
    pub fn received(&self) -> impl Iterator<Item = Result<Received<'_>, ParseError>> + '_ {
        self.get_all("Received").map(|field| received::received(field.raw_value()))
    }

    /// The newest resending's authors, from `Resent-From`.
    pub fn resent_from(&self) -> Option<Result<MailboxList, ParseError>> {
        self.parsed("Resent-From", address::mailbox_list)
    }

    /// The newest resending's sender, from `Resent-Sender`.
    pub fn resent_sender(&self) -> Option<Result<Mailbox, ParseError>> {
        self.parsed("Resent-Sender", address::mailbox)
    }

    /// The newest resending's primary recipients, from `Resent-To`.
    pub fn resent_to(&self) -> Option<Result<AddressList, ParseError>> {
        self.parsed("Resent-To", address::address_list)
    }

    /// The newest resending's carbon-copy recipients, from `Resent-Cc`.
    pub fn resent_cc(&self) -> Option<Result<AddressList, ParseError>> {
        self.parsed("Resent-Cc", address::address_list)
    }

    /// The newest resending's blind-copy recipients, from `Resent-Bcc`.
    pub fn resent_bcc(&self) -> Option<Result<AddressList, ParseError>> {
        self.parsed("Resent-Bcc", address::address_list)
    }

    /// When the newest resending happened, from `Resent-Date`.
    pub fn resent_date(&self) -> Option<Result<DateTime, ParseError>> {
        self.parsed("Resent-Date", date::date_time)
    }

    /// The newest resending's identifier, from `Resent-Message-ID`.
    pub fn resent_message_id(&self) -> Option<Result<MessageId, ParseError>> {
        self.parsed("Resent-Message-ID", message_id::msg_id)
    }

    /// The MIME version, from `MIME-Version`.
    pub fn mime_version(&self) -> Option<Result<MimeVersion, ParseError>> {
        self.parsed("MIME-Version", mime::mime_version)
    }

    /// How the body is to be presented, from `Content-Disposition`.
    pub fn content_disposition(&self) -> Option<Result<ContentDisposition, ParseError>> {
        self.parsed("Content-Disposition", mime::content_disposition)
    }

    /// How the body is encoded, from `Content-Transfer-Encoding`.
    pub fn content_transfer_encoding(&self) -> Option<Result<ContentTransferEncoding, ParseError>> {
        self.parsed("Content-Transfer-Encoding", mime::content_transfer_encoding)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::HeaderOptions;

    fn section(input: &[u8]) -> HeaderSection<'_> {
        let (section, _) = HeaderSection::parse_message(input, &HeaderOptions::default())
            .expect("a valid section");
        section
    }

    /// Whether an accessor found its field (`Some`) and whether it parsed.
    type Probe = fn(&HeaderSection<'_>) -> Option<bool>;

    /// Every structured accessor, with its field's name, a valid value and
    /// a malformed one.
    const ACCESSORS: [(&str, &str, &str, Probe); 24] = [
        ("From", "a@example.org", "a@", |s| s.from().map(|r| r.is_ok())),
        ("Sender", "a@example.org", "a, b", |s| s.sender().map(|r| r.is_ok())),
        ("Reply-To", "a@example.org", "<a", |s| s.reply_to().map(|r| r.is_ok())),
        ("To", "a@example.org", "<a", |s| s.to().map(|r| r.is_ok())),
        ("Cc", "a@example.org", "<a", |s| s.cc().map(|r| r.is_ok())),
        ("Bcc", "a@example.org", "<a", |s| s.bcc().map(|r| r.is_ok())),
        ("Date", "1 Jul 2003 10:52:37 +0200", "30 Feb 2020 10:00 +0000", |s| {
            s.date().map(|r| r.is_ok())
        }),
        ("Message-ID", "<a@b>", "a@b", |s| s.message_id().map(|r| r.is_ok())),
        ("In-Reply-To", "<a@b> <c@d>", "<a@b", |s| s.in_reply_to().map(|r| r.is_ok())),
        ("References", "<a@b> <c@d>", "<a@b", |s| s.references().map(|r| r.is_ok())),
        ("Return-Path", "<a@example.org>", "<a", |s| s.return_path().map(|r| r.is_ok())),
        ("Content-Type", "text/plain", "text", |s| s.content_type().map(|r| r.is_ok())),
        ("Keywords", "a, b", "a; b", |s| s.keywords().map(|r| r.is_ok())),
        ("Resent-From", "a@example.org", "a@", |s| s.resent_from().map(|r| r.is_ok())),
        ("Resent-Sender", "a@example.org", "a, b", |s| s.resent_sender().map(|r| r.is_ok())),
        ("Resent-To", "a@example.org", "<a", |s| s.resent_to().map(|r| r.is_ok())),
        ("Resent-Cc", "a@example.org", "<a", |s| s.resent_cc().map(|r| r.is_ok())),
        ("Resent-Bcc", "a@example.org", "<a", |s| s.resent_bcc().map(|r| r.is_ok())),
        ("Resent-Date", "1 Jul 2003 10:52:37 +0200", "1 Jul 2003", |s| {
            s.resent_date().map(|r| r.is_ok())
        }),
        ("Resent-Message-ID", "<a@b>", "a@b", |s| s.resent_message_id().map(|r| r.is_ok())),
        ("MIME-Version", "1.0", "1", |s| s.mime_version().map(|r| r.is_ok())),
        ("Content-Disposition", "inline", "inline; =x", |s| {
            s.content_disposition().map(|r| r.is_ok())
        }),
        ("Content-Transfer-Encoding", "base64", "base 64", |s| {
            s.content_transfer_encoding().map(|r| r.is_ok())
        }),
        ("Received", "by mx.example; 1 Jul 2003 10:52:37 +0200", "by mx.example", |s| {
            s.received().next().map(|r| r.is_ok())
        }),
    ];

    #[test]
    fn each_accessor_reads_its_field_and_reports_a_malformed_one() {
        for (name, good, bad, probe) in ACCESSORS {
            let input = format!("{name}: {good}\r\n\r\n");
            assert_eq!(probe(&section(input.as_bytes())), Some(true), "{name}: {good}");
            let input = format!("{name}: {bad}\r\n\r\n");
            assert_eq!(probe(&section(input.as_bytes())), Some(false), "{name}: {bad}");
        }
    }

    #[test]
    fn each_accessor_gives_none_when_its_field_is_absent() {
        let input = b"Subject: nothing else\r\nX-Resent-From: a@example.org\r\n\r\n";
        for (name, _, _, probe) in ACCESSORS {
            assert_eq!(probe(&section(input)), None, "{name}");
        }
    }

    #[test]
    fn accessors_find_their_field_in_any_case_of_its_name() {
        for (name, good, _, probe) in ACCESSORS {
            for name in [name.to_ascii_lowercase(), name.to_ascii_uppercase()] {
                let input = format!("{name}: {good}\r\n\r\n");
                assert_eq!(probe(&section(input.as_bytes())), Some(true), "{name}");
            }
        }
    }

    #[test]
    fn resent_accessors_give_the_newest_resending_and_its_values() {
        let input = b"Resent-From: Second <second@example.org>\r\n\
            Resent-Sender: helper@example.org\r\n\
            Resent-To: Team: dave@example.net;, erin@example.net\r\n\
            Resent-Cc: carol@example.net\r\n\
            Resent-Bcc: hidden@example.net\r\n\
            Resent-Date: Wed, 2 Jul 2003 08:00:00 -0500\r\n\
            Resent-Message-ID: <second@example.org>\r\n\
            Resent-From: first@example.org\r\n\
            Resent-Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n\
            Resent-Message-ID: <first@example.org>\r\n\
            From: author@example.org\r\n\r\n";
        let section = section(input);

        let from = section.resent_from().expect("present").expect("valid");
        assert_eq!(from.mailboxes()[0].display_name(), Some("Second"));
        assert_eq!(from.mailboxes()[0].addr_spec().to_string(), "second@example.org");
        let sender = section.resent_sender().expect("present").expect("valid");
        assert_eq!(sender.addr_spec().to_string(), "helper@example.org");
        let to = section.resent_to().expect("present").expect("valid");
        assert_eq!(to.mailboxes().count(), 2);
        assert!(
            matches!(&to.addresses()[0], address::Address::Group(g) if g.display_name() == "Team")
        );
        let cc = section.resent_cc().expect("present").expect("valid");
        assert_eq!(
            cc.mailboxes().next().map(|m| m.addr_spec().to_string()).as_deref(),
            Some("carol@example.net")
        );
        let bcc = section.resent_bcc().expect("present").expect("valid");
        assert_eq!(bcc.mailboxes().count(), 1);
        let date = section.resent_date().expect("present").expect("valid");
        assert_eq!(date.to_rfc3339(), "2003-07-02T08:00:00-05:00");
        let id = section.resent_message_id().expect("present").expect("valid");
        assert_eq!(id.to_string(), "<second@example.org>");
        assert_eq!(section.from().expect("present").expect("valid").mailboxes().len(), 1);
    }

    #[test]
    fn mime_accessors_give_structured_values() {
        let input = b"MIME-Version: 1.0 (generated)\r\n\
            Content-Disposition: attachment; filename*=utf-8'de'Gr%C3%BC%C3%9Fe.txt\r\n\
            Content-Transfer-Encoding: Quoted-Printable\r\n\
            Keywords: tax, \"2024 return\"\r\n\r\n";
        let section = section(input);

        let version = section.mime_version().expect("present").expect("valid");
        assert_eq!((version.major, version.minor), (1, 0));
        let disposition = section.content_disposition().expect("present").expect("valid");
        assert!(disposition.is_attachment());
        assert_eq!(disposition.filename(), Some("Grüße.txt"));
        assert_eq!(disposition.parameters()[0].charset(), Some("utf-8"));
        assert_eq!(disposition.parameters()[0].language(), Some("de"));
        let encoding = section.content_transfer_encoding().expect("present").expect("valid");
        assert_eq!(encoding, ContentTransferEncoding::QuotedPrintable);
        let keywords = section.keywords().expect("present").expect("valid");
        assert_eq!(keywords, ["tax", "2024 return"]);
    }

    #[test]
    fn received_gives_every_trace_field_newest_first() {
        let input = b"Received: from relay.example by mx.example with ESMTP;\r\n \
            Tue, 1 Jul 2003 10:52:40 +0200\r\n\
            Subject: between\r\n\
            Received: from client.example by relay.example; Tue, 1 Jul 2003 10:52:37 +0200\r\n\r\n";
        let section = section(input);

        let received: Vec<Received> =
            section.received().collect::<Result<_, _>>().expect("all valid");
        let hosts: Vec<_> = received
            .iter()
            .map(|r| r.by.as_ref().map(|c| c.value.as_ref()).expect("a by clause"))
            .collect();
        assert_eq!(hosts, ["mx.example", "relay.example"]);
        assert_eq!(received[0].with.as_ref().map(|c| c.value.as_ref()), Some("ESMTP"));
        assert_eq!(received[1].date.to_rfc3339(), "2003-07-01T10:52:37+02:00");
    }
}
