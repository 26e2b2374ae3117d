//! The client against Postfix's smtp-sink, a real server that accepts and
//! discards, with PIPELINING offered and not. Needs Postfix's tools;
//! `cargo xtask test` installs them and runs this file through the
//! `interop` feature.

use std::process::{Child, Command};
use std::time::Duration;

use smtpkit_client::{Client, ClientConfig, Envelope};
use smtpkit_codec::{ForwardPath, Host, ReversePath};

/// A running smtp-sink; killed when dropped.
struct Sink(Child);

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(pipelining: bool) -> (Sink, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut command = Command::new("smtp-sink");
    if !pipelining {
        command.arg("-p");
    }
    if is_root() {
        // smtp-sink refuses to run as root without a user to switch to.
        command.args(["-u", "nobody"]);
    }
    let child =
        command.args([&addr, "10"]).spawn().expect("smtp-sink (cargo xtask test installs postfix)");
    (Sink(child), addr)
}

/// True when this process runs as the super-user.
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[tokio::test]
async fn messages_are_accepted_with_and_without_pipelining() {
    for pipelining in [true, false] {
        let (_sink, addr) = start(pipelining);
        // smtp-sink needs a moment to listen.
        let mut client = None;
        for _ in 0..50 {
            if let Ok(c) = Client::connect(addr.as_str(), ClientConfig::default()).await {
                client = Some(c);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut client = client.expect("smtp-sink listens");
        let offered =
            client.ehlo(&Host::new("client.example").expect("valid")).await.expect("EHLO");
        assert_eq!(offered.supports_pipelining(), pipelining);
        let envelope = Envelope {
            reverse_path: ReversePath::Mailbox("hoge@example.net".parse().expect("valid")),
            parameters: Default::default(),
            recipients: vec![
                (
                    ForwardPath::Mailbox("fuga@example.net".parse().expect("valid")),
                    Default::default(),
                ),
                (
                    ForwardPath::Mailbox("piyo@example.net".parse().expect("valid")),
                    Default::default(),
                ),
            ],
        };
        for _ in 0..3 {
            let report =
                client.send(&envelope, b"Subject: x\r\n\r\n.dot\r\n").await.expect("accepted");
            assert_eq!(report.accepted.len(), 2);
            assert_eq!(report.reply.code().get(), 250);
        }
        client.quit().await.expect("221");
    }
}
