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
