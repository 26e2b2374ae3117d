//! Scripted replies over real TCP: greylisting, refused recipients and
//! messages, dropped connections, and expectations.

mod common;

use std::time::Duration;

use smtpkit_codec::Reply;
use smtpkit_mock::{parse_rule, MockServer, On, Rule};
use tokio::io::AsyncReadExt;

/// Sends `input` and returns the last line of each reply, until the server
/// closes.
async fn converse(server: &MockServer, input: &str) -> Vec<String> {
    let mut stream = common::connect_and_send(server, input.as_bytes()).await;
    let mut replies = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut replies))
        .await
        .expect("the server closes")
        .expect("reads");
    String::from_utf8_lossy(&replies)
        .lines()
        .filter(|line| line.as_bytes().get(3) == Some(&b' '))
        .map(str::to_owned)
        .collect()
}

fn codes(replies: &[String]) -> Vec<&str> {
    replies.iter().map(|r| &r[..3]).collect()
}

const SESSION: &str = "EHLO a.example\r\nMAIL FROM:<hoge@example.net>\r\n\
RCPT TO:<fuga@example.net>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n";

#[tokio::test]
async fn greylisting_refuses_the_first_mail_and_accepts_the_retry() {
    let server = MockServer::builder()
        .rule(Rule::on(On::Mail).reply(Reply::mailbox_busy()).up_to_n_times(1).expect(1))
        .start()
        .await
        .expect("starts");
    let first =
        converse(&server, "EHLO a.example\r\nMAIL FROM:<hoge@example.net>\r\nQUIT\r\n").await;
    assert_eq!(codes(&first), ["220", "250", "450", "221"]);
    let second = converse(&server, SESSION).await;
    assert_eq!(codes(&second), ["220", "250", "250", "250", "354", "250", "221"]);
    assert_eq!(server.messages().len(), 1);
    server.verify().expect("the rule fired once");
}

#[tokio::test]
async fn rules_from_the_command_line_form_refuse_recipients_and_messages() {
    let server = MockServer::builder()
        .rule(parse_rule("rcpt nobody@example.net => 550 5.1.1 no such user").expect("valid"))
        .rule(Rule::on(On::EndOfData).header("Subject", "spam").reply(Reply::transaction_failed()))
        .start()
        .await
        .expect("starts");
    let refused = converse(
        &server,
        "EHLO a.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<nobody@example.net>\r\n\
         RCPT TO:<fuga@example.net>\r\nDATA\r\nSubject: buy spam now\r\n\r\nx\r\n.\r\nQUIT\r\n",
    )
    .await;
    assert_eq!(codes(&refused), ["220", "250", "250", "550", "250", "354", "554", "221"]);
    assert!(refused[3].starts_with("550 5.1.1 no such user"));
    assert!(server.messages().is_empty(), "a refused message is not stored");

    converse(&server, SESSION).await;
    assert_eq!(server.mailbox("fuga@example.net").len(), 1);
}

#[tokio::test]
async fn a_rule_can_drop_the_connection_with_or_without_421() {
    for (with_421, expected) in
        [(true, vec!["220", "250", "250", "250", "421"]), (false, vec!["220", "250", "250", "250"])]
    {
        let server = MockServer::builder()
            .rule(Rule::on(On::Data).drop_connection(with_421))
            .start()
            .await
            .expect("starts");
        let replies = converse(&server, SESSION).await;
        assert_eq!(codes(&replies), expected);
        assert!(server.messages().is_empty());
    }
}

#[tokio::test]
async fn an_unmet_expectation_is_reported_and_fails_on_drop() {
    let server = MockServer::builder()
        .rule(Rule::on(On::Rcpt).recipient("nobody@example.net").expect(2))
        .start()
        .await
        .expect("starts");
    converse(&server, SESSION).await;
    let error = server.verify().expect_err("the rule never fired");
    assert!(error.to_string().contains("expected 2 times, matched 0"), "{error}");

    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(server)));
    let message = dropped.expect_err("dropping verifies");
    let text = message.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("matched 0") && text.contains("fuga@example.net"), "{text}");
}

#[tokio::test]
async fn a_delay_holds_the_reply_back_and_then_the_session_goes_on() {
    let server = MockServer::builder()
        .rule(Rule::on(On::Mail).delay(Duration::from_millis(300)).pass().expect(1))
        .start()
        .await
        .expect("starts");
    let started = std::time::Instant::now();
    let replies = converse(&server, SESSION).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(codes(&replies), ["220", "250", "250", "250", "354", "250", "221"]);
    server.verify().expect("fired once");
}

#[tokio::test]
async fn a_scoped_rule_applies_within_its_scope_and_verifies_on_drop() {
    let server = MockServer::start().await.expect("starts");
    {
        let guard =
            server.scoped_rule(Rule::on(On::Rcpt).reply(Reply::mailbox_unavailable()).expect(1));
        let refused = converse(&server, SESSION).await;
        assert_eq!(codes(&refused)[3], "550");
        assert_eq!(guard.matched(), 1);
    }
    // Out of scope, the rule is gone.
    let accepted = converse(&server, SESSION).await;
    assert_eq!(codes(&accepted), ["220", "250", "250", "250", "354", "250", "221"]);

    let guard = server.scoped_rule(Rule::on(On::Data).expect(3));
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(guard)));
    let text = dropped.expect_err("unmet").downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("expected 3 times, matched 0"), "{text}");
}
