//! `smtpkit parse`, run as a user runs it.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

/// Runs `smtpkit parse` with `args`, feeding `input` on standard input.
fn parse(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .arg("parse")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child.stdin.take().expect("piped stdin").write_all(input).expect("input is written");
    child.wait_with_output().expect("the binary ends")
}

#[test]
fn valid_commands_print_canonically_and_exit_zero() {
    let output = parse(
        &["--commands"],
        b"ehlo client.example\r\nmail from:<a@example.org> size=10\r\nQUIT\r\n",
    );
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "EHLO client.example\r\nMAIL FROM:<a@example.org> SIZE=10\r\nQUIT\r\n"
    );
}

#[test]
fn an_error_is_shown_with_a_caret_and_parsing_goes_on() {
    let output = parse(&["--commands"], b"MAIL FROM:<a@@b>\r\nQUIT\r\n");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout,
        "error at 1:14: expected domain\nMAIL FROM:<a@@b>\n             ^\n  \
         a server answers: 501 5.1.7\nQUIT\r\n"
    );
}

#[test]
fn lenient_accepts_what_strict_refuses() {
    let input = b"MAIL FROM: <a@example.org>\n";
    assert_eq!(parse(&["--commands"], input).status.code(), Some(1));
    let output = parse(&["--commands", "--lenient"], input);
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), "MAIL FROM:<a@example.org>\r\n");
}

#[test]
fn a_missing_file_is_an_error_with_its_name() {
    let output = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .args(["parse", "/nonexistent/smtp.txt"])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("reading /nonexistent/smtp.txt"), "{stderr}");
}

/// A message with a trace field, encoded words, a group and a bad date.
const MESSAGE: &[u8] = b"Received: from mail.example (mail.example [192.0.2.1])\r\n\
\tby mx.example (Postfix) with ESMTPS id ABC123; Tue, 1 Jul 2003 10:52:37 +0200\r\n\
From: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.org>\r\n\
To: Friends: bob@example.net, \"Carol C.\" <carol@example.net>;, dave@example.net\r\n\
Subject: =?ISO-2022-JP?B?GyRCJEckOSEjGyhC?=\r\n\
Content-Type: text/plain; charset=\"utf-8\"\r\n\
Date: 30 Feb 2020 10:00 +0000\r\n\
\r\n\
body\r\n";

#[test]
fn a_message_is_shown_field_by_field_with_the_bad_one_explained() {
    let output = parse(&[], MESSAGE);
    assert_eq!(output.status.code(), Some(1), "a field failed");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "Received: from mail.example by mx.example with ESMTPS id ABC123 at 2003-07-01T10:52:37+02:00"
    );
    assert_eq!(lines[1], "From: \"Jörg\" <joerg@example.org>");
    assert_eq!(
        lines[2],
        "To: group \"Friends\": [<bob@example.net>, \"Carol C.\" <carol@example.net>], <dave@example.net>"
    );
    assert_eq!(lines[3], "Subject: です。");
    assert_eq!(lines[4], "Content-Type: text/plain; charset=\"utf-8\"");
    assert!(lines[5].starts_with("Date: error: "), "{}", lines[5]);
    assert_eq!(lines.last(), Some(&"(body: 6 octets)"));
}

#[test]
fn json_output_is_one_object_with_structured_values() {
    let output = parse(&["--json"], MESSAGE);
    let document: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the output is JSON");
    let fields = document["fields"].as_array().expect("a list of fields");
    assert_eq!(fields.len(), 6);
    assert_eq!(fields[0]["value"]["date"], "2003-07-01T10:52:37+02:00");
    assert_eq!(fields[1]["value"][0]["name"], "Jörg");
    assert_eq!(fields[2]["value"][0]["group"], "Friends");
    assert_eq!(fields[2]["value"][0]["members"][1]["address"], "carol@example.net");
    assert_eq!(fields[4]["value"]["parameters"]["charset"], "utf-8");
    assert!(fields[5]["error"].is_string());
    assert_eq!(document["body"]["octets"], 6);
}

#[test]
fn replies_print_canonically() {
    let output = parse(&["--replies"], b"250-mx.example\r\n250 SIZE 100\r\n550 5.1.1 no\r\n");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "250-mx.example\r\n250 SIZE 100\r\n550 5.1.1 no\r\n"
    );
}

/// Runs `smtpkit parse --json` on `input` and reads the output as JSON.
fn parse_json(args: &[&str], input: &[u8]) -> (Option<i32>, serde_json::Value) {
    let mut args = args.to_vec();
    args.push("--json");
    let output = parse(&args, input);
    let document = serde_json::from_slice(&output.stdout).expect("the output is JSON");
    (output.status.code(), document)
}

/// Fields of every kind the text and JSON tests below read.
const FIELDS: &[u8] = b"Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n\
Message-ID: <1234@local.machine.example>\r\n\
In-Reply-To: <3456@example.net>\r\n\
References: <1234@local.machine.example>\r\n <3456@example.net>\r\n\
Content-Disposition: attachment; filename*=utf-8'de'Gr%C3%BC%C3%9Fe.txt\r\n\
Resent-From: Mary Smith <mary@example.net>\r\n\
Resent-Date: Mon, 24 Nov 1997 14:22:01 -0800\r\n\
Resent-Message-ID: <78910@example.net>\r\n\
\r\n\
Hi\r\n";

#[test]
fn fields_of_every_kind_print_as_one_line_each() {
    let output = parse(&[], FIELDS);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Date: 2003-07-01T10:52:37+02:00\n\
         Message-ID: <1234@local.machine.example>\n\
         In-Reply-To: <3456@example.net>\n\
         References: <1234@local.machine.example> <3456@example.net>\n\
         Content-Disposition: attachment; filename=\"Grüße.txt\" (utf-8'de')\n\
         Resent-From: \"Mary Smith\" <mary@example.net>\n\
         Resent-Date: 1997-11-24T14:22:01-08:00\n\
         Resent-Message-ID: <78910@example.net>\n\
         (body: 4 octets)\n"
    );
}

#[test]
fn fields_of_every_kind_are_structured_in_json() {
    let (code, document) = parse_json(&[], FIELDS);
    assert_eq!(code, Some(0));
    let fields = document["fields"].as_array().expect("a list of fields");
    let value = |name: &str| {
        let field = fields.iter().find(|f| f["name"] == name).expect("the field is listed");
        assert!(field["error"].is_null(), "{field}");
        field["value"].clone()
    };

    assert_eq!(value("Date")["rfc3339"], "2003-07-01T10:52:37+02:00");
    assert_eq!(value("Date")["unix"], 1_057_049_557);
    assert_eq!(value("Message-ID"), "<1234@local.machine.example>");
    assert_eq!(value("In-Reply-To"), serde_json::json!(["<3456@example.net>"]));
    assert_eq!(
        value("References"),
        serde_json::json!(["<1234@local.machine.example>", "<3456@example.net>"])
    );
    let disposition = value("Content-Disposition");
    assert_eq!(disposition["type"], "attachment");
    assert_eq!(disposition["parameters"]["filename"], "Grüße.txt");
    assert_eq!(disposition["rfc2231"]["filename"]["charset"], "utf-8");
    assert_eq!(disposition["rfc2231"]["filename"]["language"], "de");
    assert_eq!(value("Resent-From")[0]["name"], "Mary Smith");
    assert_eq!(value("Resent-From")[0]["address"], "mary@example.net");
    assert_eq!(value("Resent-Date")["rfc3339"], "1997-11-24T14:22:01-08:00");
    assert_eq!(value("Resent-Message-ID"), "<78910@example.net>");
    assert_eq!(document["errors"], serde_json::json!([]));
    assert_eq!(document["body"]["octets"], 4);
}

#[test]
fn json_gives_the_rfc_2231_charset_and_language_of_parameters_that_have_them() {
    let table: [(&[u8], serde_json::Value); 3] = [
        (b"Content-Type: text/plain; charset=utf-8\r\n", serde_json::json!({})),
        (
            b"Content-Type: text/plain; title*=us-ascii'en'This%20is%20fun\r\n",
            serde_json::json!({ "title": { "charset": "us-ascii", "language": "en" } }),
        ),
        (
            b"Content-Disposition: inline; filename*=utf-8''a%C3%A9.txt; size=3\r\n",
            serde_json::json!({ "filename": { "charset": "utf-8", "language": null } }),
        ),
    ];
    for (input, expected) in table {
        let (code, document) = parse_json(&[], input);
        assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(input));
        assert_eq!(document["fields"][0]["value"]["rfc2231"], expected);
    }
}

#[test]
fn a_message_is_read_from_a_file_path() {
    let path = std::env::temp_dir().join(format!("smtpkit-parse-{}.eml", std::process::id()));
    std::fs::write(&path, FIELDS).expect("the file is written");
    let output = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .arg("parse")
        .arg(&path)
        .output()
        .expect("the binary runs");
    std::fs::remove_file(&path).expect("the file is removed");

    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("Date: 2003-07-01T10:52:37+02:00\n"), "{stdout}");
    assert!(stdout.ends_with("(body: 4 octets)\n"), "{stdout}");
}

/// A section with a line without a colon, a folded one, between good
/// fields.
const BROKEN: &[u8] = b"From: alice@example.org\r\n\
From alice\r\n\
\x20continued\r\n\
Subject: Hi\r\n\
\r\n\
body\r\n";

#[test]
fn a_line_that_is_no_field_is_reported_and_reading_goes_on_after_it() {
    let output = parse(&[], BROKEN);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "From: <alice@example.org>\n\
         error at offset 30 (2:6): expected \":\" after field-name\n\
         From alice\n     ^\n  \
         reading goes on at offset 49\n\
         Subject: Hi\n\
         (body: 6 octets)\n"
    );
}

#[test]
fn a_line_that_is_no_field_is_listed_with_its_position_in_json() {
    let (code, document) = parse_json(&[], BROKEN);
    assert_eq!(code, Some(1));
    let names: Vec<&str> = document["fields"]
        .as_array()
        .expect("a list of fields")
        .iter()
        .map(|f| f["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["From", "Subject"]);
    assert_eq!(
        document["errors"],
        serde_json::json!([{
            "offset": 30, "line": 2, "column": 6,
            "reason": "expected \":\" after field-name",
            "after_fields": 1, "resumed_at": 49,
        }])
    );
    assert_eq!(document["body"]["octets"], 6);
}

#[test]
fn a_broken_last_line_ends_the_section_with_the_input() {
    let output = parse(&[], b"Subject: Hi\r\nno colon");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("Subject: Hi\nerror at offset 16 (2:4): "), "{stdout}");
    assert!(stdout.ends_with("  the input ends after this line\n(body: 0 octets)\n"), "{stdout}");
}

#[test]
fn reaching_the_section_limit_stops_reading_where_it_is_reached() {
    let mut input = b"Subject: Hi\r\n".to_vec();
    for _ in 0..300 {
        input.extend_from_slice(b"X-Filler: ");
        input.extend_from_slice(&[b'x'; 900]);
        input.extend_from_slice(b"\r\n");
    }
    input.extend_from_slice(b"\r\nbody");

    let output = parse(&["--strict"], &input);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("  reading stopped at offset 262144\n"), "{stdout}");
    assert!(stdout.ends_with("(body: not reached)\n"), "{stdout}");

    let (code, document) = parse_json(&["--strict"], &input);
    assert_eq!(code, Some(1));
    assert_eq!(document["errors"][0]["offset"], 262_144);
    assert!(document["errors"][0]["resumed_at"].is_null());
    assert!(document["body"].is_null());
}

#[test]
fn keywords_with_encoded_words_print_decoded_and_a_comma_in_one_quoted() {
    let input =
        b"Keywords: =?UTF-8?Q?Steuererkl=C3=A4rung?=, \"=?UTF-8?Q?a?=\", =?UTF-8?Q?b=2C_c?=\r\n";
    let output = parse(&[], input);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Keywords: Steuererklärung, =?UTF-8?Q?a?=, \"b, c\"\n(body: 0 octets)\n"
    );
    let (_, document) = parse_json(&[], input);
    assert_eq!(
        document["fields"][0]["value"],
        serde_json::json!(["Steuererklärung", "=?UTF-8?Q?a?=", "b, c"])
    );
}

#[test]
fn the_field_limit_counts_the_fields_on_both_sides_of_a_broken_line() {
    let mut input = b"A: 0\r\nbroken\r\n".to_vec();
    for i in 1..=1000 {
        input.extend_from_slice(format!("A: {i}\r\n").as_bytes());
    }
    input.extend_from_slice(b"\r\nbody");

    let (code, document) = parse_json(&[], &input);
    assert_eq!(code, Some(1));
    assert_eq!(document["fields"].as_array().map(Vec::len), Some(1000));
    let errors = document["errors"].as_array().expect("a list of errors");
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["resumed_at"], 14);
    assert_eq!(errors[1]["reason"], "header section has more than 1000 fields");
    assert_eq!(errors[1]["after_fields"], 1000);
    assert!(errors[1]["resumed_at"].is_null());
    assert!(document["body"].is_null());
}
