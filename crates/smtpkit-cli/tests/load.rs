//! `smtpkit load` against the mock server on 127.0.0.1, run as a user
//! runs it.

use std::collections::HashSet;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use smtpkit_mock::{MockServer, On, Rule};

/// Runs `smtpkit load` against `server` with `args`, off the runtime's
/// threads so that the server goes on serving meanwhile; within a minute
/// unless `args` say otherwise.
async fn load(server: &MockServer, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smtpkit"));
    command.args(["load", "--server", &server.addr().to_string()]);
    if !args.contains(&"--max-seconds") {
        command.args(["--max-seconds", "60"]);
    }
    command.args(args);
    tokio::task::spawn_blocking(move || command.output().expect("runs")).await.expect("joins")
}

fn report(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("one JSON object")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_arrives_and_the_report_counts_it() {
    for pipelining in [true, false] {
        let server = MockServer::start().await.expect("starts");
        let mut args = vec!["--sessions", "4", "--messages", "40", "--size", "2000", "--json"];
        if pipelining {
            args.push("--pipelining");
        }
        let output = load(&server, &args).await;
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));

        let report = report(&output);
        assert_eq!(report["sent"], 40);
        assert_eq!(report["pipelining"], pipelining);
        assert!(report["errors"].as_object().expect("a map").is_empty());
        assert!(report["messages_per_second"].as_f64().expect("a number") > 0.0);
        let p50 = report["latency_ms"]["p50"].as_f64().expect("a number");
        let p99 = report["latency_ms"]["p99"].as_f64().expect("a number");
        assert!(0.0 < p50 && p50 <= p99, "{report}");

        let stored = server.messages();
        assert_eq!(stored.len(), 40);
        let mut ids = HashSet::new();
        for message in &stored {
            let content = &message.message.content;
            assert!(content.len().abs_diff(2000) <= 2, "{} octets", content.len());
            let (header, body) = message.message.header_section().expect("a header section");
            let id = header.get("Message-ID").expect("a Message-ID").raw_value().to_vec();
            assert!(ids.insert(id), "Message-IDs are unique");
            assert!(body.starts_with(b"The quick brown fox"));
            assert!(message.is_for("sink@example.net"));
        }
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_recipients_are_counted_by_reply_code_and_fail_the_run() {
    let server = MockServer::builder().rule(Rule::on(On::Rcpt)).start().await.expect("starts");
    let output =
        load(&server, &["--sessions", "2", "--messages", "10", "--size", "500", "--json"]).await;
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    assert_eq!(report["sent"], 0);
    assert_eq!(report["errors"]["550"], 10, "{report}");
    assert!(server.messages().is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("10 of 10 messages not sent"));

    // The same as text for a person.
    let output = load(&server, &["--messages", "3", "--size", "500"]).await;
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("sent     0 of 3 messages"), "{text}");
    assert!(text.contains("errors   550: 3\n"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_counts_every_message_under_connect() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_smtpkit"))
            .args(["load", "--server", &addr, "--sessions", "3", "--messages", "7", "--json"])
            .output()
            .expect("runs")
    })
    .await
    .expect("joins");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(report(&output)["errors"]["connect"], 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_past_its_time_limit_stops_and_counts_what_was_not_sent() {
    // Each MAIL is answered after 300 ms: 20 messages on one session need
    // six seconds, and the run may take one.
    let slow = Rule::on(On::Mail).pass().delay(Duration::from_millis(300));
    let server = MockServer::builder().rule(slow).start().await.expect("starts");
    let started = Instant::now();
    let output =
        load(&server, &["--messages", "20", "--size", "500", "--max-seconds", "1", "--json"]).await;
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    let sent = report["sent"].as_u64().expect("a count");
    assert!(sent < 20, "{report}");
    assert_eq!(report["errors"]["time limit"], 20 - sent, "{report}");
}
