//! The client's STARTTLS and implicit TLS against the mock server, which
//! makes its own certificate authority, and against hand-written servers
//! that misbehave around STARTTLS. All on 127.0.0.1.

mod common;

use std::time::Duration;

use smtpkit_client::{Client, ClientConfig, ClientTls, ErrorKind, ProtocolViolation, TlsMode};
use smtpkit_codec::Host;
use smtpkit_mock::{MockServer, Tls};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn hello() -> Host<'static> {
    Host::new("client.example").expect("a valid name")
}

fn config() -> ClientConfig {
    ClientConfig::default().with_step_timeouts(Duration::from_secs(5))
}

/// A mock server with a self-signed certificate and an implicit TLS
/// listener, and a client TLS setup that trusts it.
async fn tls_server() -> (MockServer, ClientTls) {
    let server = MockServer::builder()
        .tls(Tls::SelfSigned)
        .implicit_tls("127.0.0.1:0".parse().expect("an address"))
        .start()
        .await
        .expect("starts");
    let ca = server.tls_ca_pem().expect("an authority").as_bytes().to_vec();
    (server, ClientTls::with_ca_pem("localhost", &ca).expect("a CA"))
}

#[tokio::test]
async fn required_starttls_upgrades_greets_again_and_sends() {
    let (server, tls) = tls_server().await;
    let mut client =
        Client::open(server.addr(), config(), &hello(), TlsMode::Required(tls)).await.expect("TLS");
    assert!(client.connection().is_tls());
    let (version, suite) = client.connection().tls_parameters().expect("negotiated");
    assert!(version.starts_with("TLSv1_") && suite.starts_with("TLS"), "{version} {suite}");
    let capabilities = client.capabilities().expect("greeted again over TLS");
    assert!(!capabilities.supports_starttls(), "not offered twice");

    let envelope = common::envelope("hoge@example.net", &["fuga@example.net"]);
    client.send(&envelope, b"Subject: over TLS\r\n\r\nHi\r\n").await.expect("sent");
    client.quit().await.expect("221");
    let stored = server.wait_for(1, Duration::from_secs(5), |_| true).await.expect("stored");
    assert!(stored[0].message.facts.tls.as_ref().is_some_and(|t| !t.implicit));

    // The transcript shows the EHLO and STARTTLS in plaintext (`->`,
    // `<-`), and the EHLO after it and the rest over TLS (`~>`, `<~`).
    let rendered = client.transcript().render();
    let order: Vec<&str> = rendered
        .lines()
        .filter(|line| line.contains("EHLO") || line.contains("STARTTLS") || line.contains("QUIT"))
        .collect();
    assert_eq!(
        order,
        [
            "-> EHLO client.example",
            "<- 250 STARTTLS",
            "-> STARTTLS",
            "~> EHLO client.example",
            "~> QUIT"
        ]
    );
    assert!(rendered.contains("<- 220 2.0.0 ready to start TLS"), "{rendered}");
}

#[tokio::test]
async fn implicit_tls_and_opportunistic_modes() {
    let (server, tls) = tls_server().await;
    let implicit = server.implicit_tls_addr().expect("a listener");
    let mut client = Client::open(implicit, config(), &hello(), TlsMode::Implicit(tls.clone()))
        .await
        .expect("TLS from the start");
    assert!(client.connection().is_tls());
    client.quit().await.expect("221");
    let rendered = client.transcript().render();
    assert!(
        rendered.lines().all(|line| line.starts_with("~> ") || line.starts_with("<~ ")),
        "{rendered}"
    );

    let mut client = Client::open(server.addr(), config(), &hello(), TlsMode::Opportunistic(tls))
        .await
        .expect("upgraded when offered");
    assert!(client.connection().is_tls());
    client.quit().await.expect("221");

    let plain = MockServer::start().await.expect("starts");
    let other = ClientTls::with_ca_pem("localhost", server.tls_ca_pem().expect("CA").as_bytes())
        .expect("a CA");
    let mut client = Client::open(plain.addr(), config(), &hello(), TlsMode::Opportunistic(other))
        .await
        .expect("plaintext when not offered");
    assert!(!client.connection().is_tls());
    client.quit().await.expect("221");
}

#[tokio::test]
async fn required_tls_never_sends_a_transaction_to_a_server_without_starttls() {
    let (tls_server, tls) = tls_server().await;
    // A server that does not offer STARTTLS, as an attacker stripping it
    // from the EHLO reply would make it look.
    let said = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let plain = MockServer::builder()
        .on_io({
            let said = std::sync::Arc::clone(&said);
            move |_, direction, bytes| {
                if direction == smtpkit_mock::Direction::Client {
                    said.lock().expect("not poisoned").extend_from_slice(bytes);
                }
            }
        })
        .start()
        .await
        .expect("starts");
    let error = Client::open(plain.addr(), config(), &hello(), TlsMode::Required(tls))
        .await
        .expect_err("no downgrade");
    assert!(matches!(error.kind(), ErrorKind::TlsNotOffered), "{error}");
    assert!(error.is_permanent());
    plain.shutdown().await;
    let said = String::from_utf8(said.lock().expect("not poisoned").clone()).expect("ASCII");
    assert_eq!(said, "EHLO client.example\r\nQUIT\r\n", "nothing else in plaintext");
    drop(tls_server);
}

#[tokio::test]
async fn a_certificate_from_another_authority_is_refused() {
    let (server, _) = tls_server().await;
    let (other, _) = tls_server().await;
    let wrong = ClientTls::with_ca_pem("localhost", other.tls_ca_pem().expect("CA").as_bytes())
        .expect("a CA");
    let error = Client::open(server.addr(), config(), &hello(), TlsMode::Required(wrong))
        .await
        .expect_err("not trusted");
    assert!(matches!(error.kind(), ErrorKind::Tls { step: "STARTTLS", .. }), "{error}");
    assert!(error.to_string().contains("certificate"), "{error}");

    // The name must match too.
    let ca = server.tls_ca_pem().expect("CA").as_bytes().to_vec();
    let misnamed = ClientTls::with_ca_pem("mail.example.org", &ca).expect("a CA");
    let error = Client::open(server.addr(), config(), &hello(), TlsMode::Required(misnamed))
        .await
        .expect_err("another name");
    assert!(matches!(error.kind(), ErrorKind::Tls { .. }), "{error}");

    assert!(ClientTls::with_ca_pem("localhost", b"no certificate here").is_err());
    assert!(ClientTls::with_ca_pem("not a name!", &ca).is_err());
}

/// A server that greets, offers STARTTLS, and answers STARTTLS with
/// `answer`, then closes after `linger`.
async fn starttls_server(answer: &'static [u8]) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("a client");
        stream.write_all(b"220 hostile.example ESMTP\r\n").await.expect("greeting");
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).await.expect("EHLO");
        assert!(buf[..n].starts_with(b"EHLO"));
        stream.write_all(b"250-hostile.example\r\n250 STARTTLS\r\n").await.expect("EHLO reply");
        let n = stream.read(&mut buf).await.expect("STARTTLS");
        assert_eq!(&buf[..n], b"STARTTLS\r\n");
        stream.write_all(answer).await.expect("answer");
        // Whatever comes next (a TLS hello) is read and dropped.
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await;
    });
    addr
}

#[tokio::test]
async fn plaintext_after_the_220_to_starttls_is_refused_as_injection() {
    let addr = starttls_server(b"220 go ahead\r\n250-injected\r\n250 PIPELINING\r\n").await;
    let tls = ClientTls::with_ca_pem(
        "localhost",
        tls_server().await.0.tls_ca_pem().expect("CA").as_bytes(),
    )
    .expect("a CA");
    let error =
        Client::open(addr, config(), &hello(), TlsMode::Required(tls)).await.expect_err("refused");
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Protocol { detail: ProtocolViolation::DataAfterStartTls }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn a_connection_dropped_in_the_handshake_is_a_tls_error() {
    let addr = starttls_server(b"220 go ahead\r\n").await;
    let (server, tls) = tls_server().await;
    let error = Client::open(addr, config(), &hello(), TlsMode::Required(tls))
        .await
        .expect_err("no handshake");
    assert!(matches!(error.kind(), ErrorKind::Tls { step: "STARTTLS", .. }), "{error}");
    drop(server);

    let addr = starttls_server(b"454 4.7.0 TLS not available due to temporary reason\r\n").await;
    let (_server, tls) = tls_server().await;
    let error =
        Client::open(addr, config(), &hello(), TlsMode::Required(tls)).await.expect_err("refused");
    assert!(error.is_transient(), "{error}");
    assert_eq!(error.reply().map(|r| r.code().get()), Some(454));
}

#[tokio::test]
async fn an_expired_certificate_is_refused() {
    let (ca, leaf, key) = common::signed_certificate("localhost", Some((2020, 2021)));
    let server = MockServer::builder()
        .tls(Tls::Pem { certificate_chain: leaf.into_bytes(), private_key: key.into_bytes() })
        .start()
        .await
        .expect("starts with a certificate of its own");
    let tls = ClientTls::with_ca_pem("localhost", ca.as_bytes()).expect("a CA");
    let error = Client::open(server.addr(), config(), &hello(), TlsMode::Required(tls))
        .await
        .expect_err("expired");
    assert!(matches!(error.kind(), ErrorKind::Tls { step: "STARTTLS", .. }), "{error}");
    assert!(error.to_string().to_lowercase().contains("expired"), "{error}");
    assert!(server.tls_ca_pem().is_none(), "no authority of its own");
}
