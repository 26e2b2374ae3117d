//! The client against aiosmtpd, a real SMTP server from PyPI, over
//! loopback. Needs python3 with aiosmtpd; `cargo xtask test` installs it
//! and runs this file through the `interop` feature.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::envelope;
use smtpkit_client::{Client, ClientConfig, ClientTls, Credentials, ErrorKind, TlsMode};
use smtpkit_codec::Host;

/// An aiosmtpd server whose handler prints each message it accepts as one
/// JSON line: envelope, parameters and the content exactly as received.
const SERVER: &str = r#"
import json, sys
from aiosmtpd.controller import Controller

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        print(json.dumps({
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "options": envelope.mail_options,
            "content": content.decode("utf-8", "replace"),
        }), flush=True)
        return "250 2.0.0 stored"

tls = {}
if len(sys.argv) > 3:
    import ssl
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[2], sys.argv[3])
    from aiosmtpd.smtp import AuthResult, LoginPassword
    def authenticator(server, session, envelope, mechanism, auth_data):
        text = lambda value: value.decode() if isinstance(value, bytes) else value
        ok = isinstance(auth_data, LoginPassword) and text(auth_data.login) == "hoge" and text(auth_data.password) == "secret"
        return AuthResult(success=ok)
    tls = {"tls_context": context, "require_starttls": True, "authenticator": authenticator}
controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]), enable_SMTPUTF8=True, **tls)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

/// A running aiosmtpd; stopped when dropped.
struct Server {
    child: Child,
    lines: BufReader<std::process::ChildStdout>,
    port: u16,
}

impl Server {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts it with extra arguments: a certificate chain and key file
    /// make it offer and require STARTTLS.
    fn start_with(extra: &[&std::path::Path]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut child = Command::new("python3")
            .args(["-c", SERVER, &port.to_string()])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (cargo xtask test installs it)");
        let mut lines = BufReader::new(child.stdout.take().expect("piped"));
        let mut ready = String::new();
        lines.read_line(&mut ready).expect("the server starts");
        assert_eq!(ready.trim(), "ready");
        Self { child, lines, port }
    }

    /// The next message the server accepted.
    fn next_message(&mut self) -> serde_like::Message {
        let mut line = String::new();
        self.lines.read_line(&mut line).expect("a message line");
        serde_like::Message::parse(&line)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing its standard input asks the server to stop; kill makes sure.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Just enough JSON reading for the handler's flat objects, to keep this
/// crate's dependencies small.
mod serde_like {
    pub struct Message {
        pub line: String,
    }

    impl Message {
        pub fn parse(line: &str) -> Self {
            Self { line: line.trim().to_owned() }
        }

        /// True when the JSON line holds `"key": value` as written.
        pub fn has(&self, key: &str, value: &str) -> bool {
            self.line.contains(&format!("\"{key}\": {value}"))
        }
    }
}

#[tokio::test]
async fn messages_arrive_byte_exact_and_refusals_are_reported() {
    let mut server = Server::start();
    let addr = format!("127.0.0.1:{}", server.port);
    let mut client = Client::connect(&addr, ClientConfig::default()).await.expect("connects");
    let capabilities =
        client.ehlo(&Host::new("client.example").expect("valid")).await.expect("EHLO");
    assert!(capabilities.supports_smtputf8());

    // A body with a leading dot, a lone dot line and a line that looks like
    // the end of data: dot-stuffing must bring each back unchanged.
    let body = b"Subject: test\r\n\r\n.leading dot\r\n.\r\n..two\r\nend\r\n";
    let report = client
        .send(&envelope("alice@example.org", &["bob@example.net", "nobody@example.net"]), body)
        .await
        .expect("accepted");
    assert_eq!(report.accepted.len(), 1);
    assert_eq!(report.rejected[0].1.code().get(), 550);
    let message = server.next_message();
    assert!(message.has("from", "\"alice@example.org\""), "{}", message.line);
    assert!(message.has("to", "[\"bob@example.net\"]"), "{}", message.line);
    assert!(
        message.has(
            "content",
            "\"Subject: test\\r\\n\\r\\n.leading dot\\r\\n.\\r\\n..two\\r\\nend\\r\\n\""
        ),
        "{}",
        message.line
    );

    // The same connection sends a second message, with UTF-8 addresses.
    client
        .send(&envelope("jörg@example.org", &["山田@example.jp"]), b"Subject: x\r\n\r\nhi\r\n")
        .await
        .expect("accepted with SMTPUTF8");
    let message = server.next_message();
    assert!(message.line.contains("SMTPUTF8"), "{}", message.line);

    let error = client
        .send(&envelope("alice@example.org", &["nobody@example.net"]), b"x\r\n")
        .await
        .expect_err("the only recipient is refused");
    assert!(matches!(error.kind(), ErrorKind::AllRecipientsRejected { .. }));
    client.quit().await.expect("221");
}

#[tokio::test]
async fn required_starttls_with_a_verified_certificate() {
    // A certificate authority and a server certificate for 127.0.0.1.
    let (ca, leaf, key) = common::signed_certificate("127.0.0.1", None);
    let dir = std::env::temp_dir().join(format!("smtpkit-aiosmtpd-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let (cert_file, key_file) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_file, leaf).expect("written");
    std::fs::write(&key_file, key).expect("written");

    let mut server = Server::start_with(&[&cert_file, &key_file]);
    let addr = format!("127.0.0.1:{}", server.port);
    let tls = ClientTls::with_ca_pem("127.0.0.1", ca.as_bytes()).expect("a CA");
    let hello = Host::new("client.example").expect("valid");
    let mut client = Client::open(&addr, ClientConfig::default(), &hello, TlsMode::Required(tls))
        .await
        .expect("STARTTLS with aiosmtpd");
    assert!(client.connection().is_tls());
    // aiosmtpd offers LOGIN and PLAIN; PLAIN is picked. (A wrong password
    // is left to the mock's tests: aiosmtpd holds its 535 back a while.)
    let reply = client.auth(&Credentials::new("hoge", "secret"), None).await.expect("logged in");
    assert_eq!(reply.code().get(), 235);
    client
        .send(&envelope("alice@example.org", &["bob@example.net"]), b"Subject: tls\r\n\r\nhi\r\n")
        .await
        .expect("accepted over TLS");
    let message = server.next_message();
    assert!(message.has("content", "\"Subject: tls\\r\\n\\r\\nhi\\r\\n\""), "{}", message.line);
    client.quit().await.expect("221");

    // Without STARTTLS, aiosmtpd refuses the transaction.
    let mut plain = Client::open(&addr, ClientConfig::default(), &hello, TlsMode::Off)
        .await
        .expect("greets in plaintext");
    let refused = plain
        .send(&envelope("alice@example.org", &["bob@example.net"]), b"Subject: x\r\n\r\nhi\r\n")
        .await
        .expect_err("TLS first");
    assert_eq!(refused.reply().map(|r| r.code().get()), Some(530), "{refused}");
    let _ = std::fs::remove_dir_all(&dir);
}
