//! The mock server with real third-party clients over 127.0.0.1: Python's
//! smtplib, curl and swaks. `cargo xtask test` installs them and runs this file
//! through the `interop` feature.

use std::process::Command;
use std::time::Duration;

use smtpkit_mock::{MockServer, SessionConfig};

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
