//! `smtpkit talk` driven through standard input against a scripted server.

mod common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use common::server;

/// Runs `smtpkit talk` against a server that takes every command, with
/// `input` piped in. Returns its output and what the server read.
fn talk(input: &str) -> (Output, String) {
    let (port, server) = server("250 2.1.5 ok\r\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .args(["talk", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("runs");
    child.stdin.take().expect("piped").write_all(input.as_bytes()).expect("written");
    let output = child.wait_with_output().expect("ends");
    let seen = server.join().expect("the server ends");
    (output, seen)
}

#[test]
fn piped_lines_are_checked_sent_with_crlf_and_dot_stuffed() {
    let input = "EHLO example.net\nMAIL FROM: <hoge@example.net>\nMAIL FROM:<hoge@example.net>\n\
                 RCPT TO:<fuga@example.net>\nDATA\n.leading dot\nHello\n.\nFROB\nQUIT\n";
    let (output, seen) = talk(input);
    let stdout = String::from_utf8_lossy(&output.stdout);

    assert!(output.status.success());
    assert!(stdout.contains("<- 220 mx.example ready\n   (the server is ready"), "{stdout}");
    assert!(stdout.contains("hint: 1:11: expected \"<\""), "{stdout}");
    assert!(stdout.contains("a server would answer 501 5.1.7"), "{stdout}");
    assert!(stdout.contains("(send the message, then end it"), "{stdout}");
    assert!(stdout.contains("hint: FROB is not an SMTP command"), "{stdout}");

    assert_eq!(
        seen,
        "EHLO example.net\r\nMAIL FROM:<hoge@example.net>\r\nRCPT TO:<fuga@example.net>\r\n\
         DATA\r\n..leading dot\r\nHello\r\n.\r\nQUIT\r\n"
    );
}

#[test]
fn a_typo_gets_a_suggestion_a_bang_sends_anyway_and_bad_message_lines_stay_home() {
    let input = "EHLO example.net\nMIAL FROM:<hoge@example.net>\n!MIAL FROM:<hoge@example.net>\n\
                 MAIL FROM:<hoge@example.net>\nRCPT TO:<fuga@example.net>\nDATA\n\
                 carriage\rreturn\nnul\0here\nkept\n.\nQUIT\n";
    let (output, seen) = talk(input);
    let stdout = String::from_utf8_lossy(&output.stdout);

    assert!(output.status.success());
    assert!(stdout.contains("did you mean MAIL FROM:<hoge@example.net>?"), "{stdout}");
    assert!(stdout.contains("hint: CR or NUL at offset 8;"), "{stdout}");
    assert!(stdout.contains("hint: CR or NUL at offset 3;"), "{stdout}");

    assert_eq!(
        seen,
        "EHLO example.net\r\nMIAL FROM:<hoge@example.net>\r\nMAIL FROM:<hoge@example.net>\r\n\
         RCPT TO:<fuga@example.net>\r\nDATA\r\nkept\r\n.\r\nQUIT\r\n"
    );
}
