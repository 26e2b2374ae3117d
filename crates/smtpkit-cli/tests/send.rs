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

/// Runs `send` against the port with a short deadline and `extra`
/// arguments, from a@example.org and to b@example.net unless `extra` says.
fn send_to(port: u16, extra: &[&str]) -> Output {
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec!["--server", &addr, "--timeout", "1"];
    if !extra.contains(&"--from") {
        args.extend_from_slice(&["--from", "a@example.org"]);
    }
    if !extra.contains(&"--to") {
        args.extend_from_slice(&["--to", "b@example.net"]);
    }
    args.extend_from_slice(extra);
    send(&args)
}

/// How a scripted server answers each command line, or `.` for the end of
/// the message.
type Script = fn(&str) -> &'static str;

/// A failure case: its name, the greeting, the script, more arguments, the
/// exit status and what the error says.
type Case = (&'static str, &'static str, Script, &'static [&'static str], u8, &'static str);

#[test]
fn each_failure_exits_with_its_own_status() {
    let cases: [Case; 12] = [
        ("greeting 554", "554 no service\r\n", common::accepting, &[], 3, "greeting rejected"),
        (
            "EHLO 550",
            "220 mx\r\n",
            |l| if l.starts_with("EHLO") { "550 go away\r\n" } else { common::accepting(l) },
            &[],
            3,
            "EHLO rejected",
        ),
        (
            "MAIL 451",
            "220 mx\r\n",
            |l| if l.starts_with("MAIL") { "451 4.3.0 later\r\n" } else { common::accepting(l) },
            &[],
            4,
            "MAIL rejected",
        ),
        (
            "DATA 554",
            "220 mx\r\n",
            |l| if l == "DATA" { "554 5.5.1 no\r\n" } else { common::accepting(l) },
            &[],
            6,
            "DATA rejected",
        ),
        (
            "end of data 552",
            "220 mx\r\n",
            |l| if l == "." { "552 5.3.4 too big\r\n" } else { common::accepting(l) },
            &[],
            6,
            "end of data rejected",
        ),
        (
            "garbage to EHLO",
            "220 mx\r\n",
            |l| if l.starts_with("EHLO") { "hello\r\n" } else { common::accepting(l) },
            &[],
            7,
            "malformed reply",
        ),
        (
            "dropped after the dot",
            "220 mx\r\n",
            |l| if l == "." { "" } else { common::accepting(l) },
            &[],
            8,
            "outcome unknown",
        ),
        (
            "silent at MAIL",
            "220 mx\r\n",
            |l| if l.starts_with("MAIL") { common::SILENT } else { common::accepting(l) },
            &[],
            9,
            "in time",
        ),
        (
            "dropped at MAIL without pipelining",
            "220 mx\r\n",
            |l| match l.get(..4).unwrap_or(l) {
                "EHLO" => "250 mx.example\r\n",
                "MAIL" => "",
                _ => common::accepting(l),
            },
            &[],
            10,
            "closed the connection at MAIL",
        ),
        (
            "a UTF-8 address without SMTPUTF8",
            "220 mx\r\n",
            common::accepting,
            &["--to", "jörg@example.net"],
            12,
            "needs SMTPUTF8",
        ),
        (
            "over SIZE",
            "220 mx\r\n",
            |l| {
                if l.starts_with("EHLO") {
                    "250-mx\r\n250 SIZE 10\r\n"
                } else {
                    common::accepting(l)
                }
            },
            &["--body", "longer than ten octets"],
            13,
            "exceeds the server's limit of 10",
        ),
        ("dropped before the greeting", "", common::accepting, &[], 10, "closed the connection"),
    ];
    for (name, greeting, script, extra, code, message) in cases {
        let (port, _server) = common::scripted(greeting, script);
        let output = send_to(port, extra);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code.into()), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
    }
}

#[test]
fn a_message_sent_to_the_mock_server_is_stored_as_built() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let server = runtime.block_on(smtpkit_mock::MockServer::start()).expect("starts");
    let output = send(&[
        "--server",
        &server.addr().to_string(),
        "--from",
        "Hoge <hoge@example.net>",
        "--to",
        "fuga@example.net",
        "--subject",
        "Greetings",
        "--header",
        "X-Mailer: smtpkit",
        "--body",
        "Hello, this is HAL-9000.\n.I can sing songs.",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));

    let wait =
        server.wait_for(1, std::time::Duration::from_secs(5), |m| m.is_for("fuga@example.net"));
    let stored = runtime.block_on(wait).expect("stored");
    let message = &stored[0].message;
    assert_eq!(message.envelope.reverse_path.to_string(), "<hoge@example.net>");
    let content = String::from_utf8_lossy(&message.content);
    assert!(content.contains("From: Hoge <hoge@example.net>\r\n"), "{content}");
    assert!(content.contains("To: fuga@example.net\r\n"), "{content}");
    assert!(content.contains("Subject: Greetings\r\n"), "{content}");
    assert!(content.contains("X-Mailer: smtpkit\r\n"), "{content}");
    assert!(
        content.ends_with("\r\n\r\nHello, this is HAL-9000.\r\n.I can sing songs.\r\n"),
        "{content}"
    );
    runtime.block_on(server.shutdown());
}

#[test]
fn bad_arguments_are_refused_with_the_option_named_before_connecting() {
    let (port, server) = server("250 ok\r\n");
    let data_file = std::env::temp_dir().join(format!("smtpkit-send-{}.eml", std::process::id()));
    std::fs::write(&data_file, "Subject: raw\r\n\r\nhi\r\n").expect("written");
    let data_file = data_file.to_str().expect("UTF-8").to_owned();
    let table: [(&[&str], &str); 9] = [
        (&["--from", "not an address"], "--from"),
        (&["--to", "nobody"], "--to"),
        (&["--ehlo", "bad name!"], "--ehlo"),
        (&["--header", "Bad Name: v"], "--header"),
        (&["--header", "X-A: a\x01b"], "--header"),
        (&["--header", "no colon"], "--header"),
        (&["--subject", "a\x1bb"], "--subject"),
        (&["--subject", "a\x7fb"], "--subject"),
        (&["--data-file", &data_file, "--subject", "hi"], "--data-file"),
    ];
    for (args, option) in table {
        let output = send_to(port, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(option), "{args:?}: {stderr}");
    }
    let output = send_to(port, &["--data-file", &data_file, "--header", "X-A: 1"]);
    assert_eq!(output.status.code(), Some(1), "--data-file with --header");
    // Mistakes that the argument parser itself catches exit 1 too, never
    // 2, which means that no connection could be made.
    for args in [&["--data-file", &data_file, "--body", "x"][..], &["--no-such-option"]] {
        let output = send_to(port, args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
    }

    // Nothing connected: a last, valid send, with a tab in the subject, is
    // the server's first session.
    let output = send_to(port, &["--subject", "a\tb", "--quit-after", "ehlo"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::remove_file(&data_file).expect("removed");
    assert_eq!(server.join().expect("ends"), "EHLO localhost\r\nQUIT\r\n");
}
