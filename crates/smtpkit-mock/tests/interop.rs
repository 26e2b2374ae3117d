//! The mock server with real third-party clients over 127.0.0.1: Python's
//! smtplib, curl and swaks. `cargo xtask test` installs them and runs this file
//! through the `interop` feature.

use std::process::Command;
use std::time::Duration;

use smtpkit_mock::{AuthMode, MockServer, SessionConfig, Tls};

#[tokio::test]
async fn smtplib_and_curl_messages_arrive_byte_exact() {
    let server =
        MockServer::builder().session(SessionConfig::default()).start().await.expect("starts");
    let port = server.addr().port().to_string();
    let python = r#"
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.sendmail("hoge@example.net", ["fuga@example.net"], b"Subject: py\r\n\r\n.dot\r\nline\r\n")
s.quit()
"#;
    let mail = std::env::temp_dir().join(format!("smtpkit-curl-{port}.eml"));
    std::fs::write(&mail, b"Subject: curl\r\n\r\n.dot\r\nline\r\n").expect("written");

    let (py, curl) = tokio::join!(
        tokio::task::spawn_blocking({
            let port = port.clone();
            move || Command::new("python3").args(["-c", python, &port]).output()
        }),
        tokio::task::spawn_blocking({
            let (port, mail) = (port.clone(), mail.clone());
            move || {
                Command::new("curl")
                    .args(["--silent", "--show-error", &format!("smtp://127.0.0.1:{port}")])
                    .args(["--mail-from", "hoge@example.net", "--mail-rcpt", "fuga@example.net"])
                    .arg("--upload-file")
                    .arg(&mail)
                    .output()
            }
        }),
    );
    let py = py.expect("joins").expect("python3 runs");
    assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));
    let curl = curl.expect("joins").expect("curl runs");
    assert!(curl.status.success(), "{}", String::from_utf8_lossy(&curl.stderr));
    let _ = std::fs::remove_file(&mail);

    let mut contents: Vec<Vec<u8>> = server
        .wait_for(2, Duration::from_secs(5), |m| m.is_for("fuga@example.net"))
        .await
        .expect("both arrive")
        .iter()
        .map(|m| m.message.content.clone())
        .collect();
    contents.sort();
    assert_eq!(
        contents,
        [
            b"Subject: curl\r\n\r\n.dot\r\nline\r\n".to_vec(),
            b"Subject: py\r\n\r\n.dot\r\nline\r\n".to_vec()
        ]
    );
}

#[tokio::test]
async fn swaks_with_and_without_pipelining_arrives_byte_exact() {
    let server = MockServer::start().await.expect("starts");
    let port = server.addr().port().to_string();
    for pipelining in [true, false] {
        let port = port.clone();
        let output = tokio::task::spawn_blocking(move || {
            let mut command = Command::new("swaks");
            command.args(["--server", "127.0.0.1", "--port", &port]);
            command.args(["--from", "hoge@example.net", "--to", "fuga@example.net"]);
            command.args(["--helo", "swaks.example", "--data", "Subject: swaks\n\n.dot\nline"]);
            if pipelining {
                command.arg("--pipeline");
            }
            command.output()
        })
        .await
        .expect("joins")
        .expect("swaks runs (cargo xtask test installs it)");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    }
    let stored = server
        .wait_for(2, Duration::from_secs(5), |m| m.is_for("fuga@example.net"))
        .await
        .expect("both arrive");
    for message in stored {
        assert_eq!(message.message.content, b"Subject: swaks\r\n\r\n.dot\r\nline\r\n");
    }
}

/// A scratch directory for the third-party clients of a TLS test, named
/// after `what` and the server's port, with the server's authority in
/// `ca.pem` and `mail` in `mail.eml`. Returns the three paths.
fn scratch(
    server: &MockServer,
    what: &str,
    mail: &[u8],
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("smtpkit-{what}-interop-{}", server.addr().port()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, server.tls_ca_pem().expect("an authority")).expect("written");
    let mail_file = dir.join("mail.eml");
    std::fs::write(&mail_file, mail).expect("written");
    (dir, ca, mail_file)
}

/// Runs `command` on a blocking thread and fails the test unless it
/// succeeds, showing what it printed.
async fn succeeds(mut command: Command) {
    let shown = format!("{command:?}");
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("joins")
        .unwrap_or_else(|e| panic!("{shown}: {e} (cargo xtask test installs it)"));
    assert!(
        output.status.success(),
        "{shown}\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn smtplib_curl_and_swaks_send_over_starttls_and_implicit_tls() {
    let server = MockServer::builder()
        .tls(Tls::SelfSigned)
        .require_tls(true)
        .implicit_tls("127.0.0.1:0".parse().expect("an address"))
        .start()
        .await
        .expect("starts");
    let port = server.addr().port().to_string();
    let smtps = server.implicit_tls_addr().expect("an implicit TLS listener").port().to_string();
    let (dir, ca, mail) = scratch(&server, "tls", b"Subject: tls\r\n\r\n.dot\r\nline\r\n");

    // Python verifies the certificate against the authority, by address.
    let python = r#"
import smtplib, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.starttls(context=context)
s.sendmail("hoge@example.net", ["fuga@example.net"], b"Subject: tls\r\n\r\n.dot\r\nline\r\n")
s.quit()
s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[3]), timeout=10, context=context)
s.sendmail("hoge@example.net", ["fuga@example.net"], b"Subject: tls\r\n\r\n.dot\r\nline\r\n")
s.quit()
"#;
    let mut command = Command::new("python3");
    command.args(["-c", python, &port]).arg(&ca).arg(&smtps);
    succeeds(command).await;

    for url in [format!("smtp://127.0.0.1:{port}"), format!("smtps://127.0.0.1:{smtps}")] {
        let mut command = Command::new("curl");
        command.args(["--silent", "--show-error", "--ssl-reqd", "--cacert"]).arg(&ca);
        command.args([&url, "--mail-from", "hoge@example.net", "--mail-rcpt", "fuga@example.net"]);
        command.arg("--upload-file").arg(&mail);
        succeeds(command).await;
    }

    for (port, tls) in [(&port, "--tls"), (&smtps, "--tls-on-connect")] {
        let mut command = Command::new("swaks");
        command.args([
            "--server",
            "127.0.0.1",
            "--port",
            port,
            tls,
            "--tls-verify",
            "--tls-ca-path",
        ]);
        command.arg(&ca);
        command.args(["--from", "hoge@example.net", "--to", "fuga@example.net"]);
        command.args(["--helo", "swaks.example", "--data", "Subject: tls\n\n.dot\nline"]);
        succeeds(command).await;
    }
    let _ = std::fs::remove_dir_all(&dir);

    let stored = server
        .wait_for(6, Duration::from_secs(5), |m| m.is_for("fuga@example.net"))
        .await
        .expect("all six arrive");
    let implicit =
        stored.iter().filter(|m| m.message.facts.tls.as_ref().is_some_and(|t| t.implicit));
    assert_eq!(implicit.count(), 3);
    for message in stored {
        assert_eq!(message.message.content, b"Subject: tls\r\n\r\n.dot\r\nline\r\n");
        assert!(message.message.facts.tls.is_some(), "TLS was required");
    }
}

#[tokio::test]
async fn smtplib_curl_and_swaks_authenticate_over_starttls() {
    let server = MockServer::builder()
        .tls(Tls::SelfSigned)
        .require_tls(true)
        .auth(AuthMode::users([("hoge", "secret")]))
        .start()
        .await
        .expect("starts");
    let port = server.addr().port().to_string();
    let (dir, ca, mail) = scratch(&server, "auth", b"Subject: auth\r\n\r\nline\r\n");

    // smtplib picks CRAM-MD5 first, then PLAIN and LOGIN; each is asked
    // for in turn, and a wrong password must fail.
    let python = r#"
import smtplib, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
for mechanism in ["CRAM-MD5", "PLAIN", "LOGIN"]:
    s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
    s.starttls(context=context)
    s.ehlo()
    s.user, s.password = "hoge", "secret"
    s.auth(mechanism, getattr(s, "auth_" + mechanism.lower().replace("-", "_")))
    s.sendmail("hoge@example.net", ["fuga@example.net"], b"Subject: auth\r\n\r\nline\r\n")
    s.quit()
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.starttls(context=context)
try:
    s.login("hoge", "wrong")
    sys.exit("a wrong password was accepted")
except smtplib.SMTPAuthenticationError as error:
    assert error.smtp_code == 535, error
"#;
    let mut command = Command::new("python3");
    command.args(["-c", python, &port]).arg(&ca);
    succeeds(command).await;

    let mut command = Command::new("curl");
    command.args(["--silent", "--show-error", "--ssl-reqd", "--cacert"]).arg(&ca);
    command.args([&format!("smtp://127.0.0.1:{port}"), "--user", "hoge:secret"]);
    command.args(["--mail-from", "hoge@example.net", "--mail-rcpt", "fuga@example.net"]);
    command.arg("--upload-file").arg(&mail);
    succeeds(command).await;

    for mechanism in ["PLAIN", "LOGIN"] {
        let mut command = Command::new("swaks");
        command.args(["--server", "127.0.0.1", "--port", &port, "--tls", "--tls-verify"]);
        command.arg("--tls-ca-path").arg(&ca);
        command.args(["--auth", mechanism, "--auth-user", "hoge", "--auth-password", "secret"]);
        command.args(["--from", "hoge@example.net", "--to", "fuga@example.net"]);
        command.args(["--helo", "swaks.example", "--data", "Subject: auth\n\nline"]);
        succeeds(command).await;
    }
    let _ = std::fs::remove_dir_all(&dir);

    let stored = server
        .wait_for(6, Duration::from_secs(5), |m| m.is_for("fuga@example.net"))
        .await
        .expect("all six arrive");
    for message in stored {
        assert_eq!(message.message.facts.auth.as_deref(), Some("hoge"));
        assert_eq!(message.message.content, b"Subject: auth\r\n\r\nline\r\n");
    }
}
