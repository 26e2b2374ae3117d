//! The client against smtpkit's own mock server over loopback, with
//! PIPELINING offered and not, with DATA and with BDAT.

mod common;

use std::time::Duration;

use common::envelope;
use smtpkit_client::{Client, ClientConfig, Direction};
use smtpkit_codec::{EnhancedStatusCode, ForwardPath, Host, Reply, ReplyCode, ReversePath};
use smtpkit_mock::{Decision, Extensions, MockServer, Phase, SessionConfig, Transfer};

/// A server that refuses `nobody@…` at RCPT.
async fn server(pipelining: bool) -> MockServer {
    let session = SessionConfig {
        extensions: Extensions { pipelining, ..Extensions::default() },
        ..SessionConfig::default()
    };
    MockServer::builder()
        .session(session)
        .policy(|| {
            Box::new(|phase: Phase<'_>| match phase {
                Phase::Rcpt { forward_path, .. }
                    if forward_path.to_string().starts_with("<nobody@") =>
                {
                    let reply = Reply::single(
                        ReplyCode::MAILBOX_UNAVAILABLE,
                        Some(EnhancedStatusCode::BAD_DESTINATION_MAILBOX),
                        "no such user",
                    )
                    .expect("valid");
                    Decision::Reply(reply)
                }
                _ => Decision::Continue,
            })
        })
        .start()
        .await
        .expect("starts")
}

#[tokio::test]
async fn messages_arrive_byte_exact_with_and_without_pipelining() {
    for pipelining in [true, false] {
        let server = server(pipelining).await;
        let mut client =
            Client::connect(server.addr(), ClientConfig::default()).await.expect("connects");
        let offered =
            client.ehlo(&Host::new("client.example").expect("valid")).await.expect("EHLO");
        assert_eq!(offered.supports_pipelining(), pipelining);

        let body = b"Subject: one\r\n\r\n.leading\r\n.\r\nend\r\n";
        let to = ["fuga@example.net", "nobody@example.net", "piyo@example.net"];
        let report = client.send(&envelope("hoge@example.net", &to), body).await.expect("sent");
        assert_eq!(report.accepted.len(), 2);
        assert_eq!(report.rejected.len(), 1);

        // The same connection carries a second message, with UTF-8.
        client
            .send(
                &envelope("jörg@example.net", &["山田@example.jp"]),
                "Subject: ü\r\n\r\nß\r\n".as_bytes(),
            )
            .await
            .expect("second message");
        client.quit().await.expect("221");

        let stored = server.wait_for(2, Duration::from_secs(5), |_| true).await.expect("both");
        assert_eq!(stored[0].message.content, body);
        assert_eq!(stored[0].message.envelope.recipients.len(), 2);
        assert_eq!(stored[1].message.content, "Subject: ü\r\n\r\nß\r\n".as_bytes());
        assert!(stored[1].message.envelope.mail_parameters.smtputf8());
    }
}

#[tokio::test]
async fn bdat_carries_any_octets_to_the_mock() {
    let server = server(true).await;
    let mut client =
        Client::connect(server.addr(), ClientConfig::default()).await.expect("connects");
    client.ehlo(&Host::new("client.example").expect("valid")).await.expect("EHLO");
    let to = ForwardPath::Mailbox("fuga@example.net".parse().expect("valid"));
    client.mail_from(&ReversePath::Null, &Default::default()).await.expect("MAIL");
    client.rcpt_to(&to, &Default::default()).await.expect("RCPT");
    let body = b"\r\n.\r\nQUIT\r\n\x00\xff binary";
    client.bdat(body).await.expect("stored");
    client.quit().await.expect("221");
    let stored = server.wait_for(1, Duration::from_secs(5), |_| true).await.expect("one");
    assert_eq!(stored[0].message.content, body);
    assert_eq!(stored[0].message.transfer, Transfer::Bdat);
}

#[tokio::test]
async fn pipelining_turned_off_sends_one_command_at_a_time_though_offered() {
    for pipelining in [true, false] {
        let server = server(true).await;
        let config = ClientConfig { pipelining, ..ClientConfig::default() };
        let mut client = Client::connect(server.addr(), config).await.expect("connects");
        let offered =
            client.ehlo(&Host::new("client.example").expect("valid")).await.expect("EHLO");
        assert!(offered.supports_pipelining());

        let to = ["fuga@example.net", "piyo@example.net"];
        let body = b"Subject: one\r\n\r\nbody\r\n";
        client.send(&envelope("hoge@example.net", &to), body).await.expect("sent");
        client.quit().await.expect("221");

        // A pipelined batch is one write holding MAIL, both RCPTs and DATA;
        // one command at a time is one write each.
        let batched = client.transcript().entries().any(|(direction, bytes)| {
            direction == Direction::Sent
                && bytes.starts_with(b"MAIL")
                && bytes.ends_with(b"DATA\r\n")
        });
        assert_eq!(batched, pipelining);
        let stored = server.wait_for(1, Duration::from_secs(5), |_| true).await.expect("one");
        assert_eq!(stored[0].message.content, body);
    }
}
