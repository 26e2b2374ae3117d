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
    assert!(stdout.contains("  Subject: Greetings from HAL\n"));
    assert!(stdout.contains("  From: hoge@example.net\n"));
}
