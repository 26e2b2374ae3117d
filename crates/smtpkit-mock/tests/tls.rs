//! STARTTLS and implicit TLS against the mock server over 127.0.0.1, with
//! a rustls client that verifies the server's self-signed certificate.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use smtpkit_mock::{MockServer, SessionConfig, Tls};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// A TLS client that trusts only the authority in `ca_pem`.
fn connector(ca_pem: &str) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).expect("a PEM certificate"))
        .expect("a CA");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// Reads one whole reply, every line of it.
async fn reply<S: AsyncRead + Unpin>(stream: &mut BufReader<S>) -> String {
    let mut reply = String::new();
    loop {
        let mut line = String::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_line(&mut line));
        assert!(read.await.expect("a reply in time").expect("read") > 0, "closed after {reply:?}");
        reply.push_str(&line);
        if line.as_bytes().get(3) != Some(&b'-') {
            return reply;
        }
    }
}

/// Sends `line` and returns the reply to it.
async fn ask<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut BufReader<S>, line: &str) -> String {
    stream.get_mut().write_all(line.as_bytes()).await.expect("written");
    stream.get_mut().flush().await.expect("flushed");
    reply(stream).await
}

/// Connects in plaintext, reads the greeting, says EHLO, and upgrades with
/// STARTTLS, sending `after` in the same write as STARTTLS.
async fn starttls(server: &MockServer, after: &str) -> BufReader<TlsStream<TcpStream>> {
    let mut plain = BufReader::new(TcpStream::connect(server.addr()).await.expect("connects"));
    assert!(reply(&mut plain).await.starts_with("220 "));
    let ehlo = ask(&mut plain, "EHLO client.example\r\n").await;
    assert!(ehlo.contains("250 STARTTLS") || ehlo.contains("250-STARTTLS"), "{ehlo}");
    let ready = ask(&mut plain, &format!("STARTTLS\r\n{after}")).await;
    assert!(ready.starts_with("220 2.0.0"), "{ready}");
    assert!(plain.buffer().is_empty(), "nothing after the 220: {:?}", plain.buffer());

    let ca = server.tls_ca_pem().expect("a self-signed authority");
    let name = ServerName::try_from("localhost").expect("a name");
    let tls = connector(ca).connect(name, plain.into_inner()).await.expect("the handshake");
    BufReader::new(tls)
}

/// Sends a whole message in the session and returns the replies' codes.
async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut BufReader<S>,
    body: &str,
) -> Vec<String> {
    let mut codes = Vec::new();
    for line in ["MAIL FROM:<hoge@example.net>\r\n", "RCPT TO:<fuga@example.net>\r\n", "DATA\r\n"] {
        codes.push(ask(stream, line).await[..3].to_owned());
    }
    codes.push(ask(stream, &format!("{body}\r\n.\r\n")).await[..3].to_owned());
    codes
}

#[tokio::test]
async fn starttls_upgrades_and_commands_sent_with_it_never_run() {
    let server = MockServer::builder().tls(Tls::SelfSigned).start().await.expect("starts");
    let mut tls = starttls(&server, "MAIL FROM:<evil@example.org>\r\nRSET\r\n").await;

    // The first reply over TLS answers this EHLO, not the smuggled lines.
    let ehlo = ask(&mut tls, "EHLO client.example\r\n").await;
    assert!(ehlo.starts_with("250-localhost"), "{ehlo}");
    assert!(!ehlo.contains("STARTTLS"), "offered again over TLS: {ehlo}");
    assert_eq!(send(&mut tls, "Subject: over TLS").await, ["250", "250", "354", "250"]);
    assert!(ask(&mut tls, "QUIT\r\n").await.starts_with("221"));

    let stored = server.wait_for(1, Duration::from_secs(5), |_| true).await.expect("stored");
    assert_eq!(stored[0].message.content, b"Subject: over TLS\r\n");
    let tls = stored[0].message.facts.tls.clone().expect("the TLS facts");
    assert!(!tls.implicit);
    assert!(tls.version.starts_with("TLSv1_"), "{tls:?}");
    assert!(tls.cipher_suite.starts_with("TLS"), "{tls:?}");
    assert_eq!(server.messages().len(), 1, "nothing from the smuggled lines");
    let transcript = stored[0].message.transcript.to_string();
    assert!(transcript.contains("C: STARTTLS\n"), "{transcript}");
    assert!(transcript.contains("C~ EHLO client.example\n"), "{transcript}");
    assert!(!transcript.contains("evil"), "the discarded plaintext is not kept: {transcript}");
}

#[tokio::test]
async fn implicit_tls_greets_after_the_handshake() {
    let server = MockServer::builder()
        .tls(Tls::SelfSigned)
        .implicit_tls("127.0.0.1:0".parse().expect("an address"))
        .start()
        .await
        .expect("starts");
    let addr = server.implicit_tls_addr().expect("an implicit TLS listener");
    let tcp = TcpStream::connect(addr).await.expect("connects");
    let name = ServerName::try_from("127.0.0.1").expect("an address as name");
    let ca = server.tls_ca_pem().expect("an authority");
    let mut tls = BufReader::new(connector(ca).connect(name, tcp).await.expect("the handshake"));

    assert!(reply(&mut tls).await.starts_with("220 localhost"));
    let ehlo = ask(&mut tls, "EHLO client.example\r\n").await;
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    assert_eq!(send(&mut tls, "Subject: implicit").await, ["250", "250", "354", "250"]);
    let stored = server.wait_for(1, Duration::from_secs(5), |_| true).await.expect("stored");
    assert!(stored[0].message.facts.tls.as_ref().expect("TLS").implicit);
}

#[tokio::test]
async fn mail_before_starttls_is_refused_when_tls_is_required() {
    // Session settings given after require_tls keep TLS required.
    let server = MockServer::builder()
        .tls(Tls::SelfSigned)
        .require_tls(true)
        .session(SessionConfig::default())
        .start()
        .await
        .expect("starts");
    let mut plain = BufReader::new(TcpStream::connect(server.addr()).await.expect("connects"));
    reply(&mut plain).await;
    ask(&mut plain, "EHLO client.example\r\n").await;
    let refused = ask(&mut plain, "MAIL FROM:<hoge@example.net>\r\n").await;
    assert!(refused.starts_with("530 5.7.0"), "{refused}");
    drop(plain);

    let mut tls = starttls(&server, "").await;
    ask(&mut tls, "EHLO client.example\r\n").await;
    assert_eq!(send(&mut tls, "Subject: required").await, ["250", "250", "354", "250"]);
}

#[tokio::test]
async fn failed_handshakes_store_nothing_and_the_server_goes_on() {
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let server = MockServer::builder()
        .tls(Tls::SelfSigned)
        .on_tls_failure({
            let failures = Arc::clone(&failures);
            move |session, reason| {
                failures.lock().expect("not poisoned").push((session, reason.to_owned()));
            }
        })
        .start()
        .await
        .expect("starts");

    // A client that trusts another authority refuses the certificate.
    let other = MockServer::builder().tls(Tls::SelfSigned).start().await.expect("starts");
    let mut plain = BufReader::new(TcpStream::connect(server.addr()).await.expect("connects"));
    reply(&mut plain).await;
    ask(&mut plain, "EHLO client.example\r\n").await;
    ask(&mut plain, "STARTTLS\r\n").await;
    let name = ServerName::try_from("localhost").expect("a name");
    let wrong = connector(other.tls_ca_pem().expect("an authority"));
    let error = wrong.connect(name, plain.into_inner()).await.expect_err("an unknown authority");
    assert!(error.to_string().contains("invalid peer certificate"), "{error}");

    // A client that goes on in plaintext after STARTTLS is cut off.
    let mut plain = BufReader::new(TcpStream::connect(server.addr()).await.expect("connects"));
    reply(&mut plain).await;
    ask(&mut plain, "EHLO client.example\r\n").await;
    ask(&mut plain, "STARTTLS\r\n").await;
    plain.get_mut().write_all(b"MAIL FROM:<hoge@example.net>\r\n").await.expect("written");
    let mut rest = String::new();
    let read = tokio::time::timeout(Duration::from_secs(5), plain.read_line(&mut rest)).await;
    assert!(!rest.starts_with("250"), "plaintext was answered: {rest:?} ({read:?})");

    // And the server still serves.
    let mut tls = starttls(&server, "").await;
    ask(&mut tls, "EHLO client.example\r\n").await;
    assert_eq!(send(&mut tls, "Subject: still here").await, ["250", "250", "354", "250"]);
    assert_eq!(server.messages().len(), 1);

    // The server saw both failures, each with its reason.
    let failures = failures.lock().expect("not poisoned").clone();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert_eq!((failures[0].0, failures[1].0), (1, 2));
    assert!(failures.iter().all(|(_, reason)| !reason.is_empty()), "{failures:?}");
}

#[tokio::test]
async fn a_key_that_is_not_pem_and_tls_without_a_certificate_are_refused() {
    let server = MockServer::builder().tls(Tls::SelfSigned).start().await.expect("starts");
    let ca = server.tls_ca_pem().expect("an authority").to_owned();
    drop(server);

    let refused = MockServer::builder()
        .tls(Tls::Pem {
            certificate_chain: ca.clone().into_bytes(),
            private_key: b"nonsense".to_vec(),
        })
        .start()
        .await
        .expect_err("no key");
    assert!(refused.to_string().contains("key"), "{refused}");
    let refused = MockServer::builder()
        .implicit_tls("127.0.0.1:0".parse().expect("an address"))
        .start()
        .await
        .expect_err("no certificate");
    assert!(refused.to_string().contains("certificate"), "{refused}");
}
