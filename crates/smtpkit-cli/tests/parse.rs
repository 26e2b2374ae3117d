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
    let output =
        parse(&[], b"ehlo client.example\r\nmail from:<a@example.org> size=10\r\nQUIT\r\n");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "EHLO client.example\r\nMAIL FROM:<a@example.org> SIZE=10\r\nQUIT\r\n"
    );
}

#[test]
fn an_error_is_shown_with_a_caret_and_parsing_goes_on() {
    let output = parse(&[], b"MAIL FROM:<a@@b>\r\nQUIT\r\n");
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
    assert_eq!(parse(&[], input).status.code(), Some(1));
    let output = parse(&["--lenient"], input);
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
