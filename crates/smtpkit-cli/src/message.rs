//! `smtpkit parse` on a message: every header field, structured.
//!
//! Each field is read by the parser its name calls for; a field that does
//! not parse is reported with the reason, and the others still are, so a
//! malformed message is shown field by field. A line that is no field at
//! all (RFC 5322 §2.2: a name, a colon, a value) is reported too, and
//! reading goes on at the next line that starts a field.

use serde_json::{json, Value};
use smtpkit_codec::field::address::{self, Address, Mailbox};
use smtpkit_codec::field::{date, message_id, mime, phrase, received};
use smtpkit_codec::line::skip_line;
use smtpkit_codec::{ErrorKind, HeaderField, HeaderOptions, HeaderSection, ParseError};

/// What was read of a message's header section, in order.
pub enum Entry<'a> {
    /// A field, whatever its value held.
    Field(HeaderField<'a>),
    /// A line that is not part of a field, or a limit that was reached.
    Broken {
        /// The error, its offset into the whole input.
        error: ParseError,
        /// Where reading went on after the line, or `None` when it stopped.
        resumed_at: Option<usize>,
    },
}

/// A header section read line by line past the lines that are no field.
pub struct Reading<'a> {
    /// The fields and the errors, in the order of the input.
    pub entries: Vec<Entry<'a>>,
    /// The body after the empty line; `None` when reading stopped before
    /// the end of the header section.
    pub body: Option<&'a [u8]>,
}

/// Reads the header section of `input` and its body.
///
/// A syntax error, a line that is too long and a bare line ending belong
/// to one line: the fields before it are kept, the line is reported and
/// skipped with its continuation lines, and the rest is read as if the
/// section went on there. The size and field limits are not reset by
/// that: each later part gets what the earlier ones left. Reaching a
/// limit, or any other error, ends the reading.
pub fn read<'a>(input: &'a [u8], options: &HeaderOptions) -> Reading<'a> {
    let mut entries = Vec::new();
    let mut fields = 0;
    let mut offset = 0;
    loop {
        let remaining = HeaderOptions {
            size_limit: options.size_limit.saturating_sub(offset),
            max_fields: options.max_fields.saturating_sub(fields),
            ..options.clone()
        };
        let error = match HeaderSection::parse_message(&input[offset..], &remaining) {
            Ok((section, body)) => {
                entries.extend(section.fields().iter().cloned().map(Entry::Field));
                return Reading { entries, body: Some(body) };
            }
            Err(error) => in_whole_section(error.shifted_by(offset), options),
        };

        // Keep the fields before the line that holds the error: they end
        // where that line starts, which ends a section as well.
        let line_start = input[..error.offset().min(input.len())]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
            .max(offset);
        if line_start > offset {
            match HeaderSection::parse_message(&input[offset..line_start], &remaining) {
                Ok((section, _)) => {
                    fields += section.len();
                    entries.extend(section.fields().iter().cloned().map(Entry::Field));
                }
                Err(earlier) => {
                    // The lines before the error read the same on their
                    // own, so this is not expected; report it and stop.
                    let error = earlier.shifted_by(offset);
                    entries.push(Entry::Broken { error, resumed_at: None });
                    return Reading { entries, body: None };
                }
            }
        }

        if !is_line_error(&error) {
            entries.push(Entry::Broken { error, resumed_at: None });
            return Reading { entries, body: None };
        }
        let next = next_field(input, line_start);
        entries.push(Entry::Broken { error, resumed_at: Some(next) });
        if next == input.len() {
            // The end of the input ends the section, as it does for a
            // message without a body.
            return Reading { entries, body: Some(&input[next..]) };
        }
        offset = next;
    }
}

/// What one header field holds, for people and for JSON.
pub struct FieldView {
    /// The field's name as written.
    pub name: String,
    /// The value, one line, for people.
    pub text: String,
    /// The value, structured, for JSON.
    pub json: Value,
    /// Why the value did not parse, if it did not.
    pub error: Option<String>,
}

/// Reads one field with the parser its name calls for.
pub fn view(field: &HeaderField<'_>) -> FieldView {
    let name = field.name().to_owned();
    let raw = field.raw_value();
    let result = match name.to_ascii_lowercase().as_str() {
        "from" | "resent-from" => address::mailbox_list(raw)
            .map(|list| addresses(list.mailboxes().iter().cloned().map(Address::Mailbox))),
        "sender" | "resent-sender" => {
            address::mailbox(raw).map(|m| addresses([Address::Mailbox(m)]))
        }
        "to" | "cc" | "bcc" | "reply-to" | "resent-to" | "resent-cc" | "resent-bcc" => {
            address::address_list(raw).map(|list| addresses(list.addresses().iter().cloned()))
        }
        "return-path" => address::path(raw).map(|path| match path {
            Some(spec) => (format!("<{spec}>"), json!(spec.to_string())),
            None => ("<>".to_owned(), Value::Null),
        }),
        "date" | "resent-date" => date::date_time(raw).map(|d| {
            (d.to_rfc3339(), json!({ "rfc3339": d.to_rfc3339(), "unix": d.unix_timestamp() }))
        }),
        "message-id" | "resent-message-id" => {
            message_id::msg_id(raw).map(|id| (id.to_string(), json!(id.to_string())))
        }
        "in-reply-to" => message_id::in_reply_to(raw).map(ids),
        "references" => message_id::references(raw).map(ids),
        "keywords" => phrase::keywords(raw).map(|k| (keywords_text(&k), json!(k))),
        "received" => received::received(raw).map(received_view),
        "mime-version" => mime::mime_version(raw).map(|v| {
            (format!("{}.{}", v.major, v.minor), json!(format!("{}.{}", v.major, v.minor)))
        }),
        "content-type" => mime::content_type(raw).map(|ct| {
            let parameters = parameters(ct.parameters());
            (
                format!("{}/{}{}", ct.type_(), ct.subtype(), parameters.0),
                json!({
                    "type": ct.type_(), "subtype": ct.subtype(), "parameters": parameters.1, "rfc2231": parameters.2,
                }),
            )
        }),
        "content-disposition" => mime::content_disposition(raw).map(|cd| {
            let parameters = parameters(cd.parameters());
            (
                format!("{}{}", cd.disposition_type(), parameters.0),
                json!({
                    "type": cd.disposition_type(), "parameters": parameters.1, "rfc2231": parameters.2,
                }),
            )
        }),
        "content-transfer-encoding" => mime::content_transfer_encoding(raw)
            .map(|cte| (cte.as_str().to_owned(), json!(cte.as_str()))),
        "subject" | "comments" => {
            let text = field.unstructured().into_owned();
            Ok((text.clone(), json!(text)))
        }
        _ => {
            let text = field.unfolded().into_owned();
            Ok((text.clone(), json!(text)))
        }
    };
    match result {
        Ok((text, json)) => FieldView { name, text, json, error: None },
        Err(error) => FieldView {
            name,
            text: String::from_utf8_lossy(raw).trim().to_owned(),
            json: Value::Null,
            error: Some(describe(&error, raw)),
        },
    }
}

/// A limit error of a part of the section, told for the whole of it: a
/// part gets only what is left of each limit, and the error names the
/// limit the section has.
fn in_whole_section(error: ParseError, options: &HeaderOptions) -> ParseError {
    match error.kind() {
        ErrorKind::HeaderTooLarge { .. } => {
            let limit = options.size_limit;
            ParseError::new(error.offset(), ErrorKind::HeaderTooLarge { limit })
        }
        ErrorKind::TooManyFields { .. } => {
            let limit = options.max_fields;
            ParseError::new(error.offset(), ErrorKind::TooManyFields { limit })
        }
        _ => error,
    }
}

/// Whether an error belongs to one line, so that reading can go on after
/// that line.
fn is_line_error(error: &ParseError) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Syntax { .. } | ErrorKind::LineTooLong { .. } | ErrorKind::BareLineEnding
    )
}

/// Where the first line after the one at `start` that is not a
/// continuation line begins, or the end of the input.
fn next_field(input: &[u8], start: usize) -> usize {
    let mut at = start;
    loop {
        at += skip_line(&input[at..]).unwrap_or(input.len() - at);
        if !input.get(at).is_some_and(|&b| b == b' ' || b == b'\t') {
            return at;
        }
    }
}

/// An address list as text and JSON, groups kept.
fn addresses(list: impl IntoIterator<Item = Address>) -> (String, Value) {
    let mut texts = Vec::new();
    let mut values = Vec::new();
    for address in list {
        match address {
            Address::Mailbox(mailbox) => {
                texts.push(mailbox_text(&mailbox));
                values.push(mailbox_json(&mailbox));
            }
            Address::Group(group) => {
                let members: Vec<String> = group.members().iter().map(mailbox_text).collect();
                texts.push(format!("group {:?}: [{}]", group.display_name(), members.join(", ")));
                let members: Vec<Value> = group.members().iter().map(mailbox_json).collect();
                values.push(json!({ "group": group.display_name(), "members": members }));
            }
        }
    }
    (texts.join(", "), Value::Array(values))
}

fn mailbox_text(mailbox: &Mailbox) -> String {
    match mailbox.display_name() {
        Some(name) => format!("{name:?} <{}>", mailbox.addr_spec()),
        None => format!("<{}>", mailbox.addr_spec()),
    }
}

fn mailbox_json(mailbox: &Mailbox) -> Value {
    json!({ "name": mailbox.display_name(), "address": mailbox.addr_spec().to_string() })
}

/// Keywords separated by commas; one that holds a comma or a quote, or
/// is empty, is quoted so that the list reads the same.
fn keywords_text(keywords: &[String]) -> String {
    let texts: Vec<String> = keywords
        .iter()
        .map(|k| if k.is_empty() || k.contains([',', '"']) { format!("{k:?}") } else { k.clone() })
        .collect();
    texts.join(", ")
}

fn ids(ids: Vec<message_id::MessageId>) -> (String, Value) {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    (ids.join(" "), json!(ids))
}

/// Parameters as `; name=value` text, as a JSON object of name and value,
/// and as a JSON object of the RFC 2231 charset and language of those that
/// were written with them.
fn parameters(parameters: &[mime::Parameter]) -> (String, Value, Value) {
    let mut text = String::new();
    let mut values = serde_json::Map::new();
    let mut extended = serde_json::Map::new();
    for parameter in parameters {
        text.push_str(&format!("; {}={:?}", parameter.name(), parameter.value()));
        values.insert(parameter.name().to_owned(), json!(parameter.value()));
        if parameter.charset().is_some() || parameter.language().is_some() {
            let (charset, language) = (parameter.charset(), parameter.language());
            text.push_str(&format!(" ({}'{}')", charset.unwrap_or(""), language.unwrap_or("")));
            extended.insert(
                parameter.name().to_owned(),
                json!({ "charset": charset, "language": language }),
            );
        }
    }
    (text, Value::Object(values), Value::Object(extended))
}

fn received_view(received: received::Received<'_>) -> (String, Value) {
    let clause = |c: &Option<received::Clause<'_>>| c.as_ref().map(|c| c.value.to_string());
    let date = received.date.to_rfc3339();
    let mut text = Vec::new();
    for (label, value) in [
        ("from", clause(&received.from)),
        ("by", clause(&received.by)),
        ("with", clause(&received.with)),
        ("id", clause(&received.id)),
        ("for", clause(&received.for_)),
    ] {
        if let Some(value) = value {
            text.push(format!("{label} {value}"));
        }
    }
    text.push(format!("at {date}"));
    let json = json!({
        "from": clause(&received.from), "by": clause(&received.by), "via": clause(&received.via),
        "with": clause(&received.with), "id": clause(&received.id), "for": clause(&received.for_),
        "date": date,
    });
    (text.join(" "), json)
}

/// An error with the value and a caret under the offset.
fn describe(error: &ParseError, raw: &[u8]) -> String {
    let rendered = error.render(raw);
    // The rendering starts with `line:column: `; the value's own position
    // is what matters here, so keep just the message and the caret view.
    rendered.split_once(": ").map_or(rendered.clone(), |(_, rest)| rest.to_owned())
}
