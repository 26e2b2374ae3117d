//! `smtpkit demo` runs the whole lesson against its own mock server.

use std::process::Command;

#[test]
fn demo_shows_both_conversations_and_the_delivered_messages() {
    let output = Command::new(env!("CARGO_BIN_EXE_smtpkit")).arg("demo").output().expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.matches("-> MAIL FROM:<hoge@example.net>").count(), 2, "{stdout}");
    assert_eq!(stdout.matches("<- 250 2.6.0 message accepted").count(), 2, "{stdout}");
    assert!(stdout.contains("-> Hello, this is HAL-9000.\n-> I can sing songs.\n-> .\n"));
    assert!(stdout.contains("The mailbox of fuga@example.net holds 2 messages"));

    // The first message has no header section; its text is the body.
    let (_, mailbox) = stdout.split_once("holds 2 messages").expect("the mailbox");
    let (first, second) = mailbox.split_once("message #2").expect("two messages");
    assert!(first.contains("  no header fields; the text is the body\n"), "{first}");
    assert!(first.contains("  Body:\n    Hello, this is HAL-9000.\n    I can sing songs.\n"));

    // The second is read through the typed accessors: the subject went as
    // an encoded word and comes back decoded.
    assert!(stdout.contains("-> Subject: Greetings from HAL =?UTF-8?B?4pmq?=\n"), "{stdout}");
    assert!(second.contains("  From:    HAL 9000, address hoge@example.net\n"), "{second}");
    assert!(second.contains("  Subject: Greetings from HAL \u{266a}\n"), "{second}");
    let date = second.split_once("  Date:    ").expect("a Date line").1;
    let date = date.lines().next().expect("the date");
    assert!(date.len() == 25 && date.as_bytes()[10] == b'T', "an RFC 3339 date: {date}");
    assert!(second.contains("  Body:\n    Hello, this is HAL-9000.\n    I can sing songs.\n"));
}
