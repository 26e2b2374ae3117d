//! Building a message: header fields and a text body written as correct
//! RFC 5322 (with RFC 2047 encoded words, or RFC 6532 UTF-8 where the
//! caller says SMTPUTF8 is available).
//!
//! The result is the message as it is stored, lines ending in CRLF; the
//! DATA encoder or BDAT chunking is what makes it ready for the wire.

use crate::encoded_word::{encode_phrase, encode_unstructured_utf8};
use crate::error::ParseError;
use crate::field::address::{Address, AddressList, Mailbox, MailboxList};
use crate::field::date::DateTime;
use crate::field::message_id::MessageId;
use crate::header::{HeaderField, HeaderSection};

/// The longest body line, CRLF excluded, that is written as it is
/// (RFC 5322 §2.1.1); a body with a longer line is written in
/// quoted-printable.
pub const BODY_LINE_LIMIT: usize = 998;

/// The width a quoted-printable line is kept within (RFC 2045 §6.7 (5)).
const QP_LINE_WIDTH: usize = 76;

/// Header fields the builder writes itself, which [`MessageBuilder::header`]
/// refuses so that no message gets two of them.
const OWN_FIELDS: [&str; 12] = [
    "From",
    "Sender",
    "To",
    "Cc",
    "Bcc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
];

/// Builds a message with a text body.
///
/// From is required; Date and Message-ID are generated when not given (the
/// Message-ID from the domain of the first From address). Display names and
/// the subject that are not ASCII become RFC 2047 encoded words, unless
/// [`utf8`](MessageBuilder::utf8) says the receiving server offers
/// SMTPUTF8, in which case they are written as UTF-8 (RFC 6532). Fields are
/// folded near 78 columns and never longer than 998.
///
/// ```
/// use smtpkit_codec::{field::address::Mailbox, parse_header_section, HeaderOptions, MessageBuilder};
///
/// let from: Mailbox = "Alice <alice@example.org>".parse().expect("a mailbox");
/// let to: Mailbox = "bob@example.net".parse().expect("a mailbox");
/// let message = MessageBuilder::new()
///     .from(from)
///     .to(to)
///     .subject("会議の件")
///     .text("Hello Bob.\n")
///     .build()
///     .expect("a complete message");
/// assert!(message.is_ascii());
///
/// let (section, _) = parse_header_section(&message, &HeaderOptions::default())
///     .expect("valid")
///     .complete()
///     .expect("whole");
/// assert_eq!(section.get("Subject").expect("a subject").unstructured(), "会議の件");
///
/// let sender: Mailbox = "alice@example.org".parse().expect("a mailbox");
/// let error = MessageBuilder::new().from(sender).header("Bcc", "x").build().expect_err("Bcc");
/// assert!(error.to_string().contains("Bcc"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct MessageBuilder {
    /// The authors.
    from: Vec<Mailbox>,
    /// Who sent it on the authors' behalf.
    sender: Option<Mailbox>,
    /// The primary recipients.
    to: Vec<Address>,
    /// The carbon-copy recipients.
    cc: Vec<Address>,
    /// Where replies should go.
    reply_to: Vec<Address>,
    /// The subject, as text.
    subject: Option<String>,
    /// The origination date; now when absent.
    date: Option<DateTime>,
    /// The message identifier; generated when absent.
    message_id: Option<MessageId>,
    /// Other fields, in order, as name and value.
    extra: Vec<(String, String)>,
    /// The body text; line endings are made CRLF.
    text: String,
    /// Write UTF-8 as it is (RFC 6532) rather than as encoded words.
    utf8: bool,
}

/// Why a message could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// There is no From address (RFC 5322 §3.6 requires one).
    #[error("a message needs a From address")]
    MissingFrom,
    /// Several From addresses but no Sender (RFC 5322 §3.6.2).
    #[error("a message with several From addresses needs a Sender")]
    MissingSender,
    /// An extra field names a field the builder writes itself.
    #[error("the field {name} is set through its own method, not as an extra header")]
    ReservedField {
        /// The field's name.
        name: String,
    },
    /// A field could not be written: a bad name, or CR, LF or NUL in it.
    #[error("invalid {name} field")]
    InvalidField {
        /// The field's name.
        name: String,
        /// What is wrong with it.
        #[source]
        error: ParseError,
    },
}

impl MessageBuilder {
    /// A builder with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an author.
    pub fn from(mut self, mailbox: Mailbox) -> Self {
        self.from.push(mailbox);
        self
    }

    /// Sets the Sender, needed when there are several authors.
    pub fn sender(mut self, mailbox: Mailbox) -> Self {
        self.sender = Some(mailbox);
        self
    }

    /// Adds a primary recipient: a mailbox or a group.
    pub fn to(mut self, address: impl Into<Address>) -> Self {
        self.to.push(address.into());
        self
    }

    /// Adds a carbon-copy recipient.
    pub fn cc(mut self, address: impl Into<Address>) -> Self {
        self.cc.push(address.into());
        self
    }

    /// Adds a reply address.
    pub fn reply_to(mut self, address: impl Into<Address>) -> Self {
        self.reply_to.push(address.into());
        self
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the origination date instead of now.
    pub fn date(mut self, date: DateTime) -> Self {
        self.date = Some(date);
        self
    }

    /// Sets the Message-ID instead of generating one.
    pub fn message_id(mut self, id: MessageId) -> Self {
        self.message_id = Some(id);
        self
    }

    /// Adds another field, written after the builder's own. The value is
    /// written as given (folded), so it must already be valid for its
    /// field; it is checked when the message is built.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Sets the body text. Line endings become CRLF.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    /// Says whether the message may carry UTF-8 in its header (RFC 6532),
    /// which needs a server that offers SMTPUTF8. Off by default. Even
    /// then, a word of the subject that would read as an encoded word is
    /// written as one, so that the subject reads back as it was given.
    pub fn utf8(mut self, utf8: bool) -> Self {
        self.utf8 = utf8;
        self
    }

    /// Builds the header section alone.
    ///
    /// # Errors
    ///
    /// A [`BuildError`] when From is missing, several From addresses come
    /// without a Sender, or a field cannot be written.
    pub fn build_header(&self) -> Result<HeaderSection<'static>, BuildError> {
        let first_from = self.from.first().ok_or(BuildError::MissingFrom)?;
        if self.from.len() > 1 && self.sender.is_none() {
            return Err(BuildError::MissingSender);
        }
        let mut section = HeaderSection::new();

        let date = self.date.unwrap_or_else(DateTime::now_utc);
        section.push(field("Date", &date.to_string())?);
        let from = MailboxList::new(self.from.clone()).map_err(invalid("From"))?;
        section
            .push(field("From", &self.addresses(|out, encode| from.write_to_ascii(out, encode)))?);
        if let Some(sender) = &self.sender {
            section.push(field("Sender", &self.addresses(|out, e| sender.write_to_ascii(out, e)))?);
        }
        for (name, list) in [("Reply-To", &self.reply_to), ("To", &self.to), ("Cc", &self.cc)] {
            if list.is_empty() {
                continue;
            }
            let list = AddressList::new(list.clone()).map_err(invalid(name))?;
            section.push(field(name, &self.addresses(|out, e| list.write_to_ascii(out, e)))?);
        }
        let id = match &self.message_id {
            Some(id) => id.clone(),
            None => MessageId::generate(first_from.addr_spec().domain())
                .map_err(invalid("Message-ID"))?,
        };
        section.push(field("Message-ID", &id.to_string())?);
        if let Some(subject) = &self.subject {
            let subject = if self.utf8 {
                // UTF-8 stays as it is, but a word that reads as an encoded
                // word, or that could not be folded, is encoded so that the
                // subject reads back as it was given.
                let mut value = String::with_capacity(subject.len());
                encode_unstructured_utf8(subject, &mut value);
                field("Subject", &value)
            } else {
                HeaderField::new_unstructured("Subject", subject).map_err(invalid("Subject"))
            };
            section.push(subject?);
        }

        let (_, encoding) = self.body();
        section.push(field("MIME-Version", "1.0")?);
        section.push(field("Content-Type", "text/plain; charset=utf-8")?);
        section.push(field("Content-Transfer-Encoding", encoding)?);
        for (name, value) in &self.extra {
            if OWN_FIELDS.iter().any(|own| own.eq_ignore_ascii_case(name)) {
                return Err(BuildError::ReservedField { name: name.clone() });
            }
            section.push(field(name, value)?);
        }
        Ok(section)
    }

    /// Builds the whole message: the header section, the empty line and
    /// the body, every line ending in CRLF.
    ///
    /// # Errors
    ///
    /// As [`build_header`](Self::build_header).
    pub fn build(&self) -> Result<Vec<u8>, BuildError> {
        let section = self.build_header()?;
        let (body, _) = self.body();
        // A built section writes its own empty line after the fields.
        let mut out = section.to_bytes();
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Writes addresses, encoding non-ASCII display names unless UTF-8 may
    /// be sent as it is.
    fn addresses(
        &self,
        write: impl FnOnce(&mut Vec<u8>, &mut dyn FnMut(&str) -> String),
    ) -> String {
        let mut out = Vec::new();
        let utf8 = self.utf8;
        let mut encode = |name: &str| {
            if utf8 {
                // RFC 6532 allows the name as it is; quoting is the
                // address writer's, so hand back a form it writes verbatim
                // only when no quoting is needed.
                let mut quoted = String::with_capacity(name.len() + 2);
                quoted.push('"');
                for c in name.chars() {
                    if c == '"' || c == '\\' {
                        quoted.push('\\');
                    }
                    quoted.push(c);
                }
                quoted.push('"');
                quoted
            } else {
                let mut encoded = String::new();
                encode_phrase(name, &mut encoded);
                encoded
            }
        };
        write(&mut out, &mut encode);
        String::from_utf8(out).expect("addresses are written from strings")
    }

    /// The body with CRLF line endings, and its Content-Transfer-Encoding:
    /// 7bit for short ASCII lines, 8bit for short UTF-8 lines when UTF-8
    /// may be sent, quoted-printable otherwise.
    fn body(&self) -> (Vec<u8>, &'static str) {
        let crlf = crlf_lines(&self.text);
        let short = crlf.split(|&b| b == b'\n').all(|l| l.len() <= BODY_LINE_LIMIT + 1);
        if short && crlf.is_ascii() {
            (crlf, "7bit")
        } else if short && self.utf8 {
            (crlf, "8bit")
        } else {
            (quoted_printable(&crlf), "quoted-printable")
        }
    }
}

/// A field from a value that is already in its wire form.
fn field(name: &str, value: &str) -> Result<HeaderField<'static>, BuildError> {
    HeaderField::new(name, value).map_err(invalid(name))
}

fn invalid(name: &str) -> impl FnOnce(ParseError) -> BuildError + '_ {
    move |error| BuildError::InvalidField { name: name.to_owned(), error }
}

/// `text` with every line ending (CRLF, LF or CR) made CRLF, and a final
/// CRLF added to a non-empty text that lacks one.
fn crlf_lines(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32 + 2);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                i += if bytes.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            }
            b'\n' => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Encodes CRLF-terminated lines as quoted-printable (RFC 2045 §6.7): line
/// breaks stay hard breaks, `=`, controls and non-ASCII become `=XX`, white
/// space at a line end is encoded, and soft breaks keep lines within 76.
fn quoted_printable(crlf: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(crlf.len() + crlf.len() / 8);
    for line in crlf.split_inclusive(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r\n").unwrap_or(line);
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            let at_end = i + 1 == line.len();
            let plain = matches!(b, 33..=60 | 62..=126) || (matches!(b, b' ' | b'\t') && !at_end);
            let len = if plain { 1 } else { 3 };
            // Leave room for the `=` of a soft break.
            if width + len > QP_LINE_WIDTH - 1 {
                out.extend_from_slice(b"=\r\n");
                width = 0;
            }
            if plain {
                out.push(b);
            } else {
                out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
            width += len;
        }
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::address::{address_list, mailbox_list, Group};
    use crate::field::date::date_time;
    use crate::field::message_id::msg_id;
    use crate::header::{parse_header_section, HeaderOptions};

    fn mailbox(text: &str) -> Mailbox {
        text.parse().expect("a valid mailbox")
    }

    fn parse(message: &[u8]) -> (HeaderSection<'_>, &[u8]) {
        let (section, consumed) = parse_header_section(message, &HeaderOptions::default())
            .expect("the builder writes valid header sections")
            .complete()
            .expect("with the empty line");
        (section, &message[consumed..])
    }

    fn value<'s>(section: &'s HeaderSection<'_>, name: &str) -> &'s [u8] {
        section.get(name).unwrap_or_else(|| panic!("{name} present")).raw_value()
    }

    fn text(section: &HeaderSection<'_>, name: &str) -> String {
        section.get(name).unwrap_or_else(|| panic!("{name} present")).unfolded().into_owned()
    }

    #[test]
    fn a_minimal_message_gets_date_message_id_and_mime_fields() {
        let message = MessageBuilder::new()
            .from(mailbox("alice@example.org"))
            .to(mailbox("bob@example.net"))
            .text("Hi")
            .build()
            .expect("valid");
        let (section, body) = parse(&message);
        let names: Vec<&str> = section.iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            [
                "Date",
                "From",
                "To",
                "Message-ID",
                "MIME-Version",
                "Content-Type",
                "Content-Transfer-Encoding"
            ]
        );
        assert!(date_time(value(&section, "Date")).is_ok());
        let id = msg_id(value(&section, "Message-ID")).expect("a msg-id");
        assert_eq!(id.right(), "example.org");
        assert_eq!(body, b"Hi\r\n");
        assert_eq!(text(&section, "Content-Transfer-Encoding"), "7bit");
    }

    #[test]
    fn non_ascii_names_and_subjects_are_encoded_and_read_back() {
        let message = MessageBuilder::new()
            .from(mailbox("\"Müller, Jörg\" <joerg@example.org>"))
            .to(Group::new("Freunde", vec![mailbox("山田 <yamada@example.jp>")]).expect("group"))
            .subject("会議の件について: 来週の予定")
            .build()
            .expect("valid");
        assert!(message.is_ascii(), "{}", String::from_utf8_lossy(&message));
        let (section, _) = parse(&message);
        let from = mailbox_list(value(&section, "From")).expect("From parses");
        assert_eq!(from.mailboxes()[0].display_name(), Some("Müller, Jörg"));
        let to = address_list(value(&section, "To")).expect("To parses");
        let Address::Group(group) = &to.addresses()[0] else { panic!("a group") };
        assert_eq!(group.members()[0].display_name(), Some("山田"));
        assert_eq!(
            section.get("Subject").expect("subject").unstructured(),
            "会議の件について: 来週の予定"
        );
    }

    #[test]
    fn utf8_mode_writes_names_and_subjects_as_they_are() {
        let message = MessageBuilder::new()
            .from(mailbox("Jörg <joerg@example.org>"))
            .subject("Grüße")
            .text("Grüße\n")
            .utf8(true)
            .build()
            .expect("valid");
        let text = String::from_utf8(message).expect("UTF-8");
        assert!(text.contains("From: \"Jörg\" <joerg@example.org>\r\n"), "{text}");
        assert!(text.contains("Subject: Grüße\r\n"));
        assert!(text.contains("Content-Transfer-Encoding: 8bit\r\n"));
    }

    #[test]
    fn long_and_non_ascii_bodies_are_quoted_printable() {
        let long = "x".repeat(1200);
        let message = MessageBuilder::new()
            .from(mailbox("a@example.org"))
            .text(format!("café =\r\n{long}\n"))
            .build()
            .expect("valid");
        let (section, body) = parse(&message);
        assert_eq!(text(&section, "Content-Transfer-Encoding"), "quoted-printable");
        assert!(body.split(|&b| b == b'\n').all(|l| l.len() <= 77), "lines within 76 + CR");
        assert!(body.starts_with(b"caf=C3=A9 =3D\r\n"), "{}", String::from_utf8_lossy(body));
    }

    #[test]
    fn header_injection_is_refused() {
        let table = [
            ("X-Subject", "hi\r\nBcc: eve@evil.example"),
            ("X-Note", "a\nb"),
            ("X-Note", "a\0b"),
            ("Bad Name", "x"),
            ("X:Colon", "x"),
        ];
        for (name, value) in table {
            let result =
                MessageBuilder::new().from(mailbox("a@example.org")).header(name, value).build();
            assert!(matches!(result, Err(BuildError::InvalidField { .. })), "{name}: {value:?}");
        }
        let subject = MessageBuilder::new()
            .from(mailbox("a@example.org"))
            .subject("hi\r\nBcc: eve@evil.example")
            .build()
            .expect("control characters in text are encoded");
        let (section, _) = parse(&subject);
        assert!(section.get("Bcc").is_none());
    }

    #[test]
    fn missing_or_reserved_fields_are_errors() {
        assert_eq!(MessageBuilder::new().build(), Err(BuildError::MissingFrom));
        let two =
            MessageBuilder::new().from(mailbox("a@example.org")).from(mailbox("b@example.org"));
        assert_eq!(two.clone().build(), Err(BuildError::MissingSender));
        assert!(two.sender(mailbox("a@example.org")).build().is_ok());
        let reserved = MessageBuilder::new().from(mailbox("a@example.org")).header("date", "x");
        assert_eq!(reserved.build(), Err(BuildError::ReservedField { name: "date".into() }));
    }

    #[test]
    fn fields_never_exceed_998_octets_and_fold_near_78() {
        let to: Vec<Mailbox> =
            (0..60).map(|i| mailbox(&format!("Person {i} <person{i}@example.org>"))).collect();
        let builder = to
            .into_iter()
            .fold(MessageBuilder::new().from(mailbox("a@example.org")), |b, m| b.to(m));
        let message = builder.subject("word ".repeat(100)).build().expect("valid");
        let (section, _) = parse(&message);
        for line in section.to_bytes().split(|&b| b == b'\n') {
            assert!(line.len() <= 80, "{:?}", String::from_utf8_lossy(line));
        }
        assert_eq!(address_list(value(&section, "To")).expect("To").mailboxes().count(), 60);
    }

    #[test]
    fn cc_reply_to_and_extra_fields_are_written_and_read_back() {
        let message = MessageBuilder::new()
            .from(mailbox("alice@example.org"))
            .to(mailbox("bob@example.net"))
            .cc(mailbox("Carol <carol@example.net>"))
            .cc(Group::new("Team", vec![mailbox("dave@example.net")]).expect("group"))
            .reply_to(mailbox("Lists <list@example.org>"))
            .header("X-Mailer", "smtpkit")
            .header("Keywords", "meeting, plans")
            .build()
            .expect("valid");
        let (section, _) = parse(&message);

        let names: Vec<&str> = section.iter().map(|f| f.name()).collect();
        assert_eq!(names[2..5], ["Reply-To", "To", "Cc"]);
        assert_eq!(names[names.len() - 2..], ["X-Mailer", "Keywords"]);
        let cc = address_list(value(&section, "Cc")).expect("Cc parses");
        assert_eq!(
            cc.mailboxes().map(|m| m.addr_spec().to_string()).collect::<Vec<_>>(),
            ["carol@example.net", "dave@example.net"]
        );
        assert_eq!(cc.addresses()[0].mailboxes()[0].display_name(), Some("Carol"));
        let Address::Group(group) = &cc.addresses()[1] else { panic!("a group") };
        assert_eq!(group.display_name(), "Team");
        let reply_to = address_list(value(&section, "Reply-To")).expect("Reply-To parses");
        assert_eq!(reply_to.addresses(), [Address::Mailbox(mailbox("Lists <list@example.org>"))]);
        assert_eq!(text(&section, "X-Mailer"), "smtpkit");
        let keywords = crate::field::phrase::keywords(value(&section, "Keywords"));
        assert_eq!(keywords.expect("Keywords parses"), ["meeting", "plans"]);
    }

    #[test]
    fn a_subject_that_looks_like_an_encoded_word_reads_back_as_written() {
        let table = [
            ("=?UTF-8?Q?a?=", true),
            ("=?UTF-8?Q?a?=", false),
            ("Grüße =?ISO-8859-1?Q?Andr=E9?= und =?UTF-8?B?5pel5pys?=", true),
            ("Grüße =?ISO-8859-1?Q?Andr=E9?= und =?UTF-8?B?5pel5pys?=", false),
        ];
        for (subject, utf8) in table {
            let message = MessageBuilder::new()
                .from(mailbox("a@example.org"))
                .subject(subject)
                .utf8(utf8)
                .build()
                .expect("valid");
            let (section, _) = parse(&message);
            let read = section.get("Subject").expect("subject").unstructured().into_owned();
            assert_eq!(read, subject, "utf8: {utf8}");
        }
        let message = MessageBuilder::new()
            .from(mailbox("a@example.org"))
            .subject("Grüße =?UTF-8?Q?a?=")
            .utf8(true)
            .build()
            .expect("valid");
        let (section, _) = parse(&message);
        assert!(text(&section, "Subject").starts_with("Grüße =?UTF-8?B?"), "UTF-8 stays as it is");
    }

    proptest::proptest! {
        #[test]
        fn parsing_what_the_builder_wrote_gives_the_same_values(
            from in crate::strategies::field::mailbox(),
            to in crate::strategies::field::address_list(),
            cc in crate::strategies::field::address_list(),
            reply_to in crate::strategies::field::address_list(),
            extra in proptest::collection::vec(
                ("X-[A-Za-z0-9-]{1,12}", "[!-~]{1,30}( [!-~]{1,30}){0,6}"),
                0..3,
            ),
            subject in "\\PC{0,120}",
            date in crate::strategies::field_date::date_time(),
            id in crate::strategies::field::message_id(),
            utf8 in proptest::bool::ANY,
        ) {
            let builder = MessageBuilder::new()
                .from(from.clone())
                .subject(subject.clone())
                .date(date)
                .message_id(id.clone())
                .utf8(utf8);
            let builder = to.addresses().iter().cloned().fold(builder, |b, a| b.to(a));
            let builder = cc.addresses().iter().cloned().fold(builder, |b, a| b.cc(a));
            let builder = reply_to.addresses().iter().cloned().fold(builder, |b, a| b.reply_to(a));
            let builder = extra.iter().fold(builder, |b, (name, value)| b.header(name, value));
            let message = builder.build().expect("every generated value can be written");
            let (section, _) = parse(&message);
            let parsed_from = mailbox_list(value(&section, "From")).expect("From parses");
            proptest::prop_assert_eq!(&parsed_from.mailboxes()[0], &from);
            proptest::prop_assert_eq!(address_list(value(&section, "To")).expect("To parses"), to);
            proptest::prop_assert_eq!(address_list(value(&section, "Cc")).expect("Cc parses"), cc);
            let parsed_reply_to = address_list(value(&section, "Reply-To")).expect("Reply-To parses");
            proptest::prop_assert_eq!(parsed_reply_to, reply_to);
            // The extra fields come last, in the order they were added.
            let written = &section.fields()[section.len() - extra.len()..];
            for ((name, value), field) in extra.iter().zip(written) {
                proptest::prop_assert_eq!(field.name(), name.as_str());
                let unfolded = field.unfolded();
                proptest::prop_assert_eq!(unfolded.trim(), value.as_str());
            }
            proptest::prop_assert_eq!(date_time(value(&section, "Date")).expect("Date parses"), date);
            proptest::prop_assert_eq!(msg_id(value(&section, "Message-ID")).expect("id parses"), id);
            let parsed_subject = section.get("Subject").expect("subject").unstructured().into_owned();
            proptest::prop_assert_eq!(parsed_subject.trim(), subject.trim());
        }
    }
}
