//! `smtpkit parse` on a message: every header field, structured.
//!
//! Each field is read by the parser its name calls for; a field that does
//! not parse is reported with the reason, and the others still are, so a
//! malformed message is shown field by field.

use serde_json::{json, Value};
use smtpkit_codec::field::address::{self, Address, Mailbox};
use smtpkit_codec::field::{date, message_id, mime, phrase, received};
use smtpkit_codec::{HeaderField, ParseError};

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
        "keywords" => phrase::keywords(raw).map(|k| (k.join(", "), json!(k))),
        "received" => received::received(raw).map(received_view),
        "mime-version" => mime::mime_version(raw).map(|v| {
            (format!("{}.{}", v.major, v.minor), json!(format!("{}.{}", v.major, v.minor)))
        }),
        "content-type" => mime::content_type(raw).map(|ct| {
            let parameters = parameters(ct.parameters());
            (
                format!("{}/{}{}", ct.type_(), ct.subtype(), parameters.0),
                json!({
                    "type": ct.type_(), "subtype": ct.subtype(), "parameters": parameters.1,
                }),
            )
        }),
        "content-disposition" => mime::content_disposition(raw).map(|cd| {
            let parameters = parameters(cd.parameters());
            (
                format!("{}{}", cd.disposition_type(), parameters.0),
                json!({
                    "type": cd.disposition_type(), "parameters": parameters.1,
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

fn ids(ids: Vec<message_id::MessageId>) -> (String, Value) {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    (ids.join(" "), json!(ids))
}

/// Parameters as `; name=value` text and as a JSON object.
fn parameters(parameters: &[mime::Parameter]) -> (String, Value) {
    let mut text = String::new();
    let mut object = serde_json::Map::new();
    for parameter in parameters {
        text.push_str(&format!("; {}={:?}", parameter.name(), parameter.value()));
        object.insert(parameter.name().to_owned(), json!(parameter.value()));
    }
    (text, Value::Object(object))
}

fn received_view(received: received::Received) -> (String, Value) {
    let clause = |c: &Option<received::Clause>| c.as_ref().map(|c| c.value.clone());
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
