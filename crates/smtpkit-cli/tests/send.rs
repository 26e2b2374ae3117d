//! `smtpkit send` against a scripted server on 127.0.0.1, run as a user
//! runs it.

mod common;

use std::net::TcpListener;
use std::process::{Command, Output};

use common::server;

fn send(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smtpkit")).arg("send").args(args).output().expect("runs")
}

#[test]
fn a_message_is_built_sent_and_shown_with_arrows() {
    let (port, server) = server("250 2.1.5 ok\r\n");
    let addr = format!("127.0.0.1:{port}");
    let output = send(&[
        "--server",
        &addr,
        "--from",
        "Hoge <hoge@example.net>",
        "--to",
        "fuga@example.net",
        "--subject",
        "会議の件",
        "--body",
        "Hello, this is HAL-9000.\nI can sing songs.",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("<- 220 mx.example ready\n-> EHLO localhost\n"), "{stdout}");
    assert!(stdout.contains("-> Subject: =?UTF-8?B?5Lya6K2w44Gu5Lu2?=\n"), "{stdout}");
    assert!(stdout.contains("<- 250 2.0.0 queued\n-> QUIT\n<- 221 bye\n"), "{stdout}");

    let seen = server.join().expect("the server ends");
    assert!(seen.contains("MAIL FROM:<hoge@example.net>\r\nRCPT TO:<fuga@example.net>\r\nDATA\r\n"));
    assert!(
        seen.contains("\r\n\r\nHello, this is HAL-9000.\r\nI can sing songs.\r\n.\r\n"),
        "{seen}"
    );
}

#[test]
fn every_recipient_rejected_exits_5_and_json_lines_show_why() {
    let (port, _server) = server("550 5.1.1 no such user\r\n");
    let addr = format!("127.0.0.1:{port}");
    let output =
        send(&["--server", &addr, "--from", "a@example.org", "--to", "x@example.net", "--json"]);
    assert_eq!(output.status.code(), Some(5));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect();
    assert!(lines
        .iter()
        .any(|l| l["direction"] == "received" && l["line"] == "550 5.1.1 no such user"));
    assert!(lines.iter().any(|l| l["direction"] == "sent" && l["line"] == "RSET"));
}

#[test]
fn no_server_exits_2() {
    let port = TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("bound").port();
    let output = send(&[
        "--server",
        &format!("127.0.0.1:{port}"),
        "--from",
        "a@example.org",
        "--to",
        "b@example.org",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not connect"));
}

#[test]
fn line_breaks_in_arguments_are_refused_before_connecting() {
    let (port, server) = server("250 ok\r\n");
    let addr = format!("127.0.0.1:{port}");
    let table: [&[&str]; 5] = [
        &[
            "--from",
            "a@example.org",
            "--to",
            "b@example.org",
            "--subject",
            "hi\r\nBcc: x@y.example",
        ],
        &["--from", "a@example.org\r\nRCPT TO:<x@evil.example>", "--to", "b@example.org"],
        &["--from", "a@example.org", "--to", "b@example.org>\r\nDATA"],
        &["--from", "a@example.org", "--to", "b@example.org", "--ehlo", "x\r\nMAIL FROM:<>"],
        &[
            "--from",
            "a@example.org",
            "--to",
            "b@example.org",
            "--header",
            "X-A: 1\r\nBcc: x@y.example",
        ],
    ];
    for args in table {
        let mut all = vec!["--server", addr.as_str()];
        all.extend_from_slice(args);
        let output = send(&all);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
    }
    // Nothing connected: a last, valid send is the server's first session.
    let output = send(&[
        "--server",
        &addr,
        "--from",
        "a@example.org",
        "--to",
        "b@example.org",
        "--quit-after",
        "ehlo",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let seen = server.join().expect("ends");
    assert_eq!(seen, "EHLO localhost\r\nQUIT\r\n");
}
