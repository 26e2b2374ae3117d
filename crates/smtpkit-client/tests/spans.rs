//! The client's tracing spans, recorded by a small subscriber while it
//! talks to a scripted server over real TCP on 127.0.0.1.

mod common;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smtpkit_client::{Client, ClientConfig};
use smtpkit_codec::{ForwardPath, Host, ReversePath};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records each new span as `name step`.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<String>>>,
    next_id: Arc<AtomicU64>,
}

/// Finds the `step` field of a span.
struct StepField(Option<String>);

impl Visit for StepField {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "step" {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "step" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut step = StepField(None);
        span.record(&mut step);
        let step = step.0.unwrap_or_default();
        let name = span.metadata().name();
        self.spans.lock().expect("not poisoned").push(format!("{name} {step}"));
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

impl Recorder {
    /// The spans so far, each once, in the order they first appeared.
    fn steps(&self) -> Vec<String> {
        let mut steps: Vec<String> = Vec::new();
        for span in self.spans.lock().expect("not poisoned").iter() {
            if !steps.contains(span) {
                steps.push(span.clone());
            }
        }
        steps
    }
}

/// A server that offers `ehlo_reply`'s extensions, answers DATA 354,
/// every BDAT and end of data 250, and everything else as `other`.
async fn server(ehlo_reply: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("port");
    let addr = listener.local_addr().expect("bound").to_string();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("connects");
        let mut stream = BufReader::new(stream);
        stream.get_mut().write_all(b"220 mx\r\n").await.expect("greeting");
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let reply: &[u8] = if in_data {
                if line != ".\r\n" {
                    continue;
                }
                in_data = false;
                b"250 stored\r\n"
            } else if line.starts_with("EHLO") {
                ehlo_reply
            } else if line.starts_with("DATA") {
                in_data = true;
                b"354 go\r\n"
            } else if let Some(size) = line.strip_prefix("BDAT ") {
                let size: usize = size.split(' ').next().and_then(|n| n.parse().ok()).expect("n");
                let mut chunk = vec![0; size];
                stream.read_exact(&mut chunk).await.expect("chunk");
                b"250 chunk\r\n"
            } else if line.starts_with("RCPT") && line.contains("nobody") {
                b"550 no\r\n"
            } else if line.starts_with("QUIT") {
                b"221 bye\r\n"
            } else {
                b"250 ok\r\n"
            };
            if stream.get_mut().write_all(reply).await.is_err() {
                return;
            }
        }
    });
    addr
}

fn config() -> ClientConfig {
    ClientConfig::default().with_step_timeouts(Duration::from_secs(2))
}

#[tokio::test]
async fn every_step_of_a_pipelined_send_and_bdat_has_a_span() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());

    let addr = server(b"250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n").await;
    let stream = TcpStream::connect(&addr).await.expect("connects");
    let mut client = Client::from_stream(stream, config()).await.expect("greeting");
    client.ehlo(&Host::new("client.example").expect("valid")).await.expect("greets");
    client
        .send(&common::envelope("", &["a@example.net", "b@example.net"]), b"hi\r\n")
        .await
        .expect("sent");
    client.mail_from(&ReversePath::Null, &Default::default()).await.expect("MAIL");
    let to = ForwardPath::Mailbox("a@example.net".parse().expect("valid"));
    client.rcpt_to(&to, &Default::default()).await.expect("RCPT");
    client.bdat(b"hi\r\n").await.expect("BDAT");
    client.quit().await.expect("QUIT");

    let steps = recorder.steps();
    let expected =
        ["greeting", "EHLO", "MAIL", "RCPT", "DATA", "message", "end of data", "BDAT", "QUIT"];
    let expected: Vec<String> =
        expected.iter().map(|step| format!("smtp_command {step}")).collect();
    assert_eq!(steps, expected);
    let all = recorder.spans.lock().expect("not poisoned").clone();
    // The pipelined batch: MAIL, two RCPT and DATA, each its own span.
    let batch = ["MAIL", "RCPT", "RCPT", "DATA"].map(|step| format!("smtp_command {step}"));
    assert_eq!(all[2..6], batch);
}

#[tokio::test]
async fn the_lone_dot_that_abandons_a_transaction_has_a_span() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());

    let addr = server(b"250-mx\r\n250 PIPELINING\r\n").await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&Host::new("client.example").expect("valid")).await.expect("greets");
    let error = client.send(&common::envelope("", &["nobody@example.net"]), b"hi\r\n").await;
    assert!(error.is_err());

    let steps = recorder.steps();
    let tail: Vec<&str> = steps.iter().rev().take(2).rev().map(String::as_str).collect();
    assert_eq!(tail, ["smtp_command end of data", "smtp_command RSET"], "{steps:?}");
    assert!(!steps.iter().any(|step| step.ends_with("message")), "{steps:?}");
}
