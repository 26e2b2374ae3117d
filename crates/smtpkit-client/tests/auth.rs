//! AUTH against the mock server over 127.0.0.1: every mechanism, bad
//! credentials, and a transcript that never shows the secret.

mod common;

use std::time::Duration;

use smtpkit_client::{Client, ClientConfig, ClientTls, Credentials, ErrorKind, TlsMode};
use smtpkit_codec::{Host, Mechanism};
use smtpkit_mock::{AuthMode, MockServer, Tls};

fn hello() -> Host<'static> {
    Host::new("client.example").expect("a valid name")
}

/// A mock server that lets hoge in with `secret`, without TLS on loopback.
async fn server() -> MockServer {
    MockServer::builder()
        .auth(AuthMode::users([("hoge", "secret")]))
        .auth_without_tls_on_loopback(true)
        .start()
        .await
        .expect("starts")
}

#[tokio::test]
async fn every_mechanism_logs_in_and_the_message_records_who() {
    let server = server().await;
    let credentials = Credentials::new("hoge", "secret");
    for mechanism in [
        None,
        Some(Mechanism::Plain),
        Some(Mechanism::Login),
        Some(Mechanism::CramMd5),
        Some(Mechanism::XOAuth2),
    ] {
        let mut client =
            Client::connect(server.addr(), ClientConfig::default()).await.expect("connects");
        client.ehlo(&hello()).await.expect("EHLO");
        let reply = client.auth(&credentials, mechanism.clone()).await.expect("logged in");
        assert_eq!(reply.code().get(), 235, "{mechanism:?}");
        let envelope = common::envelope("hoge@example.net", &["fuga@example.net"]);
        client.send(&envelope, b"Subject: auth\r\n\r\nHi\r\n").await.expect("sent");
        client.quit().await.expect("221");

        let shown = client.transcript().render();
        assert!(!shown.contains("secret"), "{shown}");
        for hidden in [credentials_b64("\0hoge\0secret"), credentials_b64("secret")] {
            assert!(!shown.contains(&hidden), "{mechanism:?}: {shown}");
        }
        if mechanism != Some(Mechanism::Login) {
            assert!(shown.contains("<redacted>"), "{mechanism:?}: {shown}");
        }
    }
    let stored = server.wait_for(5, Duration::from_secs(5), |_| true).await.expect("all five");
    assert!(stored.iter().all(|m| m.message.facts.auth.as_deref() == Some("hoge")));
}

fn credentials_b64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test]
async fn bad_credentials_and_unoffered_mechanisms_are_errors() {
    let server = server().await;
    let mut client =
        Client::connect(server.addr(), ClientConfig::default()).await.expect("connects");
    client.ehlo(&hello()).await.expect("EHLO");
    for mechanism in [Mechanism::Plain, Mechanism::Login, Mechanism::CramMd5, Mechanism::XOAuth2] {
        let error = client
            .auth(&Credentials::new("hoge", "wrong"), Some(mechanism.clone()))
            .await
            .expect_err("wrong password");
        assert_eq!(error.reply().map(|r| r.code().get()), Some(535), "{mechanism:?}: {error}");
        assert!(error.is_permanent());
    }
    let error = client
        .auth(&Credentials::new("hoge", "secret"), Some(Mechanism::ScramSha256))
        .await
        .expect_err("not offered");
    assert!(matches!(error.kind(), ErrorKind::Unsupported { .. }), "{error}");

    // Without AUTH offered at all.
    let plain = MockServer::start().await.expect("starts");
    let mut client =
        Client::connect(plain.addr(), ClientConfig::default()).await.expect("connects");
    client.ehlo(&hello()).await.expect("EHLO");
    let error = client.auth(&Credentials::new("hoge", "secret"), None).await.expect_err("none");
    assert!(matches!(error.kind(), ErrorKind::Unsupported { extension: "AUTH" }), "{error}");
}

#[tokio::test]
async fn auth_off_loopback_needs_tls_and_works_after_starttls() {
    let server = MockServer::builder()
        .tls(Tls::SelfSigned)
        .auth(AuthMode::users([("hoge", "secret")]))
        .start()
        .await
        .expect("starts");
    // Plaintext: AUTH is not offered.
    let mut client =
        Client::connect(server.addr(), ClientConfig::default()).await.expect("connects");
    let capabilities = client.ehlo(&hello()).await.expect("EHLO");
    assert_eq!(capabilities.auth_mechanisms().count(), 0);
    let credentials = Credentials::new("hoge", "secret");
    let error = client.auth(&credentials, Some(Mechanism::Plain)).await.expect_err("no AUTH");
    assert!(matches!(error.kind(), ErrorKind::Unsupported { .. }), "{error}");

    let tls = ClientTls::with_ca_pem("localhost", server.tls_ca_pem().expect("CA").as_bytes())
        .expect("a CA");
    let mut client =
        Client::open(server.addr(), ClientConfig::default(), &hello(), TlsMode::Required(tls))
            .await
            .expect("TLS");
    let mechanisms: Vec<&str> = client.capabilities().expect("EHLO").auth_mechanisms().collect();
    assert_eq!(mechanisms, ["CRAM-MD5", "PLAIN", "LOGIN", "XOAUTH2"]);
    client.auth(&credentials, None).await.expect("logged in over TLS");
    client.quit().await.expect("221");
}
